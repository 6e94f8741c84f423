/*
 * libtally: the supervisor. It spawns processes from program images, each
 * on a new bank under a parent bank (everything the process is made of, and
 * everything it buys later, is paid from that bank), learns when they end,
 * and kills them. Killing a process is destroying its bank: every object
 * it held goes, every capability to them goes, and every byte comes back
 * to the parent bank. See docs/processes.md.
 *
 * The supervisor runs in the thread that calls it: tally_sup_wait receives
 * on its endpoint, where every thread of every process reports its faults
 * and its exit (the kernel sends an exit to a thread's fault handler,
 * TALLY_FAULT_EXIT). A process ends when its first thread exits or when any
 * of its threads faults; the supervisor then reclaims it and reports the
 * event. Another thread's exit just ends that thread.
 */
#ifndef LIBTALLY_SUPERVISOR_H
#define LIBTALLY_SUPERVISOR_H

#include <stdbool.h>
#include <libtally/process.h>

#define TALLY_SUP_MAX 64

enum tally_sup_event_kind {
	TALLY_SUP_EXITED = 1,    /* status: its exit status */
	TALLY_SUP_FAULTED,       /* status: the fault cause; addr, pc */
};

struct tally_sup_event {
	unsigned long pid, kind, status, addr, pc;
};

struct tally_sup_proc {
	struct tally_proc p;
	unsigned long pid;          /* 0: the entry is free */
	unsigned long fault_main;   /* caller's slots: badged capabilities to the endpoint */
	unsigned long fault_other;
};

struct tally_sup {
	struct tally_proc_env env;
	unsigned long bank;         /* the supervisor's own bank (its scratch tables) */
	unsigned long ep, reply;    /* where exits and faults arrive, and the Reply to take them */
	unsigned long gen;
	unsigned long tables[3];
	struct tally_sup_proc procs[TALLY_SUP_MAX];
};

/*
 * Set up a supervisor working with the caller's slots and address space as
 * env says (env->scratch: a free 1 GiB-aligned range of the caller's
 * address space, which it maps with page tables bought from `bank` once).
 * `ep` (READ and WRITE) and `reply` are the caller's endpoint and Reply.
 */
long tally_sup_init(struct tally_sup *s, const struct tally_proc_env *env, unsigned long bank,
		    unsigned long ep, unsigned long reply);

/* What to spawn. */
struct tally_sup_spec {
	const struct tally_module_desc *module;
	unsigned long parent_bank;  /* its bank is made under this one (0: the supervisor's) */
	unsigned long limit;        /* its bank's limit in bytes */
	unsigned long radix;        /* its CNode (0: TALLY_PROC_RADIX) */
	unsigned long prio;
	const char *args;
};

/*
 * Build a process as spec says, on a new bank; it does not run until
 * tally_sup_start. Its id in *pid. The process finds a SPEND capability to
 * its bank in its slot TALLY_PROC_SLOT_BANK and a fault endpoint for the
 * threads it makes in TALLY_PROC_SLOT_FAULT.
 */
long tally_sup_spawn(struct tally_sup *s, const struct tally_sup_spec *spec, unsigned long *pid);

/* The process `pid` (its CNode, thread and bank in the caller's slots); NULL if it is gone. */
struct tally_proc *tally_sup_proc(struct tally_sup *s, unsigned long pid);

long tally_sup_start(struct tally_sup *s, unsigned long pid);

/* Destroy the process's bank and forget it; returns when every byte is back. */
long tally_sup_kill(struct tally_sup *s, unsigned long pid);

/*
 * Take the next end of a process: receive exits and faults (blocking, or
 * not: WOULD_BLOCK when none waits), reclaim the process that ended, and
 * describe it in *ev.
 */
long tally_sup_wait(struct tally_sup *s, struct tally_sup_event *ev, bool block);

#endif
