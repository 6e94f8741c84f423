/*
 * Address spaces through real system calls, on the fixture of cap_fixture.c:
 * page tables retyped and mapped level by level, frames mapped with rights,
 * and the record in every table of who mapped each entry kept true through
 * unmap, delete, revoke, move, copy and the destruction of tables and CNodes.
 * After every step the capability checker and the mapping checker
 * (vspace_check on every slot) must find nothing wrong; every failing call
 * must leave all memory as it was.
 */
#include "cap_fixture.h"
#include <kernel/vspace.h>
#include <stdlib.h>
#include <string.h>

#define VA     0x500000000000ul   /* PML4 entry 160: free in every fixture space */
#define VA2    (VA + 0x7000)   /* under the same PT */
#define RW     (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE)
#define R      TALLY_RIGHT_READ
#define RX     (TALLY_RIGHT_READ | TALLY_RIGHT_EXEC)

/* Slots of the space that space() builds. */
enum { VS = SLOT_FREE, PDPT, PD, PT, FRAME, FREE };

static long
frame_map(uint64_t frame, uint64_t pml4, uint64_t va, uint64_t rights)
{
	return INV(frame, TALLY_FRAME_MAP, pml4, va, rights);
}

static long
frame_unmap(uint64_t frame)
{
	return INV(frame, TALLY_FRAME_UNMAP);
}

static long
table_map(uint64_t table, uint64_t pml4, uint64_t va)
{
	return INV(table, TALLY_PAGE_TABLE_MAP, pml4, va);
}

static long
table_unmap(uint64_t table)
{
	return INV(table, TALLY_PAGE_TABLE_UNMAP);
}

/* The slots of the CNodes a test made besides the root (checked too). */
static struct cte *extra_cnode;
static unsigned long extra_slots;

/* Both checkers, over every slot of the root CNode (and extra_cnode). */
static void
vs_checked(void)
{
	unsigned long i;
	const char *why;

	checked();
	for (i = 0; i < ROOT_SLOTS; i++)
		if ((why = vspace_check(slot_at(i))))
			ck_abort_msg("mapping invariant broken at root slot %lu: %s", i, why);
	for (i = 0; i < extra_slots; i++)
		if ((why = vspace_check(&extra_cnode[i])))
			ck_abort_msg("mapping invariant broken at extra slot %lu: %s", i, why);
}

/* The fixture, with the boot PML4's memory (outside the zeroed RAM) cleaned. */
static void
vs_setup(void)
{
	setup();
	extra_cnode = NULL;
	extra_slots = 0;
	memset(cap_object(&slot_at(TALLY_SLOT_ROOT_VSPACE)->cap), 0, 1ul << TALLY_PAGE_TABLE_BITS);
	arch_vspace_init_root(cap_object(&slot_at(TALLY_SLOT_ROOT_VSPACE)->cap));
}

/* The table object in slot s. */
static uint64_t *
table_at(unsigned long s)
{
	return cap_object(&slot_at(s)->cap);
}

static struct cte **
record_of(unsigned long s)
{
	return (struct cte **)(table_at(s) + ARCH_PT_ENTRIES);
}

static unsigned
idx(uint64_t va, unsigned level)
{
	return arch_pt_index(va, level);
}

static paddr_t
pa_of(unsigned long s)
{
	return arch_kva_to_phys(cap_object(&slot_at(s)->cap));
}

/* The entry for va at `level` in the space of PML4 slot vs, or 0 if a table is missing. */
static uint64_t
entry(unsigned long vs, uint64_t va, unsigned level)
{
	uint64_t *t = table_at(vs);
	unsigned l;

	for (l = ARCH_PT_LEVELS - 1; l > level; l--) {
		if (!(t = arch_pte_next_table(t[idx(va, l)], l)))
			return 0;
	}
	return t[idx(va, level)];
}

/* The fake entry a frame in slot s mapped at level with ARCH_MAP_* rights has. */
static uint64_t
frame_pte(unsigned long s, unsigned level, unsigned rights)
{
	return arch_pte_frame(pa_of(s), level, rights);
}

