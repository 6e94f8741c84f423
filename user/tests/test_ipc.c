/*
 * IPC through real system calls, between threads of the suite's own
 * address space: call and reply with badges and message words, long
 * messages and capabilities through IPC buffers, send-once Reply objects
 * and what happens when a party goes away (DESIGN.md rule 5), notifications,
 * and the destruction of endpoints with threads queued on them.
 */
#include "test.h"
#include <libtally/ipc.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define LABEL_ECHO 0x42

/* Results the helper threads leave for the test (one address space). */
static volatile long result[8];
static volatile unsigned long seen[8];

static unsigned long
pack(unsigned long a, unsigned long b)
{
	return a | b << 16 | 0ul;
}

/* Root buffer page, split: the suite's own buffer first, helper threads after it. */
static struct tally_ipc_buffer *
ipcbuf(unsigned i)
{
	return (struct tally_ipc_buffer *)(TALLY_BOOT_IPC_BUFFER + i * TALLY_IPC_BUFFER_SIZE);
}

/* Echo server: answers each call with MRi + 1, label + 1, and the badge in MR5. */
static void
echo_server(unsigned long arg)
{
	unsigned long ep = arg & 0xffff, reply = arg >> 16;
	struct tally_msg m = { 0 };
	long err = tally_recv(ep, reply, &m);
	unsigned i;

	for (;;) {
		if (err != TALLY_OK) {
			result[0] = err;
			m = (struct tally_msg){ 0 };
			err = tally_recv(ep, reply, &m);
			continue;
		}
		seen[0]++;
		for (i = 0; i < 5; i++)
			m.mr[i]++;
		m.mr[5] = m.badge;
		m.info = tally_msginfo(tally_msginfo_label(m.info) + 1, 6, 0);
		err = tally_reply_recv(ep, reply, &m);
	}
}

TEST(call_and_reply_carry_badge_label_and_six_words)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long badged = test_slot(), srv;
	struct tally_msg m = { 0 };
	unsigned i, round;

	EXPECT_TRUE(ep && reply);
	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, badged, ep, 64, TALLY_RIGHTS_ALL, 0xbad9e));
	srv = test_thread(echo_server, pack(ep, reply), 255);
	EXPECT_TRUE(srv);
	for (round = 0; round < 3; round++) {
		m.info = tally_msginfo(LABEL_ECHO, 6, 0);
		for (i = 0; i < 6; i++)
			m.mr[i] = 100 * round + i;
		EXPECT_ERR(TALLY_OK, tally_call(badged, &m));
		EXPECT_EQ(LABEL_ECHO + 1, tally_msginfo_label(m.info));
		EXPECT_EQ(6, tally_msginfo_length(m.info));
		for (i = 0; i < 5; i++)
			EXPECT_EQ(100 * round + i + 1, m.mr[i]);
		EXPECT_EQ(0xbad9e, m.mr[5]);
	}
	EXPECT_EQ(3, seen[0]);
	test_thread_free(srv);
	test_object_free(badged);
	test_object_free(reply);
	test_object_free(ep);
	seen[0] = 0;
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(nonblocking_send_and_receive_find_nobody)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	struct tally_msg m = { .info = tally_msginfo(1, 2, 0), .mr = { 7, 8 } };

	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_nbsend(ep, &m));
	EXPECT_EQ(7, m.mr[0]);   /* a failed call leaves the registers */
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_nbrecv(ep, reply, &m));
	test_object_free(reply);
	test_object_free(ep);
}

