/*
 * The console: COM1, polled, 115200 8N1. Also the machine's exit, through
 * QEMU's isa-debug-exit device.
 */
#include <kernel/arch.h>
#include <arch/x86.h>

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0xf4
#define SERIAL_SPIN_LIMIT 100000  /* give up on a missing or stuck UART */

void
serial_init(void)
{
	outb(COM1 + 1, 0x00);  /* no interrupts */
	outb(COM1 + 3, 0x80);  /* divisor latch */
	outb(COM1 + 0, 0x01);  /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);  /* 8N1 */
	outb(COM1 + 2, 0xc7);  /* FIFO on, cleared */
	outb(COM1 + 4, 0x03);  /* DTR, RTS */
}

static void
serial_putc(char c)
{
	unsigned spins = 0;

	while (!(inb(COM1 + 5) & 0x20) && spins++ < SERIAL_SPIN_LIMIT)
		__asm__ volatile("pause");
	outb(COM1, (uint8_t)c);
}

void
arch_console_write(const char *s, size_t n)
{
	while (n--) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}

void
arch_halt(int status)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}
