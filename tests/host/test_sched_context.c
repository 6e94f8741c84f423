/*
 * Scheduling contexts (DESIGN.md rule 8) through real system calls
 * (ipc_fixture.c): the scheduling control and its checks, binding and
 * unbinding, budgets charged per timer tick and refilled per period,
 * lending to passive servers through Replies (general path and fast path,
 * chains of servers) and every way a lent context comes back (the answer,
 * a Reply deleted, a party killed or suspended, the context destroyed),
 * sends to passive servers, and timed calls. Every invariant, the
 * scheduling contexts' included, is checked after every step.
 */
#include "ipc_fixture.h"
#include <kernel/clock.h>
#include <kernel/schedctx.h>
#include <string.h>

#define F SLOT_FREE
#define CTL TALLY_SLOT_SCHED_CONTROL
#define SC_BYTES    (1ul << TALLY_SCHED_CONTEXT_BITS)
#define REPLY_BYTES (1ul << TALLY_REPLY_BITS)

static struct sched_context *
sc_at(unsigned long slot)
{
	ck_assert_int_eq(cap_type(&slot_at(slot)->cap), TALLY_OBJ_SCHED_CONTEXT);
	return obj(slot);
}

static long
control_configure(unsigned long sc, uint64_t budget, uint64_t period)
{
	return INV(CTL, TALLY_SCHED_CONTROL_CONFIGURE, sc, budget, period);
}

static long
tcb_set_sc(unsigned long tcb_slot, unsigned long sc)
{
	return INV(tcb_slot, TALLY_TCB_SET_SCHED_CONTEXT, sc);
}

/* A context in `slot` with budget and period. */
static void
make_sc(unsigned long slot, uint64_t budget, uint64_t period)
{
	make(TALLY_OBJ_SCHED_CONTEXT, slot);
	EXPECT_OK(control_configure(slot, budget, period));
}

/* A runnable thread that runs on a context of its own in sc_slot (budget, period). */
static struct thread *
spawn_timed(unsigned long slot, unsigned prio, unsigned long sc_slot, uint64_t budget,
	    uint64_t period)
{
	struct thread *t = spawn(slot, prio);

	EXPECT_OK(tcb_set_sc(slot, 0));
	make_sc(sc_slot, budget, period);
	EXPECT_OK(tcb_set_sc(slot, sc_slot));
	ck_assert_ptr_eq(t->sc, sc_at(sc_slot));
	ck_assert(t->queued);
	return t;
}

/* A passive server: it starts on time of its own, waits on ep with `reply`, then loses it. */
static struct thread *
spawn_passive(unsigned long slot, unsigned prio, unsigned long ep, unsigned long reply)
{
	struct thread *t = spawn(slot, prio);

	ck_assert_int_eq(u_recv(t, ep, reply), PENDING);
	EXPECT_OK(tcb_set_sc(slot, 0));
	ck_assert_ptr_null(t->sc);
	ck_assert_ptr_null(t->active_sc);
	return t;
}

/* A CALL with a time limit of `ticks` (r14, argument 8). */
static long
u_timed_call(struct thread *t, uint64_t cptr, uint64_t info, const uint64_t *m, uint64_t ticks)
{
	return sys(t, TALLY_SYS_CALL, cptr, info, m, ticks);
}

/* SCHED_CONTEXT_INFO on the context in `slot` gives these results. */
static void
expect_info(unsigned long slot, uint64_t budget, uint64_t period, uint64_t remaining,
	    uint64_t consumed, uint64_t lent, uint64_t overruns)
{
	EXPECT_OK(INV(slot, TALLY_SCHED_CONTEXT_INFO));
	ck_assert_msg(mr[0] == budget && mr[1] == period && mr[2] == remaining &&
			      mr[3] == consumed && mr[4] == lent && mr[5] == overruns,
		      "context in slot %lu: expected {budget %lu, period %lu, remaining %lu, "
		      "consumed %lu, lent %lu, overruns %lu}, got {%lu, %lu, %lu, %lu, %lu, %lu}",
		      slot, (unsigned long)budget, (unsigned long)period, (unsigned long)remaining,
		      (unsigned long)consumed, (unsigned long)lent, (unsigned long)overruns,
		      (unsigned long)mr[0], (unsigned long)mr[1], (unsigned long)mr[2],
		      (unsigned long)mr[3], (unsigned long)mr[4], (unsigned long)mr[5]);
}

/* t runs on the context in sc_slot (it is that context's user). */
static void
expect_on(const char *what, struct thread *t, unsigned long sc_slot)
{
	struct sched_context *sc = sc_at(sc_slot);

	ck_assert_msg(t->active_sc == sc && sc->user == t,
		      "%s ('%s'): expected to run on the context in slot %lu, runs on %p (its user: "
		      "'%s')", what, t->name, sc_slot, (void *)t->active_sc,
		      sc->user ? sc->user->name : "nobody");
}
#define EXPECT_ON(t, sc_slot) expect_on(#t, (t), (sc_slot))

/* t holds no time at all, and is in no run queue. */
static void
expect_no_time(const char *what, struct thread *t)
{
	ck_assert_msg(!t->active_sc && !t->queued, "%s ('%s'): expected no time, holds %p%s", what,
		      t->name, (void *)t->active_sc, t->queued ? " and is queued" : "");
}
#define EXPECT_NO_TIME(t) expect_no_time(#t, (t))

/* t was stopped by a TIMEOUT fault with no handler, and it was reported. */
static void
expect_timeout_stopped(const char *what, struct thread *t)
{
	ck_assert_msg(t->state == TALLY_THREAD_FAULTED && t->fault.cause == TALLY_FAULT_TIMEOUT,
		      "%s ('%s'): expected stopped by a timeout fault, is %s with fault %s", what,
		      t->name, state_name(t->state), tally_fault_name(t->fault.cause));
	ck_assert_ptr_nonnull(strstr(fake_console, "budget ran out"));
}
#define EXPECT_TIMEOUT_STOPPED(t) expect_timeout_stopped(#t, (t))

/* h received t's TIMEOUT fault (t waits for the answer). */
static void
expect_timeout_fault_at(struct thread *h, struct thread *t)
{
	ck_assert_int_eq(t->state, TALLY_THREAD_BLOCKED_REPLY);
	ck_assert_int_eq(t->fault.cause, TALLY_FAULT_TIMEOUT);
	ck_assert_uint_eq(got_info(h), tally_msginfo(TALLY_LABEL_FAULT, TALLY_FAULT_MSG_WORDS, 0));
	ck_assert_uint_eq(got_mr(h, 0), TALLY_FAULT_TIMEOUT);
}

/* ---- the scheduling control, binding, information ---- */

START_TEST(configure_needs_the_scheduling_control_and_checks_budget_and_period)
{
	const unsigned long S = F, SRO = F + 1, EP = F + 2, EMPTY = F + 3, X = F + 4, N = F + 5;
	struct thread *t;

	ipc_setup();
	make(TALLY_OBJ_SCHED_CONTEXT, S);
	EXPECT_OK(copy(ROOT, SRO, S, TALLY_RIGHT_READ));
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_NOTIFICATION, N);
	/* a new context has no budget: nothing can run on it */
	expect_info(S, 0, 0, 0, 0, 0, 0);
	ck_assert(!sc_at(S)->ready);

	/* only the scheduling control configures */
	EXPECT_ERROR(INV(S, TALLY_SCHED_CONTROL_CONFIGURE, S, 1, 2), TALLY_ERR_INVALID_ARGUMENT, 0,
		     TALLY_SCHED_CONTROL_CONFIGURE, 0);
	EXPECT_ERROR(INV(EP, TALLY_SCHED_CONTROL_CONFIGURE, S, 1, 2),
		     TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_ENDPOINT, 0);
	EXPECT_ERROR(INV(TALLY_SLOT_IRQ_CONTROL, TALLY_SCHED_CONTROL_CONFIGURE, S, 1, 2),
		     TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_IRQ_CONTROL, 0);
	EXPECT_ERROR(INV(TALLY_SLOT_ROOT_THREAD, TALLY_SCHED_CONTROL_CONFIGURE, S, 1, 2),
		     TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_SCHED_CONTROL_CONFIGURE, 0);
	EXPECT_ERROR(INV(CTL, TALLY_SCHED_CONTEXT_INFO, S), TALLY_ERR_INVALID_ARGUMENT, 0,
		     TALLY_SCHED_CONTEXT_INFO, 0);
	/* the context: present, a scheduling context, writable */
	EXPECT_ERROR(control_configure(0, 1, 2), TALLY_ERR_LOOKUP_FAILED, 1, 0, 0);
	EXPECT_ERROR(control_configure(EMPTY, 1, 2), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	EXPECT_ERROR(control_configure(EP, 1, 2), TALLY_ERR_INVALID_CAPABILITY, 1,
		     TALLY_OBJ_ENDPOINT, TALLY_OBJ_SCHED_CONTEXT);
	EXPECT_ERROR(control_configure(SRO, 1, 2), TALLY_ERR_INVALID_CAPABILITY, 1,
		     TALLY_RIGHT_READ, TALLY_RIGHT_WRITE);
	/* 1 <= budget <= period <= TALLY_SCHED_PERIOD_MAX */
	EXPECT_ERROR(control_configure(S, 1, 0), TALLY_ERR_RANGE, 3, 0, TALLY_SCHED_PERIOD_MAX);
	EXPECT_ERROR(control_configure(S, 1, TALLY_SCHED_PERIOD_MAX + 1), TALLY_ERR_RANGE, 3,
		     TALLY_SCHED_PERIOD_MAX + 1, TALLY_SCHED_PERIOD_MAX);
	EXPECT_ERROR(control_configure(S, 1, ~0ul), TALLY_ERR_RANGE, 3, ~0ul,
		     TALLY_SCHED_PERIOD_MAX);
	EXPECT_ERROR(control_configure(S, 0, 5), TALLY_ERR_RANGE, 2, 0, 5);
	EXPECT_ERROR(control_configure(S, 6, 5), TALLY_ERR_RANGE, 2, 6, 5);
	/* none of that changed anything */
	expect_info(S, 0, 0, 0, 0, 0, 0);
	ck_assert(!sc_at(S)->ready);

	EXPECT_OK(control_configure(S, 3, 10));
	expect_info(S, 3, 10, 3, 0, 0, 0);
	ck_assert(sc_at(S)->ready);
	ck_assert_uint_eq(sc_at(S)->period_start, clock_ticks());
	expect_info(SRO, 3, 10, 3, 0, 0, 0);   /* reading needs no right */
	EXPECT_ERROR(INV(S, TALLY_SCHED_CONTEXT_INFO + 1), TALLY_ERR_INVALID_ARGUMENT, 0,
		     TALLY_SCHED_CONTEXT_INFO + 1, 0);
	EXPECT_OK(control_configure(S, TALLY_SCHED_PERIOD_MAX, TALLY_SCHED_PERIOD_MAX));
	expect_info(S, TALLY_SCHED_PERIOD_MAX, TALLY_SCHED_PERIOD_MAX, TALLY_SCHED_PERIOD_MAX, 0, 0,
		    0);
	EXPECT_OK(control_configure(S, 1, 1));
	expect_info(S, 1, 1, 1, 0, 0, 0);

	/* the control cannot be copied, minted or sent */
	EXPECT_ERROR(copy(ROOT, X, CTL, TALLY_RIGHTS_ALL), TALLY_ERR_INVALID_CAPABILITY, 2,
		     TALLY_OBJ_SCHED_CONTROL, 0);
	EXPECT_ERROR(mint(ROOT, X, CTL, TALLY_RIGHTS_ALL, 1), TALLY_ERR_INVALID_CAPABILITY, 2,
		     TALLY_OBJ_SCHED_CONTROL, 0);
	ck_assert(cte_empty(slot_at(X)));
	t = spawn(F + 10, 10);
	give_buffer(F + 10, F + 20)->cap = CTL;
	make(TALLY_OBJ_REPLY, F + 6);
	{
		struct thread *r = spawn(F + 11, 10);

		give_buffer(F + 11, F + 21)->recv_slot = X;
		ck_assert_int_eq(u_recv(r, EP, F + 6), PENDING);
		ck_assert_int_eq(u_send(t, EP, tally_msginfo(0, 0, 1), NULL), TALLY_OK);
		EXPECT_THREAD(r, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_info(r), tally_msginfo(0, 0, 0));
	}
	ck_assert(cte_empty(slot_at(X)));
	ipc_teardown();
}
END_TEST

