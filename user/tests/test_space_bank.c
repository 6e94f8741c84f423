/*
 * The space bank (user/bank, docs/banks.md) through its protocol: objects
 * of every type bought and freed on a bank's account, limits that give
 * NO_MEMORY to one bank's holders only, nested limits, SPEND capabilities,
 * destruction of a bank tree (every object and capability gone, every byte
 * back, byte for byte, as the kernel reports each chunk), watchers, and a
 * server that keeps serving while a large bank is destroyed.
 *
 * After every test the pool is balanced: the bytes the kernel reports free
 * in the server's chunks are its total less the root bank's use.
 */
#include "test.h"
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE
#define KIB 1024ul
#define MIB (1024ul * 1024)

static const struct test_bank *tb;

/* A sub-bank of the root with `limit`, in a fresh slot; 0 on failure. */
static unsigned long
sub_bank(unsigned long parent, unsigned long limit)
{
	unsigned long slot = test_slot();
	long err = tally_bank_create(parent, limit, ROOT, slot);

	if (err) {
		printf("  (creating a bank: %s)\n", tally_error_name(err));
		test_slot_free(slot);
		return 0;
	}
	return slot;
}

static void
bank_gone(unsigned long slot)
{
	tally_bank_destroy(slot);
	test_object_free(slot);
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

	if (tally_cnode_inspect(ROOT, slot, &si) != TALLY_OK)
		return ~0ul;
	return si.type;
}

TEST(bank_server_starts_and_the_root_bank_holds_its_pool)
{
	struct tally_bank_pool p;
	struct tally_bank_info root;

	tb = test_bank();
	EXPECT_TRUE(tb != NULL);
	EXPECT_TRUE(test_bank_pool(&p));
	EXPECT_TRUE(p.total >= 64 * MIB);
	EXPECT_EQ(p.total, p.free);
	EXPECT_EQ(p.total, p.chunks_free << 21);
	EXPECT_ERR(TALLY_OK, tally_bank_info(tb->root, &root));
	EXPECT_EQ(p.total, root.limit);
	EXPECT_EQ(0, root.use);
	EXPECT_EQ(0, root.id);
	EXPECT_EQ(1, p.banks);
	EXPECT_TRUE(test_bank_balanced());
}

/* Every type, with the sizes it takes, lands in the named slot as an original. */
static const struct {
	unsigned long type, size_bits;
} every_type[] = {
	{ TALLY_OBJ_ENDPOINT, 0 }, { TALLY_OBJ_NOTIFICATION, 0 }, { TALLY_OBJ_REPLY, 0 },
	{ TALLY_OBJ_THREAD, 0 }, { TALLY_OBJ_CNODE, 4 }, { TALLY_OBJ_CNODE, 12 },
	{ TALLY_OBJ_FRAME_4K, 0 }, { TALLY_OBJ_FRAME_2M, 0 }, { TALLY_OBJ_PML4, 0 },
	{ TALLY_OBJ_PDPT, 0 }, { TALLY_OBJ_PD, 0 }, { TALLY_OBJ_PT, 0 },
	{ TALLY_OBJ_UNTYPED, 12 }, { TALLY_OBJ_UNTYPED, 15 }, { TALLY_OBJ_UNTYPED, 20 },
	{ TALLY_OBJ_SCHED_CONTEXT, 0 },
};
#define NTYPES (sizeof(every_type) / sizeof(every_type[0]))

