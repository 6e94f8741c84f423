/* Console output for user programs, through the debug-write system call. */
#include <libtally/stdio.h>
#include <libtally/syscall.h>
#include <string.h>

int
printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	tally_debug_write(buf, (unsigned long)n);
	return n;
}

int
puts(const char *s)
{
	return printf("%s\n", s);
}
