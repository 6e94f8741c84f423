/*
 * IPC through real system calls (ipc_fixture.c): send, call, receive,
 * reply and reply-and-receive on endpoints and Reply objects, message
 * words in registers and IPC buffers, capability transfer, notifications
 * (signal, wait, poll, bound), faults sent to a fault endpoint, and the
 * scheduler's choices after a wake. Every invariant is checked after every
 * call. Destruction is in test_ipc_delete.c, argument errors in test_tcb.c.
 */
#include "ipc_fixture.h"
#include <string.h>

#define F SLOT_FREE
#define RW (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE)

static void
expect_words(const struct thread *t, const uint64_t *w, unsigned n)
{
	unsigned i;

	for (i = 0; i < TALLY_MSG_REGS; i++)
		ck_assert_msg(got_mr(t, i) == (i < n ? w[i] : 0),
			      "thread '%s' MR%u: expected %#lx, got %#lx", t->name, i,
			      (unsigned long)(i < n ? w[i] : 0), (unsigned long)got_mr(t, i));
}

/* ---- endpoints ---- */

START_TEST(send_waits_for_a_receiver_which_gets_badge_label_and_words)
{
	const unsigned long EP = F, EPB = F + 1, R = F + 2;
	const uint64_t w[6] = { 1, 2, 3, 4, 5, 6 };
	struct thread *a, *b;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	EXPECT_OK(mint(ROOT, EPB, EP, TALLY_RIGHT_WRITE, 0x42));
	make(TALLY_OBJ_REPLY, R);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	ck_assert_int_eq(u_send(a, EPB, tally_msginfo(7, 6, 0), w), PENDING);
	EXPECT_THREAD(a, TALLY_THREAD_BLOCKED_SEND, PENDING);
	ck_assert_ptr_eq(ep_at(EP)->queue.head, a);
	ck_assert_uint_eq(ep_at(EP)->state, EP_SEND);
	ck_assert_ptr_eq(ran, b);

	ck_assert_int_eq(u_recv(b, EP, R), TALLY_OK);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_badge(b), 0x42);
	ck_assert_uint_eq(got_info(b), tally_msginfo(7, 6, 0));
	expect_words(b, w, 6);
	ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
	ck_assert_ptr_null(reply_at(R)->caller);   /* a send is not a call */
	ck_assert_ptr_null(reply_at(R)->receiver);
	ipc_teardown();
}
END_TEST

START_TEST(receive_waits_for_a_sender_and_any_label_passes)
{
	const unsigned long EP = F, R = F + 1;
	const uint64_t label = (1ul << 52) - 1;
	struct thread *a, *b;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	EXPECT_THREAD(b, TALLY_THREAD_BLOCKED_RECV, PENDING);
	ck_assert_ptr_eq(reply_at(R)->receiver, b);
	ck_assert_uint_eq(ep_at(EP)->state, EP_RECV);

	ck_assert_int_eq(u_send(a, EP, tally_msginfo(label, 1, 0), MSG(0xabc)), TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_badge(b), 0);
	ck_assert_uint_eq(tally_msginfo_label(got_info(b)), label);
	ck_assert_uint_eq(tally_msginfo_length(got_info(b)), 1);
	ck_assert_uint_eq(got_mr(b, 0), 0xabc);
	ck_assert_ptr_null(reply_at(R)->receiver);
	ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
	ipc_teardown();
}
END_TEST

/*
 * MR0..MR5 are registers the sender may use for anything: the words past
 * the message's length are its own, not the receiver's to read. The
 * receiver's registers past the length keep what it had in them (here the
 * receiver's start with 0).
 */
START_TEST(words_past_the_message_length_do_not_reach_the_receiver)
{
	const unsigned long EP = F, R = F + 1;
	const uint64_t secret[6] = { 1, 2, 0x5ec7e7, 0x5ec7e8, 0x5ec7e9, 0x5ec7ea };
	const uint64_t answer[6] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5 };
	struct thread *c, *s;
	unsigned i;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	c = spawn(F + 10, 10);
	s = spawn(F + 11, 10);
	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_call(c, EP, tally_msginfo(0, 2, 0), secret), PENDING);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	expect_words(s, secret, 2);
	/* the same for the answer: past its one word, the caller keeps its own registers */
	ck_assert_int_eq(u_send(s, R, tally_msginfo(0, 1, 0), answer), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(c, 0), answer[0]);
	for (i = 1; i < TALLY_MSG_REGS; i++)
		ck_assert_uint_eq(got_mr(c, i), secret[i]);
	ipc_teardown();
}
END_TEST

START_TEST(long_messages_go_through_ipc_buffers_and_are_cut_without_one)
{
	const unsigned long EP = F, R = F + 1;
	struct tally_ipc_buffer *abuf, *bbuf;
	struct thread *a, *b, *nobuf;
	unsigned i;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	nobuf = spawn(F + 12, 10);
	abuf = give_buffer(F + 10, F + 20);
	bbuf = give_buffer(F + 11, F + 21);
	for (i = TALLY_MSG_REGS; i < TALLY_MSG_MAX; i++)
		abuf->mr[i] = 1000 + i;

	/* the whole message, buffer to buffer */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(9, TALLY_MSG_MAX, 0), MSG(0, 1, 2, 3, 4, 5)),
			 TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(9, TALLY_MSG_MAX, 0));
	expect_words(b, MSG(0, 1, 2, 3, 4, 5), 6);
	for (i = TALLY_MSG_REGS; i < TALLY_MSG_MAX; i++)
		ck_assert_uint_eq(bbuf->mr[i], 1000 + i);

	/* a receiver without a buffer gets the registers and the truncated flag */
	ck_assert_int_eq(u_recv(nobuf, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(9, 50, 0), MSG(7, 7, 7, 7, 7, 7)), TALLY_OK);
	EXPECT_THREAD(nobuf, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(nobuf),
			  tally_msginfo(9, TALLY_MSG_REGS, 0) | TALLY_MSGINFO_TRUNCATED);
	expect_words(nobuf, MSG(7, 7, 7, 7, 7, 7), 6);

	/* the sender needs a buffer for more than six words; at most 120 words, one capability */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_send(nobuf, EP, tally_msginfo(0, 7, 0), NULL),
			 TALLY_ERR_INVALID_ARGUMENT);
	EXPECT_DETAIL(nobuf, TALLY_ERR_INVALID_ARGUMENT, 1, tally_msginfo(0, 7, 0));
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, TALLY_MSG_MAX + 1, 0), NULL),
			 TALLY_ERR_RANGE);
	EXPECT_DETAIL(a, TALLY_ERR_RANGE, 1, tally_msginfo(0, TALLY_MSG_MAX + 1, 0));
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, 1, 2), NULL), TALLY_ERR_RANGE);
	EXPECT_THREAD(b, TALLY_THREAD_BLOCKED_RECV, PENDING);   /* nothing arrived */

	/* a call's answer goes through the buffers too */
	ck_assert_int_eq(u_call(a, EP, tally_msginfo(1, 0, 0), NULL), PENDING);
	EXPECT_THREAD(a, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	for (i = TALLY_MSG_REGS; i < 20; i++)
		bbuf->mr[i] = 2000 + i;
	ck_assert_int_eq(u_send(b, R, tally_msginfo(2, 20, 0), NULL), TALLY_OK);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(a), tally_msginfo(2, 20, 0));
	for (i = TALLY_MSG_REGS; i < 20; i++)
		ck_assert_uint_eq(abuf->mr[i], 2000 + i);
	ipc_teardown();
}
END_TEST

