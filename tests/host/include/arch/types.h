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
	uint64_t extra[2];   /* syscall arguments 6 and 7 */
	uint64_t entry, stack;
	uint64_t restarts;   /* times the call was set to be issued again */
};

struct arch_vspace {
	uint64_t id;
	unsigned mappings;
};

#endif
