/*
 * The client pays (DESIGN.md rule 6) and the server copes when the client's
 * resources vanish (seed 000), with the key-value server (user/kv) run by
 * the suite's supervisor: each client's state is bought from a bank the
 * client handed over, a client that fills its quota gets NO_MEMORY alone,
 * and a client that destroys its bank or dies, idle or in the middle of a
 * request, is forgotten without crashing or wedging the server, whose own
 * bank never grows because of a client.
 */
#include "test.h"
#include "../kv/kv.h"
#include "../peer/peer.h"
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/supervisor.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define KIB 1024ul
#define MIB (1024ul * 1024)
#define KV_LIMIT MIB

static unsigned long kv_pid, kv_ep, kv_pub, kv_progress, kv_settle;

/* The key-value server, spawned once; its public capability (WRITE, GRANT) in kv_pub. */
static bool
kv_up(void)
{
	const struct tally_sup_spec spec = {
		.module = tally_proc_module(tally_bootinfo, "kv.elf"), .limit = KV_LIMIT,
		.radix = KV_RADIX, .prio = PEER_PRIO, .args = "",
	};
	struct tally_sup *sup = test_sup();
	struct tally_proc *p;

	if (kv_pid)
		return true;
	kv_ep = test_slot();
	kv_pub = test_slot();
	kv_progress = test_object(TALLY_OBJ_NOTIFICATION, 0);
	kv_settle = test_object(TALLY_OBJ_NOTIFICATION, 0);
	if (!sup || tally_sup_spawn(sup, &spec, &kv_pid))
		return false;
	p = tally_sup_proc(sup, kv_pid);
	/* its endpoint is its own: bought from its bank */
	if (tally_bank_alloc(p->bank, TALLY_OBJ_ENDPOINT, 0, ROOT, kv_ep) ||
	    tally_proc_give(p, kv_ep, TALLY_RIGHTS_ALL, NULL) ||
	    tally_proc_give(p, kv_progress, TALLY_RIGHT_WRITE, NULL) ||
	    tally_cnode_copy(ROOT, kv_pub, kv_ep, 64, TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT) ||
	    tally_sup_start(sup, kv_pid)) {
		kv_pid = 0;
		return false;
	}
	return true;
}

/* Call the server through cap with label and words; the answer's label, or the call's error. */
static long
kv_call(unsigned long cap, unsigned long label, unsigned long n, const unsigned long *w,
	struct tally_msg *m)
{
	unsigned long i;
	long err;

	*m = (struct tally_msg){ .info = tally_msginfo(label, n, 0) };
	for (i = 0; i < n; i++)
		m->mr[i] = w[i];
	err = tally_call(cap, m);
	return err ? err : (long)tally_msginfo_label(m->info);
}

static long
kv_connect(unsigned long bank, unsigned long *session)
{
	struct tally_msg m = { .info = tally_msginfo(KV_CONNECT, 0, bank ? 1 : 0) };
	long err;

	*session = test_slot();
	tally_ipcbuf()->cap = bank;
	tally_ipcbuf()->recv_slot = *session;
	err = tally_call(kv_pub, &m);
	tally_ipcbuf()->recv_slot = 0;
	if (!err)
		err = (long)tally_msginfo_label(m.info);
	if (!err && tally_msginfo_caps(m.info) != 1)
		err = TALLY_ERR_INVALID_CAPABILITY;
	return err;
}

static long
kv_put(unsigned long session, unsigned long key, unsigned long value)
{
	const unsigned long w[5] = { key, value, value + 1, value + 2, value + 3 };
	struct tally_msg m;

	return kv_call(session, KV_PUT, 5, w, &m);
}

static long
kv_get(unsigned long session, unsigned long key, unsigned long *value)
{
	struct tally_msg m;
	long err = kv_call(session, KV_GET, 1, &key, &m);

	*value = m.mr[0];
	return err;
}

static struct kv_stats
kv_stats(void)
{
	struct kv_stats s = { ~0ul, ~0ul, ~0ul, ~0ul };
	struct tally_msg m;

	if (kv_call(kv_pub, KV_STATS, 0, 0, &m) == TALLY_OK)
		s = (struct kv_stats){ m.mr[0], m.mr[1], m.mr[2], m.mr[3] };
	return s;
}

static unsigned long
client_bank(unsigned long limit)
{
	unsigned long slot = test_slot();

	if (tally_bank_create(test_bank()->root, limit, ROOT, slot)) {
		test_slot_free(slot);
		return 0;
	}
	return slot;
}

static struct tally_bank_info
info_of(unsigned long bank)
{
	struct tally_bank_info i = { 0 };

	tally_bank_info(bank, &i);
	return i;
}

static unsigned long
slot_type(unsigned long slot)
{
	struct tally_slot_info si;

	return tally_cnode_inspect(ROOT, slot, &si) == TALLY_OK ? si.type : ~0ul;
}

