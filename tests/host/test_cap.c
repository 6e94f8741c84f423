/*
 * Capabilities through real system calls, on the fixture of cap_fixture.c:
 * retype, copy, mint, move and inspect, issued as TALLY_SYS_INVOKE, and the
 * lookups of the capabilities they name. The invariant checker (cap_check)
 * must find nothing wrong after every step, and revoking the Untypeds must
 * give back every byte. Delete and revoke are in test_cap_delete.c, random
 * walks in test_cap_random.c.
 */
#include "cap_fixture.h"
#include <stdlib.h>
#include <string.h>

#define CNODE_RIGHTS  (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT)

/* The call fails to look up a capability: which argument, why, with how many bits left. */
static void
expect_lookup(const char *what, long got, unsigned long argument, unsigned long value,
	      unsigned long why, unsigned long bits_left)
{
	struct tally_error_detail d;

	ck_assert_msg(got == TALLY_ERR_LOOKUP_FAILED, "%s: expected LOOKUP_FAILED, got %s", what,
		      tally_error_name(got));
	d = detail();
	ck_assert_msg(d.error == TALLY_ERR_LOOKUP_FAILED && d.argument == argument &&
			      d.value == value && d.lookup == why && d.bits_left == bits_left,
		      "%s: expected lookup detail {argument %lu, value %#lx, lookup %lu, bits_left "
		      "%lu}, got {%s, argument %lu, value %#lx, lookup %lu, bits_left %lu}",
		      what, argument, value, why, bits_left, tally_error_name((long)d.error),
		      d.argument, d.value, d.lookup, d.bits_left);
}

