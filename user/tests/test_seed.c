/*
 * Seed 001's scenario with three processes built from user/peer: a client
 * C calls a server S, which calls a driver D to do the work. At each point
 * of the exchange the suite kills D, kills C, or deletes S's Reply, and
 * checks what every party saw: each blocked party wakes with the named
 * error, nobody stays blocked, S learns that C went away and cancels its
 * own call to D, and D in turn learns that S gave up (DESIGN.md rule 5).
 *
 * Killing a process is revoking the Untyped it was built from: its
 * threads, CNode, address space, endpoint and Reply go, and so does every
 * copy of a capability to them that others hold.
 */
#include "test.h"
#include "../peer/peer.h"
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/thread.h>
#include <string.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define PROC_BITS 20
#define SCRATCH 0x600000000000ul
#define BADGE_C 1
#define BADGE_S 2
#define BADGE_D 3

static struct tally_proc_env env = {
	.root_cnode = ROOT,
	.root_vspace = TALLY_SLOT_ROOT_VSPACE,
	.scratch = SCRATCH,
	.sched_control = TALLY_SLOT_SCHED_CONTROL,
	.slot_alloc = test_slot,
	.slot_free = test_slot_free,
};

/* ---- the report collector: a thread of the suite that logs what the peers say ---- */

struct event {
	unsigned long who, what, value;
};

static struct event events[64];
static volatile unsigned long nevents;
static unsigned long report_ep, report_reply;

static void
collector(unsigned long arg)
{
	struct tally_msg m = { 0 };

	(void)arg;
	for (;;) {
		if (tally_recv(report_ep, report_reply, &m) == TALLY_OK && nevents < 64)
			events[nevents++] = (struct event){ m.badge, tally_msginfo_label(m.info),
							    m.mr[0] };
	}
}

/* Did `who` report `what` with `value`? */
static bool
saw(unsigned long who, unsigned long what, unsigned long value)
{
	unsigned long i;

	for (i = 0; i < nevents; i++)
		if (events[i].who == who && events[i].what == what && events[i].value == value)
			return true;
	return false;
}

static void
print_events(void)
{
	unsigned long i;

	for (i = 0; i < nevents; i++)
		printf("    %s: event %lu value %s\n",
		       events[i].who == BADGE_C ? "C" : events[i].who == BADGE_S ? "S" : "D",
		       events[i].what, tally_error_name((long)events[i].value));
}

/* ---- the three processes ---- */

struct scene {
	struct tally_proc c, s, d;
	unsigned long s_ep, d_ep, s_gone, d_gone, watcher, watcher_sc, r1, r2, report_c, report_s,
		report_d;
	bool c_dead, d_dead;
};

static const struct tally_module_desc *
peer_module(void)
{
	unsigned long i;

	for (i = 0; i < tally_bootinfo->module_count; i++) {
		const char *n = tally_bootinfo->modules[i].name;
		size_t k;

		for (k = 0; n[k]; k++)
			if (!strncmp(n + k, "peer.elf", 8))
				return &tally_bootinfo->modules[i];
	}
	return NULL;
}

/* An object of p's, in a slot of the suite's (revoking p's Untyped deletes it). */
static unsigned long
proc_object(struct tally_proc *p, unsigned long type)
{
	unsigned long slot = test_slot();

	if (tally_untyped_retype(p->untyped, type, 0, ROOT, slot, 1) != TALLY_OK)
		return 0;
	return slot;
}

static unsigned long
badged(unsigned long cap, unsigned long badge)
{
	unsigned long slot = test_slot();

	tally_cnode_mint(ROOT, slot, cap, 64, TALLY_RIGHTS_ALL, badge);
	return slot;
}

/* Move the Reply in the suite's slot into the child's next free slot (Replies are not copied). */
static long
give_reply(struct tally_proc *p, unsigned long reply)
{
	long err = tally_cnode_move(p->cnode, p->next_free, reply, 64);

	if (!err)
		p->next_free++;
	return err;
}

