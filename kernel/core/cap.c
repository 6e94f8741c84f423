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
 * reserved slot 0, becomes a ZOMBIE (keeping its place in the tree, so its
 * Untyped cannot be reused), and joins the zombie list. cap_drain then empties
 * zombies one slot at a time, newest first; a zombie with no capabilities
 * left is unlinked and its memory is free. Because every dying CNode holds
 * its own zombie, cycles of CNodes holding each other need no special case.
 */
#include <kernel/cap.h>
#include <kernel/cap_check.h>
#include <kernel/panic.h>
#include <kernel/object.h>
#include <kernel/sched.h>
#include <string.h>

#define PARENT_TAG 1ul
#define DRAIN_SCAN_BATCH 512  /* empty slots scanned between preemption checks */

static struct cte *zombie_head;   /* newest zombie; linked by word 3 / reserved */

/*
 * Roots of the derivation tree (boot capabilities), so the checker can find
 * every tree. Few and made only at boot; a moved root updates its entry.
 */
struct cte *cdt_roots[CDT_ROOTS_MAX];

static void
cdt_root_replace(struct cte *old, struct cte *new)
{
	unsigned i;

	for (i = 0; i < CDT_ROOTS_MAX; i++) {
		if (cdt_roots[i] == old) {
			cdt_roots[i] = new;
			return;
		}
	}
	assert(!old);   /* only a new root may find no entry, and then no room */
	panic("cdt: more than %u root capabilities", CDT_ROOTS_MAX);
}

static bool
cte_first_child(const struct cte *s)
{
	return (uintptr_t)s->prev & PARENT_TAG;
}

static struct cte *
cte_tag_parent(const struct cte *p)
{
	return (struct cte *)((uintptr_t)p | PARENT_TAG);
}

static struct cte *
cte_untag(const struct cte *p)
{
	return (struct cte *)((uintptr_t)p & ~PARENT_TAG);
}

struct cte *
cdt_parent(const struct cte *s)
{
	while (s->prev && !cte_first_child(s))
		s = s->prev;
	return s->prev ? cte_untag(s->prev) : NULL;
}

void
cdt_insert(struct cte *parent, struct cte *dst, struct cap cap)
{
	dst->cap = cap;
	dst->first_child = NULL;
	dst->reserved = 0;
	if (!parent) {
		dst->prev = dst->next = NULL;
		cdt_root_replace(NULL, dst);
		return;
	}
	dst->next = parent->first_child;
	if (dst->next)
		dst->next->prev = dst;
	dst->prev = cte_tag_parent(parent);
	parent->first_child = dst;
}

void
cdt_move(struct cte *src, struct cte *dst)
{
	*dst = *src;
	if (src->prev && cte_first_child(src))
		cte_untag(src->prev)->first_child = dst;
	else if (src->prev)
		src->prev->next = dst;
	if (src->next)
		src->next->prev = dst;
	if (src->first_child)
		src->first_child->prev = cte_tag_parent(dst);
	if (!src->prev)
		cdt_root_replace(src, dst);
	memset(src, 0, sizeof(*src));
}

/* Take leaf s out of the tree and empty it. */
static void
cdt_unlink_leaf(struct cte *s)
{
	if (s->prev && cte_first_child(s))
		cte_untag(s->prev)->first_child = s->next;
	else if (s->prev)
		s->prev->next = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (!s->prev)
		cdt_root_replace(s, NULL);
	memset(s, 0, sizeof(*s));
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
		return false;
	default:
		return true;
	}
}

bool
cap_same_object(const struct cap *a, const struct cap *b)
{
	return cap_type(a) == cap_type(b) && cap_object(a) == cap_object(b);
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
	z->reserved = 0;
	if (zombie_head)
		zombie_head->reserved = (uint64_t)(uintptr_t)z;
	zombie_head = z;
}

static void
zombie_remove(struct cte *z)
{
	struct cte *prev = (struct cte *)(uintptr_t)z->reserved, *next = zombie_next(z);

	if (prev)
		zombie_set_next(prev, next);
	else
		zombie_head = next;
	if (next)
		next->reserved = (uint64_t)(uintptr_t)prev;
}

/* Turn the last capability s to a CNode into a zombie in the CNode's slot 0. */
static void
zombie_make(struct cte *s)
{
	struct cte *slots = cap_object(&s->cap);
	unsigned radix = cap_size_bits(&s->cap);
	struct cte *z = &slots[0];

	cdt_move(s, z);
	z->cap = cap_make(TALLY_OBJ_ZOMBIE, 0, CAP_ORIGINAL, radix, 0, slots,
			  (1ul << radix) - 1, 0);
	zombie_push(z);
}

/*
 * Delete leaf s. A last capability to a CNode becomes a zombie; a last
 * capability to anything else destroys the object now. Zombies are not
 * handled here (cap_drain finishes them).
 */
static void
cap_delete_leaf(struct cte *s)
{
	struct cap c = s->cap;

	if (cap_is_original(&c) && cap_type(&c) == TALLY_OBJ_CNODE) {
		zombie_make(s);
		return;
	}
	cdt_unlink_leaf(s);
	if (cap_is_original(&c))
		object_destroy(&c);
}

static struct cte *
cdt_leftmost_leaf(struct cte *x)
{
	while (x->first_child)
		x = x->first_child;
	return x;
}

/*
 * One step of clearing zombie z: delete one leaf under its highest occupied
 * slot, or finish z when no slot is occupied. A zombie met on the way goes
 * to the head of the list, to be finished first.
 */
static void
zombie_step(struct cte *z)
{
	struct cte *slots = cap_object(&z->cap), *leaf;
	uint64_t i = cap_word2(&z->cap);
	unsigned scanned = 0;

	while (i > 0 && cte_empty(&slots[i]) && scanned++ < DRAIN_SCAN_BATCH)
		i--;
	cap_set_word2(&z->cap, i);
	if (i > 0 && cte_empty(&slots[i]))
		return;                              /* scan batch used up */
	if (i == 0) {
		struct cap c = z->cap;

		zombie_remove(z);
		cdt_unlink_leaf(z);
		object_destroy(&c);
		return;
	}
	leaf = cdt_leftmost_leaf(&slots[i]);
	if (cap_type(&leaf->cap) == TALLY_OBJ_ZOMBIE) {
		zombie_remove(leaf);
		zombie_push(leaf);
		return;
	}
	cap_delete_leaf(leaf);
}

/* Finish every zombie, newest first. */
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

enum cap_progress
cap_revoke(struct cte *s)
{
	struct cte *x = s->first_child;

	while (x) {
		struct cte *leaf = cdt_leftmost_leaf(x);
		struct cte *parent = cte_untag(leaf->prev);  /* leaf is a first child */

		if (cap_type(&leaf->cap) == TALLY_OBJ_ZOMBIE) {
			/* its CNode must be emptied before its untyped can go */
			zombie_remove(leaf);
			zombie_push(leaf);
			if (cap_drain() == CAP_PREEMPTED)
				return CAP_PREEMPTED;
			x = s->first_child;
			continue;
		}
		cap_delete_leaf(leaf);
		if (sched_preempt_point())
			return CAP_PREEMPTED;
		x = parent == s ? s->first_child : parent;
	}
	return cap_drain();
}

enum cap_progress
cap_delete(struct cte *s)
{
	if (cap_revoke(s) == CAP_PREEMPTED)
		return CAP_PREEMPTED;
	if (cte_empty(s))
		return CAP_DONE;
	cap_delete_leaf(s);
	return cap_drain();
}