START_TEST(threads_sharing_one_ipc_buffer_can_exchange_long_messages)
{
	const unsigned long EP = F, R = F + 1, FRAME = F + 20;
	struct tally_ipc_buffer *buf;
	struct thread *a, *b;
	unsigned i;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	buf = give_buffer(F + 10, FRAME);
	EXPECT_OK(configure(F + 11, ROOT, FRAME, 0x200400, 0));
	ck_assert_ptr_eq(thread_ipc_buffer(b), buf);
	for (i = TALLY_MSG_REGS; i < 30; i++)
		buf->mr[i] = 3000 + i;
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, 30, 0), NULL), TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(tally_msginfo_length(got_info(b)), 30);
	for (i = TALLY_MSG_REGS; i < 30; i++)
		ck_assert_uint_eq(buf->mr[i], 3000 + i);
	ipc_teardown();
}
END_TEST

START_TEST(capabilities_travel_only_through_a_capability_with_grant)
{
	const unsigned long EP = F, EPNG = F + 1, R = F + 2, X = F + 3, Y = F + 4;
	const unsigned long RECV1 = F + 30, RECV2 = F + 31;
	struct tally_ipc_buffer *abuf, *bbuf;
	struct thread *a, *b, *nobuf;
	unsigned long caps;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	EXPECT_OK(copy(ROOT, EPNG, EP, RW));
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_NOTIFICATION, X);
	make(TALLY_OBJ_NOTIFICATION, Y);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	nobuf = spawn(F + 12, 10);
	abuf = give_buffer(F + 10, F + 20);
	bbuf = give_buffer(F + 11, F + 21);
	abuf->cap = X;
	bbuf->recv_slot = RECV1;
	caps = checked().caps;

	/* without GRANT the send fails and nothing moves */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EPNG, tally_msginfo(0, 0, 1), NULL),
			 TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_DETAIL(a, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_GRANT);
	EXPECT_THREAD(b, TALLY_THREAD_BLOCKED_RECV, PENDING);
	ck_assert(cte_empty(slot_at(RECV1)));

	/* with GRANT the receiver gets a copy in the slot it named */
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(5, 1, 1), MSG(9)), TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(5, 1, 1));
	ck_assert_int_eq(cap_type(&slot_at(RECV1)->cap), TALLY_OBJ_NOTIFICATION);
	ck_assert(cap_same_object(&slot_at(RECV1)->cap, &slot_at(X)->cap));
	ck_assert(!cap_is_original(&slot_at(RECV1)->cap));
	ck_assert_ptr_eq(cdt_parent(slot_at(RECV1)), slot_at(X));
	ck_assert_uint_eq(checked().caps, caps + 1);

	/* undeliverable: the message arrives, the capability is dropped (count 0) */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);      /* its slot is taken now */
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(5, 1, 1), MSG(9)), TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(5, 1, 0));
	bbuf->recv_slot = 0;                              /* it asked for none */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(5, 1, 1), MSG(9)), TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(5, 1, 0));
	bbuf->recv_slot = RECV2;
	abuf->cap = R;                                    /* a Reply cannot be copied */
	ck_assert_int_eq(u_recv(b, EP, R + 100), TALLY_ERR_LOOKUP_FAILED);
	make(TALLY_OBJ_REPLY, R + 100);
	ck_assert_int_eq(u_recv(b, EP, R + 100), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(5, 1, 1), MSG(9)), TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(5, 1, 0));
	abuf->cap = F + 99;                               /* an empty slot */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(5, 1, 1), MSG(9)), TALLY_OK);
	ck_assert_uint_eq(got_info(b), tally_msginfo(5, 1, 0));
	abuf->cap = X;                                    /* a receiver without a buffer */
	ck_assert_int_eq(u_recv(nobuf, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(5, 1, 1), MSG(9)), TALLY_OK);
	ck_assert_uint_eq(got_info(nobuf), tally_msginfo(5, 1, 0));
	ck_assert(cte_empty(slot_at(RECV2)));
	ck_assert_uint_eq(checked().caps, caps + 2);      /* RECV1 and the second Reply */

	/* an answer carries a capability only to a caller that called with GRANT */
	bbuf->cap = Y;
	abuf->recv_slot = RECV2;
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_call(a, EPNG, tally_msginfo(0, 0, 0), NULL), PENDING);
	ck_assert_int_eq(u_send(b, R, tally_msginfo(0, 0, 1), NULL), TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_THREAD(a, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_int_eq(u_send(b, R, tally_msginfo(0, 0, 0), NULL), TALLY_OK);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_call(a, EP, tally_msginfo(0, 0, 0), NULL), PENDING);
	ck_assert_int_eq(u_send(b, R, tally_msginfo(0, 0, 1), NULL), TALLY_OK);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(a), tally_msginfo(0, 0, 1));
	ck_assert(cap_same_object(&slot_at(RECV2)->cap, &slot_at(Y)->cap));
	ipc_teardown();
}
END_TEST

START_TEST(nonblocking_send_and_receive_return_would_block_and_change_nothing)
{
	const unsigned long EP = F, R = F + 1, R2 = F + 2;
	struct thread *a, *b, *c;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_REPLY, R2);
	a = spawn(F + 10, 10);
	b = spawn(F + 11, 10);
	c = spawn(F + 12, 10);
	ck_assert_int_eq(u_nbsend(a, EP, tally_msginfo(0, 1, 0), MSG(1)), TALLY_ERR_WOULD_BLOCK);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_ERR_WOULD_BLOCK);
	ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
	ck_assert_int_eq(u_nbrecv(b, EP, R), TALLY_ERR_WOULD_BLOCK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_ERR_WOULD_BLOCK);
	ck_assert_ptr_null(reply_at(R)->receiver);
	ck_assert_ptr_null(ep_at(EP)->queue.head);

	/* with a partner waiting they do not block anyway */
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_nbsend(a, EP, tally_msginfo(0, 1, 0), MSG(5)), TALLY_OK);
	EXPECT_THREAD(b, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(b, 0), 5);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, 1, 0), MSG(6)), PENDING);
	ck_assert_int_eq(u_nbrecv(b, EP, R), TALLY_OK);
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(b, 0), 6);

	/* a queue of the same side: still would block */
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, 1, 0), MSG(7)), PENDING);
	ck_assert_int_eq(u_nbsend(c, EP, tally_msginfo(0, 1, 0), MSG(8)), TALLY_ERR_WOULD_BLOCK);
	ck_assert_ptr_eq(ep_at(EP)->queue.tail, a);
	ck_assert_int_eq(u_recv(b, EP, R), TALLY_OK);
	ck_assert_int_eq(u_recv(b, EP, R), PENDING);
	ck_assert_int_eq(u_nbrecv(c, EP, R2), TALLY_ERR_WOULD_BLOCK);
	ck_assert_ptr_null(reply_at(R2)->receiver);
	ck_assert_ptr_eq(ep_at(EP)->queue.tail, b);
	ipc_teardown();
}
END_TEST