TEST(a_bank_sells_every_object_type_and_accounts_for_each_byte)
{
	unsigned long a = sub_bank(tb->root, 16 * MIB), slots[NTYPES], i, sum = 0;
	unsigned long bytes[TALLY_OBJ_COUNT] = { 0 };
	struct tally_bank_info in;

	EXPECT_TRUE(a);
	for (i = 0; i < NTYPES; i++) {
		struct tally_slot_info si;

		slots[i] = test_slot();
		EXPECT_ERR(TALLY_OK, tally_bank_alloc(a, every_type[i].type, every_type[i].size_bits,
						      ROOT, slots[i]));
		EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, slots[i], &si));
		EXPECT_EQ(every_type[i].type, si.type);
		EXPECT_TRUE(si.flags & TALLY_INSPECT_ORIGINAL);
		bytes[every_type[i].type] += tally_object_bytes(every_type[i].type,
								 every_type[i].size_bits);
		sum += tally_object_bytes(every_type[i].type, every_type[i].size_bits);
	}
	in = info_of(a);
	EXPECT_EQ(NTYPES, in.objects);
	for (i = 0; i < TALLY_OBJ_COUNT; i++)
		EXPECT_EQ(bytes[i], in.bytes[i]);
	EXPECT_TRUE(in.use >= sum);          /* and what alignment left between them */
	EXPECT_EQ(in.use, in.peak);
	EXPECT_EQ(in.use, info_of(tb->root).use);
	EXPECT_TRUE(test_bank_balanced());
	/* freed one by one, every chunk empties and every byte comes back */
	for (i = 0; i < NTYPES; i++) {
		EXPECT_ERR(TALLY_OK, tally_bank_free(a, ROOT, slots[i]));
		EXPECT_EQ(TALLY_OBJ_NULL, slot_type(slots[i]));
		test_slot_free(slots[i]);
	}
	in = info_of(a);
	EXPECT_EQ(0, in.objects);
	EXPECT_EQ(0, in.use);
	for (i = 0; i < TALLY_OBJ_COUNT; i++)
		EXPECT_EQ(0, in.bytes[i]);
	EXPECT_TRUE(in.peak >= sum);
	EXPECT_TRUE(test_bank_balanced());
	bank_gone(a);
	EXPECT_EQ(0, info_of(tb->root).use);
}

TEST(bad_requests_are_refused_with_named_errors_and_change_nothing)
{
	unsigned long a = sub_bank(tb->root, MIB), s = test_slot(), spend = test_slot();
	struct tally_msg m = { .info = tally_msginfo(TALLY_BANK_LABEL_COUNT, 0, 0) };
	struct tally_bank_pool p;

	EXPECT_TRUE(a);
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_bank_alloc(a, TALLY_OBJ_ZOMBIE, 0, ROOT, s));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_bank_alloc(a, TALLY_OBJ_CNODE, 1, ROOT, s));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_alloc(a, TALLY_OBJ_CNODE, 16, ROOT, s));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_alloc(a, TALLY_OBJ_UNTYPED, 21, ROOT, s));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_alloc_n(a, TALLY_OBJ_ENDPOINT, 0, ROOT, s, 0, 0));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_alloc_n(a, TALLY_OBJ_ENDPOINT, 0, ROOT, s, 257, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_bank_alloc(a, TALLY_OBJ_ENDPOINT, 0, 0, s));      /* no CNode with it */
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_alloc(a, TALLY_OBJ_ENDPOINT, 0, ROOT, 4096));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_bank_alloc(a, TALLY_OBJ_ENDPOINT, 0, ROOT, ROOT));
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_bank_free(a, ROOT, s));   /* empty */
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_bank_free(a, ROOT, ROOT));   /* not the bank's */
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_create(a, 2 * MIB, ROOT, s));   /* above its own limit */
	EXPECT_ERR(TALLY_OK, tally_call(a, &m));   /* an unknown request */
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, (long)tally_msginfo_label(m.info));
	/* the owner's requests need the owner's capability */
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_bank_pool(a, &p));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_bank_root(a, ROOT, s));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_bank_destroy(tb->root));   /* the root stays */
	/* a SPEND capability may spend but not destroy */
	EXPECT_ERR(TALLY_OK, tally_bank_mint_spend(a, ROOT, spend));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_bank_destroy(spend));
	EXPECT_EQ(0, info_of(a).use);
	EXPECT_EQ(0, info_of(a).objects);
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(s));
	test_slot_free(s);
	bank_gone(a);
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(spend));   /* it went with its bank */
	test_slot_free(spend);
	EXPECT_TRUE(test_bank_balanced());
}

/* Fill bank `b` with endpoints into slots of `cnode` from `index` until NO_MEMORY; how many. */
static unsigned long
fill(unsigned long b, unsigned long cnode, unsigned long index, unsigned long max)
{
	unsigned long n = 0, made;
	long err = TALLY_OK;

	while (!err && n < max) {
		err = tally_bank_alloc_n(b, TALLY_OBJ_ENDPOINT, 0, cnode, index + n,
					 max - n < 64 ? max - n : 64, &made);
		n += made;
	}
	return n;
}

