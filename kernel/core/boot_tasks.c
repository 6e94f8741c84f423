/*
 * Boot tasks: the kernel starts one thread in its own address space for each
 * boot module, the first being the root task. Everything they need (page
 * tables, frames, stack, boot-info page) comes from bootmem and is charged to
 * the "boot" class of the memory accounting.
 */
#include <kernel/boot_caps.h>
#include <kernel/boot_tasks.h>
#include <kernel/elf.h>
#include <kernel/kprintf.h>
#include <kernel/memmap.h>
#include <kernel/object.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/schedctx.h>
#include <string.h>
#include <tally/bootinfo.h>

/* Program images must stay below the stack and the boot-info page. */
#define BOOT_IMAGE_LIMIT 0x7f0000000000ul
#define BOOT_STACK_TOP TALLY_BOOT_STACK_TOP

_Static_assert(sizeof(struct tally_bootinfo) <= PAGE_SIZE, "boot info fits its page");

static paddr_t boot_info_pages[CONFIG_BOOT_THREADS];
static paddr_t boot_ipc_pages[CONFIG_BOOT_THREADS];
static struct arch_vspace boot_vspaces[CONFIG_BOOT_THREADS];
static struct sched_context boot_scs[CONFIG_BOOT_THREADS];
static unsigned boot_module_of[CONFIG_BOOT_THREADS];  /* thread index -> module */

static bool
boot_image_range_ok(uint64_t start, size_t len)
{
	return arch_user_range_ok(start, len) && start + len <= BOOT_IMAGE_LIMIT;
}

/* Map one fresh zeroed page at va; return its kernel address or NULL. */
static void *
boot_map_page(struct arch_vspace *vs, vaddr_t va, unsigned rights)
{
	paddr_t pa = bootmem_alloc_page();

	if (!pa || !arch_vspace_map(vs, va, pa, rights))
		return NULL;
	return arch_phys_to_virt(pa);
}

static bool
boot_load_segment(struct arch_vspace *vs, const char *image, const struct elf_segment *s)
{
	vaddr_t va;

	for (va = ALIGN_DOWN(s->vaddr, PAGE_SIZE); va < s->vaddr + s->memsz; va += PAGE_SIZE) {
		char *page = boot_map_page(vs, va, s->rights);
		vaddr_t lo = MAX(va, s->vaddr), hi = MIN(va + PAGE_SIZE, s->vaddr + s->filesz);

		if (!page)
			return false;
		if (lo < hi)
			memcpy(page + (lo - va), image + s->offset + (lo - s->vaddr), hi - lo);
	}
	return true;
}

/* Cut trailing spaces, which loaders may leave after a module's arguments. */
static void
boot_trim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = 0;
}

/* Name a thread after its module: the file's base name and its arguments. */
static void
boot_name_thread(struct thread *t, const char *string)
{
	const char *base = string, *p;

	for (p = string; *p && *p != ' '; p++)
		if (*p == '/')
			base = p + 1;
	strlcpy(t->name, base, sizeof(t->name));
	boot_trim(t->name);
}

static bool
boot_load_module(struct thread *t, const struct boot_module *m)
{
	const char *image = arch_phys_to_virt(m->start);
	struct elf_segment seg;
	vaddr_t entry;
	enum elf_error err;
	unsigned i;

	err = elf_check(image, m->end - m->start, boot_image_range_ok, &entry);
	if (err) {
		kprintf("boot: module '%s' rejected: %s\n", m->string, elf_error_name(err));
		return false;
	}
	struct arch_vspace *vs = &boot_vspaces[t->index];

	if (!arch_vspace_create(vs))
		return false;
	for (i = 0; elf_segment(image, i, &seg); i++)
		if (!boot_load_segment(vs, image, &seg))
			return false;
	for (i = 1; i <= CONFIG_BOOT_STACK_PAGES; i++)
		if (!boot_map_page(vs, BOOT_STACK_TOP - i * PAGE_SIZE,
				   ARCH_MAP_READ | ARCH_MAP_WRITE))
			return false;
	boot_info_pages[t->index] = bootmem_alloc_page();
	if (!boot_info_pages[t->index] ||
	    !arch_vspace_map(vs, TALLY_BOOTINFO_ADDR, boot_info_pages[t->index], ARCH_MAP_READ))
		return false;
	boot_ipc_pages[t->index] = bootmem_alloc_page();
	if (!boot_ipc_pages[t->index] ||
	    !arch_vspace_map(vs, TALLY_BOOT_IPC_BUFFER, boot_ipc_pages[t->index],
			     ARCH_MAP_READ | ARCH_MAP_WRITE))
		return false;
	arch_regs_init_user(&t->regs, entry, BOOT_STACK_TOP, TALLY_BOOTINFO_ADDR);
	return true;
}