START_TEST(a_call_links_the_caller_to_the_reply_and_the_answer_consumes_it)
{
	const unsigned long EP = F, EPB = F + 1, R = F + 2, EPRO = F + 3;
	struct thread *c, *s;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	EXPECT_OK(mint(ROOT, EPB, EP, TALLY_RIGHT_WRITE, 5));
	EXPECT_OK(copy(ROOT, EPRO, EP, TALLY_RIGHT_READ));
	make(TALLY_OBJ_REPLY, R);
	c = spawn(F + 10, 10);
	s = spawn(F + 11, 10);

	/* the server waits first: the caller switches to it directly */
	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_call(c, EPB, tally_msginfo(3, 2, 0), MSG(10, 20)), PENDING);
	EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_ptr_eq(ran, s);
	ck_assert_ptr_eq(reply_at(R)->caller, c);
	ck_assert_ptr_eq(c->reply, reply_at(R));
	ck_assert_uint_eq(got_badge(s), 5);
	ck_assert_uint_eq(got_info(s), tally_msginfo(3, 2, 0));
	expect_words(s, MSG(10, 20), 2);

	ck_assert_int_eq(u_send(s, R, tally_msginfo(4, 3, 0), MSG(7, 8, 9)), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_badge(c), 0);
	ck_assert_uint_eq(got_info(c), tally_msginfo(4, 3, 0));
	expect_words(c, MSG(7, 8, 9), 3);
	ck_assert_ptr_null(reply_at(R)->caller);
	ck_assert_ptr_null(c->reply);
	/* consumed: a second answer has nobody to go to */
	ck_assert_int_eq(u_send(s, R, tally_msginfo(4, 0, 0), NULL), TALLY_ERR_INVALID_ARGUMENT);
	EXPECT_DETAIL(s, TALLY_ERR_INVALID_ARGUMENT, 0, 0);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);

	/* the caller queues first; NBSEND answers as well */
	ck_assert_int_eq(u_call(c, EP, tally_msginfo(1, 0, 0), NULL), PENDING);
	EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_SEND, PENDING);
	ck_assert_int_eq(u_recv(s, EP, R), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_ptr_eq(reply_at(R)->caller, c);
	ck_assert_int_eq(u_nbsend(s, R, tally_msginfo(2, 0, 0), NULL), TALLY_OK);
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(tally_msginfo_label(got_info(c)), 2);

	/* calling needs WRITE, receiving READ */
	ck_assert_int_eq(u_call(c, EPRO, 0, NULL), TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_DETAIL(c, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE);
	ck_assert_int_eq(u_recv(s, EPB, R), TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_DETAIL(s, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ);
	ipc_teardown();
}
END_TEST

START_TEST(reply_recv_answers_and_takes_the_next_caller)
{
	const unsigned long EP = F, R = F + 1, R2 = F + 2, N = F + 3;
	struct thread *c1, *c2, *s, *s2;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_REPLY, R2);
	make(TALLY_OBJ_NOTIFICATION, N);
	c1 = spawn(F + 10, 10);
	c2 = spawn(F + 11, 10);
	s = spawn(F + 12, 10);
	s2 = spawn(F + 13, 10);
	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_call(c1, EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
	ck_assert_int_eq(u_call(c2, EP, tally_msginfo(0, 1, 0), MSG(2)), PENDING);
	EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_SEND, PENDING);

	/* answer c1, and c2's call is there already */
	ck_assert_int_eq(u_reply_recv(s, EP, R, tally_msginfo(0, 1, 0), MSG(101)), TALLY_OK);
	EXPECT_THREAD(c1, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(c1, 0), 101);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(s, 0), 2);
	EXPECT_THREAD(c2, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_ptr_eq(reply_at(R)->caller, c2);

	/* answer c2 and wait */
	ck_assert_int_eq(u_reply_recv(s, EP, R, tally_msginfo(0, 1, 0), MSG(102)), PENDING);
	EXPECT_THREAD(c2, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_mr(c2, 0), 102);
	EXPECT_THREAD(s, TALLY_THREAD_BLOCKED_RECV, PENDING);
	ck_assert_ptr_eq(reply_at(R)->receiver, s);

	/* a Reply that holds no call: the reply fails and no receive happens */
	ck_assert_int_eq(u_reply_recv(s2, EP, R2, 0, NULL), TALLY_ERR_INVALID_ARGUMENT);
	EXPECT_THREAD(s2, TALLY_THREAD_RUNNABLE, TALLY_ERR_INVALID_ARGUMENT);
	ck_assert_ptr_null(reply_at(R2)->receiver);
	/* only on an endpoint */
	ck_assert_int_eq(u_reply_recv(s2, N, R2, 0, NULL), TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_DETAIL(s2, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_NOTIFICATION);
	ipc_teardown();
}
END_TEST

START_TEST(a_reply_in_use_cannot_receive_again)
{
	const unsigned long EP = F, EP2 = F + 1, R = F + 2;
	struct thread *c, *s1, *s2;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_ENDPOINT, EP2);
	make(TALLY_OBJ_REPLY, R);
	c = spawn(F + 10, 10);
	s1 = spawn(F + 11, 10);
	s2 = spawn(F + 12, 10);
	ck_assert_int_eq(u_recv(s1, EP, R), PENDING);
	ck_assert_int_eq(u_recv(s2, EP2, R), TALLY_ERR_BUSY);
	EXPECT_DETAIL(s2, TALLY_ERR_BUSY, 8, 0);
	ck_assert_uint_eq(ep_at(EP2)->state, EP_IDLE);
	ck_assert_ptr_eq(reply_at(R)->receiver, s1);

	ck_assert_int_eq(u_call(c, EP, 0, NULL), PENDING);
	ck_assert_ptr_eq(reply_at(R)->caller, c);
	ck_assert_int_eq(u_recv(s1, EP, R), TALLY_ERR_BUSY);
	ck_assert_int_eq(u_nbrecv(s2, EP2, R), TALLY_ERR_BUSY);
	ck_assert_int_eq(u_reply_recv(s2, EP2, R, 0, NULL), PENDING);   /* answers c, then waits */
	EXPECT_THREAD(c, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_ptr_eq(reply_at(R)->receiver, s2);
	ipc_teardown();
}
END_TEST

/*
 * The error record says how the thread's last failed call ended, also when
 * the failure came while it waited (OBJECT_DELETED, DEAD_PEER, CANCELLED)
 * and for a send that would have blocked, as it does for a receive.
 */
START_TEST(the_error_record_names_the_error_a_call_ended_with)
{
	const unsigned long EP = F, R = F + 1, N = F + 2, EMPTY = F + 50;
	struct thread *a, *s;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_NOTIFICATION, N);
	a = spawn(F + 10, 10);
	s = spawn(F + 11, 10);

	ck_assert_int_eq(u_send(a, EMPTY, 0, NULL), TALLY_ERR_LOOKUP_FAILED);
	ck_assert_int_eq(u_nbsend(a, EP, 0, NULL), TALLY_ERR_WOULD_BLOCK);
	EXPECT_DETAIL(a, TALLY_ERR_WOULD_BLOCK, 0, 0);
	ck_assert_int_eq(u_nbrecv(a, EP, R), TALLY_ERR_WOULD_BLOCK);
	EXPECT_DETAIL(a, TALLY_ERR_WOULD_BLOCK, 0, 0);

	/* woken with an error */
	ck_assert_int_eq(u_send(a, EMPTY, 0, NULL), TALLY_ERR_LOOKUP_FAILED);
	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_call(a, EP, 0, NULL), PENDING);
	EXPECT_OK(delete(ROOT, R));
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	EXPECT_DETAIL(a, TALLY_ERR_DEAD_PEER, 0, 0);
	ck_assert_int_eq(u_recv(a, N, 0), PENDING);
	EXPECT_OK(INV(F + 10, TALLY_TCB_SUSPEND));
	EXPECT_THREAD(a, TALLY_THREAD_INACTIVE, TALLY_ERR_CANCELLED);
	EXPECT_DETAIL(a, TALLY_ERR_CANCELLED, 0, 0);
	EXPECT_OK(INV(F + 10, TALLY_TCB_RESUME));
	ck_assert_int_eq(u_send(a, EP, 0, NULL), PENDING);
	EXPECT_OK(delete(ROOT, EP));
	EXPECT_THREAD(a, TALLY_THREAD_RUNNABLE, TALLY_ERR_OBJECT_DELETED);
	EXPECT_DETAIL(a, TALLY_ERR_OBJECT_DELETED, 0, 0);
	ipc_teardown();
}
END_TEST

