/*
 * bench: the root task of the benchmark image (`make bench`).
 *
 * Each figure is read from the time-stamp counter around one operation,
 * many times after a warm-up. Under QEMU TCG with -icount shift=0 the TSC
 * advances one tick per guest instruction, so figures are exact instruction
 * counts; on real hardware (KVM=1) they are cycles. The measuring code's own
 * cost (two TSC reads and the loop around them, measured the same way with
 * no operation between) is subtracted from every sample. Output, one line
 * per figure:
 *   BENCH <name> <unit> median=<n> min=<n> max=<n> iters=<n>
 */
#include <libtally/bank.h>
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/supervisor.h>
#include <libtally/thread.h>
#include <libtally/process.h>
#include <libtally/rle.h>
#include <stdbool.h>
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/syscall.h>

#define BENCH_WARMUP 100
#define BENCH_ITERS 1000

static unsigned long samples[BENCH_ITERS];

static inline unsigned long
tsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((unsigned long)hi << 32) | lo;
}

static void
sort(unsigned long *v, unsigned long n)
{
	unsigned long i, j;

	for (i = 1; i < n; i++) {
		unsigned long x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

struct stats {
	unsigned long median, min, max;
};

static struct stats
stats_of(unsigned long *v, unsigned long n)
{
	sort(v, n);
	return (struct stats){ v[n / 2], v[0], v[n - 1] };
}

static void
op_none(void)
{
}

/*
 * Sample `op` BENCH_ITERS times after a warm-up, with `undo` (not measured)
 * after each; `overhead` is subtracted.
 */
static struct stats
measure_undo(void (*op)(void), void (*undo)(void), unsigned long overhead)
{
	unsigned long i, t0, t1;

	for (i = 0; i < BENCH_WARMUP; i++) {
		op();
		undo();
	}
	for (i = 0; i < BENCH_ITERS; i++) {
		t0 = tsc();
		op();
		t1 = tsc();
		undo();
		samples[i] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
	}
	return stats_of(samples, BENCH_ITERS);
}

static struct stats
measure(void (*op)(void), unsigned long overhead)
{
	return measure_undo(op, op_none, overhead);
}


static void
op_null_syscall(void)
{
	tally_null();
}

static void
report_n(const char *name, const char *unit, struct stats s, unsigned long iters)
{
	printf("BENCH %s %s median=%lu min=%lu max=%lu iters=%lu\n", name, unit, s.median,
	       s.min, s.max, iters);
}

static void
report(const char *name, const char *unit, struct stats s)
{
	report_n(name, unit, s, BENCH_ITERS);
}

/* ---- capabilities ---- */

#define ROOT TALLY_SLOT_ROOT_CNODE

static unsigned long bench_untyped, bench_slot, bench_ep, bench_big;

static void
bench_fail(const char *what, long err)
{
	printf("bench: %s failed: %s\n", what, tally_error_name(err));
	tally_debug_shutdown(TALLY_SHUTDOWN_FAILURE);
}

/* Pick the largest RAM untyped and keep one object alive in it, so retypes
 * below measure the ordinary path (not the reset of an empty untyped). */
static void
cap_setup(const struct tally_bootinfo *bi)
{
	unsigned long i, best = 0, next = bi->first_free_slot;
	long err;

	for (i = 0; i < bi->untyped_count; i++)
		if (!bi->untyped[i].device && bi->untyped[i].size_bits >= bi->untyped[best].size_bits)
			best = i;
	bench_untyped = bi->untyped_first + best;
	bench_ep = next++;
	bench_slot = next++;
	bench_big = next++;
	err = tally_untyped_retype(bench_untyped, TALLY_OBJ_ENDPOINT, 0, ROOT, bench_ep, 1);
	if (err)
		bench_fail("retype", err);
	err = tally_untyped_retype(bench_untyped, TALLY_OBJ_CNODE, 17, ROOT, bench_big, 1);
	if (err)
		bench_fail("retype of a 2^17-slot CNode", err);
}

static void
op_retype_endpoint(void)
{
	tally_untyped_retype(bench_untyped, TALLY_OBJ_ENDPOINT, 0, ROOT, bench_slot, 1);
}

static void
op_retype_frame4k(void)
{
	tally_untyped_retype(bench_untyped, TALLY_OBJ_FRAME_4K, 0, ROOT, bench_slot, 1);
}

static void
op_cap_copy(void)
{
	tally_cnode_copy(ROOT, bench_slot, bench_ep, 64, TALLY_RIGHTS_ALL);
}

static void
undo_slot(void)
{
	tally_cnode_delete(ROOT, bench_slot);
}

/* Revoke n copies of the endpoint; each sample is per capability. */
static struct stats
measure_revoke(unsigned long n, unsigned long runs, unsigned long overhead)
{
	unsigned long r, i, t0, t1;

	for (r = 0; r < runs; r++) {
		for (i = 1; i <= n; i++)
			if (tally_cnode_copy(bench_big, i, bench_ep, 64, TALLY_RIGHTS_ALL))
				bench_fail("copy", -1);
		t0 = tsc();
		tally_cnode_revoke(ROOT, bench_ep);
		t1 = tsc();
		samples[r] = (t1 - t0 - overhead) / n;
	}
	return stats_of(samples, runs);
}

/* ---- threads and IPC ---- */

#define STACK_SIZE 4096

static unsigned long bench_reply, bench_tcb, bench_ntfn_a, bench_ntfn_b, bench_ntfn_sleep;
static _Alignas(16) unsigned char bench_stack[STACK_SIZE];
static volatile unsigned long yield_stamp;

static unsigned long
bench_object(unsigned long type)
{
	static unsigned long next;
	unsigned long slot;
	long err;

	if (!next)
		next = bench_big + 1;
	slot = next++;
	err = tally_untyped_retype(bench_untyped, type, 0, ROOT, slot, 1);
	if (err)
		bench_fail("retype", err);
	return slot;
}

/* The bench threads' scheduling context: the whole CPU, bound once. */
static long
bench_give_time(unsigned long tcb)
{
	static unsigned long sc;
	long err;

	if (sc)
		return TALLY_OK;
	sc = bench_object(TALLY_OBJ_SCHED_CONTEXT);
	err = tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc, 1, 1);
	if (!err)
		err = tally_tcb_set_sched_context(tcb, sc);
	return err;
}

/* A thread of this address space at the root task's priority, running fn. */
static void
bench_thread(void (*fn)(unsigned long))
{
	long err;

	if (!bench_tcb)
		bench_tcb = bench_object(TALLY_OBJ_THREAD);
	else
		tally_tcb_suspend(bench_tcb);
	err = tally_tcb_configure(bench_tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0);
	if (!err)
		err = tally_tcb_set_priority(bench_tcb, TALLY_PRIO_MAX);
	if (!err)
		err = bench_give_time(bench_tcb);
	if (!err)
		err = tally_tcb_start(bench_tcb, fn, 0, bench_stack + STACK_SIZE);
	if (err)
		bench_fail("thread start", err);
}

static void
echo_server(unsigned long arg)
{
	(void)arg;
	tally_echo_forever(bench_ep, bench_reply);
}

/* A call with four words in registers, answered by an echo server. */
static void
op_call(void)
{
	unsigned long w[4] = { 1, 2, 3, 4 };

	tally_call4(bench_ep, tally_msginfo(1, 4, 0), w);
}

static void
notify_partner(unsigned long arg)
{
	(void)arg;
	for (;;) {
		tally_wait(bench_ntfn_a, 0);
		tally_signal(bench_ntfn_b);
	}
}

static void
op_notify_roundtrip(void)
{
	tally_signal(bench_ntfn_a);
	tally_wait(bench_ntfn_b, 0);
}

static void
yield_partner(unsigned long arg)
{
	(void)arg;
	for (;;) {
		yield_stamp = tsc();
		tally_yield();
	}
}

/* One switch: from the root task's yield to the partner's first instruction after its own. */
static struct stats
measure_yield_switch(unsigned long overhead)
{
	unsigned long i, t0;

	for (i = 0; i < BENCH_WARMUP; i++)
		tally_yield();
	for (i = 0; i < BENCH_ITERS; i++) {
		t0 = tsc();
		tally_yield();
		samples[i] = yield_stamp - t0 > overhead ? yield_stamp - t0 - overhead : 0;
	}
	return stats_of(samples, BENCH_ITERS);
}

static void
ipc_benches(const char *unit, unsigned long overhead)
{
	bench_reply = bench_object(TALLY_OBJ_REPLY);
	bench_ntfn_a = bench_object(TALLY_OBJ_NOTIFICATION);
	bench_ntfn_b = bench_object(TALLY_OBJ_NOTIFICATION);
	bench_thread(echo_server);
	tally_yield();   /* let it reach its receive */
	report("ipc_call_reply_same_as", unit, measure(op_call, overhead));
	bench_thread(notify_partner);
	tally_yield();
	report("notify_roundtrip", unit, measure(op_notify_roundtrip, overhead));
	bench_thread(yield_partner);
	report("yield_switch", unit, measure_yield_switch(overhead));
	tally_tcb_suspend(bench_tcb);
}

/* ---- between address spaces, and page faults ---- */

#define FAULT_REGION 0x700000000000ul
#define FAULT_PAGES (BENCH_WARMUP + BENCH_ITERS)
#define FAULT_DONE 0x1000ul     /* the touch that ends the run (never mapped) */
#define SLOT_FRAMES 2000        /* root slots for the fault benchmark's frames */
#define SLOT_TOP 3500           /* and down from here, slots for the process builder */

static unsigned long proc_slot_next = SLOT_TOP, proc_slot_freed[256], proc_slot_nfreed;

static unsigned long
proc_slot_alloc(void)
{
	if (proc_slot_nfreed)
		return proc_slot_freed[--proc_slot_nfreed];
	return proc_slot_next--;
}

static void
proc_slot_free(unsigned long slot)
{
	if (proc_slot_nfreed < sizeof(proc_slot_freed) / sizeof(proc_slot_freed[0]))
		proc_slot_freed[proc_slot_nfreed++] = slot;
}

static void
cross_as_bench(const struct tally_bootinfo *bi, const char *unit, unsigned long overhead)
{
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE,
		.untyped = bench_untyped, .scratch = 0x600000000000ul,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
		.slot_alloc = proc_slot_alloc, .slot_free = proc_slot_free,
	};
	struct tally_proc p;
	unsigned long reply = bench_object(TALLY_OBJ_REPLY);
	long err;

	if (bi->module_count < 2)
		bench_fail("finding the peer module", TALLY_ERR_NOT_FOUND);
	err = tally_proc_create(&p, &env, &bi->modules[1], 20, TALLY_PRIO_MAX, "echo", 0);
	if (!err)
		err = tally_proc_give(&p, bench_ep, TALLY_RIGHTS_ALL, NULL);
	if (!err)
		err = tally_cnode_move(p.cnode, p.next_free, reply, 64);   /* its slot 9 */
	if (!err)
		err = tally_proc_start(&p);
	if (err)
		bench_fail("building the echo process", err);
	tally_yield();   /* let it reach its receive */
	/* the server on its own scheduling context, then passive: on the caller's */
	report("ipc_call_reply_cross_as_own_sc", unit, measure(op_call, overhead));
	err = tally_tcb_set_sched_context(p.thread, 0);
	if (err)
		bench_fail("making the echo process passive", err);
	report("ipc_call_reply_cross_as", unit, measure(op_call, overhead));
	tally_tcb_suspend(p.thread);
}

