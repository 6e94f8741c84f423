/*
 * IPC objects: endpoints, notifications and Reply objects, and the message
 * transfer between threads (DESIGN.md rules 4 and 5).
 *
 * Endpoints and notifications begin with a slot of their own, which holds
 * their zombie while the threads queued on them are woken, one per step,
 * after the last capability went (cap.c): deleting an endpoint with
 * thousands of waiters does bounded work between preemption points.
 * A Reply begins with a slot that holds a copy of the notification to
 * signal when its caller goes away.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <kernel/thread.h>
#include <tally/ipc.h>

enum endpoint_state {
	EP_IDLE,     /* nobody queued */
	EP_SEND,     /* senders (and callers) queued */
	EP_RECV,     /* receivers queued */
};

struct endpoint {
	struct cte zombie;           /* its zombie while dying */
	struct thread_queue queue;
	uint64_t state;              /* enum endpoint_state */
};

struct notification {
	struct cte zombie;           /* its zombie while dying */
	struct thread_queue queue;   /* waiters */
	uint64_t word;               /* signalled bits not yet taken */
	struct thread *bound;        /* the thread it is bound to */
};

struct reply {
	struct cte notify;           /* notification to signal when the caller goes */
	struct thread *caller;       /* waiting for the answer (BLOCKED_REPLY) */
	struct thread *receiver;     /* receiving with this Reply (BLOCKED_RECV) */
	bool stale;                  /* held a caller who went away before the answer */
	struct sched_context *sc;    /* the caller's context, lent through this Reply */
	struct reply *sc_prev;       /* the link before this one in sc's chain */
};

_Static_assert(sizeof(struct endpoint) <= (1ul << TALLY_ENDPOINT_BITS), "endpoint size");
_Static_assert(sizeof(struct notification) <= (1ul << TALLY_NOTIFICATION_BITS), "size");
_Static_assert(sizeof(struct reply) <= (1ul << TALLY_REPLY_BITS), "reply size");

/* Thread queues (ipc.c). */
void tq_append(struct thread_queue *q, struct thread *t);
void tq_remove(struct thread_queue *q, struct thread *t);

/*
 * The system calls, for thread t (the caller), after the capability was
 * looked up. Each sets t's result registers or blocks t.
 */
void ipc_send(struct thread *t, struct cte *cap, bool blocking, bool call);
void ipc_recv(struct thread *t, struct cte *cap, struct cte *reply_cap, bool blocking);
void ipc_reply_recv(struct thread *t, struct cte *cap, struct cte *reply_cap);
/* Answer through Reply r with t's message; returns an error, or OK. */
enum tally_error ipc_reply(struct thread *t, struct reply *r);

/* Send t's fault to endpoint ep as a call (thread.c). */
void ipc_send_fault(struct thread *t, struct endpoint *ep, uint64_t badge);

/* Wake t from an IPC wait with error err in its result registers. */
void ipc_wake_error(struct thread *t, enum tally_error err);

/* Endpoints (endpoint.c). */
void endpoint_cancel(struct endpoint *ep, struct thread *t);
bool endpoint_destroy_step(struct endpoint *ep);   /* true when no one is left */

/* Notifications (notification.c). */
void notification_signal(struct notification *n, uint64_t badge);
void notification_cancel(struct notification *n, struct thread *t);
bool notification_destroy_step(struct notification *n);
void notification_unbind(struct notification *n);

/* Replies (reply.c). */
void reply_caller_gone(struct reply *r);      /* the caller died or gave up */
void reply_receiver_gone(struct reply *r);    /* its receiver stopped receiving */
void reply_destroy(struct reply *r);
struct invocation;
long reply_invoke(struct invocation *inv);

#endif
