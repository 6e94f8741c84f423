/*
 * Message passing between threads: send, call, receive and reply on
 * endpoints and Reply objects (DESIGN.md rule 5), and the thread queues
 * they use.
 *
 * A blocked sender keeps its message in its own registers (and IPC buffer)
 * until a receiver takes it; a receiver's results are written into its
 * registers when the message arrives, so waking a thread never needs a
 * pending-message state. A call links the caller to the receiver's Reply:
 * the caller waits on the Reply, not on the server thread, so whoever holds
 * the Reply may answer, and the caller is woken with DEAD_PEER when the
 * Reply is destroyed (reply.c).
 */
#include <kernel/ipc.h>
#include <kernel/invoke.h>
#include <kernel/object.h>
#include <kernel/sched.h>
#include <kernel/schedctx.h>
#include <kernel/timeout.h>
#include <kernel/clock.h>
#include <string.h>

void
tq_append(struct thread_queue *q, struct thread *t)
{
	t->q_next = NULL;
	t->q_prev = q->tail;
	if (q->tail)
		q->tail->q_next = t;
	else
		q->head = t;
	q->tail = t;
}

void
tq_remove(struct thread_queue *q, struct thread *t)
{
	if (t->q_prev)
		t->q_prev->q_next = t->q_next;
	else
		q->head = t->q_next;
	if (t->q_next)
		t->q_next->q_prev = t->q_prev;
	else
		q->tail = t->q_prev;
	t->q_next = t->q_prev = NULL;
}

/* The message info a thread is sending: from its registers, or its fault. */
static uint64_t
ipc_sender_info(const struct thread *s)
{
	if (s->ipc_flags & IPC_FAULT)
		return tally_msginfo(TALLY_LABEL_FAULT, TALLY_FAULT_MSG_WORDS, 0);
	return arch_regs_syscall_arg(&s->regs, 1);
}

static uint64_t
ipc_sender_mr(const struct thread *s, unsigned i)
{
	if (s->ipc_flags & IPC_FAULT) {
		const uint64_t f[TALLY_MSG_REGS] = { s->fault.cause, s->fault.addr, s->fault.pc,
						     s->fault.code, 0, 0 };
		return f[i];
	}
	return arch_regs_syscall_arg(&s->regs, 2 + i);
}

/*
 * Copy the capability sender s names in its IPC buffer into the slot
 * receiver r names in its own. Returns how many went (0 or 1): a capability
 * that cannot be delivered is dropped, and the message says so.
 */
static unsigned
ipc_transfer_cap(struct thread *s, struct thread *r, struct tally_ipc_buffer *sbuf,
		 struct tally_ipc_buffer *rbuf)
{
	struct tally_error_detail d = { 0 };
	unsigned src_cnode = 0, dst_cnode = 0;
	struct cte *src, *dst;
	struct cap c;

	if (!sbuf || !rbuf || !rbuf->recv_slot)
		return 0;

	/* as CNODE_COPY: READ on the CNode it comes from, WRITE on the one it goes to */
	src = cspace_lookup(s, sbuf->cap, 64, &d, &src_cnode);
	dst = cspace_lookup(r, rbuf->recv_slot, 64, &d, &dst_cnode);
	if (!src || !dst || cte_empty(src) || !cte_empty(dst) || !cap_copyable(&src->cap) ||
	    cap_generation(&src->cap) >= TALLY_COPY_DEPTH_MAX ||
	    !(src_cnode & TALLY_RIGHT_READ) || !(dst_cnode & TALLY_RIGHT_WRITE))
		return 0;
	c = cap_derive(&src->cap);
	cdt_insert(src, dst, c);
	return 1;
}

/*
 * Deliver s's message to r: r's registers get OK, the badge, the message
 * info and the message's words of MR0..MR5 (0 past its length); longer
 * messages go buffer to buffer.
 */
