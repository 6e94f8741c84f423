/*
 * Capabilities and untyped memory through real system calls: the boot
 * capabilities, retype and its errors, copy, mint, move, delete, revoke,
 * lookups, and the kernel's invariant check after each test.
 */
#include "test.h"
#include <libtally/cap.h>
#include <string.h>

#define ROOT TALLY_SLOT_ROOT_CNODE

static unsigned long next_slot;

/* A fresh empty root slot (tests leave the slots they use empty again). */
static unsigned long
slot_alloc(void)
{
	if (!next_slot)
		next_slot = tally_bootinfo->first_free_slot;
	return next_slot++;
}

/* The biggest RAM untyped: its slot, and its size in *bits. */
static unsigned long
big_untyped(unsigned *bits)
{
	unsigned long slot = test_untyped();

	*bits = tally_bootinfo->untyped[slot - tally_bootinfo->untyped_first].size_bits;
	return slot;
}

static long
device_untyped(void)
{
	unsigned long i;

	for (i = 0; i < tally_bootinfo->untyped_count; i++)
		if (tally_bootinfo->untyped[i].device)
			return (long)(tally_bootinfo->untyped_first + i);
	return -1;
}

static unsigned long
slot_type(unsigned long slot)
{
	struct tally_slot_info si;

	if (tally_cnode_inspect(ROOT, slot, &si) != TALLY_OK)
		return ~0ul;
	return si.type;
}

static unsigned long
untyped_free(unsigned long slot)
{
	struct tally_slot_info si;

	tally_cnode_inspect(ROOT, slot, &si);
	return si.extra;
}

/* Invoke whatever is at cptr (an inspect of slot 1), to exercise lookups. */
static long
invoke_any(unsigned long cptr)
{
	const unsigned long in[6] = { 1, 0, 0, 0, 0, 0 };

	return tally_invoke(cptr, TALLY_CNODE_INSPECT, in, 0);
}

static struct tally_cap_stats
check(void)
{
	struct tally_cap_stats st = { 0 };

	tally_debug_check(&st);
	return st;
}

TEST(boot_capabilities_are_in_their_slots)
{
	struct tally_slot_info si;

	EXPECT_EQ(TALLY_OBJ_CNODE, slot_type(TALLY_SLOT_ROOT_CNODE));
	EXPECT_EQ(TALLY_OBJ_PML4, slot_type(TALLY_SLOT_ROOT_VSPACE));
	EXPECT_EQ(TALLY_OBJ_THREAD, slot_type(TALLY_SLOT_ROOT_THREAD));
	EXPECT_EQ(TALLY_OBJ_IRQ_CONTROL, slot_type(TALLY_SLOT_IRQ_CONTROL));
	EXPECT_EQ(TALLY_OBJ_IOPORT_CONTROL, slot_type(TALLY_SLOT_IOPORT_CONTROL));
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, ROOT, &si));
	EXPECT_EQ(TALLY_ROOT_CNODE_RADIX, si.word);
	EXPECT_TRUE(si.flags & TALLY_INSPECT_ORIGINAL);
	EXPECT_TRUE(si.flags & TALLY_INSPECT_HAS_CHILDREN);  /* the thread's root copy */
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(tally_bootinfo->first_free_slot));
}

TEST(untypeds_cover_all_free_memory_exactly)
{
	const struct tally_bootinfo *bi = tally_bootinfo;
	unsigned long i, ram = 0, all = 0;
	struct tally_cap_stats st = check();

	EXPECT_TRUE(bi->untyped_count > 0);
	for (i = 0; i < bi->untyped_count; i++) {
		struct tally_slot_info si;
		const struct tally_untyped_desc *u = &bi->untyped[i];

		EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, bi->untyped_first + i, &si));
		EXPECT_EQ(TALLY_OBJ_UNTYPED, si.type);
		EXPECT_EQ(u->size_bits, si.word);
		EXPECT_EQ(u->paddr, si.paddr);
		EXPECT_EQ(0, u->paddr & ((1ul << u->size_bits) - 1));
		EXPECT_EQ(u->device ? TALLY_INSPECT_DEVICE : 0, si.flags & TALLY_INSPECT_DEVICE);
		all += 1ul << u->size_bits;
		if (!u->device)
			ram += 1ul << u->size_bits;
	}
	EXPECT_EQ(bi->mem.free, ram);
	EXPECT_EQ(all, st.untyped_bytes);
	EXPECT_EQ(st.untyped_bytes, st.untyped_free);
	EXPECT_EQ(0, st.zombies);
}