#define EXPECT_LOOKUP(call, argument, value, why, bits_left)                       \
	expect_lookup(#call, (call), (argument), (value), (why), (bits_left))

/* ---- retype ---- */

static const struct kind {
	enum tally_obj_type type;
	unsigned size_bits;    /* as passed to retype */
	unsigned obj_bits;     /* log2 bytes of one object */
	unsigned count;
} kinds[] = {
	{ TALLY_OBJ_UNTYPED, 12, 12, 3 },
	{ TALLY_OBJ_CNODE, 4, 10, 3 },
	{ TALLY_OBJ_THREAD, 0, TALLY_THREAD_BITS, 3 },
	{ TALLY_OBJ_ENDPOINT, 0, TALLY_ENDPOINT_BITS, 3 },
	{ TALLY_OBJ_NOTIFICATION, 0, TALLY_NOTIFICATION_BITS, 3 },
	{ TALLY_OBJ_REPLY, 0, TALLY_REPLY_BITS, 3 },
	{ TALLY_OBJ_SCHED_CONTEXT, 0, TALLY_SCHED_CONTEXT_BITS, 3 },
	{ TALLY_OBJ_FRAME_4K, 0, 12, 3 },
	{ TALLY_OBJ_PML4, 0, TALLY_PAGE_TABLE_BITS, 3 },
	{ TALLY_OBJ_PDPT, 0, TALLY_PAGE_TABLE_BITS, 3 },
	{ TALLY_OBJ_PD, 0, TALLY_PAGE_TABLE_BITS, 3 },
	{ TALLY_OBJ_PT, 0, TALLY_PAGE_TABLE_BITS, 3 },
	{ TALLY_OBJ_FRAME_2M, 0, 21, 1 },
};

static unsigned
default_rights(enum tally_obj_type t)
{
	if (t == TALLY_OBJ_UNTYPED || t == TALLY_OBJ_FRAME_4K || t == TALLY_OBJ_FRAME_2M)
		return TALLY_RIGHTS_ALL;
	return CNODE_RIGHTS;
}

START_TEST(retype_makes_every_type_in_order_and_inspect_reports_it)
{
	paddr_t base = untyped_pa(SLOT_U0), end = base;
	unsigned long slot = SLOT_FREE, made = 0;
	unsigned k, i;

	setup();
	memset(arch_phys_to_virt(base), 0xa5, 1ul << 22);  /* left dirty by earlier owners */
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct kind *kd = &kinds[k];

		EXPECT_OK(retype(SLOT_U0, kd->type, kd->size_bits, ROOT, slot, kd->count));
		for (i = 0; i < kd->count; i++, slot++) {
			paddr_t pa;

			EXPECT_OK(inspect(ROOT, slot));
			pa = mr[3];
			ck_assert_uint_eq(mr[0], kd->type);
			ck_assert_uint_eq(mr[1], default_rights(kd->type));
			ck_assert_uint_eq(mr[2], kd->size_bits);
			ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
			ck_assert_uint_eq(mr[5], kd->type == TALLY_OBJ_UNTYPED ? 1ul << 12 : 0);
			/* placed at the watermark, aligned to its size, inside the untyped */
			ck_assert_uint_eq(pa, ALIGN_UP(end, 1ul << kd->obj_bits));
			end = pa + (1ul << kd->obj_bits);
			ck_assert_uint_le(end, base + (1ul << 22));
			/* (a thread starts with its fields set, a PML4 with the kernel's half) */
			if (kd->type != TALLY_OBJ_UNTYPED && kd->type != TALLY_OBJ_THREAD &&
			    kd->type != TALLY_OBJ_PML4)
				ck_assert_msg(all_bytes(arch_phys_to_virt(pa), 1ul << kd->obj_bits, 0),
					      "type %u at %#lx is not zeroed", kd->type, pa);
			made++;
		}
	}
	EXPECT_OK(inspect(ROOT, SLOT_U0));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_UNTYPED);
	ck_assert_uint_eq(mr[2], 22);
	ck_assert_uint_eq(mr[3], base);
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	ck_assert_uint_eq(mr[5], base + (1ul << 22) - end);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + made);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(retype_from_device_memory_makes_frames_and_untypeds_without_writing_it)
{
	void *dev;

	setup();
	dev = arch_phys_to_virt(untyped_pa(SLOT_DEV));
	memset(dev, 0x5a, 1ul << 20);
	EXPECT_OK(retype(SLOT_DEV, TALLY_OBJ_FRAME_4K, 0, ROOT, SLOT_FREE, 2));
	EXPECT_OK(retype(SLOT_DEV, TALLY_OBJ_UNTYPED, 16, ROOT, SLOT_FREE + 2, 1));
	EXPECT_OK(inspect(ROOT, SLOT_FREE));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_FRAME_4K);
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_DEVICE);
	EXPECT_OK(inspect(ROOT, SLOT_FREE + 2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_DEVICE);
	/* a device untyped's children are device memory too */
	EXPECT_ERROR(retype(SLOT_FREE + 2, TALLY_OBJ_CNODE, 4, ROOT, SLOT_FREE + 3, 1),
		     TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_CNODE, 0);
	EXPECT_OK(retype(SLOT_FREE + 2, TALLY_OBJ_FRAME_4K, 0, ROOT, SLOT_FREE + 3, 1));
	EXPECT_OK(inspect(ROOT, SLOT_FREE + 3));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_DEVICE);
	ck_assert_msg(all_bytes(dev, 1ul << 20, 0x5a), "retype wrote to device memory");
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/* The root CNode's slots and the totals, to show that a failed call changed nothing. */
struct snapshot {
	struct cte *slots;
	struct cap_check_stats st;
};

static void
snapshot_take(struct snapshot *s)
{
	if (!s->slots)
		s->slots = malloc(ROOT_SLOTS * sizeof(struct cte));
	ck_assert_ptr_nonnull(s->slots);
	memcpy(s->slots, root, ROOT_SLOTS * sizeof(struct cte));
	s->st = checked();
}

static void
snapshot_same(const struct snapshot *s, const char *what)
{
	struct cap_check_stats st = checked();

	ck_assert_msg(memcmp(s->slots, root, ROOT_SLOTS * sizeof(struct cte)) == 0,
		      "%s changed the root CNode", what);
	ck_assert_msg(memcmp(&s->st, &st, sizeof(st)) == 0, "%s changed the totals", what);
}

