/*
 * Helpers the test files share: root-CNode slots, objects from the largest
 * untyped, and threads in the suite's own address space.
 */
#include "test.h"
#include <libtally/ipc.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define STACKS 16
#define STACK_SIZE 8192

static unsigned long slot_next, slot_freed[256], slot_freed_count;

unsigned long
test_slot(void)
{
	if (slot_freed_count)
		return slot_freed[--slot_freed_count];
	if (!slot_next)
		slot_next = tally_bootinfo->first_free_slot;
	return slot_next++;
}

void
test_slot_free(unsigned long slot)
{
	if (slot && slot_freed_count < sizeof(slot_freed) / sizeof(slot_freed[0]))
		slot_freed[slot_freed_count++] = slot;
}

unsigned long
test_untyped(void)
{
	const struct tally_bootinfo *bi = tally_bootinfo;
	unsigned long i, best = 0;

	for (i = 0; i < bi->untyped_count; i++)
		if (!bi->untyped[i].device && bi->untyped[i].size_bits >= bi->untyped[best].size_bits)
			best = i;
	return bi->untyped_first + best;
}

unsigned long
test_object(unsigned long type, unsigned long size_bits)
{
	unsigned long slot = test_slot();

	if (tally_untyped_retype(test_untyped(), type, size_bits, ROOT, slot, 1) != TALLY_OK) {
		test_slot_free(slot);
		return 0;
	}
	return slot;
}

/* Threads the suite gave time to, and the scheduling context each got. */
static struct {
	unsigned long tcb, sc;
} timed[64];

unsigned long
test_time_for(unsigned long tcb, unsigned long budget, unsigned long period)
{
	unsigned long sc, i;

	for (i = 0; i < 64 && timed[i].tcb; i++)
		;
	if (i == 64)
		return 0;
	sc = test_object(TALLY_OBJ_SCHED_CONTEXT, 0);
	if (!sc)
		return 0;
	if (tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc, budget, period) != TALLY_OK ||
	    tally_tcb_set_sched_context(tcb, sc) != TALLY_OK) {
		test_object_free(sc);
		return 0;
	}
	timed[i].tcb = tcb;
	timed[i].sc = sc;
	return sc;
}

void
test_object_free(unsigned long slot)
{
	unsigned long i;

	if (!slot)
		return;
	tally_cnode_delete(ROOT, slot);
	test_slot_free(slot);
	for (i = 0; i < 64; i++)
		if (timed[i].tcb == slot) {
			unsigned long sc = timed[i].sc;

			timed[i].tcb = timed[i].sc = 0;
			test_object_free(sc);
		}
}

static _Alignas(16) unsigned char stacks[STACKS][STACK_SIZE];
static unsigned long stack_owner[STACKS];   /* TCB slot using each stack, 0 if free */

unsigned long
test_thread(void (*fn)(unsigned long), unsigned long arg, unsigned long prio)
{
	unsigned long tcb, i;

	for (i = 0; i < STACKS && stack_owner[i]; i++)
		;
	if (i == STACKS)
		return 0;
	tcb = test_object(TALLY_OBJ_THREAD, 0);
	if (!tcb)
		return 0;
	if (tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0) != TALLY_OK ||
	    tally_tcb_set_priority(tcb, prio) != TALLY_OK || !test_time_for(tcb, 1, 1) ||
	    tally_tcb_start(tcb, fn, arg, stacks[i] + STACK_SIZE) != TALLY_OK) {
		test_object_free(tcb);
		return 0;
	}
	stack_owner[i] = tcb;
	return tcb;
}

void
test_thread_free(unsigned long tcb)
{
	unsigned long i;

	test_object_free(tcb);
	for (i = 0; i < STACKS; i++)
		if (stack_owner[i] == tcb)
			stack_owner[i] = 0;
}

bool
test_kernel_consistent(void)
{
	struct tally_cap_stats st;

	return tally_debug_check(&st) == TALLY_OK;
}

unsigned long
test_thread_state(unsigned long tcb)
{
	struct tally_tcb_info info;

	return tally_tcb_info(tcb, &info) == TALLY_OK ? info.state : ~0ul;
}

bool
test_wait_state(unsigned long tcb, unsigned long state)
{
	unsigned i;

	for (i = 0; i < 20000; i++) {
		if (test_thread_state(tcb) == state)
			return true;
		tally_yield();
	}
	return false;
}

static unsigned long settle_ntfn;

static void
settle_probe(unsigned long arg)
{
	(void)arg;
	tally_signal(settle_ntfn);
	tally_exit();
}

void
test_settle(void)
{
	unsigned long t;

	settle_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	t = test_thread(settle_probe, 0, 1);
	if (t)
		tally_wait(settle_ntfn, 0);
	test_thread_free(t);
	test_object_free(settle_ntfn);
}
