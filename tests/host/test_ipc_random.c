/*
 * Random walks over the IPC and thread state machines (ipc_fixture.c).
 * Eight threads make random system calls, good and bad, on three
 * endpoints, two notifications and six Replies, and on junk; the root
 * thread suspends, resumes, kills and re-makes threads, binds and unbinds
 * notifications, and deletes and re-makes every kind of IPC object, with
 * and without preemption (threads act between the restarts of a delete).
 * Each thread lives in a small process CNode, so killing it (by the root
 * thread, or by itself) destroys it in the middle of a zombie drain.
 * After every step: cap_check and the fixture's IPC and scheduler checks,
 * every result a named error, a call without an answer only from a thread
 * that no longer runs. At the end, deleting every IPC object must leave no
 * thread blocked (rules 4 and 5), and every byte comes back. Destroyed
 * objects are poisoned, so a dangling pointer is an ASan report.
 */
#include "ipc_fixture.h"
#include <string.h>

#define F SLOT_FREE
#define WT 8   /* threads */
#define WE 3   /* endpoints */
#define WN 2   /* notifications */
#define WR 6   /* Replies */

#define W_EP(i)    (F + (i))              /* originals: READ WRITE GRANT */
#define W_EPB(i)   (F + WE + (i))         /* badged copies: WRITE GRANT, badge i + 1 */
#define W_N(i)     (F + 2 * WE + (i))     /* originals */
#define W_NB(i)    (F + 2 * WE + WN + (i))/* badged copies: WRITE, badge 1 << (i + 4) */
#define W_R(i)     (F + 20 + (i))
#define W_T(i)     (F + 40 + (i))
#define W_FRAME(i) (F + 60 + (i))
#define W_P(i)     (F + 80 + (i))         /* thread i's process: a CNode with a copy of its TCB */
#define W_EMPTY    (F + 99)
#define P_RADIX    2

static unsigned long seed;
static bool t_alive[WT];

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

/* A capability address to use: mostly an IPC object, now and then anything or junk. */
static uint64_t
any_cptr(void)
{
	static const uint64_t junk[] = { 0, W_EMPTY, ROOT, TALLY_SLOT_ROOT_VSPACE,
					 0xdead000000000000ul, 1ul << 63 };

	switch (rnd(16)) {
	case 0: case 1: case 2: case 3: case 4:
		return W_EP(rnd(WE));
	case 5: case 6: case 7: case 8:
		return W_EPB(rnd(WE));
	case 9: case 10:
		return W_N(rnd(WN));
	case 11: case 12:
		return W_NB(rnd(WN));
	case 13:
		return W_R(rnd(WR));
	case 14:
		return W_T(rnd(WT));
	default:
		return junk[rnd(ARRAY_SIZE(junk))];
	}
}

static uint64_t
any_reply(void)
{
	return rnd(16) ? W_R(rnd(WR)) : any_cptr();
}

static uint64_t
any_info(void)
{
	static const unsigned long lengths[] = { 0, 1, 2, 3, 4, 5, 6, 7, 20, TALLY_MSG_MAX,
						 TALLY_MSG_MAX + 1 };

	return tally_msginfo(rnd(4), lengths[rnd(ARRAY_SIZE(lengths))], rnd(8) ? 0 : rnd(3));
}

/*
 * Thread i's process: a small CNode holding a copy of its TCB capability
 * (watched) and copies of IPC objects. Once the original in the root CNode
 * is gone, deleting the process destroys the thread in the middle of the
 * CNode's zombie drain.
 */
static void
walk_make_process(unsigned i)
{
	unsigned k, tk = 1 + (unsigned)rnd((1u << P_RADIX) - 1);

	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, P_RADIX, ROOT, W_P(i), 1));
	for (k = 1; k < 1u << P_RADIX; k++) {
		if (k == tk)
			EXPECT_OK(copy(W_P(i), k, W_T(i), TALLY_RIGHTS_ALL));
		else if (rnd(2))
			EXPECT_OK(copy(W_P(i), k, rnd(2) ? W_EPB(rnd(WE)) : W_NB(rnd(WN)),
				       TALLY_RIGHTS_ALL));
	}
	watch(&((struct cte *)obj(W_P(i)))[tk], 1ul << TALLY_THREAD_BITS);
}

