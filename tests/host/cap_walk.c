/*
 * The steps of the capability tests' random walk (cap_walk.h): each picks
 * where to aim, mostly at slots that make the call succeed, issues its call
 * and, unless another thread ran inside it, checks its own effect.
 */
#include "cap_walk.h"
#include <string.h>

const char *const op_names[OP_COUNT] = {
	"retype", "copy", "mint", "move", "delete", "revoke", "inspect", "window", "destroy",
	"junk",
};

/* A number below n (0 when n is 0) from the walk's generator. */
unsigned long
rnd(struct walk *wk, unsigned long n)
{
	return n ? test_rand(&wk->rng) % n : 0;
}

/* The cptr of slot n of window w (root slot n when w is SLOT_SELF), at depth 64. */
uint64_t
waddr(unsigned long w, uint64_t n)
{
	return (uint64_t)w << 52 | n;
}

/* What (cptr, depth) names, as the kernel would resolve it; NULL if nothing. */
static struct cte *
peek(uint64_t cptr, uint64_t depth)
{
	struct tally_error_detail d = { 0 };

	return cspace_lookup(self, cptr, (unsigned)MIN(depth, 65ul), &d, NULL);
}

/* The rights of the CNode through which cptr (depth 64) is reached; 0 if none. */
static unsigned
peek_container_rights(uint64_t cptr)
{
	struct tally_error_detail d = { 0 };
	unsigned rights = 0;

	return cspace_lookup(self, cptr, 64, &d, &rights) ? rights : 0;
}

static struct cte *
peek_full(uint64_t cptr)
{
	struct cte *s = peek(cptr, 64);

	return s && !cte_empty(s) ? s : NULL;
}

/* The radix of window w's CNode, or -1 when root slot w is no usable window. */
static int
window_radix(unsigned long w)
{
	const struct cap *c = &root[w].cap;

	if (cap_type(c) != TALLY_OBJ_CNODE ||
	    cap_guard_bits(c) + cap_size_bits(c) != 52 || cap_word2(c))
		return -1;
	return (int)cap_size_bits(c);
}

/* A slot address: mostly good ones in the walk's part of the root or in windows. */
static uint64_t
walk_addr(struct walk *wk)
{
	unsigned long r = rnd(wk, 100), w = WIN_FIRST + rnd(wk, WIN_COUNT);
	int radix = window_radix(w);

	if (r < 2)
		return test_rand(&wk->rng);
	if (r < 45 || radix < 0) {
		if (r < 12)
			return waddr(SLOT_SELF, 1 + rnd(wk, WALK_FIRST - 1));
		if (r < 14)
			return waddr(SLOT_SELF, rnd(wk, ROOT_SLOTS + 8));
		return waddr(SLOT_SELF, WALK_FIRST + rnd(wk, WALK_SLOTS));
	}
	if (r < 48)
		return waddr(w, rnd(wk, (1ul << radix) + 2));
	return waddr(w, 1 + rnd(wk, (1ul << radix) - 1));
}

/* A slot address, preferring one that holds a capability (of `type`, if not NULL). */
static uint64_t
walk_source(struct walk *wk, enum tally_obj_type type)
{
	uint64_t a = 0;
	unsigned tries;

	for (tries = 0; tries < 12; tries++) {
		struct cte *s;

		a = walk_addr(wk);
		s = peek_full(a);
		if (s && (type == TALLY_OBJ_NULL || cap_type(&s->cap) == type))
			break;
	}
	return a;
}

/* A CNode to invoke (its cptr and slots) and an index in it, preferring empty slots. */
struct walk_dest {
	uint64_t cnode;
	struct cte *slots;     /* NULL when the cptr is no CNode */
	unsigned radix;
	uint64_t index;
};

static struct walk_dest
walk_dest(struct walk *wk, bool want_empty)
{
	struct walk_dest d = { 0 };
	unsigned long r = rnd(wk, 100), w = WIN_FIRST + rnd(wk, WIN_COUNT);
	struct cte *cn;
	unsigned tries;

	if (r < 40 || window_radix(w) < 0)
		d.cnode = waddr(SLOT_SELF, SLOT_SELF);
	else if (r < 88)
		d.cnode = waddr(SLOT_SELF, w);
	else
		d.cnode = walk_source(wk, TALLY_OBJ_CNODE);
	cn = peek_full(d.cnode);
	if (cn && cap_type(&cn->cap) == TALLY_OBJ_CNODE) {
		d.slots = cap_object(&cn->cap);
		d.radix = cap_size_bits(&cn->cap);
	}
	for (tries = 0; tries < 8; tries++) {
		unsigned long q = rnd(wk, 100);

		if (!d.slots || q < 4)
			d.index = rnd(wk, 2) ? rnd(wk, ROOT_SLOTS + 2) : test_rand(&wk->rng);
		else if (d.slots == root && q < 90)
			d.index = WALK_FIRST + rnd(wk, WALK_SLOTS);
		else
			d.index = rnd(wk, (1ul << d.radix) + 1);
		if (!want_empty || !d.slots || d.index >= (1ul << d.radix) ||
		    cte_empty(&d.slots[d.index]))
			break;
	}
	return d;
}

