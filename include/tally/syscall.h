/*
 * Tally public ABI: system-call numbers and the calling convention.
 *
 * Convention (x86_64, the `syscall` instruction):
 *   rax        call number in, error code (enum tally_error) out
 *   rdi rsi rdx r10 r8 r9   arguments 0..5
 *   rdx        first result word (0 when a call has no result)
 *   rcx r11    clobbered by the instruction itself
 * Every other register is preserved, except that TALLY_SYS_INVOKE passes
 * message registers MR0..MR5 in rdx r10 r8 r9 r12 r13 and returns results in
 * the same registers. An unknown call number is a broken
 * protocol, not a bad argument: the thread is stopped with
 * TALLY_FAULT_BAD_SYSCALL. See docs/syscall-abi.md.
 *
 * The DEBUG calls exist until capabilities and IPC give user space the real
 * mechanisms; they are kept small and validate every argument.
 */
#ifndef TALLY_SYSCALL_H
#define TALLY_SYSCALL_H

enum tally_syscall {
	TALLY_SYS_NULL = 0,          /* does nothing: the cheapest round trip */
	TALLY_SYS_YIELD,             /* give up the rest of the time slice */
	TALLY_SYS_EXIT,              /* (status): end the calling thread; a thread with a
	                                fault handler reports it there first (TALLY_FAULT_EXIT) */
	TALLY_SYS_CLOCK,             /* rdx = timer ticks since boot */
	TALLY_SYS_DEBUG_WRITE,       /* (ptr, len): write bytes to the console */
	TALLY_SYS_DEBUG_THREAD_INFO, /* (index, struct tally_thread_info *out) */
	TALLY_SYS_DEBUG_SHUTDOWN,    /* (status): end the machine (debug-exit) */
	TALLY_SYS_INVOKE,            /* (cptr, label, MR0..MR5): invoke a capability */
	TALLY_SYS_ERROR_DETAIL,      /* (struct tally_error_detail *out) */
	TALLY_SYS_DEBUG_CHECK,       /* (struct tally_cap_stats *out): check invariants */
	/* IPC (see <tally/ipc.h> for the registers and the message layout) */
	TALLY_SYS_SEND,              /* endpoint: send; notification: signal; reply: reply */
	TALLY_SYS_NBSEND,            /* the same, never blocking */
	TALLY_SYS_CALL,              /* endpoint: send, then wait for the reply */
	TALLY_SYS_RECV,              /* endpoint (with a Reply): receive; notification: wait */
	TALLY_SYS_NBRECV,            /* the same, never blocking (notification: poll) */
	TALLY_SYS_REPLY_RECV,        /* reply through a Reply, then receive with it */
	TALLY_SYS_COUNT
};

/* Longest write TALLY_SYS_DEBUG_WRITE accepts in one call (bounded work). */
#define TALLY_DEBUG_WRITE_MAX 4096

/* Status words for TALLY_SYS_DEBUG_SHUTDOWN. */
#define TALLY_SHUTDOWN_SUCCESS 0
#define TALLY_SHUTDOWN_FAILURE 1

enum tally_thread_state {
	TALLY_THREAD_INACTIVE = 0,   /* never started, or suspended */
	TALLY_THREAD_RUNNABLE,       /* running or ready to run */
	TALLY_THREAD_EXITED,         /* stopped at its own request */
	TALLY_THREAD_FAULTED,        /* stopped by a fault nobody handled */
	TALLY_THREAD_BLOCKED_SEND,   /* queued on an endpoint to send or call */
	TALLY_THREAD_BLOCKED_RECV,   /* queued on an endpoint to receive */
	TALLY_THREAD_BLOCKED_REPLY,  /* called, waiting on a Reply for the answer */
	TALLY_THREAD_BLOCKED_NOTIFY, /* waiting on a notification */
	TALLY_THREAD_STATE_COUNT
};

#define TALLY_THREAD_NAME_MAX 32

/* What TALLY_SYS_DEBUG_THREAD_INFO reports about one boot thread. */
struct tally_thread_info {
	unsigned long state;        /* enum tally_thread_state */
	unsigned long fault;        /* enum tally_fault, when FAULTED */
	unsigned long fault_addr;   /* faulting data address (page faults) */
	unsigned long fault_pc;     /* program counter of the faulting instruction */
	unsigned long fault_code;   /* cause detail: page-fault bits, vector, call number */
	unsigned long preemptions;  /* times a long call of this thread was preempted */
	char name[TALLY_THREAD_NAME_MAX];  /* module name and arguments */
};

#endif
