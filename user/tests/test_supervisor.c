/*
 * The supervisor (libtally/supervisor.h, docs/processes.md): processes
 * spawned from user/peer on banks of their own, their clean exits and
 * their faults reported and reclaimed, kills in the middle of calls in both
 * directions (callers into a dead process get DEAD_PEER, its own call's
 * Reply goes stale), and a thousand spawns and kills of processes holding
 * threads, endpoints, mappings, a shared frame and calls, after which the
 * memory is what it was to the byte.
 */
#include "test.h"
#include "../peer/peer.h"
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/supervisor.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define KIB 1024ul
#define MIB (1024ul * 1024)
#define SHARED_VA 0x640000000000ul
#define HOLD_LIMIT (512 * KIB)
#define SPAWN_KILL_ROUNDS 1000

static unsigned long
use_of(unsigned long bank)
{
	struct tally_bank_info i = { 0 };

	tally_bank_info(bank, &i);
	return i.use;
}

static long
spawn(const char *args, unsigned long limit, unsigned long *pid)
{
	const struct tally_sup_spec spec = {
		.module = tally_proc_module(tally_bootinfo, "peer.elf"), .limit = limit,
		.prio = PEER_PRIO, .args = args,
	};

	return tally_sup_spawn(test_sup(), &spec, pid);
}

TEST(a_spawned_process_is_made_of_its_own_bank_and_its_exit_is_reclaimed)
{
	struct tally_sup_event ev;
	struct tally_bank_info in;
	unsigned long pid, u0;
	struct tally_proc *p;

	EXPECT_TRUE(test_sup() != NULL);
	u0 = use_of(test_sup_bank());
	EXPECT_ERR(TALLY_OK, spawn("exit", MIB, &pid));
	p = tally_sup_proc(test_sup(), pid);
	EXPECT_TRUE(p != NULL);
	EXPECT_ERR(TALLY_OK, tally_bank_info(p->bank, &in));
	/* its thread, CNode, address space, tables and frames: all bought from its bank */
	EXPECT_EQ(1 << TALLY_THREAD_BITS, in.bytes[TALLY_OBJ_THREAD]);
	EXPECT_EQ(1 << (TALLY_PROC_RADIX + TALLY_CNODE_SLOT_BITS), in.bytes[TALLY_OBJ_CNODE]);
	EXPECT_EQ(1 << TALLY_PAGE_TABLE_BITS, in.bytes[TALLY_OBJ_PML4]);
	EXPECT_EQ(1 << TALLY_PAGE_TABLE_BITS, in.bytes[TALLY_OBJ_PDPT]);
	EXPECT_EQ(1 << TALLY_PAGE_TABLE_BITS, in.bytes[TALLY_OBJ_PD]);
	EXPECT_TRUE(in.bytes[TALLY_OBJ_PT] >= 2 << TALLY_PAGE_TABLE_BITS);
	EXPECT_TRUE(in.bytes[TALLY_OBJ_FRAME_4K] >= 6 * 4096);   /* stack, IPC buffer, info, data */
	EXPECT_EQ(in.use, use_of(test_sup_bank()) - u0);
	EXPECT_ERR(TALLY_OK, tally_sup_start(test_sup(), pid));
	EXPECT_ERR(TALLY_OK, tally_sup_wait(test_sup(), &ev, true));
	EXPECT_EQ(pid, ev.pid);
	EXPECT_EQ(TALLY_SUP_EXITED, ev.kind);
	EXPECT_EQ(PEER_EXIT_STATUS, ev.status);
	EXPECT_TRUE(tally_sup_proc(test_sup(), pid) == NULL);
	EXPECT_EQ(u0, use_of(test_sup_bank()));
	EXPECT_ERR(TALLY_ERR_WOULD_BLOCK, tally_sup_wait(test_sup(), &ev, false));
	EXPECT_TRUE(test_bank_balanced());
}

TEST(a_process_that_faults_is_reported_and_reclaimed)
{
	struct tally_sup_event ev;
	unsigned long pid, u0 = use_of(test_sup_bank());

	EXPECT_ERR(TALLY_OK, spawn("crash", MIB, &pid));
	EXPECT_ERR(TALLY_OK, tally_sup_start(test_sup(), pid));
	EXPECT_ERR(TALLY_OK, tally_sup_wait(test_sup(), &ev, true));
	EXPECT_EQ(pid, ev.pid);
	EXPECT_EQ(TALLY_SUP_FAULTED, ev.kind);
	EXPECT_EQ(TALLY_FAULT_PAGE, ev.status);
	EXPECT_EQ(0, ev.addr);
	EXPECT_EQ(u0, use_of(test_sup_bank()));
	EXPECT_TRUE(test_bank_balanced());
}

