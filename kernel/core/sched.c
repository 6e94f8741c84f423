/*
 * Round-robin scheduling over the boot threads, one tick per time slice.
 * The kernel runs with interrupts disabled on one kernel stack and leaves
 * only through sched_run; long operations open short interrupt windows at
 * their preemption points, and a tick seen there ends the time slice.
 */
#include <kernel/sched.h>
#include <kernel/cap.h>

struct thread *sched_current;
volatile bool sched_preempt_requested;

static void
sched_activate(struct thread *t)
{
	sched_current = t;
	if (t)
		arch_activate(t, &t->regs, &t->vspace);
}

void
sched_next(void)
{
	unsigned start = sched_current ? sched_current->index + 1 : 0;
	unsigned i;

	for (i = 0; i < boot_thread_count; i++) {
		struct thread *t = &boot_threads[(start + i) % boot_thread_count];

		if (t->state == TALLY_THREAD_RUNNABLE) {
			sched_activate(t);
			return;
		}
	}
	sched_activate(NULL);
}

bool
sched_preempt_point(void)
{
	arch_preempt_window();
	return sched_preempt_requested;
}

void
sched_run(void)
{
	for (;;) {
		if (sched_preempt_requested) {
			sched_preempt_requested = false;
			sched_next();
		}
		if (!sched_current || sched_current->state != TALLY_THREAD_RUNNABLE)
			sched_next();
		if (sched_current)
			arch_return_to_user();
		if (cap_zombies_pending()) {
			cap_drain();
			continue;
		}
		arch_idle_wait();
	}
}