/* MR2 of an inspect of root slot s: its mapping. */
static uint64_t
mapping_of(unsigned long s)
{
	EXPECT_OK(inspect(ROOT, s));
	return mr[2];
}

/*
 * A PML4 with PDPT, PD and PT mapped down to VA, and a 4 KiB frame in
 * FRAME, not mapped; all from U0.
 */
static void
space(void)
{
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PML4, 0, ROOT, VS, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PDPT, 0, ROOT, PDPT, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PD, 0, ROOT, PD, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, PT, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FRAME, 1));
	EXPECT_OK(table_map(PDPT, VS, VA));
	EXPECT_OK(table_map(PD, VS, VA));
	EXPECT_OK(table_map(PT, VS, VA));
	vs_checked();
}

/* ---- what must not change when a call fails ---- */

#define SNAP_U0   (1ul << 22)
#define SNAP_U1   (1ul << 21)
#define SNAP_DEV  (1ul << 20)

static unsigned char *snap_slots, *snap_u0, *snap_u1, *snap_boot;

static void
snapshot(void)
{
	if (!snap_slots) {
		snap_slots = malloc(ROOT_SLOTS * sizeof(struct cte));
		snap_u0 = malloc(SNAP_U0);
		snap_u1 = malloc(SNAP_U1);
		snap_boot = malloc(1ul << TALLY_PAGE_TABLE_BITS);
		ck_assert(snap_slots && snap_u0 && snap_u1 && snap_boot);
	}
	memcpy(snap_slots, root, ROOT_SLOTS * sizeof(struct cte));
	memcpy(snap_u0, arch_phys_to_virt(untyped_pa(SLOT_U0)), SNAP_U0);
	memcpy(snap_u1, arch_phys_to_virt(untyped_pa(SLOT_U1)), SNAP_U1);
	memcpy(snap_boot, table_at(TALLY_SLOT_ROOT_VSPACE), 1ul << TALLY_PAGE_TABLE_BITS);
}

static void
expect_unchanged(const char *what)
{
	unsigned long flushes = fake_tlb_flushes;

	ck_assert_msg(!memcmp(snap_slots, root, ROOT_SLOTS * sizeof(struct cte)),
		      "%s: a failed call changed a capability slot", what);
	ck_assert_msg(!memcmp(snap_u0, arch_phys_to_virt(untyped_pa(SLOT_U0)), SNAP_U0),
		      "%s: a failed call changed a table or frame in U0", what);
	ck_assert_msg(!memcmp(snap_u1, arch_phys_to_virt(untyped_pa(SLOT_U1)), SNAP_U1),
		      "%s: a failed call changed a table or frame in U1", what);
	ck_assert_msg(!memcmp(snap_boot, table_at(TALLY_SLOT_ROOT_VSPACE),
			      1ul << TALLY_PAGE_TABLE_BITS),
		      "%s: a failed call changed the boot PML4", what);
	ck_assert_uint_eq(flushes, fake_tlb_flushes);
}