static struct cte *
dest_slot(const struct walk_dest *d)
{
	if (!d->slots || d->index == 0 || d->index >= (1ul << d->radix))
		return NULL;
	return &d->slots[d->index];
}

/* Boot capabilities and windows: random steps leave them where they are. */
static bool
walk_protected(const struct cte *s)
{
	return s >= &root[1] && s < &root[WALK_FIRST];
}

/*
 * While the first thread's call is under way, the second thread leaves the
 * windows alone: a re-issued call resolves its cptrs again, and a window
 * pointed elsewhere would send it to another slot (that is how restarts
 * work, not a fault of the kernel).
 */
static bool
walk_repoints_window(const struct walk *wk, const struct walk_dest *d, uint64_t count)
{
	uint64_t i;

	if (!wk->in_interleave || !d->slots)
		return false;
	for (i = 0; i < count; i++) {
		uint64_t k = d->index + i;

		if (k >= 1ul << d->radix)
			break;
		if (walk_protected(&d->slots[k]))
			return true;
	}
	return false;
}

static bool
is_root_untyped(const struct cte *s)
{
	return s >= &root[SLOT_U0] && s < &root[SLOT_U0 + UNTYPEDS];
}

static const enum tally_obj_type walk_types[] = {
	TALLY_OBJ_UNTYPED, TALLY_OBJ_UNTYPED, TALLY_OBJ_UNTYPED, TALLY_OBJ_CNODE,
	TALLY_OBJ_CNODE, TALLY_OBJ_CNODE, TALLY_OBJ_CNODE, TALLY_OBJ_THREAD,
	TALLY_OBJ_ENDPOINT, TALLY_OBJ_ENDPOINT, TALLY_OBJ_NOTIFICATION, TALLY_OBJ_REPLY,
	TALLY_OBJ_SCHED_CONTEXT, TALLY_OBJ_FRAME_4K, TALLY_OBJ_FRAME_4K, TALLY_OBJ_FRAME_2M,
	TALLY_OBJ_PML4, TALLY_OBJ_PDPT, TALLY_OBJ_PD, TALLY_OBJ_PT,
};

static unsigned
obj_bits(const struct cap *c)
{
	enum tally_obj_type t = cap_type(c);

	return object_size_bits(t, t == TALLY_OBJ_UNTYPED || t == TALLY_OBJ_CNODE ?
					   cap_size_bits(c) : 0);
}

/*
 * The memory of a new object is zero (2 MiB frames: first and last 4 KiB),
 * but for what retype sets up: a thread's fields, and a PML4's kernel half
 * (the second quarter of the object; its user half and record are zero).
 */
static bool
object_is_zero(const struct cap *c)
{
	const unsigned char *p = cap_object(c);
	size_t n = 1ul << obj_bits(c);

	if (cap_type(c) == TALLY_OBJ_THREAD)
		return true;
	if (cap_type(c) == TALLY_OBJ_PML4)
		return all_bytes(p, n / 4, 0) && all_bytes(p + n / 2, n / 2, 0);
	if (n > (64ul << 10))
		return all_bytes(p, 4096, 0) && all_bytes(p + n - 4096, 4096, 0);
	return all_bytes(p, n, 0);
}

/*
 * Use a new object the way its owner would: dirty its memory. Only frames
 * are user memory; every other object holds kernel state.
 */
static void
object_dirty(const struct cap *c)
{
	unsigned char *p = cap_object(c);
	size_t n = 1ul << obj_bits(c);

	if ((cap_type(c) != TALLY_OBJ_FRAME_4K && cap_type(c) != TALLY_OBJ_FRAME_2M) ||
	    cap_is_device(c))
		return;
	if (n > (64ul << 10)) {
		memset(p, 0xd1, 4096);
		memset(p + n - 4096, 0xd1, 4096);
	} else {
		memset(p, 0xd1, n);
	}
}

