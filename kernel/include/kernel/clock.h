/* The kernel's tick counter, advanced by the arch timer interrupt. */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <kernel/compiler.h>

/*
 * Called by the arch timer interrupt, once per tick, in user or kernel mode:
 * counts the tick and asks the scheduler to rotate at the next exit.
 */
void clock_tick(void);

uint64_t clock_ticks(void);

#endif
