/*
 * The string functions available to freestanding Tally code (lib/string.c).
 * Same names and meaning as the C library's, plus strlcpy.
 */
#ifndef TALLY_LIB_STRING_H
#define TALLY_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* Copy at most size-1 bytes and always terminate (when size > 0); return strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
