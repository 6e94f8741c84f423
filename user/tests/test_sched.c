/*
 * CPU time as a kernel object, through real system calls: scheduling
 * contexts and the control that makes them, budgets enforced by the timer,
 * passive servers running on their callers' time (and giving it back),
 * sends to passive servers, timed calls, and the timeout fault a server
 * gets when the time it borrowed runs out (DESIGN.md rule 8).
 */
#include "test.h"
#include <libtally/ipc.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define CONTROL TALLY_SLOT_SCHED_CONTROL

static volatile unsigned long spins[4];
static volatile long outcome[4];
/* Sleep `ticks` timer ticks: a timed call on an endpoint nobody receives on. */
static void
sleep_ticks(unsigned long ticks)
{
	unsigned long nobody = test_object(TALLY_OBJ_ENDPOINT, 0);
	struct tally_msg m = { 0 };

	tally_call_timeout(nobody, &m, ticks);
	test_object_free(nobody);
}

static void
spin(unsigned long i)
{
	for (;;)
		spins[i]++;
}

TEST(only_the_scheduling_control_makes_cpu_time)
{
	unsigned long sc = test_object(TALLY_OBJ_SCHED_CONTEXT, 0), copy = test_slot();
	struct tally_sc_info info;

	EXPECT_TRUE(sc);
	/* the context itself, or any other capability, cannot configure */
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_sched_control_configure(sc, sc, 1, 1));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_sched_control_configure(ROOT, sc, 1, 1));
	/* the control is not copied */
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_cnode_copy(ROOT, copy, CONTROL, 64, TALLY_RIGHTS_ALL));
	/* budgets and periods in range */
	EXPECT_ERR(TALLY_ERR_RANGE, tally_sched_control_configure(CONTROL, sc, 0, 10));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_sched_control_configure(CONTROL, sc, 11, 10));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_sched_control_configure(CONTROL, sc, 1, 0));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_sched_control_configure(CONTROL, sc, 1,
								  TALLY_SCHED_PERIOD_MAX + 1));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_sched_control_configure(CONTROL, ROOT, 1, 1));
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_sched_control_configure(CONTROL, copy, 1, 1));
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc, &info));
	EXPECT_EQ(0, info.budget);      /* nothing changed */
	EXPECT_ERR(TALLY_OK, tally_sched_control_configure(CONTROL, sc, 3, 10));
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc, &info));
	EXPECT_EQ(3, info.budget);
	EXPECT_EQ(10, info.period);
	test_slot_free(copy);
	test_object_free(sc);
}

TEST(a_thread_without_a_scheduling_context_does_not_run)
{
	unsigned long tcb = test_object(TALLY_OBJ_THREAD, 0), sc;
	static _Alignas(16) unsigned char stack[4096];

	spins[0] = 0;
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 100));
	EXPECT_ERR(TALLY_OK, tally_tcb_start(tcb, spin, 0, stack + sizeof(stack)));
	sleep_ticks(3);
	EXPECT_EQ(0, spins[0]);
	EXPECT_EQ(TALLY_THREAD_RUNNABLE, test_thread_state(tcb));
	sc = test_time_for(tcb, 1, 1);
	EXPECT_TRUE(sc);
	sleep_ticks(3);
	EXPECT_TRUE(spins[0] > 0);
	EXPECT_ERR(TALLY_ERR_BUSY, tally_tcb_set_sched_context(tcb, sc));
	test_object_free(tcb);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(a_budget_limits_a_threads_share_of_the_cpu)
{
	static _Alignas(16) unsigned char stack[4096];
	unsigned long a, b, sc_a, t0, ticks;
	struct tally_sc_info ia;

	spins[0] = spins[1] = 0;
	/* a gets 1 tick in 5; b the whole CPU (it takes what a leaves) */
	a = test_object(TALLY_OBJ_THREAD, 0);
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(a, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(a, 100));
	sc_a = test_time_for(a, 1, 5);
	EXPECT_TRUE(sc_a);
	EXPECT_ERR(TALLY_OK, tally_tcb_start(a, spin, 0, stack + sizeof(stack)));
	b = test_thread(spin, 1, 100);
	EXPECT_TRUE(b);
	t0 = tally_clock();
	sleep_ticks(40);
	ticks = tally_clock() - t0;
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc_a, &ia));
	printf("  (over %lu ticks a thread with 1 tick in 5 ran %lu ticks, ran out %lu times)\n",
	       ticks, ia.consumed, ia.overruns);
	EXPECT_TRUE(ia.consumed <= ticks / 5 + 2);
	EXPECT_TRUE(ia.consumed + 2 >= ticks / 5);
	EXPECT_TRUE(ia.overruns + 2 >= ticks / 5);
	EXPECT_TRUE(spins[0] > 0 && spins[1] > 0);
	test_object_free(a);
	test_thread_free(b);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- passive servers ---- */