#define EXPECT_ERROR_NO_CHANGE(snap, call, err, argument, value, limit)            \
	do {                                                                       \
		expect_error(#call, (call), (err), (argument), (value), (limit));  \
		snapshot_same((snap), #call);                                      \
	} while (0)

#define EXPECT_LOOKUP_NO_CHANGE(snap, call, argument, value, why, bits)            \
	do {                                                                       \
		expect_lookup(#call, (call), (argument), (value), (why), (bits));  \
		snapshot_same((snap), #call);                                      \
	} while (0)

START_TEST(retype_failures_name_their_error_and_change_nothing)
{
	struct snapshot snap = { 0 };
	const unsigned long F = SLOT_FREE, U = SLOT_U0, S = ROOT_SLOTS;

	setup();
	/* partly used untypeds, an occupied slot, a small untyped, a CNode cap without WRITE */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F, 1));
	EXPECT_OK(copy(ROOT, F + 1, ROOT, TALLY_RIGHT_READ | TALLY_RIGHT_GRANT));
	EXPECT_OK(retype(U, TALLY_OBJ_NOTIFICATION, 0, ROOT, F + 12, 1));
	EXPECT_OK(retype(U, TALLY_OBJ_UNTYPED, 12, ROOT, F + 2, 1));
	snapshot_take(&snap);

	/* the type */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_NULL, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_NULL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_IRQ_CONTROL, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_IRQ_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_IOPORT_CONTROL, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_IOPORT_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ZOMBIE, 4, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_ZOMBIE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, 1ul << 40, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, 1ul << 40, 0);
	/* the size */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 11, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 11, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 48, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 48, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, ~0ul, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, ~0ul, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 22, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 22, 22);    /* a child must be smaller */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 23, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 23, 22);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_CNODE, 1, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 1, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_CNODE, TALLY_CNODE_RADIX_MAX + 1, ROOT,
					     F + 10, 1),
			       TALLY_ERR_RANGE, 2, TALLY_CNODE_RADIX_MAX + 1, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 6, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 6, 0);
	/* the count */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 0),
			       TALLY_ERR_RANGE, 5, 0, TALLY_RETYPE_MAX_COUNT);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 257),
			       TALLY_ERR_RANGE, 5, 257, TALLY_RETYPE_MAX_COUNT);
	/* not enough room: what was needed, and the bytes above the watermark */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_CNODE, TALLY_CNODE_RADIX_MAX, ROOT,
					     F + 10, 1),
			       TALLY_ERR_NO_MEMORY, 0, 1ul << (TALLY_CNODE_RADIX_MAX + 6),
			       (1ul << 22) - 8192);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(F + 2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 20, 33),
			       TALLY_ERR_NO_MEMORY, 0, 33ul << TALLY_ENDPOINT_BITS, 4096);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_U2, TALLY_OBJ_FRAME_2M, 0, ROOT, F + 10, 1),
			       TALLY_ERR_NO_MEMORY, 0, 1ul << 21, (1ul << 20) - (1ul << TALLY_ENDPOINT_BITS));
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F + 300, 256),
			       TALLY_ERR_NO_MEMORY, 0, 1ul << 20, (1ul << 20) - (1ul << TALLY_ENDPOINT_BITS));
	/* the destination */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 4),
			       TALLY_ERR_SLOT_OCCUPIED, 4, F + 12, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, SLOT_U1, 1),
			       TALLY_ERR_SLOT_OCCUPIED, 4, SLOT_U1, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, 0, 1),
			       TALLY_ERR_RANGE, 4, 0, S);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, S, 1),
			       TALLY_ERR_RANGE, 4, S, S);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, S - 2, 3),
			       TALLY_ERR_RANGE, 4, S - 2, S);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, ~0ul, 1),
			       TALLY_ERR_RANGE, 4, ~0ul, S);
	EXPECT_LOOKUP_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, 900, F + 10, 1),
				3, 900, TALLY_LOOKUP_EMPTY_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, 1ul << 63 | ROOT, F + 10, 1),
				3, 1ul << 63 | ROOT, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, SLOT_U1, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 3, TALLY_OBJ_UNTYPED, 0);
	/* a CNode capability without WRITE cannot receive objects */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, F + 1, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 3, TALLY_OBJ_CNODE, 0);
	/* device memory holds no kernel objects */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_DEV, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_ENDPOINT, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_DEV, TALLY_OBJ_CNODE, 4, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_CNODE, 0);
	/* labels an untyped does not know, and objects without invocations */
	EXPECT_ERROR_NO_CHANGE(&snap, INV(U, TALLY_CNODE_COPY, F + 10, F, 64, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_CNODE_COPY, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, INV(U, 0, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(TALLY_SLOT_IRQ_CONTROL, TALLY_OBJ_ENDPOINT, 0, ROOT,
					     F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_IRQ_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(TALLY_SLOT_ROOT_THREAD, TALLY_OBJ_ENDPOINT, 0, ROOT,
					     F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_UNTYPED_RETYPE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(F, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_ENDPOINT, 0);

	/* and the same calls, corrected, succeed */
	EXPECT_OK(retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 13, 4));
	EXPECT_OK(retype(F + 2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 100, 4096 >> TALLY_ENDPOINT_BITS));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F + 200, 255));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << TALLY_ENDPOINT_BITS, 0);
	free(snap.slots);
	revoke_all_untypeds();
	EXPECT_OK(delete(ROOT, F + 1));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(untyped_space_is_reused_only_after_every_child_is_gone)
{
	const unsigned long F = SLOT_FREE;
	unsigned long i;

	setup();
	/* the whole 1 MiB as 256 frames; nothing more fits */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F, 256));
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	ck_assert_uint_eq(mr[5], 0);
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 300, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << TALLY_ENDPOINT_BITS, 0);
	/* the frames get used */
	memset(arch_phys_to_virt(untyped_pa(SLOT_U2)), 0xff, 1ul << 20);
	/* deleting all but the lowest frame frees nothing */
	for (i = 1; i < 256; i++)
		EXPECT_OK(delete(ROOT, F + i));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 300, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << TALLY_ENDPOINT_BITS, 0);
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[5], 0);
	/* deleting the last one frees it all */
	EXPECT_OK(delete(ROOT, F));
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	ck_assert_uint_eq(mr[5], 1ul << 20);
	ck_assert_uint_eq(checked().untyped_free, UNTYPED_BYTES);
	/* the whole untyped again, as two child untypeds, then as one CNode (zeroed) */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_UNTYPED, 19, ROOT, F, 2));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_UNTYPED, 12, ROOT, F + 2, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << 12, 0);
	EXPECT_OK(delete(ROOT, F + 1));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_CNODE, 14, ROOT, F + 2, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << 20, 0);
	EXPECT_OK(delete(ROOT, F));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_CNODE, 14, ROOT, F, 1));
	ck_assert_msg(all_bytes(arch_phys_to_virt(untyped_pa(SLOT_U2)), 1ul << 20, 0),
		      "reused memory was not zeroed for the new CNode");
	EXPECT_OK(inspect(ROOT, F));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	ck_assert_uint_eq(mr[2], 14);
	/* revoking frees it all too */
	EXPECT_OK(revoke(ROOT, SLOT_U2));
	EXPECT_OK(inspect(ROOT, F));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_NULL);
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F, 256));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 256);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(preempted_retype_resumes_zeroing_and_finishes)
{
	void *u0;

	setup();
	u0 = arch_phys_to_virt(untyped_pa(SLOT_U0));
	memset(u0, 0xee, 1ul << 22);
	fake_preempt_every = 1;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_2M, 0, ROOT, SLOT_FREE, 2));
	ck_assert_uint_gt(restarts, 0);
	ck_assert_uint_eq(self->preemptions, restarts);
	ck_assert_msg(all_bytes(u0, 1ul << 22, 0), "a preempted retype left memory dirty");
	EXPECT_OK(inspect(ROOT, SLOT_FREE + 1));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_FRAME_2M);
	ck_assert_uint_eq(mr[3], untyped_pa(SLOT_U0) + (1ul << 21));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 2);
	/* revoke, dirty it, and the preempted zeroing starts again from 0 */
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	memset(u0, 0xee, 1ul << 22);
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 16, ROOT, SLOT_FREE, 1));
	ck_assert_uint_gt(restarts, 0);
	ck_assert_msg(all_bytes(u0, 1ul << 22, 0), "reused memory was not zeroed");
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/* Between thread 1's restarts, thread 2 makes and unmakes an endpoint from the same untyped. */
static void
retype_and_delete_from_second_thread(void)
{
	struct thread *t1 = self;

	self = &boot_threads[1];
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, SLOT_FREE + 1, 1));
	EXPECT_OK(delete(ROOT, SLOT_FREE + 1));
	self = t1;
}