static volatile unsigned long fault_samples[FAULT_PAGES];

/* Touch each page of the region once; each touch faults to the handler, which maps it. */
static void
toucher(unsigned long arg)
{
	unsigned long i, t0, t1;

	(void)arg;
	for (i = 0; i < FAULT_PAGES; i++) {
		t0 = tsc();
		*(volatile unsigned char *)(FAULT_REGION + i * 4096) = 1;
		t1 = tsc();
		fault_samples[i] = t1 - t0;
	}
	*(volatile unsigned char *)FAULT_DONE = 1;
}

static void
map_tables(unsigned long va, unsigned long n_pt)
{
	unsigned long i;
	long err;

	err = tally_page_table_map(bench_object(TALLY_OBJ_PDPT), TALLY_SLOT_ROOT_VSPACE, va);
	if (!err)
		err = tally_page_table_map(bench_object(TALLY_OBJ_PD), TALLY_SLOT_ROOT_VSPACE, va);
	for (i = 0; !err && i < n_pt; i++)
		err = tally_page_table_map(bench_object(TALLY_OBJ_PT), TALLY_SLOT_ROOT_VSPACE,
					   va + (i << 21));
	if (err)
		bench_fail("mapping page tables", err);
}

static void
pagefault_bench(const char *unit, unsigned long overhead)
{
	unsigned long fault_ep = bench_object(TALLY_OBJ_ENDPOINT);
	unsigned long reply = bench_object(TALLY_OBJ_REPLY), next = 0, i;
	struct tally_msg m = { 0 };
	long err;

	map_tables(FAULT_REGION, (FAULT_PAGES + 511) / 512);
	err = tally_untyped_retype(bench_untyped, TALLY_OBJ_FRAME_4K, 0, ROOT, SLOT_FRAMES, 256);
	for (i = 256; !err && i < FAULT_PAGES; i += 256)
		err = tally_untyped_retype(bench_untyped, TALLY_OBJ_FRAME_4K, 0, ROOT, SLOT_FRAMES + i,
					   FAULT_PAGES - i < 256 ? FAULT_PAGES - i : 256);
	if (err)
		bench_fail("retype of frames", err);
	if (!bench_tcb)
		bench_tcb = bench_object(TALLY_OBJ_THREAD);
	tally_tcb_suspend(bench_tcb);
	err = tally_tcb_configure(bench_tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, fault_ep);
	if (!err)
		err = bench_give_time(bench_tcb);
	if (!err)
		err = tally_tcb_start(bench_tcb, toucher, 0, bench_stack + STACK_SIZE);
	if (err)
		bench_fail("starting the toucher", err);
	/* the handler: map the page that faulted and let the thread go on */
	err = tally_recv(fault_ep, reply, &m);
	while (!err && m.mr[1] != FAULT_DONE && next < FAULT_PAGES) {
		err = tally_frame_map(SLOT_FRAMES + next++, TALLY_SLOT_ROOT_VSPACE, m.mr[1] & ~0xffful,
				      TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
		m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
		if (!err)
			err = tally_reply_recv(fault_ep, reply, &m);
	}
	if (err || next != FAULT_PAGES)
		bench_fail("handling page faults", err ? err : TALLY_ERR_RANGE);
	tally_tcb_suspend(bench_tcb);
	for (i = 0; i < BENCH_ITERS; i++) {
		unsigned long v = fault_samples[BENCH_WARMUP + i];

		samples[i] = v > overhead ? v - overhead : 0;
	}
	report("pagefault_user_handler", unit, stats_of(samples, BENCH_ITERS));
}

/* ---- the decompression bomb: a small request's latency with and without it ---- */

#define BOMB_WORKERS 2
#define BOMB_RUNS 256
#define BOMB_PHASE_TICKS 20
#define BOMB_SAMPLES 1000

static unsigned long fs_ep, fs_reply[BOMB_WORKERS], bomb_go;
static unsigned char bomb_input[BOMB_RUNS * TALLY_RLE_RUN];
static unsigned char bomb_ring[BOMB_WORKERS][4096];
static volatile unsigned long bomb_victim_n;
static volatile bool bomb_stop;
static _Alignas(16) unsigned char bomb_stacks[BOMB_WORKERS + 2][STACK_SIZE];

/* A passive worker of the file-like server: small checksums, or inflating the bomb. */
static void
bomb_worker(unsigned long w)
{
	struct tally_msg m = { 0 };

	tally_recv(fs_ep, fs_reply[w], &m);
	for (;;) {
		unsigned long i, sum = 0;

		if (tally_msginfo_label(m.info) == 2)
			sum = tally_rle_inflate(bomb_input, sizeof(bomb_input), bomb_ring[w],
						sizeof(bomb_ring[w]), 0);
		else
			for (i = 0; i < 64; i++)
				sum = sum * 31 + (m.mr[0] ^ i);
		m.info = tally_msginfo(0, 1, 0);
		m.mr[0] = sum;
		tally_reply_recv(fs_ep, fs_reply[w], &m);
	}
}

/* The victim: small requests, each timed, until told to stop. */
static void
bomb_victim(unsigned long arg)
{
	(void)arg;
	for (;;) {
		tally_wait(bomb_go, 0);
		while (!bomb_stop) {
			unsigned long w[4] = { 1, 0, 0, 0 }, t0 = tsc(), t1;

			tally_call4(fs_ep, tally_msginfo(1, 1, 0), w);
			t1 = tsc();
			if (bomb_victim_n < BOMB_SAMPLES)
				samples[bomb_victim_n] = t1 - t0;
			bomb_victim_n++;
		}
	}
}

static void
bomb_client(unsigned long arg)
{
	struct tally_msg m = { .info = tally_msginfo(2, 0, 0) };

	(void)arg;
	tally_call(fs_ep, &m);
	tally_exit();
}

/* A thread at priority 150 with budget/period (0: none, passive). */
static unsigned long
bomb_thread(void (*fn)(unsigned long), unsigned long arg, unsigned long budget,
	    unsigned long period, unsigned char *stack)
{
	unsigned long t = bench_object(TALLY_OBJ_THREAD), sc;
	long err = tally_tcb_configure(t, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0);

	if (!err)
		err = tally_tcb_set_priority(t, 150);
	if (!err && budget) {
		sc = bench_object(TALLY_OBJ_SCHED_CONTEXT);
		err = tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc, budget, period);
		if (!err)
			err = tally_tcb_set_sched_context(t, sc);
	}
	if (!err)
		err = tally_tcb_start(t, fn, arg, stack + STACK_SIZE);
	if (err)
		bench_fail("starting a bomb scenario thread", err);
	return t;
}

