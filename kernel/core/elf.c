/*
 * ELF64 validation for boot modules. Nothing is trusted: every header field
 * that locates bytes is checked against the image size before use, and every
 * segment against the user half, before the loader maps a single page.
 */
#include <kernel/elf.h>
#include <kernel/arch.h>
#include <string.h>

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ELF_MAX_PHDRS 64

struct elf64_ehdr {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

const char *
elf_error_name(enum elf_error e)
{
	static const char *const names[] = {
		[ELF_OK] = "ok",
		[ELF_TOO_SMALL] = "image too small",
		[ELF_BAD_MAGIC] = "not an ELF image",
		[ELF_BAD_CLASS] = "not a little-endian ELF64 image",
		[ELF_BAD_MACHINE] = "not for x86_64",
		[ELF_BAD_TYPE] = "not an executable",
		[ELF_BAD_PHDRS] = "program headers outside the image",
		[ELF_BAD_SEGMENT] = "segment outside the image or the user half",
		[ELF_OVERLAP] = "segments overlap",
		[ELF_NO_SEGMENTS] = "no loadable segment",
		[ELF_BAD_ENTRY] = "entry point outside executable segments",
	};

	if ((unsigned)e >= ARRAY_SIZE(names))
		return "?";
	return names[e];
}

static const struct elf64_phdr *
elf_phdr(const void *image, unsigned i)
{
	const struct elf64_ehdr *eh = image;

	return (const struct elf64_phdr *)((const char *)image + eh->e_phoff) + i;
}

static enum elf_error
elf_check_header(const void *image, size_t size)
{
	const struct elf64_ehdr *eh = image;

	if (size < sizeof(*eh))
		return ELF_TOO_SMALL;
	if (memcmp(eh->e_ident, "\177ELF", 4))
		return ELF_BAD_MAGIC;
	if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
		return ELF_BAD_CLASS;
	if (eh->e_machine != EM_X86_64)
		return ELF_BAD_MACHINE;
	if (eh->e_type != ET_EXEC)
		return ELF_BAD_TYPE;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum > ELF_MAX_PHDRS ||
	    eh->e_phoff > size || eh->e_phoff % 8 ||
	    (size - eh->e_phoff) / sizeof(struct elf64_phdr) < eh->e_phnum)
		return ELF_BAD_PHDRS;
	return ELF_OK;
}

static enum elf_error
elf_check_segment(const struct elf64_phdr *ph, size_t size,
		  bool (*user_ok)(uint64_t start, size_t len))
{
	if (ph->p_filesz > ph->p_memsz || ph->p_offset > size ||
	    size - ph->p_offset < ph->p_filesz)
		return ELF_BAD_SEGMENT;
	if (ph->p_memsz == 0 || !user_ok(ph->p_vaddr, ph->p_memsz))
		return ELF_BAD_SEGMENT;
	/* file bytes and memory must agree within a page for the loader */
	if ((ph->p_vaddr ^ ph->p_offset) & (4096 - 1))
		return ELF_BAD_SEGMENT;
	return ELF_OK;
}

/* Two loadable segments may not share a page: each page has one set of rights. */
static bool
elf_segments_overlap(const struct elf64_phdr *a, const struct elf64_phdr *b)
{
	uint64_t a0 = ALIGN_DOWN(a->p_vaddr, 4096), a1 = ALIGN_UP(a->p_vaddr + a->p_memsz, 4096);
	uint64_t b0 = ALIGN_DOWN(b->p_vaddr, 4096), b1 = ALIGN_UP(b->p_vaddr + b->p_memsz, 4096);

	return a0 < b1 && b0 < a1;
}

enum elf_error
elf_check(const void *image, size_t size, bool (*user_ok)(uint64_t start, size_t len),
	  vaddr_t *entry)
{
	const struct elf64_ehdr *eh = image;
	enum elf_error err = elf_check_header(image, size);
	bool entry_ok = false;
	unsigned i, j, loads = 0;

	if (err)
		return err;
	for (i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(image, i);

		if (ph->p_type != PT_LOAD)
			continue;
		err = elf_check_segment(ph, size, user_ok);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (elf_phdr(image, j)->p_type == PT_LOAD &&
			    elf_segments_overlap(ph, elf_phdr(image, j)))
				return ELF_OVERLAP;
		if ((ph->p_flags & PF_X) && eh->e_entry >= ph->p_vaddr &&
		    eh->e_entry - ph->p_vaddr < ph->p_memsz)
			entry_ok = true;
		loads++;
	}
	if (!loads)
		return ELF_NO_SEGMENTS;
	if (!entry_ok)
		return ELF_BAD_ENTRY;
	*entry = eh->e_entry;
	return ELF_OK;
}

bool
elf_segment(const void *image, unsigned i, struct elf_segment *seg)
{
	const struct elf64_ehdr *eh = image;
	unsigned k, seen = 0;

	for (k = 0; k < eh->e_phnum; k++) {
		const struct elf64_phdr *ph = elf_phdr(image, k);

		if (ph->p_type != PT_LOAD || seen++ != i)
			continue;
		seg->vaddr = ph->p_vaddr;
		seg->memsz = ph->p_memsz;
		seg->filesz = ph->p_filesz;
		seg->offset = ph->p_offset;
		seg->rights = (ph->p_flags & PF_R ? ARCH_MAP_READ : 0) |
			      (ph->p_flags & PF_W ? ARCH_MAP_WRITE : 0) |
			      (ph->p_flags & PF_X ? ARCH_MAP_EXEC : 0);
		return true;
	}
	return false;
}
