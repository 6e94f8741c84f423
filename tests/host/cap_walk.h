/*
 * The random walk of test_cap_random.c: its state, the checks its steps
 * make, and the steps themselves (cap_walk.c).
 *
 * Random steps on the two-level fixture. Root slots WIN_FIRST.. hold
 * "windows": CNode capabilities minted with a guard of 52 - radix bits, so
 * (w << 52 | n) is slot n of window w's CNode; SLOT_SELF is the root
 * CNode's own window. Steps never delete, move or revoke the boot
 * capabilities or the windows (except to reopen a window, and revoking a
 * boot untyped), so the root CNode and the threads' roots survive;
 * everything else is fair game, Untypeds moved into the CNodes made from
 * them included. In some runs a second thread, sharing the root CNode,
 * takes steps between the restarts of a preempted call.
 */
#ifndef TESTS_HOST_CAP_WALK_H
#define TESTS_HOST_CAP_WALK_H

#include "cap_fixture.h"

#define WIN_FIRST   (SLOT_SELF + 1)
#define WIN_COUNT   4
#define WALK_FIRST  (WIN_FIRST + WIN_COUNT)
#define WALK_SLOTS  64

enum walk_op {
	OP_RETYPE, OP_COPY, OP_MINT, OP_MOVE, OP_DELETE, OP_REVOKE, OP_INSPECT, OP_WINDOW,
	OP_DESTROY, OP_JUNK, OP_COUNT
};

/* The steps' names, for messages. */
extern const char *const op_names[OP_COUNT];

struct walk {
	unsigned long seed, rng, step;
	enum walk_op op;
	unsigned long ok[OP_COUNT];  /* successes of each kind */
	unsigned long preempted;     /* steps that were restarted at least once */
	unsigned long cnodes_destroyed;
	unsigned long max_caps;
	unsigned long abandoned;     /* revokes that removed their own path (documented) */
	unsigned long restarted_failures;
	char first_restarted_failure[200];
	bool relaxed;                /* another thread ran inside this step */
	bool in_interleave;
	unsigned long interleaves;
};

#define WALK_ASSERT(wk, cond)                                                          \
	do {                                                                           \
		if (!(cond))                                                           \
			ck_abort_msg("seed %lu step %lu (%s): property failed: %s (%s:%d)", \
				     (wk)->seed, (wk)->step, op_names[(wk)->op], #cond,    \
				     __FILE__, __LINE__);                              \
	} while (0)

/* A check of a step's own effect, which another thread running inside it may undo. */
#define WALK_POST(wk, cond)                                                            \
	do {                                                                           \
		if (!(wk)->relaxed)                                                    \
			WALK_ASSERT(wk, cond);                                         \
	} while (0)


/* A number below n (0 when n is 0) from the walk's generator. */
unsigned long rnd(struct walk *wk, unsigned long n);
/* The cptr of slot n of window w (root slot n when w is SLOT_SELF), at depth 64. */
uint64_t waddr(unsigned long w, uint64_t n);
/* Take one step of kind wk->op; the error, or -1 for a step the walk does not take. */
long walk_step(struct walk *wk, const struct cap_check_stats *before);

#endif
