/*
 * libtally: system-call stubs. Each returns the kernel's error code
 * (enum tally_error, TALLY_OK on success); results come back through
 * pointers. The register convention is in <tally/syscall.h>.
 */
#ifndef LIBTALLY_SYSCALL_H
#define LIBTALLY_SYSCALL_H

#include <tally/error.h>
#include <tally/fault.h>
#include <tally/syscall.h>

static inline long
tally_syscall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2,
	      unsigned long a3, unsigned long a4, unsigned long a5, unsigned long *value)
{
	register unsigned long r10 __asm__("r10") = a3;
	register unsigned long r8 __asm__("r8") = a4;
	register unsigned long r9 __asm__("r9") = a5;
	unsigned long rax = nr, rdx = a2;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : "D"(a0), "S"(a1)
			 : "rcx", "r11", "memory");
	if (value)
		*value = rdx;
	return (long)rax;
}

static inline long
tally_null(void)
{
	return tally_syscall(TALLY_SYS_NULL, 0, 0, 0, 0, 0, 0, 0);
}

static inline long
tally_yield(void)
{
	return tally_syscall(TALLY_SYS_YIELD, 0, 0, 0, 0, 0, 0, 0);
}

/*
 * End the calling thread with `status`. A thread with a fault handler
 * reports its end there first (TALLY_FAULT_EXIT, the status as the code)
 * and ends when the report is answered.
 */
static inline __attribute__((noreturn)) void
tally_exit_status(unsigned long status)
{
	for (;;)   /* resumed after it ended, a thread exits again */
		tally_syscall(TALLY_SYS_EXIT, status, 0, 0, 0, 0, 0, 0);
}

static inline __attribute__((noreturn)) void
tally_exit(void)
{
	tally_exit_status(0);
}

/* Timer ticks since boot (bootinfo->tick_hz per second). */
static inline unsigned long
tally_clock(void)
{
	unsigned long ticks = 0;

	tally_syscall(TALLY_SYS_CLOCK, 0, 0, 0, 0, 0, 0, &ticks);
	return ticks;
}

static inline long
tally_debug_write(const void *buf, unsigned long len)
{
	return tally_syscall(TALLY_SYS_DEBUG_WRITE, (unsigned long)buf, len, 0, 0, 0, 0, 0);
}

static inline long
tally_debug_thread_info(unsigned long index, struct tally_thread_info *out)
{
	return tally_syscall(TALLY_SYS_DEBUG_THREAD_INFO, index, (unsigned long)out, 0, 0, 0,
			     0, 0);
}

static inline long
tally_debug_shutdown(unsigned long status)
{
	return tally_syscall(TALLY_SYS_DEBUG_SHUTDOWN, status, 0, 0, 0, 0, 0, 0);
}

#endif
