/* ELF validation of boot modules: good images load, bad ones are named. */
#include "host_tests.h"
#include <elf.h>
#include <kernel/arch.h>
#include <kernel/elf.h>
#include <string.h>

#define IMG_SIZE 0x3000

static unsigned char img[IMG_SIZE];

static bool
user_ok(uint64_t start, size_t len)
{
	return start <= 0x7f0000000000ul && len <= 0x7f0000000000ul - start;
}

static Elf64_Ehdr *
ehdr(void)
{
	return (Elf64_Ehdr *)img;
}

static Elf64_Phdr *
phdr(unsigned i)
{
	return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i;
}

/* A valid image: text at 0x400000 (R X), data at 0x401000 (R W, with bss). */
static void
build_image(void)
{
	memset(img, 0, sizeof(img));
	memcpy(ehdr()->e_ident, ELFMAG, SELFMAG);
	ehdr()->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr()->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr()->e_type = ET_EXEC;
	ehdr()->e_machine = EM_X86_64;
	ehdr()->e_entry = 0x400010;
	ehdr()->e_phoff = sizeof(Elf64_Ehdr);
	ehdr()->e_phentsize = sizeof(Elf64_Phdr);
	ehdr()->e_phnum = 2;
	*phdr(0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
				 .p_vaddr = 0x400000, .p_filesz = 0x100, .p_memsz = 0x100 };
	*phdr(1) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
				 .p_vaddr = 0x401000, .p_filesz = 0x80, .p_memsz = 0x5000 };
}

static enum elf_error
check(void)
{
	vaddr_t entry;

	return elf_check(img, sizeof(img), user_ok, &entry);
}

START_TEST(elf_accepts_valid_image_and_lists_segments)
{
	struct elf_segment seg;
	vaddr_t entry = 0;

	build_image();
	ck_assert_int_eq(elf_check(img, sizeof(img), user_ok, &entry), ELF_OK);
	ck_assert_uint_eq(entry, 0x400010);
	ck_assert(elf_segment(img, 0, &seg));
	ck_assert_uint_eq(seg.vaddr, 0x400000);
	ck_assert_uint_eq(seg.rights, ARCH_MAP_READ | ARCH_MAP_EXEC);
	ck_assert(elf_segment(img, 1, &seg));
	ck_assert_uint_eq(seg.memsz, 0x5000);
	ck_assert_uint_eq(seg.rights, ARCH_MAP_READ | ARCH_MAP_WRITE);
	ck_assert(!elf_segment(img, 2, &seg));
}
END_TEST

START_TEST(elf_rejects_each_bad_header_by_name)
{
	vaddr_t entry;

	build_image();
	ck_assert_int_eq(elf_check(img, 10, user_ok, &entry), ELF_TOO_SMALL);
	build_image(); img[1] = 'X';
	ck_assert_int_eq(check(), ELF_BAD_MAGIC);
	build_image(); ehdr()->e_ident[EI_CLASS] = ELFCLASS32;
	ck_assert_int_eq(check(), ELF_BAD_CLASS);
	build_image(); ehdr()->e_machine = EM_386;
	ck_assert_int_eq(check(), ELF_BAD_MACHINE);
	build_image(); ehdr()->e_type = ET_DYN;
	ck_assert_int_eq(check(), ELF_BAD_TYPE);
	build_image(); ehdr()->e_phoff = IMG_SIZE - 8;
	ck_assert_int_eq(check(), ELF_BAD_PHDRS);
	build_image(); ehdr()->e_phnum = 0xffff;
	ck_assert_int_eq(check(), ELF_BAD_PHDRS);
	build_image(); ehdr()->e_phoff = ~0ul;
	ck_assert_int_eq(check(), ELF_BAD_PHDRS);
}
END_TEST

START_TEST(elf_rejects_each_bad_segment_by_name)
{
	build_image(); phdr(0)->p_filesz = 0x200; phdr(0)->p_memsz = 0x100;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
	build_image(); phdr(1)->p_offset = IMG_SIZE - 0x10;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
	build_image(); phdr(1)->p_offset = ~0ul - 4;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
	build_image(); phdr(1)->p_vaddr = 0xffffffff80001000ul;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
	build_image(); phdr(1)->p_memsz = ~0ul;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
	build_image(); phdr(1)->p_vaddr = 0x401008;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
	build_image(); phdr(1)->p_vaddr = 0x400000;
	ck_assert_int_eq(check(), ELF_OVERLAP);
	build_image(); phdr(0)->p_type = PT_NOTE; phdr(1)->p_type = PT_NOTE;
	ck_assert_int_eq(check(), ELF_NO_SEGMENTS);
	build_image(); ehdr()->e_entry = 0x401000;
	ck_assert_int_eq(check(), ELF_BAD_ENTRY);
	build_image(); phdr(0)->p_memsz = 0; phdr(0)->p_filesz = 0;
	ck_assert_int_eq(check(), ELF_BAD_SEGMENT);
}
END_TEST

/* Random corruption: never a crash (ASan watches), and what passes is sane. */
START_TEST(elf_survives_random_corruption)
{
	unsigned long seed = 12345;
	struct elf_segment seg;
	int i, k, accepted = 0;

	for (i = 0; i < 20000; i++) {
		vaddr_t entry;

		build_image();
		for (k = 0; k < 1 + (int)(test_rand(&seed) % 4); k++) {
			unsigned long at = test_rand(&seed) % (sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr));

			img[at] = (unsigned char)test_rand(&seed);
		}
		if (elf_check(img, sizeof(img), user_ok, &entry) != ELF_OK)
			continue;
		accepted++;
		for (k = 0; elf_segment(img, (unsigned)k, &seg); k++) {
			PROP_ASSERT(seg.filesz <= seg.memsz);
			PROP_ASSERT(seg.offset <= IMG_SIZE && seg.filesz <= IMG_SIZE - seg.offset);
			PROP_ASSERT(user_ok(seg.vaddr, seg.memsz));
		}
	}
	ck_assert_int_gt(accepted, 0);
}
END_TEST

Suite *
elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, elf_accepts_valid_image_and_lists_segments);
	tcase_add_test(tc, elf_rejects_each_bad_header_by_name);
	tcase_add_test(tc, elf_rejects_each_bad_segment_by_name);
	tcase_add_test(tc, elf_survives_random_corruption);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
