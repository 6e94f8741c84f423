/*
 * Threads (TCBs). A thread is a kernel object made by retype (1 KiB), or,
 * for the boot tasks, one of a static table. It holds its user registers,
 * copies of the capabilities it runs with (CNode root, address space, IPC
 * buffer frame, fault endpoint) in slots of its own, and its scheduling and
 * IPC state.
 *
 * Fields are changed only by the kernel with interrupts disabled on the one
 * CPU; `regs` is written by the arch entry code on every entry from user mode.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <kernel/arch.h>
#include <kernel/cap.h>
#include <kernel/config.h>
#include <tally/syscall.h>
#include <tally/fault.h>
#include <tally/thread.h>

struct thread_fault {
	enum tally_fault cause;
	uint64_t addr;
	uint64_t pc;
	uint64_t code;
};

/* The capability slots of a thread. */
enum tcb_slot {
	TCB_SLOT_CSPACE,
	TCB_SLOT_VSPACE,
	TCB_SLOT_IPC_BUFFER,
	TCB_SLOT_FAULT_EP,
	TCB_SLOTS
};

/* ipc_flags: what a blocked sender is doing. */
#define IPC_CALL  0x1u   /* it called: it waits for a reply after the send */
#define IPC_GRANT 0x2u   /* its endpoint capability had GRANT */
#define IPC_FAULT 0x4u   /* the message is its fault, not a system call */
#define IPC_SEND_ONLY 0x8u /* a send made a call (to a passive server): no answer words */

struct reply;
struct notification;
struct sched_context;

/* A FIFO of threads, linked through their q_next/q_prev. */
struct thread_queue {
	struct thread *head, *tail;
};

struct thread {
	struct arch_regs regs;          /* user registers, saved on every entry */
	struct cte slots[TCB_SLOTS];    /* copies of the capabilities it runs with */

	/* scheduling (sched.c, schedctx.c) */
	struct sched_context *sc;       /* its own scheduling context, or NULL (passive) */
	struct sched_context *active_sc;/* the one it runs on now: its own or a lent one */
	uint64_t deadline;              /* a timed call gives up at this tick (0: none) */
	struct thread *to_next, *to_prev;  /* in the timeout queue while it has a deadline */
	struct thread *rq_next, *rq_prev;  /* in its priority's run queue */
	uint8_t prio;
	bool queued;                    /* in a run queue */
	uint16_t ipc_flags;
	uint32_t timeslice;             /* ticks left of its time slice */
	enum tally_thread_state state;

	/* IPC (ipc.c, endpoint.c, notification.c, reply.c) */
	void *ipc_obj;                  /* endpoint or notification it is queued on */
	struct thread *q_next, *q_prev; /* in that queue */
	struct reply *reply;            /* receiving: the Reply to fill; BLOCKED_REPLY: the one it waits on */
	uint64_t ipc_badge;             /* blocked sender: badge of the capability it used */
	struct notification *bound;     /* bound notification */
	vaddr_t ipcbuf_addr;            /* user address of its IPC buffer */

	struct thread_fault fault;      /* why it stopped, when FAULTED or in a fault call */
	struct tally_error_detail error;/* why its last call failed */
	uint64_t preemptions;           /* how often its long calls were preempted */
	bool pending_drain;             /* its restarted call only finishes zombies, */
	vaddr_t pending_pc;             /* if it is the call at this pc */
	unsigned index;                 /* boot threads: position in the boot table */
	char name[TALLY_THREAD_NAME_MAX];
};

_Static_assert(sizeof(struct thread) <= (1ul << TALLY_THREAD_BITS), "a thread fits its object");

extern struct thread boot_threads[CONFIG_BOOT_THREADS];
extern unsigned boot_thread_count;

/* The slot holding t's CNode root. */
static inline struct cte *
thread_cspace(struct thread *t)
{
	return &t->slots[TCB_SLOT_CSPACE];
}

/* Set up a thread's fields for a new object (retype) or a boot thread. */
void thread_init(struct thread *t);

/*
 * t faulted: send the fault to its handler, or, without one, stop it for
 * good and print a report on the console.
 */
void thread_fault(struct thread *t, enum tally_fault cause, uint64_t addr,
		  uint64_t pc, uint64_t code);

/* Stop t for good (FAULTED) and report it; used when no handler takes the fault. */
void thread_stop_faulted(struct thread *t);

/*
 * t's fault report ended without t resuming (the handler answered with a
 * non-zero label, or the handler's endpoint or Reply went away): a report
 * of an exit ends the thread (EXITED, silently), any other fault stops it
 * (FAULTED, with a console line).
 */
void thread_fault_end(struct thread *t);

/*
 * EXIT: t ends at its own request, with `status`. A thread with a fault
 * handler first reports it there as a fault (TALLY_FAULT_EXIT, code =
 * status) and ends when the report is answered; one without ends now.
 */
void thread_exit(struct thread *t, uint64_t status);

/*
 * Take t out of whatever it is blocked in (queue, Reply), leaving it
 * unqueued and not runnable; a call it was in returns `err` if it runs again.
 */
void thread_cancel_ipc(struct thread *t, enum tally_error err);

/* The kernel address of t's IPC buffer, or NULL if it has none. */
struct tally_ipc_buffer *thread_ipc_buffer(struct thread *t);

/* Destroy a thread whose last capability went (object.c). */
void thread_destroy(struct thread *t);

/* Set when thread_destroy destroys the current thread (the caller's own call did it). */
extern struct thread *thread_destroyed_current;

struct invocation;
long thread_invoke(struct invocation *inv);

#endif