TEST(ipc_calls_reject_bad_capabilities_and_messages)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long ro = test_slot(), ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	struct tally_error_detail d;
	struct tally_msg m = { 0 };

	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, ro, ep, 64, TALLY_RIGHT_READ));
	/* empty slot, wrong types, missing rights */
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_send(test_slot() + 100, &m));
	tally_error_detail(&d);
	EXPECT_EQ(TALLY_LOOKUP_EMPTY_SLOT, d.lookup);
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_send(ROOT, &m));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_nbsend(ro, &m));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_call(ntfn, &m));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_call(reply, &m));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_nbrecv(ep, ep, &m));
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_nbrecv(ep, 0, &m));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_reply_recv(ntfn, reply, &m));
	/* message too long; a capability without GRANT */
	m.info = tally_msginfo(0, TALLY_MSG_MAX + 1, 0);
	EXPECT_ERR(TALLY_ERR_RANGE, tally_nbsend(ep, &m));
	m.info = tally_msginfo(0, 0, 2);
	EXPECT_ERR(TALLY_ERR_RANGE, tally_nbsend(ep, &m));
	m.info = tally_msginfo(0, 0, 1);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, ro));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, ro, ep, 64, TALLY_RIGHT_WRITE));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_nbsend(ro, &m));
	/* a Reply with nothing to answer */
	m.info = 0;
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_reply(reply, &m));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_reply_recv(ep, reply, &m));
	/* a Reply cannot be copied */
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_cnode_copy(ROOT, test_slot() + 100, reply, 64,
								 TALLY_RIGHTS_ALL));
	test_object_free(ro);
	test_object_free(ntfn);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

/* Client: calls ep (arg) once and records how it ended. */
static void
one_call(unsigned long arg)
{
	struct tally_msg m = { .info = tally_msginfo(1, 1, 0), .mr = { arg >> 16 } };

	result[1] = tally_call(arg & 0xffff, &m);
	seen[1] = m.mr[0];
	tally_exit();
}

/* Server that takes one call and keeps it: receives, then parks on a notification. */
static void
take_one_call(unsigned long arg)
{
	unsigned long ep = arg & 0xffff, reply = (arg >> 16) & 0xffff, park = arg >> 32;
	struct tally_msg m = { 0 };

	result[2] = tally_recv(ep, reply, &m);
	seen[2] = m.mr[0];
	tally_wait(park, 0);
	tally_exit();
}

TEST(deleting_the_reply_wakes_the_caller_with_dead_peer)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long park = test_object(TALLY_OBJ_NOTIFICATION, 0), srv, cli;

	result[1] = result[2] = -1;
	srv = test_thread(take_one_call, ep | reply << 16 | park << 32, 255);
	cli = test_thread(one_call, ep | 5ul << 16, 255);
	EXPECT_TRUE(srv && cli);
	EXPECT_TRUE(test_wait_state(cli, TALLY_THREAD_BLOCKED_REPLY));
	EXPECT_ERR(TALLY_OK, result[2]);
	EXPECT_EQ(5, seen[2]);
	/* the server still holds the call; the Reply goes: the caller must not hang */
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, reply));
	EXPECT_TRUE(test_wait_state(cli, TALLY_THREAD_EXITED));
	EXPECT_ERR(TALLY_ERR_DEAD_PEER, result[1]);
	test_thread_free(cli);
	test_thread_free(srv);
	test_slot_free(reply);
	test_object_free(park);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(a_dead_callers_reply_goes_stale_and_the_server_is_told)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long gone = test_object(TALLY_OBJ_NOTIFICATION, 0), badged = test_slot();
	unsigned long park = test_object(TALLY_OBJ_NOTIFICATION, 0), srv, cli, word = 0;
	struct tally_msg m = { 0 };

	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, badged, gone, 64, TALLY_RIGHTS_ALL, 0x77));
	EXPECT_ERR(TALLY_OK, tally_reply_bind_notification(reply, badged));
	srv = test_thread(take_one_call, ep | reply << 16 | park << 32, 255);
	cli = test_thread(one_call, ep | 9ul << 16, 255);
	EXPECT_TRUE(test_wait_state(cli, TALLY_THREAD_BLOCKED_REPLY));
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_poll(gone, &word));
	test_thread_free(cli);                     /* the caller dies */
	EXPECT_ERR(TALLY_OK, tally_poll(gone, &word));
	EXPECT_EQ(0x77, word);                     /* the server learns which */
	EXPECT_ERR(TALLY_ERR_DEAD_PEER, tally_reply(reply, &m));   /* stale: costs nothing */
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_reply(reply, &m));  /* and it is spent */
	test_thread_free(srv);
	test_object_free(badged);
	test_object_free(park);
	test_object_free(gone);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(suspending_a_caller_cancels_its_call)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0), cli;

	result[1] = -1;
	cli = test_thread(one_call, ep, 255);
	EXPECT_TRUE(test_wait_state(cli, TALLY_THREAD_BLOCKED_SEND));
	EXPECT_ERR(TALLY_OK, tally_tcb_suspend(cli));
	EXPECT_EQ(TALLY_THREAD_INACTIVE, test_thread_state(cli));
	EXPECT_ERR(TALLY_OK, tally_tcb_resume(cli));
	EXPECT_TRUE(test_wait_state(cli, TALLY_THREAD_EXITED));
	EXPECT_ERR(TALLY_ERR_CANCELLED, result[1]);
	test_thread_free(cli);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