static void
bench_sleep(unsigned long ticks)
{
	struct tally_msg m = { 0 };

	tally_call_timeout(bench_ntfn_sleep, &m, ticks);
}

/* Run the victim for a phase; report the median of its first BOMB_SAMPLES requests. */
static void
bomb_phase(const char *name, const char *unit, unsigned long overhead)
{
	unsigned long i, n;

	bomb_victim_n = 0;
	bomb_stop = false;
	tally_signal(bomb_go);
	bench_sleep(BOMB_PHASE_TICKS);
	bomb_stop = true;
	bench_sleep(2);
	n = bomb_victim_n < BOMB_SAMPLES ? bomb_victim_n : BOMB_SAMPLES;
	if (n < 11)
		bench_fail("bomb scenario: too few requests", TALLY_ERR_RANGE);
	for (i = 0; i < n; i++)
		samples[i] = samples[i] > overhead ? samples[i] - overhead : 0;
	report_n(name, unit, stats_of(samples, n), n);
}

static void
bomb_bench(const char *unit, unsigned long overhead)
{
	unsigned long i, w[BOMB_WORKERS], victim, b;

	for (i = 0; i < BOMB_RUNS; i++)
		tally_rle_run(&bomb_input[i * TALLY_RLE_RUN], 1u << 24, (unsigned char)i);
	fs_ep = bench_object(TALLY_OBJ_ENDPOINT);
	bomb_go = bench_object(TALLY_OBJ_NOTIFICATION);
	bench_ntfn_sleep = bench_object(TALLY_OBJ_ENDPOINT);
	for (i = 0; i < BOMB_WORKERS; i++) {
		fs_reply[i] = bench_object(TALLY_OBJ_REPLY);
		w[i] = bomb_thread(bomb_worker, i, 1, 1, bomb_stacks[i]);
	}
	bench_sleep(2);   /* they reach their receive, then go passive */
	for (i = 0; i < BOMB_WORKERS; i++)
		tally_tcb_set_sched_context(w[i], 0);
	victim = bomb_thread(bomb_victim, 0, 2, 10, bomb_stacks[BOMB_WORKERS]);
	bench_sleep(2);
	bomb_phase("bomb_victim_latency_alone", unit, overhead);
	b = bomb_thread(bomb_client, 0, 1, 10, bomb_stacks[BOMB_WORKERS + 1]);
	bench_sleep(2);
	bomb_phase("bomb_victim_latency_with_bomb", unit, overhead);
	tally_tcb_suspend(b);
	tally_tcb_suspend(victim);
}