TEST(a_full_bank_gives_no_memory_to_its_own_holders_only)
{
	unsigned long a = sub_bank(tb->root, 64 * KIB), b = sub_bank(tb->root, 64 * KIB);
	unsigned long cn = test_object(TALLY_OBJ_CNODE, 11), n, s = test_slot();
	struct tally_bank_info ia;

	EXPECT_TRUE(a && b && cn);
	/* 64 KiB is 512 endpoints exactly: the limit counts bytes */
	n = fill(a, cn, 1, 1000);
	EXPECT_EQ(512, n);
	EXPECT_ERR(TALLY_ERR_NO_MEMORY, tally_bank_alloc(a, TALLY_OBJ_ENDPOINT, 0, cn, 600));
	EXPECT_EQ(info_of(a).id, tally_bank_detail[1]);   /* it names the bank that is full */
	EXPECT_EQ(0, tally_bank_detail[3]);               /* with nothing left */
	ia = info_of(a);
	EXPECT_EQ(64 * KIB, ia.use);
	EXPECT_EQ(512, ia.objects);
	/* its sibling and the root go on */
	EXPECT_ERR(TALLY_OK, tally_bank_alloc(b, TALLY_OBJ_FRAME_4K, 0, ROOT, s));
	EXPECT_ERR(TALLY_OK, tally_bank_free(b, ROOT, s));
	/* freeing one endpoint does not give room back: its chunk is still in use */
	EXPECT_ERR(TALLY_OK, tally_bank_free(a, cn, 1));
	EXPECT_EQ(511, info_of(a).objects);
	EXPECT_EQ(64 * KIB, info_of(a).use);
	EXPECT_ERR(TALLY_ERR_NO_MEMORY, tally_bank_alloc(a, TALLY_OBJ_ENDPOINT, 0, cn, 1));
	EXPECT_TRUE(test_bank_balanced());
	bank_gone(a);
	bank_gone(b);
	test_object_free(cn);
	test_slot_free(s);
	EXPECT_TRUE(test_bank_balanced());
}

TEST(sub_bank_limits_nest_and_the_tightest_ancestor_says_no)
{
	unsigned long a = sub_bank(tb->root, 256 * KIB), a1, a2, s = test_slot(), i, n;
	unsigned long cn = test_object(TALLY_OBJ_CNODE, 8);

	EXPECT_TRUE(a && cn);
	a1 = sub_bank(a, 256 * KIB);
	a2 = sub_bank(a1, 192 * KIB);
	EXPECT_TRUE(a1 && a2);
	EXPECT_ERR(TALLY_ERR_RANGE, tally_bank_create(a2, 256 * KIB, ROOT, s));
	/* a takes 128 KiB itself; a2 may then have only what is left of a's limit */
	EXPECT_ERR(TALLY_OK, tally_bank_alloc_n(a, TALLY_OBJ_FRAME_4K, 0, cn, 1, 32, &n));
	EXPECT_EQ(32, n);
	for (i = 0; tally_bank_alloc(a2, TALLY_OBJ_FRAME_4K, 0, cn, 33 + i) == TALLY_OK; i++)
		;
	EXPECT_EQ(32, i);
	EXPECT_EQ(info_of(a).id, tally_bank_detail[1]);   /* a's limit, not a2's, said no */
	EXPECT_EQ(256 * KIB, info_of(a).use);
	EXPECT_EQ(128 * KIB, info_of(a1).use);
	EXPECT_EQ(128 * KIB, info_of(a2).use);
	EXPECT_EQ(32, info_of(a2).objects);
	EXPECT_EQ(64, info_of(a).objects);
	EXPECT_EQ(256 * KIB, info_of(a).bytes[TALLY_OBJ_FRAME_4K]);
	/* the CNode goes behind the banks' back: its frames are counted until the banks go */
	test_object_free(cn);
	EXPECT_EQ(256 * KIB, info_of(a).use);
	bank_gone(a);
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a1));          /* sub-banks' capabilities went too */
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a2));
	test_slot_free(a1);
	test_slot_free(a2);
	test_slot_free(s);
	EXPECT_TRUE(test_bank_balanced());
}

/* ---- destruction ---- */

#define DESTROY_REGION 0x620000000000ul

static volatile long waiter_result;
static unsigned long waiter_ep, waiter_reply;

static void
waiter(unsigned long arg)
{
	struct tally_msg m = { 0 };

	(void)arg;
	waiter_result = tally_recv(waiter_ep, waiter_reply, &m);
	tally_exit();
}

static volatile unsigned long spins;

static void
spinner(unsigned long arg)
{
	(void)arg;
	for (;;)
		spins++;
}

