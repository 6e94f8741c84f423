/*
 * Destruction and IPC (DESIGN.md rules 3, 4 and 5), through real system
 * calls (ipc_fixture.c): threads destroyed in every state; endpoints,
 * notifications and Replies deleted under every kind of waiter; the seed
 * scenario of a client C calling a server S that calls D, with each party
 * killed and each Reply deleted at each point; and endpoints and
 * notifications with thousands of waiters deleted one waiter per step.
 * A destroyed object's memory is poisoned, so the kernel touching it again
 * is a use after free that AddressSanitizer reports.
 */
#include "ipc_fixture.h"
#include <string.h>

#define F SLOT_FREE
#define EP_BYTES    (1ul << TALLY_ENDPOINT_BITS)
#define NTFN_BYTES  (1ul << TALLY_NOTIFICATION_BITS)
#define REPLY_BYTES (1ul << TALLY_REPLY_BITS)

/* ---- threads destroyed in every state ---- */

enum { D_EP = F, D_R = F + 1, D_N = F + 2, D_FEP = F + 3, D_RN = F + 4, D_RNB = F + 5,
       D_R2 = F + 6, D_VT = F + 10, D_SRV = F + 11, D_OTHER = F + 12 };

enum victim_state {
	V_NEW, V_INACTIVE, V_RUNNABLE, V_SELF, V_SEND, V_CALL, V_FAULT_SEND, V_RECV, V_REPLY,
	V_FAULT_REPLY, V_NOTIFY, V_FAULTED, V_EXITED, V_BOUND_RECV, V_SERVING, VICTIM_STATES
};

static const char *const victim_names[VICTIM_STATES] = {
	"never configured", "suspended", "runnable, queued", "current, deleting itself",
	"blocked sending", "blocked in a queued call", "blocked sending its fault",
	"blocked receiving", "waiting for its answer", "waiting for its fault's answer",
	"waiting on a notification", "faulted", "exited",
	"bound, receiving", "serving a caller (holding its Reply)",
};

static struct thread *victim, *srv, *other;

static void
victim_fixture(void)
{
	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, D_EP);
	make(TALLY_OBJ_REPLY, D_R);
	make(TALLY_OBJ_NOTIFICATION, D_N);
	make(TALLY_OBJ_ENDPOINT, D_FEP);
	make(TALLY_OBJ_NOTIFICATION, D_RN);
	EXPECT_OK(mint(ROOT, D_RNB, D_RN, TALLY_RIGHT_WRITE, 0x30));
	EXPECT_OK(INV(D_R, TALLY_REPLY_BIND_NOTIFICATION, D_RNB));
	make(TALLY_OBJ_REPLY, D_R2);
	srv = spawn(D_SRV, 10);
	other = spawn(D_OTHER, 10);
}

