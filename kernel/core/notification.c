/*
 * Notifications: a word of signal bits. Signal ORs a badge in and never
 * blocks; wait takes and clears the word, blocking while it is zero; a
 * notification bound to a thread also ends that thread's wait on an
 * endpoint. Destruction wakes waiters one per step, like endpoints.
 */
#include <kernel/ipc.h>
#include <kernel/sched.h>

/* Hand `word` to waiting thread t. */
static void
notification_deliver(struct thread *t, uint64_t word, uint64_t info)
{
	arch_regs_set_syscall_arg(&t->regs, 0, word);
	arch_regs_set_syscall_arg(&t->regs, 1, info);
	arch_regs_set_syscall_error(&t->regs, TALLY_OK);
	t->ipc_obj = NULL;
	sched_wake(t);
}

void
notification_signal(struct notification *n, uint64_t badge)
{
	struct thread *t = n->queue.head, *b = n->bound;

	if (t) {
		notification_cancel(n, t);
		notification_deliver(t, n->word | badge, 0);
		n->word = 0;
		return;
	}
	if (b && b->state == TALLY_THREAD_BLOCKED_RECV) {
		/* the bound thread waits on an endpoint: end that wait */
		endpoint_cancel(b->ipc_obj, b);
		if (b->reply) {
			b->reply->receiver = NULL;
			b->reply = NULL;
		}
		notification_deliver(b, n->word | badge, TALLY_MSGINFO_NOTIFY);
		n->word = 0;
		return;
	}
	n->word |= badge;
}

void
notification_cancel(struct notification *n, struct thread *t)
{
	tq_remove(&n->queue, t);
	t->ipc_obj = NULL;
}

bool
notification_destroy_step(struct notification *n)
{
	struct thread *t = n->queue.head;

	if (!t)
		return true;
	notification_cancel(n, t);
	ipc_wake_error(t, TALLY_ERR_OBJECT_DELETED);
	return n->queue.head == NULL;
}

void
notification_unbind(struct notification *n)
{
	if (n->bound)
		n->bound->bound = NULL;
	n->bound = NULL;
}
