/* Forced into every host compile: what glibc 2.36 lacks of lib/include/string.h. */
#include <stddef.h>
size_t strlcpy(char *dst, const char *src, size_t size);
