/*
 * Random walks of capability invocations on the two-level fixture of
 * cap_fixture.c, with preemption and a second thread: after every step the
 * invariant checker finds nothing wrong, a failure changed nothing, and at
 * the end revoking the Untypeds gives back every byte.
 */
#include "cap_walk.h"
#include <stdio.h>
#include <stdlib.h>

#define WALK_STEPS  5000

/* Chance of each step, in percent. */
static const unsigned op_weight[OP_COUNT] = { 22, 13, 8, 10, 12, 6, 5, 12, 8, 4 };

/* The kind of the next step, drawn with the chances in op_weight. */
static enum walk_op
walk_pick(struct walk *wk)
{
	unsigned long r = rnd(wk, 100);
	unsigned op;

	for (op = 0; op + 1 < OP_COUNT && r >= op_weight[op]; op++)
		r -= op_weight[op];
	return (enum walk_op)op;
}

/*
 * After a step: every invariant holds; a failure is a named error in the
 * record and, unless the call was restarted, changed nothing; a success
 * changed the number of capabilities as it should.
 */
static struct cap_check_stats
walk_check_step(struct walk *wk, long err, const struct cap_check_stats *before)
{
	struct cap_check_stats st;
	const char *why;

	if (restarts)
		wk->preempted++;
	if ((err == TALLY_ERR_LOOKUP_FAILED && restarts &&
	     (wk->op == OP_REVOKE || wk->op == OP_DESTROY)) || wk->relaxed) {
		/* documented: a revoke that removed its own path; or another thread ran */
		wk->abandoned += !wk->relaxed;
		if ((why = cap_check(is_thread_root, &st)) && !mid_call_problem[0])
			snprintf(mid_call_problem, sizeof(mid_call_problem),
				 "\"%s\" before the idle loop ran (step %lu)", why, wk->step);
		idle_drain();
	}
	why = cap_check(is_thread_root, &st);
	if (why)
		ck_abort_msg("seed %lu step %lu (%s): capability invariant broken: %s", wk->seed,
			     wk->step, op_names[wk->op], why);
	WALK_ASSERT(wk, err >= TALLY_OK && err < TALLY_ERROR_COUNT);
	WALK_ASSERT(wk, st.untyped_bytes == UNTYPED_BYTES);
	WALK_ASSERT(wk, st.zombies == 0 && !cap_zombies_pending());
	if (err == TALLY_OK) {
		wk->ok[wk->op]++;
		if (wk->op == OP_COPY || wk->op == OP_MINT)
			WALK_POST(wk, st.caps == before->caps + 1);
		if (wk->op == OP_MOVE || wk->op == OP_INSPECT)
			WALK_POST(wk, st.caps == before->caps);
		return st;
	}
	WALK_ASSERT(wk, self->error.error == (unsigned long)err);
	WALK_ASSERT(wk, err != TALLY_ERR_LOOKUP_FAILED ||
			(self->error.lookup > TALLY_LOOKUP_OK &&
			 self->error.lookup <= TALLY_LOOKUP_EMPTY_SLOT));
	if (wk->relaxed)
		return st;
	if (restarts == 0) {
		WALK_ASSERT(wk, memcmp(before, &st, sizeof(st)) == 0);
		return st;
	}
	if ((wk->op == OP_REVOKE || wk->op == OP_DESTROY) && err == TALLY_ERR_LOOKUP_FAILED)
		return st;
	/* any other call that was restarted has done part of its work: it must finish */
	if (!wk->restarted_failures++)
		snprintf(wk->first_restarted_failure, sizeof(wk->first_restarted_failure),
			 "step %lu (%s) failed with %s after %lu restarts", wk->step,
			 op_names[wk->op], tally_error_name(err), restarts);
	return st;
}

/*
 * Between two restarts of a call, sometimes let the second thread take
 * a few random steps of its own, as the scheduler would.
 */
static struct walk *interleave_walk;

static void
walk_interleave(void)
{
	struct walk *wk = interleave_walk;
	enum walk_op op = wk->op;
	struct thread *t1 = self;
	const char *why;
	struct cap_check_stats st;
	unsigned long n;

	if (wk->in_interleave || rnd(wk, 3))
		return;
	wk->in_interleave = wk->relaxed = true;
	self = &boot_threads[1];
	for (n = 1 + rnd(wk, 3); n; n--) {
		long err;

		wk->op = walk_pick(wk);
		st = (struct cap_check_stats){ 0 };   /* (relaxed: no step compares with it) */
		err = walk_step(wk, &st);
		if (err < 0)
			continue;
		/* another call is still under way: a problem is kept, the walk goes on */
		if ((why = cap_check(is_thread_root, &st)) && !mid_call_problem[0])
			snprintf(mid_call_problem, sizeof(mid_call_problem),
				 "\"%s\" after step %lu (%s) of the second thread, inside a %s",
				 why, wk->step, op_names[wk->op], op_names[op]);
		WALK_ASSERT(wk, err >= TALLY_OK && err < TALLY_ERROR_COUNT);
		WALK_ASSERT(wk, err == TALLY_OK || self->error.error == (unsigned long)err);
		wk->interleaves++;
	}
	self = t1;
	wk->op = op;
	wk->in_interleave = false;
}

