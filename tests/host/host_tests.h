/* Host test suites (Check); main.c runs them all. */
#ifndef TESTS_HOST_TESTS_H
#define TESTS_HOST_TESTS_H

#include <check.h>

Suite *fmt_suite(void);
Suite *cmdline_suite(void);
Suite *ksym_suite(void);
Suite *elf_suite(void);
Suite *memmap_suite(void);
Suite *syscall_suite(void);
Suite *cap_suite(void);
Suite *cap_delete_suite(void);
Suite *cap_random_suite(void);
Suite *vspace_suite(void);
Suite *ipc_suite(void);
Suite *ipc_delete_suite(void);
Suite *tcb_suite(void);
Suite *ipc_random_suite(void);
Suite *review_suite(void);
Suite *sched_context_suite(void);

/*
 * For assertions inside long property loops: Check records every passing
 * ck_assert (a write to its log), so loops test first and call Check only
 * when something is wrong.
 */
#define PROP_ASSERT(cond)                                                     \
	do {                                                                  \
		if (!(cond))                                                  \
			ck_abort_msg("property failed: %s (%s:%d)", #cond,    \
				     __FILE__, __LINE__);                     \
	} while (0)

/* A small deterministic PRNG, so failures reproduce (xorshift64*). */
static inline unsigned long
test_rand(unsigned long *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ul;
}

#endif
