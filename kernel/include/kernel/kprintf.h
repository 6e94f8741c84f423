/* Formatted output to the kernel console (formatting is lib/fmt.c). */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <kernel/compiler.h>

void kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
