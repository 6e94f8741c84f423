/*
 * System-call dispatch and thread state, through the fake architecture:
 * bad arguments get named errors and change nothing; a broken protocol
 * stops the thread and the scheduler moves on.
 */
#include "host_tests.h"
#include "fake_arch.h"
#include <kernel/sched.h>
#include <kernel/schedctx.h>
#include <kernel/syscall.h>
#include <tally/error.h>
#include <string.h>

static struct thread *caller;
static struct sched_context scs[2];

static void
setup(void)
{
	fake_arch_reset();
	memset(boot_threads, 0, sizeof(boot_threads));
	boot_thread_count = 2;
	boot_threads[0] = (struct thread){ .index = 0, .state = TALLY_THREAD_RUNNABLE, .name = "root" };
	boot_threads[1] = (struct thread){ .index = 1, .state = TALLY_THREAD_RUNNABLE, .name = "other" };
	caller = &boot_threads[0];
	sched_init();
	memset(scs, 0, sizeof(scs));
	sc_boot(&boot_threads[0], &scs[0]);
	sc_boot(&boot_threads[1], &scs[1]);
	sched_wake(&boot_threads[1]);
	sched_current = caller;
	sched_preempt_requested = false;
}

/* Issue a call from `caller`; arch_halt jumps back here. Returns the error. */
static uint64_t
call(uint64_t nr, uint64_t a0, uint64_t a1)
{
	caller->regs.number = nr;
	caller->regs.args[0] = a0;
	caller->regs.args[1] = a1;
	caller->regs.error = ~0ul;
	if (setjmp(fake_exit) == 0) {
		syscall_dispatch(caller);
		sched_run();
	}
	return caller->regs.error;
}

START_TEST(debug_write_copies_user_bytes_to_console)
{
	setup();
	memcpy(fake_user, "hello", 5);
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_WRITE, FAKE_USER_BASE, 5), TALLY_OK);
	ck_assert_str_eq(fake_console, "hello");
}
END_TEST

START_TEST(debug_write_bad_pointers_print_nothing)
{
	setup();
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_WRITE, 0xffff800000000000ul, 4), TALLY_ERR_BAD_ADDRESS);
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_WRITE, FAKE_USER_BASE + FAKE_USER_SIZE - 2, 4),
			  TALLY_ERR_BAD_ADDRESS);
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_WRITE, ~0ul - 1, 4), TALLY_ERR_BAD_ADDRESS);
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_WRITE, FAKE_USER_BASE, TALLY_DEBUG_WRITE_MAX + 1),
			  TALLY_ERR_RANGE);
	ck_assert_uint_eq(fake_console_len, 0);
	ck_assert_int_eq(caller->state, TALLY_THREAD_RUNNABLE);
}
END_TEST

START_TEST(thread_info_reports_state_and_rejects_bad_arguments)
{
	struct tally_thread_info info;

	setup();
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_THREAD_INFO, 1, FAKE_USER_BASE), TALLY_OK);
	memcpy(&info, fake_user, sizeof(info));
	ck_assert_uint_eq(info.state, TALLY_THREAD_RUNNABLE);
	ck_assert_str_eq(info.name, "other");
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_THREAD_INFO, 2, FAKE_USER_BASE), TALLY_ERR_RANGE);
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_THREAD_INFO, 0, 0x20000000), TALLY_ERR_BAD_ADDRESS);
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_THREAD_INFO, 0, 0xffffffff80000000ul),
			  TALLY_ERR_BAD_ADDRESS);
}
END_TEST

START_TEST(unknown_call_number_stops_the_caller_and_schedules_another)
{
	setup();
	caller->regs.pc = 0x401234;
	call(TALLY_SYS_COUNT + 5, 0, 0);
	ck_assert_int_eq(caller->state, TALLY_THREAD_FAULTED);
	ck_assert_int_eq(caller->fault.cause, TALLY_FAULT_BAD_SYSCALL);
	ck_assert_uint_eq(caller->fault.code, TALLY_SYS_COUNT + 5);
	ck_assert_uint_eq(caller->fault.pc, 0x401234);
	ck_assert_ptr_eq(sched_current, &boot_threads[1]);
	ck_assert_ptr_nonnull(strstr(fake_console, "bad system call"));
}
END_TEST

START_TEST(yield_rotates_and_exit_stops)
{
	setup();
	ck_assert_uint_eq(call(TALLY_SYS_YIELD, 0, 0), TALLY_OK);
	ck_assert_ptr_eq(sched_current, &boot_threads[1]);
	caller = &boot_threads[1];
	ck_assert_uint_eq(call(TALLY_SYS_YIELD, 0, 0), TALLY_OK);
	ck_assert_ptr_eq(sched_current, &boot_threads[0]);
	caller = &boot_threads[0];
	call(TALLY_SYS_EXIT, 0, 0);
	ck_assert_int_eq(caller->state, TALLY_THREAD_EXITED);
	ck_assert_ptr_eq(sched_current, &boot_threads[1]);
	caller = &boot_threads[1];
	call(TALLY_SYS_EXIT, 0, 0);
	ck_assert_int_eq(boot_threads[1].state, TALLY_THREAD_EXITED);
	ck_assert_ptr_null(sched_current);
}
END_TEST

START_TEST(shutdown_checks_status_before_halting)
{
	setup();
	ck_assert_uint_eq(call(TALLY_SYS_DEBUG_SHUTDOWN, 7, 0), TALLY_ERR_INVALID_ARGUMENT);
	ck_assert_int_eq(fake_halt_status, -1);
	call(TALLY_SYS_DEBUG_SHUTDOWN, TALLY_SHUTDOWN_FAILURE, 0);
	ck_assert_int_eq(fake_halt_status, ARCH_HALT_FAILURE);
	call(TALLY_SYS_DEBUG_SHUTDOWN, TALLY_SHUTDOWN_SUCCESS, 0);
	ck_assert_int_eq(fake_halt_status, ARCH_HALT_SUCCESS);
}
END_TEST

START_TEST(error_and_fault_names_cover_every_code)
{
	long e;

	for (e = 0; e < TALLY_ERROR_COUNT; e++)
		ck_assert_str_ne(tally_error_name(e), "?");
	for (e = 0; e < TALLY_FAULT_COUNT; e++)
		ck_assert_str_ne(tally_fault_name(e), "?");
	ck_assert_str_eq(tally_error_name(TALLY_ERROR_COUNT), "?");
	ck_assert_str_eq(tally_error_name(-1), "?");
}
END_TEST

Suite *
syscall_suite(void)
{
	Suite *s = suite_create("syscall");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, debug_write_copies_user_bytes_to_console);
	tcase_add_test(tc, debug_write_bad_pointers_print_nothing);
	tcase_add_test(tc, thread_info_reports_state_and_rejects_bad_arguments);
	tcase_add_test(tc, unknown_call_number_stops_the_caller_and_schedules_another);
	tcase_add_test(tc, yield_rotates_and_exit_stops);
	tcase_add_test(tc, shutdown_checks_status_before_halting);
	tcase_add_test(tc, error_and_fault_names_cover_every_code);
	suite_add_tcase(s, tc);
	return s;
}
