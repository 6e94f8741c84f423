/*
 * faulter: breaks one rule of the machine on purpose, named by its first
 * argument, so the in-system suite can check that the kernel stops it,
 * reports the fault, and goes on. Started by the kernel as a boot module.
 */
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/syscall.h>
#include <string.h>

static const unsigned char faulter_data[16] = { 0xc3 }; /* a `ret`, in a no-execute page */

static void
fault_null_read(void)
{
	printf("%lu\n", *(volatile unsigned long *)0);
}

static void
fault_write_text(void)
{
	*(volatile unsigned char *)(void *)fault_write_text = 0;
}

static void
fault_exec_data(void)
{
	((void (*)(void))(unsigned long)faulter_data)();
}

/* The kernel's map of physical memory: present, but not for user mode. */
static void
fault_kernel_read(void)
{
	printf("%lu\n", *(volatile unsigned long *)0xffff800000100000ul);
}

static void
fault_illegal(void)
{
	__asm__ volatile("ud2");
}

static void
fault_privileged(void)
{
	__asm__ volatile("hlt");
}

static void
fault_port_io(void)
{
	__asm__ volatile("outb %%al, $0x80" : : "a"(0));
}

static void
fault_bad_syscall(void)
{
	tally_syscall(9999, 0, 0, 0, 0, 0, 0, 0);
}

static void
fault_divide(void)
{
	/* in asm: the compiler may turn a C division by a variable into a compare */
	__asm__ volatile("xor %%ecx, %%ecx; div %%rcx" : : "a"(1), "d"(0) : "rcx");
}

static void
fault_breakpoint(void)
{
	__asm__ volatile("int3");
}

static void
fault_fpu(void)
{
	__asm__ volatile("fninit");
}

static void
fault_noncanonical(void)
{
	((void (*)(void))0x0000800000000000ul)();
}

static const struct {
	const char *name;
	void (*fault)(void);
} faults[] = {
	{ "null", fault_null_read },
	{ "write-text", fault_write_text },
	{ "exec-data", fault_exec_data },
	{ "kernel-read", fault_kernel_read },
	{ "illegal", fault_illegal },
	{ "privileged", fault_privileged },
	{ "port-io", fault_port_io },
	{ "bad-syscall", fault_bad_syscall },
	{ "divide", fault_divide },
	{ "breakpoint", fault_breakpoint },
	{ "fpu", fault_fpu },
	{ "noncanonical", fault_noncanonical },
};

int
main(const struct tally_bootinfo *bi)
{
	unsigned i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		if (strcmp(bi->args, faults[i].name))
			continue;
		printf("faulter %s: about to fault\n", faults[i].name);
		faults[i].fault();
		printf("faulter %s: still running, which is wrong\n", faults[i].name);
		return 1;
	}
	printf("faulter: unknown fault '%s'\n", bi->args);
	return 1;
}
