/*
 * The fake architecture's types for host tests: a register frame that holds
 * just what the core reads and writes, and an address-space id.
 */
#ifndef ARCH_TYPES_H
#define ARCH_TYPES_H

#include <stdint.h>

struct arch_regs {
	uint64_t number;     /* system-call number */
	uint64_t args[6];
	uint64_t error;      /* results */
	uint64_t value;
	uint64_t pc;
	uint64_t extra[3];   /* syscall arguments 6, 7 and 8 */
	uint64_t entry, stack;
	uint64_t restarts;   /* times the call was set to be issued again */
};

#define ARCH_SYSCALL_ARGS 9

static inline uint64_t
arch_regs_syscall_number(const struct arch_regs *r)
{
	return r->number;
}

static inline uint64_t
arch_regs_syscall_arg(const struct arch_regs *r, unsigned i)
{
	if (i < 6)
		return r->args[i];
	return i < 9 ? r->extra[i - 6] : 0;
}

static inline void
arch_regs_set_syscall_arg(struct arch_regs *r, unsigned i, uint64_t v)
{
	if (i < 6)
		r->args[i] = v;
	else if (i < 9)
		r->extra[i - 6] = v;
}

static inline void
arch_regs_set_syscall_result(struct arch_regs *r, uint64_t error, uint64_t value)
{
	r->error = error;
	r->value = value;
}

static inline void
arch_regs_set_syscall_error(struct arch_regs *r, uint64_t error)
{
	r->error = error;
}

static inline uint64_t
arch_regs_pc(const struct arch_regs *r)
{
	return r->pc;
}

static inline void
arch_regs_restart_syscall(struct arch_regs *r)
{
	r->restarts++;
}

/* The physical address of a kernel object (fake_arch.c). */
uint64_t fake_object_phys(const void *object);

static inline uint64_t
arch_object_phys(const void *object)
{
	return fake_object_phys(object);
}

struct arch_vspace {
	uint64_t id;
	unsigned mappings;
};

#endif
