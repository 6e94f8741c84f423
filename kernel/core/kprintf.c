/* Formatted output to the kernel console. */
#include <kernel/kprintf.h>
#include <kernel/arch.h>
#include <fmt.h>

void
kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	arch_console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}
