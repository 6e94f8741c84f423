/*
 * Capabilities through real system calls: retype, copy, mint, move, delete,
 * revoke and inspect are issued as TALLY_SYS_INVOKE from a boot thread whose
 * root CNode and Untypeds are built in fake RAM the way boot_caps.c builds
 * them. A preempted call is issued again, as the arch layer would, until it
 * finishes. The invariant checker (cap_check) must find nothing wrong after
 * every step, and revoking the Untypeds must give back every byte.
 */
#include "host_tests.h"
#include "fake_arch.h"
#include <kernel/cap_check.h>
#include <kernel/invoke.h>
#include <kernel/object.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <tally/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fixture: a root CNode and four Untypeds in fake RAM ---- */

#define RAM_BASE      (1ul << 20)      /* the part of fake RAM the fixture uses */
#define RAM_END       (14ul << 20)
#define ROOT_CNODE_PA (1ul << 20)
#define VSPACE_PA     0x1000ul
#define ROOT_SLOTS    (1ul << TALLY_ROOT_CNODE_RADIX)
#define ROOT_GUARD    (64 - TALLY_ROOT_CNODE_RADIX)
#define CNODE_RIGHTS  (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT)

enum {
	SLOT_U0 = TALLY_SLOT_FIRST_FREE_FIXED,  /* 4 MiB at 4 MiB */
	SLOT_U1,                                /* 2 MiB at 8 MiB */
	SLOT_U2,                                /* 1 MiB at 10 MiB */
	SLOT_DEV,                               /* 1 MiB of device memory at 12 MiB */
	SLOT_SELF,                              /* two-level fixture: root CNode, guard 40 */
	SLOT_FREE,                              /* first slot the tests use */
};

#define UNTYPEDS 4
static const struct {
	paddr_t pa;
	unsigned bits;
	bool device;
} fixture_untyped[UNTYPEDS] = {
	{ 4ul << 20, 22, false },
	{ 8ul << 20, 21, false },
	{ 10ul << 20, 20, false },
	{ 12ul << 20, 20, true },
};
#define UNTYPED_BYTES ((1ul << 22) + (1ul << 21) + (1ul << 20) + (1ul << 20))

/* The boot capabilities: five fixed roots, the untypeds, the thread's root copy. */
#define FIXTURE_CAPS (TALLY_SLOT_FIRST_FREE_FIXED - 1 + UNTYPEDS + 1)

static struct thread *self;   /* the calling thread */
static struct cte *root;      /* the root CNode's slots */
static bool two_levels;       /* which fixture: see fixture() */
static uint64_t mr[INVOKE_MRS];   /* results of the last successful invocation */
static unsigned long restarts;    /* times the last invocation was issued again */

/*
 * When set, every preemption point a call stops at is also a place where
 * another thread could run and ask for TALLY_SYS_DEBUG_CHECK: the checker
 * runs there too, and the first problem it finds is kept here.
 */
static bool check_mid_call;
static char mid_call_problem[200];

/* Run between the restarts of a call, as another thread would (the random walk's). */
static void (*between_restarts)(void);

#define RESTART_LIMIT 200000ul

static bool
is_thread_root(const struct cte *s)
{
	unsigned i;

	for (i = 0; i < boot_thread_count; i++)
		if (s == &boot_threads[i].cspace_root)
			return true;
	return false;
}

/*
 * Build the boot capabilities. One level: the thread's root resolves all 64
 * bits, so cptr n is root slot n. Two levels: the thread's root has no guard
 * and resolves 12 bits; root slot SLOT_SELF holds the root CNode again with a
 * 40-bit guard, so (SLOT_SELF << 52 | n) is root slot n at depth 64, and a
 * CNode of radix r minted into root slot w with a (52 - r)-bit guard makes
 * (w << 52 | n) its slot n.
 */
static void
fixture(bool two_level)
{
	unsigned i;

	two_levels = two_level;
	check_mid_call = false;
	between_restarts = NULL;
	mid_call_problem[0] = 0;
	fake_arch_reset();
	fake_preempt_every = 0;
	sched_preempt_requested = false;
	ck_assert_msg(!cap_zombies_pending(), "a previous test left zombies behind");
	memset(&cdt_sentinel, 0, sizeof(cdt_sentinel));
	memset(arch_phys_to_virt(RAM_BASE), 0, RAM_END - RAM_BASE);
	memset(boot_threads, 0, sizeof(boot_threads));
	boot_thread_count = 1;
	self = &boot_threads[0];
	self->state = TALLY_THREAD_RUNNABLE;
	self->vspace.id = VSPACE_PA >> 12;
	strlcpy(self->name, "root", sizeof(self->name));
	sched_current = self;

	root = arch_phys_to_virt(ROOT_CNODE_PA);
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_CNODE],
		   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, CAP_ORIGINAL, TALLY_ROOT_CNODE_RADIX,
			    ROOT_GUARD, root, 0, 0));
	cdt_insert(&root[TALLY_SLOT_ROOT_CNODE], &self->cspace_root,
		   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, 0, TALLY_ROOT_CNODE_RADIX,
			    two_level ? 0 : ROOT_GUARD, root, 0, 0));
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_VSPACE],
		   object_original_cap(TALLY_OBJ_PML4, 0, arch_phys_to_virt(VSPACE_PA), false));
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_THREAD],
		   object_original_cap(TALLY_OBJ_THREAD, 0, self, false));
	cdt_insert(NULL, &root[TALLY_SLOT_IRQ_CONTROL],
		   cap_make(TALLY_OBJ_IRQ_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0, 0));
	cdt_insert(NULL, &root[TALLY_SLOT_IOPORT_CONTROL],
		   cap_make(TALLY_OBJ_IOPORT_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0,
			    0));
	for (i = 0; i < UNTYPEDS; i++)
		cdt_insert(NULL, &root[SLOT_U0 + i],
			   object_original_cap(TALLY_OBJ_UNTYPED, fixture_untyped[i].bits,
					       arch_phys_to_virt(fixture_untyped[i].pa),
					       fixture_untyped[i].device));
	if (two_level)
		cdt_insert(&root[TALLY_SLOT_ROOT_CNODE], &root[SLOT_SELF],
			   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, 0, TALLY_ROOT_CNODE_RADIX,
				    52 - TALLY_ROOT_CNODE_RADIX, root, 0, 0));
}

static void
setup(void)
{
	fixture(false);
}

/* Run one system call; a kernel halt (panic) fails the test. */
static void
dispatch_thread(struct thread *t)
{
	if (setjmp(fake_exit) == 0)
		syscall_dispatch(t);
	else
		ck_abort_msg("the kernel halted (status %d): %s", fake_halt_status, fake_console);
}

static void
dispatch(void)
{
	dispatch_thread(self);
}

static unsigned long
zombies_pending(void)
{
	const struct cte *z;
	unsigned long n = 0;

	for (z = cap_zombie_first(); z; z = cap_zombie_after(z))
		n++;
	return n;
}

static void
check_between_restarts(uint64_t cptr, uint64_t label, unsigned long n)
{
	struct cap_check_stats st;
	const char *why = cap_check(is_thread_root, &st);

	if (why && !mid_call_problem[0])
		snprintf(mid_call_problem, sizeof(mid_call_problem),
			 "\"%s\" after restart %lu of invocation (cptr %#lx, label %lu), with %lu "
			 "zombies pending", why, n, (unsigned long)cptr,
			 (unsigned long)label, zombies_pending());
}

/* Put a TALLY_SYS_INVOKE of cptr with label and MR0..MR5 in t's registers. */
static void
invoke_load(struct thread *t, uint64_t cptr, uint64_t label, const uint64_t m[INVOKE_MRS])
{
	unsigned i;

	t->regs.number = TALLY_SYS_INVOKE;
	t->regs.args[0] = cptr;
	t->regs.args[1] = label;
	for (i = 0; i < INVOKE_MRS; i++)
		arch_regs_set_syscall_arg(&t->regs, 2 + i, m[i]);
}

/* Issue t's call once (after the time slice that saw a tick); true if it is to be issued again. */
static bool
invoke_issue(struct thread *t)
{
	uint64_t before = t->regs.restarts;

	t->regs.error = ~0ul;
	sched_preempt_requested = false;
	dispatch_thread(t);
	return t->regs.restarts != before;
}

/*
 * TALLY_SYS_INVOKE cptr with label and MR0..MR5 from `self`, issued again
 * for as long as the kernel asks for a restart. Returns the error; results
 * go in mr[], and the number of restarts in `restarts`.
 */
static long
invoke(uint64_t cptr, uint64_t label, const uint64_t m[INVOKE_MRS])
{
	struct thread *t = self;
	struct arch_regs *r = &t->regs;
	unsigned long n = 0;
	unsigned i;

	invoke_load(t, cptr, label, m);
	while (invoke_issue(t)) {
		if (check_mid_call)
			check_between_restarts(cptr, label, n + 1);
		if (between_restarts)
			between_restarts();
		restarts = ++n;
		if (n > RESTART_LIMIT)
			ck_abort_msg("invocation (cptr %#lx, label %lu) still restarting after %lu "
				     "restarts: it makes no progress", (unsigned long)cptr,
				     (unsigned long)label, RESTART_LIMIT);
	}
	restarts = n;
	for (i = 0; i < INVOKE_MRS; i++)
		mr[i] = arch_regs_syscall_arg(r, 2 + i);
	return (long)r->error;
}

#define INV(cptr, label, ...) invoke((cptr), (label), (const uint64_t[INVOKE_MRS]){ __VA_ARGS__ })

/* The invocations on the one-level fixture's root CNode (cptr 1). */
#define ROOT TALLY_SLOT_ROOT_CNODE

static long
retype(uint64_t untyped, uint64_t type, uint64_t size_bits, uint64_t cnode, uint64_t first,
       uint64_t count)
{
	return INV(untyped, TALLY_UNTYPED_RETYPE, type, size_bits, cnode, first, count);
}

static long
copy(uint64_t cnode, uint64_t dst, uint64_t src, uint64_t rights)
{
	return INV(cnode, TALLY_CNODE_COPY, dst, src, 64, rights);
}