static bool
scene_build(struct scene *sc)
{
	const struct tally_module_desc *m = peer_module();
	bool ok = m != NULL;

	memset(sc, 0, sizeof(*sc));
	nevents = 0;
	if (ok) {
		long e = tally_proc_create(&sc->d, &env, m, PROC_BITS, PEER_PRIO, "driver", 0);
		struct tally_error_detail d;

		tally_error_detail(&d);
		if (e)
			printf("  (building D: %s; arg %lu value %#lx limit %#lx)\n",
			       tally_error_name(e), d.argument, d.value, d.limit);
		ok = !e;
	}
	ok = ok && !tally_proc_create(&sc->s, &env, m, PROC_BITS, PEER_PRIO, "server", 0);
	ok = ok && !tally_proc_create(&sc->c, &env, m, PROC_BITS, PEER_PRIO, "client", 0);
	if (!ok)
		return false;
	sc->d_ep = proc_object(&sc->d, TALLY_OBJ_ENDPOINT);
	sc->r2 = proc_object(&sc->d, TALLY_OBJ_REPLY);
	sc->d_gone = proc_object(&sc->d, TALLY_OBJ_NOTIFICATION);
	sc->s_ep = proc_object(&sc->s, TALLY_OBJ_ENDPOINT);
	sc->r1 = proc_object(&sc->s, TALLY_OBJ_REPLY);
	sc->s_gone = proc_object(&sc->s, TALLY_OBJ_NOTIFICATION);
	sc->watcher = proc_object(&sc->s, TALLY_OBJ_THREAD);
	sc->watcher_sc = proc_object(&sc->s, TALLY_OBJ_SCHED_CONTEXT);
	ok = ok && sc->watcher && sc->watcher_sc &&
	     !tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc->watcher_sc, 1, 1) &&
	     !tally_tcb_set_sched_context(sc->watcher, sc->watcher_sc);
	sc->report_c = badged(report_ep, BADGE_C);
	sc->report_s = badged(report_ep, BADGE_S);
	sc->report_d = badged(report_ep, BADGE_D);
	ok = ok && sc->d_ep && sc->r2 && sc->d_gone && sc->s_ep && sc->r1 && sc->s_gone;
	ok = ok && !tally_reply_bind_notification(sc->r1, sc->s_gone);
	ok = ok && !tally_reply_bind_notification(sc->r2, sc->d_gone);
	/* D: 8 its endpoint, 9 report, 10 its Reply, 11 gone */
	ok = ok && !tally_proc_give(&sc->d, sc->d_ep, TALLY_RIGHTS_ALL, NULL);
	ok = ok && !tally_proc_give(&sc->d, sc->report_d, TALLY_RIGHT_WRITE, NULL);
	ok = ok && !give_reply(&sc->d, sc->r2);
	ok = ok && !tally_proc_give(&sc->d, sc->d_gone, TALLY_RIGHT_READ, NULL);
	/* S: 8 its endpoint, 9 report, 10 its Reply, 11 D's endpoint, 12 gone, 13 watcher */
	ok = ok && !tally_proc_give(&sc->s, sc->s_ep, TALLY_RIGHTS_ALL, NULL);
	ok = ok && !tally_proc_give(&sc->s, sc->report_s, TALLY_RIGHT_WRITE, NULL);
	ok = ok && !give_reply(&sc->s, sc->r1);
	ok = ok && !tally_proc_give(&sc->s, sc->d_ep, TALLY_RIGHT_WRITE, NULL);
	ok = ok && !tally_proc_give(&sc->s, sc->s_gone, TALLY_RIGHT_READ, NULL);
	ok = ok && !tally_proc_give(&sc->s, sc->watcher, TALLY_RIGHTS_ALL, NULL);
	/* C: 8 S's endpoint, 9 report */
	ok = ok && !tally_proc_give(&sc->c, sc->s_ep, TALLY_RIGHT_WRITE, NULL);
	ok = ok && !tally_proc_give(&sc->c, sc->report_c, TALLY_RIGHT_WRITE, NULL);
	return ok;
}

static void seed_teardown(void);

