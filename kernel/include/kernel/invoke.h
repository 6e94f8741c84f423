/*
 * Capability invocation: TALLY_SYS_INVOKE names a capability and a label;
 * the object's own file decodes the message registers, then performs.
 */
#ifndef KERNEL_INVOKE_H
#define KERNEL_INVOKE_H

#include <kernel/cap.h>
#include <kernel/thread.h>

#define INVOKE_MRS 6

struct invocation {
	struct thread *caller;
	struct cte *slot;          /* the invoked capability */
	uint64_t label;
	uint64_t mr[INVOKE_MRS];   /* arguments in, results out */
};

/* Returned by an invocation that stopped at a preemption point. */
#define INVOKE_PREEMPTED (-1l)
/* ... after its own work was done: the restart only finishes zombies. */
#define INVOKE_PREEMPTED_DRAIN (-2l)

/*
 * Record why the call failed in the caller's error record and return err.
 * `argument` is 0 for the invoked capability, n for MR(n-1).
 */
long invoke_fail(struct invocation *inv, enum tally_error err, unsigned argument,
		 uint64_t value, uint64_t limit);

/*
 * Resolve (cptr, depth) in t's CSpace. Returns the slot, or NULL with the
 * failure kind and the bits left in *detail. An empty slot is returned, not
 * an error: callers decide whether they need it full or empty. When
 * cnode_rights is not NULL it receives the rights of the CNode capability
 * through which the slot was reached.
 */
struct cte *cspace_lookup(struct thread *t, uint64_t cptr, unsigned depth,
			  struct tally_error_detail *detail, unsigned *cnode_rights);

/*
 * The slot at cptr when t's CNode root resolves all 64 bits in one level
 * (the usual layout: cptr n is slot n), else NULL: the quick case of
 * cspace_lookup at depth 64, for the IPC paths.
 */
static inline struct cte *
cspace_lookup_flat(struct thread *t, uint64_t cptr)
{
	const struct cap *root = &t->slots[TCB_SLOT_CSPACE].cap;
	unsigned radix = cap_size_bits(root);
	uint64_t index = cptr & ((1ul << radix) - 1);

	if (cap_type(root) != TALLY_OBJ_CNODE || cap_guard_bits(root) + radix != 64 ||
	    cptr >> radix != cap_word2(root) || index == 0)
		return NULL;
	return (struct cte *)cap_object(root) + index;
}

/*
 * Look up MR(arg) (depth 64) as a capability of `type` (a frame type: either
 * frame size) carrying at least `rights`, young enough to be copied once
 * more. cptr 0 is "none": NULL with *err OK. On failure NULL, with *err the
 * named error (LOOKUP_FAILED, INVALID_CAPABILITY, RANGE), recorded.
 */
struct cte *invoke_arg_cap(struct invocation *inv, unsigned arg, enum tally_obj_type type,
			   unsigned rights, long *err);

/* Per object type; each returns enum tally_error or INVOKE_PREEMPTED. */
long cnode_invoke(struct invocation *inv);
long untyped_invoke(struct invocation *inv);

#endif
