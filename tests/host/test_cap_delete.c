/*
 * Delete and revoke through real system calls, on the fixture of
 * cap_fixture.c: capabilities that take their children's place, Untypeds
 * revoked with everything made from them, CNodes that hold each other, and
 * long deletes that are preempted, restarted, and interleaved with a second
 * thread. The invariant checker must find nothing wrong after every step.
 */
#include "cap_fixture.h"
#include <string.h>

START_TEST(delete_removes_one_capability_and_its_children_take_its_place)
{
	const unsigned long F = SLOT_FREE, EP = F;
	const unsigned long S = ROOT_SLOTS;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(copy(ROOT, F + 1, EP, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, F + 2, F + 1, TALLY_RIGHTS_ALL));
	EXPECT_OK(mint(ROOT, F + 3, F + 2, TALLY_RIGHTS_ALL, 3));
	EXPECT_OK(copy(ROOT, F + 4, EP, TALLY_RIGHTS_ALL));
	/* deleting a copy: its child moves up to its parent */
	EXPECT_OK(delete(ROOT, F + 1));
	ck_assert(cte_empty(slot_at(F + 1)));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 2)), slot_at(EP));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 3)), slot_at(F + 2));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4);
	/* deleting the original: the object stays, its copies go under the untyped */
	EXPECT_OK(delete(ROOT, EP));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 2)), slot_at(SLOT_U0));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 4)), slot_at(SLOT_U0));
	EXPECT_OK(inspect(ROOT, SLOT_U0));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	ck_assert_uint_eq(checked().untyped_free, UNTYPED_BYTES - (1ul << TALLY_ENDPOINT_BITS));
	/* the copies can still be copied and revoked */
	EXPECT_OK(copy(ROOT, F + 5, F + 4, TALLY_RIGHTS_ALL));
	EXPECT_OK(revoke(ROOT, F + 2));
	ck_assert(cte_empty(slot_at(F + 3)));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	/* revoking a leaf, and deleting an empty slot, do nothing */
	EXPECT_OK(revoke(ROOT, F + 2));
	EXPECT_OK(delete(ROOT, F + 100));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	/* the slot index must be in the CNode */
	EXPECT_ERROR(delete(ROOT, 0), TALLY_ERR_RANGE, 1, 0, S);
	EXPECT_ERROR(revoke(ROOT, S), TALLY_ERR_RANGE, 1, S, S);
	EXPECT_ERROR(inspect(ROOT, ~0ul), TALLY_ERR_RANGE, 1, ~0ul, S);
	/* the last capability goes: the object is gone and its space is free */
	EXPECT_OK(delete(ROOT, F + 4));
	EXPECT_OK(delete(ROOT, F + 2));
	ck_assert_uint_eq(checked().untyped_free, UNTYPED_BYTES - (1ul << TALLY_ENDPOINT_BITS));
	EXPECT_OK(delete(ROOT, F + 5));
	EXPECT_OK(inspect(ROOT, SLOT_U0));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	ck_assert_uint_eq(mr[5], 1ul << 22);
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(revoke_of_an_untyped_deletes_its_objects_and_their_copies)
{
	const unsigned long F = SLOT_FREE;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_UNTYPED, 16, ROOT, F, 1));
	EXPECT_OK(retype(F, TALLY_OBJ_NOTIFICATION, 0, ROOT, F + 1, 200));
	EXPECT_OK(retype(F, TALLY_OBJ_UNTYPED, 12, ROOT, F + 201, 1));
	EXPECT_OK(retype(F + 201, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 202, 10));
	EXPECT_OK(mint(ROOT, F + 300, F + 1, TALLY_RIGHTS_ALL, 1));
	EXPECT_OK(copy(ROOT, F + 301, F + 300, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, F + 302, F + 205, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 215);
	/* an untyped with live objects cannot just be dropped: revoke it first */
	ck_assert_int_eq(delete(ROOT, F + 201), TALLY_ERR_REVOKE_FIRST);
	ck_assert_int_eq(cap_type(&slot_at(F + 201)->cap), TALLY_OBJ_UNTYPED);
	/* revoking the parent reaches the grandchildren and their copies */
	EXPECT_OK(revoke(ROOT, F));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1);
	EXPECT_OK(inspect(ROOT, F));
	ck_assert_uint_eq(mr[5], 1ul << 16);
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(0);
}
END_TEST