static unsigned long srv_ep, srv_reply, drv_ep, drv_reply;

/* D: answers after spinning until `arg` ticks have passed, on whoever's time it has. */
static void
slow_driver(unsigned long arg)
{
	struct tally_msg m = { 0 };

	tally_recv(drv_ep, drv_reply, &m);
	for (;;) {
		unsigned long t0 = tally_clock();

		while (tally_clock() - t0 < arg)
			spins[2]++;
		m.info = tally_msginfo(0, 1, 0);
		m.mr[0] = 0xd;
		tally_reply_recv(drv_ep, drv_reply, &m);
	}
}

/* S: passes every call on to D and answers with what D said. */
static void
relay_server(unsigned long arg)
{
	struct tally_msg m = { 0 };

	(void)arg;
	tally_recv(srv_ep, srv_reply, &m);
	for (;;) {
		struct tally_msg d = { .info = tally_msginfo(0, 0, 0) };
		long err = tally_call(drv_ep, &d);

		m.info = tally_msginfo(0, 2, 0);
		m.mr[0] = (unsigned long)err;
		m.mr[1] = d.mr[0];
		tally_reply_recv(srv_ep, srv_reply, &m);
	}
}

static void
calling_client(unsigned long ep)
{
	struct tally_msg m = { .info = tally_msginfo(1, 0, 0) };

	outcome[0] = tally_call(ep, &m);
	spins[3] = m.mr[1];
	tally_exit();
}

/* Start fn as a thread with time, let it reach its receive, then take its time away. */
static unsigned long
passive_thread(void (*fn)(unsigned long), unsigned long arg)
{
	unsigned long t = test_thread(fn, arg, 150);

	if (!t)
		return 0;
	test_settle();
	if (tally_tcb_set_sched_context(t, 0) != TALLY_OK)
		return 0;
	return t;
}

TEST(a_chain_of_passive_servers_runs_on_the_callers_time_and_gives_it_back)
{
	unsigned long s, d, c, sc_c;
	struct tally_sc_info info;

	srv_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	srv_reply = test_object(TALLY_OBJ_REPLY, 0);
	drv_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	drv_reply = test_object(TALLY_OBJ_REPLY, 0);
	spins[2] = spins[3] = 0;
	outcome[0] = -1;
	d = passive_thread(slow_driver, 3);
	s = passive_thread(relay_server, 0);
	EXPECT_TRUE(s && d);
	EXPECT_EQ(TALLY_THREAD_BLOCKED_RECV, test_thread_state(s));
	/* C has the only time here: S and D do its work on it */
	c = test_object(TALLY_OBJ_THREAD, 0);
	{
		static _Alignas(16) unsigned char stack[4096];

		EXPECT_ERR(TALLY_OK, tally_tcb_configure(c, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
		EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(c, 150));
		sc_c = test_time_for(c, 1, 1);
		EXPECT_TRUE(sc_c);
		EXPECT_ERR(TALLY_OK, tally_tcb_start(c, calling_client, srv_ep,
						      stack + sizeof(stack)));
	}
	sleep_ticks(1);
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc_c, &info));
	EXPECT_EQ(1, info.lent);          /* D is running on it now */
	test_settle();
	EXPECT_ERR(TALLY_OK, outcome[0]);
	EXPECT_EQ(0xd, spins[3]);
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc_c, &info));
	printf("  (C's context ran %lu ticks, D's 3-tick job included; lent now: %lu)\n",
	       info.consumed, info.lent);
	/* D spins 3 ticks of wall time; ticks while the suite itself runs are not C's */
	EXPECT_TRUE(info.consumed >= 2);
	EXPECT_EQ(0, info.lent);          /* it came back */
	EXPECT_EQ(TALLY_THREAD_BLOCKED_RECV, test_thread_state(s));
	EXPECT_EQ(TALLY_THREAD_BLOCKED_RECV, test_thread_state(d));
	test_object_free(c);
	test_thread_free(s);
	test_thread_free(d);
	test_object_free(srv_ep);
	test_object_free(srv_reply);
	test_object_free(drv_ep);
	test_object_free(drv_reply);
	EXPECT_TRUE(test_kernel_consistent());
}

