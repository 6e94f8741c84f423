/* The fake architecture (see fake_arch.h). */
#include "fake_arch.h"
#include <kernel/clock.h>
#include <tally/bootinfo.h>
#include <tally/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *fake_ram;
unsigned char fake_user[FAKE_USER_SIZE];
char fake_console[1 << 16];
size_t fake_console_len;
int fake_halt_status = -1;
jmp_buf fake_exit;
struct thread *fake_activated;
unsigned long fake_preempt_every;
void (*fake_preempt_hook)(void);
static unsigned long fake_preempt_count;

void
fake_arch_reset(void)
{
	memset(fake_user, 0, sizeof(fake_user));
	fake_console_len = 0;
	fake_console[0] = 0;
	fake_halt_status = -1;
	fake_activated = NULL;
	fake_tlb_flushes = 0;
	fake_preempt_hook = NULL;
}

void
arch_console_write(const char *s, size_t n)
{
	size_t room = sizeof(fake_console) - 1 - fake_console_len;

	if (n > room)
		n = room;
	memcpy(fake_console + fake_console_len, s, n);
	fake_console_len += n;
	fake_console[fake_console_len] = 0;
	if (getenv("FAKE_CONSOLE"))
		fwrite(s, 1, n, stderr);
}

void
arch_halt(int status)
{
	fake_halt_status = status;
	longjmp(fake_exit, 1);
}

void
arch_backtrace(uintptr_t frame)
{
	(void)frame;
}

void *
arch_phys_to_virt(paddr_t pa)
{
	/* aligned like real RAM: page tables find their record from an entry's address */
	if (!fake_ram) {
		fake_ram = aligned_alloc(FAKE_RAM_ALIGN, FAKE_RAM_SIZE);
		if (!fake_ram)
			abort();
		memset(fake_ram, 0, FAKE_RAM_SIZE);
	}
	if (pa >= FAKE_RAM_SIZE)
		abort();
	return fake_ram + pa;
}

uint64_t
arch_bootmem_limit(void)
{
	return FAKE_RAM_SIZE;
}

void
arch_memory_init(const struct tally_mem_region *usable, unsigned n)
{
	(void)usable, (void)n;
}

void
arch_timer_init(unsigned hz)
{
	(void)hz;
}

bool
arch_vspace_create(struct arch_vspace *vs)
{
	static uint64_t next_id = 1;

	vs->id = next_id++;
	vs->mappings = 0;
	return true;
}

paddr_t
arch_vspace_root(const struct arch_vspace *vs)
{
	return vs->id << 12;
}

unsigned
arch_device_memory(struct tally_mem_region *out, unsigned max)
{
	(void)out, (void)max;
	return 0;
}

bool
arch_vspace_map(struct arch_vspace *vs, vaddr_t va, paddr_t pa, unsigned rights)
{
	(void)va, (void)pa, (void)rights;
	vs->mappings++;
	return true;
}

bool
arch_user_range_ok(uaddr_t start, size_t len)
{
	const uint64_t top = 0x00007ffffffff000ul;

	return start <= top && len <= top - start;
}

static bool
fake_user_window(uaddr_t addr, size_t n)
{
	return addr >= FAKE_USER_BASE && n <= FAKE_USER_SIZE &&
	       addr - FAKE_USER_BASE <= FAKE_USER_SIZE - n;
}

bool
arch_copy_from_user(void *dst, uaddr_t src, size_t n)
{
	if (!arch_user_range_ok(src, n) || (n && !fake_user_window(src, n)))
		return false;
	memcpy(dst, fake_user + (src - FAKE_USER_BASE), n);
	return true;
}

bool
arch_copy_to_user(uaddr_t dst, const void *src, size_t n)
{
	if (!arch_user_range_ok(dst, n) || (n && !fake_user_window(dst, n)))
		return false;
	memcpy(fake_user + (dst - FAKE_USER_BASE), src, n);
	return true;
}

