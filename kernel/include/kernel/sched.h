/*
 * The scheduler: round robin over runnable threads, preempted by the timer.
 * (256 priorities and scheduling contexts arrive with later issues.)
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/thread.h>

/* The thread now running in user space, or NULL while idle. */
extern struct thread *sched_current;

/* Pick the next runnable thread after the current one and activate it. */
void sched_next(void);

/* Timer tick: rotate to the next thread when the time slice is over. */
void sched_tick(void);

/*
 * Leave the kernel into some runnable thread, halting the CPU in between
 * while none is runnable. Never returns.
 */
NORETURN void sched_run(void);

#endif