static long
mint(uint64_t cnode, uint64_t dst, uint64_t src, uint64_t rights, uint64_t badge)
{
	return INV(cnode, TALLY_CNODE_MINT, dst, src, 64, rights, badge);
}

static long
move(uint64_t cnode, uint64_t dst, uint64_t src)
{
	return INV(cnode, TALLY_CNODE_MOVE, dst, src, 64);
}

static long
delete(uint64_t cnode, uint64_t index)
{
	return INV(cnode, TALLY_CNODE_DELETE, index);
}

static long
revoke(uint64_t cnode, uint64_t index)
{
	return INV(cnode, TALLY_CNODE_REVOKE, index);
}

static long
inspect(uint64_t cnode, uint64_t index)
{
	return INV(cnode, TALLY_CNODE_INSPECT, index);
}

/* The thread's error record, read through TALLY_SYS_ERROR_DETAIL. */
static struct tally_error_detail
detail(void)
{
	struct tally_error_detail d;

	self->regs.number = TALLY_SYS_ERROR_DETAIL;
	self->regs.args[0] = FAKE_USER_BASE;
	dispatch();
	ck_assert_uint_eq(self->regs.error, TALLY_OK);
	memcpy(&d, fake_user, sizeof(d));
	return d;
}

#define EXPECT_OK(call)                                                            \
	do {                                                                       \
		long r_ = (call);                                                  \
		ck_assert_msg(r_ == TALLY_OK, "%s: expected OK, got %s", #call,    \
			      tally_error_name(r_));                               \
	} while (0)

/* The call fails with err; the error record names the argument, value and limit. */
static void
expect_error(const char *what, long got, long err, unsigned long argument, unsigned long value,
	     unsigned long limit)
{
	struct tally_error_detail d;

	ck_assert_msg(got == err, "%s: expected %s, got %s", what, tally_error_name(err),
		      tally_error_name(got));
	d = detail();
	ck_assert_msg(d.error == (unsigned long)err && d.argument == argument && d.value == value &&
			      d.limit == limit,
		      "%s: expected detail {%s, argument %lu, value %#lx, limit %#lx}, got {%s, "
		      "argument %lu, value %#lx, limit %#lx}",
		      what, tally_error_name(err), argument, value, limit,
		      tally_error_name((long)d.error), d.argument, d.value, d.limit);
}

#define EXPECT_ERROR(call, err, argument, value, limit)                            \
	expect_error(#call, (call), (err), (argument), (value), (limit))

/* The call fails to look up a capability: which argument, why, with how many bits left. */
static void
expect_lookup(const char *what, long got, unsigned long argument, unsigned long value,
	      unsigned long why, unsigned long bits_left)
{
	struct tally_error_detail d;

	ck_assert_msg(got == TALLY_ERR_LOOKUP_FAILED, "%s: expected LOOKUP_FAILED, got %s", what,
		      tally_error_name(got));
	d = detail();
	ck_assert_msg(d.error == TALLY_ERR_LOOKUP_FAILED && d.argument == argument &&
			      d.value == value && d.lookup == why && d.bits_left == bits_left,
		      "%s: expected lookup detail {argument %lu, value %#lx, lookup %lu, bits_left "
		      "%lu}, got {%s, argument %lu, value %#lx, lookup %lu, bits_left %lu}",
		      what, argument, value, why, bits_left, tally_error_name((long)d.error),
		      d.argument, d.value, d.lookup, d.bits_left);
}

#define EXPECT_LOOKUP(call, argument, value, why, bits_left)                       \
	expect_lookup(#call, (call), (argument), (value), (why), (bits_left))

/* Check every invariant and return the totals. */
static struct cap_check_stats
checked(void)
{
	struct cap_check_stats st;
	const char *why = cap_check(is_thread_root, &st);

	ck_assert_msg(!why, "capability invariant broken: %s", why);
	return st;
}

/* Nothing is left but the boot capabilities, and every byte is free. */
static void
expect_all_reclaimed(unsigned long extra_caps)
{
	struct cap_check_stats st = checked();

	ck_assert_uint_eq(st.zombies, 0);
	ck_assert_uint_eq(st.untyped_bytes, UNTYPED_BYTES);
	ck_assert_uint_eq(st.untyped_free, UNTYPED_BYTES);
	ck_assert_uint_eq(st.caps, FIXTURE_CAPS + extra_caps);
	ck_assert(!cap_zombies_pending());
}

/* The cptr of root slot n, in either fixture. */
static uint64_t
root_slot(unsigned long n)
{
	return two_levels ? (uint64_t)SLOT_SELF << 52 | n : n;
}

/* The idle loop: finish whatever zombies are left. */
static void
idle_drain(void)
{
	while (cap_drain() == CAP_PREEMPTED)
		sched_preempt_requested = false;
}

static void
revoke_all_untypeds(void)
{
	unsigned i;

	for (i = 0; i < UNTYPEDS; i++)
		EXPECT_OK(revoke(root_slot(TALLY_SLOT_ROOT_CNODE), SLOT_U0 + i));
}

static paddr_t
untyped_pa(unsigned slot)
{
	return fixture_untyped[slot - SLOT_U0].pa;
}

static bool
all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

/* ---- retype ---- */

static const struct kind {
	enum tally_obj_type type;
	unsigned size_bits;    /* as passed to retype */
	unsigned obj_bits;     /* log2 bytes of one object */
	unsigned count;
} kinds[] = {
	{ TALLY_OBJ_UNTYPED, 12, 12, 3 },
	{ TALLY_OBJ_CNODE, 4, 10, 3 },
	{ TALLY_OBJ_THREAD, 0, 10, 3 },
	{ TALLY_OBJ_ENDPOINT, 0, 6, 3 },
	{ TALLY_OBJ_NOTIFICATION, 0, 6, 3 },
	{ TALLY_OBJ_REPLY, 0, 6, 3 },
	{ TALLY_OBJ_SCHED_CONTEXT, 0, 8, 3 },
	{ TALLY_OBJ_FRAME_4K, 0, 12, 3 },
	{ TALLY_OBJ_PML4, 0, 12, 3 },
	{ TALLY_OBJ_PDPT, 0, 12, 3 },
	{ TALLY_OBJ_PD, 0, 12, 3 },
	{ TALLY_OBJ_PT, 0, 12, 3 },
	{ TALLY_OBJ_FRAME_2M, 0, 21, 1 },
};

static unsigned
default_rights(enum tally_obj_type t)
{
	if (t == TALLY_OBJ_UNTYPED || t == TALLY_OBJ_FRAME_4K || t == TALLY_OBJ_FRAME_2M)
		return TALLY_RIGHTS_ALL;
	return CNODE_RIGHTS;
}

START_TEST(retype_makes_every_type_in_order_and_inspect_reports_it)
{
	paddr_t base = untyped_pa(SLOT_U0), end = base;
	unsigned long slot = SLOT_FREE, made = 0;
	unsigned k, i;

	setup();
	memset(arch_phys_to_virt(base), 0xa5, 1ul << 22);  /* left dirty by earlier owners */
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct kind *kd = &kinds[k];

		EXPECT_OK(retype(SLOT_U0, kd->type, kd->size_bits, ROOT, slot, kd->count));
		for (i = 0; i < kd->count; i++, slot++) {
			paddr_t pa;

			EXPECT_OK(inspect(ROOT, slot));
			pa = mr[3];
			ck_assert_uint_eq(mr[0], kd->type);
			ck_assert_uint_eq(mr[1], default_rights(kd->type));
			ck_assert_uint_eq(mr[2], kd->size_bits);
			ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
			ck_assert_uint_eq(mr[5], kd->type == TALLY_OBJ_UNTYPED ? 1ul << 12 : 0);
			/* placed at the watermark, aligned to its size, inside the untyped */
			ck_assert_uint_eq(pa, ALIGN_UP(end, 1ul << kd->obj_bits));
			end = pa + (1ul << kd->obj_bits);
			ck_assert_uint_le(end, base + (1ul << 22));
			if (kd->type != TALLY_OBJ_UNTYPED)
				ck_assert_msg(all_bytes(arch_phys_to_virt(pa), 1ul << kd->obj_bits, 0),
					      "type %u at %#lx is not zeroed", kd->type, pa);
			made++;
		}
	}
	EXPECT_OK(inspect(ROOT, SLOT_U0));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_UNTYPED);
	ck_assert_uint_eq(mr[2], 22);
	ck_assert_uint_eq(mr[3], base);
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	ck_assert_uint_eq(mr[5], base + (1ul << 22) - end);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + made);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(retype_from_device_memory_makes_frames_and_untypeds_without_writing_it)
{
	void *dev;

	setup();
	dev = arch_phys_to_virt(untyped_pa(SLOT_DEV));
	memset(dev, 0x5a, 1ul << 20);
	EXPECT_OK(retype(SLOT_DEV, TALLY_OBJ_FRAME_4K, 0, ROOT, SLOT_FREE, 2));
	EXPECT_OK(retype(SLOT_DEV, TALLY_OBJ_UNTYPED, 16, ROOT, SLOT_FREE + 2, 1));
	EXPECT_OK(inspect(ROOT, SLOT_FREE));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_FRAME_4K);
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_DEVICE);
	EXPECT_OK(inspect(ROOT, SLOT_FREE + 2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_DEVICE);
	/* a device untyped's children are device memory too */
	EXPECT_ERROR(retype(SLOT_FREE + 2, TALLY_OBJ_CNODE, 4, ROOT, SLOT_FREE + 3, 1),
		     TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_CNODE, 0);
	EXPECT_OK(retype(SLOT_FREE + 2, TALLY_OBJ_FRAME_4K, 0, ROOT, SLOT_FREE + 3, 1));
	EXPECT_OK(inspect(ROOT, SLOT_FREE + 3));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_DEVICE);
	ck_assert_msg(all_bytes(dev, 1ul << 20, 0x5a), "retype wrote to device memory");
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/* The root CNode's slots and the totals, to show that a failed call changed nothing. */
struct snapshot {
	struct cte *slots;
	struct cap_check_stats st;
};