START_TEST(set_sched_context_binds_unbinds_and_refuses_busy_contexts)
{
	const unsigned long S1 = F, S2 = F + 1, S3 = F + 2, S2RO = F + 3, EP = F + 4, TRO = F + 5;
	const unsigned long EMPTY = F + 6, T = F + 10, T2 = F + 11;
	struct thread *t, *t2;

	ipc_setup();
	make_sc(S1, 1, 1);
	make_sc(S2, 2, 4);
	EXPECT_OK(copy(ROOT, S2RO, S2, TALLY_RIGHT_READ));
	make(TALLY_OBJ_ENDPOINT, EP);
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_THREAD, 0, ROOT, T, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_THREAD, 0, ROOT, T2, 1));
	t = tcb(T);
	t2 = tcb(T2);
	strlcpy(t->name, "t", sizeof(t->name));
	strlcpy(t2->name, "t2", sizeof(t2->name));
	track(t);
	track(t2);
	EXPECT_OK(configure(T, ROOT, 0, 0, 0));
	EXPECT_OK(configure(T2, ROOT, 0, 0, 0));
	EXPECT_OK(copy(ROOT, TRO, T, TALLY_RIGHT_READ));

	/* a new thread has no time: resumed, it is runnable but waits */
	ck_assert_ptr_null(t->sc);
	EXPECT_OK(INV(T2, TALLY_TCB_RESUME));
	EXPECT_THREAD(t2, TALLY_THREAD_RUNNABLE, 0);
	EXPECT_NO_TIME(t2);

	/* bound, an inactive thread holds the context and is still not queued */
	EXPECT_OK(tcb_set_sc(T, S1));
	ck_assert_ptr_eq(t->sc, sc_at(S1));
	ck_assert_ptr_eq(sc_at(S1)->owner, t);
	EXPECT_ON(t, S1);
	ck_assert(!t->queued);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	ck_assert(t->queued);

	/* one context per thread, one thread per context */
	EXPECT_ERROR(tcb_set_sc(T, S2), TALLY_ERR_BUSY, 1, S2, 0);
	EXPECT_ERROR(tcb_set_sc(T2, S1), TALLY_ERR_BUSY, 1, S1, 0);
	EXPECT_ERROR(tcb_set_sc(T, S1), TALLY_ERR_BUSY, 1, S1, 0);
	/* the arguments: a writable thread, a writable context */
	EXPECT_ERROR(tcb_set_sc(T2, EP), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_OBJ_ENDPOINT,
		     TALLY_OBJ_SCHED_CONTEXT);
	EXPECT_ERROR(tcb_set_sc(T2, EMPTY), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	EXPECT_ERROR(tcb_set_sc(T2, S2RO), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_RIGHT_READ,
		     TALLY_RIGHT_WRITE);
	EXPECT_ERROR(tcb_set_sc(TRO, S2), TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	ck_assert_ptr_null(t2->sc);
	ck_assert_ptr_null(sc_at(S2)->owner);

	/* binding a runnable thread that waited for time queues it */
	EXPECT_OK(tcb_set_sc(T2, S2));
	EXPECT_ON(t2, S2);
	ck_assert(t2->queued);

	/* unbinding: the thread stops (still runnable, waiting for time); twice is nothing */
	EXPECT_OK(tcb_set_sc(T, 0));
	EXPECT_THREAD(t, TALLY_THREAD_RUNNABLE, 0);
	EXPECT_NO_TIME(t);
	ck_assert_ptr_null(t->sc);
	ck_assert_ptr_null(sc_at(S1)->owner);
	ck_assert_ptr_null(sc_at(S1)->user);
	EXPECT_OK(tcb_set_sc(T, 0));
	EXPECT_NO_TIME(t);

	/* the context is free for another thread; t2 must let go of its own first */
	EXPECT_ERROR(tcb_set_sc(T2, S1), TALLY_ERR_BUSY, 1, S1, 0);
	EXPECT_OK(tcb_set_sc(T, S1));
	ck_assert(t->queued);

	/* a thread unbinding its own context stops at once; its call returns OK */
	ck_assert_int_eq(u_invoke(t2, T2, TALLY_TCB_SET_SCHED_CONTEXT, MSG(0)), TALLY_OK);
	ck_assert_ptr_ne(ran, t2);
	EXPECT_NO_TIME(t2);
	ck_assert_int_eq(t2->state, TALLY_THREAD_RUNNABLE);

	/* an unconfigured context: bound, but nothing to run on until it is configured */
	make(TALLY_OBJ_SCHED_CONTEXT, S3);
	EXPECT_OK(tcb_set_sc(T2, S3));
	EXPECT_ON(t2, S3);
	ck_assert(!t2->queued);
	ck_assert(tick(NULL) != t2);
	EXPECT_OK(control_configure(S3, 1, 2));
	ck_assert(t2->queued);

	/* a bound context's last capability goes: the thread stops */
	destroy(S3, SC_BYTES);
	ck_assert_ptr_null(t2->sc);
	EXPECT_NO_TIME(t2);
	EXPECT_OK(tcb_set_sc(T2, S2));
	ck_assert(t2->queued);
	ipc_teardown();
}
END_TEST

/* ---- time: no context, budgets, periods ---- */

START_TEST(a_thread_without_time_is_never_queued_until_it_gets_some)
{
	const unsigned long N = F, EP = F + 1, R = F + 2, S = F + 3, S0 = F + 4;
	struct thread *w, *c, *srv;
	int i;

	ipc_setup();
	make(TALLY_OBJ_NOTIFICATION, N);
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	w = spawn(F + 10, 10);
	c = spawn(F + 11, 10);
	srv = spawn(F + 12, 10);
	ck_assert_int_eq(u_recv(srv, EP, R), PENDING);

	/* a waiter loses its time while it waits; the signal makes it runnable, not queued */
	ck_assert_int_eq(u_recv(w, N, 0), PENDING);
	EXPECT_OK(tcb_set_sc(F + 10, 0));
	ck_assert_int_eq(u_send(c, N, 0, NULL), TALLY_OK);
	EXPECT_THREAD(w, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_NO_TIME(w);
	for (i = 0; i < 5; i++)
		ck_assert(tick(c) != w);
	make_sc(S, 1, 1);
	EXPECT_OK(tcb_set_sc(F + 10, S));
	ck_assert(w->queued);
	ck_assert_ptr_eq(tick(c), w);   /* round robin: its turn */

	/* a call to a server whose own context is not configured: the server waits */
	EXPECT_OK(tcb_set_sc(F + 12, 0));
	make(TALLY_OBJ_SCHED_CONTEXT, S0);
	EXPECT_OK(tcb_set_sc(F + 12, S0));
	ck_assert_int_eq(u_call(c, EP, tally_msginfo(0, 1, 0), MSG(5)), PENDING);
	EXPECT_THREAD(srv, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert(!srv->queued);
	ck_assert_ptr_ne(ran, srv);
	ck_assert_ptr_eq(c->active_sc, c->sc);   /* nothing is lent to a server of its own */
	EXPECT_OK(control_configure(S0, 1, 1));
	ck_assert(srv->queued);
	ck_assert_int_eq(u_send(srv, R, 0, NULL), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);

	/* the same on the fast path: it does not take a server without time */
	try_fastpath = true;
	ck_assert_int_eq(u_recv(srv, EP, R), PENDING);
	EXPECT_OK(tcb_set_sc(F + 12, 0));
	make(TALLY_OBJ_SCHED_CONTEXT, S0 + 1);
	EXPECT_OK(tcb_set_sc(F + 12, S0 + 1));
	ck_assert_int_eq(u_call(c, EP, tally_msginfo(0, 1, 0), MSG(6)), PENDING);
	ck_assert_uint_eq(fast_taken, 0);
	EXPECT_THREAD(srv, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert(!srv->queued);
	ipc_teardown();
}
END_TEST

START_TEST(a_budget_runs_out_after_budget_ticks_and_comes_back_after_the_period)
{
	const unsigned long S = F, U = F + 1;
	struct thread *t, *other, *full;
	uint64_t t0;
	int i;

	ipc_setup();
	t = spawn_timed(F + 10, 10, S, 2, 5);
	t0 = clock_ticks();
	other = spawn(F + 11, 10);
	expect_info(S, 2, 5, 2, 0, 0, 0);

	/* two ticks of its budget, then it waits and the other runs */
	tick(t);
	expect_info(S, 2, 5, 1, 1, 0, 0);
	ck_assert_ptr_eq(tick(t), other);
	expect_info(S, 2, 5, 0, 2, 0, 1);
	ck_assert(sc_at(S)->throttled);
	EXPECT_THREAD(t, TALLY_THREAD_RUNNABLE, 0);
	ck_assert(!t->queued);
	/* until the period is over it does not run, whoever else does */
	while (clock_ticks() + 1 < t0 + 5)
		ck_assert_ptr_eq(tick(other), other);
	ck_assert(!t->queued);
	ck_assert_ptr_eq(tick(other), t);   /* refilled at t0 + 5, and its turn */
	expect_info(S, 2, 5, 2, 2, 0, 1);
	ck_assert_uint_eq(sc_at(S)->period_start, t0 + 5);

	/* the next period the same, counted again */
	tick(t);
	ck_assert_ptr_eq(tick(t), other);
	expect_info(S, 2, 5, 0, 4, 0, 2);
	while (clock_ticks() + 1 < t0 + 10)
		ck_assert_ptr_eq(tick(other), other);
	ck_assert(!t->queued);
	ck_assert_ptr_eq(tick(other), t);

	/* a period that ends while it has budget left starts afresh */
	tick(t);
	expect_info(S, 2, 5, 1, 5, 0, 2);
	for (i = 0; i < 6; i++)
		tick(other);
	tick(t);
	expect_info(S, 2, 5, 1, 6, 0, 2);

	/* configuring a throttled context refills it at once */
	tick(t);
	ck_assert(sc_at(S)->throttled);
	EXPECT_OK(control_configure(S, 3, 6));
	ck_assert(!sc_at(S)->throttled);
	ck_assert(t->queued);
	expect_info(S, 3, 6, 3, 7, 0, 3);

	/* a budget equal to its period never runs out */
	full = spawn_timed(F + 12, 10, U, 3, 3);
	for (i = 0; i < 50; i++)
		tick(full);
	expect_info(U, 3, 3, 3, 50, 0, 0);
	ck_assert(!sc_at(U)->throttled);

	/* a throttled context destroyed: out of the release queue, its thread without time */
	tick(t);
	tick(t);
	tick(t);
	ck_assert(sc_at(S)->throttled);
	destroy(S, SC_BYTES);
	EXPECT_NO_TIME(t);
	for (i = 0; i < 10; i++)
		tick(NULL);   /* the refill would touch the destroyed context */
	ipc_teardown();
}
END_TEST

/* ---- lending ---- */

/*
 * A call to a passive server lends it the caller's context through the
 * Reply; the server's ticks are charged to it; the answer gives it back.
 * The general path, then the fast path.
 */
static void
lend_and_give_back(bool fast)
{
	const unsigned long EP = F, R = F + 1, X = F + 2;
	struct thread *c, *s;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	c = spawn_timed(F + 10, 10, X, 5, 10);
	s = spawn_passive(F + 11, 10, EP, R);
	try_fastpath = fast;

	ck_assert_int_eq(u_call(c, EP, tally_msginfo(1, 1, 0), MSG(7)), PENDING);
	ck_assert_uint_eq(fast_taken, fast ? 1 : 0);
	EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(s, 0), 7);
	ck_assert_ptr_eq(ran, s);
	EXPECT_ON(s, X);
	EXPECT_NO_TIME(c);
	ck_assert_ptr_eq(sc_at(X)->lent, reply_at(R));
	ck_assert_ptr_eq(reply_at(R)->sc, sc_at(X));
	expect_info(X, 5, 10, 5, 0, 1, 0);
	/* the server's work is the caller's to pay */
	tick(s);
	tick(s);
	expect_info(X, 5, 10, 3, 2, 1, 0);

	/* the answer (REPLY_RECV) gives it back, and the server waits without time */
	ck_assert_int_eq(u_reply_recv(s, EP, R, tally_msginfo(2, 1, 0), MSG(8)), PENDING);
	ck_assert_uint_eq(fast_taken, fast ? 2 : 0);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(c, 0), 8);
	ck_assert_ptr_eq(ran, c);
	EXPECT_ON(c, X);
	EXPECT_THREAD(s, TALLY_THREAD_BLOCKED_RECV, PENDING);
	EXPECT_NO_TIME(s);
	ck_assert_ptr_null(sc_at(X)->lent);
	ck_assert_ptr_null(reply_at(R)->sc);
	expect_info(X, 5, 10, 3, 2, 0, 0);
	ck_assert_int_eq(s->fault.cause, TALLY_FAULT_NONE);

	/* again, answered by a plain send: the server keeps no time and is not faulted */
	ck_assert_int_eq(u_call(c, EP, tally_msginfo(1, 1, 0), MSG(9)), PENDING);
	ck_assert_uint_eq(fast_taken, fast ? 3 : 0);
	EXPECT_ON(s, X);
	ck_assert_int_eq(u_send(s, R, tally_msginfo(2, 1, 0), MSG(10)), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(c, 0), 10);
	EXPECT_ON(c, X);
	ck_assert_ptr_eq(ran, c);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_NO_TIME(s);
	ck_assert_int_eq(s->fault.cause, TALLY_FAULT_NONE);
	ck_assert_ptr_null(strstr(fake_console, "budget ran out"));
	ipc_teardown();
}

START_TEST(a_call_to_a_passive_server_lends_the_callers_context_until_the_answer)
{
	lend_and_give_back(false);
}
END_TEST

START_TEST(the_fast_path_lends_and_gives_back_as_the_general_path_does)
{
	lend_and_give_back(true);
}
END_TEST

/* C calls passive S, which calls passive D: the context goes down the chain and back up. */
enum { C_EP1 = F, C_R1 = F + 1, C_EP2 = F + 2, C_R2 = F + 3, C_X = F + 4, C_FEP = F + 5,
       C_HR = F + 6, C_EP3 = F + 7, C_R3 = F + 8, C_RN = F + 9, C_RNB = F + 12,
       C_C = F + 20, C_S = F + 21, C_D = F + 22, C_H = F + 23, C_E = F + 24 };

static struct thread *cc, *cs, *cd;

/* The chain's threads and objects; the call goes as far as `depth` (0, 1 or 2 hops). */
static void
chain_fixture(unsigned depth)
{
	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, C_EP1);
	make(TALLY_OBJ_REPLY, C_R1);
	make(TALLY_OBJ_ENDPOINT, C_EP2);
	make(TALLY_OBJ_REPLY, C_R2);
	make(TALLY_OBJ_ENDPOINT, C_FEP);
	make(TALLY_OBJ_REPLY, C_HR);
	make(TALLY_OBJ_ENDPOINT, C_EP3);
	make(TALLY_OBJ_REPLY, C_R3);
	make(TALLY_OBJ_NOTIFICATION, C_RN);
	EXPECT_OK(mint(ROOT, C_RNB, C_RN, TALLY_RIGHT_WRITE, 0x30));
	EXPECT_OK(INV(C_R1, TALLY_REPLY_BIND_NOTIFICATION, C_RNB));
	cc = spawn_timed(C_C, 10, C_X, 10, 20);
	cs = spawn_passive(C_S, 10, C_EP1, C_R1);
	cd = spawn_passive(C_D, 10, C_EP2, C_R2);
	if (depth >= 1) {
		ck_assert_int_eq(u_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		EXPECT_ON(cs, C_X);
	}
	if (depth >= 2) {
		ck_assert_int_eq(u_call(cs, C_EP2, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
		EXPECT_ON(cd, C_X);
		EXPECT_NO_TIME(cs);
		ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R2));
		ck_assert_ptr_eq(reply_at(C_R2)->sc_prev, reply_at(C_R1));
	}
}

/* An active fault handler waits on C_FEP; thread t (in slot ts) sends its faults there. */
static struct thread *
fault_handler_for(unsigned long ts)
{
	struct thread *h = spawn(C_H, 10);

	ck_assert_int_eq(u_recv(h, C_FEP, C_HR), PENDING);
	EXPECT_OK(configure(ts, ROOT, 0, 0, C_FEP));
	return h;
}

static void
chain_there_and_back(bool fast)
{
	chain_fixture(0);
	try_fastpath = fast;
	ck_assert_int_eq(u_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
	ck_assert_int_eq(u_call(cs, C_EP2, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
	ck_assert_ptr_eq(ran, cd);
	EXPECT_ON(cd, C_X);
	EXPECT_NO_TIME(cc);
	EXPECT_NO_TIME(cs);
	ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R2));
	ck_assert_ptr_eq(reply_at(C_R2)->sc_prev, reply_at(C_R1));
	tick(cd);
	expect_info(C_X, 10, 20, 9, 1, 1, 0);

	ck_assert_int_eq(u_reply_recv(cd, C_EP2, C_R2, tally_msginfo(0, 1, 0), MSG(3)), PENDING);
	EXPECT_THREAD(cs, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(cs, 0), 3);
	ck_assert_ptr_eq(ran, cs);
	EXPECT_ON(cs, C_X);
	EXPECT_NO_TIME(cd);
	ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R1));
	ck_assert_ptr_null(reply_at(C_R2)->sc);
	tick(cs);
	expect_info(C_X, 10, 20, 8, 2, 1, 0);

	ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R1, tally_msginfo(0, 1, 0), MSG(4)), PENDING);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(cc, 0), 4);
	ck_assert_ptr_eq(ran, cc);
	EXPECT_ON(cc, C_X);
	EXPECT_NO_TIME(cs);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	expect_info(C_X, 10, 20, 8, 2, 0, 0);
	ck_assert_uint_eq(fast_taken, fast ? 4 : 0);
	ipc_teardown();
}