TEST(retype_makes_objects_and_delete_frees_them)
{
	static const unsigned long types[] = {
		TALLY_OBJ_ENDPOINT, TALLY_OBJ_NOTIFICATION, TALLY_OBJ_REPLY, TALLY_OBJ_THREAD,
		TALLY_OBJ_SCHED_CONTEXT, TALLY_OBJ_FRAME_4K, TALLY_OBJ_FRAME_2M, TALLY_OBJ_PML4,
		TALLY_OBJ_PDPT, TALLY_OBJ_PD, TALLY_OBJ_PT,
	};
	unsigned bits;
	unsigned long u = big_untyped(&bits), before = untyped_free(u), i, s = slot_alloc();
	struct tally_cap_stats st0 = check();

	slot_alloc();
	slot_alloc();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct tally_slot_info si;

		EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, types[i], 0, ROOT, s, 3));
		EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, s + 2, &si));
		EXPECT_EQ(types[i], si.type);
		EXPECT_EQ(TALLY_INSPECT_ORIGINAL, si.flags);
		EXPECT_EQ(st0.caps + 3, check().caps);
		EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, s));
		EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, s + 1));
		EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, s + 2));
		EXPECT_EQ(TALLY_OBJ_NULL, slot_type(s + 2));
	}
	/* every object gone: the whole untyped is reusable again */
	EXPECT_EQ(before, untyped_free(u));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	EXPECT_EQ(st0.caps, check().caps);
}

TEST(retype_errors_are_named_and_change_nothing)
{
	struct tally_error_detail d;
	unsigned bits;
	unsigned long u = big_untyped(&bits), s = slot_alloc(), ro = slot_alloc();
	struct tally_cap_stats st0 = check();
	long dev = device_untyped();

	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_untyped_retype(u, 0, 0, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_untyped_retype(u, 999, 0, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT,
		   tally_untyped_retype(u, TALLY_OBJ_IRQ_CONTROL, 0, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_CNODE, 1, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_CNODE, 19, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_UNTYPED, 11, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 3, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_RANGE,      /* an untyped child must be smaller */
		   tally_untyped_retype(u, TALLY_OBJ_UNTYPED, bits, ROOT, s, 1));
	EXPECT_ERR(TALLY_ERR_NO_MEMORY,
		   tally_untyped_retype(u, TALLY_OBJ_UNTYPED, bits - 1, ROOT, s, 3));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(TALLY_ERR_NO_MEMORY, d.error);
	EXPECT_EQ(1ul << bits, d.limit);
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, s, 0));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, s, 257));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED,
		   tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, ROOT, 1));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(4, d.argument);   /* MR3, the first destination index */
	EXPECT_EQ(ROOT, d.value);
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, 0, 1));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, 4095, 2));
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED,
		   tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, s, 1, 1));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, TALLY_SLOT_ROOT_THREAD, 1, 1));
	EXPECT_TRUE(dev >= 0);
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_untyped_retype((unsigned long)dev, TALLY_OBJ_ENDPOINT, 0, ROOT, s, 1));
	/* a CNode capability without the write right cannot be a destination */
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, ro, ROOT, 64, TALLY_RIGHT_READ));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ro, s, 1));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_cnode_delete(ro, s));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, ro));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(s));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	EXPECT_EQ(st0.caps, check().caps);
}

TEST(device_untyped_makes_frames)
{
	long dev = device_untyped();
	unsigned long s = slot_alloc();
	struct tally_slot_info si;

	EXPECT_TRUE(dev >= 0);
	EXPECT_ERR(TALLY_OK, tally_untyped_retype((unsigned long)dev, TALLY_OBJ_FRAME_4K, 0, ROOT, s, 1));
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, s, &si));
	EXPECT_EQ(TALLY_OBJ_FRAME_4K, si.type);
	EXPECT_TRUE(si.flags & TALLY_INSPECT_DEVICE);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, s));
}

TEST(copy_mint_move_keep_derivation_and_rights)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), e = slot_alloc(), c = slot_alloc(), m = slot_alloc();
	unsigned long m2 = slot_alloc(), mv = slot_alloc();
	struct tally_slot_info si;

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, e, 1));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c, e, 64, TALLY_RIGHT_READ | TALLY_RIGHT_GRANT));
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, c, &si));
	EXPECT_EQ(TALLY_RIGHT_READ | TALLY_RIGHT_GRANT, si.rights);
	EXPECT_EQ(0, si.flags & TALLY_INSPECT_ORIGINAL);
	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, m, c, 64, TALLY_RIGHTS_ALL, 42));
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, m, &si));
	EXPECT_EQ(42, si.word);
	EXPECT_EQ(TALLY_RIGHT_READ | TALLY_RIGHT_GRANT, si.rights);   /* rights only shrink */
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_cnode_mint(ROOT, m2, m, 64, TALLY_RIGHTS_ALL, 7));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_cnode_mint(ROOT, m2, e, 64, TALLY_RIGHTS_ALL, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_cnode_mint(ROOT, m2, TALLY_SLOT_ROOT_THREAD, 64, TALLY_RIGHTS_ALL, 7));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_cnode_copy(ROOT, m2, u, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_cnode_copy(ROOT, c, e, 64, TALLY_RIGHTS_ALL));
	/* move keeps the place in the tree: revoking e still reaches the moved copy */
	EXPECT_ERR(TALLY_OK, tally_cnode_move(ROOT, mv, c, 64));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(c));
	EXPECT_EQ(TALLY_OBJ_ENDPOINT, slot_type(mv));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, e));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(mv));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(m));
	EXPECT_EQ(TALLY_OBJ_ENDPOINT, slot_type(e));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, e));
	EXPECT_EQ(1ul << bits, untyped_free(u));
}

