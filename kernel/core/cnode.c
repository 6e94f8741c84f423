/*
 * CNodes: tables of 2^radix capability slots. Address resolution (a thread's
 * CSpace lookup) and the CNode invocations: copy, mint, move, delete, revoke
 * and inspect. Slot 0 of every CNode is the kernel's (it holds the zombie
 * while the CNode is being destroyed, see cap.c) and is never addressable.
 */
#include <kernel/invoke.h>
#include <kernel/arch.h>

static uint64_t
low_mask(unsigned bits)
{
	return bits >= 64 ? ~0ul : (1ul << bits) - 1;
}

static struct cte *
lookup_fail(struct tally_error_detail *d, enum tally_lookup_failure why, unsigned bits)
{
	d->lookup = why;
	d->bits_left = bits;
	return NULL;
}

struct cte *
cspace_lookup(struct thread *t, uint64_t cptr, unsigned depth, struct tally_error_detail *d,
	      unsigned *cnode_rights)
{
	const struct cte *node = thread_cspace(t);
	unsigned bits = depth;

	if (cap_type(&node->cap) != TALLY_OBJ_CNODE)
		return lookup_fail(d, TALLY_LOOKUP_NO_ROOT, bits);
	if (depth < 1 || depth > 64)
		return lookup_fail(d, TALLY_LOOKUP_BAD_DEPTH, bits);
	for (;;) {
		unsigned g = cap_guard_bits(&node->cap), r = cap_size_bits(&node->cap);
		struct cte *slot;
		uint64_t index;

		if (g + r > bits)
			return lookup_fail(d, TALLY_LOOKUP_DEPTH_MISMATCH, bits);
		if (g && ((cptr >> (bits - g)) & low_mask(g)) != cap_word2(&node->cap))
			return lookup_fail(d, TALLY_LOOKUP_GUARD_MISMATCH, bits);
		bits -= g + r;
		index = (cptr >> bits) & low_mask(r);
		if (index == 0)
			return lookup_fail(d, TALLY_LOOKUP_RESERVED_SLOT, bits);
		slot = (struct cte *)cap_object(&node->cap) + index;
		if (cnode_rights)
			*cnode_rights = cap_rights(&node->cap);
		if (bits == 0)
			return slot;
		if (cap_type(&slot->cap) != TALLY_OBJ_CNODE)
			return lookup_fail(d, TALLY_LOOKUP_DEPTH_MISMATCH, bits);
		node = slot;
	}
}

/* The slot `index` of the invoked CNode, which must be a usable slot. */
static struct cte *
cnode_slot(struct invocation *inv, uint64_t index, long *err)
{
	unsigned radix = cap_size_bits(&inv->slot->cap);

	if (index == 0 || index >= (1ul << radix)) {
		*err = invoke_fail(inv, TALLY_ERR_RANGE, 1, index, 1ul << radix);
		return NULL;
	}
	return (struct cte *)cap_object(&inv->slot->cap) + index;
}

/*
 * Look up the source capability: MR1 cptr, MR2 depth, in the caller's
 * CSpace. The CNode it sits in must grant `need` (READ to copy from it,
 * WRITE to take from it).
 */
static struct cte *
cnode_source(struct invocation *inv, unsigned need, long *err)
{
	struct tally_error_detail d = { 0 };
	unsigned rights = 0;
	struct cte *src;

	src = cspace_lookup(inv->caller, inv->mr[1], (unsigned)MIN(inv->mr[2], 65ul), &d, &rights);
	if (src && !(rights & need)) {
		*err = invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 2, inv->mr[1], need);
		return NULL;
	}
	if (src && cte_empty(src)) {
		d.lookup = TALLY_LOOKUP_EMPTY_SLOT;
		src = NULL;
	}
	if (!src) {
		*err = invoke_fail(inv, TALLY_ERR_LOOKUP_FAILED, 2, inv->mr[1], 0);
		inv->caller->error.lookup = d.lookup;
		inv->caller->error.bits_left = d.bits_left;
	}
	return src;
}

/* The capability a copy (badge == NULL) or mint of src would put down. */
static long
cnode_derive(struct invocation *inv, const struct cap *src, const uint64_t *badge,
	     struct cap *out)
{
	enum tally_obj_type type = cap_type(src);
	unsigned rights = cap_rights(src) & (unsigned)inv->mr[3];

	if (!cap_copyable(src))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 2, type, 0);
	if (cap_generation(src) >= TALLY_COPY_DEPTH_MAX)
		return invoke_fail(inv, TALLY_ERR_RANGE, 2, cap_generation(src) + 1ul,
				   TALLY_COPY_DEPTH_MAX);
	*out = cap_derive(src);
	out->w[0] &= ~((uint64_t)TALLY_RIGHTS_ALL << 8);
	out->w[0] |= (uint64_t)rights << 8;
	if (!badge)
		return TALLY_OK;
	if (type == TALLY_OBJ_CNODE) {
		unsigned guard_bits = cnode_guard_data_bits(*badge);
		uint64_t guard = cnode_guard_data_guard(*badge);

		if (guard_bits + cap_size_bits(src) > 64 || (guard & ~low_mask(guard_bits)))
			return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 5, *badge, 0);
		*out = cap_make(type, rights, 0, cap_size_bits(src), guard_bits, cap_object(src),
				guard, 0);
		cap_set_generation(out, cap_generation(src) + 1);
		return TALLY_OK;
	}
	if (type != TALLY_OBJ_ENDPOINT && type != TALLY_OBJ_NOTIFICATION)
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 2, type, 0);
	if (cap_word2(src) || !*badge)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 5, *badge, cap_word2(src));
	cap_set_word2(out, *badge);
	return TALLY_OK;
}