static void
ipc_deliver(struct thread *s, struct thread *r, uint64_t badge, bool grant)
{
	uint64_t info = ipc_sender_info(s);
	uint64_t len = tally_msginfo_length(info), flags = 0;
	struct tally_ipc_buffer *sbuf = NULL, *rbuf = NULL;
	unsigned caps = 0, i;

	if (len > TALLY_MSG_REGS || tally_msginfo_caps(info)) {
		sbuf = s->ipc_flags & IPC_FAULT ? NULL : thread_ipc_buffer(s);
		rbuf = thread_ipc_buffer(r);
	}
	if (len > TALLY_MSG_REGS) {
		if (sbuf && rbuf) {
			memcpy(&rbuf->mr[TALLY_MSG_REGS], &sbuf->mr[TALLY_MSG_REGS],
			       (len - TALLY_MSG_REGS) * sizeof(uint64_t));
		} else {
			len = TALLY_MSG_REGS;
			flags |= TALLY_MSGINFO_TRUNCATED;
		}
	}
	if (tally_msginfo_caps(info) && grant)
		caps = ipc_transfer_cap(s, r, sbuf, rbuf);
	/*
	 * Only the message's own words: the sender's other registers stay its
	 * own, and the receiver's registers past the length keep what it had.
	 */
	for (i = 0; i < TALLY_MSG_REGS && i < len; i++)
		arch_regs_set_syscall_arg(&r->regs, 2 + i, ipc_sender_mr(s, i));
	arch_regs_set_syscall_arg(&r->regs, 0, badge);
	arch_regs_set_syscall_arg(&r->regs, 1,
				  tally_msginfo(tally_msginfo_label(info), len, caps) | flags);
	arch_regs_set_syscall_error(&r->regs, TALLY_OK);
}

/*
 * r was given work while the current thread blocked: run it now if nothing
 * queued outranks it (the direct switch of a call), else queue it.
 */
static void
ipc_run_next(struct thread *r)
{
	r->state = TALLY_THREAD_RUNNABLE;
	if (sched_current && sched_current->state != TALLY_THREAD_RUNNABLE &&
	    (int)r->prio >= sched_highest_queued())
		sched_switch_to(r);
	else
		sched_wake(r);
}

void
ipc_wake_error(struct thread *t, enum tally_error err)
{
	timeout_disarm(t);
	t->ipc_obj = NULL;
	if (t->ipc_flags & IPC_FAULT) {
		/* nobody will handle the fault any more */
		t->ipc_flags = 0;
		thread_fault_end(t);
		return;
	}
	t->ipc_flags = 0;
	t->error = (struct tally_error_detail){ .error = err };
	arch_regs_set_syscall_error(&t->regs, err);
	sched_wake(t);
}

/* Check the message t is about to send: length, buffer, capability. */
static enum tally_error
ipc_check_message(struct thread *t, uint64_t info, bool grant)
{
	if (tally_msginfo_length(info) > TALLY_MSG_MAX || tally_msginfo_caps(info) > 1) {
		t->error = (struct tally_error_detail){ .error = TALLY_ERR_RANGE, .argument = 1,
							.value = info, .limit = TALLY_MSG_MAX };
		return TALLY_ERR_RANGE;
	}
	if ((tally_msginfo_length(info) > TALLY_MSG_REGS || tally_msginfo_caps(info)) &&
	    !thread_ipc_buffer(t)) {
		t->error = (struct tally_error_detail){ .error = TALLY_ERR_INVALID_ARGUMENT,
							.argument = 1, .value = info };
		return TALLY_ERR_INVALID_ARGUMENT;
	}
	if (tally_msginfo_caps(info) && !grant) {
		t->error = (struct tally_error_detail){ .error = TALLY_ERR_INVALID_CAPABILITY,
							.argument = 0, .value = TALLY_RIGHT_GRANT };
		return TALLY_ERR_INVALID_CAPABILITY;
	}
	return TALLY_OK;
}

/* Link caller c to Reply r: c now waits for the answer. */
static void
ipc_link_reply(struct thread *c, struct reply *r)
{
	r->caller = c;
	r->stale = false;
	c->reply = r;
	c->state = TALLY_THREAD_BLOCKED_REPLY;
	c->ipc_obj = NULL;
}