static _Alignas(16) unsigned char spinner_stack[4096];

TEST(destroying_a_bank_tree_takes_every_object_and_capability_and_gives_every_byte_back)
{
	struct tally_bank_pool p0, p1;
	bool pooled = test_bank_pool(&p0);
	unsigned long u0 = info_of(tb->root).use;
	unsigned long a = sub_bank(tb->root, 32 * MIB), a1 = sub_bank(a, 16 * MIB), a2;
	unsigned long tables[3], frames[4], copy = test_slot(), ep, spend = test_slot(), i;
	unsigned long ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0), badged = test_slot(), word;
	unsigned long tcb = test_slot(), waiter_tcb;
	static const unsigned long table_types[3] = { TALLY_OBJ_PDPT, TALLY_OBJ_PD, TALLY_OBJ_PT };

	EXPECT_TRUE(pooled && a && a1 && ntfn);
	a2 = sub_bank(a1, 16 * MIB);
	EXPECT_TRUE(a2);
	/* a1 pays for page tables and frames mapped in the suite's own space */
	for (i = 0; i < 3; i++) {
		tables[i] = test_slot();
		EXPECT_ERR(TALLY_OK, tally_bank_alloc(a1, table_types[i], 0, ROOT, tables[i]));
		EXPECT_ERR(TALLY_OK, tally_page_table_map(tables[i], TALLY_SLOT_ROOT_VSPACE,
							  DESTROY_REGION));
	}
	for (i = 0; i < 4; i++) {
		frames[i] = test_slot();
		EXPECT_ERR(TALLY_OK, tally_bank_alloc(a1, TALLY_OBJ_FRAME_4K, 0, ROOT, frames[i]));
		EXPECT_ERR(TALLY_OK, tally_frame_map(frames[i], TALLY_SLOT_ROOT_VSPACE,
						     DESTROY_REGION + i * 4096,
						     TALLY_RIGHT_READ | TALLY_RIGHT_WRITE));
		*(volatile unsigned long *)(DESTROY_REGION + i * 4096) = 0xab + i;
	}
	EXPECT_EQ(0xac, *(volatile unsigned long *)(DESTROY_REGION + 4096));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, copy, frames[0], 64, TALLY_RIGHTS_ALL));
	/* a2 pays for an endpoint a thread of the suite waits on */
	ep = test_slot();
	EXPECT_ERR(TALLY_OK, tally_bank_alloc(a2, TALLY_OBJ_ENDPOINT, 0, ROOT, ep));
	waiter_ep = ep;
	waiter_reply = test_object(TALLY_OBJ_REPLY, 0);
	waiter_result = -1;
	waiter_tcb = test_thread(waiter, 0, 255);
	EXPECT_TRUE(test_wait_state(waiter_tcb, TALLY_THREAD_BLOCKED_RECV));
	/* a pays for a thread that is running */
	EXPECT_ERR(TALLY_OK, tally_bank_alloc(a, TALLY_OBJ_THREAD, 0, ROOT, tcb));
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 1));
	EXPECT_ERR(TALLY_OK, tally_tcb_start(tcb, spinner, 0, spinner_stack + sizeof(spinner_stack)));
	/* a holder of a SPEND capability, and a server watching a2 */
	EXPECT_ERR(TALLY_OK, tally_bank_mint_spend(a2, ROOT, spend));
	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, badged, ntfn, 64, TALLY_RIGHT_WRITE, 0x10));
	EXPECT_ERR(TALLY_OK, tally_bank_watch(spend, badged));
	EXPECT_TRUE(info_of(tb->root).use > u0);
	EXPECT_TRUE(test_bank_balanced());

	EXPECT_ERR(TALLY_OK, tally_bank_destroy(a));
	/* every object, every copy, every capability to the banks: gone */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(TALLY_OBJ_NULL, slot_type(tables[i]));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(TALLY_OBJ_NULL, slot_type(frames[i]));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(copy));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(ep));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(tcb));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a1));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a2));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(spend));
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_bank_alloc(spend, TALLY_OBJ_ENDPOINT, 0, ROOT, ep));
	/* the thread waiting on the endpoint woke, the watcher was told */
	EXPECT_TRUE(test_wait_state(waiter_tcb, TALLY_THREAD_EXITED));
	EXPECT_ERR(TALLY_ERR_OBJECT_DELETED, waiter_result);
	EXPECT_ERR(TALLY_OK, tally_poll(ntfn, &word));
	EXPECT_EQ(0x10, word);
	/* and every byte is back, as the kernel counts them */
	EXPECT_EQ(u0, info_of(tb->root).use);
	EXPECT_TRUE(test_bank_pool(&p1));
	EXPECT_EQ(p0.free, p1.free);
	EXPECT_EQ(p0.banks, p1.banks);
	EXPECT_TRUE(test_bank_balanced());
	test_thread_free(waiter_tcb);
	test_object_free(waiter_reply);
	test_object_free(badged);
	test_object_free(ntfn);
	for (i = 0; i < 3; i++)
		test_slot_free(tables[i]);
	for (i = 0; i < 4; i++)
		test_slot_free(frames[i]);
	test_slot_free(copy);
	test_slot_free(ep);
	test_slot_free(tcb);
	test_slot_free(a);
	test_slot_free(a1);
	test_slot_free(a2);
	test_slot_free(spend);
}