/* ---- notifications ---- */

START_TEST(notifications_or_badges_and_wait_takes_the_word)
{
	const unsigned long N = F, NB1 = F + 1, NB4 = F + 2, NR = F + 3, R = F + 4;
	struct thread *a, *w1, *w2;

	ipc_setup();
	make(TALLY_OBJ_NOTIFICATION, N);
	EXPECT_OK(mint(ROOT, NB1, N, TALLY_RIGHT_WRITE, 0x1));
	EXPECT_OK(mint(ROOT, NB4, N, TALLY_RIGHT_WRITE, 0x4));
	EXPECT_OK(copy(ROOT, NR, N, TALLY_RIGHT_READ));
	make(TALLY_OBJ_REPLY, R);
	a = spawn(F + 10, 10);
	w1 = spawn(F + 11, 10);
	w2 = spawn(F + 12, 10);

	ck_assert_int_eq(u_send(a, NB1, 0, NULL), TALLY_OK);
	ck_assert_int_eq(u_nbsend(a, NB4, 0, NULL), TALLY_OK);
	ck_assert_uint_eq(ntfn_at(N)->word, 5);
	ck_assert_int_eq(u_recv(w1, NR, 0), TALLY_OK);
	ck_assert_uint_eq(got_badge(w1), 5);
	ck_assert_uint_eq(got_info(w1), 0);
	ck_assert_uint_eq(ntfn_at(N)->word, 0);

	/* nothing pending: wait blocks, poll would block */
	ck_assert_int_eq(u_nbrecv(w1, NR, 0), TALLY_ERR_WOULD_BLOCK);
	ck_assert_int_eq(u_recv(w1, NR, R), PENDING);   /* a Reply is not needed, nor looked at */
	ck_assert_int_eq(u_recv(w2, N, 0), PENDING);
	EXPECT_THREAD(w1, TALLY_THREAD_BLOCKED_NOTIFY, PENDING);
	/* one signal wakes one waiter, first come first served */
	ck_assert_int_eq(u_send(a, NB4, 0, NULL), TALLY_OK);
	EXPECT_THREAD(w1, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_badge(w1), 4);
	EXPECT_THREAD(w2, TALLY_THREAD_BLOCKED_NOTIFY, PENDING);
	ck_assert_uint_eq(ntfn_at(N)->word, 0);
	/* an unbadged capability signals bit 0 */
	ck_assert_int_eq(u_send(a, N, 0, NULL), TALLY_OK);
	EXPECT_THREAD(w2, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_badge(w2), 1);
	ck_assert_int_eq(u_send(a, N, 0, NULL), TALLY_OK);
	ck_assert_int_eq(u_nbrecv(w2, N, 0), TALLY_OK);
	ck_assert_uint_eq(got_badge(w2), 1);

	/* signal needs WRITE, wait READ; notifications take no calls */
	ck_assert_int_eq(u_send(a, NR, 0, NULL), TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_DETAIL(a, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_NOTIFICATION);
	ck_assert_int_eq(u_recv(a, NB1, 0), TALLY_ERR_INVALID_CAPABILITY);
	EXPECT_DETAIL(a, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ);
	ck_assert_int_eq(u_call(a, N, 0, NULL), TALLY_ERR_INVALID_CAPABILITY);
	ck_assert_uint_eq(ntfn_at(N)->word, 0);
	ipc_teardown();
}
END_TEST

START_TEST(a_bound_notification_ends_an_endpoint_wait)
{
	const unsigned long EP = F, R = F + 1, N = F + 2, NB8 = F + 3, N2 = F + 4, N3 = F + 5;
	struct thread *s, *a, *w;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_NOTIFICATION, N);
	EXPECT_OK(mint(ROOT, NB8, N, TALLY_RIGHT_WRITE, 0x8));
	make(TALLY_OBJ_NOTIFICATION, N2);
	make(TALLY_OBJ_NOTIFICATION, N3);
	s = spawn(F + 10, 10);
	a = spawn(F + 11, 10);
	w = spawn(F + 12, 10);
	EXPECT_OK(INV(F + 10, TALLY_TCB_BIND_NOTIFICATION, N));
	ck_assert_ptr_eq(s->bound, ntfn_at(N));
	ck_assert_ptr_eq(ntfn_at(N)->bound, s);

	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, NB8, 0, NULL), TALLY_OK);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_badge(s), 8);
	ck_assert_uint_eq(got_info(s), TALLY_MSGINFO_NOTIFY);
	ck_assert_ptr_null(reply_at(R)->receiver);
	ck_assert_uint_eq(ep_at(EP)->state, EP_IDLE);
	ck_assert_uint_eq(ntfn_at(N)->word, 0);

	/* bits pending when the receive starts: it returns at once */
	ck_assert_int_eq(u_send(a, NB8, 0, NULL), TALLY_OK);
	ck_assert_uint_eq(ntfn_at(N)->word, 8);
	ck_assert_int_eq(u_recv(s, EP, R), TALLY_OK);
	ck_assert_uint_eq(got_info(s), TALLY_MSGINFO_NOTIFY);
	ck_assert_uint_eq(got_badge(s), 8);
	ck_assert_int_eq(u_nbrecv(s, EP, R), TALLY_ERR_WOULD_BLOCK);

	/* messages still arrive as usual */
	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, EP, tally_msginfo(0, 1, 0), MSG(3)), TALLY_OK);
	ck_assert_uint_eq(got_info(s), tally_msginfo(0, 1, 0));

	/* only the bound thread may wait on it, and it may */
	ck_assert_int_eq(u_recv(w, N, 0), TALLY_ERR_BUSY);
	ck_assert_int_eq(u_recv(s, N, 0), PENDING);
	ck_assert_int_eq(u_send(a, NB8, 0, NULL), TALLY_OK);
	EXPECT_THREAD(s, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_uint_eq(got_info(s), 0);

	/* one binding each way, none over waiters */
	EXPECT_ERROR(INV(F + 12, TALLY_TCB_BIND_NOTIFICATION, N), TALLY_ERR_BUSY, 1, N, 0);
	EXPECT_ERROR(INV(F + 10, TALLY_TCB_BIND_NOTIFICATION, N2), TALLY_ERR_BUSY, 1, N2, 0);
	ck_assert_int_eq(u_recv(w, N3, 0), PENDING);
	EXPECT_ERROR(INV(F + 11, TALLY_TCB_BIND_NOTIFICATION, N3), TALLY_ERR_BUSY, 1, N3, 0);
	ck_assert_ptr_null(a->bound);

	/* unbound: a signal no longer ends the wait */
	EXPECT_OK(INV(F + 10, TALLY_TCB_BIND_NOTIFICATION, 0));
	ck_assert_ptr_null(s->bound);
	ck_assert_ptr_null(ntfn_at(N)->bound);
	ck_assert_int_eq(u_recv(s, EP, R), PENDING);
	ck_assert_int_eq(u_send(a, NB8, 0, NULL), TALLY_OK);
	EXPECT_THREAD(s, TALLY_THREAD_BLOCKED_RECV, PENDING);
	ck_assert_uint_eq(ntfn_at(N)->word, 8);
	EXPECT_OK(INV(F + 11, TALLY_TCB_BIND_NOTIFICATION, N));   /* free for another */
	ipc_teardown();
}
END_TEST

