/*
 * The timer: the local APIC in periodic mode, calibrated against the PIT.
 * The legacy PICs are remapped away from the exception vectors and masked.
 */
#include <kernel/arch.h>
#include <kernel/kprintf.h>
#include <kernel/panic.h>
#include <arch/x86.h>

#define LAPIC_TPR     0x080
#define LAPIC_EOI     0x0b0
#define LAPIC_SVR     0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define PIT_HZ 1193182u
#define CALIBRATE_HZ 100u          /* calibrate over 10 ms */

static volatile uint32_t *lapic_regs;

static void
lapic_write(unsigned reg, uint32_t v)
{
	lapic_regs[reg / 4] = v;
}

static uint32_t
lapic_read(unsigned reg)
{
	return lapic_regs[reg / 4];
}

void
lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void
pic_disable(void)
{
	static const uint8_t init[2][4] = { { 0x11, 0x20, 4, 1 }, { 0x11, 0x28, 2, 1 } };
	unsigned c;

	for (c = 0; c < 2; c++) {
		uint16_t port = c ? 0xa0 : 0x20;

		outb(port, init[c][0]);
		outb(port + 1, init[c][1]);
		outb(port + 1, init[c][2]);
		outb(port + 1, init[c][3]);
		outb(port + 1, 0xff);
	}
}

/* Busy-wait one PIT one-shot of 1/CALIBRATE_HZ s on channel 2. */
static void
pit_wait(void)
{
	uint16_t count = PIT_HZ / CALIBRATE_HZ;
	unsigned long spins = 0;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xb0);                                   /* ch 2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	while (!(inb(0x61) & 0x20))
		if (++spins > 100000000ul)
			panic("timer: the PIT never counted down");
}

void
arch_timer_init(unsigned hz)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t per_calib, elapsed;

	pic_disable();
	wrmsr(MSR_APIC_BASE, base | (1ul << 11));
	lapic_regs = (volatile uint32_t *)paging_map_device(base & PTE_ADDR);
	lapic_write(LAPIC_SVR, 0x100 | X86_VECTOR_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_TIMER_DIV, 0x3);                  /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	pit_wait();
	elapsed = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
	per_calib = elapsed ? elapsed : 1;
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | X86_VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)((uint64_t)per_calib * CALIBRATE_HZ / hz));
	kprintf("timer: local APIC at %#lx, %u counts per 10 ms, %u Hz ticks\n",
		(unsigned long)(base & PTE_ADDR), per_calib, hz);
}

uint64_t
arch_timestamp(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
