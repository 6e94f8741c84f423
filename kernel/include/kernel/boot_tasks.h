/* Boot tasks: one thread and address space per boot module (boot_tasks.c). */
#ifndef KERNEL_BOOT_TASKS_H
#define KERNEL_BOOT_TASKS_H

#include <kernel/boot.h>
#include <kernel/thread.h>

/* Load every module into its own address space; panics if the root task fails. */
void boot_tasks_create(const struct boot_desc *bd);

/* Give the tasks their capabilities (the root task's included) and make them runnable. */
void boot_tasks_start(void);

/* Fill each task's boot-info page; call after memmap_seal, when figures are final. */
void boot_tasks_publish(const struct boot_desc *bd, bool tsc_counts_insns);

#endif