static void
scene_end(struct scene *sc)
{
	unsigned long slots[] = { sc->d_ep, sc->d_gone, sc->s_ep, sc->s_gone, sc->watcher,
				  sc->watcher_sc,
				  sc->report_c, sc->report_s, sc->report_d };
	unsigned i;

	tally_proc_destroy(&sc->c, &env);
	tally_proc_destroy(&sc->s, &env);
	tally_proc_destroy(&sc->d, &env);
	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		test_object_free(slots[i]);
	test_slot_free(sc->r1);
	test_slot_free(sc->r2);
	seed_teardown();
}

/* P2: S holds C's call and is queued calling D, which has not started. */
static bool
to_point_2(struct scene *sc)
{
	tally_proc_start(&sc->s);
	test_settle();
	tally_proc_start(&sc->c);
	test_settle();
	return test_thread_state(sc->c.thread) == TALLY_THREAD_BLOCKED_REPLY &&
	       test_thread_state(sc->s.thread) == TALLY_THREAD_BLOCKED_SEND;
}

/* P3: D holds S's call, S holds C's. */
static bool
to_point_3(struct scene *sc)
{
	tally_proc_start(&sc->d);
	test_settle();
	if (!to_point_2(sc) && test_thread_state(sc->s.thread) != TALLY_THREAD_BLOCKED_REPLY)
		return false;
	test_settle();
	return test_thread_state(sc->c.thread) == TALLY_THREAD_BLOCKED_REPLY &&
	       test_thread_state(sc->s.thread) == TALLY_THREAD_BLOCKED_REPLY && saw(BADGE_D, PEER_CALLED, 0);
}

static unsigned long collector_tcb;

static void
seed_setup(void)
{
	env.untyped = test_untyped();
	report_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	report_reply = test_object(TALLY_OBJ_REPLY, 0);
	collector_tcb = test_thread(collector, 0, PEER_PRIO + 1);
}

/* Everything the scenario made goes, so the next test finds its memory free. */
static void
seed_teardown(void)
{
	test_thread_free(collector_tcb);
	test_object_free(report_reply);
	test_object_free(report_ep);
}

#define SCENE_BEGIN(point)                                                     \
	struct scene sc;                                                       \
	seed_setup();                                                          \
	EXPECT_TRUE(scene_build(&sc));                                         \
	if (!to_point_##point(&sc)) {                                          \
		print_events();                                                \
		EXPECT_TRUE(!"reached the point of the exchange");             \
	}

#define SCENE_CHECK(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			print_events();                                        \
			scene_end(&sc);                                        \
			EXPECT_TRUE(cond);                                     \
		}                                                              \
	} while (0)

