/* The IPC fast path (fastpath.c). */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include <kernel/thread.h>

/*
 * Try system call nr of the current thread t on the fast path. Returns the
 * thread to run next when the call is done (it is then sched_current), or
 * NULL, having changed nothing, when the general path must take it.
 */
struct thread *fastpath(struct thread *t, uint64_t nr);

#endif