static void
snapshot_take(struct snapshot *s)
{
	if (!s->slots)
		s->slots = malloc(ROOT_SLOTS * sizeof(struct cte));
	ck_assert_ptr_nonnull(s->slots);
	memcpy(s->slots, root, ROOT_SLOTS * sizeof(struct cte));
	s->st = checked();
}

static void
snapshot_same(const struct snapshot *s, const char *what)
{
	struct cap_check_stats st = checked();

	ck_assert_msg(memcmp(s->slots, root, ROOT_SLOTS * sizeof(struct cte)) == 0,
		      "%s changed the root CNode", what);
	ck_assert_msg(memcmp(&s->st, &st, sizeof(st)) == 0, "%s changed the totals", what);
}

#define EXPECT_ERROR_NO_CHANGE(snap, call, err, argument, value, limit)            \
	do {                                                                       \
		expect_error(#call, (call), (err), (argument), (value), (limit));  \
		snapshot_same((snap), #call);                                      \
	} while (0)

#define EXPECT_LOOKUP_NO_CHANGE(snap, call, argument, value, why, bits)            \
	do {                                                                       \
		expect_lookup(#call, (call), (argument), (value), (why), (bits));  \
		snapshot_same((snap), #call);                                      \
	} while (0)

START_TEST(retype_failures_name_their_error_and_change_nothing)
{
	struct snapshot snap = { 0 };
	const unsigned long F = SLOT_FREE, U = SLOT_U0, S = ROOT_SLOTS;

	setup();
	/* partly used untypeds, an occupied slot, a small untyped, a CNode cap without WRITE */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F, 1));
	EXPECT_OK(copy(ROOT, F + 1, ROOT, TALLY_RIGHT_READ | TALLY_RIGHT_GRANT));
	EXPECT_OK(retype(U, TALLY_OBJ_NOTIFICATION, 0, ROOT, F + 12, 1));
	EXPECT_OK(retype(U, TALLY_OBJ_UNTYPED, 12, ROOT, F + 2, 1));
	snapshot_take(&snap);

	/* the type */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_NULL, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_NULL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_IRQ_CONTROL, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_IRQ_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_IOPORT_CONTROL, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_IOPORT_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ZOMBIE, 4, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, TALLY_OBJ_ZOMBIE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, 1ul << 40, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 1, 1ul << 40, 0);
	/* the size */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 11, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 11, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 48, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 48, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, ~0ul, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, ~0ul, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 22, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 22, 22);    /* a child must be smaller */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_UNTYPED, 23, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 23, 22);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_CNODE, 1, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 1, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_CNODE, TALLY_CNODE_RADIX_MAX + 1, ROOT,
					     F + 10, 1),
			       TALLY_ERR_RANGE, 2, TALLY_CNODE_RADIX_MAX + 1, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 6, ROOT, F + 10, 1),
			       TALLY_ERR_RANGE, 2, 6, 0);
	/* the count */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 0),
			       TALLY_ERR_RANGE, 5, 0, TALLY_RETYPE_MAX_COUNT);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 257),
			       TALLY_ERR_RANGE, 5, 257, TALLY_RETYPE_MAX_COUNT);
	/* not enough room: what was needed, and the bytes above the watermark */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_CNODE, TALLY_CNODE_RADIX_MAX, ROOT,
					     F + 10, 1),
			       TALLY_ERR_NO_MEMORY, 0, 1ul << (TALLY_CNODE_RADIX_MAX + 6),
			       (1ul << 22) - 8192);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(F + 2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 20, 65),
			       TALLY_ERR_NO_MEMORY, 0, 65 * 64, 4096);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_U2, TALLY_OBJ_FRAME_2M, 0, ROOT, F + 10, 1),
			       TALLY_ERR_NO_MEMORY, 0, 1ul << 21, (1ul << 20) - 64);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F + 300, 256),
			       TALLY_ERR_NO_MEMORY, 0, 1ul << 20, (1ul << 20) - 64);
	/* the destination */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 4),
			       TALLY_ERR_SLOT_OCCUPIED, 4, F + 12, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, SLOT_U1, 1),
			       TALLY_ERR_SLOT_OCCUPIED, 4, SLOT_U1, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, 0, 1),
			       TALLY_ERR_RANGE, 4, 0, S);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, S, 1),
			       TALLY_ERR_RANGE, 4, S, S);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, S - 2, 3),
			       TALLY_ERR_RANGE, 4, S - 2, S);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, ~0ul, 1),
			       TALLY_ERR_RANGE, 4, ~0ul, S);
	EXPECT_LOOKUP_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, 900, F + 10, 1),
				3, 900, TALLY_LOOKUP_EMPTY_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, 1ul << 63 | ROOT, F + 10, 1),
				3, 1ul << 63 | ROOT, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, SLOT_U1, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 3, TALLY_OBJ_UNTYPED, 0);
	/* a CNode capability without WRITE cannot receive objects */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(U, TALLY_OBJ_ENDPOINT, 0, F + 1, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 3, TALLY_OBJ_CNODE, 0);
	/* device memory holds no kernel objects */
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_DEV, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_ENDPOINT, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(SLOT_DEV, TALLY_OBJ_CNODE, 4, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_CNODE, 0);
	/* labels an untyped does not know, and objects without invocations */
	EXPECT_ERROR_NO_CHANGE(&snap, INV(U, TALLY_CNODE_COPY, F + 10, F, 64, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_CNODE_COPY, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, INV(U, 0, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(TALLY_SLOT_ROOT_THREAD, TALLY_OBJ_ENDPOINT, 0, ROOT,
					     F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_THREAD, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, retype(F, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_ENDPOINT, 0);

	/* and the same calls, corrected, succeed */
	EXPECT_OK(retype(U, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 13, 4));
	EXPECT_OK(retype(F + 2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 100, 64));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F + 200, 255));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 10, 1),
		     TALLY_ERR_NO_MEMORY, 0, 64, 0);
	free(snap.slots);
	revoke_all_untypeds();
	EXPECT_OK(delete(ROOT, F + 1));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(untyped_space_is_reused_only_after_every_child_is_gone)
{
	const unsigned long F = SLOT_FREE;
	unsigned long i;

	setup();
	/* the whole 1 MiB as 256 frames; nothing more fits */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F, 256));
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	ck_assert_uint_eq(mr[5], 0);
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 300, 1),
		     TALLY_ERR_NO_MEMORY, 0, 64, 0);
	/* the frames get used */
	memset(arch_phys_to_virt(untyped_pa(SLOT_U2)), 0xff, 1ul << 20);
	/* deleting all but the lowest frame frees nothing */
	for (i = 1; i < 256; i++)
		EXPECT_OK(delete(ROOT, F + i));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 300, 1),
		     TALLY_ERR_NO_MEMORY, 0, 64, 0);
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[5], 0);
	/* deleting the last one frees it all */
	EXPECT_OK(delete(ROOT, F));
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	ck_assert_uint_eq(mr[5], 1ul << 20);
	ck_assert_uint_eq(checked().untyped_free, UNTYPED_BYTES);
	/* the whole untyped again, as two child untypeds, then as one CNode (zeroed) */
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_UNTYPED, 19, ROOT, F, 2));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_UNTYPED, 12, ROOT, F + 2, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << 12, 0);
	EXPECT_OK(delete(ROOT, F + 1));
	EXPECT_ERROR(retype(SLOT_U2, TALLY_OBJ_CNODE, 14, ROOT, F + 2, 1),
		     TALLY_ERR_NO_MEMORY, 0, 1ul << 20, 0);
	EXPECT_OK(delete(ROOT, F));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_CNODE, 14, ROOT, F, 1));
	ck_assert_msg(all_bytes(arch_phys_to_virt(untyped_pa(SLOT_U2)), 1ul << 20, 0),
		      "reused memory was not zeroed for the new CNode");
	EXPECT_OK(inspect(ROOT, F));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	ck_assert_uint_eq(mr[2], 14);
	/* revoking frees it all too */
	EXPECT_OK(revoke(ROOT, SLOT_U2));
	EXPECT_OK(inspect(ROOT, F));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_NULL);
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_FRAME_4K, 0, ROOT, F, 256));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 256);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(preempted_retype_resumes_zeroing_and_finishes)
{
	void *u0;

	setup();
	u0 = arch_phys_to_virt(untyped_pa(SLOT_U0));
	memset(u0, 0xee, 1ul << 22);
	fake_preempt_every = 1;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_2M, 0, ROOT, SLOT_FREE, 2));
	ck_assert_uint_gt(restarts, 0);
	ck_assert_uint_eq(self->preemptions, restarts);
	ck_assert_msg(all_bytes(u0, 1ul << 22, 0), "a preempted retype left memory dirty");
	EXPECT_OK(inspect(ROOT, SLOT_FREE + 1));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_FRAME_2M);
	ck_assert_uint_eq(mr[3], untyped_pa(SLOT_U0) + (1ul << 21));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 2);
	/* revoke, dirty it, and the preempted zeroing starts again from 0 */
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	memset(u0, 0xee, 1ul << 22);
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 16, ROOT, SLOT_FREE, 1));
	ck_assert_uint_gt(restarts, 0);
	ck_assert_msg(all_bytes(u0, 1ul << 22, 0), "reused memory was not zeroed");
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/* ---- copy, mint, move ---- */

static struct cte *
slot_at(unsigned long i)
{
	return &root[i];
}