START_TEST(a_chain_of_passive_servers_runs_on_the_first_callers_context)
{
	chain_there_and_back(false);
	chain_there_and_back(true);
}
END_TEST

/*
 * The Reply of a call in the chain is deleted: its caller wakes with
 * DEAD_PEER on its context; a borrower further down that is running gets a
 * TIMEOUT fault (to its handler, or stopped and reported); one that is
 * blocked just loses it.
 */
START_TEST(a_reply_deleted_mid_chain_gives_the_context_back_to_its_caller)
{
	struct thread *h, *e;

	/* C's Reply, while D runs on the context: D's handler hears of it */
	chain_fixture(0);
	h = fault_handler_for(C_D);
	ck_assert_int_eq(u_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
	ck_assert_int_eq(u_call(cs, C_EP2, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
	destroy(C_R1, REPLY_BYTES);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_ON(cc, C_X);
	ck_assert(cc->queued);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	ck_assert_ptr_null(reply_at(C_R2)->sc);
	EXPECT_THREAD(h, TALLY_THREAD_RUNNABLE, TALLY_OK);
	expect_timeout_fault_at(h, cd);
	EXPECT_NO_TIME(cd);
	EXPECT_THREAD(cs, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_NO_TIME(cs);
	/* resumed by its handler, D still has no time to run on */
	ck_assert_int_eq(u_send(h, C_HR, 0, NULL), TALLY_OK);
	ck_assert_int_eq(cd->state, TALLY_THREAD_RUNNABLE);
	EXPECT_NO_TIME(cd);
	/* S's own call ends when its Reply goes */
	destroy(C_R2, REPLY_BYTES);
	EXPECT_THREAD(cs, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_NO_TIME(cs);
	ipc_teardown();

	/* S's Reply, while D runs: S gets the context back; D, without a handler, stops */
	chain_fixture(2);
	destroy(C_R2, REPLY_BYTES);
	EXPECT_THREAD(cs, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_ON(cs, C_X);
	ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R1));
	EXPECT_TIMEOUT_STOPPED(cd);
	EXPECT_NO_TIME(cd);
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R1, tally_msginfo(0, 1, 0), MSG(5)), PENDING);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_ON(cc, C_X);
	ipc_teardown();

	/* C's Reply, while D waits for an active server E: D loses the context, no fault */
	chain_fixture(2);
	e = spawn(C_E, 10);
	ck_assert_int_eq(u_recv(e, C_EP3, C_R3), PENDING);
	ck_assert_int_eq(u_call(cd, C_EP3, tally_msginfo(0, 1, 0), MSG(3)), PENDING);
	EXPECT_ON(cd, C_X);   /* E runs on its own: nothing lent */
	ck_assert_ptr_null(reply_at(C_R3)->sc);
	destroy(C_R1, REPLY_BYTES);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_ON(cc, C_X);
	EXPECT_THREAD(cd, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_NO_TIME(cd);
	ck_assert_int_eq(cd->fault.cause, TALLY_FAULT_NONE);
	ck_assert_int_eq(u_send(e, C_R3, 0, NULL), TALLY_OK);
	EXPECT_THREAD(cd, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_NO_TIME(cd);
	ipc_teardown();
}
END_TEST

START_TEST(a_caller_that_dies_leaves_its_context_with_the_server_until_it_waits)
{
	const unsigned long T = F + 30;
	struct thread *t;

	/* C dies while S works for it: S finishes on C's context, which then idles */
	chain_fixture(1);
	kill_thread(C_C);
	EXPECT_ON(cs, C_X);
	ck_assert_ptr_null(sc_at(C_X)->owner);
	ck_assert(reply_at(C_R1)->stale);
	ck_assert_uint_eq(((struct notification *)obj(C_RN))->word, 0x30);
	tick(cs);
	expect_info(C_X, 10, 20, 9, 1, 1, 0);
	ck_assert_int_eq(u_send(cs, C_R1, 0, NULL), TALLY_ERR_DEAD_PEER);
	EXPECT_ON(cs, C_X);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	tick(cs);
	ck_assert_int_eq(u_recv(cs, C_EP1, C_R1), PENDING);
	EXPECT_NO_TIME(cs);
	ck_assert_ptr_null(sc_at(C_X)->user);
	expect_info(C_X, 10, 20, 8, 2, 0, 0);
	/* idle, it is free for another thread */
	t = spawn(T, 10);
	EXPECT_OK(tcb_set_sc(T, 0));
	EXPECT_OK(tcb_set_sc(T, C_X));
	EXPECT_ON(t, C_X);
	ipc_teardown();

	/* S dies while D works for it: D finishes on C's context, which then goes home to C */
	chain_fixture(2);
	kill_thread(C_S);
	EXPECT_ON(cd, C_X);
	ck_assert(reply_at(C_R2)->stale);
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_int_eq(u_reply_recv(cd, C_EP2, C_R2, 0, NULL), TALLY_ERR_DEAD_PEER);
	EXPECT_ON(cd, C_X);
	ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R1));
	ck_assert_int_eq(u_recv(cd, C_EP2, C_R2), PENDING);
	EXPECT_NO_TIME(cd);
	EXPECT_ON(cc, C_X);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	destroy(C_R1, REPLY_BYTES);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	ck_assert(cc->queued);
	ipc_teardown();
}
END_TEST

START_TEST(a_suspended_caller_gets_its_context_back_and_the_server_is_told)
{
	struct thread *h;

	/* the server has a fault handler: it hears of the timeout */
	chain_fixture(0);
	h = fault_handler_for(C_S);
	ck_assert_int_eq(u_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
	EXPECT_ON(cs, C_X);
	EXPECT_OK(INV(C_C, TALLY_TCB_SUSPEND));
	EXPECT_THREAD(cc, TALLY_THREAD_INACTIVE, TALLY_ERR_CANCELLED);
	EXPECT_ON(cc, C_X);
	ck_assert(!cc->queued);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	ck_assert(reply_at(C_R1)->stale);
	ck_assert_uint_eq(((struct notification *)obj(C_RN))->word, 0x30);
	expect_timeout_fault_at(h, cs);
	EXPECT_NO_TIME(cs);
	EXPECT_OK(INV(C_C, TALLY_TCB_RESUME));
	ck_assert(cc->queued);
	ck_assert_int_eq(u_send(h, C_HR, 0, NULL), TALLY_OK);
	ck_assert_int_eq(cs->state, TALLY_THREAD_RUNNABLE);
	EXPECT_NO_TIME(cs);
	ipc_teardown();

	/* no fault handler: the server is stopped and reported */
	chain_fixture(1);
	EXPECT_OK(INV(C_C, TALLY_TCB_SUSPEND));
	EXPECT_ON(cc, C_X);
	EXPECT_TIMEOUT_STOPPED(cs);
	EXPECT_NO_TIME(cs);
	ipc_teardown();

	/* in a chain: the server at the end is stopped, the one in the middle waits without time */
	chain_fixture(2);
	EXPECT_OK(INV(C_C, TALLY_TCB_SUSPEND));
	EXPECT_ON(cc, C_X);
	EXPECT_TIMEOUT_STOPPED(cd);
	EXPECT_THREAD(cs, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_NO_TIME(cs);
	ck_assert_ptr_null(reply_at(C_R2)->sc);
	ipc_teardown();
}
END_TEST

START_TEST(a_context_destroyed_while_lent_leaves_every_party_without_it)
{
	const unsigned long Y = F + 31;
	struct thread *e;

	chain_fixture(2);
	destroy(C_X, SC_BYTES);
	EXPECT_TIMEOUT_STOPPED(cd);
	EXPECT_NO_TIME(cd);
	EXPECT_THREAD(cs, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_NO_TIME(cs);
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_NO_TIME(cc);
	ck_assert_ptr_null(cc->sc);
	ck_assert_ptr_null(reply_at(C_R1)->sc);
	ck_assert_ptr_null(reply_at(C_R2)->sc);
	destroy(C_R2, REPLY_BYTES);
	EXPECT_THREAD(cs, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_NO_TIME(cs);
	destroy(C_R1, REPLY_BYTES);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_NO_TIME(cc);
	make_sc(Y, 1, 1);
	EXPECT_OK(tcb_set_sc(C_C, Y));
	ck_assert(cc->queued);
	ipc_teardown();

	/* the borrower waits for an active server: it is not faulted */
	chain_fixture(1);
	e = spawn(C_E, 10);
	ck_assert_int_eq(u_recv(e, C_EP3, C_R3), PENDING);
	ck_assert_int_eq(u_call(cs, C_EP3, tally_msginfo(0, 1, 0), MSG(3)), PENDING);
	destroy(C_X, SC_BYTES);
	EXPECT_NO_TIME(cs);
	ck_assert_int_eq(cs->fault.cause, TALLY_FAULT_NONE);
	ck_assert_int_eq(u_send(e, C_R3, 0, NULL), TALLY_OK);
	EXPECT_THREAD(cs, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_NO_TIME(cs);
	ipc_teardown();
}
END_TEST

/* A server destroyed while it runs on a lent context gives it back to its caller. */
START_TEST(a_server_destroyed_on_a_lent_context_gives_it_back)
{
	chain_fixture(1);
	kill_thread(C_S);
	EXPECT_ON(cc, C_X);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	destroy(C_R1, REPLY_BYTES);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	ck_assert(cc->queued);
	ipc_teardown();

	/* at the end of a chain: to the server before it, then up to C */
	chain_fixture(2);
	kill_thread(C_D);
	EXPECT_ON(cs, C_X);
	ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R1));
	EXPECT_THREAD(cs, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	kill_thread(C_S);
	EXPECT_ON(cc, C_X);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	destroy(C_R1, REPLY_BYTES);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	ipc_teardown();
}
END_TEST

/* ---- sends and receives of passive servers ---- */

START_TEST(a_send_to_a_passive_server_waits_for_its_answer_and_nbsend_would_block)
{
	const unsigned long EP = F, R = F + 1, X = F + 2, X2 = F + 3;
	struct thread *c, *c2, *s;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		ipc_setup();
		make(TALLY_OBJ_ENDPOINT, EP);
		make(TALLY_OBJ_REPLY, R);
		c = spawn_timed(F + 10, 10, X, 5, 10);
		c2 = spawn_timed(F + 11, 10, X2, 5, 10);
		s = spawn_passive(F + 12, 10, EP, R);
		try_fastpath = fast;

		/* NBSEND would leave the server without time: it does not happen */
		ck_assert_int_eq(u_nbsend(c, EP, tally_msginfo(0, 1, 0), MSG(1)),
				 TALLY_ERR_WOULD_BLOCK);
		EXPECT_DETAIL(c, TALLY_ERR_WOULD_BLOCK, 0, 0);
		EXPECT_THREAD(s, TALLY_THREAD_BLOCKED_RECV, PENDING);
		ck_assert_ptr_eq(ep_at(EP)->queue.head, s);
		EXPECT_ON(c, X);

		/* SEND lends the sender's time and waits for the answer, which carries no words */
		ck_assert_int_eq(u_send(c, EP, tally_msginfo(5, 2, 0), MSG(11, 12)), PENDING);
		EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_REPLY, PENDING);
		EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_info(s), tally_msginfo(5, 2, 0));
		ck_assert_uint_eq(got_mr(s, 1), 12);
		EXPECT_ON(s, X);
		/* meanwhile another send queues */
		ck_assert_int_eq(u_send(c2, EP, tally_msginfo(6, 1, 0), MSG(21)), PENDING);
		EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_SEND, PENDING);
		EXPECT_ON(c2, X2);
		/* the answer ends the first send; the server takes the second on its sender's */
		ck_assert_int_eq(u_reply_recv(s, EP, R, tally_msginfo(9, 2, 0), MSG(91, 92)),
				 TALLY_OK);
		ck_assert_uint_eq(fast_taken, 0);
		EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_info(c), tally_msginfo(5, 2, 0));
		ck_assert_uint_eq(got_mr(c, 0), 11);
		EXPECT_ON(c, X);
		EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_mr(s, 0), 21);
		EXPECT_ON(s, X2);
		EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_REPLY, PENDING);
		ck_assert_int_eq(u_reply_recv(s, EP, R, 0, NULL), PENDING);
		EXPECT_THREAD(c2, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_mr(c2, 0), 21);
		EXPECT_ON(c2, X2);
		EXPECT_NO_TIME(s);
		ipc_teardown();
	}
}
END_TEST