/* Bring the victim in D_VT into state v. */
static void
victim_into(enum victim_state v)
{
	if (v == V_NEW) {
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_THREAD, 0, ROOT, D_VT, 1));
		victim = tcb(D_VT);
		strlcpy(victim->name, "victim", sizeof(victim->name));
		return;
	}
	victim = spawn(D_VT, 10);
	switch (v) {
	case V_INACTIVE:
		EXPECT_OK(INV(D_VT, TALLY_TCB_SUSPEND));
		break;
	case V_SEND:
		ck_assert_int_eq(u_send(victim, D_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		break;
	case V_CALL:
		ck_assert_int_eq(u_call(victim, D_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		break;
	case V_FAULT_SEND:
		EXPECT_OK(configure(D_VT, ROOT, 0, 0, D_FEP));
		ck_assert_int_eq(sys(victim, 777, 0, 0, NULL, 0), PENDING);
		break;
	case V_RECV:
		ck_assert_int_eq(u_recv(victim, D_EP, D_R), PENDING);
		break;
	case V_REPLY:
		ck_assert_int_eq(u_recv(srv, D_EP, D_R), PENDING);
		ck_assert_int_eq(u_call(victim, D_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		break;
	case V_FAULT_REPLY:
		EXPECT_OK(configure(D_VT, ROOT, 0, 0, D_FEP));
		ck_assert_int_eq(u_recv(srv, D_FEP, D_R), PENDING);
		ck_assert_int_eq(sys(victim, 777, 0, 0, NULL, 0), PENDING);
		break;
	case V_NOTIFY:
		ck_assert_int_eq(u_recv(victim, D_N, 0), PENDING);
		break;
	case V_FAULTED:
		ck_assert_int_eq(sys(victim, 777, 0, 0, NULL, 0), PENDING);
		break;
	case V_EXITED:
		sys(victim, TALLY_SYS_EXIT, 0, 0, NULL, 0);
		break;
	case V_BOUND_RECV:
		EXPECT_OK(INV(D_VT, TALLY_TCB_BIND_NOTIFICATION, D_N));
		ck_assert_int_eq(u_recv(victim, D_EP, D_R), PENDING);
		break;
	case V_SERVING:
		ck_assert_int_eq(u_recv(victim, D_EP, D_R), PENDING);
		ck_assert_int_eq(u_call(other, D_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		ck_assert_ptr_eq(reply_at(D_R)->caller, other);
		break;
	default:
		break;
	}
}

START_TEST(a_thread_destroyed_in_any_state_leaves_nothing_behind)
{
	unsigned v;

	for (v = 0; v < VICTIM_STATES; v++) {
		bool held = v == V_REPLY || v == V_FAULT_REPLY;
		const char *what = victim_names[v];

		victim_fixture();
		victim_into(v);
		if (v == V_SELF) {
			untrack(victim);
			ck_assert_int_eq(u_invoke(victim, ROOT, TALLY_CNODE_DELETE, MSG(D_VT)),
					 PENDING);   /* nobody to answer */
			ck_assert(cte_empty(slot_at(D_VT)));
			ck_assert_ptr_ne(ran, victim);
			poison(victim, 1ul << TALLY_THREAD_BITS);
		} else {
			kill_thread(D_VT);
		}
		ck_assert_ptr_ne(sched_current, victim);
		/* no queue, Reply or binding names it */
		ck_assert_msg(ep_at(D_EP)->state == EP_IDLE && ep_at(D_FEP)->state == EP_IDLE,
			      "%s: an endpoint still has a queue", what);
		ck_assert_msg(!ntfn_at(D_N)->queue.head && !ntfn_at(D_N)->bound,
			      "%s: the notification still names it", what);
		ck_assert_msg(!reply_at(D_R)->receiver &&
				      reply_at(D_R)->caller == (v == V_SERVING ? other : NULL),
			      "%s: the Reply names the wrong threads", what);
		ck_assert_msg(reply_at(D_R)->stale == held && ntfn_at(D_RN)->word == (held ? 0x30u : 0),
			      "%s: Reply stale %d, its notification %#lx", what, reply_at(D_R)->stale,
			      (unsigned long)ntfn_at(D_RN)->word);
		if (held)
			ck_assert_int_eq(u_send(srv, D_R, 0, NULL), TALLY_ERR_DEAD_PEER);
		if (v == V_SERVING) {
			/* the Reply outlives the server thread; its end wakes the caller */
			EXPECT_THREAD(other, TALLY_THREAD_BLOCKED_REPLY, PENDING);
			destroy(D_R, REPLY_BYTES);
			EXPECT_THREAD(other, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
		}
		/* the objects it used work on without it */
		ck_assert_int_eq(u_nbrecv(srv, D_EP, D_R2), TALLY_ERR_WOULD_BLOCK);
		ck_assert_int_eq(u_recv(srv, D_EP, D_R2), PENDING);
		ck_assert_int_eq(u_send(other, D_EP, tally_msginfo(0, 1, 0), MSG(9)), TALLY_OK);
		EXPECT_THREAD(srv, TALLY_THREAD_RUNNABLE, TALLY_OK);
		ck_assert_int_eq(u_send(other, D_N, 0, NULL), TALLY_OK);
		ck_assert_uint_eq(ntfn_at(D_N)->word, 1);
		EXPECT_OK(INV(D_OTHER, TALLY_TCB_BIND_NOTIFICATION, D_N));
		ck_assert_int_eq(u_recv(other, D_EP, D_R2), TALLY_OK);   /* the pending bit */
		ipc_teardown();
	}
}
END_TEST

/*
 * A thread whose own call destroys it (its last capability was in the
 * CNode it deleted): the kernel must not write the call's results into
 * the dead thread. Its memory is poisoned the moment it goes, at the
 * preemption window after the step that destroyed it.
 */
static struct thread *dying;
static const struct cte *dying_slot;

static void
poison_when_gone(void)
{
	if (dying && cte_empty(dying_slot)) {
		poison(dying, 1ul << TALLY_THREAD_BITS);
		dying = NULL;
	}
}

START_TEST(a_thread_destroyed_by_its_own_call_is_not_written_to_afterwards)
{
	const unsigned long K = F, N = F + 1, T = F + 10;
	struct thread *t;

	ipc_setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, K, 1));
	make(TALLY_OBJ_NOTIFICATION, N);
	t = spawn(T, 10);
	/* its only capability goes into K, with something else */
	EXPECT_OK(move(K, 1, T));
	EXPECT_OK(copy(K, 2, N, TALLY_RIGHTS_ALL));
	untrack(t);
	dying = t;
	dying_slot = &((const struct cte *)obj(K))[1];
	fake_preempt_hook = poison_when_gone;
	ck_assert_int_eq(u_invoke(t, ROOT, TALLY_CNODE_DELETE, MSG(K)), PENDING);
	fake_preempt_hook = NULL;
	ck_assert_ptr_null(dying);
	ck_assert(cte_empty(slot_at(K)));
	ck_assert(!cap_zombies_pending());
	ck_assert_ptr_ne(sched_current, t);
	ipc_teardown();
}
END_TEST

START_TEST(the_objects_a_blocked_thread_uses_can_change_under_it)
{
	const unsigned long EP = F, R = F + 1, FEP = F + 2, FRAME = F + 3;
	struct tally_ipc_buffer *abuf;
	struct thread *a, *b;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_ENDPOINT, FEP);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	/* its fault endpoint's last capability goes while it waits there: it stops */
	EXPECT_OK(configure(F + 10, ROOT, 0, 0, FEP));
	EXPECT_OK(delete(ROOT, FEP));
	ck_assert_int_eq(sys(a, 777, 0, 0, NULL, 0), PENDING);
	EXPECT_THREAD(a, TALLY_THREAD_BLOCKED_SEND, PENDING);
	EXPECT_OK(configure(F + 10, ROOT, 0, 0, 0));
	EXPECT_THREAD(a, TALLY_THREAD_FAULTED, PENDING);
	ck_assert(!cap_zombies_pending());
	EXPECT_OK(INV(F + 10, TALLY_TCB_RESUME));

	/* its IPC buffer goes while a long message waits: the message is cut */
	abuf = give_buffer(F + 10, FRAME);
	abuf->mr[10] = 10;
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, 20, 0), MSG(1, 2, 3, 4, 5, 6)), PENDING);
	EXPECT_OK(revoke(ROOT, FRAME));
	ck_assert_ptr_null(thread_ipc_buffer(a));
	give_buffer(F + 11, F + 4);
	ck_assert_int_eq(u_recv(b, EP, R), TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(0, TALLY_MSG_REGS, 0) | TALLY_MSGINFO_TRUNCATED);
	ck_assert_uint_eq(got_mr(b, 5), 6);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ipc_teardown();
}
END_TEST

/* ---- endpoints, notifications and Replies deleted under waiters ---- */

START_TEST(deleting_an_endpoint_wakes_every_queued_thread_with_object_deleted)
{
	const unsigned long EP = F, EP2 = F + 1, R = F + 2, R1 = F + 3, R2 = F + 4, N = F + 5;
	struct thread *s1, *s2, *s3, *c4, *srv4, *r1, *r2;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_ENDPOINT, EP2);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_REPLY, R1);
	make(TALLY_OBJ_REPLY, R2);
	make(TALLY_OBJ_NOTIFICATION, N);
	s1 = spawn(F + 10, 10);
	s2 = spawn(F + 11, 10);
	s3 = spawn(F + 12, 10);
	c4 = spawn(F + 13, 10);
	srv4 = spawn(F + 14, 10);
	r1 = spawn(F + 15, 10);
	r2 = spawn(F + 16, 10);

	/* senders: a send, a call, a fault; and a call already taken */
	ck_assert_int_eq(u_recv(srv4, EP, R), PENDING);
	ck_assert_int_eq(u_call(c4, EP, 0, NULL), PENDING);
	ck_assert_int_eq(u_send(s1, EP, 0, NULL), PENDING);
	ck_assert_int_eq(u_call(s2, EP, 0, NULL), PENDING);
	EXPECT_OK(configure(F + 12, ROOT, 0, 0, EP));
	ck_assert_int_eq(sys(s3, 777, 0, 0, NULL, 0), PENDING);
	/* the fault endpoint copy in s3 goes with the revoke; then the last one */
	EXPECT_OK(revoke(ROOT, EP));
	EXPECT_THREAD(s1, TALLY_THREAD_BLOCKED_SEND, PENDING);
	destroy(EP, EP_BYTES);
	EXPECT_THREAD(s1, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	EXPECT_THREAD(s2, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	EXPECT_THREAD(s3, TALLY_THREAD_FAULTED, PENDING);
	ck_assert_int_eq(s3->fault.cause, TALLY_FAULT_BAD_SYSCALL);
	/* the call already taken waits on the Reply, not on the endpoint */
	EXPECT_THREAD(c4, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_int_eq(u_send(srv4, R, 0, NULL), TALLY_OK);
	EXPECT_THREAD(c4, TALLY_THREAD_RUNNABLE, TALLY_OK);

	/* receivers, one of them bound: their Replies are free again */
	EXPECT_OK(INV(F + 16, TALLY_TCB_BIND_NOTIFICATION, N));
	ck_assert_int_eq(u_recv(r1, EP2, R1), PENDING);
	ck_assert_int_eq(u_recv(r2, EP2, R2), PENDING);
	destroy(EP2, EP_BYTES);
	EXPECT_THREAD(r1, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	EXPECT_THREAD(r2, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	ck_assert_ptr_null(reply_at(R1)->receiver);
	ck_assert_ptr_null(reply_at(R2)->receiver);
	ck_assert_int_eq(u_send(s1, N, 0, NULL), TALLY_OK);   /* r2 waits for nothing now */
	ck_assert_uint_eq(ntfn_at(N)->word, 1);
	make(TALLY_OBJ_ENDPOINT, EP);
	ck_assert_int_eq(u_recv(r2, EP, R2), TALLY_OK);        /* the bound word */
	ck_assert_uint_eq(got_info(r2), TALLY_MSGINFO_NOTIFY);
	ck_assert_int_eq(u_recv(r1, EP, R1), PENDING);
	ck_assert_int_eq(u_send(s1, EP, tally_msginfo(0, 1, 0), MSG(4)), TALLY_OK);
	EXPECT_THREAD(r1, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(r1, 0), 4);
	ipc_teardown();
}
END_TEST

START_TEST(deleting_a_notification_wakes_its_waiters_and_unbinds_it)
{
	const unsigned long N = F, N2 = F + 1, N3 = F + 2, N4 = F + 3, EP = F + 4, R = F + 5,
			    R5 = F + 6, N5 = F + 7, N5B = F + 8, EP5 = F + 9;
	struct thread *w1, *w2, *b, *b2, *c, *s;
	void *n5;

	ipc_setup();
	make(TALLY_OBJ_NOTIFICATION, N);
	make(TALLY_OBJ_NOTIFICATION, N2);
	make(TALLY_OBJ_NOTIFICATION, N3);
	make(TALLY_OBJ_NOTIFICATION, N4);
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	w1 = spawn(F + 20, 10);
	w2 = spawn(F + 21, 10);
	b = spawn(F + 22, 10);
	b2 = spawn(F + 23, 10);
	c = spawn(F + 24, 10);
	s = spawn(F + 25, 10);

	ck_assert_int_eq(u_recv(w1, N, 0), PENDING);
	ck_assert_int_eq(u_recv(w2, N, 0), PENDING);
	destroy(N, NTFN_BYTES);
	EXPECT_THREAD(w1, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	EXPECT_THREAD(w2, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);

	/* bound to a thread waiting on an endpoint: it waits on, unbound */
	EXPECT_OK(INV(F + 22, TALLY_TCB_BIND_NOTIFICATION, N2));
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	destroy(N2, NTFN_BYTES);
	EXPECT_THREAD(b, TALLY_THREAD_BLOCKED_RECV, PENDING);
	ck_assert_ptr_null(b->bound);
	ck_assert_int_eq(u_send(c, EP, tally_msginfo(0, 1, 0), MSG(2)), TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(0, 1, 0));

	/* bound to a thread waiting on it */
	EXPECT_OK(INV(F + 23, TALLY_TCB_BIND_NOTIFICATION, N3));
	ck_assert_int_eq(u_recv(b2, N3, 0), PENDING);
	destroy(N3, NTFN_BYTES);
	EXPECT_THREAD(b2, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	ck_assert_ptr_null(b2->bound);
	EXPECT_OK(INV(F + 23, TALLY_TCB_BIND_NOTIFICATION, N4));   /* free to bind again */

	/* a word pending and nobody waiting */
	ck_assert_int_eq(u_send(c, N4, 0, NULL), TALLY_OK);
	destroy(N4, NTFN_BYTES);
	ck_assert_ptr_null(b2->bound);
	ck_assert_int_eq(u_recv(b2, EP, R), PENDING);

	/* a Reply's copy keeps it alive, and goes with the Reply */
	make(TALLY_OBJ_NOTIFICATION, N5);
	make(TALLY_OBJ_REPLY, R5);
	make(TALLY_OBJ_ENDPOINT, EP5);
	EXPECT_OK(mint(ROOT, N5B, N5, TALLY_RIGHT_WRITE, 0x55));
	EXPECT_OK(INV(R5, TALLY_REPLY_BIND_NOTIFICATION, N5B));
	n5 = obj(N5);
	EXPECT_OK(delete(ROOT, N5B));
	EXPECT_OK(delete(ROOT, N5));
	ck_assert_int_eq(u_recv(s, EP5, R5), PENDING);
	ck_assert_int_eq(u_call(w1, EP5, 0, NULL), PENDING);
	EXPECT_OK(INV(F + 20, TALLY_TCB_SUSPEND));
	ck_assert_uint_eq(((struct notification *)n5)->word, 0x55);
	destroy(R5, REPLY_BYTES);
	poison(n5, NTFN_BYTES);
	ck_assert_int_eq(u_send(s, R5, 0, NULL), TALLY_ERR_LOOKUP_FAILED);
	ipc_teardown();
}
END_TEST

enum reply_state { R_IDLE, R_RECEIVER, R_CALLER, R_FAULT_CALLER, R_STALE, REPLY_STATES };

static const char *const reply_state_names[REPLY_STATES] = {
	"idle", "a receiver waiting", "a caller waiting", "a faulted caller waiting", "stale",
};

START_TEST(deleting_a_reply_wakes_whoever_waits_on_it)
{
	const unsigned long EP = F, R = F + 1, N = F + 2, NB = F + 3, FEP = F + 4;
	struct thread *c, *s;
	unsigned k;

	for (k = 0; k < REPLY_STATES; k++) {
		const char *what = reply_state_names[k];
		unsigned long caps;

		ipc_setup();
		make(TALLY_OBJ_ENDPOINT, EP);
		make(TALLY_OBJ_REPLY, R);
		make(TALLY_OBJ_NOTIFICATION, N);
		make(TALLY_OBJ_ENDPOINT, FEP);
		EXPECT_OK(mint(ROOT, NB, N, TALLY_RIGHT_WRITE, 0x9));
		EXPECT_OK(INV(R, TALLY_REPLY_BIND_NOTIFICATION, NB));
		c = spawn(F + 10, 10);
		s = spawn(F + 11, 10);
		switch (k) {
		case R_RECEIVER:
			ck_assert_int_eq(u_recv(s, EP, R), PENDING);
			break;
		case R_CALLER:
		case R_STALE:
			ck_assert_int_eq(u_recv(s, EP, R), PENDING);
			ck_assert_int_eq(u_call(c, EP, 0, NULL), PENDING);
			if (k == R_STALE)
				EXPECT_OK(INV(F + 10, TALLY_TCB_SUSPEND));
			break;
		case R_FAULT_CALLER:
			EXPECT_OK(configure(F + 10, ROOT, 0, 0, FEP));
			ck_assert_int_eq(u_recv(s, FEP, R), PENDING);
			ck_assert_int_eq(sys(c, 777, 0, 0, NULL, 0), PENDING);
			break;
		default:
			break;
		}
		ck_assert_uint_eq(ntfn_at(N)->word, k == R_STALE ? 0x9 : 0);
		caps = checked().caps;
		destroy(R, REPLY_BYTES);
		/* the Reply and the copy of its notification are gone; nothing is signalled */
		ck_assert_uint_eq(checked().caps, caps - 2);
		ck_assert_msg(ntfn_at(N)->word == (k == R_STALE ? 0x9u : 0),
			      "%s: notification word %#lx", what, (unsigned long)ntfn_at(N)->word);
		switch (k) {
		case R_RECEIVER:
			EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
			ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
			break;
		case R_CALLER:
			EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
			break;
		case R_FAULT_CALLER:
			EXPECT_THREAD(c, TALLY_THREAD_FAULTED, PENDING);
			break;
		case R_STALE:
			EXPECT_THREAD(c, TALLY_THREAD_INACTIVE, TALLY_ERR_CANCELLED);
			break;
		default:
			break;
		}
		/* the server's next answer names an empty slot */
		if (s->state == TALLY_THREAD_RUNNABLE)
			ck_assert_int_eq(u_send(s, R, 0, NULL), TALLY_ERR_LOOKUP_FAILED);
		ipc_teardown();
	}
}
END_TEST

/*
 * A Reply's notification capability that goes when the Reply is bound
 * anew may be the last one to a notification with waiters: they must
 * wake before the call returns, as for any other delete.
 */
START_TEST(rebinding_a_reply_finishes_the_notification_it_let_go)
{
	const unsigned long N = F, NB = F + 1, R = F + 2, N2 = F + 3;
	struct thread *w1, *w2;
	unsigned round;

	for (round = 0; round < 2; round++) {
		void *n;

		ipc_setup();
		make(TALLY_OBJ_NOTIFICATION, N);
		make(TALLY_OBJ_NOTIFICATION, N2);
		make(TALLY_OBJ_REPLY, R);
		EXPECT_OK(mint(ROOT, NB, N, TALLY_RIGHT_WRITE, 0x7));
		EXPECT_OK(INV(R, TALLY_REPLY_BIND_NOTIFICATION, NB));
		w1 = spawn(F + 10, 10);
		w2 = spawn(F + 11, 10);
		ck_assert_int_eq(u_recv(w1, N, 0), PENDING);
		ck_assert_int_eq(u_recv(w2, N, 0), PENDING);
		n = obj(N);
		EXPECT_OK(delete(ROOT, NB));
		EXPECT_OK(delete(ROOT, N));        /* the Reply's copy is the last one */
		EXPECT_THREAD(w1, TALLY_THREAD_BLOCKED_NOTIFY, PENDING);
		/* unbind, or bind to another */
		EXPECT_OK(INV(R, TALLY_REPLY_BIND_NOTIFICATION, round ? N2 : 0));
		ck_assert_msg(!cap_zombies_pending(), "round %u: the notification is left a zombie",
			      round);
		EXPECT_THREAD(w1, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
		EXPECT_THREAD(w2, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
		ck_assert_uint_eq(checked().zombies, 0);
		poison(n, NTFN_BYTES);
		ipc_teardown();
	}
}
END_TEST

/* ---- the seed scenario: C calls S, S calls D ---- */

enum { PC, PS, PD, PARTIES };
enum csd_action { KILL_C, KILL_S, KILL_D, DELETE_RS, DELETE_RD, CSD_ACTIONS };

static const char *const csd_action_names[CSD_ACTIONS] = {
	"kill C", "kill S", "kill D", "delete S's Reply", "delete D's Reply",
};

/* Root slots: the supervisor's originals, each process's CNode (original, guarded copy), TCBs. */
enum { EP_S = F, EP_D = F + 1, N_S = F + 2, N_D = F + 3, CN0 = F + 4, TCB0 = F + 10 };
/* Slots in a process's CNode; its thread's cptr n names slot n. */
enum { P_EP = 1, P_OUT = 2, P_REPLY = 3, P_ABORT = 4, P_ABORT_W = 5 };

#define NONE (-2l)   /* an outcome that was never reached */

struct csd {
	int point;
	enum csd_action act;
	struct thread *t[PARTIES];
	bool dead[PARTIES];
	bool s_request, d_request;   /* S, D took their call */
	long s_call;                 /* S's call to D: PENDING while it waits, or its end */
	long d_reply, s_reply;       /* the answers' results */
};

static unsigned long
cn_slot(int p)
{
	return CN0 + 2 * p;
}

static struct cte *
cn_slots(int p)
{
	return obj(cn_slot(p));
}

static void *
process_reply(int p)
{
	return cap_object(&cn_slots(p)[P_REPLY].cap);
}

/* A new Reply in the process's CNode, bound (by its thread) to its abort notification. */
static void
csd_make_reply(struct csd *sc, int p)
{
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_REPLY, 0, cn_slot(p), P_REPLY, 1));
	watch(&cn_slots(p)[P_REPLY], REPLY_BYTES);
	ck_assert_int_eq(u_invoke(sc->t[p], P_REPLY, TALLY_REPLY_BIND_NOTIFICATION, MSG(P_ABORT_W)),
			 TALLY_OK);
}

static void
csd_setup(struct csd *sc)
{
	int p;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP_S);
	make(TALLY_OBJ_ENDPOINT, EP_D);
	make(TALLY_OBJ_NOTIFICATION, N_S);
	make(TALLY_OBJ_NOTIFICATION, N_D);
	for (p = 0; p < PARTIES; p++) {
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, cn_slot(p), 1));
		EXPECT_OK(mint(ROOT, cn_slot(p) + 1, cn_slot(p), TALLY_RIGHTS_ALL,
			       cnode_guard_data(60, 0)));
		sc->t[p] = spawn(TCB0 + p, 10);
		watch(slot_at(TCB0 + p), 1ul << TALLY_THREAD_BITS);
		EXPECT_OK(configure(TCB0 + p, cn_slot(p) + 1, 0, 0, 0));
		sc->dead[p] = false;
	}
	strlcpy(sc->t[PC]->name, "C", sizeof(sc->t[PC]->name));
	strlcpy(sc->t[PS]->name, "S", sizeof(sc->t[PS]->name));
	strlcpy(sc->t[PD]->name, "D", sizeof(sc->t[PD]->name));
	EXPECT_OK(mint(cn_slot(PC), P_EP, EP_S, TALLY_RIGHT_WRITE, 0xc));
	EXPECT_OK(copy(cn_slot(PS), P_EP, EP_S, TALLY_RIGHT_READ));
	EXPECT_OK(mint(cn_slot(PS), P_OUT, EP_D, TALLY_RIGHT_WRITE, 0x5));
	EXPECT_OK(copy(cn_slot(PS), P_ABORT, N_S, TALLY_RIGHT_READ));
	EXPECT_OK(mint(cn_slot(PS), P_ABORT_W, N_S, TALLY_RIGHT_WRITE, 0x51));
	EXPECT_OK(copy(cn_slot(PD), P_EP, EP_D, TALLY_RIGHT_READ));
	EXPECT_OK(copy(cn_slot(PD), P_ABORT, N_D, TALLY_RIGHT_READ));
	EXPECT_OK(mint(cn_slot(PD), P_ABORT_W, N_D, TALLY_RIGHT_WRITE, 0xd1));
	csd_make_reply(sc, PS);
	csd_make_reply(sc, PD);
	sc->s_request = sc->d_request = false;
	sc->s_call = sc->d_reply = sc->s_reply = NONE;
}

/*
 * Kill a process as its supervisor would: its thread, the endpoint it
 * serves (revoked first, so the copies its clients hold go too), and its
 * CNode with everything in it (its Reply among them).
 */
static void
csd_kill(struct csd *sc, int p)
{
	kill_thread(TCB0 + p);
	sc->dead[p] = true;
	if (p != PC) {
		unsigned long ep = p == PS ? EP_S : EP_D;

		EXPECT_OK(revoke(ROOT, ep));
		destroy(ep, EP_BYTES);
	}
	EXPECT_OK(delete(ROOT, cn_slot(p) + 1));
	destroy(cn_slot(p), 1ul << (4 + TALLY_CNODE_SLOT_BITS));   /* its Reply goes (watched) */
}

static void
csd_act(struct csd *sc)
{
	int p;

	switch (sc->act) {
	case KILL_C:
	case KILL_S:
	case KILL_D:
		csd_kill(sc, sc->act - KILL_C);
		break;
	case DELETE_RS:
	case DELETE_RD:
		p = sc->act == DELETE_RS ? PS : PD;
		EXPECT_OK(delete(cn_slot(p), P_REPLY));   /* poisoned as it goes (watched) */
		break;
	default:
		ck_abort();
	}
}

/* A receive with the process's Reply; a deleted Reply is made anew (its owner would). */
static long
csd_take_call(struct csd *sc, int p)
{
	long r = u_nbrecv(sc->t[p], P_EP, P_REPLY);

	if (r == TALLY_ERR_LOOKUP_FAILED && cte_empty(&cn_slots(p)[P_REPLY])) {
		csd_make_reply(sc, p);
		r = u_nbrecv(sc->t[p], P_EP, P_REPLY);
	}
	return r;
}

/* Answer through the process's Reply; DEAD_PEER is reported once. */
static long
csd_answer(struct csd *sc, int p, uint64_t word)
{
	long r = u_send(sc->t[p], P_REPLY, tally_msginfo(p, 1, 0), MSG(word));

	if (r == TALLY_ERR_DEAD_PEER)
		ck_assert_int_eq(u_send(sc->t[p], P_REPLY, 0, NULL), TALLY_ERR_INVALID_ARGUMENT);
	return r;
}

static void
csd_step(struct csd *sc, int step)
{
	struct thread *c = sc->t[PC], *s = sc->t[PS], *d = sc->t[PD];
	long r;

	switch (step) {
	case 0:   /* C calls S */
		ck_assert_int_eq(u_call(c, P_EP, tally_msginfo(1, 2, 0), MSG(11, 22)), PENDING);
		break;
	case 1:   /* S takes the call */
		if (sc->dead[PS])
			break;
		r = csd_take_call(sc, PS);
		if (sc->dead[PC]) {
			ck_assert_int_eq(r, TALLY_ERR_WOULD_BLOCK);
			break;
		}
		ck_assert_int_eq(r, TALLY_OK);
		ck_assert_uint_eq(got_badge(s), 0xc);
		ck_assert_uint_eq(got_mr(s, 1), 22);
		EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_REPLY, PENDING);
		sc->s_request = true;
		break;
	case 2:   /* S calls D */
		if (!sc->dead[PS] && sc->s_request)
			sc->s_call = u_call(s, P_OUT, tally_msginfo(2, 1, 0), MSG(33));
		break;
	case 3:   /* D takes it */
		if (sc->dead[PD])
			break;
		r = csd_take_call(sc, PD);
		if (sc->dead[PS] || sc->s_call != (long)PENDING || s->regs.error != PENDING) {
			ck_assert_int_eq(r, TALLY_ERR_WOULD_BLOCK);
			break;
		}
		ck_assert_int_eq(r, TALLY_OK);
		ck_assert_uint_eq(got_badge(d), 0x5);
		ck_assert_uint_eq(got_mr(d, 0), 33);
		sc->d_request = true;
		break;
	case 4:   /* D answers */
		if (!sc->dead[PD] && sc->d_request)
			sc->d_reply = csd_answer(sc, PD, 44);
		break;
	case 5:   /* S answers C */
		if (sc->dead[PS] || !sc->s_request)
			break;
		if (sc->s_call == (long)PENDING) {
			/* S must not be left waiting on D */
			ck_assert_msg(s->state == TALLY_THREAD_RUNNABLE, "S is left %s",
				      state_name(s->state));
			sc->s_call = (long)s->regs.error;
			if (sc->s_call == TALLY_OK)
				ck_assert_uint_eq(got_mr(s, 0), 44);
		}
		sc->s_reply = csd_answer(sc, PS, 55);
		break;
	default:
		break;
	}
}

/* What each party should have seen, given the action and the point it came at. */
static long
csd_expect_c(enum csd_action a, int point)
{
	if (a == KILL_S)
		return point == 0 ? TALLY_ERR_OBJECT_DELETED : TALLY_ERR_DEAD_PEER;
	if (a == DELETE_RS)
		return point == 0 ? TALLY_OK : TALLY_ERR_DEAD_PEER;
	return TALLY_OK;
}

static long
csd_expect_s_call(enum csd_action a, int point)
{
	switch (a) {
	case KILL_C:
		return point == 0 ? NONE : TALLY_OK;
	case KILL_S:   /* made from step 2 on; its end is never looked at */
		return point <= 1 ? NONE : (long)PENDING;
	case KILL_D:
		return point <= 1 ? TALLY_ERR_LOOKUP_FAILED :
		       point == 2 ? TALLY_ERR_OBJECT_DELETED :
		       point == 3 ? TALLY_ERR_DEAD_PEER : TALLY_OK;
	case DELETE_RD:
		return point == 3 ? TALLY_ERR_DEAD_PEER : TALLY_OK;
	default:
		return TALLY_OK;
	}
}

static long
csd_expect_d_reply(enum csd_action a, int point)
{
	switch (a) {
	case KILL_C:
		return point == 0 ? NONE : TALLY_OK;
	case KILL_S:
		return point <= 2 ? NONE : point == 3 ? TALLY_ERR_DEAD_PEER : TALLY_OK;
	case KILL_D:
		return point == 4 ? TALLY_OK : NONE;
	case DELETE_RD:
		return point == 3 ? TALLY_ERR_LOOKUP_FAILED : TALLY_OK;
	default:
		return TALLY_OK;
	}
}

static long
csd_expect_s_reply(enum csd_action a, int point)
{
	switch (a) {
	case KILL_C:
		return point == 0 ? NONE : TALLY_ERR_DEAD_PEER;
	case KILL_S:
		return NONE;
	case DELETE_RS:
		return point == 0 ? TALLY_OK : TALLY_ERR_LOOKUP_FAILED;
	default:
		return TALLY_OK;
	}
}

static const char *
outcome_name(long r)
{
	return r == NONE ? "never reached" : r == (long)PENDING ? "no answer yet" : tally_error_name(r);
}

static void
csd_expect(const struct csd *sc, const char *what, long got, long expected)
{
	ck_assert_msg(got == expected, "%s after step %d: %s: expected %s, got %s",
		      csd_action_names[sc->act], sc->point, what, outcome_name(expected),
		      outcome_name(got));
}

/* S and D poll their abort notifications: signalled when a caller died while they held it. */
static void
csd_expect_abort(struct csd *sc, int p, bool signalled, uint64_t badge)
{
	long r;

	if (sc->dead[p])
		return;
	r = u_nbrecv(sc->t[p], P_ABORT, 0);
	csd_expect(sc, p == PS ? "S's abort notification" : "D's abort notification", r,
		   signalled ? TALLY_OK : TALLY_ERR_WOULD_BLOCK);
	if (signalled)
		ck_assert_uint_eq(got_badge(sc->t[p]), badge);
}

static void
csd_run(enum csd_action act, int point)
{
	struct csd sc = { .point = point, .act = act };
	int step, p;

	csd_setup(&sc);
	for (step = 0; step <= 5; step++) {
		csd_step(&sc, step);
		if (step == point)
			csd_act(&sc);
	}
	if (!sc.dead[PC]) {
		csd_expect(&sc, "C's call", (long)sc.t[PC]->regs.error, csd_expect_c(act, point));
		if (sc.t[PC]->regs.error == TALLY_OK)
			ck_assert_uint_eq(got_mr(sc.t[PC], 0), 55);
	}
	csd_expect(&sc, "S's call to D", sc.s_call, csd_expect_s_call(act, point));
	csd_expect(&sc, "D's answer", sc.d_reply, csd_expect_d_reply(act, point));
	csd_expect(&sc, "S's answer", sc.s_reply, csd_expect_s_reply(act, point));
	csd_expect_abort(&sc, PS, act == KILL_C && point >= 1, 0x51);
	csd_expect_abort(&sc, PD, act == KILL_S && point == 3, 0xd1);
	/* nothing stays blocked, and no Reply holds anyone */
	for (p = 0; p < PARTIES; p++) {
		if (sc.dead[p])
			continue;
		ck_assert_msg(sc.t[p]->state == TALLY_THREAD_RUNNABLE, "%s after step %d: %s is left %s",
			      csd_action_names[act], point, sc.t[p]->name,
			      state_name(sc.t[p]->state));
		if (p != PC && !cte_empty(&cn_slots(p)[P_REPLY]))
			ck_assert_ptr_null(((struct reply *)process_reply(p))->caller);
	}
	ipc_teardown();
}

START_TEST(client_server_and_third_party_every_party_wakes_when_another_goes)
{
	int act, point;

	for (act = 0; act < CSD_ACTIONS; act++)
		for (point = 0; point <= 4; point++)
			csd_run(act, point);
}
END_TEST

/* The scenario run to its end with nothing going wrong. */
START_TEST(client_server_and_third_party_complete_in_order)
{
	struct csd sc = { .point = -1 };
	int step;

	csd_setup(&sc);
	for (step = 0; step <= 5; step++)
		csd_step(&sc, step);
	ck_assert_int_eq(sc.s_call, TALLY_OK);
	ck_assert_int_eq(sc.d_reply, TALLY_OK);
	ck_assert_int_eq(sc.s_reply, TALLY_OK);
	EXPECT_THREAD(sc.t[PC], TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(sc.t[PC], 0), 55);
	ck_assert_uint_eq(tally_msginfo_label(got_info(sc.t[PC])), PS);
	ipc_teardown();
}
END_TEST

/*
 * A long delete that wakes a thread of higher priority than its caller
 * stops at its next preemption point: the woken thread runs first and the
 * delete goes on when it is issued again.
 */
START_TEST(a_long_delete_gives_way_to_the_higher_priority_threads_it_wakes)
{
	const unsigned long EP = F;
	struct thread *d, *w1, *w2;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	d = spawn(F + 10, 5);
	w1 = spawn(F + 11, 10);
	w2 = spawn(F + 12, 10);
	ck_assert_int_eq(u_send(w1, EP, 0, NULL), PENDING);
	ck_assert_int_eq(u_call(w2, EP, 0, NULL), PENDING);
	one_issue = true;
	ck_assert_int_eq(u_invoke(d, ROOT, TALLY_CNODE_DELETE, MSG(EP)), PENDING);
	ck_assert_uint_eq(d->regs.restarts, 1);
	ck_assert_ptr_eq(ran, w1);
	EXPECT_THREAD(w1, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	EXPECT_THREAD(w2, TALLY_THREAD_BLOCKED_SEND, PENDING);
	EXPECT_THREAD(d, TALLY_THREAD_RUNNABLE, PENDING);
	ck_assert(d->pending_drain);
	/* re-issued (the arch layer sets the pc back): the next waiter */
	sys(d, TALLY_SYS_INVOKE, ROOT, TALLY_CNODE_DELETE, MSG(EP), 0);
	ck_assert_uint_eq(d->regs.restarts, 2);
	ck_assert_ptr_ne(ran, d);
	ck_assert_int_eq(ran->prio, 10);
	EXPECT_THREAD(w2, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	ck_assert(cte_empty(slot_at(EP)));
	sys(d, TALLY_SYS_INVOKE, ROOT, TALLY_CNODE_DELETE, MSG(EP), 0);
	EXPECT_THREAD(d, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(d->preemptions, 2);
	ck_assert(!cap_zombies_pending());
	one_issue = false;
	ipc_teardown();
}
END_TEST

/* ---- thousands of waiters ---- */

enum bulk_kind { BULK_SENDERS, BULK_RECEIVERS, BULK_NOTIFY };

static struct {
	unsigned long first, n;      /* threads in root slots first.. */
	unsigned long woken;         /* woken with OBJECT_DELETED so far */
	unsigned long most;          /* most woken by one issue of the delete */
	unsigned long issues;
	unsigned long suspended;
	struct thread *actor;
} bulk;

/* The i-th waiter (no Check assertion: this runs millions of times). */
static struct thread *
bulk_thread(unsigned long i)
{
	return obj(bulk.first + i);
}

static unsigned long
bulk_woken(void)
{
	unsigned long i, n = 0;

	for (i = 0; i < bulk.n; i++)
		n += bulk_thread(i)->regs.error == TALLY_ERR_OBJECT_DELETED;
	return n;
}

/*
 * Between two issues of the delete: count what the last one did, and now
 * and then let another thread suspend a thread that still waits.
 */
static void
bulk_between_issues(void)
{
	unsigned long w = bulk_woken(), i;

	bulk.most = MAX(bulk.most, w - bulk.woken);
	bulk.woken = w;
	if (++bulk.issues % 300)
		return;
	for (i = bulk.n; i-- > 0;) {
		if (bulk_thread(i)->state < TALLY_THREAD_BLOCKED_SEND)
			continue;
		ck_assert_int_eq(u_invoke(bulk.actor, bulk.first + i, TALLY_TCB_SUSPEND, NULL),
				 TALLY_OK);
		bulk.suspended++;
		return;
	}
}

static void
bulk_delete(enum bulk_kind kind, unsigned long n)
{
	const unsigned long OBJ = F, FIRST = F + 10;
	unsigned long i, left;
	void *o;

	ipc_setup();
	make(kind == BULK_NOTIFY ? TALLY_OBJ_NOTIFICATION : TALLY_OBJ_ENDPOINT, OBJ);
	bulk.actor = spawn(F + 1, 10);
	bulk.first = FIRST;
	bulk.n = n;
	quick = true;
	for (i = 0; i < n; i++) {
		struct thread *t = spawn(FIRST + i, 0);
		long r;

		if (kind == BULK_RECEIVERS) {
			make(TALLY_OBJ_REPLY, FIRST + n + i);
			r = u_recv(t, OBJ, FIRST + n + i);
		} else if (kind == BULK_NOTIFY) {
			r = u_recv(t, OBJ, 0);
		} else {
			r = i % 2 ? u_call(t, OBJ, 0, NULL) : u_send(t, OBJ, 0, NULL);
		}
		PROP_ASSERT(r == (long)PENDING);
	}
	quick = false;
	check_all();

	bulk.woken = bulk.most = bulk.issues = bulk.suspended = 0;
	fake_preempt_every = 1;
	check_mid_call = true;
	between_restarts = bulk_between_issues;
	o = obj(OBJ);
	EXPECT_OK(delete(ROOT, OBJ));
	between_restarts = NULL;
	check_mid_call = false;
	fake_preempt_every = 0;
	ck_assert_msg(!mid_call_problem[0], "%s", mid_call_problem);
	bulk_between_issues();
	poison(o, kind == BULK_NOTIFY ? NTFN_BYTES : EP_BYTES);

	/* one waiter per step: as many restarts as waiters woken */
	ck_assert_msg(bulk.most <= 1, "one issue of the delete woke %lu threads", bulk.most);
	ck_assert_uint_eq(bulk.woken + bulk.suspended, n);
	ck_assert_uint_ge(bulk.suspended, 1);
	ck_assert_uint_ge(restarts, bulk.woken - 1);
	ck_assert_uint_le(restarts, bulk.woken + 1);
	for (i = 0, left = 0; i < n; i++) {
		struct thread *t = bulk_thread(i);

		left += t->state >= TALLY_THREAD_BLOCKED_SEND;
		PROP_ASSERT(t->state == (t->regs.error == TALLY_ERR_CANCELLED ?
						 TALLY_THREAD_INACTIVE : TALLY_THREAD_RUNNABLE));
		if (kind == BULK_RECEIVERS)
			PROP_ASSERT(!reply_at(FIRST + n + i)->receiver);
	}
	ck_assert_uint_eq(left, 0);
	check_all();
	ipc_teardown();
}

START_TEST(an_endpoint_with_thousands_of_senders_is_deleted_one_waiter_per_step)
{
	bulk_delete(BULK_SENDERS, 2000);
}
END_TEST

START_TEST(an_endpoint_with_a_thousand_receivers_is_deleted_one_waiter_per_step)
{
	bulk_delete(BULK_RECEIVERS, 1000);
}
END_TEST

START_TEST(a_notification_with_a_thousand_waiters_is_deleted_one_waiter_per_step)
{
	bulk_delete(BULK_NOTIFY, 1000);
}
END_TEST

Suite *
ipc_delete_suite(void)
{
	Suite *s = suite_create("ipc_delete");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_thread_destroyed_in_any_state_leaves_nothing_behind);
	tcase_add_test(tc, a_thread_destroyed_by_its_own_call_is_not_written_to_afterwards);
	tcase_add_test(tc, the_objects_a_blocked_thread_uses_can_change_under_it);
	tcase_add_test(tc, deleting_an_endpoint_wakes_every_queued_thread_with_object_deleted);
	tcase_add_test(tc, deleting_a_notification_wakes_its_waiters_and_unbinds_it);
	tcase_add_test(tc, deleting_a_reply_wakes_whoever_waits_on_it);
	tcase_add_test(tc, rebinding_a_reply_finishes_the_notification_it_let_go);
	tcase_add_test(tc, client_server_and_third_party_complete_in_order);
	tcase_add_test(tc, client_server_and_third_party_every_party_wakes_when_another_goes);
	tcase_add_test(tc, a_long_delete_gives_way_to_the_higher_priority_threads_it_wakes);
	tcase_add_test(tc, an_endpoint_with_thousands_of_senders_is_deleted_one_waiter_per_step);
	tcase_add_test(tc, an_endpoint_with_a_thousand_receivers_is_deleted_one_waiter_per_step);
	tcase_add_test(tc, a_notification_with_a_thousand_waiters_is_deleted_one_waiter_per_step);
	suite_add_tcase(s, tc);
	return s;
}