START_TEST(copy_and_mint_derive_with_no_more_rights_and_badges_stick)
{
	const unsigned long F = SLOT_FREE, EP = F, NTFN = F + 1, CN = F + 2, FR = F + 3;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_NOTIFICATION, 0, ROOT, NTFN, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 1));

	/* a copy keeps the object, drops rights it is not given, gains none */
	EXPECT_OK(copy(ROOT, F + 10, EP, TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_EXEC));
	EXPECT_OK(inspect(ROOT, F + 10));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	ck_assert_uint_eq(mr[1], TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	ck_assert_uint_eq(mr[2], 0);
	ck_assert_uint_eq(mr[3], arch_kva_to_phys(cap_object(&slot_at(EP)->cap)));
	ck_assert_uint_eq(mr[4], 0);
	EXPECT_OK(inspect(ROOT, EP));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	EXPECT_OK(copy(ROOT, F + 11, F + 10, TALLY_RIGHTS_ALL));
	EXPECT_OK(inspect(ROOT, F + 11));
	ck_assert_uint_eq(mr[1], TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 11)), slot_at(F + 10));
	EXPECT_OK(copy(ROOT, F + 12, FR, 0));
	EXPECT_OK(inspect(ROOT, F + 12));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_FRAME_4K);
	ck_assert_uint_eq(mr[1], 0);

	/* a mint badges an unbadged endpoint or notification; copies keep the badge */
	EXPECT_OK(mint(ROOT, F + 13, EP, TALLY_RIGHTS_ALL, 0x1234));
	EXPECT_OK(inspect(ROOT, F + 13));
	ck_assert_uint_eq(mr[1], CNODE_RIGHTS);
	ck_assert_uint_eq(mr[2], 0x1234);
	EXPECT_OK(copy(ROOT, F + 14, F + 13, TALLY_RIGHT_WRITE));
	EXPECT_OK(inspect(ROOT, F + 14));
	ck_assert_uint_eq(mr[1], TALLY_RIGHT_WRITE);
	ck_assert_uint_eq(mr[2], 0x1234);
	EXPECT_OK(mint(ROOT, F + 15, NTFN, TALLY_RIGHTS_ALL, ~0ul));
	EXPECT_OK(inspect(ROOT, F + 15));
	ck_assert_uint_eq(mr[2], ~0ul);

	/* a mint of a CNode sets its guard: MR4 = guard << 6 | guard bits */
	EXPECT_OK(mint(ROOT, F + 16, CN, TALLY_RIGHTS_ALL, 0x2a5ul << 6 | 10));
	ck_assert_uint_eq(cap_type(&slot_at(F + 16)->cap), TALLY_OBJ_CNODE);
	ck_assert_uint_eq(cap_guard_bits(&slot_at(F + 16)->cap), 10);
	ck_assert_uint_eq(cap_word2(&slot_at(F + 16)->cap), 0x2a5);
	ck_assert_uint_eq(cap_size_bits(&slot_at(F + 16)->cap), 4);
	EXPECT_OK(mint(ROOT, F + 17, CN, TALLY_RIGHTS_ALL, 60));   /* 60 + radix 4 = 64 */
	EXPECT_OK(copy(ROOT, F + 18, F + 16, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(cap_guard_bits(&slot_at(F + 18)->cap), 10);
	ck_assert_uint_eq(cap_word2(&slot_at(F + 18)->cap), 0x2a5);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4 + 9);

	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(copy_mint_and_move_failures_name_their_argument_and_change_nothing)
{
	struct snapshot snap = { 0 };
	const unsigned long F = SLOT_FREE, EP = F, FR = F + 1, CN = F + 2, S = ROOT_SLOTS;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	EXPECT_OK(mint(ROOT, F + 3, EP, TALLY_RIGHTS_ALL, 7));
	EXPECT_OK(copy(ROOT, F + 4, ROOT, TALLY_RIGHT_READ));     /* root CNode, read only */
	EXPECT_OK(copy(ROOT, F + 5, ROOT, TALLY_RIGHT_WRITE));    /* root CNode, write only */
	snapshot_take(&snap);

	/* destinations */
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, FR, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_SLOT_OCCUPIED, 1, FR, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, 0, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_RANGE, 1, 0, S);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, S, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_RANGE, 1, S, S);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, ~0ul, EP, TALLY_RIGHTS_ALL, 1),
			       TALLY_ERR_RANGE, 1, ~0ul, S);
	EXPECT_ERROR_NO_CHANGE(&snap, move(ROOT, FR, EP), TALLY_ERR_SLOT_OCCUPIED, 1, FR, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, move(ROOT, S + 1, EP), TALLY_ERR_RANGE, 1, S + 1, S);
	/* what cannot be copied: untypeds and the boot control capabilities */
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, F + 10, SLOT_U0, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_UNTYPED, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, F + 10, TALLY_SLOT_IRQ_CONTROL, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_IRQ_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, copy(ROOT, F + 10, TALLY_SLOT_IOPORT_CONTROL,
					   TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_IOPORT_CONTROL, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, SLOT_U0, TALLY_RIGHTS_ALL, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_UNTYPED, 0);
	/* badges: only endpoints and notifications, only once, never 0 */
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, FR, TALLY_RIGHTS_ALL, 1),
			       TALLY_ERR_INVALID_CAPABILITY, 2, TALLY_OBJ_FRAME_4K, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, F + 3, TALLY_RIGHTS_ALL, 9),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 9, 7);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, EP, TALLY_RIGHTS_ALL, 0),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 0, 0);
	/* CNode guards: guard bits + radix <= 64, guard fits its bits */
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, CN, TALLY_RIGHTS_ALL, 61),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 61, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, CN, TALLY_RIGHTS_ALL, 0x10ul << 6 | 4),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 0x10ul << 6 | 4, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, mint(ROOT, F + 10, ROOT, TALLY_RIGHTS_ALL, 53),
			       TALLY_ERR_INVALID_ARGUMENT, 5, 53, 0);
	/* rights on the invoked CNode: WRITE to change it, READ to inspect it */
	EXPECT_ERROR_NO_CHANGE(&snap, copy(F + 4, F + 10, EP, TALLY_RIGHTS_ALL),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, move(F + 4, F + 10, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, delete(F + 4, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, revoke(F + 4, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, inspect(F + 5, EP),
			       TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ, 0);
	EXPECT_OK(inspect(F + 4, EP));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	/* labels a CNode does not know */
	EXPECT_ERROR_NO_CHANGE(&snap, INV(ROOT, TALLY_UNTYPED_RETYPE, TALLY_OBJ_ENDPOINT, 0, ROOT,
					  F + 10, 1),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_UNTYPED_RETYPE, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, INV(ROOT, TALLY_INVOCATION_COUNT, 0),
			       TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_INVOCATION_COUNT, 0);
	EXPECT_ERROR_NO_CHANGE(&snap, INV(ROOT, ~0ul, 0), TALLY_ERR_INVALID_ARGUMENT, 0, ~0ul, 0);
	free(snap.slots);
	revoke_all_untypeds();
	EXPECT_OK(delete(ROOT, F + 4));
	EXPECT_OK(delete(ROOT, F + 5));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(copies_of_copies_stop_at_the_generation_limit)
{
	const unsigned long F = SLOT_FREE;
	unsigned long i;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, F, 1));
	for (i = 1; i <= TALLY_COPY_DEPTH_MAX; i++)
		EXPECT_OK(copy(ROOT, F + i, F + i - 1, TALLY_RIGHTS_ALL));
	EXPECT_ERROR(copy(ROOT, F + 100, F + TALLY_COPY_DEPTH_MAX, TALLY_RIGHTS_ALL),
		     TALLY_ERR_RANGE, 2, TALLY_COPY_DEPTH_MAX + 1, TALLY_COPY_DEPTH_MAX);
	EXPECT_ERROR(mint(ROOT, F + 100, F + TALLY_COPY_DEPTH_MAX, TALLY_RIGHTS_ALL, 5),
		     TALLY_ERR_RANGE, 2, TALLY_COPY_DEPTH_MAX + 1, TALLY_COPY_DEPTH_MAX);
	/* a copy one generation up still can be copied */
	EXPECT_OK(copy(ROOT, F + 100, F + TALLY_COPY_DEPTH_MAX - 1, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + TALLY_COPY_DEPTH_MAX + 2);
	/* revoking the original removes the whole chain */
	EXPECT_OK(revoke(ROOT, F));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(move_keeps_the_capability_and_its_place_in_the_tree)
{
	const unsigned long F = SLOT_FREE, EP = F;
	struct cap before;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(copy(ROOT, F + 1, EP, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, F + 2, F + 1, TALLY_RIGHTS_ALL));
	EXPECT_OK(mint(ROOT, F + 3, EP, TALLY_RIGHTS_ALL, 5));
	/* move the original: its children follow it */
	before = slot_at(EP)->cap;
	EXPECT_OK(move(ROOT, F + 20, EP));
	ck_assert(cte_empty(slot_at(EP)));
	ck_assert_mem_eq(&slot_at(F + 20)->cap, &before, sizeof(before));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 1)), slot_at(F + 20));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 3)), slot_at(F + 20));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 20)), slot_at(SLOT_U0));
	/* move a copy in the middle of the tree */
	EXPECT_OK(move(ROOT, F + 21, F + 1));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 2)), slot_at(F + 21));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 21)), slot_at(F + 20));
	checked();
	/* move a boot untyped: it still works, and is still a boot untyped */
	EXPECT_OK(move(ROOT, F + 30, SLOT_U1));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 30)), &cdt_sentinel);
	EXPECT_OK(retype(F + 30, TALLY_OBJ_CNODE, 3, ROOT, F + 31, 2));
	EXPECT_LOOKUP(retype(SLOT_U1, TALLY_OBJ_CNODE, 3, ROOT, F + 40, 1),
		      0, SLOT_U1, TALLY_LOOKUP_EMPTY_SLOT, 0);
	ck_assert_uint_eq(checked().untyped_bytes, UNTYPED_BYTES);
	/* move the invoked CNode's own capability */
	EXPECT_OK(copy(ROOT, F + 40, ROOT, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(F + 40, F + 41, F + 40));
	EXPECT_OK(inspect(ROOT, F + 41));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4 + 2 + 1);
	/* revoking the moved original deletes what was derived before the moves */
	EXPECT_OK(revoke(ROOT, F + 20));
	ck_assert(cte_empty(slot_at(F + 21)) && cte_empty(slot_at(F + 2)) &&
		  cte_empty(slot_at(F + 3)));
	EXPECT_OK(revoke(ROOT, F + 30));
	EXPECT_OK(move(ROOT, SLOT_U1, F + 30));
	EXPECT_OK(delete(ROOT, F + 41));
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

/* ---- lookups ---- */

