/*
 * The capability tests' fixture: the boot capabilities of one thread, built in
 * fake RAM the way boot_caps.c builds them, and the helpers that issue
 * TALLY_SYS_INVOKE as that thread. A preempted call is issued again, as the
 * arch layer would, until it finishes.
 */
#include "cap_fixture.h"
#include <kernel/syscall.h>
#include <kernel/schedctx.h>
#include <kernel/sched.h>
#include <stdio.h>
#include <string.h>

#define RAM_BASE      (1ul << 20)      /* the part of fake RAM the fixture uses */
#define RAM_END       (14ul << 20)
#define ROOT_CNODE_PA (1ul << 20)
#define VSPACE_PA     0x1000ul
#define IPC_BUFFER_PA 0x3000ul

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

static bool two_levels;       /* which fixture: see fixture() */

/* Declared, and described, in cap_fixture.h. */
struct thread *self;
struct cte *root;
uint64_t mr[INVOKE_MRS];
unsigned long restarts;
bool check_mid_call;
char mid_call_problem[200];
void (*between_restarts)(void);

#define RESTART_LIMIT 200000ul

/*
 * True if s is a slot of a boot thread that no capability names (all but
 * the first, whose slots the checker finds through its thread capability):
 * cap_check's outside_ok.
 */
bool
is_thread_root(const struct cte *s)
{
	unsigned i;

	for (i = 1; i < boot_thread_count; i++)
		if (s >= boot_threads[i].slots && s < boot_threads[i].slots + TCB_SLOTS)
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
void
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
	strlcpy(self->name, "root", sizeof(self->name));
	sched_init();
	fixture_give_time(self);
	sched_current = self;

	root = arch_phys_to_virt(ROOT_CNODE_PA);
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_CNODE],
		   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, CAP_ORIGINAL, TALLY_ROOT_CNODE_RADIX,
			    ROOT_GUARD, root, 0, 0));
	cdt_insert(&root[TALLY_SLOT_ROOT_CNODE], thread_cspace(self),
		   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, 0, TALLY_ROOT_CNODE_RADIX,
			    two_level ? 0 : ROOT_GUARD, root, 0, 0));
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_VSPACE],
		   object_original_cap(TALLY_OBJ_PML4, 0, arch_phys_to_virt(VSPACE_PA), false));
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_IPC_BUFFER],
		   object_original_cap(TALLY_OBJ_FRAME_4K, 0, arch_phys_to_virt(IPC_BUFFER_PA), false));
	cdt_insert(NULL, &root[TALLY_SLOT_ROOT_THREAD],
		   object_original_cap(TALLY_OBJ_THREAD, 0, self, false));
	cdt_insert(NULL, &root[TALLY_SLOT_IRQ_CONTROL],
		   cap_make(TALLY_OBJ_IRQ_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0, 0));
	cdt_insert(NULL, &root[TALLY_SLOT_SCHED_CONTROL],
		   cap_make(TALLY_OBJ_SCHED_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0,
			    0));
	cdt_insert(NULL, &root[TALLY_SLOT_IOPORT_CONTROL],
		   cap_make(TALLY_OBJ_IOPORT_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0,
			    0));
	for (i = 0; i < UNTYPEDS; i++) {
		struct cap u = object_original_cap(TALLY_OBJ_UNTYPED, fixture_untyped[i].bits,
						   arch_phys_to_virt(fixture_untyped[i].pa),
						   fixture_untyped[i].device);

		/* as at boot: RAM is not known to be zero until the first reset */
		if (!fixture_untyped[i].device)
			cap_set_word2(&u, 1ul << fixture_untyped[i].bits);
		cdt_insert(NULL, &root[SLOT_U0 + i], u);
	}
	if (two_level)
		cdt_insert(&root[TALLY_SLOT_ROOT_CNODE], &root[SLOT_SELF],
			   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, 0, TALLY_ROOT_CNODE_RADIX,
				    52 - TALLY_ROOT_CNODE_RADIX, root, 0, 0));
}

/* The one-level fixture, for most tests. */
void
setup(void)
{
	fixture(false);
}

/* Run one system call; a kernel halt (panic) fails the test. */
void
dispatch_thread(struct thread *t)
{
	if (setjmp(fake_exit) == 0)
		syscall_dispatch(t);
	else
		ck_abort_msg("the kernel halted (status %d): %s", fake_halt_status, fake_console);
}

