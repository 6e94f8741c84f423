/*
 * Threads. Until threads are made by retype (the IPC issue), the kernel
 * starts one thread per boot module from a static table; each has its own
 * address space.
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

struct thread_fault {
	enum tally_fault cause;
	uint64_t addr;
	uint64_t pc;
	uint64_t code;
};

struct thread {
	struct arch_regs regs;          /* user registers, saved on every entry */
	struct arch_vspace vspace;      /* its address space */
	enum tally_thread_state state;
	struct thread_fault fault;      /* why it stopped, when FAULTED */
	unsigned index;                 /* position in the boot table */
	char name[TALLY_THREAD_NAME_MAX];
	struct cte cspace_root;         /* a copy of its root CNode capability */
	struct tally_error_detail error;/* why its last call failed */
	uint64_t preemptions;           /* how often its long calls were preempted */
	bool pending_drain;             /* its restarted call only finishes zombies, */
	vaddr_t pending_pc;             /* if it is the call at this pc */
};

extern struct thread boot_threads[CONFIG_BOOT_THREADS];
extern unsigned boot_thread_count;

/* Stop `t` for good because it faulted; print a report on the console. */
void thread_fault(struct thread *t, enum tally_fault cause, uint64_t addr,
		  uint64_t pc, uint64_t code);

/* Stop `t` for good at its own request. */
void thread_exit(struct thread *t);

#endif
