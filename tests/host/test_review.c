/*
 * Reproducers from the review (one test per finding).
 */
#include "cap_fixture.h"
#include "ipc_fixture.h"
#include <kernel/vspace.h>
#include <kernel/fastpath.h>
#include <string.h>

#define RW (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE)
#define RWX (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_EXEC)
#define USER_TOP_VA 0x00007ffffffff000ul

static uint64_t *
tbl(unsigned long s)
{
	return cap_object(&slot_at(s)->cap);
}

/* The entry for va at `level` in the space of PML4 slot vs, or 0 if a table is missing. */
static uint64_t
entry_at(unsigned long vs, uint64_t va, unsigned level)
{
	uint64_t *t = tbl(vs);
	unsigned l;

	for (l = ARCH_PT_LEVELS - 1; l > level; l--)
		if (!(t = arch_pte_next_table(t[arch_pt_index(va, l)], l)))
			return 0;
	return t[arch_pt_index(va, level)];
}

/*
 * F1: a PT filled at a low address (its last entry maps a frame, which is
 * allowed there) and then unmapped and mapped again over the last 2 MiB of
 * user space brings its contents along: the page at USER_TOP, which must
 * never be mapped (sysret after a syscall in its last two bytes returns to
 * the non-canonical 0x800000000000), is now mapped, executable.
 */
START_TEST(f1_remapped_table_maps_the_page_at_user_top)
{
	enum { VS = SLOT_FREE, PDPT, PD, PT, FRAME, PDPT2, PD2 };
	const uint64_t LOW = 0x500000000000ul;
	const uint64_t TOP2M = 0x00007fffffe00000ul;   /* the last 2 MiB below the hole */

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PML4, 0, ROOT, VS, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PDPT, 0, ROOT, PDPT, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PD, 0, ROOT, PD, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, PT, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FRAME, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PDPT, 0, ROOT, PDPT2, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PD, 0, ROOT, PD2, 1));
	EXPECT_OK(INV(PDPT, TALLY_PAGE_TABLE_MAP, VS, LOW));
	EXPECT_OK(INV(PD, TALLY_PAGE_TABLE_MAP, VS, LOW));
	EXPECT_OK(INV(PT, TALLY_PAGE_TABLE_MAP, VS, LOW));
	/* the frame goes into the PT's last entry: LOW + 511 pages, a fine user address */
	EXPECT_OK(INV(FRAME, TALLY_FRAME_MAP, VS, LOW + 511 * 4096ul, RWX));
	/* tables down to the last 2 MiB; a frame mapped directly at USER_TOP is refused */
	EXPECT_OK(INV(PDPT2, TALLY_PAGE_TABLE_MAP, VS, 0x00007f8000000000ul));
	EXPECT_OK(INV(PD2, TALLY_PAGE_TABLE_MAP, VS, 0x00007fffc0000000ul));
	{
		enum { F2 = PD2 + 1 };
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, F2, 1));
		EXPECT_OK(INV(F2, TALLY_PAGE_TABLE_MAP, VS, TOP2M));
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, F2 + 1, 1));
		ck_assert_int_eq(INV(F2 + 1, TALLY_FRAME_MAP, VS, USER_TOP_VA, RWX), TALLY_ERR_RANGE);
		EXPECT_OK(INV(F2, TALLY_PAGE_TABLE_UNMAP));
	}
	/* ... but the filled PT moves there, contents and all */
	EXPECT_OK(INV(PT, TALLY_PAGE_TABLE_UNMAP));
	long r = INV(PT, TALLY_PAGE_TABLE_MAP, VS, TOP2M);
	ck_assert_msg(r != TALLY_OK || !(entry_at(VS, USER_TOP_VA, 0) & 1),
		      "the page at USER_TOP (%#lx) is mapped: entry %#lx", USER_TOP_VA,
		      (unsigned long)entry_at(VS, USER_TOP_VA, 0));
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/*
 * F2: thread T deletes the last capability to a full CNode and is preempted
 * while the CNode is emptied (its own slot work is done: pending_drain).
 * Another thread puts a capability in the slot T deleted, then suspends and
 * resumes T (the documented way to cancel a thread's call). TCB_RESUME
 * clears pending_drain, so T's re-issued DELETE is decoded afresh and
 * deletes the other thread's capability.
 */
