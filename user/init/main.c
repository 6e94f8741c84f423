/*
 * init: the root task of the interactive image (`make run`). Until the
 * space bank, supervisor and shell exist, it greets, shows what the kernel
 * handed it (memory figures and capabilities), and ends; the kernel then
 * idles.
 */
#include <libtally/cap.h>
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/syscall.h>

static void
print_mib(const char *what, unsigned long bytes)
{
	printf("  %-9s %8lu KiB\n", what, bytes >> 10);
}

int
main(const struct tally_bootinfo *bi)
{
	unsigned long i;

	printf("init: hello from user mode (thread %lu of %lu)\n", bi->thread_index,
	       bi->thread_count);
	printf("init: memory as the kernel accounted it:\n");
	print_mib("usable", bi->mem.usable);
	print_mib("kernel", bi->mem.kernel);
	print_mib("modules", bi->mem.modules);
	print_mib("boot", bi->mem.boot);
	print_mib("free", bi->mem.free);
	printf("init: my capabilities: root CNode in slot %u (%lu slots), address space %u,"
	       " thread %u, IRQ control %u, I/O-port control %u\n", TALLY_SLOT_ROOT_CNODE,
	       1ul << bi->root_cnode_radix, TALLY_SLOT_ROOT_VSPACE, TALLY_SLOT_ROOT_THREAD,
	       TALLY_SLOT_IRQ_CONTROL, TALLY_SLOT_IOPORT_CONTROL);
	printf("init: %lu untyped capabilities in slots %lu..%lu:\n", bi->untyped_count,
	       bi->untyped_first, bi->untyped_first + bi->untyped_count - 1);
	for (i = 0; i < bi->untyped_count; i++)
		printf("  slot %4lu  %#14lx  2^%-2u bytes%s\n", bi->untyped_first + i,
		       bi->untyped[i].paddr, bi->untyped[i].size_bits,
		       bi->untyped[i].device ? "  (device)" : "");
	printf("init: timer at %lu Hz, %lu ticks so far\n", bi->tick_hz, tally_clock());
	printf("init: nothing more to run yet; quit QEMU with Ctrl-A then X\n");
	return 0;
}