static long
walk_retype(struct walk *wk)
{
	uint64_t ucptr = walk_source(wk, TALLY_OBJ_UNTYPED);
	struct cte *u = peek_full(ucptr);
	struct walk_dest d = walk_dest(wk, true);
	uint64_t type = walk_types[rnd(wk, ARRAY_SIZE(walk_types))], size = 0, count, i;
	long err;

	if ((!u || cap_type(&u->cap) != TALLY_OBJ_UNTYPED) && rnd(wk, 10) < 8) {
		ucptr = waddr(SLOT_SELF, SLOT_U0 + rnd(wk, UNTYPEDS));
		u = peek_full(ucptr);
	}

	if (rnd(wk, 100) < 3)
		type = (uint64_t[]){ 0, TALLY_OBJ_IRQ_CONTROL, TALLY_OBJ_ZOMBIE, 99 }[rnd(wk, 4)];
	if (type == TALLY_OBJ_UNTYPED)
		size = 12 + rnd(wk, 9);
	else if (type == TALLY_OBJ_CNODE)
		size = 2 + rnd(wk, rnd(wk, 8) ? 5 : 9);
	if (rnd(wk, 100) < 2)
		size = rnd(wk, 64);
	count = rnd(wk, 100);
	count = count < 75 ? 1 + rnd(wk, 2) : count < 96 ? 1 + rnd(wk, 24) : rnd(wk, 300);
	if (walk_repoints_window(wk, &d, count))
		return -1;
	err = retype(ucptr, type, size, d.cnode, d.index, count);
	if (err != TALLY_OK)
		return err;
	WALK_POST(wk, u && dest_slot(&d));
	for (i = 0; i < count; i++) {
		struct cte *s = &d.slots[d.index + i];

		WALK_POST(wk, cap_type(&s->cap) == type && cap_is_original(&s->cap));
		WALK_POST(wk, cdt_parent(s) == u);
		WALK_POST(wk, cap_is_device(&s->cap) == cap_is_device(&u->cap));
		/* (a new thread starts with its fields set; the rest start zero) */
		WALK_POST(wk, type == TALLY_OBJ_UNTYPED || type == TALLY_OBJ_THREAD ||
				cap_is_device(&s->cap) || object_is_zero(&s->cap));
		object_dirty(&s->cap);
	}
	return err;
}

/* A mint's badge: a guard for CNodes, a badge for endpoints and notifications. */
static uint64_t
walk_badge(struct walk *wk, const struct cte *src)
{
	if (src && cap_type(&src->cap) == TALLY_OBJ_CNODE && rnd(wk, 10) < 8) {
		unsigned max = MIN(64 - cap_size_bits(&src->cap), 58u), g = (unsigned)rnd(wk, max + 1);

		return (g ? test_rand(&wk->rng) & ((1ul << g) - 1) : 0) << 6 | g;
	}
	if (rnd(wk, 10) < 8)
		return 1 + rnd(wk, 1000);
	return rnd(wk, 2) ? 0 : test_rand(&wk->rng);
}

static uint64_t
walk_depth(struct walk *wk)
{
	static const uint64_t odd[] = { 0, 1, 12, 40, 52, 63, 65, 200 };

	return rnd(wk, 100) < 8 ? odd[rnd(wk, ARRAY_SIZE(odd))] : 64;
}

static long
walk_copy(struct walk *wk, bool is_mint)
{
	static const enum tally_obj_type mintable[] = {
		TALLY_OBJ_ENDPOINT, TALLY_OBJ_NOTIFICATION, TALLY_OBJ_CNODE, TALLY_OBJ_NULL,
	};
	struct walk_dest d = walk_dest(wk, true);
	uint64_t src = walk_source(wk, is_mint ? mintable[rnd(wk, 4)] : TALLY_OBJ_NULL);
	uint64_t depth = walk_depth(wk);
	uint64_t rights = rnd(wk, 10) < 7 ? TALLY_RIGHTS_ALL : rnd(wk, 16);
	struct cte *s = peek(src, depth), *dst;
	uint64_t badge = walk_badge(wk, s);
	long err;

	if (walk_repoints_window(wk, &d, 1))
		return -1;
	err = INV(d.cnode, is_mint ? TALLY_CNODE_MINT : TALLY_CNODE_COPY, d.index, src, depth,
		  rights, badge);
	if (err != TALLY_OK)
		return err;
	dst = dest_slot(&d);
	WALK_POST(wk, s && dst && !cte_empty(s) && !cte_empty(dst));
	WALK_POST(wk, cap_same_object(&dst->cap, &s->cap) && !cap_is_original(&dst->cap));
	WALK_POST(wk, cap_rights(&dst->cap) == (cap_rights(&s->cap) & rights));
	WALK_POST(wk, cdt_parent(dst) == s);
	if (!is_mint)
		WALK_POST(wk, cap_word2(&dst->cap) == cap_word2(&s->cap) &&
				cap_guard_bits(&dst->cap) == cap_guard_bits(&s->cap));
	else if (cap_type(&s->cap) == TALLY_OBJ_CNODE)
		WALK_POST(wk, cap_guard_bits(&dst->cap) == (badge & 0x3f) &&
				cap_word2(&dst->cap) == badge >> 6);
	else
		WALK_POST(wk, cap_word2(&dst->cap) == badge && badge && !cap_word2(&s->cap));
	return err;
}

