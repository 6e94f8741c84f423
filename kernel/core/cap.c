/*
 * Operations common to all capabilities: the derivation tree, delete and
 * revoke, and the destruction of CNodes through zombies.
 *
 * Delete and revoke do bounded work between preemption points and keep all
 * their progress in the tree itself, so a preempted call is simply issued
 * again (the arch layer restarts the system call) and goes on where it
 * stopped.
 *
 * Zombies. When the last capability to a CNode goes, its slots may still
 * hold capabilities, and deleting those may destroy further CNodes. Instead
 * of recursing, the dying CNode's capability moves into the CNode's own
 * reserved slot 0, becomes a ZOMBIE (keeping its place in the tree, so the
 * memory under it cannot be reused), and joins the zombie list. A zombie is
 * emptied one slot per step, from the top; a zombie with nothing left leaves
 * the tree and its memory is free. Deleting one capability never waits for
 * anything (its children simply take its place), so every step makes
 * progress, whatever the CNodes hold, themselves and each other included.
 */
#include <kernel/cap.h>
#include <kernel/object.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <string.h>

#define DRAIN_SCAN_BATCH 512  /* empty slots scanned between preemption checks */

struct cte cdt_sentinel;
static struct cte *zombie_head;   /* newest zombie; linked by word 3 / last_child */

struct cte *
cdt_parent(const struct cte *s)
{
	while (!cte_is_tag(s->next))
		s = s->next;
	return cte_untag(s->next);
}

void
cdt_insert(struct cte *parent, struct cte *dst, struct cap cap)
{
	struct cte *old;

	if (!parent)
		parent = &cdt_sentinel;
	old = parent->first_child;
	dst->cap = cap;
	dst->first_child = dst->last_child = NULL;
	dst->prev = cte_tag(parent);
	if (old) {
		dst->next = old;
		old->prev = dst;
	} else {
		dst->next = cte_tag(parent);
		parent->last_child = dst;
	}
	parent->first_child = dst;
}

/*
 * Put the run of siblings first..last where x is in its sibling list (first
 * NULL: just take x out). x's own links are left as they were.
 */
static void
cdt_splice(struct cte *x, struct cte *first, struct cte *last)
{
	struct cte *prev = x->prev, *next = x->next;

	if (cte_is_tag(prev))
		cte_untag(prev)->first_child = first ? first : cte_is_tag(next) ? NULL : next;
	else
		prev->next = first ? first : next;
	if (cte_is_tag(next))
		cte_untag(next)->last_child = first ? last : cte_is_tag(prev) ? NULL : prev;
	else
		next->prev = first ? last : prev;
	if (first) {
		first->prev = prev;
		last->next = next;
	}
	/* (last is read only with first: a zombie's last_child is a list link) */
}

void
cdt_move(struct cte *src, struct cte *dst)
{
	*dst = *src;
	cdt_splice(src, dst, dst);
	if (dst->first_child) {
		dst->first_child->prev = cte_tag(dst);
		dst->last_child->next = cte_tag(dst);
	}
	memset(src, 0, sizeof(*src));
	object_cap_moved(dst);
}

bool
cap_copyable(const struct cap *c)
{
	switch (cap_type(c)) {
	case TALLY_OBJ_NULL:
	case TALLY_OBJ_UNTYPED:
	case TALLY_OBJ_ZOMBIE:
	case TALLY_OBJ_IRQ_CONTROL:
	case TALLY_OBJ_IOPORT_CONTROL:
	case TALLY_OBJ_SCHED_CONTROL:
	case TALLY_OBJ_REPLY:        /* send-once: it cannot be copied */
	case TALLY_OBJ_PDPT:         /* a table is mapped through its one capability */
	case TALLY_OBJ_PD:
	case TALLY_OBJ_PT:
		return false;
	default:
		return true;
	}
}

struct cap
cap_derive(const struct cap *src)
{
	struct cap c = object_derive(src);

	c.w[0] &= ~CAP_ORIGINAL;
	cap_set_word3(&c, 0);
	cap_set_generation(&c, cap_generation(src) + 1);
	return c;
}

bool
cap_same_object(const struct cap *a, const struct cap *b)
{
	/* an Untyped and its first Untyped child share an address, not a size */
	return cap_type(a) == cap_type(b) && cap_object(a) == cap_object(b) &&
	       cap_size_bits(a) == cap_size_bits(b);
}

/*
 * Is s the last capability to its object? Capabilities to one object form
 * one run of siblings and the subtrees below it (copies are children; a
 * deleted one's children take its place), so only the neighbours can tell.
 */
static bool
cap_is_last(const struct cte *s)
{
	const struct cap *c = &s->cap;

	if (s->first_child && cap_same_object(&s->first_child->cap, c))
		return false;
	if (cte_untag(s->prev) != &cdt_sentinel && cap_same_object(&cte_untag(s->prev)->cap, c))
		return false;   /* the previous sibling, or the parent */
	return cte_is_tag(s->next) || !cap_same_object(&s->next->cap, c);
}

bool
cap_zombies_pending(void)
{
	return zombie_head != NULL;
}

/* ---- the zombie list ---- */

static struct cte *
zombie_next(const struct cte *z)
{
	return (struct cte *)(uintptr_t)cap_word3(&z->cap);
}

static void
zombie_set_next(struct cte *z, struct cte *next)
{
	cap_set_word3(&z->cap, (uint64_t)(uintptr_t)next);
}

static void
zombie_push(struct cte *z)
{
	zombie_set_next(z, zombie_head);
	z->last_child = NULL;
	if (zombie_head)
		zombie_head->last_child = z;
	zombie_head = z;
}

static void
zombie_remove(struct cte *z)
{
	struct cte *prev = z->last_child, *next = zombie_next(z);

	if (prev)
		zombie_set_next(prev, next);
	else
		zombie_head = next;
	if (next)
		next->last_child = prev;
}

