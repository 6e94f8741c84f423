/*
 * Untyped memory and retype: the only way kernel objects come to exist
 * after boot (DESIGN.md rule 1).
 *
 * An Untyped capability (never copied, only moved within its CNode) holds a
 * watermark: below it lie the objects made from it, alive or dead; above it
 * the memory is free and, for RAM, zero. Objects are placed at the
 * watermark, aligned to their size, and need no zeroing. When every object
 * made from an Untyped is gone (it has no children), the next retype first
 * resets it: zeroes the memory below the watermark from the top down in
 * bounded chunks, lowering the watermark as it goes, with a preemption point
 * after each chunk. The watermark is the progress, so a preempted reset goes
 * on where it stopped, whoever retypes next. (This is seL4's choice too.)
 * Boot gives RAM Untypeds a watermark at the top: their memory is not known
 * to be zero until the first reset.
 */
#include <kernel/invoke.h>
#include <kernel/arch.h>
#include <kernel/object.h>
#include <kernel/sched.h>
#include <string.h>

#define ZERO_CHUNK (64ul << 10)

struct retype {
	enum tally_obj_type type;
	unsigned size_bits;        /* as the caller gave it */
	unsigned obj_bits;         /* log2 bytes of one object */
	struct cte *dest;          /* first destination slot */
	uint64_t count;
	uint64_t start;            /* offset of the first object in the untyped */
};

/* The watermark retype works from: 0 when nothing made from it is alive. */
static uint64_t
untyped_watermark(const struct cte *u)
{
	return u->first_child ? cap_word2(&u->cap) : 0;
}

/* Check the destination: MR2 CNode cptr (depth 64), MR3 first index, MR4 count. */
static long
retype_decode_dest(struct invocation *inv, struct retype *rt)
{
	struct tally_error_detail d = { 0 };
	struct cte *cn = cspace_lookup(inv->caller, inv->mr[2], 64, &d, NULL);
	uint64_t i, slots;

	if (!cn || cte_empty(cn)) {
		invoke_fail(inv, TALLY_ERR_LOOKUP_FAILED, 3, inv->mr[2], 0);
		inv->caller->error.lookup = cn ? TALLY_LOOKUP_EMPTY_SLOT : d.lookup;
		inv->caller->error.bits_left = d.bits_left;
		return TALLY_ERR_LOOKUP_FAILED;
	}
	if (cap_type(&cn->cap) != TALLY_OBJ_CNODE || !(cap_rights(&cn->cap) & TALLY_RIGHT_WRITE))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 3, cap_type(&cn->cap), 0);
	slots = 1ul << cap_size_bits(&cn->cap);
	if (inv->mr[3] == 0 || inv->mr[3] >= slots || rt->count > slots - inv->mr[3])
		return invoke_fail(inv, TALLY_ERR_RANGE, 4, inv->mr[3], slots);
	rt->dest = (struct cte *)cap_object(&cn->cap) + inv->mr[3];
	for (i = 0; i < rt->count; i++)
		if (!cte_empty(&rt->dest[i]))
			return invoke_fail(inv, TALLY_ERR_SLOT_OCCUPIED, 4, inv->mr[3] + i, 0);
	return TALLY_OK;
}

/* Decode a retype completely; nothing changes here. */
static long
retype_decode(struct invocation *inv, struct retype *rt)
{
	const struct cap *u = &inv->slot->cap;
	unsigned ubits = cap_size_bits(u);
	uint64_t need, room;
	long err;

	if (!(cap_rights(u) & TALLY_RIGHT_WRITE))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	rt->type = (enum tally_obj_type)MIN(inv->mr[0], (uint64_t)TALLY_OBJ_COUNT);
	rt->size_bits = (unsigned)MIN(inv->mr[1], 64ul);
	if (rt->type == TALLY_OBJ_NULL || rt->type >= TALLY_OBJ_IRQ_CONTROL)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 1, inv->mr[0], 0);
	rt->obj_bits = object_size_bits(rt->type, rt->size_bits);
	if (!rt->obj_bits)
		return invoke_fail(inv, TALLY_ERR_RANGE, 2, inv->mr[1], 0);
	if (rt->type == TALLY_OBJ_UNTYPED && rt->size_bits >= ubits)
		return invoke_fail(inv, TALLY_ERR_RANGE, 2, inv->mr[1], ubits);
	if (cap_is_device(u) && !object_device_ok(rt->type))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, rt->type, 0);
	rt->count = inv->mr[4];
	if (rt->count == 0 || rt->count > TALLY_RETYPE_MAX_COUNT)
		return invoke_fail(inv, TALLY_ERR_RANGE, 5, rt->count, TALLY_RETYPE_MAX_COUNT);
	err = retype_decode_dest(inv, rt);
	if (err)
		return err;
	rt->start = ALIGN_UP(untyped_watermark(inv->slot), 1ul << rt->obj_bits);
	room = rt->obj_bits > ubits || rt->start > (1ul << ubits) ? 0 : (1ul << ubits) - rt->start;
	need = rt->count << rt->obj_bits;
	if (rt->obj_bits > ubits || need > room)
		return invoke_fail(inv, TALLY_ERR_NO_MEMORY, 0, need,
				   (1ul << ubits) - MIN(untyped_watermark(inv->slot), 1ul << ubits));
	return TALLY_OK;
}

/*
 * Reset an Untyped none of whose objects are alive: zero what lies below the
 * watermark, from the top down, lowering the watermark as it goes, so that
 * everything above the watermark stays zero. Returns false when preempted;
 * the progress is the watermark itself, which only this ever lowers, so a
 * re-issued retype (or another thread's) goes on from there. Device memory
 * is never written.
 */
static bool
untyped_reset(struct cte *u)
{
	char *base = cap_object(&u->cap);
	uint64_t w = cap_word2(&u->cap);

	if (cap_is_device(&u->cap)) {
		cap_set_word2(&u->cap, 0);
		return true;
	}
	while (w > 0) {
		uint64_t from = w > ZERO_CHUNK ? w - ZERO_CHUNK : 0;

		memset(base + from, 0, w - from);
		w = from;
		cap_set_word2(&u->cap, w);
		if (w > 0 && sched_preempt_point())
			return false;
	}
	return true;
}

/*
 * Make the objects of a decoded retype and put their capabilities down.
 * An Untyped with no live objects is reset first, which may be preempted
 * (INVOKE_PREEMPTED, progress kept in the Untyped). New objects need no
 * zeroing: RAM above the watermark is always zero.
 */
static long
retype_perform(struct cte *u, const struct retype *rt)
{
	char *base = cap_object(&u->cap);
	bool device = cap_is_device(&u->cap);
	uint64_t i;

	if (!u->first_child && !untyped_reset(u))
		return INVOKE_PREEMPTED;
	for (i = 0; i < rt->count; i++) {
		void *obj = base + rt->start + (i << rt->obj_bits);

		object_init(rt->type, obj);
		cdt_insert(u, &rt->dest[i], object_original_cap(rt->type, rt->size_bits, obj, device));
	}
	cap_set_word2(&u->cap, rt->start + (rt->count << rt->obj_bits));
	return TALLY_OK;
}

long
untyped_invoke(struct invocation *inv)
{
	struct retype rt = { 0 };
	long err;

	if (inv->label != TALLY_UNTYPED_RETYPE)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	err = retype_decode(inv, &rt);
	if (err)
		return err;
	return retype_perform(inv->slot, &rt);
}