TEST(a_process_buys_from_its_own_bank_up_to_its_limit_and_may_not_destroy_it)
{
	struct tally_sup_event ev;
	unsigned long pid, left, u0 = use_of(test_sup_bank());

	EXPECT_ERR(TALLY_OK, spawn("greedy", 256 * KIB, &pid));
	left = 256 * KIB - use_of(tally_sup_proc(test_sup(), pid)->bank);
	EXPECT_ERR(TALLY_OK, tally_sup_start(test_sup(), pid));
	EXPECT_ERR(TALLY_OK, tally_sup_wait(test_sup(), &ev, true));
	EXPECT_EQ(TALLY_SUP_EXITED, ev.kind);
	EXPECT_EQ(left / 4096, ev.status);   /* every byte of its limit, and not one more */
	EXPECT_EQ(u0, use_of(test_sup_bank()));
	EXPECT_TRUE(test_bank_balanced());
}

/* ---- killing processes that hold things ---- */

static unsigned long call_ep, call_reply, in_slot, shared_frame, go_ntfn, done_ntfn;
static volatile long caller_result;

/* A thread of the suite that calls into the holder, whenever it is told to. */
static void
caller(unsigned long arg)
{
	struct tally_msg m;

	(void)arg;
	for (;;) {
		tally_wait(go_ntfn, 0);
		m = (struct tally_msg){ .info = tally_msginfo(1, 0, 0) };
		caller_result = tally_call(in_slot, &m);
		tally_signal(done_ntfn);
	}
}

struct holding {
	unsigned long caller_tcb, settle_ntfn, frame_map, tables[3];
};

/* What the holder tests share, made once: the suite keeps it to the end. */
static bool
holding_setup(struct holding *h)
{
	static struct holding made;

	if (made.caller_tcb) {
		*h = made;
		return true;
	}
	call_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	call_reply = test_object(TALLY_OBJ_REPLY, 0);
	shared_frame = test_object(TALLY_OBJ_FRAME_4K, 0);
	go_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	done_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	h->settle_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	h->frame_map = test_slot();
	in_slot = test_slot();
	if (!call_ep || !call_reply || !shared_frame || !go_ntfn || !done_ntfn || !h->settle_ntfn)
		return false;
	/* the suite reads the shared frame through a mapping of its own */
	h->tables[0] = test_object(TALLY_OBJ_PDPT, 0);
	h->tables[1] = test_object(TALLY_OBJ_PD, 0);
	h->tables[2] = test_object(TALLY_OBJ_PT, 0);
	if (tally_cnode_copy(ROOT, h->frame_map, shared_frame, 64, TALLY_RIGHTS_ALL) ||
	    tally_page_table_map(h->tables[0], TALLY_SLOT_ROOT_VSPACE, SHARED_VA) ||
	    tally_page_table_map(h->tables[1], TALLY_SLOT_ROOT_VSPACE, SHARED_VA) ||
	    tally_page_table_map(h->tables[2], TALLY_SLOT_ROOT_VSPACE, SHARED_VA) ||
	    tally_frame_map(h->frame_map, TALLY_SLOT_ROOT_VSPACE, SHARED_VA,
			    TALLY_RIGHT_READ | TALLY_RIGHT_WRITE))
		return false;
	*(volatile unsigned long *)SHARED_VA = 0;
	h->caller_tcb = test_thread(caller, 0, 255);
	made = *h;
	return h->caller_tcb != 0;
}

/* Everything holding_setup made goes, so the suite's Untyped can be reset. */
static void
holding_teardown(struct holding *h)
{
	unsigned long objs[] = { h->frame_map, h->tables[2], h->tables[1], h->tables[0],
				 shared_frame, call_reply, call_ep, go_ntfn, done_ntfn,
				 h->settle_ntfn };
	unsigned i;

	test_thread_free(h->caller_tcb);
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		test_object_free(objs[i]);
	test_slot_free(in_slot);
}

/*
 * One holder's life: spawn it, let it set up and call us (we keep its
 * call), call into it (it keeps ours), kill it. Returns false (and says
 * why) if anything was not as it should be.
 */