const struct cte *
cap_zombie_first(void)
{
	return zombie_head;
}

const struct cte *
cap_zombie_after(const struct cte *z)
{
	return zombie_next(z);
}

/*
 * Turn the last capability s to an object into a zombie in the object's own
 * first slot (a CNode's slot 0, an endpoint's or notification's slot).
 */
static void
zombie_make(struct cte *s)
{
	enum tally_obj_type type = cap_type(&s->cap);
	struct cte *z = cap_object(&s->cap);
	unsigned radix = type == TALLY_OBJ_CNODE ? cap_size_bits(&s->cap) : 0;

	assert(!s->first_child);
	cdt_move(s, z);
	z->cap = cap_make(TALLY_OBJ_ZOMBIE, 0, CAP_ORIGINAL, radix, type, z,
			  (1ul << radix) - 1, 0);
	zombie_push(z);
}

/*
 * Delete the capability in s: its children take its place under its parent.
 * The last capability to a CNode becomes a zombie; the last capability to
 * anything else destroys the object now.
 */
static void
cap_delete_one(struct cte *s)
{
	struct cap c;
	bool last = cap_is_last(s);

	object_cap_removed(s);
	c = s->cap;
	if (last && object_needs_zombie(&c)) {
		zombie_make(s);
		return;
	}
	cdt_splice(s, s->first_child, s->last_child);
	memset(s, 0, sizeof(*s));
	if (last)
		object_destroy(&c);
}

/*
 * Move zombie z to the head of the list: it must be finished before the one
 * that met it can go on.
 */
static void
zombie_promote(struct cte *z)
{
	zombie_remove(z);
	zombie_push(z);
}

static struct cte *
cdt_leftmost_leaf(struct cte *x)
{
	while (x->first_child)
		x = x->first_child;
	return x;
}

/*
 * One step of clearing slot s of a dying CNode. Capabilities go one at a
 * time, their children taking their place; but an Untyped takes the objects
 * made from it along (whoever held the CNode held that memory), leaves
 * first. A zombie met there is finished first. Untypeds never move between
 * CNodes (cnode.c), so such waiting never closes a circle.
 */
static void
zombie_clear_slot(struct cte *s)
{
	struct cte *leaf;

	if (cap_type(&s->cap) != TALLY_OBJ_UNTYPED || !s->first_child) {
		cap_delete_one(s);
		return;
	}
	leaf = cdt_leftmost_leaf(s);
	if (cap_type(&leaf->cap) == TALLY_OBJ_ZOMBIE)
		zombie_promote(leaf);
	else
		cap_delete_one(leaf);
}

/*
 * One step of emptying zombie z: clear its highest occupied slot. Returns
 * true when z had nothing left and is gone.
 */
static bool
zombie_step(struct cte *z)
{
	struct cte *slots = cap_object(&z->cap);
	uint64_t i = cap_word2(&z->cap);
	unsigned scanned = 0;
	enum tally_obj_type type = zombie_type(&z->cap);
	struct cap c;

	if (type != TALLY_OBJ_CNODE) {
		if (!object_zombie_step(type, z))
			return false;
		i = 0;
	}
	while (i > 0 && cte_empty(&slots[i]) && scanned++ < DRAIN_SCAN_BATCH)
		i--;
	cap_set_word2(&z->cap, i);
	if (i > 0 && cte_empty(&slots[i]))
		return false;                        /* scan batch used up */
	if (i > 0) {
		zombie_clear_slot(&slots[i]);
		return false;
	}
	c = cap_make(type, 0, 0, cap_size_bits(&z->cap), 0, z, 0, 0);
	zombie_remove(z);
	cdt_splice(z, NULL, NULL);
	memset(z, 0, sizeof(*z));
	object_destroy(&c);
	return true;
}

enum cap_progress
cap_drain(void)
{
	while (zombie_head) {
		zombie_step(zombie_head);
		if (sched_preempt_point())
			return CAP_PREEMPTED;
	}
	return CAP_DONE;
}

/* Finish zombie z, and first whatever it waits for. */
static enum cap_progress
zombie_finish(struct cte *z)
{
	zombie_promote(z);
	while (cap_type(&z->cap) == TALLY_OBJ_ZOMBIE) {
		zombie_step(zombie_head);
		if (sched_preempt_point())
			return CAP_PREEMPTED;
	}
	return CAP_DONE;
}

enum cap_progress
cap_revoke(struct cte *s)
{
	struct cte *x = s->first_child;

	while (x) {
		struct cte *leaf = cdt_leftmost_leaf(x);
		/* the walk follows first children, whose prev is their parent */
		struct cte *parent = cte_is_tag(leaf->prev) ? cte_untag(leaf->prev) :
				     cdt_parent(leaf);

		if (cap_type(&leaf->cap) == TALLY_OBJ_ZOMBIE) {
			/* finishing it may delete anything: start again from s */
			if (zombie_finish(leaf) == CAP_PREEMPTED)
				return CAP_PREEMPTED;
			x = s->first_child;
			continue;
		}
		cap_delete_one(leaf);
		if (sched_preempt_point())
			return CAP_PREEMPTED;
		x = parent == s ? s->first_child : parent;
	}
	return cap_drain() == CAP_DONE ? CAP_DONE : CAP_PREEMPTED_DRAIN;
}

void
cap_delete_bounded(struct cte *s)
{
	if (!cte_empty(s))
		cap_delete_one(s);
}

enum cap_progress
cap_delete(struct cte *s)
{
	if (!cte_empty(s))
		cap_delete_one(s);
	return cap_drain() == CAP_DONE ? CAP_DONE : CAP_PREEMPTED_DRAIN;
}