/* Receiver r stops receiving: its Reply is free again. */
static struct reply *
ipc_take_reply(struct thread *r)
{
	struct reply *rep = r->reply;

	r->reply = NULL;
	if (rep)
		rep->receiver = NULL;
	return rep;
}

/* Sender s meets receiver r, which is no longer queued. */
static void
ipc_rendezvous(struct thread *s, struct thread *r, uint64_t badge)
{
	struct reply *rep = ipc_take_reply(r);

	ipc_deliver(s, r, badge, s->ipc_flags & IPC_GRANT);
	r->ipc_obj = NULL;
	if (s->ipc_flags & IPC_CALL) {
		ipc_link_reply(s, rep);
		/* a passive server runs the call on the caller's time */
		if (!r->sc && !(s->ipc_flags & IPC_FAULT))
			sc_lend(s, r, rep);
	}
}

static void
ipc_send_endpoint(struct thread *t, struct endpoint *ep, uint64_t badge, unsigned flags,
		  bool blocking)
{
	if (ep->state == EP_RECV && !(flags & IPC_CALL) && !ep->queue.head->sc) {
		/*
		 * A passive receiver has no time of its own: the send lends the
		 * sender's, and the sender waits until the server answers (the
		 * answer carries no words), so the server is never left without.
		 */
		if (!blocking) {
			t->error = (struct tally_error_detail){ .error = TALLY_ERR_WOULD_BLOCK };
			arch_regs_set_syscall_error(&t->regs, TALLY_ERR_WOULD_BLOCK);
			return;
		}
		flags |= IPC_CALL | IPC_SEND_ONLY;
	}
	t->ipc_flags = (uint16_t)flags;
	if (ep->state == EP_RECV) {
		struct thread *r = ep->queue.head;

		endpoint_cancel(ep, r);
		ipc_rendezvous(t, r, badge);
		if (flags & IPC_CALL) {
			ipc_run_next(r);
		} else {
			t->ipc_flags = 0;
			arch_regs_set_syscall_error(&t->regs, TALLY_OK);
			sched_wake(r);
		}
		return;
	}
	if (!blocking) {
		t->ipc_flags = 0;
		t->error = (struct tally_error_detail){ .error = TALLY_ERR_WOULD_BLOCK };
		arch_regs_set_syscall_error(&t->regs, TALLY_ERR_WOULD_BLOCK);
		return;
	}
	t->state = TALLY_THREAD_BLOCKED_SEND;
	t->ipc_obj = ep;
	t->ipc_badge = badge;
	tq_append(&ep->queue, t);
	ep->state = EP_SEND;
}

void
ipc_send_fault(struct thread *t, struct endpoint *ep, uint64_t badge)
{
	ipc_send_endpoint(t, ep, badge, IPC_FAULT | IPC_CALL, true);
}

/* The tick a call limited to `ticks` gives up at: a limit past the clock's end never ends. */
static uint64_t
ipc_deadline(uint64_t ticks)
{
	uint64_t now = clock_ticks();

	return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

static enum tally_error
ipc_fail(struct thread *t, enum tally_error err, unsigned argument, uint64_t value)
{
	t->error = (struct tally_error_detail){ .error = err, .argument = argument,
						.value = value };
	return err;
}

void
ipc_send(struct thread *t, struct cte *slot, bool blocking, bool call)
{
	const struct cap *c = &slot->cap;
	uint64_t info = arch_regs_syscall_arg(&t->regs, 1);
	enum tally_error err;

	switch (cap_type(c)) {
	case TALLY_OBJ_ENDPOINT:
		if (!(cap_rights(c) & TALLY_RIGHT_WRITE)) {
			err = ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE);
			break;
		}
		err = ipc_check_message(t, info, cap_rights(c) & TALLY_RIGHT_GRANT);
		if (err)
			break;
		ipc_send_endpoint(t, cap_object(c), cap_word2(c),
				  (call ? IPC_CALL : 0) |
				  (cap_rights(c) & TALLY_RIGHT_GRANT ? IPC_GRANT : 0), blocking);
		/* a timed call (r14: ticks) gives up at its deadline */
		if (call && t->state != TALLY_THREAD_RUNNABLE && arch_regs_syscall_arg(&t->regs, 8))
			timeout_arm(t, ipc_deadline(arch_regs_syscall_arg(&t->regs, 8)));
		return;
	case TALLY_OBJ_NOTIFICATION:
		if (call || !(cap_rights(c) & TALLY_RIGHT_WRITE)) {
			err = ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, cap_type(c));
			break;
		}
		notification_signal(cap_object(c), cap_word2(c) ? cap_word2(c) : 1);
		err = TALLY_OK;
		break;
	case TALLY_OBJ_REPLY:
		if (call) {
			err = ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, cap_type(c));
			break;
		}
		err = ipc_reply(t, cap_object(c));
		break;
	default:
		err = ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, cap_type(c));
		break;
	}
	arch_regs_set_syscall_error(&t->regs, err);
}