/* ---- faults ---- */

START_TEST(a_fault_is_a_call_to_the_fault_endpoint_and_the_answer_resumes_or_stops)
{
	const unsigned long FEP = F, FEPB = F + 1, R = F + 2;
	struct thread *h, *t, *lone;
	uint64_t pc;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, FEP);
	EXPECT_OK(mint(ROOT, FEPB, FEP, TALLY_RIGHT_WRITE, 0xf));
	make(TALLY_OBJ_REPLY, R);
	h = spawn(F + 10, 10);
	t = spawn(F + 11, 10);
	lone = spawn(F + 12, 10);
	EXPECT_OK(configure(F + 11, ROOT, 0, 0, FEPB));
	pc = t->regs.pc;

	ck_assert_int_eq(u_recv(h, FEP, R), PENDING);
	ck_assert_int_eq(sys(t, 999, 0, 0, NULL, 0), PENDING);
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	EXPECT_THREAD(h, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ck_assert_ptr_eq(ran, h);
	ck_assert_uint_eq(got_badge(h), 0xf);
	ck_assert_uint_eq(got_info(h), tally_msginfo(TALLY_LABEL_FAULT, TALLY_FAULT_MSG_WORDS, 0));
	expect_words(h, MSG(TALLY_FAULT_BAD_SYSCALL, 0, pc, 999), 4);
	ck_assert_int_eq(t->fault.cause, TALLY_FAULT_BAD_SYSCALL);

	/* label 0: resume at the same pc, no result written */
	ck_assert_int_eq(u_send(h, R, tally_msginfo(0, 0, 0), NULL), TALLY_OK);
	EXPECT_THREAD(t, TALLY_THREAD_RUNNABLE, PENDING);
	ck_assert_int_eq(t->fault.cause, TALLY_FAULT_NONE);
	ck_assert_uint_eq(t->regs.pc, pc);

	/* no handler waiting: the fault queues; any other label stops the thread */
	ck_assert_int_eq(sys(t, 998, 0, 0, NULL, 0), PENDING);
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_SEND, PENDING);
	ck_assert_uint_eq(t->ipc_flags & IPC_FAULT, IPC_FAULT);
	ck_assert_int_eq(u_recv(h, FEP, R), TALLY_OK);
	ck_assert_uint_eq(got_mr(h, 3), 998);
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_int_eq(u_send(h, R, tally_msginfo(1, 0, 0), NULL), TALLY_OK);
	EXPECT_THREAD(t, TALLY_THREAD_FAULTED, PENDING);
	ck_assert_int_eq(t->fault.cause, TALLY_FAULT_BAD_SYSCALL);
	ck_assert_uint_eq(t->fault.code, 998);
	ck_assert_ptr_nonnull(strstr(fake_console, "bad system call"));

	/* without a fault endpoint the thread stops at once; resume restarts it */
	ck_assert_int_eq(sys(lone, 997, 0, 0, NULL, 0), PENDING);
	EXPECT_THREAD(lone, TALLY_THREAD_FAULTED, PENDING);
	EXPECT_OK(INV(F + 12, TALLY_TCB_INFO));
	ck_assert_uint_eq(mr[0], TALLY_THREAD_FAULTED);
	ck_assert_uint_eq(mr[1], TALLY_FAULT_BAD_SYSCALL);
	ck_assert_uint_eq(mr[3], lone->regs.pc);
	ck_assert_uint_eq(mr[4], 997);
	ck_assert_uint_eq(mr[5], 10);
	EXPECT_OK(INV(F + 12, TALLY_TCB_RESUME));
	EXPECT_THREAD(lone, TALLY_THREAD_RUNNABLE, PENDING);
	ck_assert_int_eq(lone->fault.cause, TALLY_FAULT_NONE);
	EXPECT_OK(INV(F + 11, TALLY_TCB_RESUME));
	ck_assert_int_eq(t->state, TALLY_THREAD_RUNNABLE);
	ipc_teardown();
}
END_TEST