/*
 * A passive server keeps the first caller's Reply unanswered and receives
 * the next call with a second Reply: it runs that call on the second
 * caller's time; the first caller's context goes home meanwhile.
 */
START_TEST(a_passive_server_taking_a_second_call_runs_it_on_the_second_callers_time)
{
	const unsigned long EP = F, R1 = F + 1, R2 = F + 2, X1 = F + 3, X2 = F + 4;
	struct thread *c1, *c2, *s;
	int nb;

	for (nb = 0; nb < 2; nb++) {
		ipc_setup();
		make(TALLY_OBJ_ENDPOINT, EP);
		make(TALLY_OBJ_REPLY, R1);
		make(TALLY_OBJ_REPLY, R2);
		c1 = spawn_timed(F + 10, 10, X1, 5, 10);
		c2 = spawn_timed(F + 11, 10, X2, 5, 10);
		s = spawn_passive(F + 12, 10, EP, R1);
		ck_assert_int_eq(u_call(c1, EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		EXPECT_ON(s, X1);
		ck_assert_int_eq(u_call(c2, EP, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
		EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_SEND, PENDING);
		ck_assert_int_eq(nb ? u_nbrecv(s, EP, R2) : u_recv(s, EP, R2), TALLY_OK);
		ck_assert_uint_eq(got_mr(s, 0), 2);
		EXPECT_ON(s, X2);
		ck_assert_ptr_eq(reply_at(R2)->sc, sc_at(X2));
		EXPECT_ON(c1, X1);
		ck_assert_ptr_null(reply_at(R1)->sc);
		EXPECT_THREAD(c1, TALLY_THREAD_BLOCKED_REPLY, PENDING);
		tick(s);
		expect_info(X2, 5, 10, 4, 1, 1, 0);
		/* it answers the first caller on the second's time, then the second */
		ck_assert_int_eq(u_send(s, R1, tally_msginfo(0, 1, 0), MSG(3)), TALLY_OK);
		EXPECT_THREAD(c1, TALLY_THREAD_RUNNABLE, TALLY_OK);
		EXPECT_ON(c1, X1);
		EXPECT_ON(s, X2);
		ck_assert_int_eq(u_reply_recv(s, EP, R2, tally_msginfo(0, 1, 0), MSG(4)), PENDING);
		EXPECT_THREAD(c2, TALLY_THREAD_RUNNABLE, TALLY_OK);
		EXPECT_ON(c2, X2);
		EXPECT_NO_TIME(s);
		ipc_teardown();
	}
}
END_TEST

/*
 * A queued caller holds a context with no budget (it lost its own while
 * queued and was bound an unconfigured one): the passive server that takes
 * its call, running on another caller's time, lets go of that and waits,
 * on the new caller's context, until there is time on it.
 */
START_TEST(a_passive_server_taking_a_call_on_a_context_without_budget_waits)
{
	const unsigned long C2 = F + 30, X2 = F + 31, Y = F + 32;
	struct thread *c2;

	chain_fixture(1);
	c2 = spawn_timed(C2, 10, X2, 5, 10);
	ck_assert_int_eq(u_call(c2, C_EP1, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
	EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_SEND, PENDING);
	EXPECT_OK(tcb_set_sc(C2, 0));
	make(TALLY_OBJ_SCHED_CONTEXT, Y);
	EXPECT_OK(tcb_set_sc(C2, Y));
	EXPECT_ON(c2, Y);
	/* S, on C's time, takes c2's call with a second Reply */
	ck_assert_int_eq(u_recv(cs, C_EP1, C_R3), TALLY_OK);
	ck_assert_uint_eq(got_mr(cs, 0), 2);
	EXPECT_ON(cs, Y);
	ck_assert_ptr_ne(ran, cs);
	ck_assert(!cs->queued);
	EXPECT_ON(cc, C_X);   /* C's context went back to C, which still waits */
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	/* time on c2's context: S runs, answers c2, and waits */
	EXPECT_OK(control_configure(Y, 1, 1));
	ck_assert(cs->queued);
	ck_assert_int_eq(u_send(cs, C_R1, 0, NULL), TALLY_OK);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R3, 0, NULL), PENDING);
	EXPECT_THREAD(c2, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_ON(c2, Y);
	EXPECT_NO_TIME(cs);
	ipc_teardown();
}
END_TEST

/* A thread runs on one context at a time: one of its own cannot be bound while it borrows. */
START_TEST(a_thread_running_on_a_lent_context_cannot_be_bound_one_of_its_own)
{
	const unsigned long Y = F + 30;

	chain_fixture(1);
	make_sc(Y, 1, 1);
	EXPECT_ERROR(tcb_set_sc(C_S, Y), TALLY_ERR_BUSY, 1, Y, 0);
	ck_assert_ptr_null(cs->sc);
	ck_assert_ptr_null(sc_at(Y)->owner);
	ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R1, 0, NULL), PENDING);
	EXPECT_ON(cc, C_X);
	/* waiting, it holds nothing: now it can be made an active server */
	EXPECT_OK(tcb_set_sc(C_S, Y));
	EXPECT_ON(cs, Y);
	ck_assert_int_eq(u_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
	EXPECT_ON(cs, Y);
	EXPECT_ON(cc, C_X);
	ipc_teardown();

	/* waiting for an answer that brings back a context it borrowed and lent on */
	chain_fixture(2);
	make_sc(Y, 1, 1);
	EXPECT_ERROR(tcb_set_sc(C_S, Y), TALLY_ERR_BUSY, 1, Y, 0);
	ck_assert_int_eq(u_reply_recv(cd, C_EP2, C_R2, 0, NULL), PENDING);
	EXPECT_ON(cs, C_X);
	ipc_teardown();

	/*
	 * A caller whose own context is unbound while lent: the context stays
	 * lent and comes back with the answer, no longer its own; meanwhile,
	 * and while it runs on that, it cannot be bound another.
	 */
	chain_fixture(1);
	make_sc(Y, 1, 1);
	EXPECT_OK(tcb_set_sc(C_C, 0));
	ck_assert_ptr_null(cc->sc);
	ck_assert_ptr_null(sc_at(C_X)->owner);
	EXPECT_ON(cs, C_X);
	EXPECT_ERROR(tcb_set_sc(C_C, Y), TALLY_ERR_BUSY, 1, Y, 0);
	ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R1, 0, NULL), PENDING);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_ON(cc, C_X);
	EXPECT_ERROR(tcb_set_sc(C_C, Y), TALLY_ERR_BUSY, 1, Y, 0);
	ipc_teardown();
}
END_TEST