/* Found in review: the other thread's reset of the untyped made the zeroing start over. */
START_TEST(preempted_zeroing_keeps_its_progress_when_others_reuse_the_untyped)
{
	unsigned long preempt_before;

	setup();
	second_thread();
	fake_preempt_every = 1;
	between_restarts = retype_and_delete_from_second_thread;
	preempt_before = self->preemptions;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 14, ROOT, SLOT_FREE, 1));  /* 1 MiB */
	between_restarts = NULL;
	/* 16 chunks of 64 KiB, each ending at a preemption point; none redone */
	ck_assert_uint_le(self->preemptions - preempt_before, 20);
	EXPECT_OK(inspect(ROOT, SLOT_FREE));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	revoke_all_untypeds();
	expect_all_reclaimed(1);   /* thread 2's root */
}
END_TEST

START_TEST(copy_and_mint_derive_with_no_more_rights_and_badges_stick)
{
	const unsigned long F = SLOT_FREE, EP = F, NTFN = F + 1, CN = F + 2, FR = F + 3;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_NOTIFICATION, 0, ROOT, NTFN, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 1));

	/* a copy keeps the object, drops rights it is not given, gains none */
	EXPECT_OK(copy(ROOT, F + 10, EP, TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_EXEC));
	EXPECT_OK(inspect(ROOT, F + 10));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	ck_assert_uint_eq(mr[1], TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	ck_assert_uint_eq(mr[2], 0);
	ck_assert_uint_eq(mr[3], arch_kva_to_phys(cap_object(&slot_at(EP)->cap)));
	ck_assert_uint_eq(mr[4], 0);
	EXPECT_OK(inspect(ROOT, EP));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	EXPECT_OK(copy(ROOT, F + 11, F + 10, TALLY_RIGHTS_ALL));
	EXPECT_OK(inspect(ROOT, F + 11));
	ck_assert_uint_eq(mr[1], TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 11)), slot_at(F + 10));
	EXPECT_OK(copy(ROOT, F + 12, FR, 0));
	EXPECT_OK(inspect(ROOT, F + 12));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_FRAME_4K);
	ck_assert_uint_eq(mr[1], 0);

	/* a mint badges an unbadged endpoint or notification; copies keep the badge */
	EXPECT_OK(mint(ROOT, F + 13, EP, TALLY_RIGHTS_ALL, 0x1234));
	EXPECT_OK(inspect(ROOT, F + 13));
	ck_assert_uint_eq(mr[1], CNODE_RIGHTS);
	ck_assert_uint_eq(mr[2], 0x1234);
	EXPECT_OK(copy(ROOT, F + 14, F + 13, TALLY_RIGHT_WRITE));
	EXPECT_OK(inspect(ROOT, F + 14));
	ck_assert_uint_eq(mr[1], TALLY_RIGHT_WRITE);
	ck_assert_uint_eq(mr[2], 0x1234);
	EXPECT_OK(mint(ROOT, F + 15, NTFN, TALLY_RIGHTS_ALL, ~0ul));
	EXPECT_OK(inspect(ROOT, F + 15));
	ck_assert_uint_eq(mr[2], ~0ul);

	/* a mint of a CNode sets its guard: MR4 = guard << 6 | guard bits */
	EXPECT_OK(mint(ROOT, F + 16, CN, TALLY_RIGHTS_ALL, 0x2a5ul << 6 | 10));
	ck_assert_uint_eq(cap_type(&slot_at(F + 16)->cap), TALLY_OBJ_CNODE);
	ck_assert_uint_eq(cap_guard_bits(&slot_at(F + 16)->cap), 10);
	ck_assert_uint_eq(cap_word2(&slot_at(F + 16)->cap), 0x2a5);
	ck_assert_uint_eq(cap_size_bits(&slot_at(F + 16)->cap), 4);
	EXPECT_OK(mint(ROOT, F + 17, CN, TALLY_RIGHTS_ALL, 60));   /* 60 + radix 4 = 64 */
	EXPECT_OK(copy(ROOT, F + 18, F + 16, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(cap_guard_bits(&slot_at(F + 18)->cap), 10);
	ck_assert_uint_eq(cap_word2(&slot_at(F + 18)->cap), 0x2a5);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4 + 9);

	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(copy_mint_and_move_failures_name_their_argument_and_change_nothing)
{
	struct snapshot snap = { 0 };
	const unsigned long F = SLOT_FREE, EP = F, FR = F + 1, CN = F + 2, S = ROOT_SLOTS;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	EXPECT_OK(mint(ROOT, F + 3, EP, TALLY_RIGHTS_ALL, 7));
	EXPECT_OK(copy(ROOT, F + 4, ROOT, TALLY_RIGHT_READ));     /* root CNode, read only */
	EXPECT_OK(copy(ROOT, F + 5, ROOT, TALLY_RIGHT_WRITE));    /* root CNode, write only */
	snapshot_take(&snap);

	/* destinations */
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, FR, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_SLOT_OCCUPIED, 1, FR, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, 0, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_RANGE, 1, 0, S);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, S, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_RANGE, 1, S, S);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, ~0ul, EP, TALLY_RIGHTS_ALL, 1),
			       TALLY_ERR_RANGE, 1, ~0ul, S);
	EXPECT_ERROR_NO_CHANGE(&snap, move(ROOT, FR, EP), TALLY_ERR_SLOT_OCCUPIED, 1, FR, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, move(ROOT, S + 1, EP), TALLY_ERR_RANGE, 1, S + 1, S);
	/* what cannot be copied: untypeds and the boot control capabilities */
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, F + 10, SLOT_U0, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_UNTYPED, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, F + 10, TALLY_SLOT_IRQ_CONTROL, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_IRQ_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, F + 10, TALLY_SLOT_IOPORT_CONTROL,
					   TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_IOPORT_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, SLOT_U0, TALLY_RIGHTS_ALL, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_UNTYPED, 0);
	/* badges: only endpoints and notifications, only once, never 0 */
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, FR, TALLY_RIGHTS_ALL, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_FRAME_4K, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, F + 3, TALLY_RIGHTS_ALL, 9),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 9, 7);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, EP, TALLY_RIGHTS_ALL, 0),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 0, 0);
	/* CNode guards: guard bits + radix <= 64, guard fits its bits */
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, CN, TALLY_RIGHTS_ALL, 61),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 61, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, CN, TALLY_RIGHTS_ALL, 0x10ul << 6 | 4),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 0x10ul << 6 | 4, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, ROOT, TALLY_RIGHTS_ALL, 53),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 53, 0);
	/* rights on the invoked CNode: WRITE to change it, READ to inspect it */
	EXPECT_ERROR_NO_CHANGE(&snap, copy(F + 4, F + 10, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, move(F + 4, F + 10, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, delete(F + 4, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, revoke(F + 4, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, inspect(F + 5, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ, 0);
	EXPECT_OK(inspect(F + 4, EP));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	/* labels a CNode does not know */
	EXPECT_ERROR_NO_CHANGE(&snap, INV(ROOT, TALLY_UNTYPED_RETYPE, TALLY_OBJ_ENDPOINT, 0, ROOT,
					  F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_UNTYPED_RETYPE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, INV(ROOT, TALLY_INVOCATION_COUNT, 0),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_INVOCATION_COUNT, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, INV(ROOT, ~0ul, 0), TALLY_ERR_INVALID_ARGUMENT, 0, ~0ul, 0);
	free(snap.slots);
	revoke_all_untypeds();
	EXPECT_OK(delete(ROOT, F + 4));
	EXPECT_OK(delete(ROOT, F + 5));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(copies_of_copies_stop_at_the_generation_limit)
{
	const unsigned long F = SLOT_FREE;
	unsigned long i;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, F, 1));
	for (i = 1; i <= TALLY_COPY_DEPTH_MAX; i++)
		EXPECT_OK(copy(ROOT, F + i, F + i - 1, TALLY_RIGHTS_ALL));
	EXPECT_ERROR(copy(ROOT, F + 100, F + TALLY_COPY_DEPTH_MAX, TALLY_RIGHTS_ALL),
		     TALLY_ERR_RANGE, 2, TALLY_COPY_DEPTH_MAX + 1, TALLY_COPY_DEPTH_MAX);
	EXPECT_ERROR(mint(ROOT, F + 100, F + TALLY_COPY_DEPTH_MAX, TALLY_RIGHTS_ALL, 5),
		     TALLY_ERR_RANGE, 2, TALLY_COPY_DEPTH_MAX + 1, TALLY_COPY_DEPTH_MAX);
	/* a copy one generation up still can be copied */
	EXPECT_OK(copy(ROOT, F + 100, F + TALLY_COPY_DEPTH_MAX - 1, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + TALLY_COPY_DEPTH_MAX + 2);
	/* revoking the original removes the whole chain */
	EXPECT_OK(revoke(ROOT, F));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(move_keeps_the_capability_and_its_place_in_the_tree)
{
	const unsigned long F = SLOT_FREE, EP = F;
	struct cap before;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(copy(ROOT, F + 1, EP, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, F + 2, F + 1, TALLY_RIGHTS_ALL));
	EXPECT_OK(mint(ROOT, F + 3, EP, TALLY_RIGHTS_ALL, 5));
	/* move the original: its children follow it */
	before = slot_at(EP)->cap;
	EXPECT_OK(move(ROOT, F + 20, EP));
	ck_assert(cte_empty(slot_at(EP)));
	ck_assert_mem_eq(&slot_at(F + 20)->cap, &before, sizeof(before));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 1)), slot_at(F + 20));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 3)), slot_at(F + 20));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 20)), slot_at(SLOT_U0));
	/* move a copy in the middle of the tree */
	EXPECT_OK(move(ROOT, F + 21, F + 1));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 2)), slot_at(F + 21));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 21)), slot_at(F + 20));
	checked();
	/* move a boot untyped: it still works, and is still a boot untyped */
	EXPECT_OK(move(ROOT, F + 30, SLOT_U1));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 30)), &cdt_sentinel);
	EXPECT_OK(retype(F + 30, TALLY_OBJ_CNODE, 3, ROOT, F + 31, 2));
	EXPECT_LOOKUP(retype(SLOT_U1, TALLY_OBJ_CNODE, 3, ROOT, F + 40, 1),
		      0, SLOT_U1, TALLY_LOOKUP_EMPTY_SLOT, 0);
	ck_assert_uint_eq(checked().untyped_bytes, UNTYPED_BYTES);
	/* move the invoked CNode's own capability */
	EXPECT_OK(copy(ROOT, F + 40, ROOT, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(F + 40, F + 41, F + 40));
	EXPECT_OK(inspect(ROOT, F + 41));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4 + 2 + 1);
	/* revoking the moved original deletes what was derived before the moves */
	EXPECT_OK(revoke(ROOT, F + 20));
	ck_assert(cte_empty(slot_at(F + 21)) && cte_empty(slot_at(F + 2)) &&
		  cte_empty(slot_at(F + 3)));
	EXPECT_OK(revoke(ROOT, F + 30));
	EXPECT_OK(move(ROOT, SLOT_U1, F + 30));
	EXPECT_OK(delete(ROOT, F + 41));
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/* ---- lookups ---- */