/* Objects of several sizes, alternately from a and b, into cn from *next. */
static bool
interleave(unsigned long a, unsigned long b, unsigned long cn, unsigned long *next,
	   unsigned long rounds)
{
	static const struct {
		unsigned long type, size_bits;
	} mix[] = {
		{ TALLY_OBJ_ENDPOINT, 0 }, { TALLY_OBJ_FRAME_4K, 0 }, { TALLY_OBJ_THREAD, 0 },
		{ TALLY_OBJ_CNODE, 6 }, { TALLY_OBJ_PT, 0 }, { TALLY_OBJ_UNTYPED, 17 },
		{ TALLY_OBJ_NOTIFICATION, 0 },
	};
	unsigned long r, k;

	for (r = 0; r < rounds; r++)
		for (k = 0; k < sizeof(mix) / sizeof(mix[0]); k++) {
			unsigned long bank = (r + k) % 2 ? a : b;

			if (tally_bank_alloc(bank, mix[k].type, mix[k].size_bits, cn, (*next)++))
				return false;
		}
	return true;
}

TEST(interleaved_banks_leave_no_fragments_when_one_is_destroyed)
{
	unsigned long a = sub_bank(tb->root, 64 * MIB), b = sub_bank(tb->root, 64 * MIB);
	unsigned long cn = test_object(TALLY_OBJ_CNODE, 11), next = 1;
	struct tally_bank_pool p0, p;
	struct tally_bank_info ib;

	EXPECT_TRUE(a && b && cn);
	EXPECT_TRUE(test_bank_pool(&p0));
	EXPECT_TRUE(interleave(a, b, cn, &next, 60));
	EXPECT_TRUE(test_bank_balanced());
	EXPECT_ERR(TALLY_OK, tally_bank_destroy(a));
	/* what is not free is b's, to the byte: a's chunks all came back whole */
	ib = info_of(b);
	EXPECT_TRUE(test_bank_pool(&p));
	EXPECT_EQ(p0.free - ib.use, p.free);
	EXPECT_TRUE(test_bank_balanced());
	/* b goes on; then it goes too, and the pool is whole again */
	EXPECT_TRUE(interleave(b, b, cn, &next, 10));
	EXPECT_ERR(TALLY_OK, tally_bank_destroy(b));
	EXPECT_TRUE(test_bank_pool(&p));
	EXPECT_EQ(p0.free, p.free);
	EXPECT_EQ(p.total, p.free);
	EXPECT_EQ(p.total, (p.chunks_free << 21) + (p.small_free << 16));
	test_object_free(cn);
	test_slot_free(a);
	test_slot_free(b);
	EXPECT_TRUE(test_bank_balanced());
}

