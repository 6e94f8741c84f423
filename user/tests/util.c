/*
 * Helpers the test files share: root-CNode slots, objects from the largest
 * untyped, and threads in the suite's own address space.
 */
#include "test.h"
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/supervisor.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define STACKS 16
#define STACK_SIZE 8192

static unsigned long slot_next, slot_freed[256], slot_freed_count;

unsigned long
test_slot(void)
{
	if (slot_freed_count)
		return slot_freed[--slot_freed_count];
	if (!slot_next)
		slot_next = tally_bootinfo->first_free_slot;
	return slot_next++;
}

void
test_slot_free(unsigned long slot)
{
	if (slot && slot_freed_count < sizeof(slot_freed) / sizeof(slot_freed[0]))
		slot_freed[slot_freed_count++] = slot;
}

unsigned long
test_untyped(void)
{
	const struct tally_bootinfo *bi = tally_bootinfo;
	unsigned long i, best = 0;

	for (i = 0; i < bi->untyped_count; i++)
		if (!bi->untyped[i].device && bi->untyped[i].size_bits >= bi->untyped[best].size_bits)
			best = i;
	return bi->untyped_first + best;
}

unsigned long
test_object(unsigned long type, unsigned long size_bits)
{
	unsigned long slot = test_slot();

	if (tally_untyped_retype(test_untyped(), type, size_bits, ROOT, slot, 1) != TALLY_OK) {
		test_slot_free(slot);
		return 0;
	}
	return slot;
}

/* Threads the suite gave time to, and the scheduling context each got. */
static struct {
	unsigned long tcb, sc;
} timed[64];

unsigned long
test_time_for(unsigned long tcb, unsigned long budget, unsigned long period)
{
	unsigned long sc, i;

	for (i = 0; i < 64 && timed[i].tcb; i++)
		;
	if (i == 64)
		return 0;
	sc = test_object(TALLY_OBJ_SCHED_CONTEXT, 0);
	if (!sc)
		return 0;
	if (tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc, budget, period) != TALLY_OK ||
	    tally_tcb_set_sched_context(tcb, sc) != TALLY_OK) {
		test_object_free(sc);
		return 0;
	}
	timed[i].tcb = tcb;
	timed[i].sc = sc;
	return sc;
}

void
test_object_free(unsigned long slot)
{
	unsigned long i;

	if (!slot)
		return;
	tally_cnode_delete(ROOT, slot);
	test_slot_free(slot);
	for (i = 0; i < 64; i++)
		if (timed[i].tcb == slot) {
			unsigned long sc = timed[i].sc;

			timed[i].tcb = timed[i].sc = 0;
			test_object_free(sc);
		}
}

static _Alignas(16) unsigned char stacks[STACKS][STACK_SIZE];
static unsigned long stack_owner[STACKS];   /* TCB slot using each stack, 0 if free */

/* A thread of the suite's (see test.h); ipc: share the main thread's IPC buffer. */
static unsigned long
thread_make(void (*fn)(unsigned long), unsigned long arg, unsigned long prio, bool ipc)
{
	unsigned long tcb, i;

	for (i = 0; i < STACKS && stack_owner[i]; i++)
		;
	if (i == STACKS)
		return 0;
	tcb = test_object(TALLY_OBJ_THREAD, 0);
	if (!tcb)
		return 0;
	if (tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE,
				ipc ? TALLY_SLOT_ROOT_IPC_BUFFER : 0, ipc ? TALLY_BOOT_IPC_BUFFER : 0,
				0) != TALLY_OK ||
	    tally_tcb_set_priority(tcb, prio) != TALLY_OK || !test_time_for(tcb, 1, 1) ||
	    tally_tcb_start(tcb, fn, arg, stacks[i] + STACK_SIZE) != TALLY_OK) {
		test_object_free(tcb);
		return 0;
	}
	stack_owner[i] = tcb;
	return tcb;
}

unsigned long
test_thread(void (*fn)(unsigned long), unsigned long arg, unsigned long prio)
{
	return thread_make(fn, arg, prio, false);
}

unsigned long
test_thread_ipc(void (*fn)(unsigned long), unsigned long arg, unsigned long prio)
{
	return thread_make(fn, arg, prio, true);
}

void
test_thread_free(unsigned long tcb)
{
	unsigned long i;

	test_object_free(tcb);
	for (i = 0; i < STACKS; i++)
		if (stack_owner[i] == tcb)
			stack_owner[i] = 0;
}