START_TEST(lookup_failures_say_why_and_where)
{
	struct snapshot snap = { 0 };
	const unsigned long F = SLOT_FREE, EP = F, CN = F + 1;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	snapshot_take(&snap);

	/* the source of a copy: MR1 (argument 2) at depth MR2 */
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 500, TALLY_RIGHTS_ALL),
				2, 500, TALLY_LOOKUP_EMPTY_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 0, TALLY_RIGHTS_ALL),
				2, 0, TALLY_LOOKUP_RESERVED_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 1ul << 63 | EP, TALLY_RIGHTS_ALL),
				2, 1ul << 63 | EP, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 1ul << 12 | EP, TALLY_RIGHTS_ALL),
				2, 1ul << 12 | EP, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_COPY, F + 10, EP, 32, TALLY_RIGHTS_ALL),
				2, EP, TALLY_LOOKUP_DEPTH_MISMATCH, 32);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_MOVE, F + 10, EP, 63),
				2, EP, TALLY_LOOKUP_DEPTH_MISMATCH, 63);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_COPY, F + 10, EP, 0, TALLY_RIGHTS_ALL),
				2, EP, TALLY_LOOKUP_BAD_DEPTH, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_MINT, F + 10, EP, 65, TALLY_RIGHTS_ALL,
					   1),
				2, EP, TALLY_LOOKUP_BAD_DEPTH, 65);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_MOVE, F + 10, EP, ~0ul),
				2, EP, TALLY_LOOKUP_BAD_DEPTH, 65);
	/* the invoked capability itself (argument 0, always depth 64) */
	EXPECT_LOOKUP_NO_CHANGE(&snap, inspect(500, 1), 0, 500, TALLY_LOOKUP_EMPTY_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, delete(0, EP), 0, 0, TALLY_LOOKUP_RESERVED_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, delete(~0ul, EP), 0, ~0ul, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_LOOKUP_NO_CHANGE(&snap, retype(1ul << 40 | SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT,
					      F + 10, 1),
				0, 1ul << 40 | SLOT_U0, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	/* a success leaves the record of the last failure as it was */
	EXPECT_OK(inspect(ROOT, EP));
	ck_assert_uint_eq(detail().error, TALLY_ERR_LOOKUP_FAILED);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_GUARD_MISMATCH);
	free(snap.slots);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(two_level_lookups_go_through_minted_cnodes)
{
	const unsigned long F = SLOT_FREE, S = SLOT_SELF;
	const uint64_t root_cn = (uint64_t)S << 52 | S;   /* the root CNode, at depth 64 */

	fixture(true);
	/* slot n of the root CNode is S << 52 | n; with depth 12, cptr n */
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_CNODE, 4, root_cn, F, 1));
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_ENDPOINT, 0, root_cn, F + 1, 1));
	/* a window onto the new CNode: a guard of 52 - 4 bits */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MINT, F + 2, F, 12, TALLY_RIGHTS_ALL, 48));
	EXPECT_OK(INV(root_cn, TALLY_CNODE_COPY, F + 3, F + 1, 12, TALLY_RIGHTS_ALL));
	/* copy the endpoint into slot 5 of the new CNode, from a two-level source */
	EXPECT_OK(INV((uint64_t)S << 52 | (F + 2), TALLY_CNODE_COPY, 5, (uint64_t)S << 52 | (F + 1),
		      64, TALLY_RIGHTS_ALL));
	EXPECT_OK(inspect(root_cn, F + 1));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	EXPECT_OK(inspect((uint64_t)S << 52 | (F + 2), 5));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	EXPECT_OK(inspect(root_cn, F + 3));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	/* (F + 2) << 52 | 5 reaches slot 5 of the new CNode directly */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MOVE, F + 4, (uint64_t)(F + 2) << 52 | 5, 64));
	EXPECT_OK(inspect(root_cn, F + 4));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);

	/* bits left at a non-CNode do not resolve */
	EXPECT_LOOKUP(INV(root_cn, TALLY_CNODE_COPY, F + 9, (uint64_t)(F + 1) << 52 | 5, 64,
			  TALLY_RIGHTS_ALL),
		      2, (uint64_t)(F + 1) << 52 | 5, TALLY_LOOKUP_DEPTH_MISMATCH, 52);
	/* too few bits for the minted CNode's guard and radix */
	EXPECT_LOOKUP(INV(root_cn, TALLY_CNODE_COPY, F + 9, (uint64_t)(F + 2) << 20 | 5, 32,
			  TALLY_RIGHTS_ALL),
		      2, (uint64_t)(F + 2) << 20 | 5, TALLY_LOOKUP_DEPTH_MISMATCH, 20);
	/* the minted guard must match: it is 48 zero bits */
	EXPECT_LOOKUP(inspect((uint64_t)(F + 2) << 52 | 1ul << 30 | 5, 1),
		      0, (uint64_t)(F + 2) << 52 | 1ul << 30 | 5, TALLY_LOOKUP_GUARD_MISMATCH, 52);
	/* slot 0 of the minted CNode */
	EXPECT_LOOKUP(inspect((uint64_t)(F + 2) << 52, 1),
		      0, (uint64_t)(F + 2) << 52, TALLY_LOOKUP_RESERVED_SLOT, 0);
	/* the original CNode has no guard: 4 bits, then 48 bits left at an empty slot */
	EXPECT_LOOKUP(inspect((uint64_t)F << 52 | 7ul << 48, 1),
		      0, (uint64_t)F << 52 | 7ul << 48, TALLY_LOOKUP_DEPTH_MISMATCH, 48);
	/* a thread with no CNode root */
	self = &boot_threads[1];
	boot_thread_count = 2;
	EXPECT_LOOKUP(inspect(root_cn, 1), 0, root_cn, TALLY_LOOKUP_NO_ROOT, 64);
	self = &boot_threads[0];

	revoke_all_untypeds();
	EXPECT_OK(delete(root_cn, S));
	expect_all_reclaimed(0);
}
END_TEST

Suite *
cap_suite(void)
{
	Suite *s = suite_create("cap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, retype_makes_every_type_in_order_and_inspect_reports_it);
	tcase_add_test(tc, retype_from_device_memory_makes_frames_and_untypeds_without_writing_it);
	tcase_add_test(tc, retype_failures_name_their_error_and_change_nothing);
	tcase_add_test(tc, untyped_space_is_reused_only_after_every_child_is_gone);
	tcase_add_test(tc, preempted_retype_resumes_zeroing_and_finishes);
	tcase_add_test(tc, preempted_zeroing_keeps_its_progress_when_others_reuse_the_untyped);
	tcase_add_test(tc, copy_and_mint_derive_with_no_more_rights_and_badges_stick);
	tcase_add_test(tc, copy_mint_and_move_failures_name_their_argument_and_change_nothing);
	tcase_add_test(tc, copies_of_copies_stop_at_the_generation_limit);
	tcase_add_test(tc, move_keeps_the_capability_and_its_place_in_the_tree);
	tcase_add_test(tc, lookup_failures_say_why_and_where);
	tcase_add_test(tc, two_level_lookups_go_through_minted_cnodes);
	suite_add_tcase(s, tc);
	return s;
}
