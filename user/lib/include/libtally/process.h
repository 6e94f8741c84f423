/*
 * libtally: building a process from a program image (a boot module).
 *
 * A process is its CNode (2^radix slots, TALLY_PROC_RADIX unless asked
 * otherwise, guarded so that cptr n names its slot n, as for the root
 * task), its address space and page tables, its stack, IPC buffer and
 * information page, its writable pages, and its thread. Read-only pages of
 * the image are shared with the module's frames. Every object is bought in
 * one of two ways:
 *  - from an Untyped carved for it (tally_proc_create): killing the process
 *    is revoking that Untyped;
 *  - from a space bank (tally_proc_build with a bank, libtally/bank.h):
 *    killing it is destroying the bank, and the process gets a SPEND
 *    capability to its own bank to buy more.
 * Either way every object goes, every capability to one of them (wherever
 * it was copied to) goes, every thread blocked on one wakes.
 *
 * The child finds in its own slots: 1 its CNode, 2 its address space, 3 its
 * thread, 4 its bank (SPEND; bank-built only), 5 a fault endpoint for the
 * threads it makes (when its builder gives one), 6 the frame of its IPC
 * buffer; slots TALLY_PROC_SLOT_FREE.. are for the builder's caller to give
 * it capabilities (tally_proc_give), and its boot-info page's
 * first_free_slot names the first slot nobody uses. Its main() gets a
 * boot-info page whose args field holds the arguments it was started with.
 */
#ifndef LIBTALLY_PROCESS_H
#define LIBTALLY_PROCESS_H

#include <tally/bootinfo.h>

#define TALLY_PROC_RADIX        8
#define TALLY_PROC_SLOT_CNODE   1
#define TALLY_PROC_SLOT_VSPACE  2
#define TALLY_PROC_SLOT_THREAD  3
#define TALLY_PROC_SLOT_BANK    4
#define TALLY_PROC_SLOT_FAULT   5
#define TALLY_PROC_SLOT_IPC_BUFFER 6
#define TALLY_PROC_SLOT_SPARE_SC 7   /* a scheduling context (the whole CPU) for one more thread */
#define TALLY_PROC_SLOT_FREE    8
#define TALLY_PROC_GIFTS        8    /* slots FREE .. FREE + GIFTS - 1 take gifts */
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
	int scratch_mapped;            /* 1: page tables cover [scratch, scratch + 2 MiB) already */
	unsigned long (*slot_alloc)(void);
	void (*slot_free)(unsigned long slot);
};

struct tally_proc {
	unsigned long untyped;         /* caller's slots: everything below comes from it, */
	unsigned long bank;            /* or from this bank (a FULL capability) */
	unsigned long cnode;
	unsigned long vspace;
	unsigned long thread;
	unsigned long sc;              /* its thread's scheduling context (the whole CPU at first) */
	unsigned long next_free;       /* the child's next empty slot for tally_proc_give */
	unsigned long bytes;           /* size of its Untyped (0 when bank-built) */
	unsigned long radix;           /* its CNode has 2^radix slots */
};

/* What to build. */
struct tally_proc_spec {
	const struct tally_module_desc *module;
	unsigned long untyped_bits;    /* an Untyped of this size from env->untyped, */
	unsigned long bank;            /* or 0 and a bank (FULL capability) that pays */
	unsigned long radix;           /* 0: TALLY_PROC_RADIX */
	unsigned long prio;
	const char *args;
	unsigned long fault_ep;        /* the caller's cptr, 0 for none */
};

/*
 * Build a process as spec says. It does not run until tally_proc_start.
 * A bank given in spec (a caller's slot) belongs to the process from then
 * on: killing the process destroys the bank and frees the slot. Returns a tally_error; on failure nothing is left
 * behind (the bank, if any, is destroyed).
 */
long tally_proc_build(struct tally_proc *p, const struct tally_proc_env *env,
		      const struct tally_proc_spec *spec);

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

/* The same into the child's slot `slot` (below TALLY_PROC_SLOT_FREE: the fixed ones). */
long tally_proc_give_at(struct tally_proc *p, unsigned long cap, unsigned long rights,
			unsigned long slot);

long tally_proc_start(struct tally_proc *p);

/* The boot module whose name (file name and arguments) contains `name`; NULL if none. */
const struct tally_module_desc *tally_proc_module(const struct tally_bootinfo *bi,
						  const char *name);

/*
 * Kill the process: revoke its Untyped, or destroy its bank (answered when
 * every byte is back), then free the caller's slots.
 */
long tally_proc_destroy(struct tally_proc *p, const struct tally_proc_env *env);

#endif
