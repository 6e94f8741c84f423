/*
 * The scheduler: 256 priorities, round robin within a priority, a time
 * slice measured in timer ticks. The running thread is sched_current and is
 * in no run queue; every other runnable thread is in its priority's queue.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/thread.h>

#define SCHED_PRIOS 256
#define SCHED_SLICE_TICKS 1   /* timer ticks in a time slice */

/* The thread now running in user space, or NULL while idle. */
extern struct thread *sched_current;

/* The thread whose registers and address space the arch has loaded. */
extern struct thread *sched_active;

/* Set when the current thread should give way at the next exit to user mode. */
extern volatile bool sched_preempt_requested;

/* Empty every run queue (boot, and host tests between cases). */
void sched_init(void);

/* Make a blocked or stopped t runnable; a higher priority than the current's preempts. */
void sched_wake(struct thread *t);

/* Take t out of its run queue, if it is in one (it is blocking or stopping). */
void sched_remove(struct thread *t);

/* The current thread gives up the rest of its time slice. */
void sched_yield(void);

/* The current thread stops running (blocked, stopped, destroyed): pick another. */
void sched_current_gone(void);

/* Run t next instead of the current thread, which stays runnable (IPC direct switch). */
void sched_switch_to(struct thread *t);

/* Highest priority with a runnable thread queued, or -1. */
int sched_highest_queued(void);

/* A timer tick (the count since boot): charge time, refill, end timed-out calls. */
void sched_tick(uint64_t now);

/* Change t's priority, moving it between queues if queued. */
void sched_set_priority(struct thread *t, unsigned prio);

/* Load t's registers and address space for the next return to user mode. */
void sched_activate(struct thread *t);

/* t's address space or existence changed: load it afresh next time. */
void sched_forget(struct thread *t);

/*
 * A preemption point inside a long kernel operation: let a pending interrupt
 * in, and say whether the operation should stop here (and be restarted).
 */
bool sched_preempt_point(void);

/*
 * Leave the kernel into the thread that should run, halting the CPU in
 * between while none is runnable. Never returns.
 */
NORETURN void sched_run(void);

#endif
