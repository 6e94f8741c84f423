/*
 * init: the root task of the interactive image (`make run`). Until the
 * space bank, supervisor and shell exist, it greets, shows what the kernel
 * handed it, and ends; the kernel then idles.
 */
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
	for (i = 0; i < bi->free_region_count; i++)
		printf("  free region %#lx, %lu KiB\n", bi->free_regions[i].base,
		       bi->free_regions[i].size >> 10);
	printf("init: timer at %lu Hz, %lu ticks so far\n", bi->tick_hz, tally_clock());
	printf("init: nothing more to run yet; quit QEMU with Ctrl-A then X\n");
	return 0;
}