/* Long messages and a capability travel through the IPC buffers. */
static void
long_echo(unsigned long arg)
{
	unsigned long ep = arg & 0xffff, reply = (arg >> 16) & 0xffff;
	struct tally_ipc_buffer *b = ipcbuf(1);
	struct tally_msg m = { 0 };
	unsigned long i, n;

	b->recv_slot = arg >> 32;
	result[3] = tally_recv(ep, reply, &m);
	n = tally_msginfo_length(m.info);
	seen[3] = tally_msginfo_caps(m.info);
	for (i = TALLY_MSG_REGS; i < n; i++)
		b->mr[i] = b->mr[i] * 2;
	m.info = tally_msginfo(0, n, 0);
	tally_reply(reply, &m);
	tally_exit();
}

TEST(long_messages_and_granted_capabilities_go_through_ipc_buffers)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0), recv_slot = test_slot();
	unsigned long gift = test_object(TALLY_OBJ_NOTIFICATION, 0), srv, i;
	struct tally_ipc_buffer *b = ipcbuf(0);
	struct tally_slot_info si;
	struct tally_msg m = { 0 };

	srv = test_object(TALLY_OBJ_THREAD, 0);
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(srv, ROOT, TALLY_SLOT_ROOT_VSPACE,
						 TALLY_SLOT_ROOT_IPC_BUFFER,
						 (unsigned long)ipcbuf(1), 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(srv, 255));
	EXPECT_TRUE(test_time_for(srv, 1, 1));
	{
		static _Alignas(16) unsigned char stack[4096];

		EXPECT_ERR(TALLY_OK, tally_tcb_start(srv, long_echo,
						      ep | reply << 16 | recv_slot << 32,
						      stack + sizeof(stack)));
	}
	for (i = 0; i < TALLY_MSG_MAX; i++)
		b->mr[i] = i;
	b->cap = gift;
	m.info = tally_msginfo(3, TALLY_MSG_MAX, 1);
	EXPECT_ERR(TALLY_OK, tally_call(ep, &m));
	EXPECT_ERR(TALLY_OK, result[3]);
	EXPECT_EQ(1, seen[3]);
	EXPECT_EQ(TALLY_MSG_MAX, tally_msginfo_length(m.info));
	for (i = TALLY_MSG_REGS; i < TALLY_MSG_MAX; i++)
		EXPECT_EQ(2 * i, b->mr[i]);
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, recv_slot, &si));
	EXPECT_EQ(TALLY_OBJ_NOTIFICATION, si.type);
	EXPECT_TRUE(test_wait_state(srv, TALLY_THREAD_EXITED));
	test_object_free(srv);
	test_object_free(recv_slot);
	test_object_free(gift);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- notifications ---- */