bool
test_kernel_consistent(void)
{
	struct tally_cap_stats st;

	return tally_debug_check(&st) == TALLY_OK;
}

unsigned long
test_thread_state(unsigned long tcb)
{
	struct tally_tcb_info info;

	return tally_tcb_info(tcb, &info) == TALLY_OK ? info.state : ~0ul;
}

bool
test_wait_state(unsigned long tcb, unsigned long state)
{
	unsigned i;

	for (i = 0; i < 20000; i++) {
		if (test_thread_state(tcb) == state)
			return true;
		tally_yield();
	}
	return false;
}

static unsigned long settle_ntfn;

static void
settle_probe(unsigned long arg)
{
	(void)arg;
	tally_signal(settle_ntfn);
	tally_exit();
}

void
test_settle(void)
{
	unsigned long t;

	settle_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	t = test_thread(settle_probe, 0, 1);
	if (t)
		tally_wait(settle_ntfn, 0);
	test_thread_free(t);
	test_object_free(settle_ntfn);
}

/* ---- the space bank ---- */

#define BANK_SCRATCH 0x610000000000ul

const struct test_bank *
test_bank(void)
{
	static struct test_bank tb;
	const struct tally_bootinfo *bi = tally_bootinfo;
	unsigned long i, list[TALLY_BOOTINFO_UNTYPEDS], n = 0, keep = test_untyped(), best = 0;
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE, .scratch = BANK_SCRATCH,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
		.slot_alloc = test_slot, .slot_free = test_slot_free,
	};
	long err;

	if (tb.server)
		return &tb;
	/* the server is built from the largest Untyped but the suite's; it sells all the rest */
	for (i = 0; i < bi->untyped_count; i++) {
		unsigned long u = bi->untyped_first + i;

		if (bi->untyped[i].device || u == keep)
			continue;
		if (!best || bi->untyped[i].size_bits > bi->untyped[best - bi->untyped_first].size_bits)
			best = u;
		list[n++] = u;
	}
	env.untyped = best;
	err = tally_bank_server_start(&env, tally_proc_module(bi, "bank.elf"), list, n,
				      TEST_BANK_PRIO, &tb.server, &tb.root);
	if (err) {
		printf("  (starting the bank server: %s)\n", tally_error_name(err));
		tb.server = 0;
		return NULL;
	}
	return &tb;
}

bool
test_bank_pool(struct tally_bank_pool *out)
{
	const struct test_bank *tb = test_bank();

	return tb && tally_bank_pool(tb->server, out) == TALLY_OK;
}

bool
test_bank_balanced(void)
{
	struct tally_bank_pool p;
	struct tally_bank_info root;

	if (!test_bank_pool(&p) || tally_bank_info(test_bank()->root, &root) != TALLY_OK)
		return false;
	if (p.free + root.use != p.total || p.destroying)
		printf("  (pool: free %lu + root's use %lu != total %lu, %lu destructions)\n",
		       p.free, root.use, p.total, p.destroying);
	return p.free + root.use == p.total && !p.destroying;
}

/* ---- the supervisor ---- */

#define SUP_SCRATCH 0x630000000000ul
#define SUP_BANK_LIMIT (64ul << 20)

static struct tally_sup sup;
static unsigned long sup_bank;

struct tally_sup *
test_sup(void)
{
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE, .scratch = SUP_SCRATCH,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
		.slot_alloc = test_slot, .slot_free = test_slot_free,
	};
	const struct test_bank *tb = test_bank();
	unsigned long ep, reply;

	if (sup_bank)
		return &sup;
	if (!tb)
		return NULL;
	sup_bank = test_slot();
	ep = test_slot();
	reply = test_slot();
	if (tally_bank_create(tb->root, SUP_BANK_LIMIT, ROOT, sup_bank) ||
	    tally_bank_alloc(sup_bank, TALLY_OBJ_ENDPOINT, 0, ROOT, ep) ||
	    tally_bank_alloc(sup_bank, TALLY_OBJ_REPLY, 0, ROOT, reply) ||
	    tally_sup_init(&sup, &env, sup_bank, ep, reply)) {
		sup_bank = 0;
		return NULL;
	}
	return &sup;
}

unsigned long
test_sup_bank(void)
{
	return test_sup() ? sup_bank : 0;
}
