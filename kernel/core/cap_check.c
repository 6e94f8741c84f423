/*
 * The capability invariant checker (see cap_check.h). It only reads. The
 * tree is walked depth first through its own links (first child, next
 * sibling, and the tagged link from a last child to its parent), so the walk
 * needs no memory.
 */
#include <kernel/cap_check.h>
#include <kernel/object.h>
#include <kernel/ipc.h>
#include <kernel/vspace.h>

struct walk {
	struct cap_check_stats *st;
	bool (*outside_ok)(const struct cte *s);
	uint64_t slots_in_cnodes;   /* occupied slots found by scanning live CNodes */
	uint64_t outside;           /* capabilities living outside any CNode */
};

static uint64_t
check_object_bytes(const struct cap *c)
{
	enum tally_obj_type t = cap_type(c);

	if (t == TALLY_OBJ_ZOMBIE)
		return 1ul << object_size_bits(zombie_type(c), cap_size_bits(c));
	if (t == TALLY_OBJ_IRQ_CONTROL || t == TALLY_OBJ_IOPORT_CONTROL ||
	    t == TALLY_OBJ_SCHED_CONTROL)
		return 0;
	return 1ul << object_size_bits(t, t == TALLY_OBJ_UNTYPED || t == TALLY_OBJ_CNODE ?
					      cap_size_bits(c) : 0);
}

static uint64_t
check_object_start(const struct cap *c)
{
	return (uint64_t)(uintptr_t)cap_object(c);
}

static const char *
check_links(const struct cte *p, const struct cte *k, const struct cte *prev)
{
	if (cap_type(&k->cap) == TALLY_OBJ_NULL || cap_type(&k->cap) >= TALLY_OBJ_COUNT)
		return "an empty or invalid capability is in the tree";
	if (!prev && k->prev != cte_tag(p))
		return "a first child does not point back to its parent";
	if (prev && k->prev != prev)
		return "a sibling's back link is wrong";
	if (cte_is_tag(k->next) ? (cte_untag(k->next) != p || p->last_child != k) :
			      k->next->prev != k)
		return "a forward link or a last-child link is wrong";
	return NULL;
}

/*
 * Check child k of p. Under an Untyped, distinct objects come newest first,
 * each wholly below the one before, inside the used part; capabilities to one
 * object stand together. Under anything else, a child names its parent's
 * object and is not an original.
 */
static const char *
check_child(const struct cte *p, const struct cte *k, const struct cte *prev,
	    uint64_t *lowest)
{
	const struct cap *c = &k->cap;
	const char *why = check_links(p, k, prev);

	if (why)
		return why;
	if (p == &cdt_sentinel)
		return NULL;
	if (cap_type(&p->cap) != TALLY_OBJ_UNTYPED)
		return cap_same_object(&p->cap, c) && !cap_is_original(c) ?
			       NULL : "a copy names another object than its parent";
	if (check_object_start(c) < check_object_start(&p->cap) ||
	    check_object_start(c) + check_object_bytes(c) > check_object_start(&p->cap) + cap_word2(&p->cap))
		return "an object lies outside its untyped's used part";
	if (prev && cap_same_object(&prev->cap, c))
		return NULL;
	if (check_object_start(c) + check_object_bytes(c) > *lowest)
		return "two objects of one untyped overlap";
	*lowest = check_object_start(c);
	return NULL;
}

static const char *
check_children(const struct cte *p)
{
	uint64_t lowest = UINT64_MAX;
	const struct cte *k, *prev = NULL;
	const char *why;

	if (!p->first_child)   /* a zombie's last_child links the zombie list */
		return p->last_child && cap_type(&p->cap) != TALLY_OBJ_ZOMBIE ?
			       "a last child without a first" : NULL;
	for (k = p->first_child;; prev = k, k = k->next) {
		if ((why = check_child(p, k, prev, &lowest)))
			return why;
		if (cte_is_tag(k->next))
			return NULL;
	}
}

static const char *
check_untyped(const struct cte *x)
{
	const struct cap *c = &x->cap;

	if (cap_word2(c) > (1ul << cap_size_bits(c)))
		return "an untyped's watermark is past its end";
	return NULL;
}

