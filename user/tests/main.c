/*
 * tests: the root task of the in-system suite. Runs every registered test
 * in user mode through real system calls, prints "PASS name" or "FAIL name:
 * why" per test, closes with "N passed, N failed" and ends the machine with
 * a status the harness checks (tools/run-suite.sh).
 */
#include "test.h"
#include <stdarg.h>
#include <string.h>

extern const struct test __start_tally_tests[], __stop_tally_tests[];

static bool test_failed;

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("  at %s:%d: %s\n", file, line, buf);
	test_failed = true;
}

long
test_find_thread(const char *name)
{
	struct tally_thread_info info;
	unsigned long i;

	for (i = 0; i < tally_bootinfo->thread_count; i++)
		if (tally_debug_thread_info(i, &info) == TALLY_OK && !strcmp(info.name, name))
			return (long)i;
	return -1;
}

bool
test_wait_thread_stopped(long index, unsigned long ticks, struct tally_thread_info *info)
{
	unsigned long start = tally_clock();

	for (;;) {
		if (tally_debug_thread_info((unsigned long)index, info) != TALLY_OK)
			return false;
		if (info->state != TALLY_THREAD_RUNNABLE)
			return true;
		if (tally_clock() - start > ticks)
			return false;
		tally_yield();
	}
}

int
main(const struct tally_bootinfo *bi)
{
	const struct test *t;
	unsigned passed = 0, failed = 0;

	printf("tests: in-system suite, %lu boot threads, args '%s'\n", bi->thread_count,
	       bi->args);
	for (t = __start_tally_tests; t < __stop_tally_tests; t++) {
		test_failed = false;
		t->fn();
		/* the kernel's invariants hold after every test (a broken one panics) */
		if (!test_kernel_consistent())
			test_fail(__FILE__, __LINE__, "the kernel's invariant check failed");
		printf("%s %s\n", test_failed ? "FAIL" : "PASS", t->name);
		if (test_failed)
			failed++;
		else
			passed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	tally_debug_shutdown(failed ? TALLY_SHUTDOWN_FAILURE : TALLY_SHUTDOWN_SUCCESS);
	return 1;
}
