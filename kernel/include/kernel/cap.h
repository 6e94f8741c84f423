/*
 * Capabilities, capability slots and the derivation tree.
 *
 * A slot (struct cte, "capability table entry") is 64 bytes: the capability
 * (four words, whose bit layout is declared only here, with accessors) and
 * its links in the derivation tree. Every copy or mint is a child of its
 * source; every object made by retype is a child of its Untyped; boot
 * capabilities are children of a kernel sentinel, the root of everything.
 *
 * The tree is kept as doubly linked sibling lists with first and last child.
 * The ends of a sibling list point back to the parent: a first child's
 * `prev` and a last child's `next` hold the parent, tagged with bit 0; the
 * others point to siblings. Inserting, unlinking, moving a slot and splicing
 * a deleted slot's children into its place are all O(1): no per-child
 * parent pointer is ever rewritten.
 *
 * Deleting a capability does not delete what was derived from it: its
 * children take its place under its parent (revoke is what deletes
 * descendants). All capabilities to one object stay next to each other in
 * the tree, so "is this the last capability to its object?" is answered by
 * looking at its parent, first child and two siblings.
 */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include <kernel/compiler.h>
#include <tally/cap.h>
#include <tally/error.h>

/*
 * Word 0: type (bits 0-7), rights (8-11), original (12), device (13),
 *         size_bits (16-23: Untyped bytes, CNode radix), guard_bits (24-31).
 * Word 1: the object's kernel address (NULL for IRQ and I/O control).
 * Word 2: badge (endpoint, notification), guard (CNode), watermark (Untyped:
 *         bytes from the start that may hold objects or their leftovers; all
 *         RAM above it is zero), slots left to clear (zombie), the mapping
 *         as TALLY_CNODE_INSPECT reports it (frame, PDPT, PD, PT: 0 when
 *         unmapped, else TALLY_MAPPED | the rights of the mapping).
 * Word 3: next zombie (zombies); the kernel address of the page-table entry
 *         that maps it, 0 when unmapped (frame, PDPT, PD, PT; vspace.c).
 * A zombie keeps its object's type in the guard_bits field and, for a CNode,
 * the radix in size_bits.
 * Word 0 bits 32-39 hold the copy generation: 0 for an original, one more
 * than its source for a copy. Generations, and Untyped children that are
 * strictly smaller than their parent, bound the depth of the tree, and so
 * the work between two preemption points of revoke.
 */
struct cap {
	uint64_t w[4];
};

struct cte {
	struct cap cap;
	struct cte *prev;         /* previous sibling, or parent | 1, or NULL (root) */
	struct cte *next;         /* next sibling */
	struct cte *first_child;
	struct cte *last_child;   /* zombies (which have no children): previous zombie */
};

_Static_assert(sizeof(struct cte) == 1ul << TALLY_CNODE_SLOT_BITS, "64-byte slots");

#define CAP_ORIGINAL (1ul << 12)
#define CAP_DEVICE   (1ul << 13)

static inline enum tally_obj_type
cap_type(const struct cap *c)
{
	return (enum tally_obj_type)(c->w[0] & 0xff);
}

static inline unsigned
cap_rights(const struct cap *c)
{
	return (unsigned)((c->w[0] >> 8) & TALLY_RIGHTS_ALL);
}

static inline bool
cap_is_original(const struct cap *c)
{
	return c->w[0] & CAP_ORIGINAL;
}

static inline bool
cap_is_device(const struct cap *c)
{
	return c->w[0] & CAP_DEVICE;
}

static inline unsigned
cap_size_bits(const struct cap *c)
{
	return (unsigned)((c->w[0] >> 16) & 0xff);
}

static inline unsigned
cap_guard_bits(const struct cap *c)
{
	return (unsigned)((c->w[0] >> 24) & 0xff);
}

static inline unsigned
cap_generation(const struct cap *c)
{
	return (unsigned)((c->w[0] >> 32) & 0xff);
}

static inline void
cap_set_generation(struct cap *c, unsigned g)
{
	c->w[0] = (c->w[0] & ~(0xfful << 32)) | ((uint64_t)(g & 0xff) << 32);
}

static inline void *
cap_object(const struct cap *c)
{
	return (void *)(uintptr_t)c->w[1];
}

/* Badge, CNode guard, Untyped watermark or zombie progress: one word. */
static inline uint64_t
cap_word2(const struct cap *c)
{
	return c->w[2];
}

static inline uint64_t
cap_word3(const struct cap *c)
{
	return c->w[3];
}

/* Build a capability; flags are CAP_ORIGINAL and CAP_DEVICE. */
static inline struct cap
cap_make(enum tally_obj_type type, unsigned rights, uint64_t flags, unsigned size_bits,
	 unsigned guard_bits, void *object, uint64_t word2, uint64_t word3)
{
	struct cap c;

	c.w[0] = (uint64_t)type | ((uint64_t)(rights & TALLY_RIGHTS_ALL) << 8) | flags |
		 ((uint64_t)size_bits << 16) | ((uint64_t)guard_bits << 24);
	c.w[1] = (uint64_t)(uintptr_t)object;
	c.w[2] = word2;
	c.w[3] = word3;
	return c;
}

