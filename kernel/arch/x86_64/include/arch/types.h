/*
 * x86_64 types the arch-neutral core stores by value (see kernel/arch.h).
 */
#ifndef ARCH_TYPES_H
#define ARCH_TYPES_H

#include <stdint.h>

/*
 * A user thread's registers, saved on every entry from user mode. The layout
 * is the stack the entry code builds: general registers pushed by software,
 * then the vector and error code, then the hardware interrupt frame. The
 * CPU's ring-0 stack pointer (TSS.rsp0) points just past the end of the
 * current thread's frame, so an interrupt from user mode saves the frame
 * straight into the thread. entry.S relies on this order.
 */
struct arch_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;  /* X86_VECTOR_SYSCALL when entered by `syscall` */
	uint64_t error;
	uint64_t rip, cs, rflags, rsp, ss;
} __attribute__((aligned(16)));

/* An address space: the physical address of its top-level table. */
struct arch_vspace {
	uint64_t pml4;
};

#endif
