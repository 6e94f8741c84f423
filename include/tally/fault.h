/*
 * Tally public ABI: why a thread was stopped.
 *
 * A user thread that breaks the machine's or the kernel's protocol is not
 * killed silently: it is stopped and the cause, the faulting address and the
 * program counter are recorded and sent to its fault handler. These are the
 * causes. One is not a fault: a thread with a handler that calls EXIT
 * reports its end to the handler the same way (TALLY_FAULT_EXIT), so whoever
 * watches it learns of every way it stops.
 */
#ifndef TALLY_FAULT_H
#define TALLY_FAULT_H

enum tally_fault {
	TALLY_FAULT_NONE = 0,
	TALLY_FAULT_PAGE,           /* page fault: address = faulting address */
	TALLY_FAULT_ILLEGAL_INSN,   /* undefined opcode (#UD) */
	TALLY_FAULT_PROTECTION,     /* general protection: privileged insn, bad segment */
	TALLY_FAULT_DIVIDE,         /* divide error (#DE) */
	TALLY_FAULT_DEBUG,          /* breakpoint or debug trap */
	TALLY_FAULT_FPU,            /* floating point or SIMD use, not supported yet */
	TALLY_FAULT_ALIGNMENT,      /* alignment check */
	TALLY_FAULT_OTHER_EXCEPTION,/* any other CPU exception: code = vector */
	TALLY_FAULT_BAD_SYSCALL,    /* unknown system-call number: code = number */
	TALLY_FAULT_TIMEOUT,        /* the budget it ran on (lent by a caller) ran out */
	TALLY_FAULT_EXIT,           /* not a fault: the thread called EXIT; code = its status */
	TALLY_FAULT_COUNT
};

/* Page-fault detail bits, in the code field of a TALLY_FAULT_PAGE record. */
#define TALLY_PF_PRESENT 0x1u  /* the page was present (protection violation) */
#define TALLY_PF_WRITE   0x2u  /* the access was a write */
#define TALLY_PF_FETCH   0x10u /* the access was an instruction fetch */

static inline const char *
tally_fault_name(long f)
{
	static const char *const names[TALLY_FAULT_COUNT] = {
		[TALLY_FAULT_NONE] = "none",
		[TALLY_FAULT_PAGE] = "page fault",
		[TALLY_FAULT_ILLEGAL_INSN] = "illegal instruction",
		[TALLY_FAULT_PROTECTION] = "general protection",
		[TALLY_FAULT_DIVIDE] = "divide error",
		[TALLY_FAULT_DEBUG] = "breakpoint",
		[TALLY_FAULT_FPU] = "floating point",
		[TALLY_FAULT_ALIGNMENT] = "alignment check",
		[TALLY_FAULT_OTHER_EXCEPTION] = "exception",
		[TALLY_FAULT_BAD_SYSCALL] = "bad system call",
		[TALLY_FAULT_TIMEOUT] = "budget ran out",
		[TALLY_FAULT_EXIT] = "exit",
	};

	if (f < 0 || f >= TALLY_FAULT_COUNT)
		return "?";
	return names[f];
}

#endif