/*
 * A thread with a fault handler reports its EXIT there as a fault
 * (TALLY_FAULT_EXIT, the status as the code) and ends, silently, whatever
 * the answer; when the handler goes away first, it ends all the same.
 */
START_TEST(an_exit_is_reported_to_the_fault_handler_and_ends_the_thread)
{
	const unsigned long FEP = F, FEPB = F + 1, R = F + 2;
	struct thread *h, *t;
	uint64_t pc, restarts;
	size_t console;

	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, FEP);
	EXPECT_OK(mint(ROOT, FEPB, FEP, TALLY_RIGHT_WRITE, 0xe));
	make(TALLY_OBJ_REPLY, R);
	h = spawn(F + 10, 10);
	t = spawn(F + 11, 10);
	EXPECT_OK(configure(F + 11, ROOT, 0, 0, FEPB));
	pc = t->regs.pc;
	restarts = t->regs.restarts;
	console = fake_console_len;

	ck_assert_int_eq(u_recv(h, FEP, R), PENDING);
	ck_assert_int_eq(sys(t, TALLY_SYS_EXIT, 7, 0, NULL, 0), PENDING);
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_REPLY, PENDING);
	ck_assert_uint_eq(got_badge(h), 0xe);
	ck_assert_uint_eq(got_info(h), tally_msginfo(TALLY_LABEL_FAULT, TALLY_FAULT_MSG_WORDS, 0));
	expect_words(h, MSG(TALLY_FAULT_EXIT, 0, pc, 7), 4);
	/* resumed before the answer, it would issue EXIT again */
	ck_assert_uint_eq(t->regs.restarts, restarts + 1);

	/* label 0 does not resume an exit: the thread has ended */
	ck_assert_int_eq(u_send(h, R, tally_msginfo(0, 0, 0), NULL), TALLY_OK);
	EXPECT_THREAD(t, TALLY_THREAD_EXITED, PENDING);
	ck_assert(!t->queued);
	EXPECT_OK(INV(F + 11, TALLY_TCB_INFO));
	ck_assert_uint_eq(mr[0], TALLY_THREAD_EXITED);
	ck_assert_uint_eq(mr[1], TALLY_FAULT_EXIT);
	ck_assert_uint_eq(mr[4], 7);
	ck_assert_uint_eq(fake_console_len, console);

	/* resumed, it exits again; its handler's endpoint goes before anyone receives */
	EXPECT_OK(INV(F + 11, TALLY_TCB_RESUME));
	ck_assert_int_eq(sys(t, TALLY_SYS_EXIT, 8, 0, NULL, 0), PENDING);
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_SEND, PENDING);
	EXPECT_OK(delete(ROOT, FEPB));
	EXPECT_OK(delete(ROOT, FEP));
	EXPECT_OK(configure(F + 11, ROOT, 0, 0, 0));   /* its copy was the last one */
	EXPECT_THREAD(t, TALLY_THREAD_EXITED, PENDING);
	ck_assert_uint_eq(t->fault.code, 8);
	ck_assert_uint_eq(fake_console_len, console);

	/* without a handler, EXIT ends the thread at once */
	EXPECT_OK(INV(F + 11, TALLY_TCB_RESUME));
	ck_assert_int_eq(sys(t, TALLY_SYS_EXIT, 9, 0, NULL, 0), PENDING);
	EXPECT_THREAD(t, TALLY_THREAD_EXITED, PENDING);
	ipc_teardown();
}
END_TEST

/* ---- thread states ---- */

START_TEST(exit_suspend_and_resume_move_a_thread_between_states)
{
	const unsigned long T = F + 10;
	struct thread *t;

	ipc_setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_THREAD, 0, ROOT, T, 1));
	t = tcb(T);
	track(t);
	EXPECT_OK(INV(T, TALLY_TCB_INFO));
	ck_assert_uint_eq(mr[0], TALLY_THREAD_INACTIVE);
	EXPECT_OK(configure(T, ROOT, 0, 0, 0));
	EXPECT_OK(INV(T, TALLY_TCB_SUSPEND));            /* inactive stays inactive */
	ck_assert_int_eq(t->state, TALLY_THREAD_INACTIVE);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	ck_assert_int_eq(t->state, TALLY_THREAD_RUNNABLE);
	ck_assert(!t->queued);                            /* no time of its own yet */
	fixture_give_time(t);
	sched_wake(t);
	ck_assert(t->queued);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));             /* running: nothing to do */
	ck_assert_int_eq(t->state, TALLY_THREAD_RUNNABLE);
	check_all();

	sys(t, TALLY_SYS_EXIT, 0, 0, NULL, 0);
	EXPECT_THREAD(t, TALLY_THREAD_EXITED, PENDING);
	ck_assert_ptr_null(ran);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	ck_assert_int_eq(t->state, TALLY_THREAD_RUNNABLE);
	check_all();

	EXPECT_OK(INV(T, TALLY_TCB_SUSPEND));            /* runnable and queued */
	ck_assert_int_eq(t->state, TALLY_THREAD_INACTIVE);
	ck_assert(!t->queued);
	check_all();
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	/* a thread that suspends itself: the call returns OK when it is resumed */
	ck_assert_int_eq(u_invoke(t, T, TALLY_TCB_SUSPEND, NULL), TALLY_OK);
	ck_assert_int_eq(t->state, TALLY_THREAD_INACTIVE);
	ck_assert_ptr_null(ran);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	EXPECT_THREAD(t, TALLY_THREAD_RUNNABLE, TALLY_OK);
	check_all();
	ipc_teardown();
}
END_TEST

/* Bring t (root slot ts) into a blocked state; peers and objects in the fixed slots below. */
enum { K_EP = F, K_R = F + 1, K_N = F + 2, K_FEP = F + 3, K_RN = F + 4, K_RNB = F + 5, K_SRV = F + 20 };

enum blocked_kind {
	IN_SEND, IN_CALL_QUEUED, IN_RECV, IN_REPLY, IN_NOTIFY, IN_FAULT_SEND, IN_FAULT_REPLY,
	BLOCKED_KINDS
};

static const char *const blocked_kind_names[BLOCKED_KINDS] = {
	"send", "queued call", "receive", "waiting for the answer", "notification wait",
	"fault queued", "fault received",
};