static bool
hold_and_kill(struct holding *h)
{
	struct tally_msg m = { 0 };
	unsigned long pid, u0 = use_of(test_sup_bank());
	long err;

	err = spawn("hold", HOLD_LIMIT, &pid);
	if (!err)
		err = tally_proc_give(tally_sup_proc(test_sup(), pid), call_ep,
				      TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT, NULL);
	if (!err)
		err = tally_proc_give(tally_sup_proc(test_sup(), pid), shared_frame, TALLY_RIGHTS_ALL, NULL);
	if (!err)
		err = tally_sup_start(test_sup(), pid);
	/* its call, with its endpoint: we keep the call */
	tally_ipcbuf()->recv_slot = in_slot;
	if (!err)
		err = tally_recv(call_ep, call_reply, &m);
	tally_ipcbuf()->recv_slot = 0;
	if (err || tally_msginfo_label(m.info) != PEER_HELD || tally_msginfo_caps(m.info) != 1) {
		printf("  (holder's call: %s, label %lu)\n", tally_error_name(err),
		       tally_msginfo_label(m.info));
		return false;
	}
	/* our call into it, which its second thread takes and keeps */
	caller_result = -1;
	tally_signal(go_ntfn);
	test_settle();
	if (test_thread_state(h->caller_tcb) != TALLY_THREAD_BLOCKED_REPLY) {
		printf("  (the caller is in state %lu)\n", test_thread_state(h->caller_tcb));
		return false;
	}
	err = tally_sup_kill(test_sup(), pid);
	tally_wait(done_ntfn, 0);
	m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
	if (err || caller_result != TALLY_ERR_DEAD_PEER ||
	    tally_reply(call_reply, &m) != TALLY_ERR_DEAD_PEER ||
	    tally_cnode_delete(ROOT, in_slot) != TALLY_OK || use_of(test_sup_bank()) != u0) {
		printf("  (kill: %s; caller: %s; use %lu, was %lu)\n", tally_error_name(err),
		       tally_error_name(caller_result), use_of(test_sup_bank()), u0);
		return false;
	}
	return true;
}

TEST(killing_a_process_fails_calls_into_it_and_its_own_call_goes_stale)
{
	struct holding h;
	struct tally_slot_info si;

	EXPECT_TRUE(holding_setup(&h));
	EXPECT_TRUE(hold_and_kill(&h));
	EXPECT_EQ(1, *(volatile unsigned long *)SHARED_VA);   /* it did run, and wrote */
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, in_slot, &si));
	EXPECT_EQ(TALLY_OBJ_NULL, si.type);                  /* its endpoint went with it */
	EXPECT_TRUE(test_bank_balanced());
}

TEST(a_thousand_processes_spawned_and_killed_holding_things_leave_memory_as_it_was)
{
	struct tally_cap_stats st0, st;
	struct tally_bank_pool p0, p;
	struct holding h;
	unsigned long i, t0 = tally_clock(), u0 = use_of(test_sup_bank());

	EXPECT_TRUE(holding_setup(&h));
	*(volatile unsigned long *)SHARED_VA = 0;
	EXPECT_TRUE(test_bank_pool(&p0));
	EXPECT_ERR(TALLY_OK, tally_debug_check(&st0));
	for (i = 0; i < SPAWN_KILL_ROUNDS; i++)
		if (!hold_and_kill(&h))
			break;
	EXPECT_EQ(SPAWN_KILL_ROUNDS, i);
	printf("  (%u spawns and kills in %lu ticks)\n", SPAWN_KILL_ROUNDS, tally_clock() - t0);
	EXPECT_EQ(SPAWN_KILL_ROUNDS, *(volatile unsigned long *)SHARED_VA);
	EXPECT_EQ(u0, use_of(test_sup_bank()));
	/* the free bytes, as the kernel reports them chunk by chunk, and every capability */
	EXPECT_TRUE(test_bank_pool(&p));
	EXPECT_EQ(p0.free, p.free);
	EXPECT_EQ(p0.banks, p.banks);
	EXPECT_ERR(TALLY_OK, tally_debug_check(&st));
	EXPECT_EQ(st0.caps, st.caps);
	EXPECT_EQ(st0.untyped_free, st.untyped_free);
	EXPECT_EQ(0, st.zombies);
	holding_teardown(&h);
	EXPECT_TRUE(test_bank_balanced());
}