/*
 * The answer through a Reply whose context another thread runs on (an
 * active thread answers for the passive server): the caller gets its
 * context back, the server loses it and is told, the answering thread
 * keeps its own. The fast path leaves that to the general path.
 */
START_TEST(an_answer_by_another_thread_takes_the_lent_context_from_the_server)
{
	struct thread *a;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		chain_fixture(1);
		a = spawn(C_E, 10);
		try_fastpath = fast;
		ck_assert_int_eq(u_reply_recv(a, C_EP3, C_R1, tally_msginfo(0, 1, 0), MSG(7)),
				 PENDING);
		ck_assert_uint_eq(fast_taken, 0);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_mr(cc, 0), 7);
		EXPECT_ON(cc, C_X);
		EXPECT_TIMEOUT_STOPPED(cs);
		EXPECT_NO_TIME(cs);
		EXPECT_THREAD(a, TALLY_THREAD_BLOCKED_RECV, PENDING);
		ck_assert_ptr_nonnull(a->sc);
		ck_assert_ptr_eq(a->active_sc, a->sc);
		ipc_teardown();
	}
}
END_TEST

/*
 * C calls S calls D calls E, all passive; D dies, then E lets go of the
 * context: S, the newest caller still waiting on the chain, gets it, so
 * that when its call fails it can still answer C.
 */
START_TEST(a_context_let_go_of_goes_to_the_newest_caller_still_waiting)
{
	const unsigned long EP4 = F + 40, R4 = F + 41;
	struct thread *e;
	int how;

	for (how = 0; how < 2; how++) {
		chain_fixture(2);
		make(TALLY_OBJ_ENDPOINT, EP4);
		make(TALLY_OBJ_REPLY, R4);
		e = spawn_passive(C_E, 10, EP4, R4);
		ck_assert_int_eq(u_call(cd, EP4, tally_msginfo(0, 1, 0), MSG(3)), PENDING);
		EXPECT_ON(e, C_X);
		kill_thread(C_D);
		ck_assert(reply_at(R4)->stale);
		EXPECT_ON(e, C_X);
		/* E waits again, or dies */
		if (how == 0)
			ck_assert_int_eq(u_recv(e, EP4, R4), PENDING);
		else
			kill_thread(C_E);
		EXPECT_ON(cs, C_X);
		ck_assert_ptr_eq(sc_at(C_X)->lent, reply_at(C_R1));
		EXPECT_THREAD(cs, TALLY_THREAD_BLOCKED_REPLY, PENDING);
		/* D's Reply goes: S hears of it and answers C on C's time */
		destroy(C_R2, REPLY_BYTES);
		EXPECT_THREAD(cs, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
		ck_assert(cs->queued);
		ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R1, tally_msginfo(0, 1, 0), MSG(4)),
				 PENDING);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
		EXPECT_ON(cc, C_X);
		ipc_teardown();
	}
}
END_TEST

