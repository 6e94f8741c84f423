/*
 * The in-system test framework: each TEST registers a function in the
 * tally_tests section; main.c runs them in link order, prints one line per
 * test and closes with "N passed, N failed".
 *
 * EXPECT_* checks print what they expected and what they got, mark the test
 * failed and return from it.
 */
#ifndef TALLY_TESTS_TEST_H
#define TALLY_TESTS_TEST_H

#include <stdbool.h>
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/syscall.h>
#include <libtally/bank.h>

struct test {
	const char *name;
	void (*fn)(void);
};

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	static const struct test test_entry_##name                          \
		__attribute__((section("tally_tests"), used, aligned(8))) = \
		{ #name, test_##name };                                     \
	static void test_##name(void)

/* Record a failure of the running test (main.c). */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define EXPECT_TRUE(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			test_fail(__FILE__, __LINE__, "expected %s", #cond);   \
			return;                                                \
		}                                                              \
	} while (0)

#define EXPECT_EQ(expected, got)                                               \
	do {                                                                   \
		unsigned long e_ = (unsigned long)(expected);                  \
		unsigned long g_ = (unsigned long)(got);                       \
		if (e_ != g_) {                                                \
			test_fail(__FILE__, __LINE__, "%s: expected %#lx, got %#lx", \
				  #got, e_, g_);                               \
			return;                                                \
		}                                                              \
	} while (0)

#define EXPECT_ERR(expected, got)                                              \
	do {                                                                   \
		long e_ = (expected), g_ = (got);                              \
		if (e_ != g_) {                                                \
			test_fail(__FILE__, __LINE__, "%s: expected %s, got %s", #got, \
				  tally_error_name(e_), tally_error_name(g_)); \
			return;                                                \
		}                                                              \
	} while (0)

/* Find a boot thread by name; return its index or -1. */
long test_find_thread(const char *name);

/*
 * Yield until boot thread `index` has left the RUNNABLE state or `ticks`
 * timer ticks have passed; fill *info and return true if it left.
 */
bool test_wait_thread_stopped(long index, unsigned long ticks,
			      struct tally_thread_info *info);

/* ---- helpers shared by the test files (main.c) ---- */

/* A fresh empty root-CNode slot; tests give theirs back with test_slot_free. */
unsigned long test_slot(void);
void test_slot_free(unsigned long slot);

/* The largest RAM untyped's slot (objects for tests come from it). */
unsigned long test_untyped(void);

/* Retype one object of `type` into a fresh slot; 0 on failure. */
unsigned long test_object(unsigned long type, unsigned long size_bits);

/*
 * Give thread tcb a scheduling context of its own with budget/period ticks
 * (1, 1: the whole CPU); test_object_free(tcb) frees it too. Its slot, or 0.
 */
unsigned long test_time_for(unsigned long tcb, unsigned long budget, unsigned long period);

/* Delete the capability in slot and give the slot back. */
void test_object_free(unsigned long slot);

/*
 * A thread in the suite's own address space and CSpace, running fn(arg) at
 * priority prio on a stack of its own; 0 on failure. It starts at once.
 * test_thread_free deletes it (whatever state it is in) and frees its stack.
 */
unsigned long test_thread(void (*fn)(unsigned long), unsigned long arg, unsigned long prio);
/*
 * The same, sharing the main thread's IPC buffer (tally_ipcbuf()), so that
 * it can call the bank; the main thread must not use it meanwhile.
 */
unsigned long test_thread_ipc(void (*fn)(unsigned long), unsigned long arg, unsigned long prio);
void test_thread_free(unsigned long tcb);

/* A thread's state (enum tally_thread_state), ~0 if the call fails. */
unsigned long test_thread_state(unsigned long tcb);

/*
 * Yield until `tcb` is in `state`; false after many tries. Yielding lets
 * only threads of the suite's own priority run: others need it to block.
 */
bool test_wait_state(unsigned long tcb, unsigned long state);

/*
 * Wait until every thread of priority above 1 that can run has blocked
 * (a probe at priority 1 runs only then).
 */
void test_settle(void);

/* Check the kernel's invariants (debug builds); false if the call failed. */
bool test_kernel_consistent(void);

/*
 * The space bank server (user/bank), started on first use from every RAM
 * Untyped but the largest (test_untyped's, which the other tests use) and
 * then left running: its owner's endpoint and a FULL capability to the
 * root bank. The server runs at TEST_BANK_PRIO.
 */
struct test_bank {
	unsigned long server, root;
};
#define TEST_BANK_PRIO 254
const struct test_bank *test_bank(void);

/* The bank server's pool report, and whether its free bytes are its total less the root's use. */
bool test_bank_pool(struct tally_bank_pool *out);
bool test_bank_balanced(void);

/*
 * The suite's supervisor (libtally/supervisor.h), made on first use on a
 * bank of its own under the root bank (test_sup_bank), which every process
 * it spawns is paid from.
 */
struct tally_sup;
struct tally_sup *test_sup(void);
unsigned long test_sup_bank(void);

#endif