START_TEST(f2_resume_makes_a_finished_delete_run_again)
{
	enum { T = SLOT_FREE, A, B };
	struct thread *t;

	ipc_setup();
	t = spawn(T, 10);
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 15));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, B, 1));
	fake_preempt_every = 1;
	one_issue = true;
	u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(A));
	one_issue = false;
	fake_preempt_every = 0;
	ck_assert_msg(t->pending_drain, "the delete was not preempted in its drain");
	ck_assert(cte_empty(slot_at(A)));
	/* the root thread reuses the slot, then cancels whatever T was doing */
	EXPECT_OK(copy(ROOT, A, B, TALLY_RIGHTS_ALL));
	EXPECT_OK(INV(T, TALLY_TCB_SUSPEND));
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	/* T runs again: its syscall instruction is issued again, same registers */
	ck_assert_int_eq(u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(A)), TALLY_OK);
	ck_assert_msg(cap_type(&slot_at(A)->cap) == TALLY_OBJ_ENDPOINT,
		      "T's finished DELETE ran again and deleted the capability put in slot A");
	ipc_teardown();
}
END_TEST

/* Offer call nr of t to the fast path, as x86_syscall does; returns what it picked. */
static struct thread *
fast(struct thread *t, uint64_t nr, uint64_t cptr, uint64_t info, const uint64_t *m, uint64_t reply)
{
	struct thread *cur = sched_current, *next;
	unsigned i;

	t->regs.number = nr;
	arch_regs_set_syscall_arg(&t->regs, 0, cptr);
	arch_regs_set_syscall_arg(&t->regs, 1, info);
	for (i = 0; i < TALLY_MSG_REGS; i++)
		arch_regs_set_syscall_arg(&t->regs, 2 + i, m ? m[i] : 0);
	arch_regs_set_syscall_arg(&t->regs, 8, reply);
	sched_remove(t);
	sched_current = t;
	sched_preempt_requested = false;
	t->regs.error = PENDING;
	next = nr == TALLY_SYS_CALL ? fastpath_call(t) : fastpath_reply_recv(t);
	if (!next)
		sched_current = cur;
	return next;
}

/* Smoke test: the fast path's round trip leaves the same links the checks expect. */
START_TEST(fastpath_round_trip_keeps_every_invariant)
{
	enum { EP = SLOT_FREE, R, C, S };
	struct thread *c, *sv;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	c = spawn(C, 10);
	sv = spawn(S, 10);
	ck_assert_int_eq(u_recv(sv, EP, R), PENDING);
	ck_assert_ptr_eq(fast(c, TALLY_SYS_CALL, EP, tally_msginfo(7, 2, 0), MSG(11, 22, 33), 0), sv);
	ck_assert_uint_eq(got_mr(sv, 1), 22);
	ck_assert_uint_eq(got_mr(sv, 2), 0);      /* past the length: the receiver's own */
	EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	sched_current = self;
	sched_wake(sv);
	check_all();
	ck_assert_ptr_eq(fast(sv, TALLY_SYS_REPLY_RECV, EP, tally_msginfo(9, 1, 0), MSG(5), R), c);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_THREAD(sv, TALLY_THREAD_BLOCKED_RECV, PENDING);
	sched_current = self;
	sched_wake(c);
	check_all();
	ipc_teardown();
}
END_TEST

Suite *
review_suite(void)
{
	Suite *s = suite_create("review");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, f1_remapped_table_maps_the_page_at_user_top);
	tcase_add_test(tc, f2_resume_makes_a_finished_delete_run_again);
	tcase_add_test(tc, fastpath_round_trip_keeps_every_invariant);
	suite_add_tcase(s, tc);
	return s;
}