/* Kill thread i's process: the thread goes with its process's CNode. */
static void
walk_kill(unsigned i)
{
	untrack(wthread(i));
	t_alive[i] = false;   /* (threads acting between restarts must not pick it) */
	EXPECT_OK(delete(ROOT, W_T(i)));
	destroy(W_P(i), 1ul << (P_RADIX + TALLY_CNODE_SLOT_BITS));
}

/* Thread i kills its own process; zombies it leaves are finished as the idle loop would. */
static void
walk_suicide(unsigned i)
{
	struct thread *t = wthread(i);
	void *cnode = obj(W_P(i));

	ck_assert_int_eq(u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(W_T(i))), TALLY_OK);
	untrack(t);
	t_alive[i] = false;
	ck_assert_int_eq(u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(W_P(i))), PENDING);
	idle_drain();
	check_all();
	PROP_ASSERT(cte_empty(slot_at(W_P(i))) && !cap_zombies_pending());
	poison(cnode, 1ul << (P_RADIX + TALLY_CNODE_SLOT_BITS));
}

/* Make thread i: random priority, an IPC buffer for even ones, maybe a fault endpoint. */
static void
walk_spawn(unsigned i)
{
	struct tally_ipc_buffer *b;

	spawn(W_T(i), (unsigned)rnd(21));
	walk_make_process(i);
	EXPECT_OK(configure(W_T(i), ROOT, i % 2 ? 0 : W_FRAME(i), 0x300000 + 0x400 * (i % 4),
			    rnd(3) ? W_EPB(rnd(WE)) : 0));
	b = thread_ipc_buffer(wthread(i));
	if (b) {
		/* capabilities to send: copies of IPC objects only, which their revoke finds */
		b->cap = rnd(2) ? W_EPB(rnd(WE)) : W_NB(rnd(WN));
		b->recv_slot = rnd(2) ? W_EMPTY + 1 + i : 0;
	}
	t_alive[i] = true;
}

static void
walk_make_endpoint(unsigned i)
{
	make(TALLY_OBJ_ENDPOINT, W_EP(i));
	EXPECT_OK(mint(ROOT, W_EPB(i), W_EP(i), TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT, i + 1));
}

static void
walk_make_notification(unsigned i)
{
	make(TALLY_OBJ_NOTIFICATION, W_N(i));
	EXPECT_OK(mint(ROOT, W_NB(i), W_N(i), TALLY_RIGHT_WRITE, 1ul << (i + 4)));
}

/* Delete an object with every copy of it (a fault endpoint in a thread, a Reply's notification). */
static void
walk_destroy(unsigned long slot, size_t bytes)
{
	void *o = obj(slot);

	EXPECT_OK(revoke(ROOT, slot));
	EXPECT_OK(delete(ROOT, slot));
	PROP_ASSERT(cte_empty(slot_at(slot)) && !cap_zombies_pending());
	poison(o, bytes);
}