/* Echo server: answers every call (and every send made a call) at once. */
static void
echo(unsigned long arg)
{
	(void)arg;
	tally_echo_forever(srv_ep, srv_reply);
}

static void
sending_client(unsigned long ep)
{
	struct tally_msg m = { .info = tally_msginfo(7, 1, 0), .mr = { 1 } };

	outcome[1] = tally_send(ep, &m);
	outcome[2] = tally_nbsend(ep, &m);
	tally_exit();
}

TEST(a_send_to_a_passive_server_cannot_leave_it_without_time)
{
	unsigned long s, a, b;

	srv_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	srv_reply = test_object(TALLY_OBJ_REPLY, 0);
	outcome[0] = outcome[1] = outcome[2] = -1;
	s = passive_thread(echo, 0);
	EXPECT_TRUE(s);
	/* a send runs the server on the sender's time until it answers */
	a = test_thread(sending_client, srv_ep, 150);
	test_settle();
	EXPECT_ERR(TALLY_OK, outcome[1]);
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, outcome[2] == TALLY_OK ? TALLY_ERR_WOULD_BLOCK :
		   outcome[2]);
	/* the server is back waiting, and serves the next client */
	EXPECT_EQ(TALLY_THREAD_BLOCKED_RECV, test_thread_state(s));
	b = test_thread(calling_client, srv_ep, 150);
	test_settle();
	EXPECT_ERR(TALLY_OK, outcome[0]);
	test_thread_free(a);
	test_thread_free(b);
	test_thread_free(s);
	test_object_free(srv_ep);
	test_object_free(srv_reply);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- timed calls ---- */

/* Receives one call and keeps it. */
static void
keeper(unsigned long arg)
{
	struct tally_msg m = { 0 };

	(void)arg;
	tally_recv(srv_ep, srv_reply, &m);
	for (;;)
		tally_wait(drv_ep, 0);   /* (a notification nobody signals) */
}

TEST(a_timed_call_ends_with_timeout_and_leaves_nothing_behind)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0), reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long k, t0, gone = test_object(TALLY_OBJ_NOTIFICATION, 0), word = 0;
	struct tally_msg m = { 0 };

	/* nobody receives: the caller leaves the queue */
	t0 = tally_clock();
	EXPECT_ERR(TALLY_ERR_TIMEOUT, tally_call_timeout(ep, &m, 3));
	EXPECT_TRUE(tally_clock() - t0 >= 3);
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_nbrecv(ep, reply, &m));
	/* a server takes the call and never answers: its Reply goes stale and says so */
	srv_ep = ep;
	srv_reply = reply;
	drv_ep = test_object(TALLY_OBJ_NOTIFICATION, 0);
	EXPECT_ERR(TALLY_OK, tally_reply_bind_notification(reply, gone));
	k = test_thread(keeper, 0, 255);
	EXPECT_TRUE(k);
	m = (struct tally_msg){ .info = tally_msginfo(1, 0, 0) };
	EXPECT_ERR(TALLY_ERR_TIMEOUT, tally_call_timeout(ep, &m, 3));
	EXPECT_ERR(TALLY_OK, tally_poll(gone, &word));
	EXPECT_ERR(TALLY_ERR_DEAD_PEER, tally_reply(reply, &m));
	/* and a call answered in time is not touched */
	test_thread_free(k);
	test_object_free(drv_ep);
	srv_ep = ep;
	srv_reply = reply;
	k = test_thread(echo, 0, 255);
	EXPECT_TRUE(k);
	m = (struct tally_msg){ .info = tally_msginfo(1, 1, 0), .mr = { 5 } };
	EXPECT_ERR(TALLY_OK, tally_call_timeout(ep, &m, 50));
	EXPECT_EQ(5, m.mr[0]);
	test_thread_free(k);
	test_object_free(gone);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- the time a server borrowed runs out ---- */