/* A server whose lent budget runs out: its handler hears of it; it goes on after the refill. */
START_TEST(a_server_whose_lent_budget_runs_out_waits_for_the_refill)
{
	const unsigned long EP = F, R = F + 1, X = F + 2;
	struct thread *c, *s, *h, *other;
	uint64_t t0;
	int handler;

	for (handler = 0; handler < 2; handler++) {
		chain_fixture(0);
		make(TALLY_OBJ_ENDPOINT, EP + 50);
		make(TALLY_OBJ_REPLY, R + 50);
		c = spawn_timed(F + 30, 10, X + 50, 2, 10);
		t0 = clock_ticks();
		s = spawn_passive(F + 31, 10, EP + 50, R + 50);
		h = handler ? fault_handler_for(F + 31) : NULL;
		other = spawn(F + 32, 10);
		EXPECT_OK(INV(C_C, TALLY_TCB_SUSPEND));   /* (only s and other compete) */
		ck_assert_int_eq(u_call(c, EP + 50, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		EXPECT_ON(s, X + 50);
		tick(s);
		tick(s);
		ck_assert(sc_at(X + 50)->throttled);
		expect_info(X + 50, 2, 10, 0, 2, 1, 1);
		EXPECT_ON(s, X + 50);   /* it keeps the context, throttled */
		ck_assert(!s->queued);
		if (handler) {
			expect_timeout_fault_at(h, s);
			ck_assert_int_eq(u_reply_recv(h, C_FEP, C_HR, 0, NULL), PENDING);
			ck_assert_int_eq(s->state, TALLY_THREAD_RUNNABLE);
		} else {
			ck_assert_int_eq(s->state, TALLY_THREAD_RUNNABLE);
			ck_assert_int_eq(s->fault.cause, TALLY_FAULT_NONE);
		}
		ck_assert(!s->queued);
		while (clock_ticks() + 1 < t0 + 10)
			ck_assert_ptr_ne(tick(other), s);
		ck_assert_ptr_eq(tick(other), s);
		EXPECT_ON(s, X + 50);
		ck_assert_int_eq(u_reply_recv(s, EP + 50, R + 50, 0, NULL), PENDING);
		EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
		EXPECT_ON(c, X + 50);
		ipc_teardown();
	}
}
END_TEST

/*
 * A Reply whose caller died still links the dead caller's context to the
 * server finishing on it; when the Reply serves a new receive, that link
 * ends, so the new call's answer does not carry that context off.
 */
START_TEST(a_stale_reply_serving_a_new_call_forgets_the_context_of_the_old_one)
{
	const unsigned long Y = F + 30;
	struct thread *a, *c2;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		chain_fixture(1);
		try_fastpath = fast;
		kill_thread(C_C);
		EXPECT_ON(cs, C_X);
		ck_assert_ptr_eq(reply_at(C_R1)->sc, sc_at(C_X));
		/* an active thread receives with the stale Reply */
		a = spawn(C_E, 10);
		ck_assert_int_eq(u_recv(a, C_EP3, C_R1), PENDING);
		ck_assert_ptr_null(reply_at(C_R1)->sc);
		ck_assert_ptr_null(sc_at(C_X)->lent);
		EXPECT_ON(cs, C_X);
		/* a caller on a context of its own is answered through it */
		c2 = spawn_timed(F + 32, 10, Y, 5, 10);
		ck_assert_int_eq(u_call(c2, C_EP3, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		ck_assert_ptr_null(reply_at(C_R1)->sc);
		ck_assert_int_eq(u_reply_recv(a, C_EP3, C_R1, 0, NULL), PENDING);
		EXPECT_THREAD(c2, TALLY_THREAD_RUNNABLE, TALLY_OK);
		EXPECT_ON(c2, Y);
		/* S finishes on the dead caller's context, untouched */
		EXPECT_ON(cs, C_X);
		ck_assert_int_eq(cs->fault.cause, TALLY_FAULT_NONE);
		ck_assert_uint_eq(fast_taken, fast ? 2 : 0);
		ipc_teardown();
	}
}
END_TEST

/* ---- timed calls ---- */

START_TEST(a_timed_call_nobody_receives_ends_with_timeout_and_leaves_the_endpoint_empty)
{
	const unsigned long EP = F, R = F + 1;
	struct thread *c, *c2, *s;
	uint64_t t0;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		ipc_setup();
		try_fastpath = fast;
		make(TALLY_OBJ_ENDPOINT, EP);
		make(TALLY_OBJ_REPLY, R);
		c = spawn(F + 10, 10);
		c2 = spawn(F + 11, 10);
		s = spawn(F + 12, 10);
		t0 = clock_ticks();
		ck_assert_int_eq(u_timed_call(c, EP, tally_msginfo(0, 1, 0), MSG(1), 3), PENDING);
		ck_assert_uint_eq(c->deadline, t0 + 3);
		tick(NULL);
		tick(NULL);
		EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_SEND, PENDING);
		tick(NULL);
		EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_ERR_TIMEOUT);
		EXPECT_DETAIL(c, TALLY_ERR_TIMEOUT, 0, 0);
		ck_assert_uint_eq(c->deadline, 0);
		ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
		ck_assert_ptr_null(ep_at(EP)->queue.head);
		ck_assert(c->queued);

		/* behind another caller: only the timed one leaves the queue */
		ck_assert_int_eq(u_call(c2, EP, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
		ck_assert_int_eq(u_timed_call(c, EP, tally_msginfo(0, 1, 0), MSG(1), 1), PENDING);
		tick(NULL);
		EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_ERR_TIMEOUT);
		ck_assert_ptr_eq(ep_at(EP)->queue.head, c2);
		ck_assert_ptr_eq(ep_at(EP)->queue.tail, c2);
		ck_assert_int_eq(u_recv(s, EP, R), TALLY_OK);
		ck_assert_uint_eq(got_mr(s, 0), 2);
		ck_assert_int_eq(u_send(s, R, 0, NULL), TALLY_OK);
		EXPECT_THREAD(c2, TALLY_THREAD_RUNNABLE, TALLY_OK);

		/* only a call has a limit; the longest limit does not end at once */
		ck_assert_int_eq(sys(c2, TALLY_SYS_SEND, EP, tally_msginfo(0, 1, 0), MSG(3), 1),
				 PENDING);
		ck_assert_uint_eq(c2->deadline, 0);
		ck_assert_int_eq(u_timed_call(c, EP, 0, NULL, ~0ul), PENDING);
		ck_assert_uint_ne(c->deadline, 0);
		tick(NULL);
		tick(NULL);
		EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_SEND, PENDING);
		EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_SEND, PENDING);
		ck_assert_uint_eq(fast_taken, 0);
		ipc_teardown();
	}
}
END_TEST

/*
 * The server takes the call and never answers: at the deadline the caller
 * wakes with TIMEOUT on its own context, the Reply goes stale (its
 * notification fires), and the server that ran on the context is told.
 */
START_TEST(a_timed_call_the_server_never_answers_ends_and_its_reply_goes_stale)
{
	struct thread *h, *e;
	uint64_t t0;

	chain_fixture(0);
	h = fault_handler_for(C_S);
	t0 = clock_ticks();
	ck_assert_int_eq(u_timed_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1), 2), PENDING);
	EXPECT_ON(cs, C_X);
	tick(cs);
	EXPECT_THREAD(cc, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	tick(cs);
	ck_assert_uint_eq(clock_ticks(), t0 + 2);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_TIMEOUT);
	EXPECT_ON(cc, C_X);
	ck_assert(cc->queued || ran == cc);
	ck_assert_ptr_null(sc_at(C_X)->lent);
	ck_assert(reply_at(C_R1)->stale);
	ck_assert_ptr_null(reply_at(C_R1)->caller);
	ck_assert_uint_eq(((struct notification *)obj(C_RN))->word, 0x30);
	expect_timeout_fault_at(h, cs);
	expect_info(C_X, 10, 20, 8, 2, 0, 0);
	ipc_teardown();

	/* the server at the end of a chain, waiting for an active server: not faulted */
	chain_fixture(0);
	e = spawn(C_E, 10);
	ck_assert_int_eq(u_recv(e, C_EP3, C_R3), PENDING);
	ck_assert_int_eq(u_timed_call(cc, C_EP1, tally_msginfo(0, 1, 0), MSG(1), 1), PENDING);
	ck_assert_int_eq(u_call(cs, C_EP2, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
	ck_assert_int_eq(u_call(cd, C_EP3, tally_msginfo(0, 1, 0), MSG(3)), PENDING);
	tick(e);
	EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_TIMEOUT);
	EXPECT_ON(cc, C_X);
	EXPECT_NO_TIME(cs);
	EXPECT_NO_TIME(cd);
	ck_assert_int_eq(cd->fault.cause, TALLY_FAULT_NONE);
	ck_assert_ptr_null(reply_at(C_R2)->sc);
	ck_assert_int_eq(u_send(e, C_R3, 0, NULL), TALLY_OK);
	EXPECT_THREAD(cd, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_NO_TIME(cd);
	ipc_teardown();
}
END_TEST

START_TEST(a_timed_call_answered_in_time_is_not_affected)
{
	struct thread *e;
	int fast, i;

	for (fast = 0; fast < 2; fast++) {
		chain_fixture(0);
		try_fastpath = fast;
		ck_assert_int_eq(u_timed_call(cc, C_EP1, 0, NULL, 3), PENDING);
		tick(cs);
		ck_assert_int_eq(u_reply_recv(cs, C_EP1, C_R1, tally_msginfo(0, 1, 0), MSG(9)),
				 PENDING);
		/* (the fast path takes neither a timed call nor its answer) */
		ck_assert_uint_eq(fast_taken, 0);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_uint_eq(got_mr(cc, 0), 9);
		ck_assert_uint_eq(cc->deadline, 0);
		for (i = 0; i < 5; i++)
			tick(NULL);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_int_ne(cc->error.error, TALLY_ERR_TIMEOUT);
		ck_assert(!reply_at(C_R1)->stale);

		/* queued first, taken by an active server, answered in time */
		e = spawn(C_E, 10);
		ck_assert_int_eq(u_timed_call(cc, C_EP3, 0, NULL, 3), PENDING);
		tick(e);
		ck_assert_int_eq(u_recv(e, C_EP3, C_R3), TALLY_OK);
		tick(e);
		ck_assert_int_eq(u_send(e, C_R3, 0, NULL), TALLY_OK);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);
		for (i = 0; i < 5; i++)
			tick(NULL);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_OK);

		/* ended by the endpoint's deletion before the deadline */
		ck_assert_int_eq(u_timed_call(cc, C_EP3, 0, NULL, 3), PENDING);
		destroy(C_EP3, 1ul << TALLY_ENDPOINT_BITS);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
		ck_assert_uint_eq(cc->deadline, 0);
		for (i = 0; i < 5; i++)
			tick(NULL);
		EXPECT_THREAD(cc, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
		ipc_teardown();
	}
}
END_TEST

/* Timed callers destroyed or suspended: the timeout queue keeps none of them. */
START_TEST(a_thread_destroyed_with_a_deadline_leaves_nothing_in_the_timeout_queue)
{
	const unsigned long EP = F;
	struct thread *t[4];
	unsigned victim, i;

	for (victim = 0; victim < 4; victim++) {
		ipc_setup();
		make(TALLY_OBJ_ENDPOINT, EP);
		for (i = 0; i < 4; i++)
			t[i] = spawn(F + 10 + i, 10);
		for (i = 0; i < 4; i++)
			ck_assert_int_eq(u_timed_call(t[i], EP, 0, NULL, 2 + i), PENDING);
		/* one destroyed (its memory poisoned), one suspended */
		kill_thread(F + 10 + victim);
		EXPECT_OK(INV(F + 10 + (victim + 1) % 4, TALLY_TCB_SUSPEND));
		ck_assert_uint_eq(t[(victim + 1) % 4]->deadline, 0);
		for (i = 0; i < 6; i++)
			tick(NULL);
		for (i = 0; i < 4; i++) {
			if (i == victim)
				continue;
			if (i == (victim + 1) % 4)
				EXPECT_THREAD(t[i], TALLY_THREAD_INACTIVE, TALLY_ERR_CANCELLED);
			else
				EXPECT_THREAD(t[i], TALLY_THREAD_RUNNABLE, TALLY_ERR_TIMEOUT);
		}
		ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
		ipc_teardown();
	}
}
END_TEST

/* ---- random walks ---- */

/*
 * Eight threads, passive or on contexts of their own, make random calls on
 * three endpoints with six Replies (some timed, some plain sends, some
 * answers, some binds, unbinds, reconfigurations and suspensions), while the
 * root thread ticks the clock as any of them, destroys and remakes contexts,
 * Replies and endpoints, and kills and respawns threads (each in a small
 * process CNode, so a kill is a zombie drain). Every invariant after every
 * step; at the end, with every IPC object gone, no thread waits and every
 * context is with its owner, or idle.
 */
#define WT 8
#define WE 3
#define WR 6
#define WS 6
#define W_EP(i)   (F + (i))
#define W_EPB(i)  (F + WE + (i))    /* badged: WRITE, badge i + 1 */
#define W_N       (F + 2 * WE)
#define W_NB      (F + 2 * WE + 1)
#define W_R(i)    (F + 20 + (i))
#define W_S(i)    (F + 30 + (i))
#define W_T(i)    (F + 40 + (i))
#define W_P(i)    (F + 60 + (i))    /* thread i's process: a CNode with a copy of its TCB */
#define W_END_EP  (F + 80)
#define W_END_R   (F + 81)
#define W_EMPTY   (F + 99)
#define P_RADIX   2