static long
walk_move(struct walk *wk)
{
	struct walk_dest d = walk_dest(wk, true);
	uint64_t src = walk_source(wk, TALLY_OBJ_NULL), depth = rnd(wk, 20) ? 64 : walk_depth(wk);
	struct cte *s = peek(src, depth), *dst;
	struct cap c;
	long err;

	if ((s && walk_protected(s)) || walk_repoints_window(wk, &d, 1))
		return -1;
	c = s ? s->cap : (struct cap){ { 0 } };
	err = INV(d.cnode, TALLY_CNODE_MOVE, d.index, src, depth);
	if (err != TALLY_OK)
		return err;
	dst = dest_slot(&d);
	WALK_POST(wk, s && dst && cte_empty(s));
	WALK_POST(wk, memcmp(&dst->cap, &c, sizeof(c)) == 0);
	return err;
}

/* How many capabilities name the object c names (a walk of the whole tree). */
static unsigned long
caps_naming(const struct cap *c)
{
	const struct cte *root_cte = &cdt_sentinel, *x;
	unsigned long n = 0;

	for (x = root_cte->first_child; x;) {
		n += cap_same_object(&x->cap, c);
		if (x->first_child) {
			x = x->first_child;
			continue;
		}
		while (x != root_cte && ((uintptr_t)x->next & 1))
			x = (const struct cte *)((uintptr_t)x->next & ~1ul);
		x = x == root_cte ? NULL : x->next;
	}
	return n;
}

static bool
cnode_is_empty(const struct cap *c)
{
	const struct cte *slots = cap_object(c);
	uint64_t i;

	for (i = 0; i < 1ul << cap_size_bits(c); i++)
		if (!cte_empty(&slots[i]))
			return false;
	return true;
}

/*
 * Delete or revoke a slot. A delete removes exactly one capability, unless
 * it was the last one to a CNode: then the CNode is emptied.
 */
static long
walk_delete(struct walk *wk, bool is_revoke, const struct cap_check_stats *before)
{
	struct walk_dest d = walk_dest(wk, false);
	struct cte *s = dest_slot(&d);
	struct cap c = { { 0 } };
	unsigned long naming = 0;
	struct cap_check_stats st;
	long err;

	if (s && walk_protected(s) && !(is_revoke && is_root_untyped(s)))
		return -1;
	if (s && !is_revoke && !cte_empty(s)) {
		c = s->cap;
		naming = caps_naming(&c);
	}
	err = INV(d.cnode, is_revoke ? TALLY_CNODE_REVOKE : TALLY_CNODE_DELETE, d.index);
	if (err != TALLY_OK)
		return err;
	WALK_POST(wk, s && !s->first_child);
	if (is_revoke)
		return err;
	WALK_POST(wk, cte_empty(s));
	if (!naming)
		return err;
	WALK_POST(wk, caps_naming(&c) == naming - 1);
	st = checked();
	if (cap_type(&c) == TALLY_OBJ_CNODE && naming == 1) {
		WALK_POST(wk, cnode_is_empty(&c));
		wk->cnodes_destroyed++;
	} else {
		WALK_POST(wk, st.caps == before->caps - 1);
	}
	return err;
}

static long
walk_inspect(struct walk *wk)
{
	struct walk_dest d = walk_dest(wk, false);
	struct cte *s = dest_slot(&d);
	long err = inspect(d.cnode, d.index);

	if (err != TALLY_OK)
		return err;
	WALK_POST(wk, s);
	WALK_POST(wk, mr[0] == cap_type(&s->cap) && mr[1] == cap_rights(&s->cap));
	WALK_POST(wk, !!(mr[4] & TALLY_INSPECT_ORIGINAL) == cap_is_original(&s->cap));
	WALK_POST(wk, !!(mr[4] & TALLY_INSPECT_HAS_CHILDREN) == !!s->first_child);
	WALK_POST(wk, mr[3] == (cap_object(&s->cap) ? arch_kva_to_phys(cap_object(&s->cap)) : 0));
	return err;
}

