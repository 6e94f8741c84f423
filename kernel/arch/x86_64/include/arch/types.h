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

#define X86_VECTOR_SYSCALL_MARK 0x100  /* = X86_VECTOR_SYSCALL in <arch/x86.h> */
#define ARCH_SYSCALL_ARGS 9

static inline uint64_t
arch_regs_syscall_number(const struct arch_regs *r)
{
	return r->rax;
}

/* The frame's argument register number i, or NULL. */
static inline uint64_t *
x86_regs_arg(struct arch_regs *r, unsigned i)
{
	switch (i) {
	case 0: return &r->rdi;
	case 1: return &r->rsi;
	case 2: return &r->rdx;
	case 3: return &r->r10;
	case 4: return &r->r8;
	case 5: return &r->r9;
	case 6: return &r->r12;
	case 7: return &r->r13;
	case 8: return &r->r14;
	default: return (uint64_t *)0;
	}
}

static inline uint64_t
arch_regs_syscall_arg(const struct arch_regs *r, unsigned i)
{
	uint64_t *p = x86_regs_arg((struct arch_regs *)r, i);

	return p ? *p : 0;
}

static inline void
arch_regs_set_syscall_arg(struct arch_regs *r, unsigned i, uint64_t v)
{
	uint64_t *p = x86_regs_arg(r, i);

	if (p)
		*p = v;
}

static inline void
arch_regs_set_syscall_result(struct arch_regs *r, uint64_t error, uint64_t value)
{
	r->rax = error;
	r->rdx = value;
}

/* rax alone: the error of a call whose result words are already set. */
static inline void
arch_regs_set_syscall_error(struct arch_regs *r, uint64_t error)
{
	r->rax = error;
}

static inline uint64_t
arch_regs_pc(const struct arch_regs *r)
{
	/* a syscall's saved rip is past the 2-byte instruction */
	return r->vector == X86_VECTOR_SYSCALL_MARK ? r->rip - 2 : r->rip;
}

static inline void
arch_regs_restart_syscall(struct arch_regs *r)
{
	r->rip -= 2;
}

/* The physical address of a kernel object (objects live in the physmap). */
static inline uint64_t
arch_object_phys(const void *object)
{
	return (uint64_t)object - 0xffff800000000000ul;   /* PHYSMAP_BASE */
}

/* An address space being built at boot: the physical address of its top-level table. */
struct arch_vspace {
	uint64_t pml4;
};

#endif