/*
 * Root slots of the CNode tests: A (radix 4) holds objects, copies, the
 * original of B and a copy of C; copies of A make it addressable.
 */
enum { A = SLOT_FREE, A_COPY, B, C, FR };

START_TEST(destroying_a_cnode_deletes_what_it_holds)
{
	struct cap_check_stats st;

	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 3, ROOT, B, 2));    /* B and C */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 3));    /* A[1..3] */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, B, 1, 7));    /* fills B */
	EXPECT_OK(copy(A, 4, FR, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(A, 5, C, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(A, 6, A, TALLY_RIGHTS_ALL));                     /* A holds itself */
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(C, 2, A_COPY, TALLY_RIGHTS_ALL));                /* C holds A too */
	EXPECT_OK(mint(A, 15, ROOT, TALLY_RIGHTS_ALL, ROOT_GUARD));     /* and the root CNode */
	EXPECT_OK(move(A, 7, B));                                       /* B's original */
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4 + 3 + 7 + 6);

	/* revoke the copies of A: A lives on, now with one capability */
	EXPECT_OK(revoke(ROOT, A));
	ck_assert(cte_empty(slot_at(A_COPY)));
	EXPECT_OK(inspect(C, 2));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_NULL);
	EXPECT_OK(inspect(A, 7));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	/* delete it: A, B and their endpoints go; C, the frame, the root CNode stay */
	EXPECT_OK(delete(ROOT, A));
	ck_assert(cte_empty(slot_at(A)));
	EXPECT_OK(inspect(ROOT, C));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	EXPECT_OK(inspect(ROOT, FR));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	st = checked();
	ck_assert_uint_eq(st.zombies, 0);
	ck_assert_uint_eq(st.caps, FIXTURE_CAPS + 2);
	ck_assert_uint_eq(st.untyped_free, UNTYPED_BYTES - 4096 - 512);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(a_cnode_lives_until_its_last_capability_goes)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 3, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 7));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, B, A_COPY, TALLY_RIGHT_READ | TALLY_RIGHT_WRITE));
	/* the original goes first: the copies keep the CNode and what it holds */
	EXPECT_OK(delete(ROOT, A));
	ck_assert_ptr_eq(cdt_parent(slot_at(A_COPY)), slot_at(SLOT_U0));
	EXPECT_OK(inspect(B, 7));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	EXPECT_OK(delete(ROOT, A_COPY));
	EXPECT_OK(inspect(B, 7));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1 + 7);
	/* the last one */
	EXPECT_OK(delete(ROOT, B));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(cnode_holding_its_own_original_is_destroyed)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 2));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(A_COPY, 3, A));                   /* A's original in A[3] */
	/* deleting the original through the copy leaves the copy as the last one */
	EXPECT_OK(delete(A_COPY, 3));
	ck_assert_ptr_eq(cdt_parent(slot_at(A_COPY)), slot_at(SLOT_U0));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	/* and deleting that destroys A */
	EXPECT_OK(delete(ROOT, A_COPY));
	expect_all_reclaimed(0);
	/* once more, now with the original as the last capability, out of reach */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 2));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(A_COPY, 3, A));
	EXPECT_OK(delete(ROOT, A_COPY));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(cnodes_holding_each_others_originals_are_reclaimed_with_their_untyped)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U1, TALLY_OBJ_CNODE, 5, ROOT, B, 1));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_NOTIFICATION, 0, A, 2, 14));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_NOTIFICATION, 0, B, 20, 12));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, C, B, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(C, 1, A));          /* A's original in B */
	EXPECT_OK(move(A_COPY, 1, B));     /* B's original in A */
	EXPECT_OK(delete(ROOT, A_COPY));
	EXPECT_OK(delete(ROOT, C));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 2 + 26);
	/* the notifications' untyped cannot be freed while the CNodes live */
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	EXPECT_OK(revoke(ROOT, SLOT_U1));
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(deleting_one_of_two_cnodes_holding_each_other_leaves_the_other)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, B, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 3, 4));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, B, 3, 4));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(B, 1, A));          /* A's original in B[1] */
	EXPECT_OK(move(A_COPY, 1, B));     /* B's original in A[1] */
	/* B goes; A's original with it, but A lives on in its copy */
	EXPECT_OK(delete(A_COPY, 1));
	ck_assert_ptr_eq(cdt_parent(slot_at(A_COPY)), slot_at(SLOT_U0));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1 + 4);
	EXPECT_OK(delete(ROOT, A_COPY));
	expect_all_reclaimed(0);
}
END_TEST