START_TEST(lookup_failures_say_why_and_where)
{
	struct snapshot snap = { 0 };
	const unsigned long F = SLOT_FREE, EP = F, CN = F + 1;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, CN, 1));
	snapshot_take(&snap);

	/* the source of a copy: MR1 (argument 2) at depth MR2 */
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 500, TALLY_RIGHTS_ALL),
				2, 500, TALLY_LOOKUP_EMPTY_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 0, TALLY_RIGHTS_ALL),
				2, 0, TALLY_LOOKUP_RESERVED_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 1ul << 63 | EP, TALLY_RIGHTS_ALL),
				2, 1ul << 63 | EP, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_LOOKUP_NO_CHANGE(&snap, copy(ROOT, F + 10, 1ul << 12 | EP, TALLY_RIGHTS_ALL),
				2, 1ul << 12 | EP, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_COPY, F + 10, EP, 32, TALLY_RIGHTS_ALL),
				2, EP, TALLY_LOOKUP_DEPTH_MISMATCH, 32);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_MOVE, F + 10, EP, 63),
				2, EP, TALLY_LOOKUP_DEPTH_MISMATCH, 63);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_COPY, F + 10, EP, 0, TALLY_RIGHTS_ALL),
				2, EP, TALLY_LOOKUP_BAD_DEPTH, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_MINT, F + 10, EP, 65, TALLY_RIGHTS_ALL,
					   1),
				2, EP, TALLY_LOOKUP_BAD_DEPTH, 65);
	EXPECT_LOOKUP_NO_CHANGE(&snap, INV(ROOT, TALLY_CNODE_MOVE, F + 10, EP, ~0ul),
				2, EP, TALLY_LOOKUP_BAD_DEPTH, 65);
	/* the invoked capability itself (argument 0, always depth 64) */
	EXPECT_LOOKUP_NO_CHANGE(&snap, inspect(500, 1), 0, 500, TALLY_LOOKUP_EMPTY_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, delete(0, EP), 0, 0, TALLY_LOOKUP_RESERVED_SLOT, 0);
	EXPECT_LOOKUP_NO_CHANGE(&snap, delete(~0ul, EP), 0, ~0ul, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	EXPECT_LOOKUP_NO_CHANGE(&snap, retype(1ul << 40 | SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT,
					      F + 10, 1),
				0, 1ul << 40 | SLOT_U0, TALLY_LOOKUP_GUARD_MISMATCH, 64);
	/* a success leaves the record of the last failure as it was */
	EXPECT_OK(inspect(ROOT, EP));
	ck_assert_uint_eq(detail().error, TALLY_ERR_LOOKUP_FAILED);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_GUARD_MISMATCH);
	free(snap.slots);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(two_level_lookups_go_through_minted_cnodes)
{
	const unsigned long F = SLOT_FREE, S = SLOT_SELF;
	const uint64_t root_cn = (uint64_t)S << 52 | S;   /* the root CNode, at depth 64 */

	fixture(true);
	/* slot n of the root CNode is S << 52 | n; with depth 12, cptr n */
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_CNODE, 4, root_cn, F, 1));
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_ENDPOINT, 0, root_cn, F + 1, 1));
	/* a window onto the new CNode: a guard of 52 - 4 bits */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MINT, F + 2, F, 12, TALLY_RIGHTS_ALL, 48));
	EXPECT_OK(INV(root_cn, TALLY_CNODE_COPY, F + 3, F + 1, 12, TALLY_RIGHTS_ALL));
	/* copy the endpoint into slot 5 of the new CNode, from a two-level source */
	EXPECT_OK(INV((uint64_t)S << 52 | (F + 2), TALLY_CNODE_COPY, 5, (uint64_t)S << 52 | (F + 1),
		      64, TALLY_RIGHTS_ALL));
	EXPECT_OK(inspect(root_cn, F + 1));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	EXPECT_OK(inspect((uint64_t)S << 52 | (F + 2), 5));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	EXPECT_OK(inspect(root_cn, F + 3));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	/* (F + 2) << 52 | 5 reaches slot 5 of the new CNode directly */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MOVE, F + 4, (uint64_t)(F + 2) << 52 | 5, 64));
	EXPECT_OK(inspect(root_cn, F + 4));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);

	/* bits left at a non-CNode do not resolve */
	EXPECT_LOOKUP(INV(root_cn, TALLY_CNODE_COPY, F + 9, (uint64_t)(F + 1) << 52 | 5, 64,
			  TALLY_RIGHTS_ALL),
		      2, (uint64_t)(F + 1) << 52 | 5, TALLY_LOOKUP_DEPTH_MISMATCH, 52);
	/* too few bits for the minted CNode's guard and radix */
	EXPECT_LOOKUP(INV(root_cn, TALLY_CNODE_COPY, F + 9, (uint64_t)(F + 2) << 20 | 5, 32,
			  TALLY_RIGHTS_ALL),
		      2, (uint64_t)(F + 2) << 20 | 5, TALLY_LOOKUP_DEPTH_MISMATCH, 20);
	/* the minted guard must match: it is 48 zero bits */
	EXPECT_LOOKUP(inspect((uint64_t)(F + 2) << 52 | 1ul << 30 | 5, 1),
		      0, (uint64_t)(F + 2) << 52 | 1ul << 30 | 5, TALLY_LOOKUP_GUARD_MISMATCH, 52);
	/* slot 0 of the minted CNode */
	EXPECT_LOOKUP(inspect((uint64_t)(F + 2) << 52, 1),
		      0, (uint64_t)(F + 2) << 52, TALLY_LOOKUP_RESERVED_SLOT, 0);
	/* the original CNode has no guard: 4 bits, then 48 bits left at an empty slot */
	EXPECT_LOOKUP(inspect((uint64_t)F << 52 | 7ul << 48, 1),
		      0, (uint64_t)F << 52 | 7ul << 48, TALLY_LOOKUP_DEPTH_MISMATCH, 48);
	/* a thread with no CNode root */
	self = &boot_threads[1];
	boot_thread_count = 2;
	EXPECT_LOOKUP(inspect(root_cn, 1), 0, root_cn, TALLY_LOOKUP_NO_ROOT, 64);
	self = &boot_threads[0];

	revoke_all_untypeds();
	EXPECT_OK(delete(root_cn, S));
	expect_all_reclaimed(0);
}
END_TEST

/* ---- delete and revoke ---- */

START_TEST(delete_removes_one_capability_and_its_children_take_its_place)
{
	const unsigned long F = SLOT_FREE, EP = F;
	const unsigned long S = ROOT_SLOTS;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, EP, 1));
	EXPECT_OK(copy(ROOT, F + 1, EP, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, F + 2, F + 1, TALLY_RIGHTS_ALL));
	EXPECT_OK(mint(ROOT, F + 3, F + 2, TALLY_RIGHTS_ALL, 3));
	EXPECT_OK(copy(ROOT, F + 4, EP, TALLY_RIGHTS_ALL));
	/* deleting a copy: its child moves up to its parent */
	EXPECT_OK(delete(ROOT, F + 1));
	ck_assert(cte_empty(slot_at(F + 1)));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 2)), slot_at(EP));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 3)), slot_at(F + 2));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4);
	/* deleting the original: the object stays, its copies go under the untyped */
	EXPECT_OK(delete(ROOT, EP));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 2)), slot_at(SLOT_U0));
	ck_assert_ptr_eq(cdt_parent(slot_at(F + 4)), slot_at(SLOT_U0));
	EXPECT_OK(inspect(ROOT, SLOT_U0));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	ck_assert_uint_eq(checked().untyped_free, UNTYPED_BYTES - 64);
	/* the copies can still be copied and revoked */
	EXPECT_OK(copy(ROOT, F + 5, F + 4, TALLY_RIGHTS_ALL));
	EXPECT_OK(revoke(ROOT, F + 2));
	ck_assert(cte_empty(slot_at(F + 3)));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	/* revoking a leaf, and deleting an empty slot, do nothing */
	EXPECT_OK(revoke(ROOT, F + 2));
	EXPECT_OK(delete(ROOT, F + 100));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	/* the slot index must be in the CNode */
	EXPECT_ERROR(delete(ROOT, 0), TALLY_ERR_RANGE, 1, 0, S);
	EXPECT_ERROR(revoke(ROOT, S), TALLY_ERR_RANGE, 1, S, S);
	EXPECT_ERROR(inspect(ROOT, ~0ul), TALLY_ERR_RANGE, 1, ~0ul, S);
	/* the last capability goes: the object is gone and its space is free */
	EXPECT_OK(delete(ROOT, F + 4));
	EXPECT_OK(delete(ROOT, F + 2));
	ck_assert_uint_eq(checked().untyped_free, UNTYPED_BYTES - 64);
	EXPECT_OK(delete(ROOT, F + 5));
	EXPECT_OK(inspect(ROOT, SLOT_U0));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	ck_assert_uint_eq(mr[5], 1ul << 22);
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(revoke_of_an_untyped_deletes_its_objects_and_their_copies)
{
	const unsigned long F = SLOT_FREE;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_UNTYPED, 16, ROOT, F, 1));
	EXPECT_OK(retype(F, TALLY_OBJ_NOTIFICATION, 0, ROOT, F + 1, 200));
	EXPECT_OK(retype(F, TALLY_OBJ_UNTYPED, 12, ROOT, F + 201, 1));
	EXPECT_OK(retype(F + 201, TALLY_OBJ_ENDPOINT, 0, ROOT, F + 202, 10));
	EXPECT_OK(mint(ROOT, F + 300, F + 1, TALLY_RIGHTS_ALL, 1));
	EXPECT_OK(copy(ROOT, F + 301, F + 300, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, F + 302, F + 205, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 215);
	/* an untyped with live objects cannot just be dropped: revoke it first */
	ck_assert_int_eq(delete(ROOT, F + 201), TALLY_ERR_REVOKE_FIRST);
	ck_assert_int_eq(cap_type(&slot_at(F + 201)->cap), TALLY_OBJ_UNTYPED);
	/* revoking the parent reaches the grandchildren and their copies */
	EXPECT_OK(revoke(ROOT, F));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1);
	EXPECT_OK(inspect(ROOT, F));
	ck_assert_uint_eq(mr[5], 1ul << 16);
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(0);
}
END_TEST

/*
 * Root slots of the CNode tests: A (radix 4) holds objects, copies, the
 * original of B and a copy of C; copies of A make it addressable.
 */