TEST(delete_leaves_derived_capabilities_and_the_last_one_destroys)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), e = slot_alloc(), c1 = slot_alloc(), c2 = slot_alloc();

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_NOTIFICATION, 0, ROOT, e, 1));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c1, e, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c2, c1, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, c1));      /* c2 takes its place */
	EXPECT_EQ(TALLY_OBJ_NOTIFICATION, slot_type(c2));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, e));       /* not the last one */
	EXPECT_TRUE(untyped_free(u) < (1ul << bits));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, c2));      /* the last one */
	EXPECT_EQ(1ul << bits, untyped_free(u));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, c2));      /* an empty slot: nothing to do */
}

TEST(an_untyped_in_use_must_be_revoked_before_it_is_deleted)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), v = slot_alloc(), e = slot_alloc();
	struct tally_slot_info si;

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_UNTYPED, 16, ROOT, v, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(v, TALLY_OBJ_ENDPOINT, 0, ROOT, e, 1));
	EXPECT_ERR(TALLY_ERR_REVOKE_FIRST, tally_cnode_delete(ROOT, v));
	EXPECT_EQ(TALLY_OBJ_UNTYPED, slot_type(v));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, v));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(e));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, v));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	/* the root CNode's guard makes cptr n name slot n */
	EXPECT_ERR(TALLY_OK, tally_cnode_inspect(ROOT, ROOT, &si));
	EXPECT_EQ(64 - TALLY_ROOT_CNODE_RADIX, si.extra & 0x3f);
}

TEST(revoke_deletes_every_generation_of_copies)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), e = slot_alloc(), c1 = slot_alloc(), c2 = slot_alloc();

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_NOTIFICATION, 0, ROOT, e, 1));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c1, e, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c2, c1, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, c1));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(c2));
	EXPECT_EQ(TALLY_OBJ_NOTIFICATION, slot_type(c1));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, u));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(e));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(c1));
	EXPECT_EQ(1ul << bits, untyped_free(u));
}

/*
 * An Untyped moves only within its CNode, so no CNode can come to hold the
 * Untyped its own memory came from (review found destruction could then wait
 * on itself). A CNode that holds an Untyped takes its objects along when it
 * is destroyed.
 */
TEST(untypeds_move_only_within_their_cnode)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), v = slot_alloc(), c = slot_alloc(), v2 = slot_alloc();
	struct tally_error_detail d;

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_UNTYPED, 16, ROOT, v, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(v, TALLY_OBJ_CNODE, 4, ROOT, c, 1));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_cnode_move(c, 5, v, 64));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(2, d.argument);
	EXPECT_EQ(TALLY_OBJ_UNTYPED, slot_type(v));
	EXPECT_ERR(TALLY_OK, tally_cnode_move(ROOT, v2, v, 64));   /* same CNode: fine */
	EXPECT_EQ(TALLY_OBJ_UNTYPED, slot_type(v2));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, v2));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, v2));
	EXPECT_EQ(1ul << bits, untyped_free(u));
}

TEST(destroying_a_cnode_takes_the_objects_of_untypeds_it_holds)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), c = slot_alloc(), e = slot_alloc();

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_CNODE, 4, ROOT, c, 1));
	/* an untyped made straight into the CNode, then objects from it elsewhere */
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_UNTYPED, 16, c, 3, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_UNTYPED, 14, c, 4, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_CNODE, 3, c, 5, 1));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, c));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	EXPECT_EQ(0, check().zombies);
	(void)e;
}