/*
 * Once a hang: a CNode that held the Untyped its own memory came from. An
 * Untyped now moves only within its CNode, so this cannot be built.
 */
START_TEST(an_untyped_cannot_move_into_another_cnode)
{
	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_UNTYPED, 16, ROOT, B, 1));
	EXPECT_OK(retype(B, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	ck_assert_int_eq(move(A, 1, B), TALLY_ERR_INVALID_CAPABILITY);
	ck_assert_int_eq(cap_type(&slot_at(B)->cap), TALLY_OBJ_UNTYPED);
	EXPECT_OK(move(ROOT, C, B));           /* within the root CNode: fine */
	ck_assert_int_eq(cap_type(&slot_at(C)->cap), TALLY_OBJ_UNTYPED);
	EXPECT_OK(revoke(ROOT, C));
	EXPECT_OK(delete(ROOT, C));
	expect_all_reclaimed(0);
}
END_TEST

/*
 * A dying CNode takes along the objects of the Untypeds it holds, including
 * a CNode made from one of them, preempted at every point. (Two-level
 * fixture: root slot n is S << 52 | n, and window W << 52 | n is slot n of
 * the CNode minted into root slot W.)
 */
START_TEST(destroying_a_cnode_takes_the_objects_of_its_untypeds_along)
{
	const unsigned long F = SLOT_FREE, S = SLOT_SELF;
	const uint64_t root_cn = (uint64_t)S << 52 | S, u0 = (uint64_t)S << 52 | SLOT_U0;
	const uint64_t win = (uint64_t)S << 52 | (F + 1), in_a = (uint64_t)(F + 1) << 52;

	fixture(true);
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(u0, TALLY_OBJ_CNODE, 4, root_cn, F, 1));                /* A */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MINT, F + 1, F, 12, TALLY_RIGHTS_ALL, 48));
	EXPECT_OK(retype(u0, TALLY_OBJ_UNTYPED, 16, win, 1, 2));                  /* A[1], A[2] */
	EXPECT_OK(retype(in_a | 1, TALLY_OBJ_CNODE, 4, root_cn, F + 2, 1));       /* from A[1] */
	EXPECT_OK(retype(in_a | 2, TALLY_OBJ_ENDPOINT, 0, root_cn, F + 3, 2));    /* from A[2] */
	EXPECT_OK(delete(root_cn, F + 1));
	EXPECT_OK(delete(root_cn, F));
	ck_assert(cte_empty(slot_at(F + 2)));
	ck_assert(cte_empty(slot_at(F + 3)));
	ck_assert(cte_empty(slot_at(F + 4)));
	revoke_all_untypeds();
	EXPECT_OK(delete(root_cn, S));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(preempted_revoke_of_a_big_tree_resumes_and_finishes)
{
	unsigned long i;

	setup();
	fake_preempt_every = (unsigned long)_i + 1;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 12, ROOT, A, 1));        /* 4096 slots */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, B, 200));
	for (i = 0; i < 200; i += 7)
		EXPECT_OK(copy(A, 4095 - i, B + i, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, 2000, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, 2000, 1, 100));
	EXPECT_OK(revoke(ROOT, A));
	EXPECT_OK(delete(ROOT, A));
	ck_assert_uint_gt(restarts, 0);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 200);
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	ck_assert_uint_gt(restarts, 0);
	expect_all_reclaimed(0);
}
END_TEST