enum { A = SLOT_FREE, A_COPY, B, C, FR };

START_TEST(destroying_a_cnode_deletes_what_it_holds)
{
	struct cap_check_stats st;

	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 3, ROOT, B, 2));    /* B and C */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, ROOT, FR, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 3));    /* A[1..3] */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, B, 1, 7));    /* fills B */
	EXPECT_OK(copy(A, 4, FR, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(A, 5, C, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(A, 6, A, TALLY_RIGHTS_ALL));                     /* A holds itself */
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(C, 2, A_COPY, TALLY_RIGHTS_ALL));                /* C holds A too */
	EXPECT_OK(mint(A, 15, ROOT, TALLY_RIGHTS_ALL, ROOT_GUARD));     /* and the root CNode */
	EXPECT_OK(move(A, 7, B));                                       /* B's original */
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 4 + 3 + 7 + 6);

	/* revoke the copies of A: A lives on, now with one capability */
	EXPECT_OK(revoke(ROOT, A));
	ck_assert(cte_empty(slot_at(A_COPY)));
	EXPECT_OK(inspect(C, 2));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_NULL);
	EXPECT_OK(inspect(A, 7));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_CNODE);
	/* delete it: A, B and their endpoints go; C, the frame, the root CNode stay */
	EXPECT_OK(delete(ROOT, A));
	ck_assert(cte_empty(slot_at(A)));
	EXPECT_OK(inspect(ROOT, C));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	EXPECT_OK(inspect(ROOT, FR));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	st = checked();
	ck_assert_uint_eq(st.zombies, 0);
	ck_assert_uint_eq(st.caps, FIXTURE_CAPS + 2);
	ck_assert_uint_eq(st.untyped_free, UNTYPED_BYTES - 4096 - 512);
	revoke_all_untypeds();
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(a_cnode_lives_until_its_last_capability_goes)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 3, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 7));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, B, A_COPY, TALLY_RIGHT_READ | TALLY_RIGHT_WRITE));
	/* the original goes first: the copies keep the CNode and what it holds */
	EXPECT_OK(delete(ROOT, A));
	ck_assert_ptr_eq(cdt_parent(slot_at(A_COPY)), slot_at(SLOT_U0));
	EXPECT_OK(inspect(B, 7));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	EXPECT_OK(delete(ROOT, A_COPY));
	EXPECT_OK(inspect(B, 7));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1 + 7);
	/* the last one */
	EXPECT_OK(delete(ROOT, B));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(cnode_holding_its_own_original_is_destroyed)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 2));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(A_COPY, 3, A));                   /* A's original in A[3] */
	/* deleting the original through the copy leaves the copy as the last one */
	EXPECT_OK(delete(A_COPY, 3));
	ck_assert_ptr_eq(cdt_parent(slot_at(A_COPY)), slot_at(SLOT_U0));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	/* and deleting that destroys A */
	EXPECT_OK(delete(ROOT, A_COPY));
	expect_all_reclaimed(0);
	/* once more, now with the original as the last capability, out of reach */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 2));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(A_COPY, 3, A));
	EXPECT_OK(delete(ROOT, A_COPY));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 3);
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(cnodes_holding_each_others_originals_are_reclaimed_with_their_untyped)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U1, TALLY_OBJ_CNODE, 5, ROOT, B, 1));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_NOTIFICATION, 0, A, 2, 14));
	EXPECT_OK(retype(SLOT_U2, TALLY_OBJ_NOTIFICATION, 0, B, 20, 12));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, C, B, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(C, 1, A));          /* A's original in B */
	EXPECT_OK(move(A_COPY, 1, B));     /* B's original in A */
	EXPECT_OK(delete(ROOT, A_COPY));
	EXPECT_OK(delete(ROOT, C));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 2 + 26);
	/* the notifications' untyped cannot be freed while the CNodes live */
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL | TALLY_INSPECT_HAS_CHILDREN);
	EXPECT_OK(revoke(ROOT, SLOT_U1));
	EXPECT_OK(inspect(ROOT, SLOT_U2));
	ck_assert_uint_eq(mr[4], TALLY_INSPECT_ORIGINAL);
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(deleting_one_of_two_cnodes_holding_each_other_leaves_the_other)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, B, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 3, 4));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, B, 3, 4));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(B, 1, A));          /* A's original in B[1] */
	EXPECT_OK(move(A_COPY, 1, B));     /* B's original in A[1] */
	/* B goes; A's original with it, but A lives on in its copy */
	EXPECT_OK(delete(A_COPY, 1));
	ck_assert_ptr_eq(cdt_parent(slot_at(A_COPY)), slot_at(SLOT_U0));
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 1 + 4);
	EXPECT_OK(delete(ROOT, A_COPY));
	expect_all_reclaimed(0);
}
END_TEST

/* Once a hang: a CNode that holds the Untyped its own memory came from. */
START_TEST(deleting_a_cnode_that_holds_its_own_untyped_finishes)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_UNTYPED, 16, ROOT, B, 1));
	EXPECT_OK(retype(B, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(B, TALLY_OBJ_ENDPOINT, 0, A, 2, 3));
	EXPECT_OK(move(A, 1, B));
	EXPECT_OK(delete(ROOT, A));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(cnodes_holding_each_others_untypeds_are_destroyed)
{
	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_UNTYPED, 16, ROOT, B, 2));      /* B, C */
	EXPECT_OK(retype(B, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(C, TALLY_OBJ_CNODE, 4, ROOT, A_COPY, 1));
	EXPECT_OK(retype(C, TALLY_OBJ_ENDPOINT, 0, A, 5, 3));
	EXPECT_OK(move(A_COPY, 1, B));     /* A's untyped in the other CNode */
	EXPECT_OK(move(A, 1, C));          /* and the other's untyped in A */
	EXPECT_OK(delete(ROOT, A));
	EXPECT_OK(delete(ROOT, A_COPY));
	expect_all_reclaimed(0);
}
END_TEST

/*
 * A revoke that deletes the capability the call was invoked through (here
 * the only CNode capabilities that reach the target) is reported as a lookup
 * failure when it is re-issued after a preemption (docs/capabilities.md);
 * what it left is finished by the idle loop and by revoking the untyped.
 */
START_TEST(revoke_that_removes_its_own_path_is_finished_later)
{
	long err;

	setup();
	fake_preempt_every = (unsigned long)_i;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_UNTYPED, 16, ROOT, B, 1));
	EXPECT_OK(retype(B, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(B, TALLY_OBJ_ENDPOINT, 0, A, 5, 8));
	EXPECT_OK(copy(ROOT, A_COPY, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(move(A, 1, B));          /* the untyped in the CNode made from it */
	err = revoke(A_COPY, 1);
	ck_assert_msg(err == TALLY_OK || (restarts && err == TALLY_ERR_LOOKUP_FAILED),
		      "revoke: got %s after %lu restarts", tally_error_name(err), restarts);
	ck_assert(cte_empty(slot_at(A_COPY)));
	idle_drain();
	checked();
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(0);
}
END_TEST

START_TEST(preempted_revoke_of_a_big_tree_resumes_and_finishes)
{
	unsigned long i;

	setup();
	fake_preempt_every = (unsigned long)_i + 1;
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 12, ROOT, A, 1));        /* 4096 slots */
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, B, 200));
	for (i = 0; i < 200; i += 7)
		EXPECT_OK(copy(A, 4095 - i, B + i, TALLY_RIGHTS_ALL));
	EXPECT_OK(copy(ROOT, 2000, A, TALLY_RIGHTS_ALL));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_FRAME_4K, 0, 2000, 1, 100));
	EXPECT_OK(revoke(ROOT, A));
	EXPECT_OK(delete(ROOT, A));
	ck_assert_uint_gt(restarts, 0);
	ck_assert_uint_eq(checked().caps, FIXTURE_CAPS + 200);
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	ck_assert_uint_gt(restarts, 0);
	expect_all_reclaimed(0);
}
END_TEST

/* A second thread with the same root CNode, for calls that interleave. */
static struct thread *
second_thread(void)
{
	struct thread *t = &boot_threads[1];

	t->index = 1;
	t->state = TALLY_THREAD_RUNNABLE;
	cdt_insert(&root[TALLY_SLOT_ROOT_CNODE], &t->cspace_root,
		   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, 0, TALLY_ROOT_CNODE_RADIX,
			    two_levels ? 0 : ROOT_GUARD, root, 0, 0));
	boot_thread_count = 2;
	return t;
}

/*
 * Thread 1 deletes the last capability to a full CNode and is preempted
 * while the CNode is being emptied; the slot it deleted is already empty,
 * so thread 2 puts a capability there. When thread 1's call is issued
 * again it must finish its own work, not delete thread 2's capability.
 */
START_TEST(a_restarted_delete_leaves_alone_what_another_thread_put_in_the_slot)
{
	struct thread *t1, *t2;

	setup();
	t1 = self;
	t2 = second_thread();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 1, 15));
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, B, 1));
	fake_preempt_every = 1;
	invoke_load(t1, ROOT, TALLY_CNODE_DELETE, (const uint64_t[INVOKE_MRS]){ A });
	ck_assert(invoke_issue(t1));
	ck_assert(cte_empty(slot_at(A)));
	/* thread 2 runs */
	self = t2;
	EXPECT_OK(copy(ROOT, A, B, TALLY_RIGHTS_ALL));
	self = t1;
	while (invoke_issue(t1))
		;
	ck_assert_uint_eq(t1->regs.error, TALLY_OK);
	ck_assert_msg(!cte_empty(slot_at(A)) && cap_type(&slot_at(A)->cap) == TALLY_OBJ_ENDPOINT,
		      "thread 1's re-issued delete deleted the copy thread 2 put in the slot");
	EXPECT_OK(revoke(ROOT, SLOT_U0));
	expect_all_reclaimed(1);
}
END_TEST

/* Thread 2 asks for TALLY_SYS_DEBUG_CHECK (a kernel panic fails the test). */
static void
debug_check_from_second_thread(void)
{
	struct thread *t2 = &boot_threads[1];

	t2->regs.number = TALLY_SYS_DEBUG_CHECK;
	t2->regs.args[0] = FAKE_USER_BASE;
	dispatch_thread(t2);
	ck_assert_uint_eq(t2->regs.error, TALLY_OK);
}

