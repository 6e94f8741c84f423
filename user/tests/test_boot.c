/* Boot info and the kernel's memory accounting, as the root task sees them. */
#include "test.h"
#include <libtally/cap.h>
#include <string.h>

/* The harness tells the suite how much RAM QEMU was given: "ram_mib=N". */
static unsigned long
expected_ram_bytes(void)
{
	const char *p = strchr(tally_bootinfo->args, '=');
	unsigned long mib = 0;

	if (!p || strncmp(tally_bootinfo->args, "ram_mib=", 8))
		return 0;
	for (p++; *p >= '0' && *p <= '9'; p++)
		mib = mib * 10 + (unsigned long)(*p - '0');
	return mib << 20;
}

TEST(bootinfo_has_magic_and_names_the_root_task)
{
	const struct tally_bootinfo *bi = tally_bootinfo;

	EXPECT_EQ(TALLY_BOOTINFO_ADDR, (unsigned long)bi);
	EXPECT_EQ(TALLY_BOOTINFO_MAGIC, bi->magic);
	EXPECT_EQ(sizeof(*bi), bi->size);
	EXPECT_EQ(0, bi->thread_index);
	EXPECT_TRUE(bi->thread_count >= 2);
	EXPECT_TRUE(bi->tick_hz > 0);
}

TEST(memory_accounting_balances_to_the_byte)
{
	const struct tally_mem_account *m = &tally_bootinfo->mem;

	EXPECT_EQ(m->usable, m->low + m->kernel + m->modules + m->boot + m->unusable + m->free);
	EXPECT_TRUE(m->kernel > 0);
	EXPECT_TRUE(m->modules > 0);
	EXPECT_TRUE(m->boot > 0);
	EXPECT_TRUE(m->free > 0);
	EXPECT_TRUE(m->reserved > 0);
}

TEST(memory_usable_matches_the_machine)
{
	const struct tally_mem_account *m = &tally_bootinfo->mem;
	unsigned long ram = expected_ram_bytes();

	EXPECT_TRUE(ram != 0);
	/* QEMU's firmware keeps back a few hundred KiB below 1 MiB and at the top */
	EXPECT_TRUE(m->usable <= ram);
	EXPECT_TRUE(m->usable >= ram - (1ul << 20));
	EXPECT_TRUE(m->low < (1ul << 20));
}

TEST(free_regions_are_sorted_aligned_and_sum_to_free)
{
	const struct tally_bootinfo *bi = tally_bootinfo;
	unsigned long i, sum = 0, prev_end = 0;

	EXPECT_TRUE(bi->free_region_count > 0);
	EXPECT_TRUE(bi->free_region_count <= TALLY_BOOTINFO_REGIONS);
	for (i = 0; i < bi->free_region_count; i++) {
		const struct tally_mem_region *r = &bi->free_regions[i];

		EXPECT_EQ(0, r->base % 4096);
		EXPECT_EQ(0, r->size % 4096);
		EXPECT_TRUE(r->size > 0);
		EXPECT_TRUE(r->base >= (1ul << 20));
		EXPECT_TRUE(r->base >= prev_end);
		prev_end = r->base + r->size;
		sum += r->size;
	}
	EXPECT_EQ(bi->mem.free, sum);
}

TEST(bootinfo_page_is_read_only)
{
	struct tally_thread_info info;
	unsigned long magic = tally_bootinfo->magic;

	/* the kernel writing into it on our behalf must fail and change nothing */
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS,
		   tally_debug_thread_info(0, (struct tally_thread_info *)tally_bootinfo));
	EXPECT_EQ(magic, tally_bootinfo->magic);
	EXPECT_ERR(TALLY_OK, tally_debug_thread_info(0, &info));
}

TEST(boot_modules_are_given_to_the_root_task_as_read_only_frames)
{
	const struct tally_bootinfo *bi = tally_bootinfo;
	struct tally_slot_info si;
	unsigned long i, p;

	EXPECT_TRUE(bi->module_count >= 1);
	EXPECT_TRUE(bi->module_count <= TALLY_BOOTINFO_MODULES);
	EXPECT_TRUE(bi->modules[0].name[0] != 0);
	for (i = 0; i < bi->module_count; i++) {
		const struct tally_module_desc *m = &bi->modules[i];

		EXPECT_TRUE(m->pages * 4096 >= m->offset + m->size);
		EXPECT_TRUE(m->first_slot >= bi->untyped_first + bi->untyped_count);
		EXPECT_TRUE(m->first_slot + m->pages <= bi->first_free_slot);
		for (p = 0; p < m->pages; p++) {
			EXPECT_EQ(TALLY_OK, tally_cnode_inspect(TALLY_SLOT_ROOT_CNODE,
								m->first_slot + p, &si));
			EXPECT_EQ(TALLY_OBJ_FRAME_4K, si.type);
			EXPECT_EQ(TALLY_RIGHT_READ | TALLY_RIGHT_EXEC, si.rights);
		}
	}
}
