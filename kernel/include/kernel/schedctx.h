/*
 * Scheduling contexts: CPU time as a kernel object (DESIGN.md rule 8).
 *
 * A scheduling context holds a budget and a period in timer ticks. A thread
 * runs only while it holds a context with budget left: its own (bound with
 * TCB_SET_SCHED_CONTEXT), or one lent to it. Each tick the running thread's
 * context is charged; a context that runs out is throttled until its next
 * refill, a period after the last, and the thread on it waits. A budget
 * equal to the period is the whole CPU and never runs out.
 *
 * Lending: a call to a passive server (a thread without a context of its
 * own) lends the caller's context to the server through the Reply the call
 * is linked to; the answer gives it back. Whatever happens to the parties,
 * the context goes back where it belongs (docs/scheduling.md).
 */
#ifndef KERNEL_SCHEDCTX_H
#define KERNEL_SCHEDCTX_H

#include <kernel/thread.h>

struct reply;

struct sched_context {
	uint64_t budget;               /* ticks per period; 0 until configured */
	uint64_t period;
	uint64_t remaining;            /* ticks left in the current period */
	uint64_t period_start;         /* tick the current period began */
	uint64_t consumed;             /* ticks charged in all */
	uint64_t overruns;             /* times it ran out */
	struct thread *owner;          /* the thread it is bound to, or NULL */
	struct thread *user;           /* the thread holding it now (owner or borrower) */
	struct reply *lent;            /* the last Reply it was lent through (a chain, see reply.h) */
	struct sched_context *rq_next, *rq_prev;   /* release queue, while throttled */
	bool throttled;                /* in the release queue, waiting for its refill */
	bool ready;                    /* has budget to run on: configured and not throttled */
};

_Static_assert(sizeof(struct sched_context) <= (1ul << TALLY_SCHED_CONTEXT_BITS), "sc size");

/* May t run now: does it hold a context with budget left? */
static inline bool
sc_can_run(const struct thread *t)
{
	return t->active_sc && t->active_sc->ready;
}

/* Empty the release queue (boot; host tests between cases). */
void sc_init(void);

/* The first throttled context, the next refill (the invariant checks walk from it). */
const struct sched_context *sc_release_first(void);

/* The boot threads' contexts: the whole CPU each. */
void sc_boot(struct thread *t, struct sched_context *sc);

/* A timer tick: charge the running thread's context, refill those that are due. */
void sc_tick(struct thread *running, uint64_t now);

/*
 * Lend caller c's context to server s for a call linked to Reply r (s has
 * none of its own). Nothing happens when c holds none.
 */
void sc_lend(struct thread *c, struct thread *s, struct reply *r);

/* The answer through r: the context lent through it goes back to the caller. */
void sc_give_back(struct reply *r, struct thread *caller);

/*
 * Thread t, the current one, answers through r: as sc_give_back, and if t
 * ran on the context lent through r it lets go of it, without a fault.
 */
void sc_answer(struct reply *r, struct thread *t, struct thread *caller);

/*
 * Reply r, with a context lent through it, goes away (or, stale, is
 * answered or receives anew): the caller gets the context back, or, gone,
 * its link ends and the borrower keeps it.
 */
void sc_reply_gone(struct reply *r);

/*
 * A passive thread blocks in a receive: a context it still holds goes back
 * to the newest caller on its chain still waiting, or home.
 */
void sc_drop_borrowed(struct thread *t);

/* Thread t is destroyed: its own context is unbound, a borrowed one goes back. */
void sc_thread_gone(struct thread *t);

/* The last capability to sc went. */
void sc_destroy(struct sched_context *sc);

struct invocation;
long sc_control_invoke(struct invocation *inv);
long sc_invoke(struct invocation *inv);
long sc_tcb_bind(struct invocation *inv, struct thread *t);

#endif
