/*
 * What the architecture's boot code hands the core: the firmware memory map,
 * where the kernel image and the boot modules lie, and the command line.
 * The arch layer fills it from its boot protocol (multiboot on x86_64) and
 * copies every string, so the core never touches loader memory.
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <kernel/compiler.h>

#define BOOT_MEM_MAX 64
#define BOOT_MODULES_MAX 16
#define BOOT_STRING_MAX 128

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
};

struct boot_mem {
	paddr_t base;
	uint64_t size;
	enum boot_mem_type type;
};

struct boot_module {
	paddr_t start;
	paddr_t end;                 /* one past the last byte */
	char string[BOOT_STRING_MAX];/* "name arg arg ..." */
};

struct boot_desc {
	struct boot_mem mem[BOOT_MEM_MAX];
	unsigned mem_count;
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned module_count;
	paddr_t kernel_start;        /* physical range of the kernel image, */
	paddr_t kernel_end;          /* from the multiboot header through bss */
	char cmdline[BOOT_STRING_MAX];
	const char *cpu_vendor;      /* for the banner */
	const char *hypervisor;      /* what CPUID says hosts us, or "none" */
};

/* Core entry point, called once by the arch boot code. */
NORETURN void kernel_main(struct boot_desc *bd);

#endif