TEST(a_client_pays_for_the_state_a_server_keeps_for_it)
{
	unsigned long a, session, k, v;
	struct kv_stats s0, s;
	struct tally_bank_info ia;

	EXPECT_TRUE(kv_up());
	s0 = kv_stats();
	a = client_bank(MIB);
	EXPECT_TRUE(a);
	EXPECT_ERR(TALLY_OK, kv_connect(a, &session));
	for (k = 1; k <= 100; k++)
		EXPECT_ERR(TALLY_OK, kv_put(session, k, 10 * k));
	EXPECT_ERR(TALLY_OK, kv_get(session, 50, &v));
	EXPECT_EQ(500, v);
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, kv_get(session, 1000, &v));
	/* its window's page table and two pages of entries: on the client's bank */
	ia = info_of(a);
	EXPECT_EQ(1ul << TALLY_PAGE_TABLE_BITS, ia.bytes[TALLY_OBJ_PT]);
	EXPECT_EQ(2 * 4096, ia.bytes[TALLY_OBJ_FRAME_4K]);
	EXPECT_EQ(3, ia.objects);
	s = kv_stats();
	EXPECT_EQ(s0.connected + 1, s.connected);
	EXPECT_EQ(s0.own_use, s.own_use);       /* not a byte of the server's own */
	/* disconnecting gives it all back */
	EXPECT_ERR(TALLY_OK, kv_call(session, KV_DISCONNECT, 0, 0, &(struct tally_msg){ 0 }));
	EXPECT_EQ(0, info_of(a).use);
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(session));   /* the session is over */
	s = kv_stats();
	EXPECT_EQ(s0.connected, s.connected);
	EXPECT_EQ(s0.forgotten + 1, s.forgotten);
	tally_bank_destroy(a);
	test_object_free(a);
	test_slot_free(session);
	EXPECT_TRUE(test_bank_balanced());
}

TEST(a_client_that_fills_its_quota_gets_no_memory_and_the_server_and_others_go_on)
{
	unsigned long a = client_bank(40 * KIB), b = client_bank(MIB), sa, sb, k, v;
	struct kv_stats s0 = kv_stats();

	EXPECT_TRUE(a && b);
	EXPECT_ERR(TALLY_OK, kv_connect(a, &sa));
	EXPECT_ERR(TALLY_OK, kv_connect(b, &sb));
	/* 40 KiB: its page table and eight pages of 64 entries */
	for (k = 1; kv_put(sa, k, k) == TALLY_OK; k++)
		;
	EXPECT_EQ(8 * KV_ENTRIES_PER_PAGE + 1, k);
	EXPECT_ERR(TALLY_ERR_NO_MEMORY, kv_put(sa, k, k));
	EXPECT_EQ(40 * KIB, info_of(a).use);
	/* what it has still works, and so does everyone else */
	EXPECT_ERR(TALLY_OK, kv_get(sa, 7, &v));
	EXPECT_EQ(7, v);
	for (k = 1; k <= 300; k++)
		EXPECT_ERR(TALLY_OK, kv_put(sb, k, 2 * k));
	EXPECT_ERR(TALLY_OK, kv_get(sb, 300, &v));
	EXPECT_EQ(600, v);
	EXPECT_EQ(s0.own_use, kv_stats().own_use);
	EXPECT_EQ(s0.connected + 2, kv_stats().connected);
	tally_bank_destroy(a);
	tally_bank_destroy(b);
	test_settle();   /* the server learns both are gone */
	EXPECT_EQ(s0.connected, kv_stats().connected);
	EXPECT_EQ(s0.forgotten + 2, kv_stats().forgotten);
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, kv_put(sa, 1, 1));   /* the sessions went too */
	test_object_free(a);
	test_object_free(b);
	test_slot_free(sa);
	test_slot_free(sb);
	EXPECT_TRUE(test_bank_balanced());
}

TEST(a_server_refuses_a_bank_that_is_not_one)
{
	unsigned long fake = test_object(TALLY_OBJ_ENDPOINT, 0), session;

	EXPECT_TRUE(fake);
	/* calling it to buy would never end: the server checks it is the bank server's endpoint */
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, kv_connect(fake, &session));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, kv_connect(0, &session));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(session));
	test_slot_free(session);
	test_object_free(fake);
	EXPECT_EQ(0, kv_stats().connected);
}

/* ---- in the middle of a request ---- */

static unsigned long scan_session, scan_done;
static volatile long scan_result;

static void
scanner(unsigned long arg)
{
	struct tally_msg m;
	unsigned long rounds = ~0ul;

	(void)arg;
	scan_result = kv_call(scan_session, KV_SCAN, 1, &rounds, &m);
	tally_signal(scan_done);
	tally_exit();
}