/* The call fails as EXPECT_ERROR says and changes no memory of the fixture. */
#define EXPECT_REFUSED(call, err, argument, value, limit)                          \
	do {                                                                       \
		unsigned long f_;                                                  \
		snapshot();                                                        \
		f_ = fake_tlb_flushes;                                             \
		EXPECT_ERROR(call, err, argument, value, limit);                   \
		ck_assert_msg(f_ == fake_tlb_flushes, "%s: flushed", #call);       \
		expect_unchanged(#call);                                           \
		vs_checked();                                                      \
	} while (0)

/* ---- tests ---- */

START_TEST(an_address_space_is_built_level_by_level_and_a_frame_mapped_into_it)
{
	vs_setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PML4, 0, ROOT, VS, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PDPT, 0, ROOT, PDPT, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PD, 0, ROOT, PD, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, PT, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FRAME, 1));
	/* a new PML4 has the kernel's half and nothing else */
	ck_assert_uint_eq(table_at(VS)[ARCH_PT_ENTRIES - 1], FAKE_PTE_KERNEL);
	ck_assert_uint_eq(table_at(VS)[idx(VA, 3)], 0);
	/* each level needs the one above */
	EXPECT_REFUSED(frame_map(FRAME, VS, VA, RW), TALLY_ERR_NOT_FOUND, 2, VA, TALLY_OBJ_PDPT);
	EXPECT_REFUSED(table_map(PT, VS, VA), TALLY_ERR_NOT_FOUND, 2, VA, TALLY_OBJ_PDPT);
	EXPECT_OK(table_map(PDPT, VS, VA));
	EXPECT_REFUSED(frame_map(FRAME, VS, VA, RW), TALLY_ERR_NOT_FOUND, 2, VA, TALLY_OBJ_PD);
	EXPECT_REFUSED(table_map(PT, VS, VA), TALLY_ERR_NOT_FOUND, 2, VA, TALLY_OBJ_PD);
	EXPECT_OK(table_map(PD, VS, VA));
	EXPECT_REFUSED(frame_map(FRAME, VS, VA, RW), TALLY_ERR_NOT_FOUND, 2, VA, TALLY_OBJ_PT);
	EXPECT_OK(table_map(PT, VS, VA));
	EXPECT_OK(frame_map(FRAME, VS, VA, RW));
	vs_checked();
	/* the entries point down the levels, and each record names its capability */
	ck_assert_uint_eq(table_at(VS)[idx(VA, 3)], arch_pte_table(table_at(PDPT)));
	ck_assert_ptr_eq(record_of(VS)[idx(VA, 3)], slot_at(PDPT));
	ck_assert_ptr_eq(record_of(PDPT)[idx(VA, 2)], slot_at(PD));
	ck_assert_ptr_eq(record_of(PD)[idx(VA, 1)], slot_at(PT));
	ck_assert_ptr_eq(record_of(PT)[idx(VA, 0)], slot_at(FRAME));
	ck_assert_uint_eq(entry(VS, VA, 0), frame_pte(FRAME, 0, ARCH_MAP_READ | ARCH_MAP_WRITE));
	ck_assert_uint_eq(mapping_of(FRAME), TALLY_MAPPED | RW);
	ck_assert_uint_eq(mapping_of(PT), TALLY_MAPPED);
	ck_assert_uint_eq(mapping_of(VS), 0);
	/* unmap: the entry and its record are cleared, and the TLB flushed */
	fake_tlb_flushes = 0;
	EXPECT_OK(frame_unmap(FRAME));
	ck_assert_uint_eq(fake_tlb_flushes, 1);
	ck_assert_uint_eq(entry(VS, VA, 0), 0);
	ck_assert_ptr_null(record_of(PT)[idx(VA, 0)]);
	ck_assert_uint_eq(mapping_of(FRAME), 0);
	vs_checked();
	/* unmapping what is not mapped does nothing; the frame maps again */
	EXPECT_OK(frame_unmap(FRAME));
	ck_assert_uint_eq(fake_tlb_flushes, 1);
	EXPECT_OK(frame_map(FRAME, VS, VA2, R));
	ck_assert_uint_eq(entry(VS, VA2, 0), frame_pte(FRAME, 0, ARCH_MAP_READ));
	vs_checked();
	revoke_all_untypeds();
	vs_checked();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(rights_are_checked_and_no_execute_is_honoured)
{
	const unsigned long RO = FREE, F2 = FREE + 1, DEV = FREE + 2, F3 = FREE + 3;

	vs_setup();
	space();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, F2, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, F3, 1));
	/* without EXEC the page is no-execute; with it, executable */
	EXPECT_OK(frame_map(FRAME, VS, VA, RW));
	ck_assert_uint_eq(entry(VS, VA, 0) >> FAKE_PTE_RIGHTS_SHIFT & 0xf,
			  ARCH_MAP_READ | ARCH_MAP_WRITE);
	EXPECT_OK(frame_map(F2, VS, VA + 0x1000, RX));
	ck_assert_uint_eq(entry(VS, VA + 0x1000, 0), frame_pte(F2, 0, ARCH_MAP_READ | ARCH_MAP_EXEC));
	ck_assert_uint_eq(mapping_of(F2), TALLY_MAPPED | RX);
	/* bad rights bits: the argument is wrong, whatever the capability */
	EXPECT_REFUSED(frame_map(F3, VS, VA + 0x2000, 0), TALLY_ERR_INVALID_ARGUMENT, 3, 0, RW | RX);
	EXPECT_REFUSED(frame_map(F3, VS, VA + 0x2000, TALLY_RIGHT_WRITE), TALLY_ERR_INVALID_ARGUMENT,
		       3, TALLY_RIGHT_WRITE, RW | RX);
	EXPECT_REFUSED(frame_map(F3, VS, VA + 0x2000, R | TALLY_RIGHT_GRANT),
		       TALLY_ERR_INVALID_ARGUMENT, 3, R | TALLY_RIGHT_GRANT, RW | RX);
	EXPECT_REFUSED(frame_map(F3, VS, VA + 0x2000, R | 0x100), TALLY_ERR_INVALID_ARGUMENT, 3,
		       R | 0x100, RW | RX);
	/* a read-only copy maps read-only and no more */
	EXPECT_OK(copy(ROOT, RO, FRAME, TALLY_RIGHT_READ));
	EXPECT_REFUSED(frame_map(RO, VS, VA + 0x2000, RW), TALLY_ERR_INVALID_CAPABILITY, 0, RW, R);
	EXPECT_REFUSED(frame_map(RO, VS, VA + 0x2000, RX), TALLY_ERR_INVALID_CAPABILITY, 0, RX, R);
	EXPECT_OK(frame_map(RO, VS, VA + 0x2000, R));
	ck_assert_uint_eq(entry(VS, VA + 0x2000, 0), frame_pte(FRAME, 0, ARCH_MAP_READ));
	ck_assert_uint_eq(mapping_of(RO), TALLY_MAPPED | R);
	/* device frames map uncached */
	EXPECT_OK(retype(SLOT_DEV, TALLY_OBJ_FRAME_4K, 0, ROOT, DEV, 1));
	EXPECT_OK(frame_map(DEV, VS, VA + 0x3000, RW));
	ck_assert_uint_eq(entry(VS, VA + 0x3000, 0),
			  frame_pte(DEV, 0, ARCH_MAP_READ | ARCH_MAP_WRITE | ARCH_MAP_DEVICE));
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(every_map_error_is_named_and_changes_nothing)
{
	const unsigned long F2 = FREE, BIG = FREE + 1, PD2 = FREE + 2, PT2 = FREE + 3;
	const unsigned long EMPTY = FREE + 10;

	vs_setup();
	space();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, F2, 1));
	EXPECT_OK(retype(SLOT_U1, TALLY_OBJ_FRAME_2M, 0, ROOT, BIG, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PD, 0, ROOT, PD2, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, PT2, 1));
	EXPECT_OK(frame_map(FRAME, VS, VA, RW));
	/* the address: aligned to the frame, inside user space */
	EXPECT_REFUSED(frame_map(F2, VS, VA + 8, RW), TALLY_ERR_ALIGNMENT, 2, VA + 8, 1ul << 12);
	EXPECT_REFUSED(frame_map(BIG, VS, VA + 0x1000, RW), TALLY_ERR_ALIGNMENT, 2, VA + 0x1000,
		       1ul << 21);
	EXPECT_REFUSED(frame_map(F2, VS, 1ul << 47, RW), TALLY_ERR_RANGE, 2, 1ul << 47, 0);
	EXPECT_REFUSED(frame_map(F2, VS, 0x7ffffffff000ul, RW), TALLY_ERR_RANGE, 2,
		       0x7ffffffff000ul, 0);
	EXPECT_REFUSED(frame_map(F2, VS, 0xffff800000000000ul, RW), TALLY_ERR_RANGE, 2,
		       0xffff800000000000ul, 0);
	EXPECT_REFUSED(frame_map(BIG, VS, 0x7fffffe00000ul, RW), TALLY_ERR_RANGE, 2,
		       0x7fffffe00000ul, 0);
	EXPECT_REFUSED(table_map(PT2, VS, VA + 0x1000), TALLY_ERR_ALIGNMENT, 2, VA + 0x1000,
		       1ul << 21);
	EXPECT_REFUSED(table_map(PD2, VS, VA + (1ul << 21)), TALLY_ERR_ALIGNMENT, 2,
		       VA + (1ul << 21), 1ul << 30);
	EXPECT_REFUSED(table_map(PD2, VS, 1ul << 47), TALLY_ERR_RANGE, 2, 1ul << 47, 0);
	/* the address space: a PML4 capability */
	EXPECT_ERROR(frame_map(F2, EMPTY, VA + 0x1000, RW), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_EMPTY_SLOT);
	EXPECT_REFUSED(frame_map(F2, 0, VA + 0x1000, RW), TALLY_ERR_LOOKUP_FAILED, 1, 0, 0);
	EXPECT_REFUSED(frame_map(F2, PDPT, VA + 0x1000, RW), TALLY_ERR_INVALID_CAPABILITY, 1,
		       TALLY_OBJ_PDPT, TALLY_OBJ_PML4);
	EXPECT_REFUSED(table_map(PT2, FRAME, VA + (1ul << 21)), TALLY_ERR_INVALID_CAPABILITY, 1,
		       TALLY_OBJ_FRAME_4K, TALLY_OBJ_PML4);
	/* taken entries, on the way or at the end */
	EXPECT_REFUSED(frame_map(F2, VS, VA, RW), TALLY_ERR_SLOT_OCCUPIED, 2, VA, TALLY_OBJ_PT);
	EXPECT_REFUSED(frame_map(BIG, VS, VA, RW), TALLY_ERR_SLOT_OCCUPIED, 2, VA, TALLY_OBJ_PD);
	EXPECT_REFUSED(table_map(PT2, VS, VA), TALLY_ERR_SLOT_OCCUPIED, 2, VA, TALLY_OBJ_PD);
	EXPECT_REFUSED(table_map(PD2, VS, VA), TALLY_ERR_SLOT_OCCUPIED, 2, VA, TALLY_OBJ_PDPT);
	EXPECT_OK(frame_map(BIG, VS, VA + (1ul << 21), RW));
	EXPECT_REFUSED(frame_map(F2, VS, VA + (1ul << 21) + 0x5000, RW), TALLY_ERR_SLOT_OCCUPIED, 2,
		       VA + (1ul << 21) + 0x5000, TALLY_OBJ_PD);
	EXPECT_REFUSED(table_map(PT2, VS, VA + (1ul << 21)), TALLY_ERR_SLOT_OCCUPIED, 2,
		       VA + (1ul << 21), TALLY_OBJ_PD);
	/* one mapping per capability */
	EXPECT_REFUSED(frame_map(FRAME, VS, VA + 0x1000, RW), TALLY_ERR_INVALID_CAPABILITY, 0,
		       TALLY_MAPPED | RW, 0);
	EXPECT_REFUSED(table_map(PT, VS, VA + (2ul << 21)), TALLY_ERR_INVALID_CAPABILITY, 0,
		       TALLY_MAPPED, 0);
	/* labels and capabilities that do not fit */
	EXPECT_REFUSED(INV(F2, TALLY_PAGE_TABLE_MAP, VS, VA + 0x1000), TALLY_ERR_INVALID_ARGUMENT, 0,
		       TALLY_PAGE_TABLE_MAP, 0);
	EXPECT_REFUSED(INV(PT2, TALLY_FRAME_MAP, VS, VA + 0x1000, RW), TALLY_ERR_INVALID_ARGUMENT, 0,
		       TALLY_FRAME_MAP, 0);
	EXPECT_REFUSED(INV(PT2, 999), TALLY_ERR_INVALID_ARGUMENT, 0, 999, 0);
	EXPECT_REFUSED(INV(VS, TALLY_PAGE_TABLE_MAP, VS, 0), TALLY_ERR_INVALID_CAPABILITY, 0,
		       TALLY_OBJ_PML4, 0);
	/* a table capability is never copied: it is what records the mapping */
	EXPECT_REFUSED(copy(ROOT, EMPTY, PT2, TALLY_RIGHTS_ALL), TALLY_ERR_INVALID_CAPABILITY, 2,
		       TALLY_OBJ_PT, 0);
	revoke_all_untypeds();
	vs_checked();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(copies_map_on_their_own_and_deleting_a_mapped_frame_unmaps_it)
{
	const unsigned long C1 = FREE, C2 = FREE + 1, F2 = FREE + 2;

	vs_setup();
	space();
	EXPECT_OK(frame_map(FRAME, VS, VA, RW));
	/* a copy starts unmapped, and maps the same frame elsewhere */
	EXPECT_OK(copy(ROOT, C1, FRAME, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(mapping_of(C1), 0);
	ck_assert_ptr_null(cap_mapped_entry(&slot_at(C1)->cap));
	EXPECT_OK(frame_map(C1, VS, VA2, RX));
	EXPECT_OK(copy(ROOT, C2, C1, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(mapping_of(C2), 0);
	EXPECT_OK(frame_map(C2, VS, VA + 0x2000, R));
	vs_checked();
	ck_assert_uint_eq(entry(VS, VA, 0) & FAKE_PTE_ADDR, pa_of(FRAME));
	ck_assert_uint_eq(entry(VS, VA2, 0) & FAKE_PTE_ADDR, pa_of(FRAME));
	/* deleting one copy removes its own mapping only */
	fake_tlb_flushes = 0;
	EXPECT_OK(delete(ROOT, FRAME));
	ck_assert_uint_eq(fake_tlb_flushes, 1);
	ck_assert_uint_eq(entry(VS, VA, 0), 0);
	ck_assert_uint_eq(entry(VS, VA2, 0), frame_pte(C1, 0, ARCH_MAP_READ | ARCH_MAP_EXEC));
	vs_checked();
	/* the address is free again */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, F2, 1));
	EXPECT_OK(frame_map(F2, VS, VA, RW));
	/* the last copy goes: the frame is destroyed, and no entry names it */
	EXPECT_OK(delete(ROOT, C1));
	ck_assert_uint_eq(entry(VS, VA2, 0), 0);
	ck_assert_ptr_null(record_of(PT)[idx(VA2, 0)]);
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(a_frame_maps_in_the_boot_address_space_through_retyped_tables)
{
	const unsigned long B = TALLY_SLOT_ROOT_VSPACE;

	vs_setup();
	space();
	EXPECT_REFUSED(frame_map(FRAME, B, VA, RW), TALLY_ERR_NOT_FOUND, 2, VA, TALLY_OBJ_PDPT);
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PDPT, 0, ROOT, FREE, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PD, 0, ROOT, FREE + 1, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, FREE + 2, 1));
	EXPECT_OK(table_map(FREE, B, VA));
	EXPECT_OK(table_map(FREE + 1, B, VA));
	EXPECT_OK(table_map(FREE + 2, B, VA));
	EXPECT_OK(frame_map(FRAME, B, VA, RW));
	ck_assert_ptr_eq(record_of(B)[idx(VA, 3)], slot_at(FREE));
	vs_checked();
	revoke_all_untypeds();
	ck_assert_uint_eq(table_at(B)[idx(VA, 3)], 0);
	ck_assert_ptr_null(record_of(B)[idx(VA, 3)]);
	vs_checked();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(revoking_the_untyped_removes_every_mapping)
{
	const unsigned long FR = FREE;
	unsigned long i;

	vs_setup();
	space();
	fake_preempt_every = (unsigned long)_i;
	check_mid_call = true;
	between_restarts = vs_checked;
	/* 200 frames from U1, mapped into tables from U0 */
	EXPECT_OK(retype(SLOT_U1, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 200));
	for (i = 0; i < 200; i++)
		EXPECT_OK(frame_map(FR + i, VS, VA + (i << 12), i % 2 ? RW : RX));
	vs_checked();
	fake_tlb_flushes = 0;
	EXPECT_OK(revoke(ROOT, SLOT_U1));
	ck_assert_uint_eq(fake_tlb_flushes, 200);
	for (i = 0; i < ARCH_PT_ENTRIES; i++) {
		ck_assert_uint_eq(table_at(PT)[i], 0);
		ck_assert_ptr_null(record_of(PT)[i]);
	}
	vs_checked();
	/* now the tables: the PML4 (from U2) is left with nothing mapped */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_PML4, 0, ROOT, FR, 1));
	EXPECT_OK(move(ROOT, FR + 1, PDPT));
	EXPECT_OK(table_unmap(FR + 1));
	EXPECT_OK(table_map(FR + 1, FR, VA));
	EXPECT_OK(frame_map(FRAME, FR, VA, RW));
	vs_checked();
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	ck_assert_uint_eq(table_at(FR)[idx(VA, 3)], 0);
	ck_assert_ptr_null(record_of(FR)[idx(VA, 3)]);
	ck_assert_uint_eq(table_at(FR)[ARCH_PT_ENTRIES / 2], FAKE_PTE_KERNEL);
	ck_assert_str_eq(mid_call_problem, "");
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(destroying_a_table_forgets_what_it_mapped)
{
	const unsigned long F2 = FREE, PT2 = FREE + 1, VS2 = FREE + 2;
	paddr_t vs_pa;

	vs_setup();
	space();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, F2, 1));
	EXPECT_OK(frame_map(FRAME, VS, VA, RW));
	EXPECT_OK(frame_map(F2, VS, VA + 0x1000, RW));
	/* the PT goes: its frames are unmapped and may be mapped elsewhere */
	EXPECT_OK(delete(ROOT, PT));
	ck_assert_uint_eq(entry(VS, VA, 1), 0);
	ck_assert_ptr_null(record_of(PD)[idx(VA, 1)]);
	ck_assert_uint_eq(mapping_of(FRAME), 0);
	ck_assert_uint_eq(mapping_of(F2), 0);
	vs_checked();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_PT, 0, ROOT, PT2, 1));
	EXPECT_OK(table_map(PT2, VS, VA));
	EXPECT_OK(frame_map(FRAME, VS, VA + 0x5000, RW));
	EXPECT_OK(frame_map(F2, VS, VA, R));
	vs_checked();
	/* the PML4 goes: the arch forgets it; its PDPT is unmapped and keeps what it holds */
	vs_pa = pa_of(VS);
	EXPECT_OK(delete(ROOT, VS));
	ck_assert_uint_eq(fake_forgotten_root, vs_pa);
	ck_assert_uint_eq(mapping_of(PDPT), 0);
	ck_assert_uint_eq(mapping_of(PD), TALLY_MAPPED);
	ck_assert_uint_eq(mapping_of(F2), TALLY_MAPPED | R);
	vs_checked();
	/* ... and brings it along into another address space */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_PML4, 0, ROOT, VS2, 1));
	EXPECT_OK(table_map(PDPT, VS2, VA));
	ck_assert_uint_eq(entry(VS2, VA, 0), frame_pte(F2, 0, ARCH_MAP_READ));
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(unmapping_a_table_keeps_its_contents)
{
	const unsigned long VA3 = VA + (7ul << 21);

	vs_setup();
	space();
	EXPECT_OK(frame_map(FRAME, VS, VA + 0x4000, RW));
	fake_tlb_flushes = 0;
	EXPECT_OK(table_unmap(PT));
	ck_assert_uint_eq(fake_tlb_flushes, 1);
	ck_assert_uint_eq(entry(VS, VA, 1), 0);
	ck_assert_uint_eq(mapping_of(PT), 0);
	ck_assert_uint_eq(mapping_of(FRAME), TALLY_MAPPED | RW);
	vs_checked();
	EXPECT_OK(table_unmap(PT));   /* not mapped: nothing to do */
	ck_assert_uint_eq(fake_tlb_flushes, 1);
	EXPECT_OK(table_map(PT, VS, VA3));
	ck_assert_uint_eq(entry(VS, VA3 + 0x4000, 0), frame_pte(FRAME, 0, ARCH_MAP_READ | ARCH_MAP_WRITE));
	EXPECT_OK(frame_unmap(FRAME));
	ck_assert_uint_eq(entry(VS, VA3 + 0x4000, 0), 0);
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(a_moved_capability_keeps_its_record_right)
{
	const unsigned long MF = FREE, MT = FREE + 1, CN = FREE + 2;

	vs_setup();
	space();
	EXPECT_OK(frame_map(FRAME, VS, VA, RW));
	EXPECT_OK(move(ROOT, MF, FRAME));
	ck_assert_ptr_eq(record_of(PT)[idx(VA, 0)], slot_at(MF));
	EXPECT_OK(move(ROOT, MT, PT));
	ck_assert_ptr_eq(record_of(PD)[idx(VA, 1)], slot_at(MT));
	vs_checked();
	/* into another CNode, which then dies: the mapping goes with it */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	extra_cnode = cap_object(&slot_at(CN)->cap);
	extra_slots = 16;
	EXPECT_OK(INV(CN, TALLY_CNODE_MOVE, 3, MF, 64));
	ck_assert_ptr_eq(record_of(MT)[idx(VA, 0)], &extra_cnode[3]);
	vs_checked();
	extra_slots = 0;
	EXPECT_OK(delete(ROOT, CN));
	idle_drain();
	ck_assert_uint_eq(entry(VS, VA, 0), 0);
	ck_assert_ptr_null(record_of(MT)[idx(VA, 0)]);
	/* the moved PT, deleted, leaves its PD entry empty */
	EXPECT_OK(delete(ROOT, MT));
	ck_assert_uint_eq(entry(VS, VA, 1), 0);
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(a_2m_frame_maps_in_a_page_directory)
{
	const unsigned long BIG = FREE;

	vs_setup();
	space();
	EXPECT_OK(retype(SLOT_U1, TALLY_OBJ_FRAME_2M, 0, ROOT, BIG, 1));
	EXPECT_OK(frame_map(BIG, VS, VA + (1ul << 21), RW | TALLY_RIGHT_EXEC));
	ck_assert_uint_eq(entry(VS, VA + (1ul << 21), 1),
			  frame_pte(BIG, 1, ARCH_MAP_READ | ARCH_MAP_WRITE | ARCH_MAP_EXEC));
	ck_assert_ptr_eq(record_of(PD)[idx(VA, 1) + 1], slot_at(BIG));
	vs_checked();
	EXPECT_OK(delete(ROOT, PD));
	ck_assert_uint_eq(mapping_of(BIG), 0);
	ck_assert_uint_eq(mapping_of(PT), 0);
	vs_checked();
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

Suite *
vspace_suite(void)
{
	Suite *s = suite_create("vspace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, an_address_space_is_built_level_by_level_and_a_frame_mapped_into_it);
	tcase_add_test(tc, rights_are_checked_and_no_execute_is_honoured);
	tcase_add_test(tc, every_map_error_is_named_and_changes_nothing);
	tcase_add_test(tc, copies_map_on_their_own_and_deleting_a_mapped_frame_unmaps_it);
	tcase_add_test(tc, a_frame_maps_in_the_boot_address_space_through_retyped_tables);
	/* loop test: _i is fake_preempt_every (0: never preempted) */
	tcase_add_loop_test(tc, revoking_the_untyped_removes_every_mapping, 0, 4);
	tcase_add_test(tc, destroying_a_table_forgets_what_it_mapped);
	tcase_add_test(tc, unmapping_a_table_keeps_its_contents);
	tcase_add_test(tc, a_moved_capability_keeps_its_record_right);
	tcase_add_test(tc, a_2m_frame_maps_in_a_page_directory);
	suite_add_tcase(s, tc);
	return s;
}
