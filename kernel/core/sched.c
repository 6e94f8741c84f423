/*
 * The scheduler (see sched.h). Run queues are doubly linked lists, one per
 * priority, with a bitmap of the non-empty ones, so every operation is O(1).
 * The kernel runs with interrupts disabled on one kernel stack and leaves
 * only through sched_run; long operations open short interrupt windows at
 * their preemption points, and a tick seen there ends the time slice.
 */
#include <kernel/sched.h>
#include <kernel/cap.h>
#include <kernel/vspace.h>
#include <kernel/schedctx.h>
#include <kernel/timeout.h>
#include <string.h>

struct thread *sched_current;
volatile bool sched_preempt_requested;
struct thread *sched_active;

static struct thread_queue sched_queues[SCHED_PRIOS];
static uint64_t sched_bitmap[SCHED_PRIOS / 64];

void
sched_init(void)
{
	memset(sched_queues, 0, sizeof(sched_queues));
	memset(sched_bitmap, 0, sizeof(sched_bitmap));
	sched_current = NULL;
	sched_active = NULL;
	sched_preempt_requested = false;
	sc_init();
	timeout_init();
}

static void
sched_enqueue(struct thread *t, bool front)
{
	struct thread_queue *q = &sched_queues[t->prio];

	if (t->queued)
		return;
	t->queued = true;
	if (front) {
		t->rq_prev = NULL;
		t->rq_next = q->head;
		if (q->head)
			q->head->rq_prev = t;
		else
			q->tail = t;
		q->head = t;
	} else {
		t->rq_next = NULL;
		t->rq_prev = q->tail;
		if (q->tail)
			q->tail->rq_next = t;
		else
			q->head = t;
		q->tail = t;
	}
	sched_bitmap[t->prio / 64] |= 1ul << (t->prio % 64);
}

void
sched_remove(struct thread *t)
{
	struct thread_queue *q = &sched_queues[t->prio];

	if (!t->queued)
		return;
	if (t->rq_prev)
		t->rq_prev->rq_next = t->rq_next;
	else
		q->head = t->rq_next;
	if (t->rq_next)
		t->rq_next->rq_prev = t->rq_prev;
	else
		q->tail = t->rq_prev;
	t->rq_next = t->rq_prev = NULL;
	t->queued = false;
	if (!q->head)
		sched_bitmap[t->prio / 64] &= ~(1ul << (t->prio % 64));
}

int
sched_highest_queued(void)
{
	int w;

	for (w = SCHED_PRIOS / 64 - 1; w >= 0; w--)
		if (sched_bitmap[w])
			return w * 64 + 63 - __builtin_clzl(sched_bitmap[w]);
	return -1;
}

void
sched_wake(struct thread *t)
{
	t->state = TALLY_THREAD_RUNNABLE;
	if (t == sched_current || !sc_can_run(t))
		return;   /* (without time left it waits for a refill or a lender) */
	sched_enqueue(t, false);
	if (!sched_current || t->prio > sched_current->prio)
		sched_preempt_requested = true;
}

void
sched_set_priority(struct thread *t, unsigned prio)
{
	bool queued = t->queued;

	sched_remove(t);
	t->prio = (uint8_t)prio;
	if (queued)
		sched_enqueue(t, false);
	if (t == sched_current && sched_highest_queued() > (int)prio)
		sched_preempt_requested = true;
	else if (queued && sched_current && prio > sched_current->prio)
		sched_preempt_requested = true;
}

void
sched_yield(void)
{
	struct thread *t = sched_current;

	if (!t)
		return;
	t->timeslice = SCHED_SLICE_TICKS;
	sched_enqueue(t, false);
	sched_current = NULL;
}

void
sched_current_gone(void)
{
	sched_current = NULL;
}

void
sched_switch_to(struct thread *t)
{
	struct thread *cur = sched_current;

	if (!sc_can_run(t)) {
		sched_wake(t);   /* it has no time: it waits, and another runs */
		if (cur && cur->state != TALLY_THREAD_RUNNABLE)
			sched_current = NULL;
		return;
	}
	if (cur && cur->state == TALLY_THREAD_RUNNABLE)
		sched_enqueue(cur, true);
	sched_remove(t);
	sched_current = t;
}

void
sched_tick(uint64_t now)
{
	struct thread *t = sched_current;

	sc_tick(t, now);
	timeout_tick(now);
	if (t && t->timeslice > 0 && --t->timeslice > 0)
		return;
	sched_preempt_requested = true;
}

bool
sched_preempt_point(void)
{
	arch_preempt_window();
	return sched_preempt_requested;
}

/* The current thread's turn is over: back into its queue (tail if its slice ran out). */
static void
sched_requeue_current(void)
{
	struct thread *t = sched_current;

	if (!t)
		return;
	sched_current = NULL;
	if (t->state != TALLY_THREAD_RUNNABLE || !sc_can_run(t))
		return;
	if (t->timeslice == 0) {
		t->timeslice = SCHED_SLICE_TICKS;
		sched_enqueue(t, false);
	} else {
		sched_enqueue(t, true);   /* preempted by a higher priority: keep its place */
	}
}

static struct thread *
sched_pick(void)
{
	int prio = sched_highest_queued();
	struct thread *t;

	if (prio < 0)
		return NULL;
	t = sched_queues[prio].head;
	sched_remove(t);
	return t;
}

void
sched_activate(struct thread *t)
{
	arch_activate(t, &t->regs, vspace_root_of(t));
	sched_active = t;
}

void
sched_forget(struct thread *t)
{
	if (sched_active == t)
		sched_active = NULL;
}

void
sched_run(void)
{
	for (;;) {
		if (sched_preempt_requested) {
			sched_preempt_requested = false;
			sched_requeue_current();
		}
		/* (a current thread that loses its time also asks for a preemption) */
		if (sched_current && sched_current->state != TALLY_THREAD_RUNNABLE)
			sched_current = NULL;
		if (!sched_current)
			sched_current = sched_pick();
		if (sched_current) {
			struct thread *t = sched_current;

			if (!t->timeslice)
				t->timeslice = SCHED_SLICE_TICKS;
			if (t != sched_active)
				sched_activate(t);
			arch_return_to_user();
		}
		if (cap_zombies_pending()) {
			cap_drain();
			continue;
		}
		arch_idle_wait();
	}
}