TEST(a_client_that_destroys_its_bank_in_the_middle_of_a_request_does_not_wedge_the_server)
{
	unsigned long a = client_bank(MIB), b = client_bank(MIB), sb, k, v, tcb;
	struct kv_stats s0 = kv_stats(), s;

	scan_done = test_object(TALLY_OBJ_NOTIFICATION, 0);
	EXPECT_TRUE(a && b && scan_done);
	EXPECT_ERR(TALLY_OK, kv_connect(a, &scan_session));
	EXPECT_ERR(TALLY_OK, kv_connect(b, &sb));
	for (k = 1; k <= 100; k++)
		EXPECT_ERR(TALLY_OK, kv_put(scan_session, k, k));
	EXPECT_ERR(TALLY_OK, kv_put(sb, 1, 11));
	tally_poll(kv_progress, 0);
	scan_result = -1;
	tcb = test_thread(scanner, 0, 255);
	EXPECT_TRUE(tcb);
	tally_wait(kv_progress, 0);               /* the server is reading the client's pages */
	EXPECT_ERR(TALLY_OK, tally_bank_destroy(a));
	tally_wait(scan_done, 0);
	/* the server faulted on the vanished pages, recovered, and answered */
	EXPECT_ERR(TALLY_ERR_OBJECT_DELETED, scan_result);
	s = kv_stats();
	EXPECT_EQ(s0.recovered + 1, s.recovered);
	EXPECT_EQ(s0.connected + 1, s.connected);   /* b only */
	EXPECT_EQ(s0.forgotten + 1, s.forgotten);
	EXPECT_EQ(s0.own_use, s.own_use);
	EXPECT_ERR(TALLY_OK, kv_get(sb, 1, &v));
	EXPECT_EQ(11, v);
	EXPECT_ERR(TALLY_OK, kv_put(sb, 2, 22));
	EXPECT_ERR(TALLY_OK, kv_call(sb, KV_DISCONNECT, 0, 0, &(struct tally_msg){ 0 }));
	test_thread_free(tcb);
	test_object_free(scan_done);
	test_object_free(a);
	test_slot_free(scan_session);
	test_slot_free(sb);
	tally_bank_destroy(b);
	test_object_free(b);
	EXPECT_TRUE(test_bank_balanced());
}

TEST(a_client_that_dies_in_the_middle_of_a_request_is_forgotten_and_the_server_goes_on)
{
	const struct tally_sup_spec spec = {
		.module = tally_proc_module(tally_bootinfo, "peer.elf"), .limit = 512 * KIB,
		.prio = PEER_PRIO, .args = "kvclient",
	};
	unsigned long pid, b = client_bank(MIB), sb, v;
	struct kv_stats s0 = kv_stats(), s;

	EXPECT_TRUE(b);
	EXPECT_ERR(TALLY_OK, tally_sup_spawn(test_sup(), &spec, &pid));
	EXPECT_ERR(TALLY_OK, tally_proc_give(tally_sup_proc(test_sup(), pid), kv_pub,
					      TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT, NULL));
	tally_poll(kv_progress, 0);
	EXPECT_ERR(TALLY_OK, tally_sup_start(test_sup(), pid));
	tally_wait(kv_progress, 0);   /* it connected, put its keys, and the server scans for it */
	EXPECT_ERR(TALLY_OK, tally_sup_kill(test_sup(), pid));
	test_settle();
	s = kv_stats();
	EXPECT_EQ(s0.connected, s.connected);
	EXPECT_EQ(s0.forgotten + 1, s.forgotten);
	EXPECT_EQ(s0.recovered + 1, s.recovered);
	EXPECT_EQ(s0.own_use, s.own_use);
	/* the server goes on */
	EXPECT_ERR(TALLY_OK, kv_connect(b, &sb));
	EXPECT_ERR(TALLY_OK, kv_put(sb, 5, 55));
	EXPECT_ERR(TALLY_OK, kv_get(sb, 5, &v));
	EXPECT_EQ(55, v);
	EXPECT_ERR(TALLY_OK, kv_call(sb, KV_DISCONNECT, 0, 0, &(struct tally_msg){ 0 }));
	tally_bank_destroy(b);
	test_object_free(b);
	test_slot_free(sb);
	EXPECT_TRUE(test_bank_balanced());
}

TEST(killing_the_server_leaves_its_clients_banks_to_their_holders)
{
	unsigned long a = client_bank(MIB), sa, u;
	struct tally_sup_event ev;

	EXPECT_TRUE(a);
	EXPECT_ERR(TALLY_OK, kv_connect(a, &sa));
	EXPECT_ERR(TALLY_OK, kv_put(sa, 1, 1));
	u = info_of(a).use;
	EXPECT_TRUE(u > 0);
	EXPECT_ERR(TALLY_OK, tally_sup_kill(test_sup(), kv_pid));
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_sup_wait(test_sup(), &ev, false));
	/* the client's calls now fail; what it paid for is in its bank until it destroys it */
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, kv_put(sa, 2, 2));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(kv_ep));   /* the server's endpoint went with it */
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(kv_pub));
	EXPECT_EQ(u, info_of(a).use);
	EXPECT_ERR(TALLY_OK, tally_bank_destroy(a));
	kv_pid = 0;
	test_object_free(a);
	test_slot_free(sa);
	test_slot_free(kv_ep);
	test_slot_free(kv_pub);
	test_object_free(kv_progress);
	test_object_free(kv_settle);
	EXPECT_TRUE(test_bank_balanced());
}