static unsigned long seed;
static bool t_alive[WT];

/* Steps at which each thing the walks are for was seen, over a test's walks. */
static struct {
	unsigned long lent, chained, throttled, timeout_faults, timed_out, stale_links, fast;
} seen;

static unsigned long
rnd(unsigned long n)
{
	return test_rand(&seed) % n;
}

static struct thread *
wthread(unsigned i)
{
	return obj(W_T(i));
}

static uint64_t
any_ep(void)
{
	switch (rnd(10)) {
	case 0: case 1: case 2: case 3:
		return W_EP(rnd(WE));
	case 4: case 5: case 6: case 7:
		return W_EPB(rnd(WE));
	case 8:
		return rnd(2) ? W_N : W_NB;
	default:
		return rnd(2) ? W_R(rnd(WR)) : W_EMPTY;
	}
}

/* A Reply to answer through: mostly one that holds a call. */
static uint64_t
any_reply(void)
{
	unsigned k, i = (unsigned)rnd(WR);

	if (rnd(4))
		for (k = 0; k < WR; k++, i = (i + 1) % WR)
			if (((struct reply *)obj(W_R(i)))->caller)
				return W_R(i);
	return W_R(rnd(WR));
}

static uint64_t
any_thread_or_zero(void)
{
	return rnd(6) ? W_T(rnd(WT)) : 0;
}

static uint64_t
any_sc_or_zero(void)
{
	return rnd(5) ? W_S(rnd(WS)) : rnd(2) ? 0 : W_EP(0);
}

/* A context with a random budget and period: often the whole CPU, often short. */
static void
walk_configure_sc(unsigned i)
{
	uint64_t period = 1 + rnd(6), budget = rnd(3) ? 1 + rnd(period) : period;

	EXPECT_OK(control_configure(W_S(i), budget, period));
}

static void
walk_make_sc(unsigned i)
{
	make(TALLY_OBJ_SCHED_CONTEXT, W_S(i));
	if (rnd(6))
		walk_configure_sc(i);
}

static void
walk_make_endpoint(unsigned i)
{
	make(TALLY_OBJ_ENDPOINT, W_EP(i));
	EXPECT_OK(mint(ROOT, W_EPB(i), W_EP(i), TALLY_RIGHT_WRITE, i + 1));
}

static void
walk_make_reply(unsigned i)
{
	make(TALLY_OBJ_REPLY, W_R(i));
	if (rnd(2))
		EXPECT_OK(INV(W_R(i), TALLY_REPLY_BIND_NOTIFICATION, W_NB));
}

/* Delete an object with every copy of it (fault endpoints in threads, a Reply's notification). */
static void
walk_destroy(unsigned long slot, size_t bytes)
{
	void *o = obj(slot);

	EXPECT_OK(revoke(ROOT, slot));
	EXPECT_OK(delete(ROOT, slot));
	PROP_ASSERT(cte_empty(slot_at(slot)) && !cap_zombies_pending());
	poison(o, bytes);
}

/* The first free context slot's context, for a thread to own; -1 if none is free. */
static int
walk_free_sc(void)
{
	unsigned k, i = (unsigned)rnd(WS);

	for (k = 0; k < WS; k++, i = (i + 1) % WS)
		if (!sc_at(W_S(i))->owner && !sc_at(W_S(i))->user)
			return (int)i;
	return -1;
}

/*
 * Make thread i: a random priority, a process CNode, maybe a fault
 * endpoint; then passive (after it starts waiting on an endpoint), on a
 * context of the walk's own, or on the fixture's.
 */
static void
walk_spawn(unsigned i)
{
	struct thread *t = spawn(W_T(i), (unsigned)rnd(21));
	unsigned k, tk = 1 + (unsigned)rnd((1u << P_RADIX) - 1);
	int sc;

	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, P_RADIX, ROOT, W_P(i), 1));
	EXPECT_OK(copy(W_P(i), tk, W_T(i), TALLY_RIGHTS_ALL));
	for (k = 1; k < 1u << P_RADIX; k++)
		if (k != tk && rnd(2))
			EXPECT_OK(copy(W_P(i), k, W_EPB(rnd(WE)), TALLY_RIGHTS_ALL));
	watch(&((struct cte *)obj(W_P(i)))[tk], 1ul << TALLY_THREAD_BITS);
	if (rnd(3))
		EXPECT_OK(configure(W_T(i), ROOT, 0, 0, W_EPB(rnd(WE))));
	t_alive[i] = true;
	switch (rnd(4)) {
	case 0: case 1:
		(void)u_recv(t, W_EP(rnd(WE)), W_R(rnd(WR)));
		EXPECT_OK(tcb_set_sc(W_T(i), 0));
		break;
	case 2:
		sc = walk_free_sc();
		if (sc >= 0 && t->state == TALLY_THREAD_RUNNABLE) {
			EXPECT_OK(tcb_set_sc(W_T(i), 0));
			EXPECT_OK(tcb_set_sc(W_T(i), W_S(sc)));
		}
		break;
	default:
		break;
	}
}

/* Kill thread i's process: the thread goes with its process's CNode. */
static void
walk_kill(unsigned i)
{
	untrack(wthread(i));
	t_alive[i] = false;
	if (!cte_empty(slot_at(W_T(i))))
		EXPECT_OK(delete(ROOT, W_T(i)));
	destroy(W_P(i), 1ul << (P_RADIX + TALLY_CNODE_SLOT_BITS));
}

/* Thread i kills its own process; zombies it leaves are finished as the idle loop would. */
static void
walk_suicide(unsigned i)
{
	struct thread *t = wthread(i);
	void *cnode = obj(W_P(i));

	(void)u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(W_T(i)));
	if (!cte_empty(slot_at(W_T(i))) || t->state != TALLY_THREAD_RUNNABLE || !sc_can_run(t)) {
		walk_kill(i);   /* it lost its time on the way: the root thread does it */
		return;
	}
	untrack(t);
	t_alive[i] = false;
	(void)u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(W_P(i)));
	idle_drain();
	check_all();
	PROP_ASSERT(cte_empty(slot_at(W_P(i))) && !cap_zombies_pending());
	poison(cnode, 1ul << (P_RADIX + TALLY_CNODE_SLOT_BITS));
}

/* A runnable thread with time to run on, from i on; -1 if none. */
static int
walk_runnable(unsigned i)
{
	unsigned k;

	for (k = 0; k < WT; k++, i = (i + 1) % WT)
		if (t_alive[i] && wthread(i)->state == TALLY_THREAD_RUNNABLE &&
		    sc_can_run(wthread(i)))
			return (int)i;
	return -1;
}

/* One random system call by a random thread that can run; false if none can. */
static bool
walk_thread_call(void)
{
	static const uint64_t labels[] = {
		TALLY_TCB_SET_SCHED_CONTEXT, TALLY_TCB_SUSPEND, TALLY_TCB_RESUME,
		TALLY_SCHED_CONTEXT_INFO, TALLY_SCHED_CONTROL_CONFIGURE, TALLY_TCB_SET_PRIORITY,
	};
	int i = walk_runnable((unsigned)rnd(WT));
	uint64_t m[TALLY_MSG_REGS] = { 0 }, label;
	uint64_t info = tally_msginfo(rnd(3), rnd(4), 0);
	struct thread *t;
	long r;

	if (i < 0)
		return false;
	t = wthread((unsigned)i);
	m[0] = rnd(100);
	try_fastpath = rnd(2);
	switch (rnd(28)) {
	case 0: case 1: case 2:
		r = u_send(t, any_ep(), info, m);
		break;
	case 3:
		r = u_nbsend(t, any_ep(), info, m);
		break;
	case 4: case 5: case 6: case 7: case 8:
		r = u_call(t, any_ep(), info, m);
		break;
	case 9: case 10:
		r = u_timed_call(t, any_ep(), info, m, 1 + rnd(4));
		break;
	case 11: case 12: case 13:
		r = u_recv(t, any_ep(), W_R(rnd(WR)));
		break;
	case 14:
		r = u_nbrecv(t, any_ep(), W_R(rnd(WR)));
		break;
	case 15: case 16:
		r = u_send(t, any_reply(), info, m);
		break;
	case 17: case 18: case 19: case 20:
		r = u_reply_recv(t, W_EP(rnd(WE)), any_reply(), info, m);
		break;
	case 21:
		r = sys(t, rnd(3) ? TALLY_SYS_YIELD : 500, 0, 0, NULL, 0);   /* or a fault */
		break;
	case 22:
		/* a context's last capability goes, maybe the one the thread runs on */
		label = (unsigned)rnd(WS);
		r = u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(W_S(label)));
		if (cte_empty(slot_at(W_S(label))))
			walk_make_sc((unsigned)label);
		break;
	case 23:
		if (rnd(4) == 0) {
			walk_suicide((unsigned)i);
			return true;
		}
		r = u_invoke(t, W_T(rnd(WT)), TALLY_TCB_SUSPEND, m);
		break;
	default:
		label = labels[rnd(ARRAY_SIZE(labels))];
		switch (label) {
		case TALLY_SCHED_CONTEXT_INFO:
			r = u_invoke(t, W_S(rnd(WS)), label, m);
			break;
		case TALLY_SCHED_CONTROL_CONFIGURE:
			m[0] = W_S(rnd(WS));
			m[2] = 1 + rnd(6);
			m[1] = rnd(4) ? 1 + rnd(m[2]) : rnd(8);
			r = u_invoke(t, CTL, label, m);
			break;
		case TALLY_TCB_SET_SCHED_CONTEXT:
			m[0] = any_sc_or_zero();
			r = u_invoke(t, W_T(rnd(WT)), label, m);
			break;
		default:
			m[0] = rnd(21);
			r = u_invoke(t, any_thread_or_zero(), label, m);
			break;
		}
		break;
	}
	PROP_ASSERT(r == (long)PENDING || (r >= 0 && r < TALLY_ERROR_COUNT));
	PROP_ASSERT(r != (long)PENDING || t->state != TALLY_THREAD_RUNNABLE || !sc_can_run(t));
	return true;
}

/* Nobody can run: give a thread time, resume one, stop a waiting one, or let the clock run. */
static void
walk_unstick(void)
{
	unsigned i = (unsigned)rnd(WT);
	struct thread *t;
	int sc;

	if (!t_alive[i]) {
		walk_spawn(i);
		return;
	}
	t = wthread(i);
	switch (rnd(4)) {
	case 0:
		if (!t->active_sc && !t->sc && (sc = walk_free_sc()) >= 0) {
			long e;

			if (!sc_at(W_S(sc))->ready)
				walk_configure_sc((unsigned)sc);
			/* (BUSY while its call would bring back a context it borrowed) */
			e = tcb_set_sc(W_T(i), W_S(sc));
			PROP_ASSERT(e == TALLY_OK || e == TALLY_ERR_BUSY);
		}
		break;
	case 1:
		EXPECT_OK(INV(W_T(i), t->state >= TALLY_THREAD_BLOCKED_SEND && rnd(2) ?
					      TALLY_TCB_SUSPEND : TALLY_TCB_RESUME));
		break;
	case 2:
		walk_kill(i);
		break;
	default:
		tick(NULL);
		break;
	}
}