/* A long job: spin for `arg` ticks of its own running, then answer. */
static void
long_job_server(unsigned long arg)
{
	struct tally_msg m = { 0 };

	tally_recv(srv_ep, srv_reply, &m);
	for (;;) {
		unsigned long n;

		for (n = 0; n < arg; n++)
			spins[2]++;
		m.info = tally_msginfo(0, 0, 0);
		tally_reply_recv(srv_ep, srv_reply, &m);
	}
}

TEST(a_server_whose_borrowed_time_runs_out_gets_a_timeout_fault)
{
	unsigned long handler_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long handler_reply = test_object(TALLY_OBJ_REPLY, 0), s, c, sc_c;
	static _Alignas(16) unsigned char stack[4096];
	struct tally_tcb_info info;
	struct tally_msg m = { 0 };

	srv_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	srv_reply = test_object(TALLY_OBJ_REPLY, 0);
	outcome[0] = -1;
	s = test_object(TALLY_OBJ_THREAD, 0);
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(s, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0,
						 handler_ep));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(s, 150));
	EXPECT_TRUE(test_time_for(s, 1, 1));
	EXPECT_ERR(TALLY_OK, tally_tcb_start(s, long_job_server, ~0ul, stack + sizeof(stack)));
	test_settle();
	EXPECT_ERR(TALLY_OK, tally_tcb_set_sched_context(s, 0));   /* passive */
	/* a client with 1 tick in 10 asks for a job that never ends */
	c = test_object(TALLY_OBJ_THREAD, 0);
	{
		static _Alignas(16) unsigned char cstack[4096];

		EXPECT_ERR(TALLY_OK, tally_tcb_configure(c, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
		EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(c, 150));
		sc_c = test_time_for(c, 1, 10);
		EXPECT_TRUE(sc_c);
		EXPECT_ERR(TALLY_OK, tally_tcb_start(c, calling_client, srv_ep,
						      cstack + sizeof(cstack)));
	}
	/* the handler hears of it when the client's budget runs out under the server */
	EXPECT_ERR(TALLY_OK, tally_recv(handler_ep, handler_reply, &m));
	EXPECT_EQ(TALLY_LABEL_FAULT, tally_msginfo_label(m.info));
	EXPECT_EQ(TALLY_FAULT_TIMEOUT, m.mr[0]);
	/* it aborts the request: stops the server, and answers the client itself */
	m = (struct tally_msg){ .info = tally_msginfo(1, 0, 0) };
	EXPECT_ERR(TALLY_OK, tally_reply(handler_reply, &m));
	EXPECT_ERR(TALLY_OK, tally_tcb_info(s, &info));
	EXPECT_EQ(TALLY_THREAD_FAULTED, info.state);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, srv_reply));   /* the client's call ends */
	test_slot_free(srv_reply);
	sleep_ticks(12);
	EXPECT_ERR(TALLY_ERR_DEAD_PEER, outcome[0]);
	EXPECT_EQ(TALLY_THREAD_EXITED, test_thread_state(c));
	test_object_free(c);
	test_object_free(s);
	test_object_free(srv_ep);
	test_object_free(handler_reply);
	test_object_free(handler_ep);
	EXPECT_TRUE(test_kernel_consistent());
}