/* ---- the space bank and the supervisor ---- */

#define SUP_SCRATCH 0x630000000000ul
#define SPAWN_ITERS 50

static unsigned long bank_server, bank_root, bank_b, bank_keep[2];

static void
bank_setup(const struct tally_bootinfo *bi)
{
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE, .scratch = 0x610000000000ul,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
		.slot_alloc = proc_slot_alloc, .slot_free = proc_slot_free,
	};
	unsigned long list[TALLY_BOOTINFO_UNTYPEDS], n = 0, i;
	long err;

	/* the server is built from, and sells, every RAM Untyped but the benchmark's own */
	for (i = 0; i < bi->untyped_count; i++) {
		unsigned long u = bi->untyped_first + i;

		if (bi->untyped[i].device || u == bench_untyped)
			continue;
		if (!env.untyped || bi->untyped[i].size_bits >
		    bi->untyped[env.untyped - bi->untyped_first].size_bits)
			env.untyped = u;
		list[n++] = u;
	}
	err = tally_bank_server_start(&env, tally_proc_module(bi, "bank.elf"), list, n,
				      TALLY_PRIO_MAX, &bank_server, &bank_root);
	bank_b = proc_slot_alloc();
	bank_keep[0] = proc_slot_alloc();
	bank_keep[1] = proc_slot_alloc();
	if (!err)
		err = tally_bank_create(bank_root, 64ul << 20, ROOT, bank_b);
	/* one object of each class stays, so the measured ones find their chunk in use */
	if (!err)
		err = tally_bank_alloc(bank_b, TALLY_OBJ_ENDPOINT, 0, ROOT, bank_keep[0]);
	if (!err)
		err = tally_bank_alloc(bank_b, TALLY_OBJ_FRAME_4K, 0, ROOT, bank_keep[1]);
	if (err)
		bench_fail("starting the bank server", err);
}

