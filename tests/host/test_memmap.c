/*
 * Memory accounting: fixed maps with known answers, and a property test
 * that compares memmap_init with a brute-force classification of every
 * 512-byte unit of a random machine.
 */
#include "host_tests.h"
#include <kernel/memmap.h>
#include <string.h>

static struct boot_desc bd;
static struct memmap mm;

static void
add_mem(uint64_t base, uint64_t size, enum boot_mem_type type)
{
	bd.mem[bd.mem_count++] = (struct boot_mem){ base, size, type };
}

/* What QEMU's firmware reports for -m 256M. */
static void
qemu_map(void)
{
	memset(&bd, 0, sizeof(bd));
	add_mem(0, 0x9fc00, BOOT_MEM_USABLE);
	add_mem(0x9fc00, 0x400, BOOT_MEM_RESERVED);
	add_mem(0xf0000, 0x10000, BOOT_MEM_RESERVED);
	add_mem(0x100000, 0xfee0000, BOOT_MEM_USABLE);
	add_mem(0xffe0000, 0x20000, BOOT_MEM_RESERVED);
	add_mem(0xfffc0000, 0x40000, BOOT_MEM_RESERVED);
	bd.kernel_start = 0x100000;
	bd.kernel_end = 0x11c000;
	bd.modules[0] = (struct boot_module){ 0x11c000, 0x123456, "m" };
	bd.module_count = 1;
}

START_TEST(memmap_accounts_qemu_map_exactly)
{
	qemu_map();
	ck_assert(memmap_init(&mm, &bd));
	ck_assert_uint_eq(mm.acct.usable, 0x9fc00 + 0xfee0000);
	ck_assert_uint_eq(mm.acct.low, 0x9fc00);
	ck_assert_uint_eq(mm.acct.kernel, 0x1c000);
	ck_assert_uint_eq(mm.acct.modules, 0x124000 - 0x11c000);
	ck_assert_uint_eq(mm.acct.reserved, 0x400 + 0x10000 + 0x20000 + 0x40000);
	ck_assert_uint_eq(mm.acct.unusable, 0);
	ck_assert_uint_eq(mm.free_count, 1);
	ck_assert_uint_eq(mm.free[0].base, 0x124000);
	ck_assert_uint_eq(mm.free[0].base + mm.free[0].size, 0xffe0000);
	ck_assert(memmap_balanced(&mm));
}
END_TEST

START_TEST(memmap_reserved_wins_over_usable_and_overlaps_merge)
{
	memset(&bd, 0, sizeof(bd));
	add_mem(0x200000, 0x400000, BOOT_MEM_USABLE);   /* 2..6 MiB */
	add_mem(0x100000, 0x200000, BOOT_MEM_USABLE);   /* 1..3 MiB, overlapping */
	add_mem(0x300000, 0x1000, BOOT_MEM_RESERVED);   /* a hole at 3 MiB */
	add_mem(0x500800, 0x100, BOOT_MEM_RESERVED);    /* inside a page */
	bd.kernel_start = bd.kernel_end = 0x100000;
	ck_assert(memmap_init(&mm, &bd));
	ck_assert_uint_eq(mm.acct.usable, 0x500000 - 0x1000 - 0x100);
	/* the page around the small hole is cut, its usable bytes are unusable */
	ck_assert_uint_eq(mm.acct.unusable, 0x1000 - 0x100);
	ck_assert_uint_eq(mm.free_count, 3);
	ck_assert(memmap_balanced(&mm));
}
END_TEST

START_TEST(memmap_handles_wrapping_and_empty_entries)
{
	memset(&bd, 0, sizeof(bd));
	add_mem(0x100000, 0x100000, BOOT_MEM_USABLE);
	add_mem(0xfffffffffffff000ul, 0x10000, BOOT_MEM_RESERVED);
	add_mem(0x400000, 0, BOOT_MEM_USABLE);
	ck_assert(memmap_init(&mm, &bd));
	ck_assert_uint_eq(mm.acct.usable, 0x100000);
	ck_assert_uint_eq(mm.acct.reserved, 0xfff);
	ck_assert(memmap_balanced(&mm));
}
END_TEST

START_TEST(memmap_fails_without_free_memory)
{
	memset(&bd, 0, sizeof(bd));
	add_mem(0, 0x9fc00, BOOT_MEM_USABLE);
	ck_assert(!memmap_init(&mm, &bd));
}
END_TEST

START_TEST(memmap_take_page_moves_free_to_boot_until_sealed)
{
	uint64_t free0;
	paddr_t a, b;

	qemu_map();
	ck_assert(memmap_init(&mm, &bd));
	free0 = mm.acct.free;
	a = memmap_take_page(&mm);
	b = memmap_take_page(&mm);
	ck_assert_uint_eq(a, 0x124000);
	ck_assert_uint_eq(b, 0x125000);
	ck_assert_uint_eq(mm.acct.boot, 2 * PAGE_SIZE);
	ck_assert_uint_eq(mm.acct.free, free0 - 2 * PAGE_SIZE);
	ck_assert(memmap_balanced(&mm));
	memmap_seal(&mm);
	ck_assert_uint_eq(memmap_take_page(&mm), 0);
	ck_assert(memmap_balanced(&mm));
}
END_TEST

START_TEST(memmap_take_page_drains_every_range)
{
	unsigned long n = 0;

	memset(&bd, 0, sizeof(bd));
	add_mem(0x100000, 0x3000, BOOT_MEM_USABLE);
	add_mem(0x200000, 0x2000, BOOT_MEM_USABLE);
	ck_assert(memmap_init(&mm, &bd));
	while (memmap_take_page(&mm))
		n++;
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(mm.acct.free, 0);
	ck_assert_uint_eq(mm.free_count, 0);
	ck_assert(memmap_balanced(&mm));
}
END_TEST

