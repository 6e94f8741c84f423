/*
 * Reply objects (DESIGN.md rule 5). A server receives with a Reply; a call
 * that arrives links its caller to it; the answer consumes it. The caller
 * waits on the Reply, so:
 *  - the Reply is destroyed (with the process that held it, or by delete)
 *    while a caller waits: the caller wakes with DEAD_PEER;
 *  - the caller goes away first: the Reply goes stale, the next answer
 *    through it returns DEAD_PEER and costs nothing, and the notification
 *    bound to the Reply, if any, is signalled so the server can abort the
 *    work it was doing for that caller.
 * A Reply capability is never copied (cap.c), so one holder answers once.
 */
#include <kernel/ipc.h>
#include <kernel/invoke.h>
#include <kernel/sched.h>
#include <kernel/schedctx.h>

void
reply_caller_gone(struct reply *r)
{
	const struct cap *n = &r->notify.cap;

	r->caller = NULL;
	r->stale = true;
	if (cap_type(n) == TALLY_OBJ_NOTIFICATION)
		notification_signal(cap_object(n), cap_word2(n) ? cap_word2(n) : 1);
}

void
reply_receiver_gone(struct reply *r)
{
	r->receiver = NULL;
}

void
reply_destroy(struct reply *r)
{
	struct thread *c = r->caller, *rcv = r->receiver;

	if (c) {
		sc_give_back(r, c);   /* the caller's time comes back with it */
		r->caller = NULL;
		c->reply = NULL;
		ipc_wake_error(c, TALLY_ERR_DEAD_PEER);
	} else {
		sc_reply_gone(r);
	}
	if (rcv) {
		/* a receive that would fill a Reply that no longer exists */
		endpoint_cancel(rcv->ipc_obj, rcv);
		rcv->reply = NULL;
		r->receiver = NULL;
		ipc_wake_error(rcv, TALLY_ERR_OBJECT_DELETED);
	}
	cap_delete_bounded(&r->notify);
}

/* BIND_NOTIFICATION: MR0 notification cptr, 0 to unbind. */
long
reply_invoke(struct invocation *inv)
{
	struct reply *r = cap_object(&inv->slot->cap);
	long err;
	struct cte *n = NULL;

	if (inv->label != TALLY_REPLY_BIND_NOTIFICATION)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	n = invoke_arg_cap(inv, 0, TALLY_OBJ_NOTIFICATION, TALLY_RIGHT_WRITE, &err);
	if (err)
		return err;
	cap_delete_bounded(&r->notify);
	if (n)
		cdt_insert(n, &r->notify, cap_derive(&n->cap));
	/* the copy let go may have been the last one to a notification with waiters */
	return cap_drain() == CAP_DONE ? TALLY_OK : INVOKE_PREEMPTED_DRAIN;
}