/* Run one system call of `self`, as dispatch_thread does. */
void
dispatch(void)
{
	dispatch_thread(self);
}

/* How many zombies are waiting on the kernel's list. */
static unsigned long
zombies_pending(void)
{
	const struct cte *z;
	unsigned long n = 0;

	for (z = cap_zombie_first(); z; z = cap_zombie_after(z))
		n++;
	return n;
}

/*
 * Run the checker between two restarts of a call; keep the first problem it
 * finds in mid_call_problem, with the call and the restart it was after.
 */
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
void
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
bool
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
long
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

/* The invocations, issued as `self` through invoke(); each returns the error. */
long
retype(uint64_t untyped, uint64_t type, uint64_t size_bits, uint64_t cnode, uint64_t first,
       uint64_t count)
{
	return INV(untyped, TALLY_UNTYPED_RETYPE, type, size_bits, cnode, first, count);
}

long
copy(uint64_t cnode, uint64_t dst, uint64_t src, uint64_t rights)
{
	return INV(cnode, TALLY_CNODE_COPY, dst, src, 64, rights);
}

long
mint(uint64_t cnode, uint64_t dst, uint64_t src, uint64_t rights, uint64_t badge)
{
	return INV(cnode, TALLY_CNODE_MINT, dst, src, 64, rights, badge);
}

long
move(uint64_t cnode, uint64_t dst, uint64_t src)
{
	return INV(cnode, TALLY_CNODE_MOVE, dst, src, 64);
}

long
delete(uint64_t cnode, uint64_t index)
{
	return INV(cnode, TALLY_CNODE_DELETE, index);
}

long
revoke(uint64_t cnode, uint64_t index)
{
	return INV(cnode, TALLY_CNODE_REVOKE, index);
}

long
inspect(uint64_t cnode, uint64_t index)
{
	return INV(cnode, TALLY_CNODE_INSPECT, index);
}

/* The thread's error record, read through TALLY_SYS_ERROR_DETAIL. */
struct tally_error_detail
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

/* The call fails with err; the error record names the argument, value and limit. */
void
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

/* Check every invariant and return the totals. */
struct cap_check_stats
checked(void)
{
	struct cap_check_stats st;
	const char *why = cap_check(is_thread_root, &st);

	ck_assert_msg(!why, "capability invariant broken: %s", why);
	return st;
}

/* Nothing is left but the boot capabilities (and extra_caps more), and every byte is free. */
void
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
void
idle_drain(void)
{
	while (cap_drain() == CAP_PREEMPTED)
		sched_preempt_requested = false;
}

/* Revoke the four boot Untypeds through the root CNode, in either fixture. */
void
revoke_all_untypeds(void)
{
	unsigned i;

	for (i = 0; i < UNTYPEDS; i++)
		EXPECT_OK(revoke(root_slot(TALLY_SLOT_ROOT_CNODE), SLOT_U0 + i));
}

/* The physical address of the boot Untyped in root slot `slot` (SLOT_U0..SLOT_DEV). */
paddr_t
untyped_pa(unsigned slot)
{
	return fixture_untyped[slot - SLOT_U0].pa;
}

/* True if all n bytes at p are v. */
bool
all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

/* Root slot i of either fixture, not checked against ROOT_SLOTS. */
struct cte *
slot_at(unsigned long i)
{
	return &root[i];
}

/*
 * Make boot thread 1 runnable with the same root CNode as `self`, for calls
 * that interleave; returns it.
 */
/* Contexts the fixture hands out as the kernel does at boot (the whole CPU each). */
static struct sched_context fixture_scs[4096];

void
fixture_give_time(struct thread *t)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(fixture_scs); i++)
		if (!fixture_scs[i].owner && !fixture_scs[i].user) {
			memset(&fixture_scs[i], 0, sizeof(fixture_scs[i]));
			sc_boot(t, &fixture_scs[i]);
			return;
		}
	ck_abort_msg("fixture: out of scheduling contexts");
}

struct thread *
second_thread(void)
{
	struct thread *t = &boot_threads[1];

	t->index = 1;
	t->state = TALLY_THREAD_RUNNABLE;
	fixture_give_time(t);
	cdt_insert(&root[TALLY_SLOT_ROOT_CNODE], thread_cspace(t),
		   cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, 0, TALLY_ROOT_CNODE_RADIX,
			    two_levels ? 0 : ROOT_GUARD, root, 0, 0));
	boot_thread_count = 2;
	return t;
}