static void
op_bank_alloc_endpoint(void)
{
	tally_bank_alloc(bank_b, TALLY_OBJ_ENDPOINT, 0, ROOT, bench_slot);
}

static void
op_bank_alloc_frame4k(void)
{
	tally_bank_alloc(bank_b, TALLY_OBJ_FRAME_4K, 0, ROOT, bench_slot);
}

static void
undo_bank_alloc(void)
{
	tally_bank_free(bank_b, ROOT, bench_slot);
}

/* Destroy a bank holding n endpoints (in the big CNode); each sample is per object. */
static struct stats
measure_bank_destroy(unsigned long n, unsigned long runs, unsigned long overhead)
{
	unsigned long r, i, made, t0, t1, x = proc_slot_alloc();
	long err;

	for (r = 0; r < runs; r++) {
		err = tally_bank_create(bank_root, 64ul << 20, ROOT, x);
		for (i = 0; !err && i < n; i += made)
			err = tally_bank_alloc_n(x, TALLY_OBJ_ENDPOINT, 0, bench_big, 1 + i,
						 n - i < 256 ? n - i : 256, &made);
		if (err)
			bench_fail("filling a bank", err);
		t0 = tsc();
		err = tally_bank_destroy(x);
		t1 = tsc();
		if (err)
			bench_fail("destroying a bank", err);
		samples[r] = (t1 - t0 - overhead) / n;
	}
	return stats_of(samples, runs);
}