/*
 * Thread 1 deletes the last capability to a full CNode and is preempted
 * while the CNode is being emptied; the slot it deleted is already empty,
 * so thread 2 puts a capability there. When thread 1's call is issued
 * again it must finish its own work, not delete thread 2's capability.
 */
START_TEST(a_restarted_delete_leaves_alone_what_another_thread_put_in_the_slot)
{
	struct thread *t1, *t2;

	setup();
	t1 = self;
	t2 = second_thread();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 15));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, B, 1));
	fake_preempt_every = 1;
	invoke_load(t1, ROOT, TALLY_CNODE_DELETE, (const uint64_t[INVOKE_MRS]){ A });
	ck_assert(invoke_issue(t1));
	ck_assert(cte_empty(slot_at(A)));
	/* thread 2 runs */
	self = t2;
	EXPECT_OK(copy(ROOT, A, B, TALLY_RIGHTS_ALL));
	self = t1;
	while (invoke_issue(t1))
		;
	ck_assert_uint_eq(t1->regs.error, TALLY_OK);
	ck_assert_msg(!cte_empty(slot_at(A)) && cap_type(&slot_at(A)->cap) == TALLY_OBJ_ENDPOINT,
		      "thread 1's re-issued delete deleted the copy thread 2 put in the slot");
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(1);
}
END_TEST

/* Thread 2 asks for TALLY_SYS_DEBUG_CHECK (a kernel panic fails the test). */
static void
debug_check_from_second_thread(void)
{
	struct thread *t2 = &boot_threads[1];

	t2->regs.number = TALLY_SYS_DEBUG_CHECK;
	t2->regs.args[0] = FAKE_USER_BASE;
	dispatch_thread(t2);
	ck_assert_uint_eq(t2->regs.error, TALLY_OK);
}

/*
 * Another thread may run, and ask for TALLY_SYS_DEBUG_CHECK, at every
 * preemption point of a long call: the invariants hold there too, while
 * several CNodes are being destroyed at once.
 */
START_TEST(invariants_hold_at_every_preemption_point_of_a_cnode_destruction)
{
	unsigned long i;

	setup();
	second_thread();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	for (i = 1; i <= 3; i++) {
		/* A[i] holds the only capability to a CNode that holds endpoints */
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 3, ROOT, B, 1));
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, B, 1, 5));
		EXPECT_OK(move(A, i, B));
	}
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 4, 12));
	fake_preempt_every = (unsigned long)_i + 1;
	check_mid_call = true;
	between_restarts = debug_check_from_second_thread;
	EXPECT_OK(delete(ROOT, A));
	ck_assert_uint_gt(restarts, 0);
	expect_all_reclaimed(1);
	ck_assert_msg(!mid_call_problem[0], "between restarts the checker found %s",
		      mid_call_problem);
}
END_TEST

/*
 * A CNode capability without WRITE does not let its holder change that
 * CNode, not even by naming it on the way to the source of a MOVE.
 */
