/*
 * The capability invariant checker (see cap_check.h). It only reads. Each
 * tree is walked depth first through its own links (first child, next
 * sibling, and the first child's back link to its parent), so the walk needs
 * no memory and reads every link a constant number of times.
 */
#include <kernel/cap_check.h>
#include <kernel/object.h>

#define TAG 1ul

struct walk {
	struct cap_check_stats *st;
	bool (*outside_ok)(const struct cte *s);
	uint64_t slots_in_cnodes;   /* occupied slots found by scanning live CNodes */
	uint64_t outside;           /* capabilities living outside any CNode */
};

static uint64_t
object_bytes(const struct cap *c)
{
	enum tally_obj_type t = cap_type(c);

	if (t == TALLY_OBJ_ZOMBIE)
		return 1ul << (cap_size_bits(c) + TALLY_CNODE_SLOT_BITS);
	if (t == TALLY_OBJ_IRQ_CONTROL || t == TALLY_OBJ_IOPORT_CONTROL)
		return 0;
	return 1ul << object_size_bits(t, t == TALLY_OBJ_UNTYPED || t == TALLY_OBJ_CNODE ?
					      cap_size_bits(c) : 0);
}

static uint64_t
object_start(const struct cap *c)
{
	return (uint64_t)(uintptr_t)cap_object(c);
}

/* Check child k of p: its links, and that it is derived from p correctly. */
static const char *
check_child(const struct cte *p, const struct cte *k, const struct cte *prev,
	    uint64_t *lowest_start)
{
	const struct cap *c = &k->cap;

	if (cap_type(c) == TALLY_OBJ_NULL || cap_type(c) >= TALLY_OBJ_COUNT)
		return "an empty or invalid capability is in the tree";
	if (!prev && k->prev != (const struct cte *)((uintptr_t)p | TAG))
		return "a first child does not point back to its parent";
	if (prev && k->prev != prev)
		return "a sibling's back link is wrong";
	if (k->next && k->next->prev != k)
		return "a sibling's forward link is wrong";
	if (cap_type(&p->cap) != TALLY_OBJ_UNTYPED)
		return cap_same_object(&p->cap, c) && !cap_is_original(c) ?
			       NULL : "a copy names another object than its parent";
	if (!cap_is_original(c))
		return "a child of an untyped is not an original";
	if (object_start(c) < object_start(&p->cap) ||
	    object_start(c) + object_bytes(c) > object_start(&p->cap) + cap_word2(&p->cap))
		return "an object lies outside its untyped's used part";
	/* children are newest first, and each new object lies above the last */
	if (object_start(c) + object_bytes(c) > *lowest_start)
		return "two objects of one untyped overlap";
	*lowest_start = object_start(c);
	return NULL;
}

static const char *
check_children(const struct cte *p)
{
	uint64_t lowest = UINT64_MAX;
	const struct cte *k, *prev = NULL;
	const char *why;

	for (k = p->first_child; k; prev = k, k = k->next)
		if ((why = check_child(p, k, prev, &lowest)))
			return why;
	return NULL;
}

static const char *
check_untyped(const struct cte *x, struct walk *w)
{
	const struct cap *c = &x->cap;
	uint64_t size = 1ul << cap_size_bits(c), used = 0;
	const struct cte *k;

	if (cap_word2(c) > size || (x->first_child && cap_word3(c) < cap_word2(c)))
		return "an untyped's watermark is past its end or its clean mark";
	for (k = x->first_child; k; k = k->next)
		used += object_bytes(&k->cap);
	if (!x->prev) {
		w->st->untyped_bytes += size;
		w->st->untyped_free += size - used;
	}
	return NULL;
}

/* Count the occupied slots of a CNode, once per CNode (at its original or zombie). */
static const char *
check_cnode(const struct cte *x, struct walk *w)
{
	const struct cte *slots = cap_object(&x->cap);
	uint64_t n = 1ul << cap_size_bits(&x->cap), i;
	bool zombie = cap_type(&x->cap) == TALLY_OBJ_ZOMBIE;

	if (zombie && x != &slots[0])
		return "a zombie is not in its own CNode's slot 0";
	if (!zombie && !cte_empty(&slots[0]))
		return "slot 0 of a live CNode is occupied";
	for (i = 0; i < n; i++)
		w->slots_in_cnodes += !cte_empty(&slots[i]);
	w->st->zombies += zombie;
	return NULL;
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
		why = check_untyped(x, w);
	if (!why && (t == TALLY_OBJ_CNODE || t == TALLY_OBJ_ZOMBIE) && cap_is_original(&x->cap))
		why = check_cnode(x, w);
	return why;
}

static const char *
check_tree(const struct cte *root, struct walk *w)
{
	const struct cte *x = root;
	const char *why;

	if (root->prev || root->next || !cap_is_original(&root->cap))
		return "a registered root is not a lone original";
	for (;;) {
		if ((why = check_node(x, w)))
			return why;
		if (x->first_child) {
			x = x->first_child;
			continue;
		}
		while (x != root && !x->next) {
			while (!((uintptr_t)x->prev & TAG))
				x = x->prev;
			x = (const struct cte *)((uintptr_t)x->prev & ~TAG);
		}
		if (x == root)
			return NULL;
		x = x->next;
	}
}

const char *
cap_check(bool (*outside_ok)(const struct cte *s), struct cap_check_stats *st)
{
	struct walk w = { .st = st, .outside_ok = outside_ok };
	const char *why;
	unsigned i;

	*st = (struct cap_check_stats){ 0 };
	for (i = 0; i < CDT_ROOTS_MAX; i++)
		if (cdt_roots[i] && (why = check_tree(cdt_roots[i], &w)))
			return why;
	if (st->caps != w.slots_in_cnodes + w.outside)
		return "capability slots and derivation trees disagree";
	return NULL;
}