enum tally_error
ipc_reply(struct thread *t, struct reply *r)
{
	uint64_t info = arch_regs_syscall_arg(&t->regs, 1);
	struct thread *c = r->caller;
	enum tally_error err;

	if (!c) {
		if (!r->stale)
			return ipc_fail(t, TALLY_ERR_INVALID_ARGUMENT, 0, 0);
		r->stale = false;   /* consumed: the caller went away */
		sc_reply_gone(r);   /* a context lent through it stays until we wait again */
		return ipc_fail(t, TALLY_ERR_DEAD_PEER, 0, 0);
	}
	err = ipc_check_message(t, info, c->ipc_flags & IPC_GRANT);
	if (err)
		return err;
	timeout_disarm(c);
	sc_answer(r, t, c);
	r->caller = NULL;
	c->reply = NULL;
	if (c->ipc_flags & IPC_FAULT) {
		c->ipc_flags = 0;
		/*
		 * a pc outside user space (a jump to a non-canonical address) cannot
		 * resume; an exit is over whatever the answer
		 */
		if (tally_msginfo_label(info) != 0 || !arch_regs_resumable(&c->regs) ||
		    c->fault.cause == TALLY_FAULT_EXIT) {
			thread_fault_end(c);
			return TALLY_OK;
		}
		c->fault.cause = TALLY_FAULT_NONE;
		ipc_run_next(c);
		return TALLY_OK;
	}
	if (c->ipc_flags & IPC_SEND_ONLY) {
		/* it sent to a passive server: the answer only ends its wait */
		arch_regs_set_syscall_error(&c->regs, TALLY_OK);
	} else {
		t->ipc_flags = c->ipc_flags & IPC_GRANT;
		ipc_deliver(t, c, 0, c->ipc_flags & IPC_GRANT);
		t->ipc_flags = 0;
	}
	c->ipc_flags = 0;
	ipc_run_next(c);
	return TALLY_OK;
}

/* Receive the bound notification's word, if any is pending. */
static bool
ipc_recv_bound(struct thread *t)
{
	struct notification *n = t->bound;

	if (!n || !n->word)
		return false;
	arch_regs_set_syscall_arg(&t->regs, 0, n->word);
	arch_regs_set_syscall_arg(&t->regs, 1, TALLY_MSGINFO_NOTIFY);
	arch_regs_set_syscall_error(&t->regs, TALLY_OK);
	n->word = 0;
	return true;
}

static enum tally_error
ipc_recv_endpoint(struct thread *t, struct endpoint *ep, struct reply *rep, bool blocking)
{
	if (rep->caller || rep->receiver)
		return ipc_fail(t, TALLY_ERR_BUSY, 8, 0);
	if (ipc_recv_bound(t))
		return TALLY_OK;
	if (ep->state == EP_SEND) {
		struct thread *s = ep->queue.head;

		endpoint_cancel(ep, s);
		if (!t->sc && !(s->ipc_flags & IPC_CALL))
			s->ipc_flags |= IPC_CALL | IPC_SEND_ONLY;   /* see ipc_send_endpoint */
		sc_reply_gone(rep);   /* a stale call's context is no longer lent through it */
		t->reply = rep;
		rep->receiver = t;
		ipc_rendezvous(s, t, s->ipc_badge);
		if (!(s->ipc_flags & IPC_CALL)) {
			s->ipc_flags = 0;
			arch_regs_set_syscall_error(&s->regs, TALLY_OK);
			sched_wake(s);
		}
		return TALLY_OK;
	}
	if (!blocking)
		return ipc_fail(t, TALLY_ERR_WOULD_BLOCK, 0, 0);
	sc_drop_borrowed(t);   /* a passive server waits holding no one's time */
	sc_reply_gone(rep);
	t->state = TALLY_THREAD_BLOCKED_RECV;
	t->ipc_obj = ep;
	t->reply = rep;
	rep->receiver = t;
	tq_append(&ep->queue, t);
	ep->state = EP_RECV;
	return TALLY_OK;
}