TEST(the_bank_tree_lists_every_bank_with_its_limit_and_use)
{
	unsigned long a = sub_bank(tb->root, 8 * MIB), a1 = sub_bank(a, 4 * MIB), b, s = test_slot();
	struct tally_bank_node nodes[8];
	unsigned long n, total, ida, ida1, idb;

	EXPECT_TRUE(a && a1);
	b = sub_bank(tb->root, 2 * MIB);
	EXPECT_TRUE(b);
	EXPECT_ERR(TALLY_OK, tally_bank_alloc(a1, TALLY_OBJ_FRAME_4K, 0, ROOT, s));
	ida = info_of(a).id;
	ida1 = info_of(a1).id;
	idb = info_of(b).id;
	EXPECT_ERR(TALLY_OK, tally_bank_tree(a, 0, nodes, 8, &n, &total));
	EXPECT_EQ(2, n);
	EXPECT_EQ(2, total);
	EXPECT_EQ(ida, nodes[0].id);
	EXPECT_EQ(0, nodes[0].depth);
	EXPECT_EQ(8 * MIB, nodes[0].limit);
	EXPECT_EQ(4096, nodes[0].use);
	EXPECT_EQ(ida1, nodes[1].id);
	EXPECT_EQ(ida, nodes[1].parent);
	EXPECT_EQ(1, nodes[1].depth);
	EXPECT_EQ(1, nodes[1].objects);
	EXPECT_ERR(TALLY_OK, tally_bank_tree(tb->root, 0, nodes, 8, &n, &total));
	EXPECT_EQ(4, total);
	EXPECT_EQ(0, nodes[0].id);
	EXPECT_ERR(TALLY_OK, tally_bank_tree(tb->root, 1, nodes, 1, &n, &total));
	EXPECT_EQ(1, n);
	EXPECT_TRUE(nodes[0].id == idb || nodes[0].id == ida);   /* the newest child first */
	EXPECT_EQ(1, nodes[0].depth);
	bank_gone(a);
	bank_gone(b);
	test_slot_free(a1);
	test_slot_free(s);
	EXPECT_TRUE(test_bank_balanced());
}

/* ---- the server serves other banks while it destroys a large one ---- */

#define BIG_BANK_OBJECTS 100000
#define REQUESTS_MEANWHILE 40

static unsigned long destroyer_bank, end_ntfn;
static volatile long destroy_result;

static void
destroyer(unsigned long arg)
{
	(void)arg;
	destroy_result = tally_bank_destroy(destroyer_bank);
	tally_signal(end_ntfn);
	tally_exit();
}

/*
 * A large bank is destroyed while another bank's holder, at a higher
 * priority than the server, keeps asking: each request is answered after
 * one more chunk of the destruction at most, and the destruction goes on
 * between them, a step per request.
 */
TEST(the_bank_serves_other_banks_while_it_destroys_a_large_one)
{
	unsigned long cn = test_object(TALLY_OBJ_CNODE, 17), n, i, t0, tcb, s = test_slot();
	unsigned long other = sub_bank(tb->root, MIB), steps[REQUESTS_MEANWHILE];
	struct tally_bank_pool p;

	destroyer_bank = sub_bank(tb->root, 64 * MIB);
	end_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	EXPECT_TRUE(cn && destroyer_bank && other && end_ntfn);
	n = fill(destroyer_bank, cn, 1, BIG_BANK_OBJECTS);
	EXPECT_EQ(BIG_BANK_OBJECTS, n);
	t0 = tally_clock();
	tcb = test_thread(destroyer, 0, 255);
	EXPECT_TRUE(tcb);
	tally_yield();   /* the destroyer asks, and waits */
	EXPECT_EQ(TALLY_THREAD_BLOCKED_REPLY, test_thread_state(tcb));
	for (i = 0; i < REQUESTS_MEANWHILE; i++) {
		EXPECT_ERR(TALLY_OK, tally_bank_alloc(other, TALLY_OBJ_ENDPOINT, 0, ROOT, s));
		EXPECT_ERR(TALLY_OK, tally_bank_free(other, ROOT, s));
		EXPECT_TRUE(test_bank_pool(&p));
		steps[i] = p.destroying;
	}
	EXPECT_EQ(TALLY_THREAD_BLOCKED_REPLY, test_thread_state(tcb));
	for (i = 1; i < REQUESTS_MEANWHILE; i++)
		EXPECT_TRUE(steps[i] + 3 == steps[i - 1]);   /* one step per request */
	tally_wait(end_ntfn, 0);
	printf("  (%u objects destroyed in %lu ticks; %u requests of another bank served meanwhile)\n",
	       BIG_BANK_OBJECTS, tally_clock() - t0, 3 * REQUESTS_MEANWHILE);
	EXPECT_ERR(TALLY_OK, destroy_result);
	EXPECT_EQ(0, info_of(other).use);
	test_thread_free(tcb);
	test_object_free(end_ntfn);
	bank_gone(other);
	test_slot_free(s);
	test_slot_free(destroyer_bank);
	test_object_free(cn);
	EXPECT_TRUE(test_bank_balanced());
}
