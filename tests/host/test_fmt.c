/* lib/fmt.c against the host's snprintf. */
#include "host_tests.h"
#include <fmt.h>
#include <stdio.h>
#include <string.h>

#define CHECK_FMT(format, ...)                                                        \
	do {                                                                         \
		char want[128], got[128];                                            \
		int wn = snprintf(want, sizeof(want), format, __VA_ARGS__);          \
		int gn = fmt_snprintf(got, sizeof(got), format, __VA_ARGS__);        \
		if (strcmp(got, want) || gn != wn)                                   \
			ck_abort_msg("format \"%s\": expected \"%s\" (%d), got \"%s\" (%d)", \
				     format, want, wn, got, gn);                     \
	} while (0)

START_TEST(fmt_matches_libc_for_integers)
{
	CHECK_FMT("%d %i %u", -42, 17, 3000000000u);
	CHECK_FMT("%ld %lu %lx %lX", -9000000000l, 18446744073709551615ul, 0xdeadbeeful, 0xabcul);
	CHECK_FMT("%zu %llx", (size_t)12345, 0x123456789abcdefull);
	CHECK_FMT("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	CHECK_FMT("[%#x] [%#lx] [%#08lx] [%#x]", 255u, 0x1000ul, 0x1ful, 0u);
	CHECK_FMT("%d %d", 0, -2147483647 - 1);
}
END_TEST

START_TEST(fmt_matches_libc_for_strings_and_chars)
{
	CHECK_FMT("%s|%10s|%-10s|%c%%", "abc", "right", "left", 'z');
	CHECK_FMT("%p", (void *)0x1234ul);
}
END_TEST

START_TEST(fmt_truncates_and_returns_full_length)
{
	char buf[8];
	int n = fmt_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);

	ck_assert_int_eq(n, 12);
	ck_assert_str_eq(buf, "abcdef-");
	ck_assert_int_eq(fmt_snprintf(NULL, 0, "%d", 123), 3);
}
END_TEST

START_TEST(fmt_random_numbers_match_libc)
{
	unsigned long seed = 0x9e3779b97f4a7c15ul;
	int i;

	for (i = 0; i < 20000; i++) {
		unsigned long v = test_rand(&seed) >> (test_rand(&seed) % 64);
		int w = (int)(test_rand(&seed) % 24);
		char f1[16], f2[16];

		CHECK_FMT("%lu %lx %ld", v, v, (long)v);
		snprintf(f1, sizeof(f1), "%%%dlx", w);
		snprintf(f2, sizeof(f2), "%%0%dld", w);
		CHECK_FMT(f1, v);
		CHECK_FMT(f2, (long)v);
	}
}
END_TEST

START_TEST(fmt_null_string_is_marked)
{
	char buf[16];
	const char *volatile none = NULL;  /* hidden from the format checker */

	fmt_snprintf(buf, sizeof(buf), "%s", none);
	ck_assert_str_eq(buf, "(null)");
}
END_TEST

Suite *
fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fmt_matches_libc_for_integers);
	tcase_add_test(tc, fmt_matches_libc_for_strings_and_chars);
	tcase_add_test(tc, fmt_truncates_and_returns_full_length);
	tcase_add_test(tc, fmt_random_numbers_match_libc);
	tcase_add_test(tc, fmt_null_string_is_marked);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