START_TEST(moving_a_capability_out_of_a_cnode_needs_write_on_it)
{
	const unsigned long F = SLOT_FREE, S = SLOT_SELF;
	const uint64_t root_cn = (uint64_t)S << 52 | S, window = (uint64_t)S << 52 | (F + 1);
	struct cte *d;
	long err;

	fixture(true);
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_CNODE, 4, root_cn, F, 1));
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_ENDPOINT, 0, (uint64_t)S << 52 | F,
			 5, 1));
	/* a read-only window onto the new CNode (guard of 52 - 4 bits) */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MINT, F + 1, F, 12, TALLY_RIGHT_READ, 48));
	d = cap_object(&slot_at(F)->cap);
	EXPECT_OK(inspect(window, 5));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	EXPECT_ERROR(delete(window, 5), TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR(move(window, 6, (uint64_t)(F + 1) << 52 | 5), TALLY_ERR_INVALID_CAPABILITY, 0,
		     TALLY_RIGHT_WRITE, 0);
	/* copying out of it is reading; moving out of it is writing */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_COPY, F + 2, (uint64_t)(F + 1) << 52 | 5, 64,
		      TALLY_RIGHTS_ALL));
	err = INV(root_cn, TALLY_CNODE_MOVE, F + 3, (uint64_t)(F + 1) << 52 | 5, 64);
	ck_assert_msg(err != TALLY_OK && cap_type(&d[5].cap) == TALLY_OBJ_ENDPOINT,
		      "a read-only CNode capability let the caller move a capability out of its "
		      "CNode (got %s)", tally_error_name(err));
}
END_TEST

START_TEST(debug_check_call_reports_the_checkers_totals)
{
	struct tally_cap_stats user;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, SLOT_FREE, 3));
	self->regs.number = TALLY_SYS_DEBUG_CHECK;
	self->regs.args[0] = FAKE_USER_BASE;
	dispatch();
	ck_assert_uint_eq(self->regs.error, TALLY_OK);
	memcpy(&user, fake_user, sizeof(user));
	ck_assert_uint_eq(user.caps, FIXTURE_CAPS + 3);
	ck_assert_uint_eq(user.untyped_bytes, UNTYPED_BYTES);
	ck_assert_uint_eq(user.untyped_free, UNTYPED_BYTES - (3ul << TALLY_ENDPOINT_BITS));
	ck_assert_uint_eq(user.zombies, 0);
	self->regs.args[0] = 0xffff800000000000ul;
	dispatch();
	ck_assert_uint_eq(self->regs.error, TALLY_ERR_BAD_ADDRESS);
}
END_TEST

Suite *
cap_delete_suite(void)
{
	Suite *s = suite_create("cap_delete");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, delete_removes_one_capability_and_its_children_take_its_place);
	tcase_add_test(tc, revoke_of_an_untyped_deletes_its_objects_and_their_copies);
	/* loop tests: _i is fake_preempt_every (0: never preempted) */
	tcase_add_loop_test(tc, destroying_a_cnode_deletes_what_it_holds, 0, 4);
	tcase_add_loop_test(tc, a_cnode_lives_until_its_last_capability_goes, 0, 3);
	tcase_add_loop_test(tc, cnode_holding_its_own_original_is_destroyed, 0, 3);
	tcase_add_loop_test(tc, cnodes_holding_each_others_originals_are_reclaimed_with_their_untyped,
			    0, 3);
	tcase_add_loop_test(tc, deleting_one_of_two_cnodes_holding_each_other_leaves_the_other, 0, 3);
	tcase_add_test(tc, an_untyped_cannot_move_into_another_cnode);
	tcase_add_loop_test(tc, destroying_a_cnode_takes_the_objects_of_its_untypeds_along, 0, 4);
	tcase_add_loop_test(tc, preempted_revoke_of_a_big_tree_resumes_and_finishes, 0, 3);
	tcase_add_loop_test(tc, invariants_hold_at_every_preemption_point_of_a_cnode_destruction,
			    0, 3);
	tcase_add_test(tc, a_restarted_delete_leaves_alone_what_another_thread_put_in_the_slot);
	tcase_add_test(tc, moving_a_capability_out_of_a_cnode_needs_write_on_it);
	tcase_add_test(tc, debug_check_call_reports_the_checkers_totals);
	suite_add_tcase(s, tc);
	return s;
}
