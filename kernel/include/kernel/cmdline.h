/* The kernel command line: space-separated words, "key" or "key=value". */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <kernel/compiler.h>

/* True when the word `key` or `key=...` appears. */
bool cmdline_has(const char *cmdline, const char *key);

/*
 * Copy the value of `key=value` into buf (NUL-terminated, cut to size).
 * Returns false when the key is absent or has no value.
 */
bool cmdline_value(const char *cmdline, const char *key, char *buf, size_t size);

#endif
