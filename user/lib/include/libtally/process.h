/*
 * libtally: building a process from a program image (a boot module).
 *
 * A process is an Untyped and what was made from it: its CNode (radix
 * TALLY_PROC_RADIX, guard so that cptr n names its slot n, as for the root
 * task), its address space and page tables, its stack, IPC buffer and
 * information page, its writable pages, and its thread. Read-only pages of
 * the image are shared with the module's frames. Killing the process is
 * revoking its Untyped: every object goes, every capability to one of them
 * (wherever it was copied to) goes, every thread blocked on one wakes.
 *
 * The child finds in its own slots: 1 its CNode, 2 its address space, 3 its
 * thread; slots from TALLY_PROC_SLOT_FREE on are for the builder's caller
 * to give it capabilities (tally_proc_give). Its main() gets a boot-info
 * page whose args field holds the arguments it was started with.
 */
#ifndef LIBTALLY_PROCESS_H
#define LIBTALLY_PROCESS_H

#include <tally/bootinfo.h>

#define TALLY_PROC_RADIX        8
#define TALLY_PROC_SLOT_CNODE   1
#define TALLY_PROC_SLOT_VSPACE  2
#define TALLY_PROC_SLOT_THREAD  3
#define TALLY_PROC_SLOT_FREE    8
#define TALLY_PROC_STACK_TOP    0x10000000ul
#define TALLY_PROC_IPC_BUFFER   (TALLY_PROC_STACK_TOP + 0x1000)
#define TALLY_PROC_INFO         (TALLY_PROC_STACK_TOP + 0x2000)

/* What the builder borrows from its caller: slots of its root CNode, and memory. */
struct tally_proc_env {
	unsigned long root_cnode;      /* the caller's CNode root (depth-64 cptrs) */
	unsigned long root_vspace;     /* the caller's address space */
	unsigned long untyped;         /* where the process's Untyped is carved from */
	unsigned long sched_control;   /* the caller's scheduling control capability */
	unsigned long scratch;         /* 2 MiB-aligned free address range in the caller's space */
	unsigned long (*slot_alloc)(void);
	void (*slot_free)(unsigned long slot);
};

struct tally_proc {
	unsigned long untyped;         /* caller's slots: everything below comes from it */
	unsigned long cnode;
	unsigned long vspace;
	unsigned long thread;
	unsigned long sc;              /* its thread's scheduling context (the whole CPU at first) */
	unsigned long next_free;       /* the child's next empty slot for tally_proc_give */
	unsigned long bytes;           /* size of its Untyped */
};

/*
 * Build a process from module m with an Untyped of 2^untyped_bits bytes,
 * at priority prio, with `args` in its boot-info page and `fault_ep` (a
 * cptr of the caller's, 0 for none) as its thread's fault endpoint. It does
 * not run until tally_proc_start. Returns a tally_error; on failure nothing
 * is left behind.
 */
long tally_proc_create(struct tally_proc *p, const struct tally_proc_env *env,
		       const struct tally_module_desc *m, unsigned untyped_bits,
		       unsigned long prio, const char *args, unsigned long fault_ep);

/* Copy the caller's capability `cap` (with rights) into the child's next free slot;
 * its slot number in *child_slot. */
long tally_proc_give(struct tally_proc *p, unsigned long cap, unsigned long rights,
		     unsigned long *child_slot);

long tally_proc_start(struct tally_proc *p);

/* Kill the process: revoke its Untyped, then free the caller's slots. */
long tally_proc_destroy(struct tally_proc *p, const struct tally_proc_env *env);

#endif
