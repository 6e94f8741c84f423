/*
 * printf-style formatting for freestanding Tally code (lib/fmt.c).
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, with flags '-' '0' '#', a field
 * width, and the length modifiers l, ll, z. Unknown conversions print
 * verbatim. fmt_snprintf always NUL-terminates (when size > 0) and returns
 * the length the full output would have had.
 */
#ifndef TALLY_LIB_FMT_H
#define TALLY_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