/* COPY, MINT: MR0 dest index, MR1 source cptr, MR2 source depth, MR3 rights, MR4 badge. */
static long
cnode_copy(struct invocation *inv, bool mint)
{
	struct cte *dst, *src;
	struct cap cap;
	long err = TALLY_OK;

	if (!(dst = cnode_slot(inv, inv->mr[0], &err)))
		return err;
	if (!cte_empty(dst))
		return invoke_fail(inv, TALLY_ERR_SLOT_OCCUPIED, 1, inv->mr[0], 0);
	if (!(src = cnode_source(inv, TALLY_RIGHT_READ, &err)))
		return err;
	err = cnode_derive(inv, &src->cap, mint ? &inv->mr[4] : NULL, &cap);
	if (err)
		return err;
	cdt_insert(src, dst, cap);
	return TALLY_OK;
}

/* Does slot s lie in the CNode that capability cn names? */
static bool
cnode_holds(const struct cap *cn, const struct cte *s)
{
	const struct cte *slots = cap_object(cn);

	return s >= slots && s < slots + (1ul << cap_size_bits(cn));
}

/*
 * MOVE: MR0 dest index, MR1 source cptr, MR2 source depth. An Untyped moves
 * only within its CNode: it then always lives in a CNode made before it, and
 * never in one made from its own memory, so destroying CNodes can never wait
 * in a circle (docs/design-decisions.md, 16).
 */
static long
cnode_move(struct invocation *inv)
{
	struct cte *dst, *src;
	long err = TALLY_OK;

	if (!(dst = cnode_slot(inv, inv->mr[0], &err)))
		return err;
	if (!cte_empty(dst))
		return invoke_fail(inv, TALLY_ERR_SLOT_OCCUPIED, 1, inv->mr[0], 0);
	if (!(src = cnode_source(inv, TALLY_RIGHT_WRITE, &err)))
		return err;
	if (cap_type(&src->cap) == TALLY_OBJ_UNTYPED && !cnode_holds(&inv->slot->cap, src))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_UNTYPED, 0);
	cdt_move(src, dst);
	return TALLY_OK;
}

static long
cnode_inspect(struct invocation *inv)
{
	struct cte *s;
	long err = TALLY_OK;
	const struct cap *c;
	uint64_t flags;

	if (!(s = cnode_slot(inv, inv->mr[0], &err)))
		return err;
	c = &s->cap;
	flags = (cap_is_original(c) ? TALLY_INSPECT_ORIGINAL : 0) |
		(s->first_child ? TALLY_INSPECT_HAS_CHILDREN : 0) |
		(cap_is_device(c) ? TALLY_INSPECT_DEVICE : 0);
	inv->mr[0] = cap_type(c);
	inv->mr[1] = cap_rights(c);
	inv->mr[2] = cap_type(c) == TALLY_OBJ_UNTYPED || cap_type(c) == TALLY_OBJ_CNODE ?
			     cap_size_bits(c) : cap_word2(c);
	inv->mr[3] = cap_object(c) ? arch_kva_to_phys(cap_object(c)) : 0;
	inv->mr[4] = flags;
	if (cap_type(c) == TALLY_OBJ_UNTYPED)
		inv->mr[5] = (1ul << cap_size_bits(c)) - (s->first_child ? cap_word2(c) : 0);
	else if (cap_type(c) == TALLY_OBJ_CNODE)
		inv->mr[5] = cnode_guard_data(cap_guard_bits(c), cap_word2(c));
	else
		inv->mr[5] = 0;
	return TALLY_OK;
}

static long
cnode_delete_or_revoke(struct invocation *inv, bool delete)
{
	struct cte *s;
	long err = TALLY_OK;
	enum cap_progress p;

	if (!(s = cnode_slot(inv, inv->mr[0], &err)))
		return err;
	/* an Untyped's objects would outlive any way to reclaim their memory */
	if (delete && cap_type(&s->cap) == TALLY_OBJ_UNTYPED && s->first_child)
		return invoke_fail(inv, TALLY_ERR_REVOKE_FIRST, 1, inv->mr[0], 0);
	p = delete ? cap_delete(s) : cap_revoke(s);
	if (p == CAP_PREEMPTED)
		return INVOKE_PREEMPTED;
	return p == CAP_PREEMPTED_DRAIN ? INVOKE_PREEMPTED_DRAIN : TALLY_OK;
}

long
cnode_invoke(struct invocation *inv)
{
	unsigned need = inv->label == TALLY_CNODE_INSPECT ? TALLY_RIGHT_READ : TALLY_RIGHT_WRITE;

	if (!(cap_rights(&inv->slot->cap) & need))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, need, 0);
	switch (inv->label) {
	case TALLY_CNODE_COPY:
		return cnode_copy(inv, false);
	case TALLY_CNODE_MINT:
		return cnode_copy(inv, true);
	case TALLY_CNODE_MOVE:
		return cnode_move(inv);
	case TALLY_CNODE_DELETE:
		return cnode_delete_or_revoke(inv, true);
	case TALLY_CNODE_REVOKE:
		return cnode_delete_or_revoke(inv, false);
	case TALLY_CNODE_INSPECT:
		return cnode_inspect(inv);
	default:
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	}
}