/* Bytes of an Untyped's memory in live objects. */
static uint64_t
untyped_used(const struct cte *x)
{
	const struct cte *k, *prev = NULL;
	uint64_t used = 0;

	for (k = x->first_child; k; prev = k, k = cte_is_tag(k->next) ? NULL : k->next)
		if (!prev || !cap_same_object(&prev->cap, &k->cap))
			used += check_object_bytes(&k->cap);
	return used;
}

/* The boot Untypeds are the sentinel's Untyped children. */
static void
count_boot_untypeds(struct cap_check_stats *st)
{
	const struct cte *k;

	for (k = cdt_sentinel.first_child; k; k = cte_is_tag(k->next) ? NULL : k->next) {
		if (cap_type(&k->cap) != TALLY_OBJ_UNTYPED)
			continue;
		st->untyped_bytes += 1ul << cap_size_bits(&k->cap);
		st->untyped_free += (1ul << cap_size_bits(&k->cap)) - untyped_used(k);
	}
}

/* The first capability of its object's run: count the CNode's slots once. */
static bool
first_of_object(const struct cte *x)
{
	const struct cte *before = cte_untag(x->prev);

	return before == &cdt_sentinel || !cap_same_object(&before->cap, &x->cap);
}

static const char *
check_cnode(const struct cte *x, struct walk *w)
{
	const struct cte *slots = cap_object(&x->cap);
	uint64_t n = 1ul << cap_size_bits(&x->cap), i;
	bool zombie = cap_type(&x->cap) == TALLY_OBJ_ZOMBIE;

	if (zombie && x != &slots[0])
		return "a zombie is not in its own object's first slot";
	if (!zombie && !cte_empty(&slots[0]))
		return "slot 0 of a live CNode is occupied";
	for (i = 0; i < n; i++)
		w->slots_in_cnodes += !cte_empty(&slots[i]);
	w->st->zombies += zombie;
	return NULL;
}

/* Slots inside threads and Replies hold capabilities too: count them once per object. */
static void
count_object_slots(const struct cte *x, struct walk *w)
{
	enum tally_obj_type t = cap_type(&x->cap);
	unsigned i;

	if (t == TALLY_OBJ_THREAD) {
		const struct thread *th = cap_object(&x->cap);

		for (i = 0; i < TCB_SLOTS; i++)
			w->slots_in_cnodes += !cte_empty(&th->slots[i]);
	} else if (t == TALLY_OBJ_REPLY) {
		w->slots_in_cnodes += !cte_empty(&((const struct reply *)cap_object(&x->cap))->notify);
	}
}

static const char *
check_node(const struct cte *x, struct walk *w)
{
	enum tally_obj_type t = cap_type(&x->cap);
	const char *why = check_children(x);

	w->st->caps++;
	if (w->outside_ok(x))
		w->outside++;
	if (!why && t == TALLY_OBJ_UNTYPED)
		why = check_untyped(x);
	if (!why && (t == TALLY_OBJ_CNODE || t == TALLY_OBJ_ZOMBIE) && first_of_object(x))
		why = check_cnode(x, w);
	if (!why && first_of_object(x))
		count_object_slots(x, w);
	if (!why)
		why = vspace_check(x);   /* mappings agree with the tables' records */
	return why;
}

const char *
cap_check(bool (*outside_ok)(const struct cte *s), struct cap_check_stats *st)
{
	struct walk w = { .st = st, .outside_ok = outside_ok };
	const struct cte *root = &cdt_sentinel, *x;
	const char *why;

	*st = (struct cap_check_stats){ 0 };
	if ((why = check_children(root)))
		return why;
	for (x = root->first_child; x;) {
		if ((why = check_node(x, &w)))
			return why;
		if (x->first_child) {
			x = x->first_child;
			continue;
		}
		while (x != root && cte_is_tag(x->next))
			x = cte_untag(x->next);
		x = x == root ? NULL : x->next;
	}
	count_boot_untypeds(st);
	if (st->caps != w.slots_in_cnodes + w.outside)
		return "capability slots and derivation trees disagree";
	return NULL;
}