void
boot_tasks_create(const struct boot_desc *bd)
{
	unsigned i;

	if (!bd->module_count)
		panic("boot: no boot modules; the kernel needs a root task");
	for (i = 0; i < bd->module_count && i < CONFIG_BOOT_THREADS; i++) {
		struct thread *t = &boot_threads[boot_thread_count];

		t->index = boot_thread_count;
		thread_init(t);
		t->prio = TALLY_PRIO_MAX;
		boot_name_thread(t, bd->modules[i].string);
		if (!boot_load_module(t, &bd->modules[i])) {
			if (i == 0)
				panic("boot: cannot start the root task '%s'", t->name);
			kprintf("boot: module %u '%s' not started\n", i, t->name);
			memset(t, 0, sizeof(*t));
			continue;
		}
		boot_module_of[t->index] = i;
		boot_thread_count++;
	}
}

void
boot_tasks_start(void)
{
	unsigned i;

	boot_caps_create(&boot_threads[0], arch_vspace_root(&boot_vspaces[0]), boot_ipc_pages[0]);
	/* the others run in spaces no capability of the root task names */
	for (i = 1; i < boot_thread_count; i++) {
		struct thread *t = &boot_threads[i];

		cdt_insert(NULL, &t->slots[TCB_SLOT_VSPACE],
			   object_original_cap(TALLY_OBJ_PML4, 0,
					       arch_phys_to_virt(arch_vspace_root(&boot_vspaces[i])),
					       false));
		cdt_insert(NULL, &t->slots[TCB_SLOT_IPC_BUFFER],
			   object_original_cap(TALLY_OBJ_FRAME_4K, 0,
					       arch_phys_to_virt(boot_ipc_pages[i]), false));
		t->ipcbuf_addr = TALLY_BOOT_IPC_BUFFER;
	}
	/* each boot task runs on a context of its own: the whole CPU */
	for (i = 0; i < boot_thread_count; i++) {
		sc_boot(&boot_threads[i], &boot_scs[i]);
		sched_wake(&boot_threads[i]);
	}
}

/* Arguments are what follows the module's first word. */
static void
boot_module_args(char *dst, size_t size, const char *string)
{
	while (*string && *string != ' ')
		string++;
	while (*string == ' ')
		string++;
	strlcpy(dst, string, size);
	boot_trim(dst);
}

void
boot_tasks_publish(const struct boot_desc *bd, bool tsc_counts_insns)
{
	unsigned i, k;

	for (i = 0; i < boot_thread_count; i++) {
		struct tally_bootinfo *bi = arch_phys_to_virt(boot_info_pages[i]);

		bi->magic = TALLY_BOOTINFO_MAGIC;
		bi->size = sizeof(*bi);
		bi->mem = kernel_memmap.acct;
		bi->free_region_count = kernel_memmap.free_count;
		for (k = 0; k < kernel_memmap.free_count; k++)
			bi->free_regions[k] = kernel_memmap.free[k];
		bi->thread_index = i;
		bi->thread_count = boot_thread_count;
		bi->tick_hz = CONFIG_TICK_HZ;
		bi->tsc_unit_insns = tsc_counts_insns;
		boot_module_args(bi->args, sizeof(bi->args), bd->modules[boot_module_of[i]].string);
		if (i == 0)
			boot_caps_publish(bi);
	}
}
