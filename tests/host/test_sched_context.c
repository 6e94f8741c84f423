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

static struct reply *
reply_at(unsigned long slot)
{
	return obj(slot);
}

static __attribute__((unused)) struct endpoint *
ep_at(unsigned long slot)
{
	return obj(slot);
}

static long
sc_configure(unsigned long sc, uint64_t budget, uint64_t period)
{
	return INV(CTL, TALLY_SCHED_CONTROL_CONFIGURE, sc, budget, period);
}

static long
sc_bind(unsigned long tcb_slot, unsigned long sc)
{
	return INV(tcb_slot, TALLY_TCB_SET_SCHED_CONTEXT, sc);
}

/* A context in `slot` with budget and period. */
static void
make_sc(unsigned long slot, uint64_t budget, uint64_t period)
{
	make(TALLY_OBJ_SCHED_CONTEXT, slot);
	EXPECT_OK(sc_configure(slot, budget, period));
}

/* A runnable thread that runs on a context of its own in sc_slot (budget, period). */
static struct thread *
spawn_timed(unsigned long slot, unsigned prio, unsigned long sc_slot, uint64_t budget,
	    uint64_t period)
{
	struct thread *t = spawn(slot, prio);

	EXPECT_OK(sc_bind(slot, 0));
	make_sc(sc_slot, budget, period);
	EXPECT_OK(sc_bind(slot, sc_slot));
	ck_assert_ptr_eq(t->sc, sc_at(sc_slot));
	ck_assert(t->queued);
	return t;
}

/* A passive server: it starts on time of its own, waits on ep with `reply`, then loses that time. */
static struct thread *
spawn_passive(unsigned long slot, unsigned prio, unsigned long ep, unsigned long reply)
{
	struct thread *t = spawn(slot, prio);

	ck_assert_int_eq(u_recv(t, ep, reply), PENDING);
	EXPECT_OK(sc_bind(slot, 0));
	ck_assert_ptr_null(t->sc);
	ck_assert_ptr_null(t->active_sc);
	return t;
}

/* A CALL with a time limit of `ticks` (r14, argument 8). */
static __attribute__((unused)) long
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
static __attribute__((unused)) void
expect_timeout_stopped(const char *what, struct thread *t)
{
	ck_assert_msg(t->state == TALLY_THREAD_FAULTED && t->fault.cause == TALLY_FAULT_TIMEOUT,
		      "%s ('%s'): expected stopped by a timeout fault, is %s with fault %s", what,
		      t->name, state_name(t->state), tally_fault_name(t->fault.cause));
	ck_assert_ptr_nonnull(strstr(fake_console, "budget ran out"));
}
#define EXPECT_TIMEOUT_STOPPED(t) expect_timeout_stopped(#t, (t))

