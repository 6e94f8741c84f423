/*
 * User-mode faults: each faulter module breaks one rule; the kernel must
 * stop that thread, record why, report it on the console, and keep running
 * everything else (this suite among it).
 */
#include "test.h"
#include <string.h>

#define FAULT_WAIT_TICKS 500
#define FAULTER_TEXT_LO 0x400000ul
#define FAULTER_TEXT_HI 0x500000ul

/* Wait for "faulter.elf <kind>" to stop; check it faulted with `cause`. */
static bool
expect_fault(const char *kind, enum tally_fault cause, struct tally_thread_info *info)
{
	char name[TALLY_THREAD_NAME_MAX];
	long index;

	fmt_snprintf(name, sizeof(name), "faulter.elf %s", kind);
	index = test_find_thread(name);
	if (index < 0) {
		test_fail(__FILE__, __LINE__, "no boot thread named '%s'", name);
		return false;
	}
	if (!test_wait_thread_stopped(index, FAULT_WAIT_TICKS, info)) {
		test_fail(__FILE__, __LINE__, "'%s' still running after %d ticks", name,
			  FAULT_WAIT_TICKS);
		return false;
	}
	if (info->state != TALLY_THREAD_FAULTED || info->fault != cause) {
		test_fail(__FILE__, __LINE__, "'%s': expected state FAULTED (%s), got state %lu (%s)",
			  name, tally_fault_name(cause), info->state, tally_fault_name(info->fault));
		return false;
	}
	return true;
}

static bool
pc_in_faulter_text(const struct tally_thread_info *info)
{
	return info->fault_pc >= FAULTER_TEXT_LO && info->fault_pc < FAULTER_TEXT_HI;
}

TEST(null_dereference_stops_the_thread)
{
	struct tally_thread_info info;

	if (!expect_fault("null", TALLY_FAULT_PAGE, &info))
		return;
	EXPECT_EQ(0, info.fault_addr);
	EXPECT_EQ(0, info.fault_code & (TALLY_PF_PRESENT | TALLY_PF_WRITE | TALLY_PF_FETCH));
	EXPECT_TRUE(pc_in_faulter_text(&info));
}

TEST(write_to_own_code_is_a_protection_page_fault)
{
	struct tally_thread_info info;

	if (!expect_fault("write-text", TALLY_FAULT_PAGE, &info))
		return;
	EXPECT_EQ(TALLY_PF_PRESENT | TALLY_PF_WRITE,
		  info.fault_code & (TALLY_PF_PRESENT | TALLY_PF_WRITE));
	EXPECT_TRUE(info.fault_addr >= FAULTER_TEXT_LO && info.fault_addr < FAULTER_TEXT_HI);
}

TEST(executing_data_is_a_fetch_page_fault)
{
	struct tally_thread_info info;

	if (!expect_fault("exec-data", TALLY_FAULT_PAGE, &info))
		return;
	EXPECT_EQ(TALLY_PF_PRESENT | TALLY_PF_FETCH,
		  info.fault_code & (TALLY_PF_PRESENT | TALLY_PF_FETCH));
	EXPECT_EQ(info.fault_pc, info.fault_addr);
}

TEST(reading_kernel_memory_is_a_page_fault)
{
	struct tally_thread_info info;

	if (!expect_fault("kernel-read", TALLY_FAULT_PAGE, &info))
		return;
	EXPECT_EQ(0xffff800000100000ul, info.fault_addr);
	EXPECT_TRUE(info.fault_code & TALLY_PF_PRESENT);
}

TEST(illegal_instruction_stops_the_thread)
{
	struct tally_thread_info info;

	if (!expect_fault("illegal", TALLY_FAULT_ILLEGAL_INSN, &info))
		return;
	EXPECT_TRUE(pc_in_faulter_text(&info));
}

TEST(privileged_instruction_stops_the_thread)
{
	struct tally_thread_info info;

	if (!expect_fault("privileged", TALLY_FAULT_PROTECTION, &info))
		return;
	EXPECT_TRUE(pc_in_faulter_text(&info));
}

TEST(port_io_stops_the_thread)
{
	struct tally_thread_info info;

	if (!expect_fault("port-io", TALLY_FAULT_PROTECTION, &info))
		return;
	EXPECT_TRUE(pc_in_faulter_text(&info));
}

TEST(unknown_syscall_number_stops_the_thread)
{
	struct tally_thread_info info;

	if (!expect_fault("bad-syscall", TALLY_FAULT_BAD_SYSCALL, &info))
		return;
	EXPECT_EQ(9999, info.fault_code);
	EXPECT_TRUE(pc_in_faulter_text(&info));
}

TEST(divide_by_zero_stops_the_thread)
{
	struct tally_thread_info info;

	if (!expect_fault("divide", TALLY_FAULT_DIVIDE, &info))
		return;
	EXPECT_TRUE(pc_in_faulter_text(&info));
}

TEST(breakpoint_stops_the_thread)
{
	struct tally_thread_info info;

	EXPECT_TRUE(expect_fault("breakpoint", TALLY_FAULT_DEBUG, &info));
}

TEST(fpu_use_stops_the_thread_until_fpu_state_is_saved)
{
	struct tally_thread_info info;

	EXPECT_TRUE(expect_fault("fpu", TALLY_FAULT_FPU, &info));
}

TEST(jump_to_noncanonical_address_stops_the_thread)
{
	struct tally_thread_info info;

	EXPECT_TRUE(expect_fault("noncanonical", TALLY_FAULT_PROTECTION, &info));
}

TEST(kernel_survives_all_faults_and_keeps_ticking)
{
	unsigned long start = tally_clock();

	while (tally_clock() < start + 2)
		tally_yield();
	EXPECT_ERR(TALLY_OK, tally_null());
}