static inline void
cap_set_word2(struct cap *c, uint64_t v)
{
	c->w[2] = v;
}

static inline void
cap_set_word3(struct cap *c, uint64_t v)
{
	c->w[3] = v;
}

/* A frame's or table's mapping: its page-table entry, or NULL when unmapped. */
static inline uint64_t *
cap_mapped_entry(const struct cap *c)
{
	return (uint64_t *)(uintptr_t)c->w[3];
}

/* What inspect reports of a mapping: TALLY_MAPPED | rights, 0 when unmapped. */
static inline uint64_t
cap_mapping(const struct cap *c)
{
	return c->w[2];
}

/* Record that c is mapped by `entry` with `mapping` (NULL, 0: unmapped). */
static inline void
cap_set_mapped(struct cap *c, uint64_t *entry, uint64_t mapping)
{
	c->w[2] = mapping;
	c->w[3] = (uint64_t)(uintptr_t)entry;
}

/* The tagged links at the ends of sibling lists (see above). */
static inline bool
cte_is_tag(const struct cte *p)
{
	return (uintptr_t)p & 1;
}

static inline struct cte *
cte_tag(const struct cte *p)
{
	return (struct cte *)((uintptr_t)p | 1);
}

static inline struct cte *
cte_untag(const struct cte *p)
{
	return (struct cte *)((uintptr_t)p & ~(uintptr_t)1);
}

/* MINT's guard data for a CNode capability: guard_bits | guard << 6. */
static inline uint64_t
cnode_guard_data(unsigned guard_bits, uint64_t guard)
{
	return guard_bits | guard << 6;
}

static inline unsigned
cnode_guard_data_bits(uint64_t data)
{
	return (unsigned)(data & 0x3f);
}

static inline uint64_t
cnode_guard_data_guard(uint64_t data)
{
	return data >> 6;
}

/* The type of the object a zombie is destroying (kept in the guard_bits field). */
static inline enum tally_obj_type
zombie_type(const struct cap *c)
{
	return (enum tally_obj_type)cap_guard_bits(c);
}

static inline bool
cte_empty(const struct cte *s)
{
	return cap_type(&s->cap) == TALLY_OBJ_NULL;
}

/* ---- derivation tree (cap.c) ---- */

/* The parent of s (the sentinel for boot capabilities). O(later siblings). */
struct cte *cdt_parent(const struct cte *s);

/* Put `cap` into empty slot `dst` as the newest child of `parent` (or of
 * the sentinel, for boot capabilities, when parent is NULL). */
void cdt_insert(struct cte *parent, struct cte *dst, struct cap cap);

/* The sentinel at the root of every derivation tree (its cap is NULL). */
extern struct cte cdt_sentinel;

/* Move the capability and its place in the tree from src to empty dst. */
void cdt_move(struct cte *src, struct cte *dst);

/* ---- delete and revoke (cap.c) ---- */

enum cap_progress {
	CAP_DONE,            /* finished */
	CAP_PREEMPTED,       /* stopped at a preemption point; the call is restarted */
	CAP_PREEMPTED_DRAIN, /* the slot's work is done; only zombies are left */
};

/* Delete everything derived from s (s stays), then finish pending destruction. */
enum cap_progress cap_revoke(struct cte *s);

/*
 * Delete s; its children take its place. The last capability to an object
 * destroys it. An empty s is fine. Then finish pending destruction.
 */
enum cap_progress cap_delete(struct cte *s);

/*
 * Delete s without finishing pending destruction: bounded work, for a
 * dying object's own slots (a thread's). Zombies it makes are left to drain.
 */
void cap_delete_bounded(struct cte *s);

/* True while destroyed objects still wait for their slots to be cleared. */
bool cap_zombies_pending(void);

/*
 * Go on emptying zombies. Delete and revoke call it before they return; the
 * idle loop calls it too, so a zombie whose deleter never came back is
 * still finished.
 */
enum cap_progress cap_drain(void);

/* The zombie list (oldest last), for tests that inspect it. */
const struct cte *cap_zombie_first(void);
const struct cte *cap_zombie_after(const struct cte *z);

/* May `c` be copied (untyped, zombie and control capabilities may not)? */
bool cap_copyable(const struct cap *c);

/*
 * A copy of src, one generation on, as a child would hold it (not original;
 * a frame's copy unmapped). The caller checks cap_copyable and the
 * generation limit first.
 */
struct cap cap_derive(const struct cap *src);

/* Do a and b name the same object? */
bool cap_same_object(const struct cap *a, const struct cap *b);

#endif
