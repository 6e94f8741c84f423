/* Kernel command-line parsing and backtrace symbol lookup. */
#include "host_tests.h"
#include <kernel/cmdline.h>
#include <kernel/ksym.h>

START_TEST(cmdline_finds_whole_words_only)
{
	const char *c = "build/tally.bin accel=tcg icount selftest=kernel-fault";

	ck_assert(cmdline_has(c, "icount"));
	ck_assert(cmdline_has(c, "accel"));
	ck_assert(cmdline_has(c, "selftest=kernel-fault"));
	ck_assert(!cmdline_has(c, "icoun"));
	ck_assert(!cmdline_has(c, "tcg"));
	ck_assert(!cmdline_has(c, ""));
	ck_assert(!cmdline_has(NULL, "accel"));
}
END_TEST

START_TEST(cmdline_value_copies_and_cuts)
{
	const char *c = "a=1 accel=tcg long=abcdefghij empty=";
	char buf[6];

	ck_assert(cmdline_value(c, "accel", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "tcg");
	ck_assert(cmdline_value(c, "long", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "abcde");
	ck_assert(cmdline_value(c, "empty", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "");
	ck_assert(!cmdline_value(c, "missing", buf, sizeof(buf)));
	ck_assert(!cmdline_value("flag", "flag", buf, sizeof(buf)));
}
END_TEST

static const uint64_t sym_addrs[] = { 0x1000, 0x1040, 0x1040, 0x2000 };
static const uint32_t sym_names[] = { 0, 6, 12, 18 };
static const char sym_strings[] = "alpha\0beta_\0gamma\0delta";
static const struct ksym_table syms = { sym_addrs, sym_names, sym_strings, 4 };

START_TEST(ksym_finds_the_containing_function)
{
	uint64_t off = 99;

	ck_assert_ptr_null(ksym_lookup(&syms, 0xfff, 0x3000, &off));
	ck_assert_str_eq(ksym_lookup(&syms, 0x1000, 0x3000, &off), "alpha");
	ck_assert_int_eq(off, 0);
	ck_assert_str_eq(ksym_lookup(&syms, 0x103f, 0x3000, &off), "alpha");
	ck_assert_int_eq(off, 0x3f);
	ck_assert_str_eq(ksym_lookup(&syms, 0x1041, 0x3000, &off), "gamma");
	ck_assert_int_eq(off, 1);
	ck_assert_str_eq(ksym_lookup(&syms, 0x2fff, 0x3000, &off), "delta");
	ck_assert_ptr_null(ksym_lookup(&syms, 0x3000, 0x3000, &off));
}
END_TEST

START_TEST(ksym_empty_table_finds_nothing)
{
	const struct ksym_table empty = { sym_addrs, sym_names, sym_strings, 0 };
	uint64_t off;

	ck_assert_ptr_null(ksym_lookup(&empty, 0x1000, 0x3000, &off));
}
END_TEST

Suite *
cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, cmdline_finds_whole_words_only);
	tcase_add_test(tc, cmdline_value_copies_and_cuts);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
ksym_suite(void)
{
	Suite *s = suite_create("ksym");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ksym_finds_the_containing_function);
	tcase_add_test(tc, ksym_empty_table_finds_nothing);
	suite_add_tcase(s, tc);
	return s;
}
