/*
 * Seed 002's decompression bomb, answered with scheduling contexts. A
 * file-like server has passive workers: each runs a request on the time of
 * the client that made it. One client asks for a huge decompression with a
 * small budget while other clients keep making small requests. The small
 * requests stay served at the pace their own budgets allow; the bomb
 * advances only at its own budget's rate; nothing the bomb does is paid
 * from anyone else's time (DESIGN.md rule 8).
 */
#include "test.h"
#include <libtally/ipc.h>
#include <libtally/rle.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define WORKERS 3
#define VICTIMS 2
#define PRIO 150
#define OP_SUM 1
#define OP_INFLATE 2
#define BOMB_RUNS 512               /* 512 runs of 2^24 bytes: 8 GiB of output */
#define PHASE_TICKS 30

static unsigned long fs_ep, fs_reply[WORKERS], victim_go;
static unsigned char bomb_input[BOMB_RUNS * TALLY_RLE_RUN];
static unsigned char worker_ring[WORKERS][4096];
static volatile unsigned long bomb_progress;
static volatile bool victims_stop;
static volatile unsigned long victim_done[VICTIMS];
static unsigned long victim_lat[VICTIMS][4096];

static inline unsigned long
tsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long)hi << 32 | lo;
}

/* A worker of the file-like server: passive, so it works on its caller's time. */
static void
worker(unsigned long w)
{
	struct tally_msg m = { 0 };

	tally_recv(fs_ep, fs_reply[w], &m);
	for (;;) {
		unsigned long i, sum = 0;

		if (tally_msginfo_label(m.info) == OP_INFLATE) {
			sum = tally_rle_inflate(bomb_input, sizeof(bomb_input), worker_ring[w],
						sizeof(worker_ring[w]), &bomb_progress);
		} else {
			for (i = 0; i < 64; i++)   /* a small job: a checksum of 64 words */
				sum = sum * 31 + (m.mr[0] ^ i);
		}
		m.info = tally_msginfo(0, 1, 0);
		m.mr[0] = sum;
		tally_reply_recv(fs_ep, fs_reply[w], &m);
	}
}

/* A client making small requests until told to stop, timing each. */
static void
victim(unsigned long v)
{
	for (;;) {
		tally_wait(victim_go, 0);
		while (!victims_stop) {
			unsigned long w[4] = { v, 0, 0, 0 }, t0 = tsc();

			if (tally_call4(fs_ep, tally_msginfo(OP_SUM, 1, 0), w) != TALLY_OK)
				break;
			victim_lat[v][victim_done[v] % 4096] = tsc() - t0;
			victim_done[v]++;
		}
	}
}

static volatile long bomb_result = -1;

static void
bomb(unsigned long arg)
{
	struct tally_msg m = { .info = tally_msginfo(OP_INFLATE, 0, 0) };

	(void)arg;
	bomb_result = tally_call(fs_ep, &m);
	tally_exit();
}

static void
sleep_ticks(unsigned long ticks)
{
	unsigned long nobody = test_object(TALLY_OBJ_ENDPOINT, 0);
	struct tally_msg m = { 0 };

	tally_call_timeout(nobody, &m, ticks);
	test_object_free(nobody);
}

static unsigned long
median(unsigned long *v, unsigned long n)
{
	unsigned long i, j;

	if (n > 4096)
		n = 4096;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			unsigned long x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n ? v[n / 2] : 0;
}

/* Let the victims run for a phase; their request counts and median latency. */
static void
run_victims(unsigned long *count, unsigned long *lat)
{
	static unsigned long all[VICTIMS * 4096];
	unsigned long v, n = 0, i;

	for (v = 0; v < VICTIMS; v++)
		victim_done[v] = 0;
	victims_stop = false;
	for (v = 0; v < VICTIMS; v++)
		tally_signal(victim_go);
	sleep_ticks(PHASE_TICKS);
	victims_stop = true;
	test_settle();
	*count = 0;
	for (v = 0; v < VICTIMS; v++) {
		*count += victim_done[v];
		for (i = 0; i < victim_done[v] && i < 4096; i++)
			all[n++] = victim_lat[v][i];
	}
	*lat = median(all, n);
}

/* Ticks the victims' contexts have run in all. */
static unsigned long
victims_time(const unsigned long *vsc)
{
	struct tally_sc_info info;
	unsigned long v, sum = 0;

	for (v = 0; v < VICTIMS; v++)
		if (tally_sc_info(vsc[v], &info) == TALLY_OK)
			sum += info.consumed;
	return sum;
}

