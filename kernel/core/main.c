/*
 * Tally's kernel core: the boot sequence after the arch layer has set up the
 * CPU.
 *
 * Design principles, in brief (DESIGN.md has the whole of it):
 *  - Mechanism only. Policy lives in user-level servers.
 *  - No kernel heap. After boot the kernel allocates nothing; every object
 *    lives in memory user space retyped (from the capability issue on).
 *  - Decode, then perform: a call checks everything before it changes
 *    anything, and bad input is a named error that changes nothing.
 *  - One kernel stack, interrupts off in the kernel; long work is cut into
 *    bounded steps that are restarted (docs/design-decisions.md).
 */
#include <kernel/boot.h>
#include <kernel/arch.h>
#include <kernel/boot_caps.h>
#include <kernel/boot_tasks.h>
#include <kernel/cmdline.h>
#include <kernel/config.h>
#include <kernel/kprintf.h>
#include <kernel/memmap.h>
#include <kernel/panic.h>
#include <kernel/sched.h>

/*
 * selftest=kernel-fault: prove the panic path by faulting in the kernel.
 * Not inlined, so the backtrace shows it by name.
 */
static __attribute__((noinline)) void
selftest_kernel_fault(void)
{
	volatile uint64_t *bad = (volatile uint64_t *)(uintptr_t)0xdead0000ul;

	kprintf("selftest: touching an unmapped address in kernel mode\n");
	*bad = 1;
}

static void
print_banner(const struct boot_desc *bd, const char *accel)
{
	kprintf("\nTally %s (x86_64) booting\n", TALLY_VERSION);
	kprintf("accelerator: %s; cpu: %s; hypervisor: %s\n", accel, bd->cpu_vendor,
		bd->hypervisor);
	kprintf("command line: %s\n", bd->cmdline);
}

void
kernel_main(struct boot_desc *bd)
{
	char accel[32] = "unknown";
	bool icount;

	cmdline_value(bd->cmdline, "accel", accel, sizeof(accel));
	icount = cmdline_has(bd->cmdline, "icount");
	print_banner(bd, accel);
	if (!memmap_init(&kernel_memmap, bd))
		panic("boot: firmware memory map unusable (no free RAM or too fragmented)");
	arch_memory_init(kernel_memmap.usable, kernel_memmap.usable_count);
	boot_tasks_create(bd);
	sched_init();
	boot_tasks_start();
	memmap_seal(&kernel_memmap);
	boot_caps_untypeds();
	boot_caps_modules(bd);
	memmap_print(&kernel_memmap);
	if (!memmap_balanced(&kernel_memmap))
		panic("boot: memory accounting does not balance");
	boot_tasks_publish(bd, icount);
	if (cmdline_has(bd->cmdline, "selftest=kernel-fault"))
		selftest_kernel_fault();
	arch_timer_init(CONFIG_TICK_HZ);
	kprintf("boot: starting %u boot thread%s; root task is '%s'\n", boot_thread_count,
		boot_thread_count == 1 ? "" : "s", boot_threads[0].name);
	sched_run();
}