/* The server thread at K_SRV receives with Reply K_R when a peer is needed. */
static void
block_in(struct thread *t, unsigned long ts, struct thread *srv, enum blocked_kind k)
{
	switch (k) {
	case IN_SEND:
		ck_assert_int_eq(u_send(t, K_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		break;
	case IN_CALL_QUEUED:
		ck_assert_int_eq(u_call(t, K_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		break;
	case IN_RECV:
		ck_assert_int_eq(u_recv(t, K_EP, K_R), PENDING);
		break;
	case IN_REPLY:
		ck_assert_int_eq(u_recv(srv, K_EP, K_R), PENDING);
		ck_assert_int_eq(u_call(t, K_EP, tally_msginfo(0, 1, 0), MSG(1)), PENDING);
		break;
	case IN_NOTIFY:
		ck_assert_int_eq(u_recv(t, K_N, 0), PENDING);
		break;
	case IN_FAULT_SEND:
		EXPECT_OK(configure(ts, ROOT, 0, 0, K_FEP));
		ck_assert_int_eq(sys(t, 777, 0, 0, NULL, 0), PENDING);
		break;
	case IN_FAULT_REPLY:
		EXPECT_OK(configure(ts, ROOT, 0, 0, K_FEP));
		ck_assert_int_eq(u_recv(srv, K_FEP, K_R), PENDING);
		ck_assert_int_eq(sys(t, 777, 0, 0, NULL, 0), PENDING);
		break;
	default:
		ck_abort();
	}
}

static const unsigned long blocked_state[BLOCKED_KINDS] = {
	[IN_SEND] = TALLY_THREAD_BLOCKED_SEND,
	[IN_CALL_QUEUED] = TALLY_THREAD_BLOCKED_SEND,
	[IN_RECV] = TALLY_THREAD_BLOCKED_RECV,
	[IN_REPLY] = TALLY_THREAD_BLOCKED_REPLY,
	[IN_NOTIFY] = TALLY_THREAD_BLOCKED_NOTIFY,
	[IN_FAULT_SEND] = TALLY_THREAD_BLOCKED_SEND,
	[IN_FAULT_REPLY] = TALLY_THREAD_BLOCKED_REPLY,
};

static void
blocked_fixture(struct thread **t, struct thread **srv)
{
	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, K_EP);
	make(TALLY_OBJ_REPLY, K_R);
	make(TALLY_OBJ_NOTIFICATION, K_N);
	make(TALLY_OBJ_ENDPOINT, K_FEP);
	make(TALLY_OBJ_NOTIFICATION, K_RN);
	EXPECT_OK(mint(ROOT, K_RNB, K_RN, TALLY_RIGHT_WRITE, 0x30));
	EXPECT_OK(INV(K_R, TALLY_REPLY_BIND_NOTIFICATION, K_RNB));
	*srv = spawn(K_SRV, 10);
	*t = spawn(F + 10, 10);
}

/*
 * Suspend in each blocked state: the thread stops with CANCELLED (a fault
 * is not answered: it is raised again on resume), leaves every queue, and a
 * Reply that held it goes stale and signals its notification.
 */
START_TEST(suspend_cancels_every_kind_of_wait)
{
	struct thread *t, *srv;
	unsigned k;

	for (k = 0; k < BLOCKED_KINDS; k++) {
		bool fault = k == IN_FAULT_SEND || k == IN_FAULT_REPLY;
		bool held = k == IN_REPLY || k == IN_FAULT_REPLY;

		blocked_fixture(&t, &srv);
		block_in(t, F + 10, srv, k);
		EXPECT_THREAD(t, blocked_state[k], PENDING);
		EXPECT_OK(INV(F + 10, TALLY_TCB_SUSPEND));
		check_all();
		ck_assert_msg(t->state == TALLY_THREAD_INACTIVE &&
				      t->regs.error == (fault ? PENDING : TALLY_ERR_CANCELLED),
			      "%s: suspended thread is %s with %s", blocked_kind_names[k],
			      state_name(t->state), tally_error_name((long)t->regs.error));
		ck_assert_uint_eq(ep_at(K_EP)->state, EP_IDLE);
		ck_assert_uint_eq(ep_at(K_FEP)->state, EP_IDLE);
		ck_assert_ptr_null(ntfn_at(K_N)->queue.head);
		ck_assert_ptr_null(reply_at(K_R)->caller);
		ck_assert_ptr_null(reply_at(K_R)->receiver);
		ck_assert_msg(reply_at(K_R)->stale == held && ntfn_at(K_RN)->word == (held ? 0x30u : 0),
			      "%s: Reply stale %d, its notification %#lx", blocked_kind_names[k],
			      reply_at(K_R)->stale, (unsigned long)ntfn_at(K_RN)->word);
		if (held) {
			/* the answer finds nobody: DEAD_PEER once, then nothing to answer */
			ck_assert_int_eq(u_send(srv, K_R, tally_msginfo(0, 1, 0), MSG(5)),
					 TALLY_ERR_DEAD_PEER);
			EXPECT_DETAIL(srv, TALLY_ERR_DEAD_PEER, 0, 0);
			ck_assert_int_eq(u_send(srv, K_R, 0, NULL), TALLY_ERR_INVALID_ARGUMENT);
			EXPECT_THREAD(t, TALLY_THREAD_INACTIVE,
				      fault ? PENDING : TALLY_ERR_CANCELLED);
		}
		EXPECT_OK(INV(F + 10, TALLY_TCB_RESUME));
		ck_assert_int_eq(t->state, TALLY_THREAD_RUNNABLE);
		ck_assert_int_eq(t->fault.cause, TALLY_FAULT_NONE);
		check_all();
		ipc_teardown();
	}
}
END_TEST

START_TEST(a_stale_reply_answers_dead_peer_once_and_costs_nothing)
{
	struct tally_ipc_buffer *buf;
	struct thread *t, *srv;
	unsigned long caps;

	blocked_fixture(&t, &srv);
	buf = give_buffer(K_SRV, F + 40);
	buf->cap = K_N;
	block_in(t, F + 10, srv, IN_REPLY);
	EXPECT_OK(INV(F + 10, TALLY_TCB_SUSPEND));
	caps = checked().caps;
	/* a long answer with a capability: nothing is read, copied or delivered */
	ck_assert_int_eq(u_reply_recv(srv, K_EP, K_R, tally_msginfo(1, 60, 1), MSG(1, 2, 3, 4, 5, 6)),
			 TALLY_ERR_DEAD_PEER);
	EXPECT_THREAD(srv, TALLY_THREAD_RUNNABLE, TALLY_ERR_DEAD_PEER);
	expect_words(srv, MSG(1, 2, 3, 4, 5, 6), 6);
	ck_assert_uint_eq(checked().caps, caps);
	ck_assert_uint_eq(ep_at(K_EP)->state, EP_IDLE);   /* it returned at once */
	ck_assert(!reply_at(K_R)->stale);
	/* the Reply serves the next caller as usual */
	ck_assert_int_eq(u_recv(srv, K_EP, K_R), PENDING);
	EXPECT_OK(INV(F + 10, TALLY_TCB_RESUME));
	ck_assert_int_eq(u_call(t, K_EP, 0, NULL), PENDING);
	ck_assert_int_eq(u_send(srv, K_R, 0, NULL), TALLY_OK);
	EXPECT_THREAD(t, TALLY_THREAD_RUNNABLE, TALLY_OK);
	ipc_teardown();
}
END_TEST

/* ---- scheduling ---- */

START_TEST(a_woken_thread_of_higher_priority_runs_first)
{
	const unsigned long N = F, EP = F + 1, R = F + 2;
	struct thread *lo, *mid, *mid2, *hi;

	ipc_setup();
	make(TALLY_OBJ_NOTIFICATION, N);
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_REPLY, R);
	lo = spawn(F + 10, 5);
	mid = spawn(F + 11, 10);
	mid2 = spawn(F + 12, 10);
	hi = spawn(F + 13, 20);

	ck_assert_int_eq(u_recv(hi, N, 0), PENDING);
	ck_assert_ptr_eq(ran, mid);                  /* the highest queued, first come */
	ck_assert_int_eq(u_send(lo, N, 0, NULL), TALLY_OK);
	ck_assert_ptr_eq(ran, hi);                   /* it preempts the signaller */
	ck_assert(lo->queued);

	/* equal or lower priority: the signaller goes on */
	ck_assert_int_eq(u_recv(mid2, N, 0), PENDING);
	ck_assert_int_eq(u_send(mid, N, 0, NULL), TALLY_OK);
	ck_assert_ptr_eq(ran, mid);
	ck_assert_int_eq(u_recv(lo, N, 0), PENDING);
	ck_assert_int_eq(u_send(mid, N, 0, NULL), TALLY_OK);
	ck_assert_ptr_eq(ran, mid);

	/* yield: round robin within a priority */
	ck_assert_int_eq(sys(mid, TALLY_SYS_YIELD, 0, 0, NULL, 0), TALLY_OK);
	ck_assert_ptr_eq(ran, hi);
	ck_assert_int_eq(u_recv(hi, N, 0), PENDING);
	ck_assert_int_eq(sys(mid, TALLY_SYS_YIELD, 0, 0, NULL, 0), TALLY_OK);
	ck_assert_ptr_ne(ran, mid);
	ck_assert_int_eq(ran->prio, 10);
	ck_assert_int_eq(u_send(mid, N, 0, NULL), TALLY_OK);
	ck_assert_ptr_eq(ran, hi);

	/* a call switches straight to a waiting server unless a higher one is queued */
	ck_assert_int_eq(u_recv(lo, EP, R), PENDING);
	ck_assert_int_eq(u_recv(hi, N, 0), PENDING);
	ck_assert_int_eq(u_call(mid, EP, 0, NULL), PENDING);
	ck_assert_ptr_eq(ran, mid2);                 /* lo (5) is queued behind mid2 (10) */
	ck_assert(lo->queued);
	/* the answer to a higher-priority caller preempts the server */
	ck_assert_int_eq(u_send(lo, R, 0, NULL), TALLY_OK);
	ck_assert_ptr_ne(ran, lo);
	ck_assert_int_eq(ran->prio, 10);
	ck_assert_int_eq(u_recv(mid2, EP, R), PENDING);
	ck_assert_int_eq(u_call(mid, EP, 0, NULL), PENDING);
	ck_assert_ptr_eq(ran, mid2);                 /* direct switch, same priority */

	/* priorities: at most the caller's; lowering oneself under a queued thread yields */
	ck_assert_int_eq(u_invoke(lo, F + 12, TALLY_TCB_SET_PRIORITY, MSG(6)),
			 TALLY_ERR_RANGE);
	EXPECT_DETAIL(lo, TALLY_ERR_RANGE, 1, 6);
	ck_assert_int_eq(mid2->prio, 10);
	ck_assert_int_eq(u_send(mid2, R, 0, NULL), TALLY_OK);
	ck_assert_int_eq(u_invoke(mid2, F + 12, TALLY_TCB_SET_PRIORITY, MSG(1)), TALLY_OK);
	ck_assert_ptr_ne(ran, mid2);
	ck_assert_int_eq(mid2->prio, 1);
	ck_assert_int_eq(u_invoke(mid, F + 12, TALLY_TCB_SET_PRIORITY, MSG(10)), TALLY_OK);
	ck_assert_int_eq(u_invoke(mid, F + 10, TALLY_TCB_SET_PRIORITY, MSG(10)), TALLY_OK);
	ck_assert_int_eq(u_invoke(mid, F + 13, TALLY_TCB_SET_PRIORITY, MSG(3)), TALLY_OK);
	EXPECT_OK(INV(F + 13, TALLY_TCB_INFO));
	ck_assert_uint_eq(mr[5], 3);
	ipc_teardown();
}
END_TEST

Suite *
ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, send_waits_for_a_receiver_which_gets_badge_label_and_words);
	tcase_add_test(tc, receive_waits_for_a_sender_and_any_label_passes);
	tcase_add_test(tc, words_past_the_message_length_do_not_reach_the_receiver);
	tcase_add_test(tc, long_messages_go_through_ipc_buffers_and_are_cut_without_one);
	tcase_add_test(tc, threads_sharing_one_ipc_buffer_can_exchange_long_messages);
	tcase_add_test(tc, capabilities_travel_only_through_a_capability_with_grant);
	tcase_add_test(tc, nonblocking_send_and_receive_return_would_block_and_change_nothing);
	tcase_add_test(tc, a_call_links_the_caller_to_the_reply_and_the_answer_consumes_it);
	tcase_add_test(tc, reply_recv_answers_and_takes_the_next_caller);
	tcase_add_test(tc, a_reply_in_use_cannot_receive_again);
	tcase_add_test(tc, the_error_record_names_the_error_a_call_ended_with);
	tcase_add_test(tc, notifications_or_badges_and_wait_takes_the_word);
	tcase_add_test(tc, a_bound_notification_ends_an_endpoint_wait);
	tcase_add_test(tc, a_fault_is_a_call_to_the_fault_endpoint_and_the_answer_resumes_or_stops);
	tcase_add_test(tc, an_exit_is_reported_to_the_fault_handler_and_ends_the_thread);
	tcase_add_test(tc, exit_suspend_and_resume_move_a_thread_between_states);
	tcase_add_test(tc, suspend_cancels_every_kind_of_wait);
	tcase_add_test(tc, a_stale_reply_answers_dead_peer_once_and_costs_nothing);
	tcase_add_test(tc, a_woken_thread_of_higher_priority_runs_first);
	suite_add_tcase(s, tc);
	return s;
}