TEST(a_decompression_bomb_runs_on_its_own_budget_and_others_stay_served)
{
	unsigned long w[WORKERS], vt[VICTIMS], b, sc_b, alone, alone_lat, with, with_lat, i;
	unsigned long t0, ticks, before, vsc[VICTIMS], used_alone, used_with;
	struct tally_sc_info info;

	for (i = 0; i < BOMB_RUNS; i++)
		tally_rle_run(&bomb_input[i * TALLY_RLE_RUN], 1u << 24, (unsigned char)i);
	fs_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	victim_go = test_object(TALLY_OBJ_NOTIFICATION, 0);
	/* the workers reach their receive on borrowed-for-a-moment time, then go passive */
	for (i = 0; i < WORKERS; i++) {
		fs_reply[i] = test_object(TALLY_OBJ_REPLY, 0);
		w[i] = test_thread(worker, i, PRIO);
		EXPECT_TRUE(w[i]);
	}
	test_settle();
	for (i = 0; i < WORKERS; i++)
		EXPECT_ERR(TALLY_OK, tally_tcb_set_sched_context(w[i], 0));
	/* the victims: 2 ticks in 10 each */
	for (i = 0; i < VICTIMS; i++) {
		static _Alignas(16) unsigned char stacks[VICTIMS][4096];

		vt[i] = test_object(TALLY_OBJ_THREAD, 0);
		EXPECT_ERR(TALLY_OK, tally_tcb_configure(vt[i], ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
		EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(vt[i], PRIO));
		vsc[i] = test_time_for(vt[i], 2, 10);
		EXPECT_TRUE(vsc[i]);
		EXPECT_ERR(TALLY_OK, tally_tcb_start(vt[i], victim, i, stacks[i] + 4096));
	}
	test_settle();
	used_alone = victims_time(vsc);
	run_victims(&alone, &alone_lat);
	used_alone = victims_time(vsc) - used_alone;
	/* the bomb: 1 tick in 10 */
	b = test_object(TALLY_OBJ_THREAD, 0);
	{
		static _Alignas(16) unsigned char stack[4096];

		EXPECT_ERR(TALLY_OK, tally_tcb_configure(b, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
		EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(b, PRIO));
		sc_b = test_time_for(b, 1, 10);
		EXPECT_TRUE(sc_b);
		EXPECT_ERR(TALLY_OK, tally_tcb_start(b, bomb, 0, stack + sizeof(stack)));
	}
	sleep_ticks(10);   /* it is under way */
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc_b, &info));
	before = info.consumed;
	t0 = tally_clock();
	used_with = victims_time(vsc);
	run_victims(&with, &with_lat);
	used_with = victims_time(vsc) - used_with;
	ticks = tally_clock() - t0;
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc_b, &info));
	printf("  (alone: %lu small requests, median %lu cycles; with the bomb: %lu, median %lu;"
	       " the bomb ran %lu of %lu ticks, %lu MiB inflated, lent: %lu)\n", alone, alone_lat,
	       with, with_lat, info.consumed - before, ticks, bomb_progress >> 20, info.lent);
	EXPECT_TRUE(info.lent);                              /* a worker runs it on its time */
	EXPECT_TRUE(info.consumed - before <= ticks / 10 + 2); /* and only on its time */
	EXPECT_TRUE(bomb_progress > 0 && bomb_progress < (unsigned long)BOMB_RUNS << 24);
	EXPECT_EQ(-1, bomb_result);                          /* still going */
	/*
	 * The others stay served: they get the time their own budgets give
	 * them (counted in ticks, which does not depend on how fast the host
	 * runs the guest), bomb or no bomb.
	 */
	printf("  (the small clients ran %lu ticks alone and %lu with the bomb)\n", used_alone,
	       used_with);
	EXPECT_TRUE(with > 0);
	EXPECT_TRUE(used_with + 3 >= used_alone);
	/*
	 * The bomb's client gives up (never waits for its answer): its time
	 * comes back at once. The worker doing it cannot go on without time:
	 * it is stopped and reported (a TIMEOUT fault to a handler, if it had
	 * one), not left to hang, and the other workers go on serving.
	 */
	EXPECT_ERR(TALLY_OK, tally_tcb_suspend(b));
	EXPECT_ERR(TALLY_OK, tally_sc_info(sc_b, &info));
	EXPECT_EQ(0, info.lent);
	for (i = 0, before = 0; i < WORKERS; i++)
		before += test_thread_state(w[i]) == TALLY_THREAD_FAULTED;
	EXPECT_EQ(1, before);
	used_with = victims_time(vsc);
	run_victims(&with, &with_lat);
	used_with = victims_time(vsc) - used_with;
	EXPECT_TRUE(with > 0);
	EXPECT_TRUE(used_with + 3 >= used_alone);
	test_object_free(b);
	for (i = 0; i < VICTIMS; i++)
		test_object_free(vt[i]);
	for (i = 0; i < WORKERS; i++) {
		test_thread_free(w[i]);
		test_object_free(fs_reply[i]);
	}
	test_object_free(victim_go);
	test_object_free(fs_ep);
	EXPECT_TRUE(test_kernel_consistent());
}