/* One random system call by a random runnable thread; false if none can run. */
static bool
walk_thread_call(void)
{
	static const uint64_t labels[] = {
		TALLY_TCB_SUSPEND, TALLY_TCB_RESUME, TALLY_TCB_BIND_NOTIFICATION,
		TALLY_TCB_SET_PRIORITY, TALLY_REPLY_BIND_NOTIFICATION, TALLY_TCB_INFO,
	};
	uint64_t m[TALLY_MSG_REGS];
	unsigned i, k, j;
	struct thread *t;
	long r;

	for (k = 0, i = (unsigned)rnd(WT); k < WT; k++, i = (i + 1) % WT)
		if (t_alive[i] && wthread(i)->state == TALLY_THREAD_RUNNABLE)
			break;
	if (k == WT)
		return false;
	t = wthread(i);
	for (j = 0; j < TALLY_MSG_REGS; j++)
		m[j] = rnd(4) ? rnd(64) : test_rand(&seed);
	switch (rnd(40)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		r = u_send(t, any_cptr(), any_info(), m);
		break;
	case 6: case 7:
		r = u_nbsend(t, any_cptr(), any_info(), m);
		break;
	case 8: case 9: case 10: case 11: case 12: case 13:
		r = u_call(t, any_cptr(), any_info(), m);
		break;
	case 14: case 15: case 16: case 17: case 18: case 19:
		r = u_recv(t, any_cptr(), any_reply());
		break;
	case 20: case 21:
		r = u_nbrecv(t, any_cptr(), any_reply());
		break;
	case 22: case 23: case 24: case 25: case 26: case 27: case 28:
		/* answer through a Reply, or receive with the one that holds a call */
		r = rnd(2) ? u_send(t, any_reply(), any_info(), m) :
			     u_reply_recv(t, any_cptr(), any_reply(), any_info(), m);
		break;
	case 29: case 30:
		r = sys(t, TALLY_SYS_YIELD, 0, 0, NULL, 0);
		break;
	case 31:
		r = sys(t, rnd(4) ? 500 : TALLY_SYS_EXIT, 0, 0, NULL, 0);   /* a fault, or exit */
		break;
	default:
		m[0] = rnd(2) ? any_cptr() : rnd(30);
		r = u_invoke(t, rnd(3) ? W_T(rnd(WT)) : W_R(rnd(WR)), labels[rnd(ARRAY_SIZE(labels))],
			     m);
		break;
	}
	PROP_ASSERT(r == (long)PENDING || (r >= 0 && r < TALLY_ERROR_COUNT));
	/* no answer: the thread does not run on (it waits, stopped or exited) */
	PROP_ASSERT(r != (long)PENDING || t->state != TALLY_THREAD_RUNNABLE);
	return true;
}

/* Nobody can run: resume a stopped thread, or stop a waiting one (resumed later). */
static void
walk_unstick(void)
{
	unsigned i = (unsigned)rnd(WT);

	if (!t_alive[i])
		walk_spawn(i);
	else if (wthread(i)->state >= TALLY_THREAD_BLOCKED_SEND && rnd(2))
		EXPECT_OK(INV(W_T(i), TALLY_TCB_SUSPEND));
	else
		EXPECT_OK(INV(W_T(i), TALLY_TCB_RESUME));
}

/* One random action of the root thread. */
static void
walk_admin(void)
{
	unsigned i = (unsigned)rnd(WT);

	switch (rnd(9)) {
	case 0:
		if (t_alive[i])
			EXPECT_OK(INV(W_T(i), rnd(2) ? TALLY_TCB_SUSPEND : TALLY_TCB_RESUME));
		break;
	case 1:
		if (!t_alive[i])
			walk_spawn(i);
		else if (wthread(i)->state == TALLY_THREAD_RUNNABLE && rnd(2))
			walk_suicide(i);
		else
			walk_kill(i);
		break;
	case 2:
		i %= WE;
		walk_destroy(W_EP(i), 1ul << TALLY_ENDPOINT_BITS);
		walk_make_endpoint(i);
		break;
	case 3:
		i %= WN;
		walk_destroy(W_N(i), 1ul << TALLY_NOTIFICATION_BITS);
		walk_make_notification(i);
		break;
	case 4:
		i %= WR;
		walk_destroy(W_R(i), 1ul << TALLY_REPLY_BITS);
		make(TALLY_OBJ_REPLY, W_R(i));
		break;
	case 5:
		if (t_alive[i]) {
			long r = INV(W_T(i), TALLY_TCB_BIND_NOTIFICATION, rnd(3) ? W_N(rnd(WN)) : 0);

			PROP_ASSERT(r == TALLY_OK || r == TALLY_ERR_BUSY);
		}
		break;
	case 6:
		EXPECT_OK(INV(W_R(rnd(WR)), TALLY_REPLY_BIND_NOTIFICATION, rnd(3) ? W_NB(rnd(WN)) : 0));
		break;
	case 7:
		if (t_alive[i])
			EXPECT_OK(configure(W_T(i), ROOT, i % 2 ? 0 : W_FRAME(i), 0x300000,
					    rnd(2) ? W_EPB(rnd(WE)) : 0));
		break;
	default:
		if (t_alive[i])
			EXPECT_OK(INV(W_T(i), TALLY_TCB_SET_PRIORITY, rnd(21)));
		break;
	}
}