TEST(seed_d_dies_while_s_waits_to_call_it)
{
	SCENE_BEGIN(2);
	tally_proc_destroy(&sc.d, &env);        /* D's endpoint goes with it */
	test_settle();
	SCENE_CHECK(saw(BADGE_S, PEER_CALL_DONE, TALLY_ERR_OBJECT_DELETED));
	SCENE_CHECK(saw(BADGE_S, PEER_REPLY_DONE, TALLY_OK));
	SCENE_CHECK(saw(BADGE_C, PEER_CALL_DONE, TALLY_OK));
	SCENE_CHECK(test_thread_state(sc.c.thread) == TALLY_THREAD_EXITED);
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_c_dies_while_s_waits_to_call_d)
{
	SCENE_BEGIN(2);
	tally_proc_destroy(&sc.c, &env);
	test_settle();
	SCENE_CHECK(saw(BADGE_S, PEER_CALLER_GONE, 0));             /* S learns of it */
	SCENE_CHECK(saw(BADGE_S, PEER_CALL_DONE, TALLY_ERR_CANCELLED));  /* and cancels */
	SCENE_CHECK(saw(BADGE_S, PEER_REPLY_DONE, TALLY_ERR_DEAD_PEER)); /* stale: free */
	SCENE_CHECK(test_thread_state(sc.s.thread) == TALLY_THREAD_EXITED);
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_reply_deleted_while_s_waits_to_call_d)
{
	SCENE_BEGIN(2);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(sc.s.cnode, 10));   /* S's Reply */
	test_settle();
	SCENE_CHECK(saw(BADGE_C, PEER_CALL_DONE, TALLY_ERR_DEAD_PEER));
	SCENE_CHECK(test_thread_state(sc.c.thread) == TALLY_THREAD_EXITED);
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_d_dies_holding_s_call)
{
	SCENE_BEGIN(3);
	tally_proc_destroy(&sc.d, &env);        /* D's Reply goes with it */
	test_settle();
	SCENE_CHECK(saw(BADGE_S, PEER_CALL_DONE, TALLY_ERR_DEAD_PEER));
	SCENE_CHECK(saw(BADGE_S, PEER_REPLY_DONE, TALLY_OK));
	SCENE_CHECK(saw(BADGE_C, PEER_CALL_DONE, TALLY_OK));
	SCENE_CHECK(test_thread_state(sc.c.thread) == TALLY_THREAD_EXITED);
	SCENE_CHECK(test_thread_state(sc.s.thread) == TALLY_THREAD_EXITED);
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_c_dies_while_d_holds_s_call_and_the_abandonment_travels_down)
{
	SCENE_BEGIN(3);
	tally_proc_destroy(&sc.c, &env);
	test_settle();
	SCENE_CHECK(saw(BADGE_S, PEER_CALLER_GONE, 0));
	SCENE_CHECK(saw(BADGE_S, PEER_CALL_DONE, TALLY_ERR_CANCELLED));
	SCENE_CHECK(saw(BADGE_D, PEER_CALLER_GONE, 0));              /* D learns S gave up */
	SCENE_CHECK(saw(BADGE_D, PEER_REPLY_DONE, TALLY_ERR_DEAD_PEER));
	SCENE_CHECK(saw(BADGE_S, PEER_REPLY_DONE, TALLY_ERR_DEAD_PEER));
	SCENE_CHECK(test_thread_state(sc.s.thread) == TALLY_THREAD_EXITED);
	SCENE_CHECK(test_thread_state(sc.d.thread) == TALLY_THREAD_EXITED);
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_reply_deleted_while_d_holds_s_call)
{
	SCENE_BEGIN(3);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(sc.s.cnode, 10));
	test_settle();
	SCENE_CHECK(saw(BADGE_C, PEER_CALL_DONE, TALLY_ERR_DEAD_PEER));
	SCENE_CHECK(test_thread_state(sc.c.thread) == TALLY_THREAD_EXITED);
	/* S still waits for D, which still works: both can be killed without trouble */
	SCENE_CHECK(test_thread_state(sc.s.thread) == TALLY_THREAD_BLOCKED_REPLY);
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_d_dies_before_anything_and_c_still_gets_an_answer)
{
	seed_setup();
	struct scene sc;

	EXPECT_TRUE(scene_build(&sc));
	tally_proc_start(&sc.c);
	test_settle();
	EXPECT_EQ(TALLY_THREAD_BLOCKED_SEND, test_thread_state(sc.c.thread));
	tally_proc_destroy(&sc.d, &env);        /* S's capability to D's endpoint goes too */
	tally_proc_start(&sc.s);
	test_settle();
	SCENE_CHECK(saw(BADGE_S, PEER_CALL_DONE, TALLY_ERR_LOOKUP_FAILED));
	SCENE_CHECK(saw(BADGE_C, PEER_CALL_DONE, TALLY_OK));
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(seed_c_dies_while_queued_and_s_is_not_disturbed)
{
	seed_setup();
	struct scene sc;

	EXPECT_TRUE(scene_build(&sc));
	tally_proc_start(&sc.c);
	test_settle();
	EXPECT_EQ(TALLY_THREAD_BLOCKED_SEND, test_thread_state(sc.c.thread));
	tally_proc_destroy(&sc.c, &env);
	tally_proc_start(&sc.s);
	test_settle();
	SCENE_CHECK(test_thread_state(sc.s.thread) == TALLY_THREAD_BLOCKED_RECV);   /* an idle server */
	SCENE_CHECK(!saw(BADGE_S, PEER_CALLED, TALLY_OK));
	scene_end(&sc);
	EXPECT_TRUE(test_kernel_consistent());
}
