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

/* Set by the timer; the time slice is over at the next exit to user mode. */
extern volatile bool sched_preempt_requested;

/*
 * A preemption point inside a long kernel operation: let a pending interrupt
 * in, and say whether the operation should stop here (and be restarted).
 */
bool sched_preempt_point(void);

/*
 * Leave the kernel into some runnable thread, halting the CPU in between
 * while none is runnable. Never returns.
 */
NORETURN void sched_run(void);

#endif