/* Spawn a process that exits at once, and reclaim it when its exit arrives. */
static struct stats
measure_spawn_kill(unsigned long overhead)
{
	static struct tally_sup sup;
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE, .scratch = SUP_SCRATCH,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
		.slot_alloc = proc_slot_alloc, .slot_free = proc_slot_free,
	};
	struct tally_sup_spec spec = {
		.module = tally_proc_module(tally_bootinfo, "peer.elf"), .limit = 1ul << 20,
		.prio = TALLY_PRIO_MAX - 1, .args = "exit",
	};
	unsigned long ep = bench_object(TALLY_OBJ_ENDPOINT), reply = bench_object(TALLY_OBJ_REPLY);
	unsigned long i, pid, t0, t1;
	struct tally_sup_event ev;
	long err = tally_sup_init(&sup, &env, bank_b, ep, reply);

	for (i = 0; !err && i < SPAWN_ITERS + 5; i++) {
		t0 = tsc();
		err = tally_sup_spawn(&sup, &spec, &pid);
		if (!err)
			err = tally_sup_start(&sup, pid);
		if (!err)
			err = tally_sup_wait(&sup, &ev, true);
		t1 = tsc();
		if (i >= 5)   /* a short warm-up */
			samples[i - 5] = t1 - t0 - overhead;
	}
	if (err || ev.kind != TALLY_SUP_EXITED)
		bench_fail("spawning and reclaiming", err);
	return stats_of(samples, SPAWN_ITERS);
}

