/*
 * Tally public ABI: the boot-info page.
 *
 * The kernel maps one read-only page at TALLY_BOOTINFO_ADDR into every task it
 * starts at boot and passes its address in rdi. It describes the machine's
 * memory as the kernel accounted for it, the task's own arguments and the
 * clock. Every byte of usable RAM is in exactly one of the accounted classes:
 *
 *   usable = low + kernel + modules + boot + unusable + free
 *
 * where "boot" is what the kernel spent at boot on page tables and on the
 * boot tasks' own memory, and "unusable" the slivers of usable RAM that do
 * not fill a whole page. Firmware-reserved ranges are counted apart. All of
 * "free" is handed to the root task as Untyped capabilities: the kernel keeps
 * nothing back but its own static data.
 */
#ifndef TALLY_BOOTINFO_H
#define TALLY_BOOTINFO_H

#define TALLY_BOOTINFO_ADDR    0x7ff000000000ul
/* Every boot task's IPC buffer: one page above the boot-info page. */
#define TALLY_BOOT_IPC_BUFFER  (TALLY_BOOTINFO_ADDR + 0x1000ul)

/* Boot tasks' stacks end one unmapped guard page below the boot-info page. */
#define TALLY_BOOT_STACK_TOP   (TALLY_BOOTINFO_ADDR - 0x1000ul)
#define TALLY_BOOTINFO_MAGIC   0x6f666e69796c6c61ul /* "allyinfo" */
#define TALLY_BOOTINFO_REGIONS 64
#define TALLY_BOOTINFO_ARGS    128
#define TALLY_BOOTINFO_UNTYPEDS 128

struct tally_mem_region {
	unsigned long base;
	unsigned long size;
};

/* An Untyped capability given to the root task at boot. */
struct tally_untyped_desc {
	unsigned long paddr;      /* physical base, aligned to its size */
	unsigned char size_bits;  /* 2^size_bits bytes */
	unsigned char device;     /* 1: device memory (frames and untypeds only) */
	unsigned char pad[6];
};

/*
 * A boot module (a program image) given to the root task as frames: one
 * READ|EXEC frame capability per page, in slots first_slot ..
 * first_slot + pages - 1, the module's bytes starting `offset` bytes into
 * the first. The root task may map them (copies of them) to read the image
 * or to share its read-only pages with processes it builds from it.
 */
#define TALLY_BOOTINFO_MODULES 8
struct tally_module_desc {
	unsigned long first_slot;
	unsigned long pages;
	unsigned long offset;
	unsigned long size;          /* bytes */
	char name[32];               /* file name and arguments, cut to fit */
};

struct tally_mem_account {
	unsigned long usable;    /* all RAM the firmware calls available */
	unsigned long reserved;  /* firmware-reserved ranges (not RAM to use) */
	unsigned long low;       /* usable RAM below 1 MiB, kept back for firmware */
	unsigned long kernel;    /* the kernel image: text, data, bss */
	unsigned long modules;   /* boot modules (user programs) */
	unsigned long boot;      /* spent at boot: page tables, boot tasks */
	unsigned long unusable;  /* usable RAM in partial pages */
	unsigned long free;      /* everything else */
};

struct tally_bootinfo {
	unsigned long magic;                 /* TALLY_BOOTINFO_MAGIC */
	unsigned long size;                  /* sizeof(struct tally_bootinfo) */
	struct tally_mem_account mem;
	unsigned long free_region_count;
	struct tally_mem_region free_regions[TALLY_BOOTINFO_REGIONS];
	unsigned long thread_index;          /* this task's index for DEBUG_THREAD_INFO */
	unsigned long thread_count;          /* number of boot tasks */
	unsigned long tick_hz;               /* timer ticks per second */
	unsigned long tsc_unit_insns;        /* 1: TSC counts instructions (icount) */
	char args[TALLY_BOOTINFO_ARGS];      /* module arguments after its name */

	/* Capabilities (root task only; zero for other boot tasks). Fixed
	 * slots are in <tally/cap.h>; untyped i is in slot untyped_first + i. */
	unsigned long root_cnode_radix;
	unsigned long untyped_first;
	unsigned long untyped_count;
	unsigned long first_free_slot;       /* slots from here on are empty */
	struct tally_untyped_desc untyped[TALLY_BOOTINFO_UNTYPEDS];
	unsigned long module_count;
	struct tally_module_desc modules[TALLY_BOOTINFO_MODULES];
};

#endif