static enum tally_error
ipc_wait_notification(struct thread *t, struct notification *n, bool blocking)
{
	if (n->bound && n->bound != t)
		return ipc_fail(t, TALLY_ERR_BUSY, 0, 0);
	if (n->word) {
		arch_regs_set_syscall_arg(&t->regs, 0, n->word);
		arch_regs_set_syscall_arg(&t->regs, 1, 0);
		n->word = 0;
		return TALLY_OK;
	}
	if (!blocking)
		return ipc_fail(t, TALLY_ERR_WOULD_BLOCK, 0, 0);
	sc_drop_borrowed(t);
	t->state = TALLY_THREAD_BLOCKED_NOTIFY;
	t->ipc_obj = n;
	tq_append(&n->queue, t);
	return TALLY_OK;
}

/* Check a receive's capabilities; the Reply may be NULL when not needed. */
static enum tally_error
ipc_check_recv(struct thread *t, struct cte *slot, struct cte *reply_slot)
{
	const struct cap *c = &slot->cap;

	if (cap_type(c) != TALLY_OBJ_ENDPOINT && cap_type(c) != TALLY_OBJ_NOTIFICATION)
		return ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, cap_type(c));
	if (!(cap_rights(c) & TALLY_RIGHT_READ))
		return ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ);
	if (cap_type(c) == TALLY_OBJ_ENDPOINT &&
	    (!reply_slot || cap_type(&reply_slot->cap) != TALLY_OBJ_REPLY))
		return ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 8,
				reply_slot ? cap_type(&reply_slot->cap) : 0);
	return TALLY_OK;
}

void
ipc_recv(struct thread *t, struct cte *slot, struct cte *reply_slot, bool blocking)
{
	enum tally_error err = ipc_check_recv(t, slot, reply_slot);

	if (!err && cap_type(&slot->cap) == TALLY_OBJ_ENDPOINT)
		err = ipc_recv_endpoint(t, cap_object(&slot->cap), cap_object(&reply_slot->cap),
					blocking);
	else if (!err)
		err = ipc_wait_notification(t, cap_object(&slot->cap), blocking);
	if (t->state == TALLY_THREAD_RUNNABLE)
		arch_regs_set_syscall_error(&t->regs, err);
}

void
ipc_reply_recv(struct thread *t, struct cte *slot, struct cte *reply_slot)
{
	enum tally_error err = ipc_check_recv(t, slot, reply_slot);

	if (!err && cap_type(&slot->cap) != TALLY_OBJ_ENDPOINT)
		err = ipc_fail(t, TALLY_ERR_INVALID_CAPABILITY, 0, cap_type(&slot->cap));
	struct reply *rep = err ? NULL : cap_object(&reply_slot->cap);
	struct thread *c = rep ? rep->caller : NULL;

	if (!err)
		err = ipc_reply(t, rep);
	if (err) {
		arch_regs_set_syscall_error(&t->regs, err);
		return;
	}
	ipc_recv(t, slot, reply_slot, true);
	/* as the fast path does: a receiver that waits hands the CPU to the caller it answered */
	if (c && t->state != TALLY_THREAD_RUNNABLE && c->state == TALLY_THREAD_RUNNABLE &&
	    c->queued && (int)c->prio >= sched_highest_queued())
		sched_switch_to(c);
}