/* Between the restarts of a preempted delete, another thread makes a call. */
static void
walk_between_restarts(void)
{
	if (rnd(2))
		(void)walk_thread_call();
}

static void
walk(unsigned long s, unsigned steps, unsigned long preempt_every)
{
	unsigned long i;
	unsigned n;

	seed = s;
	ipc_setup();
	for (i = 0; i < WE; i++)
		walk_make_endpoint(i);
	for (i = 0; i < WN; i++)
		walk_make_notification(i);
	for (i = 0; i < WR; i++)
		make(TALLY_OBJ_REPLY, W_R(i));
	for (i = 0; i < WT; i += 2)
		make(TALLY_OBJ_FRAME_4K, W_FRAME(i));
	for (i = 0; i < WT; i++)
		walk_spawn(i);
	fake_preempt_every = preempt_every;
	between_restarts = preempt_every ? walk_between_restarts : NULL;
	for (n = 0; n < steps; n++) {
		if (rnd(8) == 0)
			walk_admin();
		else if (!walk_thread_call())
			walk_unstick();
		ck_assert_msg(!cap_zombies_pending(), "seed %lu step %u: zombies left", s, n);
	}
	between_restarts = NULL;
	fake_preempt_every = 0;

	/* every IPC object goes: nobody may be left waiting */
	for (i = 0; i < WE; i++)
		walk_destroy(W_EP(i), 1ul << TALLY_ENDPOINT_BITS);
	for (i = 0; i < WN; i++)
		walk_destroy(W_N(i), 1ul << TALLY_NOTIFICATION_BITS);
	for (i = 0; i < WR; i++)
		walk_destroy(W_R(i), 1ul << TALLY_REPLY_BITS);
	for (i = 0; i < WT; i++) {
		if (!t_alive[i])
			continue;
		ck_assert_msg(wthread(i)->state < TALLY_THREAD_BLOCKED_SEND,
			      "seed %lu: thread %lu is left %s with every IPC object gone", s, i,
			      state_name(wthread(i)->state));
		ck_assert_ptr_null(wthread(i)->bound);
	}
	ipc_teardown();
}

START_TEST(random_ipc_walks_keep_every_invariant_and_leave_no_one_waiting)
{
	static const unsigned long seeds[] = { 1, 2, 3, 4, 5, 0x5eed, 0xfeedface, 77 };
	unsigned k;

	for (k = 0; k < ARRAY_SIZE(seeds); k++)
		walk(seeds[k], 5000, 0);
}
END_TEST

START_TEST(random_ipc_walks_with_preemption_and_calls_between_restarts)
{
	static const unsigned long seeds[] = { 11, 12, 13, 0xc0ffee };
	unsigned k;

	for (k = 0; k < ARRAY_SIZE(seeds); k++)
		walk(seeds[k], 5000, k % 3 + 1);
}
END_TEST

Suite *
ipc_random_suite(void)
{
	Suite *s = suite_create("ipc_random");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, random_ipc_walks_keep_every_invariant_and_leave_no_one_waiting);
	tcase_add_test(tc, random_ipc_walks_with_preemption_and_calls_between_restarts);
	suite_add_tcase(s, tc);
	return s;
}