void
arch_regs_init_user(struct arch_regs *r, vaddr_t entry, vaddr_t stack, uint64_t arg)
{
	memset(r, 0, sizeof(*r));
	r->entry = entry;
	r->stack = stack;
	r->args[0] = arg;
}





void
arch_preempt_window(void)
{
	if (fake_preempt_hook)
		fake_preempt_hook();
	if (fake_preempt_every && ++fake_preempt_count % fake_preempt_every == 0)
		clock_tick();
}

paddr_t
arch_kva_to_phys(const void *p)
{
	return (paddr_t)((const unsigned char *)p - fake_ram);
}



void
arch_activate(struct thread *t, struct arch_regs *r, paddr_t root)
{
	(void)r, (void)root;
	fake_activated = t;
}

void
arch_regs_read(const struct arch_regs *r, struct tally_regs *out)
{
	memset(out, 0, sizeof(*out));
	out->rip = r->pc;
	out->rsp = r->stack;
	out->rdi = r->args[0];
}

bool
arch_regs_write(struct arch_regs *r, const struct tally_regs *in)
{
	if (in->rip >= FAKE_USER_TOP || in->rsp > FAKE_USER_TOP)
		return false;
	r->pc = in->rip;
	r->stack = in->rsp;
	r->args[0] = in->rdi;
	return true;
}

bool
arch_regs_resumable(const struct arch_regs *r)
{
	return r->pc < FAKE_USER_TOP;
}

/* The kernel's half: present entries that are no table the core may walk into. */
void
arch_vspace_init_root(void *pml4)
{
	uint64_t *e = pml4;
	unsigned i;

	for (i = ARCH_PT_ENTRIES / 2; i < ARCH_PT_ENTRIES; i++)
		e[i] = FAKE_PTE_KERNEL;
}

paddr_t
arch_kernel_root(void)
{
	return 0;
}

paddr_t fake_forgotten_root;

void
arch_vspace_forget_root(paddr_t root)
{
	fake_forgotten_root = root;
}

void
arch_return_to_user(void)
{
	longjmp(fake_exit, 2);
}

void
arch_idle_wait(void)
{
	longjmp(fake_exit, 3);
}

uint64_t
arch_timestamp(void)
{
	static uint64_t t;

	return ++t;
}

uint64_t
fake_object_phys(const void *object)
{
	return arch_kva_to_phys(object);
}

/*
 * Page-table entries (arch.h): a physical address and the FAKE_PTE_* bits
 * of fake_arch.h, so tests can read what the core wrote. The index and
 * sizes are x86_64's.
 */
unsigned
arch_pt_index(vaddr_t va, unsigned level)
{
	return (va >> arch_pt_entry_bits(level)) & (ARCH_PT_ENTRIES - 1);
}

unsigned
arch_pt_entry_bits(unsigned level)
{
	return 12 + 9 * level;
}

uint64_t
arch_pte_table(void *table)
{
	return arch_kva_to_phys(table) | FAKE_PTE_PRESENT | FAKE_PTE_TABLE;
}

uint64_t
arch_pte_frame(paddr_t pa, unsigned level, unsigned rights)
{
	return pa | FAKE_PTE_PRESENT | (uint64_t)rights << FAKE_PTE_RIGHTS_SHIFT |
	       (uint64_t)level << FAKE_PTE_LEVEL_SHIFT;
}

bool
arch_pte_present(uint64_t e)
{
	return e & FAKE_PTE_PRESENT;
}

void *
arch_pte_next_table(uint64_t e, unsigned level)
{
	if (!(e & FAKE_PTE_TABLE) || level == 0)
		return NULL;
	return arch_phys_to_virt(e & FAKE_PTE_ADDR);
}

unsigned long fake_tlb_flushes;

void
arch_tlb_flush(void)
{
	fake_tlb_flushes++;
}