/* ---- property test --------------------------------------------------------- */

#define UNIT 512ul
#define SPACE (16ul << 20)
#define UNITS (SPACE / UNIT)

enum { C_NONE, C_RESERVED, C_USABLE };

static unsigned char firm[UNITS];   /* firmware's view of each unit */

static void
mark(uint64_t base, uint64_t size, int cls)
{
	uint64_t u;

	for (u = base / UNIT; u < (base + size) / UNIT && u < UNITS; u++)
		if (firm[u] != C_RESERVED)
			firm[u] = (unsigned char)cls;
}

static uint64_t
rand_unit_addr(unsigned long *seed)
{
	return (test_rand(seed) % UNITS) * UNIT;
}

/* A random machine: usable and reserved ranges in any order, a kernel, modules. */
static void
random_machine(unsigned long *seed)
{
	unsigned i, n = 1 + (unsigned)(test_rand(seed) % 20);

	memset(&bd, 0, sizeof(bd));
	memset(firm, 0, sizeof(firm));
	for (i = 0; i < n; i++) {
		uint64_t base = rand_unit_addr(seed), size = (test_rand(seed) % 16) * 0x10000 + (test_rand(seed) % 64 + 1) * UNIT;
		bool usable = test_rand(seed) % 3 != 0;

		if (base + size > SPACE)
			size = SPACE - base;
		add_mem(base, size, usable ? BOOT_MEM_USABLE : BOOT_MEM_RESERVED);
	}
	/* reserved wins wherever it overlaps: mark reserved first */
	for (i = 0; i < bd.mem_count; i++)
		if (bd.mem[i].type == BOOT_MEM_RESERVED)
			mark(bd.mem[i].base, bd.mem[i].size, C_RESERVED);
	for (i = 0; i < bd.mem_count; i++)
		if (bd.mem[i].type == BOOT_MEM_USABLE)
			mark(bd.mem[i].base, bd.mem[i].size, C_USABLE);
	bd.kernel_start = ALIGN_DOWN(rand_unit_addr(seed), PAGE_SIZE);
	bd.kernel_end = bd.kernel_start + (test_rand(seed) % 64 + 1) * PAGE_SIZE;
	bd.module_count = (unsigned)(test_rand(seed) % 4);
	for (i = 0; i < bd.module_count; i++) {
		bd.modules[i].start = ALIGN_DOWN(rand_unit_addr(seed), PAGE_SIZE);
		bd.modules[i].end = bd.modules[i].start + test_rand(seed) % 0x20000;
	}
}

static bool
in_range(uint64_t a, uint64_t lo, uint64_t hi)
{
	return a >= lo && a < hi;
}

static bool
unit_taken_by_image(uint64_t a)
{
	unsigned i;

	if (in_range(a, bd.kernel_start, ALIGN_UP(bd.kernel_end, PAGE_SIZE)))
		return true;
	for (i = 0; i < bd.module_count; i++)
		if (in_range(a, bd.modules[i].start, ALIGN_UP(bd.modules[i].end, PAGE_SIZE)))
			return true;
	return false;
}

static void
check_against_brute_force(void)
{
	uint64_t usable = 0, low = 0, u;
	unsigned i;

	for (u = 0; u < UNITS; u++) {
		if (firm[u] != C_USABLE)
			continue;
		usable += UNIT;
		if (u * UNIT < LOW_MEMORY_END)
			low += UNIT;
	}
	PROP_ASSERT(mm.acct.usable == usable);
	PROP_ASSERT(mm.acct.low == low);
	PROP_ASSERT(memmap_balanced(&mm));
	for (i = 0; i < mm.free_count; i++) {
		const struct tally_mem_region *r = &mm.free[i];
		uint64_t a;

		PROP_ASSERT(r->base % PAGE_SIZE == 0);
		PROP_ASSERT(r->size % PAGE_SIZE == 0);
		PROP_ASSERT(r->size > 0);
		PROP_ASSERT(r->base >= LOW_MEMORY_END);
		if (i)
			PROP_ASSERT(r->base > mm.free[i - 1].base + mm.free[i - 1].size);
		for (a = r->base; a < r->base + r->size; a += UNIT) {
			PROP_ASSERT(firm[a / UNIT] == C_USABLE);
			PROP_ASSERT(!unit_taken_by_image(a));
		}
	}
}

START_TEST(memmap_random_machines_match_brute_force)
{
	unsigned long seed = 0xfeedface;
	int i, ok = 0;

	for (i = 0; i < 4000; i++) {
		random_machine(&seed);
		if (!memmap_init(&mm, &bd))
			continue;
		ok++;
		check_against_brute_force();
		while (test_rand(&seed) % 8 && memmap_take_page(&mm))
			PROP_ASSERT(memmap_balanced(&mm));
		check_against_brute_force();
	}
	ck_assert_int_gt(ok, 1500);
}
END_TEST

Suite *
memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, memmap_accounts_qemu_map_exactly);
	tcase_add_test(tc, memmap_reserved_wins_over_usable_and_overlaps_merge);
	tcase_add_test(tc, memmap_handles_wrapping_and_empty_entries);
	tcase_add_test(tc, memmap_fails_without_free_memory);
	tcase_add_test(tc, memmap_take_page_moves_free_to_boot_until_sealed);
	tcase_add_test(tc, memmap_take_page_drains_every_range);
	tcase_add_test(tc, memmap_random_machines_match_brute_force);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