TEST(lookup_failures_say_why_and_where)
{
	struct tally_error_detail d;
	unsigned long s = slot_alloc();

	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, invoke_any(s));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(TALLY_LOOKUP_EMPTY_SLOT, d.lookup);
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, invoke_any(1ul << 40));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(TALLY_LOOKUP_GUARD_MISMATCH, d.lookup);
	EXPECT_EQ(64, d.bits_left);
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, invoke_any(0));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(TALLY_LOOKUP_RESERVED_SLOT, d.lookup);
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_cnode_copy(ROOT, s, ROOT, 12, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(TALLY_LOOKUP_DEPTH_MISMATCH, d.lookup);
	EXPECT_EQ(12, d.bits_left);
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_cnode_copy(ROOT, s, ROOT, 0, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_error_detail(&d));
	EXPECT_EQ(TALLY_LOOKUP_BAD_DEPTH, d.lookup);
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_cnode_copy(ROOT, s, ROOT, 65, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_cnode_delete(ROOT, 0));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_cnode_delete(ROOT, 1ul << TALLY_ROOT_CNODE_RADIX));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_error_detail((struct tally_error_detail *)0x10));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY,
		   tally_invoke(TALLY_SLOT_IRQ_CONTROL, TALLY_CNODE_DELETE,
				(const unsigned long[6]){ 0 }, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT,
		   tally_invoke(ROOT, 999, (const unsigned long[6]){ 0 }, 0));
}

TEST(cnodes_holding_each_other_are_reclaimed)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), a = slot_alloc(), b = slot_alloc(), a2 = slot_alloc();
	struct tally_cap_stats st;

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_CNODE, 4, ROOT, a, 2));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, a, 3, 2));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, a2, a, 64, TALLY_RIGHTS_ALL));
	/* each CNode's original goes into the other: a cycle no slot reaches */
	EXPECT_ERR(TALLY_OK, tally_cnode_move(b, 2, a, 64));
	EXPECT_ERR(TALLY_OK, tally_cnode_move(a2, 1, b, 64));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, a2));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(b));
	EXPECT_TRUE(untyped_free(u) < (1ul << bits));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, u));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	st = check();
	EXPECT_EQ(0, st.zombies);
	EXPECT_EQ(st.untyped_bytes, st.untyped_free);
}

TEST(cnode_holding_its_own_original_is_reclaimed_by_delete_of_last_copy)
{
	unsigned bits;
	unsigned long u = big_untyped(&bits), a = slot_alloc();

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_CNODE, 3, ROOT, a, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_FRAME_4K, 0, a, 2, 4));
	EXPECT_ERR(TALLY_OK, tally_cnode_move(a, 1, a, 64));    /* into itself */
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(a));
	EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, u));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	EXPECT_EQ(0, check().zombies);
}

/*
 * Fill a big CNode with copies, then revoke them all in one call. Whether a
 * tick falls inside one revoke depends on the host's speed, so the fill and
 * revoke are repeated (a few times at most) until one was preempted.
 */
TEST(large_revoke_is_preemptible_and_the_timer_keeps_ticking)
{
	enum { COPIES = 60000, ATTEMPTS = 4 };
	unsigned bits;
	unsigned long u = big_untyped(&bits), big = slot_alloc(), e = slot_alloc(), i, n;
	unsigned long t0, ticks = 0, preempted = 0, caps0 = check().caps;
	struct tally_thread_info before, after;

	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_CNODE, 16, ROOT, big, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(u, TALLY_OBJ_ENDPOINT, 0, ROOT, e, 1));
	for (n = 0; n < ATTEMPTS && !preempted; n++) {
		for (i = 1; i <= COPIES; i++)
			if (tally_cnode_copy(big, i, e, 64, TALLY_RIGHTS_ALL) != TALLY_OK)
				break;
		EXPECT_EQ(COPIES + 1, i);
		EXPECT_EQ(caps0 + 2 + COPIES, check().caps);
		tally_debug_thread_info(0, &before);
		t0 = tally_clock();
		EXPECT_ERR(TALLY_OK, tally_cnode_revoke(ROOT, e));
		ticks += tally_clock() - t0;
		tally_debug_thread_info(0, &after);
		preempted += after.preemptions - before.preemptions;
		EXPECT_EQ(caps0 + 2, check().caps);
	}
	printf("  (revoked %u capabilities %lu times: %lu ticks, preempted %lu times)\n",
	       COPIES, n, ticks, preempted);
	EXPECT_TRUE(preempted > 0);
	EXPECT_TRUE(ticks > 0);
	/* and a CNode full of capabilities goes the same way when deleted */
	for (i = 1; i <= COPIES; i++)
		if (tally_cnode_copy(big, i, e, 64, TALLY_RIGHTS_ALL) != TALLY_OK)
			break;
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, big));
	EXPECT_EQ(caps0 + 1, check().caps);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, e));
	EXPECT_EQ(1ul << bits, untyped_free(u));
	EXPECT_EQ(0, check().zombies);
}