/* Revoke the untypeds and delete the rest: only the boot capabilities stay. */
static void
walk_finish(struct walk *wk)
{
	uint64_t self_cn = waddr(SLOT_SELF, SLOT_SELF);
	struct cap_check_stats st;
	unsigned long i;

	for (i = SLOT_U0; i < SLOT_U0 + UNTYPEDS; i++)
		WALK_ASSERT(wk, revoke(self_cn, i) == TALLY_OK);
	for (i = WIN_FIRST; i < ROOT_SLOTS; i++)
		if (!cte_empty(&root[i]))
			WALK_ASSERT(wk, delete(self_cn, i) == TALLY_OK);
	WALK_ASSERT(wk, delete(self_cn, SLOT_SELF) == TALLY_OK);
	st = checked();
	WALK_ASSERT(wk, st.zombies == 0 && !cap_zombies_pending());
	WALK_ASSERT(wk, st.untyped_bytes == UNTYPED_BYTES && st.untyped_free == UNTYPED_BYTES);
	WALK_ASSERT(wk, st.caps == FIXTURE_CAPS + 1);   /* and the second thread's root */
	for (i = 1; i < SLOT_SELF; i++)
		WALK_ASSERT(wk, cap_is_original(&root[i].cap) && cdt_parent(&root[i]) == &cdt_sentinel);
	WALK_ASSERT(wk, root[TALLY_SLOT_ROOT_CNODE].first_child == thread_cspace(&boot_threads[1]) &&
			root[TALLY_SLOT_ROOT_CNODE].last_child == thread_cspace(&boot_threads[0]) &&
			!thread_cspace(&boot_threads[0])->first_child &&
			!thread_cspace(&boot_threads[1])->first_child);
}

/*
 * One random walk. Run `_i` picks the seed and how calls are preempted:
 * never; at every n-th preemption point for a small n that changes; or so,
 * and with a second thread taking steps between the restarts. The checker
 * also runs at every preemption point.
 */
static void
walk_run(unsigned run)
{
	struct walk wk = { .seed = 0x9e3779b97f4a7c15ul * (run + 1) };
	bool preempt = run % 3 != 0;
	struct cap_check_stats before;
	unsigned op;

	wk.rng = wk.seed;
	fixture(true);
	second_thread();
	check_mid_call = true;
	if (run % 3 == 2) {
		interleave_walk = &wk;
		between_restarts = walk_interleave;
	}
	before = checked();
	for (wk.step = 0; wk.step < WALK_STEPS; wk.step++) {
		long err;

		if (preempt && wk.step % 200 == 0)
			fake_preempt_every = 1 + rnd(&wk, rnd(&wk, 4) ? 8 : 64);
		wk.op = walk_pick(&wk);
		wk.relaxed = false;
		restarts = 0;
		err = walk_step(&wk, &before);
		if (err < 0)
			continue;   /* a step the walk does not take */
		before = walk_check_step(&wk, err, &before);
		wk.max_caps = MAX(wk.max_caps, before.caps);
	}
	between_restarts = NULL;
	wk.op = OP_REVOKE;
	walk_finish(&wk);
	if (getenv("WALK_STATS")) {
		fprintf(stderr, "seed %lu:", wk.seed);
		for (op = 0; op < OP_COUNT; op++)
			fprintf(stderr, " %s=%lu", op_names[op], wk.ok[op]);
		fprintf(stderr, "\n preempted=%lu abandoned=%lu interleaved steps=%lu "
			"cnodes_destroyed=%lu maxcaps=%lu\n", wk.preempted, wk.abandoned,
			wk.interleaves, wk.cnodes_destroyed, wk.max_caps);
	}
	/* the walk did what it is for */
	for (op = 0; op < OP_JUNK; op++)
		ck_assert_msg(wk.ok[op] >= 10, "seed %lu: only %lu successful %s steps", wk.seed,
			      wk.ok[op], op_names[op]);
	ck_assert_msg(wk.cnodes_destroyed >= 5, "seed %lu: only %lu CNodes destroyed", wk.seed,
		      wk.cnodes_destroyed);
	ck_assert(!preempt || wk.preempted > 0);
	ck_assert(run % 3 != 2 || wk.interleaves > 0);
	ck_assert_msg(wk.restarted_failures == 0,
		      "seed %lu: %lu restarted calls failed after doing part of their work; "
		      "first: %s", wk.seed, wk.restarted_failures, wk.first_restarted_failure);
	ck_assert_msg(!mid_call_problem[0], "seed %lu: at a preemption point the checker found %s",
		      wk.seed, mid_call_problem);
}

START_TEST(random_steps_keep_every_invariant_and_revoke_reclaims_all)
{
	walk_run((unsigned)_i);
}
END_TEST

Suite *
cap_random_suite(void)
{
	Suite *s = suite_create("cap_random");
	TCase *walk = tcase_create("random");

	tcase_set_timeout(walk, 60);
	tcase_add_loop_test(walk, random_steps_keep_every_invariant_and_revoke_reclaims_all, 0, 9);
	suite_add_tcase(s, walk);
	return s;
}
