/* Timed calls (see timeout.h). */
#include <kernel/timeout.h>
#include <kernel/sched.h>

static struct thread *timeout_head;

void
timeout_init(void)
{
	timeout_head = NULL;
}

void
timeout_disarm(struct thread *t)
{
	if (!t->deadline)
		return;
	if (t->to_prev)
		t->to_prev->to_next = t->to_next;
	else
		timeout_head = t->to_next;
	if (t->to_next)
		t->to_next->to_prev = t->to_prev;
	t->to_next = t->to_prev = NULL;
	t->deadline = 0;
}

void
timeout_arm(struct thread *t, uint64_t deadline)
{
	struct thread *p = NULL, *n = timeout_head;

	timeout_disarm(t);
	if (!deadline)
		return;
	/* sorted by deadline: O(timed calls) to insert, O(1) per tick to check */
	while (n && n->deadline <= deadline) {
		p = n;
		n = n->to_next;
	}
	t->deadline = deadline;
	t->to_prev = p;
	t->to_next = n;
	if (p)
		p->to_next = t;
	else
		timeout_head = t;
	if (n)
		n->to_prev = t;
}

void
timeout_tick(uint64_t now)
{
	while (timeout_head && timeout_head->deadline <= now) {
		struct thread *t = timeout_head;

		timeout_disarm(t);
		thread_cancel_ipc(t, TALLY_ERR_TIMEOUT);
		sched_wake(t);
	}
}
