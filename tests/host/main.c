/*
 * Host tests of Tally's kernel core: the arch-neutral kernel code and lib/,
 * compiled for Linux with a fake architecture, run under AddressSanitizer
 * and UndefinedBehaviorSanitizer. Check prints the closing summary.
 */
#include "host_tests.h"
#include <stdlib.h>

int
main(void)
{
	SRunner *sr = srunner_create(fmt_suite());
	int failed;

	srunner_add_suite(sr, cmdline_suite());
	srunner_add_suite(sr, ksym_suite());
	srunner_add_suite(sr, elf_suite());
	srunner_add_suite(sr, memmap_suite());
	srunner_add_suite(sr, syscall_suite());
	srunner_add_suite(sr, cap_suite());
	srunner_add_suite(sr, cap_delete_suite());
	srunner_add_suite(sr, cap_random_suite());
	srunner_add_suite(sr, vspace_suite());
	srunner_add_suite(sr, ipc_suite());
	srunner_add_suite(sr, ipc_delete_suite());
	srunner_add_suite(sr, tcb_suite());
	srunner_add_suite(sr, ipc_random_suite());
	srunner_add_suite(sr, review_suite());
	srunner_add_suite(sr, sched_context_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
