/* Panics: the kernel found one of its own invariants broken. */
#include <kernel/panic.h>
#include <kernel/arch.h>
#include <kernel/kprintf.h>
#include <fmt.h>
#include <stdarg.h>

static void
panic_vprint(const char *fmt, va_list ap)
{
	char buf[200];
	int n;

	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	kprintf("\n*** KERNEL PANIC: ");
	arch_console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	kprintf("\n");
}

void
panic_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_vprint(fmt, ap);
	va_end(ap);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_vprint(fmt, ap);
	va_end(ap);
	arch_backtrace(0);
	kprintf("*** end of panic report\n");
	arch_halt(ARCH_HALT_PANIC);
}
