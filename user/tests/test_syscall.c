/* System-call arguments: good ones work, bad ones get a named error. */
#include "test.h"
#include <string.h>

/* mapped in every address space, for the kernel only (its map of RAM) */
#define KERNEL_ADDR 0xffff800000100000ul
#define UNMAPPED_ADDR 0x10000000ul

TEST(null_syscall_returns_ok)
{
	EXPECT_ERR(TALLY_OK, tally_null());
}

TEST(debug_write_prints_valid_buffer)
{
	static const char msg[] = "  (debug_write: hello from the suite)\n";

	EXPECT_ERR(TALLY_OK, tally_debug_write(msg, sizeof(msg) - 1));
}

TEST(debug_write_of_zero_bytes_is_ok)
{
	EXPECT_ERR(TALLY_OK, tally_debug_write((void *)0, 0));
}

TEST(debug_write_rejects_kernel_pointer)
{
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write((void *)KERNEL_ADDR, 16));
}

TEST(debug_write_rejects_unmapped_pointer)
{
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write((void *)UNMAPPED_ADDR, 16));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write((void *)0, 1));
}

TEST(debug_write_rejects_buffer_running_into_unmapped_page)
{
	/* the stack ends at TALLY_BOOT_STACK_TOP; the page above is a guard */
	const char *p = (const char *)(TALLY_BOOT_STACK_TOP - 8);

	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write(p, 16));
	EXPECT_ERR(TALLY_OK, tally_debug_write(p, 0));
}

TEST(debug_write_rejects_noncanonical_and_wrapping_ranges)
{
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write((void *)0x0000800000000000ul, 1));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write((void *)0x00007ffffffffff0ul, 64));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_debug_write((void *)~0ul, 2));
}

TEST(debug_write_rejects_too_long_buffer)
{
	static char big[TALLY_DEBUG_WRITE_MAX + 1];

	EXPECT_ERR(TALLY_ERR_RANGE, tally_debug_write(big, sizeof(big)));
}

TEST(thread_info_reports_the_caller)
{
	struct tally_thread_info info;

	memset(&info, 0xff, sizeof(info));
	EXPECT_ERR(TALLY_OK, tally_debug_thread_info(0, &info));
	EXPECT_EQ(TALLY_THREAD_RUNNABLE, info.state);
	EXPECT_EQ(TALLY_FAULT_NONE, info.fault);
	EXPECT_TRUE(!strncmp(info.name, "tests", 5));
}

TEST(thread_info_rejects_bad_index_and_pointers)
{
	struct tally_thread_info info;

	EXPECT_ERR(TALLY_ERR_RANGE, tally_debug_thread_info(tally_bootinfo->thread_count, &info));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_debug_thread_info(~0ul, &info));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS,
		   tally_debug_thread_info(0, (struct tally_thread_info *)KERNEL_ADDR));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS,
		   tally_debug_thread_info(0, (struct tally_thread_info *)UNMAPPED_ADDR));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS,
		   tally_debug_thread_info(0, (struct tally_thread_info *)(unsigned long)main));
}

TEST(shutdown_rejects_unknown_status)
{
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_debug_shutdown(2));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_debug_shutdown(~0ul));
}

TEST(syscall_preserves_registers_but_rcx_r11)
{
	register unsigned long r8 __asm__("r8") = 0x8888;
	register unsigned long r9 __asm__("r9") = 0x9999;
	register unsigned long r10 __asm__("r10") = 0xaaaa;
	register unsigned long r12 __asm__("r12") = 0x2222;
	register unsigned long r13 __asm__("r13") = 0x3333;
	register unsigned long r14 __asm__("r14") = 0x4444;
	register unsigned long r15 __asm__("r15") = 0x5555;
	unsigned long rax = TALLY_SYS_NULL, rbx = 0x1111, rsi = 0x6666, rdi = 0x7777;

	/* rbp is checked inside the asm: it cannot be an operand */
	__asm__ volatile("push %%rbp\n\tmov $0xbbbb, %%rbp\n\tsyscall\n\t"
			 "cmp $0xbbbb, %%rbp\n\tje 1f\n\tmov $0xdead, %%rbx\n1:\tpop %%rbp"
			 : "+a"(rax), "+b"(rbx), "+S"(rsi), "+D"(rdi), "+r"(r8), "+r"(r9),
			   "+r"(r10), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			 :
			 : "rcx", "r11", "rdx", "memory");
	EXPECT_ERR(TALLY_OK, (long)rax);
	EXPECT_EQ(0x1111, rbx);
	EXPECT_EQ(0x6666, rsi);
	EXPECT_EQ(0x7777, rdi);
	EXPECT_EQ(0x8888, r8);
	EXPECT_EQ(0x9999, r9);
	EXPECT_EQ(0xaaaa, r10);
	EXPECT_EQ(0x2222, r12);
	EXPECT_EQ(0x3333, r13);
	EXPECT_EQ(0x4444, r14);
	EXPECT_EQ(0x5555, r15);
}

TEST(clock_ticks_advance)
{
	unsigned long start = tally_clock(), now = start;
	unsigned long spins;

	for (spins = 0; spins < 100000000ul && now < start + 3; spins++) {
		now = tally_clock();
		if (spins % 64 == 0)
			tally_yield();
	}
	EXPECT_TRUE(now >= start + 3);
}
