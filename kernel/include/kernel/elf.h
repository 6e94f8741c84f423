/*
 * Loading user programs from ELF64 images (boot modules).
 *
 * elf_check validates a whole image before anything is mapped: magic, class,
 * machine, type, every program header inside the image, segments inside the
 * user half and not overlapping. elf_segment then walks the loadable
 * segments for the loader.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <kernel/compiler.h>

enum elf_error {
	ELF_OK = 0,
	ELF_TOO_SMALL,
	ELF_BAD_MAGIC,
	ELF_BAD_CLASS,
	ELF_BAD_MACHINE,
	ELF_BAD_TYPE,
	ELF_BAD_PHDRS,
	ELF_BAD_SEGMENT,
	ELF_OVERLAP,
	ELF_NO_SEGMENTS,
	ELF_BAD_ENTRY,
};

const char *elf_error_name(enum elf_error e);

struct elf_segment {
	vaddr_t vaddr;       /* as in the image; shares its page offset with `offset` */
	uint64_t memsz;
	uint64_t filesz;
	uint64_t offset;     /* of the file bytes within the image */
	unsigned rights;     /* ARCH_MAP_* */
};

/*
 * Validate `image` of `size` bytes. `user_ok(start, len)` says whether a
 * virtual range may hold user mappings. On ELF_OK, *entry is the entry point.
 */
enum elf_error elf_check(const void *image, size_t size,
			 bool (*user_ok)(uint64_t start, size_t len), vaddr_t *entry);

/* Fill `seg` with loadable segment number `i`; false when there is none. */
bool elf_segment(const void *image, unsigned i, struct elf_segment *seg);

#endif
