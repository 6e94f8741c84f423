/*
 * Broken kernel invariants. Nothing a user passes may ever reach these: bad
 * arguments are errors, broken protocols are faults (see STYLE.md).
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <kernel/compiler.h>

/* Print the message and a backtrace, then halt the machine with ARCH_HALT_PANIC. */
NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Print "PANIC" and the message only; the caller prints the rest and halts. */
void panic_begin(const char *fmt, ...) PRINTF_LIKE(1, 2);

#define assert(cond)                                                        \
	do {                                                                \
		if (!(cond))                                                \
			panic("assertion failed: %s (%s:%d)", #cond,        \
			      __FILE__, __LINE__);                          \
	} while (0)

#endif