/*
 * Another thread may run, and ask for TALLY_SYS_DEBUG_CHECK, at every
 * preemption point of a long call: the invariants hold there too, while
 * several CNodes are being destroyed at once.
 */
START_TEST(invariants_hold_at_every_preemption_point_of_a_cnode_destruction)
{
	unsigned long i;

	setup();
	second_thread();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 4, ROOT, A, 1));
	for (i = 1; i <= 3; i++) {
		/* A[i] holds the only capability to a CNode that holds endpoints */
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_CNODE, 3, ROOT, B, 1));
		EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, B, 1, 5));
		EXPECT_OK(move(A, i, B));
	}
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, A, 4, 12));
	fake_preempt_every = (unsigned long)_i + 1;
	check_mid_call = true;
	between_restarts = debug_check_from_second_thread;
	EXPECT_OK(delete(ROOT, A));
	ck_assert_uint_gt(restarts, 0);
	expect_all_reclaimed(1);
	ck_assert_msg(!mid_call_problem[0], "between restarts the checker found %s",
		      mid_call_problem);
}
END_TEST

/*
 * A CNode capability without WRITE does not let its holder change that
 * CNode, not even by naming it on the way to the source of a MOVE.
 */
START_TEST(moving_a_capability_out_of_a_cnode_needs_write_on_it)
{
	const unsigned long F = SLOT_FREE, S = SLOT_SELF;
	const uint64_t root_cn = (uint64_t)S << 52 | S, window = (uint64_t)S << 52 | (F + 1);
	struct cte *d;
	long err;

	fixture(true);
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_CNODE, 4, root_cn, F, 1));
	EXPECT_OK(retype((uint64_t)S << 52 | SLOT_U0, TALLY_OBJ_ENDPOINT, 0, (uint64_t)S << 52 | F,
			 5, 1));
	/* a read-only window onto the new CNode (guard of 52 - 4 bits) */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_MINT, F + 1, F, 12, TALLY_RIGHT_READ, 48));
	d = cap_object(&slot_at(F)->cap);
	EXPECT_OK(inspect(window, 5));
	ck_assert_uint_eq(mr[0], TALLY_OBJ_ENDPOINT);
	EXPECT_ERROR(delete(window, 5), TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	EXPECT_ERROR(move(window, 6, (uint64_t)(F + 1) << 52 | 5), TALLY_ERR_INVALID_CAPABILITY, 0,
		     TALLY_RIGHT_WRITE, 0);
	/* copying out of it is reading; moving out of it is writing */
	EXPECT_OK(INV(root_cn, TALLY_CNODE_COPY, F + 2, (uint64_t)(F + 1) << 52 | 5, 64,
		      TALLY_RIGHTS_ALL));
	err = INV(root_cn, TALLY_CNODE_MOVE, F + 3, (uint64_t)(F + 1) << 52 | 5, 64);
	ck_assert_msg(err != TALLY_OK && cap_type(&d[5].cap) == TALLY_OBJ_ENDPOINT,
		      "a read-only CNode capability let the caller move a capability out of its "
		      "CNode (got %s)", tally_error_name(err));
}
END_TEST

START_TEST(debug_check_call_reports_the_checkers_totals)
{
	struct tally_cap_stats user;

	setup();
	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_ENDPOINT, 0, ROOT, SLOT_FREE, 3));
	self->regs.number = TALLY_SYS_DEBUG_CHECK;
	self->regs.args[0] = FAKE_USER_BASE;
	dispatch();
	ck_assert_uint_eq(self->regs.error, TALLY_OK);
	memcpy(&user, fake_user, sizeof(user));
	ck_assert_uint_eq(user.caps, FIXTURE_CAPS + 3);
	ck_assert_uint_eq(user.untyped_bytes, UNTYPED_BYTES);
	ck_assert_uint_eq(user.untyped_free, UNTYPED_BYTES - 3 * 64);
	ck_assert_uint_eq(user.zombies, 0);
	self->regs.args[0] = 0xffff800000000000ul;
	dispatch();
	ck_assert_uint_eq(self->regs.error, TALLY_ERR_BAD_ADDRESS);
}
END_TEST

/* ---- random walks ---- */

/*
 * Random steps on the two-level fixture. Root slots WIN_FIRST.. hold
 * "windows": CNode capabilities minted with a guard of 52 - radix bits, so
 * (w << 52 | n) is slot n of window w's CNode; SLOT_SELF is the root
 * CNode's own window. Steps never delete, move or revoke the boot
 * capabilities or the windows (except to reopen a window, and revoking a
 * boot untyped), so the root CNode and the threads' roots survive;
 * everything else is fair game, Untypeds moved into the CNodes made from
 * them included. In some runs a second thread, sharing the root CNode,
 * takes steps between the restarts of a preempted call.
 */
#define WIN_FIRST   (SLOT_SELF + 1)
#define WIN_COUNT   4
#define WALK_FIRST  (WIN_FIRST + WIN_COUNT)
#define WALK_SLOTS  64
#define WALK_STEPS  5000

enum walk_op {
	OP_RETYPE, OP_COPY, OP_MINT, OP_MOVE, OP_DELETE, OP_REVOKE, OP_INSPECT, OP_WINDOW,
	OP_DESTROY, OP_JUNK, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"retype", "copy", "mint", "move", "delete", "revoke", "inspect", "window", "destroy",
	"junk",
};

/* Chance of each step, in percent. */
static const unsigned op_weight[OP_COUNT] = { 22, 13, 8, 10, 12, 6, 5, 12, 8, 4 };

struct walk {
	unsigned long seed, rng, step;
	enum walk_op op;
	unsigned long ok[OP_COUNT];  /* successes of each kind */
	unsigned long preempted;     /* steps that were restarted at least once */
	unsigned long cnodes_destroyed;
	unsigned long max_caps;
	unsigned long abandoned;     /* revokes that removed their own path (documented) */
	unsigned long restarted_failures;
	char first_restarted_failure[200];
	bool relaxed;                /* another thread ran inside this step */
	bool in_interleave;
	unsigned long interleaves;
};

#define WALK_ASSERT(wk, cond)                                                          \
	do {                                                                           \
		if (!(cond))                                                           \
			ck_abort_msg("seed %lu step %lu (%s): property failed: %s (%s:%d)", \
				     (wk)->seed, (wk)->step, op_names[(wk)->op], #cond,    \
				     __FILE__, __LINE__);                              \
	} while (0)

/* A check of a step's own effect, which another thread running inside it may undo. */
#define WALK_POST(wk, cond)                                                            \
	do {                                                                           \
		if (!(wk)->relaxed)                                                    \
			WALK_ASSERT(wk, cond);                                         \
	} while (0)

static unsigned long
rnd(struct walk *wk, unsigned long n)
{
	return n ? test_rand(&wk->rng) % n : 0;
}

static uint64_t
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

/* The memory of a new object is zero (2 MiB frames: first and last 4 KiB). */
static bool
object_is_zero(const struct cap *c)
{
	const unsigned char *p = cap_object(c);
	size_t n = 1ul << obj_bits(c);

	if (n > (64ul << 10))
		return all_bytes(p, 4096, 0) && all_bytes(p + n - 4096, 4096, 0);
	return all_bytes(p, n, 0);
}

