/*
 * x86_64 boot, in C: read what the multiboot loader left (memory map,
 * modules, command line) into the core's boot description, set up the CPU,
 * and hand over to kernel_main.
 *
 * Everything is copied out of loader memory here, before the first boot
 * allocation can reuse it. The loader's structures lie in the first GiB,
 * which the boot page tables map at KERNEL_VMA.
 */
#include <kernel/boot.h>
#include <kernel/arch.h>
#include <kernel/kprintf.h>
#include <string.h>
#include <tally/bootinfo.h>
#include <arch/multiboot.h>
#include <arch/x86.h>

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct boot_desc boot_desc;
static char boot_cpu_vendor[13];
static char boot_hypervisor[13];

/* A pointer to loader memory, or NULL when [pa, pa+len) is not mapped yet. */
static const void *
boot_loader_ptr(uint64_t pa, uint64_t len)
{
	if (pa >= BOOT_MAP_LIMIT || len > BOOT_MAP_LIMIT - pa)
		return NULL;
	return arch_phys_to_virt(pa);
}

static void
boot_copy_string(char *dst, uint32_t pa)
{
	const char *s = boot_loader_ptr(pa, 1);
	size_t n = 0;

	dst[0] = 0;
	if (!s)
		return;
	while (n + 1 < BOOT_STRING_MAX && boot_loader_ptr(pa + n, 1) && s[n]) {
		dst[n] = s[n];
		n++;
	}
	dst[n] = 0;
}

static void
boot_add_mem(uint64_t base, uint64_t size, enum boot_mem_type type)
{
	struct boot_desc *bd = &boot_desc;

	if (bd->mem_count == BOOT_MEM_MAX) {
		kprintf("boot: memory map entry %#lx+%#lx dropped (table full)\n", base, size);
		return;
	}
	bd->mem[bd->mem_count++] = (struct boot_mem){ base, size, type };
}

static void
boot_read_mmap(const struct multiboot_info *mbi)
{
	uint64_t off = 0;

	if (!(mbi->flags & MB_INFO_MMAP)) {
		if (mbi->flags & MB_INFO_MEMORY) {
			boot_add_mem(0, (uint64_t)mbi->mem_lower << 10, BOOT_MEM_USABLE);
			boot_add_mem(1ul << 20, (uint64_t)mbi->mem_upper << 10, BOOT_MEM_USABLE);
		}
		return;
	}
	while (off + sizeof(struct multiboot_mmap) <= mbi->mmap_length) {
		const struct multiboot_mmap *e =
			boot_loader_ptr(mbi->mmap_addr + off, sizeof(*e));

		if (!e || e->size < 20)
			break;
		boot_add_mem(e->base, e->length, e->type == 1 ? BOOT_MEM_USABLE : BOOT_MEM_RESERVED);
		off += (uint64_t)e->size + 4;
	}
}

static void
boot_read_modules(const struct multiboot_info *mbi)
{
	const struct multiboot_module *m;
	uint32_t i;

	if (!(mbi->flags & MB_INFO_MODS))
		return;
	m = boot_loader_ptr(mbi->mods_addr, (uint64_t)mbi->mods_count * sizeof(*m));
	if (mbi->mods_count > BOOT_MODULES_MAX)
		kprintf("boot: %u modules given, only the first %u are used\n", mbi->mods_count,
			BOOT_MODULES_MAX);
	for (i = 0; m && i < mbi->mods_count && i < BOOT_MODULES_MAX; i++) {
		struct boot_module *bm = &boot_desc.modules[boot_desc.module_count];

		if (m[i].mod_end < m[i].mod_start ||
		    !boot_loader_ptr(m[i].mod_start, m[i].mod_end - m[i].mod_start)) {
			kprintf("boot: module %u outside the first GiB, ignored\n", i);
			continue;
		}
		bm->start = m[i].mod_start;
		bm->end = m[i].mod_end;
		boot_copy_string(bm->string, m[i].string);
		boot_desc.module_count++;
	}
}

static void
boot_identify_cpu(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	memcpy(boot_cpu_vendor, &r[1], 4);
	memcpy(boot_cpu_vendor + 4, &r[3], 4);
	memcpy(boot_cpu_vendor + 8, &r[2], 4);
	boot_desc.cpu_vendor = boot_cpu_vendor;
	boot_desc.hypervisor = "none";
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return;
	cpuid(0x40000000, 0, r);
	memcpy(boot_hypervisor, &r[1], 4);
	memcpy(boot_hypervisor + 4, &r[2], 4);
	memcpy(boot_hypervisor + 8, &r[3], 4);
	boot_desc.hypervisor = boot_hypervisor[0] ? boot_hypervisor : "unnamed";
}

/*
 * Device memory for device Untypeds: the PCI hole from the end of RAM below
 * 4 GiB up to the I/O APIC and local APIC at 0xfec00000, which the kernel
 * keeps. (Memory-mapped devices above 4 GiB are not described yet.)
 */
unsigned
arch_device_memory(struct tally_mem_region *out, unsigned max)
{
	const uint64_t hole_end = 0xfec00000ul;
	uint64_t top = 0;
	unsigned i;

	for (i = 0; i < boot_desc.mem_count; i++) {
		const struct boot_mem *m = &boot_desc.mem[i];

		if (m->base < hole_end && m->base + m->size > top)
			top = MIN(m->base + m->size, hole_end);
	}
	top = ALIGN_UP(top, 1ul << 21);
	if (!max || top >= hole_end)
		return 0;
	out[0] = (struct tally_mem_region){ top, hole_end - top };
	return 1;
}

/* Called by x86_start64 on the kernel stack, with the loader's registers. */
NORETURN void
x86_entry(uint32_t magic, uint32_t mbi_pa)
{
	const struct multiboot_info *mbi;

	serial_init();
	if (magic != MULTIBOOT_LOADER_MAGIC) {
		kprintf("Tally: not started by a multiboot loader (magic %#x)\n", magic);
		arch_halt(ARCH_HALT_PANIC);
	}
	cpu_init();
	boot_identify_cpu();
	mbi = boot_loader_ptr(mbi_pa, sizeof(*mbi));
	if (!mbi) {
		kprintf("Tally: multiboot info out of reach at %#x\n", mbi_pa);
		arch_halt(ARCH_HALT_PANIC);
	}
	boot_read_mmap(mbi);
	boot_read_modules(mbi);
	if (mbi->flags & MB_INFO_CMDLINE)
		boot_copy_string(boot_desc.cmdline, mbi->cmdline);
	boot_desc.kernel_start = (paddr_t)__kernel_phys_start;
	boot_desc.kernel_end = (paddr_t)__kernel_phys_end;
	kernel_main(&boot_desc);
}
