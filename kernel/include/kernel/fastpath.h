/* The IPC fast path (fastpath.c). */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include <kernel/thread.h>

/*
 * Try CALL or REPLY_RECV of the current thread t on the fast path. Each
 * returns the thread to run next when the call is done (it is then
 * sched_current), or NULL, having changed nothing, when the general path
 * must take it.
 */
struct thread *fastpath_call(struct thread *t);
struct thread *fastpath_reply_recv(struct thread *t);

#endif
