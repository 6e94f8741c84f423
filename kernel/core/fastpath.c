/*
 * The IPC fast path: CALL and REPLY_RECV with a short message (registers
 * only, no capability) to a thread that is waiting for it and may run at
 * once. It does what the general path (ipc.c) would do, in one straight
 * line, and hands the arch layer the thread to switch to; anything out of
 * the ordinary returns NULL and takes the general path, which gives the
 * same result.
 */
#include <kernel/fastpath.h>
#include <kernel/invoke.h>
#include <kernel/ipc.h>
#include <kernel/sched.h>
#include <kernel/schedctx.h>

static inline bool
fast_message_ok(uint64_t info)
{
	return tally_msginfo_length(info) <= TALLY_MSG_REGS && !tally_msginfo_caps(info);
}

/* Copy t's short message to r's registers; r's call returns OK with `badge`. */
static inline void
fast_transfer(struct thread *t, struct thread *r, uint64_t info, uint64_t badge)
{
	/*
	 * Only the message's own words: the sender's other registers stay its
	 * own. (Unrolled, so each register is a plain move.)
	 */
#define FAST_MR(k) arch_regs_set_syscall_arg(&r->regs, 2 + (k), arch_regs_syscall_arg(&t->regs, 2 + (k)))
	switch (tally_msginfo_length(info)) {
	default: FAST_MR(5); /* fall through */
	case 5: FAST_MR(4);  /* fall through */
	case 4: FAST_MR(3);  /* fall through */
	case 3: FAST_MR(2);  /* fall through */
	case 2: FAST_MR(1);  /* fall through */
	case 1: FAST_MR(0);  /* fall through */
	case 0: break;
	}
#undef FAST_MR
	arch_regs_set_syscall_arg(&r->regs, 0, badge);
	arch_regs_set_syscall_arg(&r->regs, 1,
				  info & ~(TALLY_MSGINFO_NOTIFY | TALLY_MSGINFO_TRUNCATED));
	arch_regs_set_syscall_error(&r->regs, TALLY_OK);
}

static inline struct thread *
fast_switch(struct thread *r)
{
	/* (it keeps what is left of its time slice: at 0 the next tick ends it) */
	r->state = TALLY_THREAD_RUNNABLE;
	sched_current = r;
	return r;
}

/* CALL on an endpoint where a receiver of at least the caller's priority waits. */
struct thread *
fastpath_call(struct thread *t)
{
	uint64_t info = arch_regs_syscall_arg(&t->regs, 1);
	struct cte *s = cspace_lookup_flat(t, arch_regs_syscall_arg(&t->regs, 0));
	struct endpoint *ep;
	struct thread *r;
	struct reply *rep;

	if (sched_preempt_requested || !s || !fast_message_ok(info) ||
	    cap_type(&s->cap) != TALLY_OBJ_ENDPOINT || !(cap_rights(&s->cap) & TALLY_RIGHT_WRITE))
		return NULL;
	ep = cap_object(&s->cap);
	if (ep->state != EP_RECV)
		return NULL;
	r = ep->queue.head;
	if (r->prio < t->prio || arch_regs_syscall_arg(&t->regs, 8) /* a timed call */ ||
	    (r->sc && !r->sc->ready))
		return NULL;
	/* decided: r takes the call */
	ep->queue.head = r->q_next;
	if (r->q_next)
		r->q_next->q_prev = NULL;
	else
		ep->queue.tail = NULL, ep->state = EP_IDLE;
	r->q_next = NULL;
	r->ipc_obj = NULL;
	rep = r->reply;
	r->reply = NULL;
	rep->receiver = NULL;
	fast_transfer(t, r, info, cap_word2(&s->cap));
	rep->caller = t;
	rep->stale = false;
	t->reply = rep;
	t->ipc_flags = IPC_CALL | (cap_rights(&s->cap) & TALLY_RIGHT_GRANT ? IPC_GRANT : 0);
	t->state = TALLY_THREAD_BLOCKED_REPLY;
	if (!r->sc) {
		/* a passive server runs the call on the caller's time (sc_lend, inline) */
		struct sched_context *sc = t->active_sc;

		t->active_sc = NULL;
		sc->user = r;
		r->active_sc = sc;
		rep->sc = sc;
		rep->sc_prev = sc->lent;
		sc->lent = rep;
	}
	return fast_switch(r);
}

/* REPLY_RECV: answer a caller of at least our priority, then wait on an endpoint nobody sends to. */
struct thread *
fastpath_reply_recv(struct thread *t)
{
	uint64_t info = arch_regs_syscall_arg(&t->regs, 1);
	struct cte *s = cspace_lookup_flat(t, arch_regs_syscall_arg(&t->regs, 0));
	struct cte *rs = cspace_lookup_flat(t, arch_regs_syscall_arg(&t->regs, 8));
	struct sched_context *sc;
	struct endpoint *ep;
	struct reply *rep;
	struct thread *c;

	if (sched_preempt_requested || !s || !rs || !fast_message_ok(info) ||
	    cap_type(&s->cap) != TALLY_OBJ_ENDPOINT ||
	    !(cap_rights(&s->cap) & TALLY_RIGHT_READ) || cap_type(&rs->cap) != TALLY_OBJ_REPLY)
		return NULL;
	ep = cap_object(&s->cap);
	rep = cap_object(&rs->cap);
	c = rep->caller;
	if (ep->state == EP_SEND || !c || rep->receiver ||
	    (c->ipc_flags & (IPC_FAULT | IPC_SEND_ONLY)) || c->deadline ||
	    c->prio < t->prio || (t->bound && t->bound->word))
		return NULL;
	sc = rep->sc;
	if (sc ? sc->lent != rep || !sc->ready : !sc_can_run(c))
		return NULL;
	/* the answer takes the lent time from its holder: inline only when that is t */
	if ((sc || !t->sc) && t->active_sc != sc)
		return NULL;   /* (a passive t holding other time: the general path drops it) */
	/* decided: answer c, then wait */
	fast_transfer(t, c, info, 0);
	c->ipc_flags = 0;
	c->reply = NULL;
	rep->caller = NULL;
	if (sc) {
		/* the caller's time goes back with the answer (sc_give_back, inline) */
		sc->lent = rep->sc_prev;
		rep->sc = NULL;
		rep->sc_prev = NULL;
		t->active_sc = NULL;
		sc->user = c;
		c->active_sc = sc;
	}
	t->state = TALLY_THREAD_BLOCKED_RECV;
	t->ipc_obj = ep;
	t->reply = rep;
	rep->receiver = t;
	t->q_next = NULL;           /* tq_append, inline */
	t->q_prev = ep->queue.tail;
	if (ep->queue.tail)
		ep->queue.tail->q_next = t;
	else
		ep->queue.head = t;
	ep->queue.tail = t;
	ep->state = EP_RECV;
	return fast_switch(c);
}
