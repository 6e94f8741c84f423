/*
 * Endpoints: a queue of senders or of receivers (ipc.c does the transfer).
 * Destroying an endpoint with threads queued goes through a zombie in the
 * endpoint's own slot and wakes one thread per step (cap.c drives the
 * steps, with preemption points between them), so it never holds off
 * interrupts for long however many threads wait.
 */
#include <kernel/ipc.h>
#include <kernel/sched.h>

void
endpoint_cancel(struct endpoint *ep, struct thread *t)
{
	tq_remove(&ep->queue, t);
	t->ipc_obj = NULL;
	if (!ep->queue.head)
		ep->state = EP_IDLE;
}

/* Take one queued thread off and wake it with OBJECT_DELETED; true when none is left. */
bool
endpoint_destroy_step(struct endpoint *ep)
{
	struct thread *t = ep->queue.head;

	if (!t)
		return true;
	endpoint_cancel(ep, t);
	if (t->reply) {
		t->reply->receiver = NULL;
		t->reply = NULL;
	}
	ipc_wake_error(t, TALLY_ERR_OBJECT_DELETED);
	return ep->queue.head == NULL;
}
