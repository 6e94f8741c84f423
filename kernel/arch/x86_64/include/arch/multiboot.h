/* Multiboot (version 1) structures, as QEMU's -kernel loader fills them. */
#ifndef ARCH_MULTIBOOT_H
#define ARCH_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_LOADER_MAGIC 0x2badb002

#define MB_INFO_MEMORY  (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS    (1u << 3)
#define MB_INFO_MMAP    (1u << 6)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;   /* KiB below 1 MiB */
	uint32_t mem_upper;   /* KiB above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
} __attribute__((packed));

struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

struct multiboot_mmap {
	uint32_t size;        /* of the rest of this entry */
	uint64_t base;
	uint64_t length;
	uint32_t type;        /* 1: available RAM */
} __attribute__((packed));

#endif