/* One random action of the root thread. */
static void
walk_admin(void)
{
	unsigned i = (unsigned)rnd(WT), s = (unsigned)rnd(WS);
	int r;

	switch (rnd(12)) {
	case 0: case 1: case 2:
		r = walk_runnable(i);
		tick(r >= 0 && rnd(4) ? wthread((unsigned)r) : NULL);
		break;
	case 3:
		if (t_alive[i]) {
			long e = INV(W_T(i), TALLY_TCB_SET_SCHED_CONTEXT, any_sc_or_zero());

			PROP_ASSERT(e == TALLY_OK || e == TALLY_ERR_BUSY ||
				    e == TALLY_ERR_INVALID_CAPABILITY);
		}
		break;
	case 4:
		walk_configure_sc(s);
		break;
	case 5:
		walk_destroy(W_S(s), SC_BYTES);
		walk_make_sc(s);
		break;
	case 6:
		s %= WR;
		walk_destroy(W_R(s), REPLY_BYTES);
		walk_make_reply(s);
		break;
	case 7:
		s %= WE;
		walk_destroy(W_EP(s), 1ul << TALLY_ENDPOINT_BITS);
		walk_make_endpoint(s);
		break;
	case 8:
		if (t_alive[i])
			EXPECT_OK(INV(W_T(i), rnd(2) ? TALLY_TCB_SUSPEND : TALLY_TCB_RESUME));
		break;
	case 9:
		if (t_alive[i])
			walk_kill(i);
		else
			walk_spawn(i);
		break;
	case 10:
		if (t_alive[i])
			EXPECT_OK(configure(W_T(i), ROOT, 0, 0, rnd(2) ? W_EPB(rnd(WE)) : 0));
		break;
	default:
		if (t_alive[i])
			EXPECT_OK(INV(W_T(i), TALLY_TCB_SET_PRIORITY, rnd(21)));
		break;
	}
}

/* Count what this step's state shows (seen). */
static void
walk_count(void)
{
	unsigned i;

	for (i = 0; i < WS; i++) {
		const struct sched_context *sc = obj(W_S(i));

		seen.lent += sc->lent != NULL;
		seen.chained += sc->lent && sc->lent->sc_prev;
		seen.throttled += sc->throttled;
	}
	for (i = 0; i < WR; i++)
		seen.stale_links += ((struct reply *)obj(W_R(i)))->stale &&
				    ((struct reply *)obj(W_R(i)))->sc;
	for (i = 0; i < WT; i++) {
		if (!t_alive[i])
			continue;
		seen.timeout_faults += wthread(i)->fault.cause == TALLY_FAULT_TIMEOUT;
		seen.timed_out += wthread(i)->regs.error == TALLY_ERR_TIMEOUT;
	}
}

/* The walks did what they are for: every kind of event came up. */
static void
walk_expect_seen(void)
{
	ck_assert_msg(seen.lent && seen.chained && seen.throttled && seen.timeout_faults &&
			      seen.timed_out && seen.stale_links && seen.fast,
		      "the walks missed something: lent %lu, chained %lu, throttled %lu, timeout "
		      "faults %lu, timed out %lu, stale links %lu, fast path %lu", seen.lent,
		      seen.chained, seen.throttled, seen.timeout_faults, seen.timed_out,
		      seen.stale_links, seen.fast);
}

/* Every context named by a capability: with its owner, or idle, and lent to nobody. */
static void
walk_expect_contexts_home(unsigned long s)
{
	unsigned i;

	for (i = 0; i < WS; i++) {
		struct sched_context *sc = sc_at(W_S(i));

		ck_assert_msg(!sc->lent && (sc->owner ? sc->user == sc->owner : !sc->user),
			      "seed %lu: context %u is lent (%p), or with '%s' instead of its owner "
			      "'%s'", s, i, (void *)sc->lent, sc->user ? sc->user->name : "nobody",
			      sc->owner ? sc->owner->name : "nobody");
	}
	for (i = 0; i < WT; i++)
		ck_assert_msg(!t_alive[i] || !wthread(i)->active_sc ||
				      wthread(i)->active_sc == wthread(i)->sc,
			      "seed %lu: thread %u still holds a lent context", s, i);
}

static void
walk(unsigned long s, unsigned steps, unsigned long preempt_every)
{
	unsigned long i;
	unsigned n;

	seed = s;
	ipc_setup();
	make(TALLY_OBJ_NOTIFICATION, W_N);
	EXPECT_OK(mint(ROOT, W_NB, W_N, TALLY_RIGHT_WRITE, 0x40));
	for (i = 0; i < WE; i++)
		walk_make_endpoint(i);
	for (i = 0; i < WR; i++)
		walk_make_reply(i);
	for (i = 0; i < WS; i++)
		walk_make_sc(i);
	for (i = 0; i < WT; i++)
		walk_spawn(i);
	fake_preempt_every = preempt_every;
	for (n = 0; n < steps; n++) {
		if (rnd(6) == 0)
			walk_admin();
		else if (!walk_thread_call())
			walk_unstick();
		walk_count();
		if (cap_zombies_pending()) {
			/* a kill cut short by a tick: the idle loop finishes it */
			idle_drain();
			check_all();
		}
	}
	fake_preempt_every = 0;
	try_fastpath = false;
	seen.fast += fast_taken;

	/* every IPC object goes: nobody waits, no context stays lent */
	for (i = 0; i < WE; i++)
		walk_destroy(W_EP(i), 1ul << TALLY_ENDPOINT_BITS);
	walk_destroy(W_N, 1ul << TALLY_NOTIFICATION_BITS);
	for (i = 0; i < WR; i++)
		walk_destroy(W_R(i), REPLY_BYTES);
	for (i = 0; i < WT; i++) {
		struct thread *t;

		if (!t_alive[i])
			continue;
		t = wthread(i);
		ck_assert_msg(t->state < TALLY_THREAD_BLOCKED_SEND,
			      "seed %lu: thread %lu is left %s with every IPC object gone", s, i,
			      state_name(t->state));
		/* a borrower finishes on its context; when it waits, the context goes home */
		if (t->active_sc && t->active_sc != t->sc) {
			ck_assert_ptr_null(t->active_sc->lent);
			while (t->active_sc->throttled)
				tick(NULL);   /* (it waits for the refill) */
			if (t->state == TALLY_THREAD_RUNNABLE) {
				make(TALLY_OBJ_ENDPOINT, W_END_EP);
				make(TALLY_OBJ_REPLY, W_END_R);
				ck_assert_int_eq(u_recv(t, W_END_EP, W_END_R), PENDING);
				walk_destroy(W_END_EP, 1ul << TALLY_ENDPOINT_BITS);
				walk_destroy(W_END_R, REPLY_BYTES);
			} else {
				walk_kill(i);   /* stopped on it: it goes with the thread */
			}
		}
	}
	walk_expect_contexts_home(s);
	ipc_teardown();
}

START_TEST(random_walks_keep_every_context_invariant_and_bring_every_context_home)
{
	static const unsigned long seeds[] = { 1, 2, 3, 4, 5, 6, 0x5c, 0xfeed };
	unsigned k;

	memset(&seen, 0, sizeof(seen));
	for (k = 0; k < ARRAY_SIZE(seeds); k++)
		walk(seeds[k], 4000, 0);
	walk_expect_seen();
}
END_TEST

START_TEST(random_walks_with_ticks_inside_long_calls)
{
	static const unsigned long seeds[] = { 21, 22, 23, 0xbeef };
	unsigned k;

	memset(&seen, 0, sizeof(seen));
	for (k = 0; k < ARRAY_SIZE(seeds); k++)
		walk(seeds[k], 4000, k % 3 + 1);
	walk_expect_seen();
}
END_TEST

Suite *
sched_context_suite(void)
{
	Suite *s = suite_create("sched_context");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, configure_needs_the_scheduling_control_and_checks_budget_and_period);
	tcase_add_test(tc, set_sched_context_binds_unbinds_and_refuses_busy_contexts);
	tcase_add_test(tc, a_thread_without_time_is_never_queued_until_it_gets_some);
	tcase_add_test(tc, a_budget_runs_out_after_budget_ticks_and_comes_back_after_the_period);
	tcase_add_test(tc, a_call_to_a_passive_server_lends_the_callers_context_until_the_answer);
	tcase_add_test(tc, the_fast_path_lends_and_gives_back_as_the_general_path_does);
	tcase_add_test(tc, a_chain_of_passive_servers_runs_on_the_first_callers_context);
	tcase_add_test(tc, a_reply_deleted_mid_chain_gives_the_context_back_to_its_caller);
	tcase_add_test(tc, a_caller_that_dies_leaves_its_context_with_the_server_until_it_waits);
	tcase_add_test(tc, a_suspended_caller_gets_its_context_back_and_the_server_is_told);
	tcase_add_test(tc, a_context_destroyed_while_lent_leaves_every_party_without_it);
	tcase_add_test(tc, a_server_destroyed_on_a_lent_context_gives_it_back);
	tcase_add_test(tc, a_send_to_a_passive_server_waits_for_its_answer_and_nbsend_would_block);
	tcase_add_test(tc, a_passive_server_taking_a_second_call_runs_it_on_the_second_callers_time);
	tcase_add_test(tc, a_passive_server_taking_a_call_on_a_context_without_budget_waits);
	tcase_add_test(tc, a_thread_running_on_a_lent_context_cannot_be_bound_one_of_its_own);
	tcase_add_test(tc, an_answer_by_another_thread_takes_the_lent_context_from_the_server);
	tcase_add_test(tc, a_context_let_go_of_goes_to_the_newest_caller_still_waiting);
	tcase_add_test(tc, a_stale_reply_serving_a_new_call_forgets_the_context_of_the_old_one);
	tcase_add_test(tc, a_server_whose_lent_budget_runs_out_waits_for_the_refill);
	tcase_add_test(tc, a_timed_call_nobody_receives_ends_with_timeout_and_leaves_the_endpoint_empty);
	tcase_add_test(tc, a_timed_call_the_server_never_answers_ends_and_its_reply_goes_stale);
	tcase_add_test(tc, a_timed_call_answered_in_time_is_not_affected);
	tcase_add_test(tc, a_thread_destroyed_with_a_deadline_leaves_nothing_in_the_timeout_queue);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, random_walks_keep_every_context_invariant_and_bring_every_context_home);
	tcase_add_test(tc, random_walks_with_ticks_inside_long_calls);
	suite_add_tcase(s, tc);
	return s;
}
