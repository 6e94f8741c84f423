/* libtally: formatted output to the debug console. */
#ifndef LIBTALLY_STDIO_H
#define LIBTALLY_STDIO_H

#include <fmt.h>

/* Format (see <fmt.h>) and write to the console; returns the length written. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write a string and a newline. */
int puts(const char *s);

#endif