/* Reopen a window onto some CNode the walk can reach. */
static long
walk_window(struct walk *wk)
{
	unsigned long w = WIN_FIRST + rnd(wk, WIN_COUNT);
	uint64_t src = walk_source(wk, TALLY_OBJ_CNODE);
	struct cte *s = peek_full(src);
	long err;

	if (!s || cap_type(&s->cap) != TALLY_OBJ_CNODE || walk_protected(s) || wk->in_interleave)
		return -1;
	if (!(peek_container_rights(src) & TALLY_RIGHT_READ))
		return -1;                      /* copying out of a CNode needs READ on it */
	err = delete(waddr(SLOT_SELF, SLOT_SELF), w);
	if (err == TALLY_ERR_REVOKE_FIRST)      /* the window slot holds an Untyped in use */
		return err;
	WALK_POST(wk, err == TALLY_OK);
	s = peek_full(src);     /* the delete may have taken the source with it */
	if (!s || cap_type(&s->cap) != TALLY_OBJ_CNODE)
		return err;
	err = INV(waddr(SLOT_SELF, SLOT_SELF), TALLY_CNODE_MINT, w, src, 64, TALLY_RIGHTS_ALL,
		  52 - cap_size_bits(&s->cap));
	WALK_POST(wk, err == TALLY_OK);
	WALK_POST(wk, window_radix(w) == (int)cap_size_bits(&s->cap));
	return err;
}

/* Destroy a CNode the usual way: revoke a capability to it, then delete that. */
static long
walk_destroy(struct walk *wk)
{
	uint64_t a = walk_source(wk, TALLY_OBJ_CNODE), w = a >> 52, j = a & ((1ul << 52) - 1);
	struct cte *s = peek_full(a), *cn = peek_full(waddr(SLOT_SELF, w));
	struct cap c;
	long err;

	if (!s || cap_type(&s->cap) != TALLY_OBJ_CNODE || walk_protected(s) || !cn ||
	    cap_type(&cn->cap) != TALLY_OBJ_CNODE || j >= 1ul << cap_size_bits(&cn->cap) ||
	    (struct cte *)cap_object(&cn->cap) + j != s)
		return -1;
	c = s->cap;
	err = revoke(waddr(SLOT_SELF, w), j);
	if (err != TALLY_OK || cte_empty(s) || !peek_full(waddr(SLOT_SELF, w)))
		return err;     /* (the revoke may take the window onto s with it) */
	err = delete(waddr(SLOT_SELF, w), j);
	WALK_POST(wk, err == TALLY_OK);
	if (caps_naming(&c) == 0) {
		WALK_POST(wk, cnode_is_empty(&c));
		wk->cnodes_destroyed++;
	}
	return err;
}

/* Labels nobody knows, invocations of things with none, retypes of non-untypeds. */
static long
walk_junk(struct walk *wk)
{
	static const uint64_t labels[] = { 0, TALLY_INVOCATION_COUNT, 50, ~0ul };
	uint64_t a = walk_source(wk, TALLY_OBJ_NULL);
	struct cte *s = peek_full(a);
	long err;

	if (rnd(wk, 2))
		err = INV(a, labels[rnd(wk, ARRAY_SIZE(labels))], test_rand(&wk->rng),
			  test_rand(&wk->rng), 64, 1, 1);
	else if (s && cap_type(&s->cap) != TALLY_OBJ_UNTYPED)
		err = retype(a, TALLY_OBJ_ENDPOINT, 0, waddr(SLOT_SELF, SLOT_SELF), WALK_FIRST, 1);
	else
		return -1;
	WALK_POST(wk, err != TALLY_OK);
	return err;
}

/* Take one step of kind wk->op; the error, or -1 for a step the walk does not take. */
long
walk_step(struct walk *wk, const struct cap_check_stats *before)
{
	switch (wk->op) {
	case OP_RETYPE:
		return walk_retype(wk);
	case OP_COPY:
		return walk_copy(wk, false);
	case OP_MINT:
		return walk_copy(wk, true);
	case OP_MOVE:
		return walk_move(wk);
	case OP_DELETE:
		return walk_delete(wk, false, before);
	case OP_REVOKE:
		return walk_delete(wk, true, before);
	case OP_INSPECT:
		return walk_inspect(wk);
	case OP_WINDOW:
		return walk_window(wk);
	case OP_DESTROY:
		return walk_destroy(wk);
	default:
		return walk_junk(wk);
	}
}