/* h received t's TIMEOUT fault (t waits for the answer). */
static __attribute__((unused)) void
expect_timeout_fault_at(struct thread *h, struct thread *t)
{
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_REPLY, PENDING);
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
	EXPECT_ERROR(sc_configure(0, 1, 2), TALLY_ERR_LOOKUP_FAILED, 1, 0, 0);
	EXPECT_ERROR(sc_configure(EMPTY, 1, 2), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	EXPECT_ERROR(sc_configure(EP, 1, 2), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_OBJ_ENDPOINT,
		     TALLY_OBJ_SCHED_CONTEXT);
	EXPECT_ERROR(sc_configure(SRO, 1, 2), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_RIGHT_READ,
		     TALLY_RIGHT_WRITE);
	/* 1 <= budget <= period <= TALLY_SCHED_PERIOD_MAX */
	EXPECT_ERROR(sc_configure(S, 1, 0), TALLY_ERR_RANGE, 3, 0, TALLY_SCHED_PERIOD_MAX);
	EXPECT_ERROR(sc_configure(S, 1, TALLY_SCHED_PERIOD_MAX + 1), TALLY_ERR_RANGE, 3,
		     TALLY_SCHED_PERIOD_MAX + 1, TALLY_SCHED_PERIOD_MAX);
	EXPECT_ERROR(sc_configure(S, 1, ~0ul), TALLY_ERR_RANGE, 3, ~0ul, TALLY_SCHED_PERIOD_MAX);
	EXPECT_ERROR(sc_configure(S, 0, 5), TALLY_ERR_RANGE, 2, 0, 5);
	EXPECT_ERROR(sc_configure(S, 6, 5), TALLY_ERR_RANGE, 2, 6, 5);
	/* none of that changed anything */
	expect_info(S, 0, 0, 0, 0, 0, 0);
	ck_assert(!sc_at(S)->ready);

	EXPECT_OK(sc_configure(S, 3, 10));
	expect_info(S, 3, 10, 3, 0, 0, 0);
	ck_assert(sc_at(S)->ready);
	ck_assert_uint_eq(sc_at(S)->period_start, clock_ticks());
	expect_info(SRO, 3, 10, 3, 0, 0, 0);   /* reading needs no right */
	EXPECT_ERROR(INV(S, TALLY_SCHED_CONTEXT_INFO + 1), TALLY_ERR_INVALID_ARGUMENT, 0,
		     TALLY_SCHED_CONTEXT_INFO + 1, 0);
	EXPECT_OK(sc_configure(S, TALLY_SCHED_PERIOD_MAX, TALLY_SCHED_PERIOD_MAX));
	expect_info(S, TALLY_SCHED_PERIOD_MAX, TALLY_SCHED_PERIOD_MAX, TALLY_SCHED_PERIOD_MAX, 0, 0,
		    0);
	EXPECT_OK(sc_configure(S, 1, 1));
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
	EXPECT_OK(sc_bind(T, S1));
	ck_assert_ptr_eq(t->sc, sc_at(S1));
	ck_assert_ptr_eq(sc_at(S1)->owner, t);
	EXPECT_ON(t, S1);
	ck_assert(!t->queued);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	ck_assert(t->queued);

	/* one context per thread, one thread per context */
	EXPECT_ERROR(sc_bind(T, S2), TALLY_ERR_BUSY, 1, S2, 0);
	EXPECT_ERROR(sc_bind(T2, S1), TALLY_ERR_BUSY, 1, S1, 0);
	EXPECT_ERROR(sc_bind(T, S1), TALLY_ERR_BUSY, 1, S1, 0);
	/* the arguments: a writable thread, a writable context */
	EXPECT_ERROR(sc_bind(T2, EP), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_OBJ_ENDPOINT,
		     TALLY_OBJ_SCHED_CONTEXT);
	EXPECT_ERROR(sc_bind(T2, EMPTY), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	EXPECT_ERROR(sc_bind(T2, S2RO), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_RIGHT_READ,
		     TALLY_RIGHT_WRITE);
	EXPECT_ERROR(sc_bind(TRO, S2), TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	ck_assert_ptr_null(t2->sc);
	ck_assert_ptr_null(sc_at(S2)->owner);

	/* binding a runnable thread that waited for time queues it */
	EXPECT_OK(sc_bind(T2, S2));
	EXPECT_ON(t2, S2);
	ck_assert(t2->queued);

	/* unbinding: the thread stops (still runnable, waiting for time); twice is nothing */
	EXPECT_OK(sc_bind(T, 0));
	EXPECT_THREAD(t, TALLY_THREAD_RUNNABLE, 0);
	EXPECT_NO_TIME(t);
	ck_assert_ptr_null(t->sc);
	ck_assert_ptr_null(sc_at(S1)->owner);
	ck_assert_ptr_null(sc_at(S1)->user);
	EXPECT_OK(sc_bind(T, 0));
	EXPECT_NO_TIME(t);

	/* the context is free for another thread; t2 must let go of its own first */
	EXPECT_ERROR(sc_bind(T2, S1), TALLY_ERR_BUSY, 1, S1, 0);
	EXPECT_OK(sc_bind(T, S1));
	ck_assert(t->queued);

	/* a thread unbinding its own context stops at once; its call returns OK */
	ck_assert_int_eq(u_invoke(t2, T2, TALLY_TCB_SET_SCHED_CONTEXT, MSG(0)), TALLY_OK);
	ck_assert_ptr_ne(ran, t2);
	EXPECT_NO_TIME(t2);
	ck_assert_int_eq(t2->state, TALLY_THREAD_RUNNABLE);

	/* an unconfigured context: bound, but nothing to run on until it is configured */
	make(TALLY_OBJ_SCHED_CONTEXT, S3);
	EXPECT_OK(sc_bind(T2, S3));
	EXPECT_ON(t2, S3);
	ck_assert(!t2->queued);
	ck_assert(tick(NULL) != t2);
	EXPECT_OK(sc_configure(S3, 1, 2));
	ck_assert(t2->queued);

	/* a bound context's last capability goes: the thread stops */
	destroy(S3, SC_BYTES);
	ck_assert_ptr_null(t2->sc);
	EXPECT_NO_TIME(t2);
	EXPECT_OK(sc_bind(T2, S2));
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
	EXPECT_OK(sc_bind(F + 10, 0));
	ck_assert_int_eq(u_send(c, N, 0, NULL), TALLY_OK);
	EXPECT_THREAD(w, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_NO_TIME(w);
	for (i = 0; i < 5; i++)
		ck_assert(tick(c) != w);
	make_sc(S, 1, 1);
	EXPECT_OK(sc_bind(F + 10, S));
	ck_assert(w->queued);
	ck_assert_ptr_eq(tick(c), w);   /* round robin: its turn */

	/* a call to a server whose own context is not configured: the server waits */
	EXPECT_OK(sc_bind(F + 12, 0));
	make(TALLY_OBJ_SCHED_CONTEXT, S0);
	EXPECT_OK(sc_bind(F + 12, S0));
	ck_assert_int_eq(u_call(c, EP, tally_msginfo(0, 1, 0), MSG(5)), PENDING);
	EXPECT_THREAD(srv, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert(!srv->queued);
	ck_assert_ptr_ne(ran, srv);
	ck_assert_ptr_eq(c->active_sc, c->sc);   /* nothing is lent to a server of its own */
	EXPECT_OK(sc_configure(S0, 1, 1));
	ck_assert(srv->queued);
	ck_assert_int_eq(u_send(srv, R, 0, NULL), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);

	/* the same on the fast path: it does not take a server without time */
	try_fastpath = true;
	ck_assert_int_eq(u_recv(srv, EP, R), PENDING);
	EXPECT_OK(sc_bind(F + 12, 0));
	make(TALLY_OBJ_SCHED_CONTEXT, S0 + 1);
	EXPECT_OK(sc_bind(F + 12, S0 + 1));
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
	EXPECT_OK(sc_configure(S, 3, 6));
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
	suite_add_tcase(s, tc);
	return s;
}