/* Use a new object the way its owner would: dirty its memory (not a CNode's). */
static void
object_dirty(const struct cap *c)
{
	unsigned char *p = cap_object(c);
	size_t n = 1ul << obj_bits(c);

	if (cap_type(c) == TALLY_OBJ_CNODE || cap_type(c) == TALLY_OBJ_UNTYPED || cap_is_device(c))
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
		WALK_POST(wk, type == TALLY_OBJ_UNTYPED || cap_is_device(&s->cap) ||
				object_is_zero(&s->cap));
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

static long
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

static enum walk_op
walk_pick(struct walk *wk)
{
	unsigned long r = rnd(wk, 100);
	unsigned op;

	for (op = 0; op + 1 < OP_COUNT && r >= op_weight[op]; op++)
		r -= op_weight[op];
	return (enum walk_op)op;
}

/*
 * After a step: every invariant holds; a failure is a named error in the
 * record and, unless the call was restarted, changed nothing; a success
 * changed the number of capabilities as it should.
 */
static struct cap_check_stats
walk_check_step(struct walk *wk, long err, const struct cap_check_stats *before)
{
	struct cap_check_stats st;
	const char *why;

	if (restarts)
		wk->preempted++;
	if ((err == TALLY_ERR_LOOKUP_FAILED && restarts &&
	     (wk->op == OP_REVOKE || wk->op == OP_DESTROY)) || wk->relaxed) {
		/* documented: a revoke that removed its own path; or another thread ran */
		wk->abandoned += !wk->relaxed;
		if ((why = cap_check(is_thread_root, &st)) && !mid_call_problem[0])
			snprintf(mid_call_problem, sizeof(mid_call_problem),
				 "\"%s\" before the idle loop ran (step %lu)", why, wk->step);
		idle_drain();
	}
	why = cap_check(is_thread_root, &st);
	if (why)
		ck_abort_msg("seed %lu step %lu (%s): capability invariant broken: %s", wk->seed,
			     wk->step, op_names[wk->op], why);
	WALK_ASSERT(wk, err >= TALLY_OK && err < TALLY_ERROR_COUNT);
	WALK_ASSERT(wk, st.untyped_bytes == UNTYPED_BYTES);
	WALK_ASSERT(wk, st.zombies == 0 && !cap_zombies_pending());
	if (err == TALLY_OK) {
		wk->ok[wk->op]++;
		if (wk->op == OP_COPY || wk->op == OP_MINT)
			WALK_POST(wk, st.caps == before->caps + 1);
		if (wk->op == OP_MOVE || wk->op == OP_INSPECT)
			WALK_POST(wk, st.caps == before->caps);
		return st;
	}
	WALK_ASSERT(wk, self->error.error == (unsigned long)err);
	WALK_ASSERT(wk, err != TALLY_ERR_LOOKUP_FAILED ||
			(self->error.lookup > TALLY_LOOKUP_OK &&
			 self->error.lookup <= TALLY_LOOKUP_EMPTY_SLOT));
	if (wk->relaxed)
		return st;
	if (restarts == 0) {
		WALK_ASSERT(wk, memcmp(before, &st, sizeof(st)) == 0);
		return st;
	}
	if ((wk->op == OP_REVOKE || wk->op == OP_DESTROY) && err == TALLY_ERR_LOOKUP_FAILED)
		return st;
	/* any other call that was restarted has done part of its work: it must finish */
	if (!wk->restarted_failures++)
		snprintf(wk->first_restarted_failure, sizeof(wk->first_restarted_failure),
			 "step %lu (%s) failed with %s after %lu restarts", wk->step,
			 op_names[wk->op], tally_error_name(err), restarts);
	return st;
}

/*
 * Between two restarts of a call, sometimes let the second thread take
 * a few random steps of its own, as the scheduler would.
 */
static struct walk *interleave_walk;

static void
walk_interleave(void)
{
	struct walk *wk = interleave_walk;
	enum walk_op op = wk->op;
	struct thread *t1 = self;
	const char *why;
	struct cap_check_stats st;
	unsigned long n;

	if (wk->in_interleave || rnd(wk, 3))
		return;
	wk->in_interleave = wk->relaxed = true;
	self = &boot_threads[1];
	for (n = 1 + rnd(wk, 3); n; n--) {
		long err;

		wk->op = walk_pick(wk);
		st = (struct cap_check_stats){ 0 };   /* (relaxed: no step compares with it) */
		err = walk_step(wk, &st);
		if (err < 0)
			continue;
		/* another call is still under way: a problem is kept, the walk goes on */
		if ((why = cap_check(is_thread_root, &st)) && !mid_call_problem[0])
			snprintf(mid_call_problem, sizeof(mid_call_problem),
				 "\"%s\" after step %lu (%s) of the second thread, inside a %s",
				 why, wk->step, op_names[wk->op], op_names[op]);
		WALK_ASSERT(wk, err >= TALLY_OK && err < TALLY_ERROR_COUNT);
		WALK_ASSERT(wk, err == TALLY_OK || self->error.error == (unsigned long)err);
		wk->interleaves++;
	}
	self = t1;
	wk->op = op;
	wk->in_interleave = false;
}

/* Revoke the untypeds and delete the rest: only the boot capabilities stay. */
static void
walk_finish(struct walk *wk)
{
	uint64_t self_cn = waddr(SLOT_SELF, SLOT_SELF);
	struct cap_check_stats st;
	unsigned long i;

	for (i = SLOT_U0; i < SLOT_U0 + UNTYPEDS; i++)
		WALK_ASSERT(wk, revoke(self_cn, i) == TALLY_OK);
	for (i = WIN_FIRST; i < ROOT_SLOTS; i++)
		if (!cte_empty(&root[i]))
			WALK_ASSERT(wk, delete(self_cn, i) == TALLY_OK);
	WALK_ASSERT(wk, delete(self_cn, SLOT_SELF) == TALLY_OK);
	st = checked();
	WALK_ASSERT(wk, st.zombies == 0 && !cap_zombies_pending());
	WALK_ASSERT(wk, st.untyped_bytes == UNTYPED_BYTES && st.untyped_free == UNTYPED_BYTES);
	WALK_ASSERT(wk, st.caps == FIXTURE_CAPS + 1);   /* and the second thread's root */
	for (i = 1; i < SLOT_SELF; i++)
		WALK_ASSERT(wk, cap_is_original(&root[i].cap) && cdt_parent(&root[i]) == &cdt_sentinel);
	WALK_ASSERT(wk, root[TALLY_SLOT_ROOT_CNODE].first_child == &boot_threads[1].cspace_root &&
			root[TALLY_SLOT_ROOT_CNODE].last_child == &boot_threads[0].cspace_root &&
			!boot_threads[0].cspace_root.first_child &&
			!boot_threads[1].cspace_root.first_child);
}

/*
 * One random walk. Run `_i` picks the seed and how calls are preempted:
 * never; at every n-th preemption point for a small n that changes; or so,
 * and with a second thread taking steps between the restarts. The checker
 * also runs at every preemption point.
 */
static void
walk_run(unsigned run)
{
	struct walk wk = { .seed = 0x9e3779b97f4a7c15ul * (run + 1) };
	bool preempt = run % 3 != 0;
	struct cap_check_stats before;
	unsigned op;

	wk.rng = wk.seed;
	fixture(true);
	second_thread();
	check_mid_call = true;
	if (run % 3 == 2) {
		interleave_walk = &wk;
		between_restarts = walk_interleave;
	}
	before = checked();
	for (wk.step = 0; wk.step < WALK_STEPS; wk.step++) {
		long err;

		if (preempt && wk.step % 200 == 0)
			fake_preempt_every = 1 + rnd(&wk, rnd(&wk, 4) ? 8 : 64);
		wk.op = walk_pick(&wk);
		wk.relaxed = false;
		restarts = 0;
		err = walk_step(&wk, &before);
		if (err < 0)
			continue;   /* a step the walk does not take */
		before = walk_check_step(&wk, err, &before);
		wk.max_caps = MAX(wk.max_caps, before.caps);
	}
	between_restarts = NULL;
	wk.op = OP_REVOKE;
	walk_finish(&wk);
	if (getenv("WALK_STATS")) {
		fprintf(stderr, "seed %lu:", wk.seed);
		for (op = 0; op < OP_COUNT; op++)
			fprintf(stderr, " %s=%lu", op_names[op], wk.ok[op]);
		fprintf(stderr, "\n preempted=%lu abandoned=%lu interleaved steps=%lu "
			"cnodes_destroyed=%lu maxcaps=%lu\n", wk.preempted, wk.abandoned,
			wk.interleaves, wk.cnodes_destroyed, wk.max_caps);
	}
	/* the walk did what it is for */
	for (op = 0; op < OP_JUNK; op++)
		ck_assert_msg(wk.ok[op] >= 10, "seed %lu: only %lu successful %s steps", wk.seed,
			      wk.ok[op], op_names[op]);
	ck_assert_msg(wk.cnodes_destroyed >= 5, "seed %lu: only %lu CNodes destroyed", wk.seed,
		      wk.cnodes_destroyed);
	ck_assert(!preempt || wk.preempted > 0);
	ck_assert(run % 3 != 2 || wk.interleaves > 0);
	ck_assert_msg(wk.restarted_failures == 0,
		      "seed %lu: %lu restarted calls failed after doing part of their work; "
		      "first: %s", wk.seed, wk.restarted_failures, wk.first_restarted_failure);
	ck_assert_msg(!mid_call_problem[0], "seed %lu: at a preemption point the checker found %s",
		      wk.seed, mid_call_problem);
}

START_TEST(random_steps_keep_every_invariant_and_revoke_reclaims_all)
{
	walk_run((unsigned)_i);
}
END_TEST

Suite *
cap_suite(void)
{
	Suite *s = suite_create("cap");
	TCase *tc = tcase_create("core");
	TCase *walk = tcase_create("random");

	tcase_add_test(tc, retype_makes_every_type_in_order_and_inspect_reports_it);
	tcase_add_test(tc, retype_from_device_memory_makes_frames_and_untypeds_without_writing_it);
	tcase_add_test(tc, retype_failures_name_their_error_and_change_nothing);
	tcase_add_test(tc, untyped_space_is_reused_only_after_every_child_is_gone);
	tcase_add_test(tc, preempted_retype_resumes_zeroing_and_finishes);
	tcase_add_test(tc, copy_and_mint_derive_with_no_more_rights_and_badges_stick);
	tcase_add_test(tc, copy_mint_and_move_failures_name_their_argument_and_change_nothing);
	tcase_add_test(tc, copies_of_copies_stop_at_the_generation_limit);
	tcase_add_test(tc, move_keeps_the_capability_and_its_place_in_the_tree);
	tcase_add_test(tc, lookup_failures_say_why_and_where);
	tcase_add_test(tc, two_level_lookups_go_through_minted_cnodes);
	tcase_add_test(tc, delete_removes_one_capability_and_its_children_take_its_place);
	tcase_add_test(tc, revoke_of_an_untyped_deletes_its_objects_and_their_copies);
	/* loop tests: _i is fake_preempt_every (0: never preempted) */
	tcase_add_loop_test(tc, destroying_a_cnode_deletes_what_it_holds, 0, 4);
	tcase_add_loop_test(tc, a_cnode_lives_until_its_last_capability_goes, 0, 3);
	tcase_add_loop_test(tc, cnode_holding_its_own_original_is_destroyed, 0, 3);
	tcase_add_loop_test(tc, cnodes_holding_each_others_originals_are_reclaimed_with_their_untyped,
			    0, 3);
	tcase_add_loop_test(tc, deleting_one_of_two_cnodes_holding_each_other_leaves_the_other, 0, 3);
	tcase_add_loop_test(tc, deleting_a_cnode_that_holds_its_own_untyped_finishes, 0, 3);
	tcase_add_loop_test(tc, cnodes_holding_each_others_untypeds_are_destroyed, 0, 3);
	tcase_add_loop_test(tc, revoke_that_removes_its_own_path_is_finished_later, 0, 3);
	tcase_add_loop_test(tc, preempted_revoke_of_a_big_tree_resumes_and_finishes, 0, 3);
	tcase_add_loop_test(tc, invariants_hold_at_every_preemption_point_of_a_cnode_destruction,
			    0, 3);
	tcase_add_test(tc, a_restarted_delete_leaves_alone_what_another_thread_put_in_the_slot);
	tcase_add_test(tc, moving_a_capability_out_of_a_cnode_needs_write_on_it);
	tcase_add_test(tc, debug_check_call_reports_the_checkers_totals);
	suite_add_tcase(s, tc);

	tcase_set_timeout(walk, 60);
	tcase_add_loop_test(walk, random_steps_keep_every_invariant_and_revoke_reclaims_all, 0, 9);
	suite_add_tcase(s, walk);
	return s;
}