static void
bank_benches(const struct tally_bootinfo *bi, const char *unit, unsigned long overhead)
{
	bank_setup(bi);
	report("bank_alloc_endpoint", unit,
	       measure_undo(op_bank_alloc_endpoint, undo_bank_alloc, overhead));
	report("bank_alloc_frame4k", unit,
	       measure_undo(op_bank_alloc_frame4k, undo_bank_alloc, overhead));
	report_n("bank_destroy_per_obj_1k", unit, measure_bank_destroy(1000, 21, overhead), 21);
	report_n("bank_destroy_per_obj_100k", unit, measure_bank_destroy(100000, 3, overhead), 3);
	report_n("spawn_kill", unit, measure_spawn_kill(overhead), SPAWN_ITERS);
}

int
main(const struct tally_bootinfo *bi)
{
	const char *unit = bi->tsc_unit_insns ? "insns" : "cycles";
	unsigned long overhead = measure(op_none, 0).min;

	printf("bench: TSC counts %s; measuring overhead %lu subtracted\n", unit, overhead);
	report("null_syscall", unit, measure(op_null_syscall, overhead));
	cap_setup(bi);
	report("retype_endpoint", unit, measure_undo(op_retype_endpoint, undo_slot, overhead));
	report("retype_frame4k", unit, measure_undo(op_retype_frame4k, undo_slot, overhead));
	report("cap_copy", unit, measure_undo(op_cap_copy, undo_slot, overhead));
	report_n("revoke_per_cap_1k", unit, measure_revoke(1000, 21, overhead), 21);
	report_n("revoke_per_cap_100k", unit, measure_revoke(100000, 3, overhead), 3);
	ipc_benches(unit, overhead);
	cross_as_bench(bi, unit, overhead);
	pagefault_bench(unit, overhead);
	bomb_bench(unit, overhead);
	bank_benches(bi, unit, overhead);
	tally_debug_shutdown(TALLY_SHUTDOWN_SUCCESS);
	return 0;
}