TEST(signal_never_blocks_and_wait_takes_and_clears_the_bits)
{
	unsigned long n = test_object(TALLY_OBJ_NOTIFICATION, 0);
	unsigned long a = test_slot(), b = test_slot(), word = 0;

	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, a, n, 64, TALLY_RIGHTS_ALL, 0x1));
	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, b, n, 64, TALLY_RIGHTS_ALL, 0x10));
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_poll(n, &word));
	EXPECT_ERR(TALLY_OK, tally_signal(a));
	EXPECT_ERR(TALLY_OK, tally_signal(a));
	EXPECT_ERR(TALLY_OK, tally_signal(b));
	EXPECT_ERR(TALLY_OK, tally_wait(n, &word));
	EXPECT_EQ(0x11, word);           /* one wait sees every source by its badge */
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_poll(n, &word));
	EXPECT_ERR(TALLY_OK, tally_signal(n));   /* unbadged: bit 0 */
	EXPECT_ERR(TALLY_OK, tally_poll(n, &word));
	EXPECT_EQ(1, word);
	test_object_free(a);
	test_object_free(b);
	test_object_free(n);
}

static void
waiter(unsigned long n)
{
	unsigned long word = 0;

	result[4] = tally_wait(n, &word);
	seen[4] = word;
	tally_exit();
}

TEST(wait_blocks_until_a_signal_and_deletion_wakes_waiters)
{
	unsigned long n = test_object(TALLY_OBJ_NOTIFICATION, 0), b = test_slot(), w;

	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, b, n, 64, TALLY_RIGHTS_ALL, 0x500));
	w = test_thread(waiter, n, 255);
	EXPECT_TRUE(test_wait_state(w, TALLY_THREAD_BLOCKED_NOTIFY));
	EXPECT_ERR(TALLY_OK, tally_signal(b));
	EXPECT_TRUE(test_wait_state(w, TALLY_THREAD_EXITED));
	EXPECT_ERR(TALLY_OK, result[4]);
	EXPECT_EQ(0x500, seen[4]);
	test_thread_free(w);
	w = test_thread(waiter, n, 255);
	EXPECT_TRUE(test_wait_state(w, TALLY_THREAD_BLOCKED_NOTIFY));
	test_object_free(b);
	test_object_free(n);
	EXPECT_TRUE(test_wait_state(w, TALLY_THREAD_EXITED));
	EXPECT_ERR(TALLY_ERR_OBJECT_DELETED, result[4]);
	test_thread_free(w);
	EXPECT_TRUE(test_kernel_consistent());
}

/* Receives on an endpoint with a bound notification: either may end the wait. */
static void
bound_receiver(unsigned long arg)
{
	struct tally_msg m = { 0 };

	result[5] = tally_recv(arg & 0xffff, arg >> 16, &m);
	seen[5] = m.badge;
	seen[6] = m.info;
	tally_exit();
}

TEST(a_bound_notification_ends_an_endpoint_wait)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long n = test_object(TALLY_OBJ_NOTIFICATION, 0), b = test_slot(), r;

	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, b, n, 64, TALLY_RIGHTS_ALL, 0x8));
	r = test_object(TALLY_OBJ_THREAD, 0);
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(r, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(r, 255));
	EXPECT_TRUE(test_time_for(r, 1, 1));
	EXPECT_ERR(TALLY_OK, tally_tcb_bind_notification(r, n));
	EXPECT_ERR(TALLY_ERR_BUSY, tally_tcb_bind_notification(r, n));
	{
		static _Alignas(16) unsigned char stack[4096];

		EXPECT_ERR(TALLY_OK, tally_tcb_start(r, bound_receiver, ep | reply << 16,
						      stack + sizeof(stack)));
	}
	EXPECT_TRUE(test_wait_state(r, TALLY_THREAD_BLOCKED_RECV));
	EXPECT_ERR(TALLY_OK, tally_signal(b));
	EXPECT_TRUE(test_wait_state(r, TALLY_THREAD_EXITED));
	EXPECT_ERR(TALLY_OK, result[5]);
	EXPECT_EQ(0x8, seen[5]);
	EXPECT_TRUE(seen[6] & TALLY_MSGINFO_NOTIFY);
	test_object_free(r);
	test_object_free(b);
	test_object_free(n);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}
