/*
 * Kernel symbol table for backtraces. The build links the kernel twice: the
 * second link carries a table of the first link's function symbols, placed
 * after all code so that no function moves (the build checks it).
 */
#ifndef KERNEL_KSYM_H
#define KERNEL_KSYM_H

#include <kernel/compiler.h>

struct ksym_table {
	const uint64_t *addrs;    /* sorted ascending */
	const uint32_t *names;    /* offsets into strings */
	const char *strings;
	uint64_t count;
};

/*
 * Find the function containing `addr`: its name, and the offset of addr
 * within it. Returns NULL when addr is below the first symbol or beyond the
 * end of the text.
 */
const char *ksym_lookup(const struct ksym_table *t, uint64_t addr, uint64_t text_end,
			uint64_t *offset);

/* The kernel's own table (from the generated ksyms.S). */
extern const struct ksym_table kernel_ksyms;

#endif
