/*
 * The root task's capabilities: its CNode, address space and thread, the
 * IRQ and I/O-port controls, and every byte of free RAM (and the device
 * memory the arch names) as Untyped capabilities.
 */
#ifndef KERNEL_BOOT_CAPS_H
#define KERNEL_BOOT_CAPS_H

#include <kernel/boot.h>
#include <kernel/thread.h>
#include <tally/bootinfo.h>

/* Make the root CNode (from bootmem) and the fixed capabilities; before the seal. */
void boot_caps_create(struct thread *root, paddr_t vspace, paddr_t ipc_buffer);

/* Hand all free memory and device memory out as Untypeds; after the seal. */
void boot_caps_untypeds(void);

/* Give the root task the boot modules' pages as read-only frames; after the untypeds. */
void boot_caps_modules(const struct boot_desc *bd);

/* Describe the root task's capabilities in its boot-info page. */
void boot_caps_publish(struct tally_bootinfo *bi);

#endif
