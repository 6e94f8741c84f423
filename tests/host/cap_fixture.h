/*
 * The fixture of the host capability tests (test_cap*.c): a boot thread whose
 * root CNode and four Untypeds are built in fake RAM the way boot_caps.c
 * builds them, and the helpers that issue TALLY_SYS_INVOKE from it, issue a
 * preempted call again until it finishes, and check the results.
 */
#ifndef TESTS_HOST_CAP_FIXTURE_H
#define TESTS_HOST_CAP_FIXTURE_H

#include "host_tests.h"
#include "fake_arch.h"
#include <kernel/cap_check.h>
#include <kernel/invoke.h>
#include <kernel/object.h>
#include <kernel/sched.h>
#include <tally/error.h>

#define ROOT_SLOTS    (1ul << TALLY_ROOT_CNODE_RADIX)
#define ROOT_GUARD    (64 - TALLY_ROOT_CNODE_RADIX)

enum {
	SLOT_U0 = TALLY_SLOT_FIRST_FREE_FIXED,  /* 4 MiB at 4 MiB */
	SLOT_U1,                                /* 2 MiB at 8 MiB */
	SLOT_U2,                                /* 1 MiB at 10 MiB */
	SLOT_DEV,                               /* 1 MiB of device memory at 12 MiB */
	SLOT_SELF,                              /* two-level fixture: root CNode, guard 40 */
	SLOT_FREE,                              /* first slot the tests use */
};

#define UNTYPEDS 4
#define UNTYPED_BYTES ((1ul << 22) + (1ul << 21) + (1ul << 20) + (1ul << 20))

/* The boot capabilities: five fixed roots, the untypeds, the thread's root copy. */
#define FIXTURE_CAPS (TALLY_SLOT_FIRST_FREE_FIXED - 1 + UNTYPEDS + 1)

extern struct thread *self;   /* the calling thread */
extern struct cte *root;      /* the root CNode's slots */
extern uint64_t mr[INVOKE_MRS];   /* results of the last successful invocation */
extern unsigned long restarts;    /* times the last invocation was issued again */

/*
 * When set, every preemption point a call stops at is also a place where
 * another thread could run and ask for TALLY_SYS_DEBUG_CHECK: the checker
 * runs there too, and the first problem it finds is kept here.
 */
extern bool check_mid_call;
extern char mid_call_problem[200];

/* Run between the restarts of a call, as another thread would (the random walk's). */
extern void (*between_restarts)(void);

/* True if s is one of the boot threads' CSpace roots (for cap_check). */
bool is_thread_root(const struct cte *s);
/* Build the boot capabilities, one level or two (see cap_fixture.c). */
void fixture(bool two_level);
/* The one-level fixture. */
void setup(void);
/* Run one system call of t; a kernel halt (panic) fails the test. */
void dispatch_thread(struct thread *t);
/* Run one system call of `self`. */
void dispatch(void);
/* Put a TALLY_SYS_INVOKE of cptr with label and MR0..MR5 in t's registers. */
void invoke_load(struct thread *t, uint64_t cptr, uint64_t label, const uint64_t m[INVOKE_MRS]);
/* Issue t's call once; true if it is to be issued again. */
bool invoke_issue(struct thread *t);
/* Invoke cptr from `self` until it finishes; returns the error, results in mr[]. */
long invoke(uint64_t cptr, uint64_t label, const uint64_t m[INVOKE_MRS]);

#define INV(cptr, label, ...) invoke((cptr), (label), (const uint64_t[INVOKE_MRS]){ __VA_ARGS__ })

/* The invocations on the one-level fixture's root CNode (cptr 1). */
#define ROOT TALLY_SLOT_ROOT_CNODE

/* The invocations, through invoke(); each returns the error. */
long retype(uint64_t untyped, uint64_t type, uint64_t size_bits, uint64_t cnode, uint64_t first,
	    uint64_t count);
long copy(uint64_t cnode, uint64_t dst, uint64_t src, uint64_t rights);
long mint(uint64_t cnode, uint64_t dst, uint64_t src, uint64_t rights, uint64_t badge);
long move(uint64_t cnode, uint64_t dst, uint64_t src);
long delete(uint64_t cnode, uint64_t index);
long revoke(uint64_t cnode, uint64_t index);
long inspect(uint64_t cnode, uint64_t index);

/* The thread's error record, read through TALLY_SYS_ERROR_DETAIL. */
struct tally_error_detail detail(void);

#define EXPECT_OK(call)                                                            \
	do {                                                                       \
		long r_ = (call);                                                  \
		ck_assert_msg(r_ == TALLY_OK, "%s: expected OK, got %s", #call,    \
			      tally_error_name(r_));                               \
	} while (0)

/* The call fails with err; the error record names the argument, value and limit. */
void expect_error(const char *what, long got, long err, unsigned long argument,
		  unsigned long value, unsigned long limit);

#define EXPECT_ERROR(call, err, argument, value, limit)                            \
	expect_error(#call, (call), (err), (argument), (value), (limit))

/* Check every invariant and return the totals. */
struct cap_check_stats checked(void);
/* Nothing is left but the boot capabilities (and extra_caps more), and every byte is free. */
void expect_all_reclaimed(unsigned long extra_caps);
/* The idle loop: finish whatever zombies are left. */
void idle_drain(void);
/* Revoke the four boot Untypeds through the root CNode, in either fixture. */
void revoke_all_untypeds(void);
/* The physical address of the boot Untyped in root slot `slot`. */
paddr_t untyped_pa(unsigned slot);
/* True if all n bytes at p are v. */
bool all_bytes(const void *p, size_t n, unsigned char v);
/* Root slot i of either fixture, not checked against ROOT_SLOTS. */
struct cte *slot_at(unsigned long i);
/* Make boot thread 1 runnable with the same root CNode as `self`; returns it. */
struct thread *second_thread(void);

/* Bind t to a context of the fixture's own, as the kernel does for boot threads. */
void fixture_give_time(struct thread *t);

#endif
