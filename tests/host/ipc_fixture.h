/*
 * The fixture of the host IPC and thread tests (test_ipc*.c, test_tcb.c):
 * the capability fixture (cap_fixture.h) plus threads made by retype that
 * share the root CNode as their CSpace, and helpers that issue system calls
 * as any of them, run the scheduler afterwards and check every invariant.
 *
 * The root thread `self` is the test driver: it makes objects and invokes
 * capabilities, and stands outside the run queues while another thread is
 * made current to issue a call, so that the scheduler's choices are the
 * other threads'. After each call the thread the scheduler picked is kept
 * in `ran` and `self` is made current again. Every call and invocation
 * (INV here runs the checks too) is followed by cap_check and the checks
 * of the IPC and scheduler links of every tracked thread.
 */
#ifndef TESTS_HOST_IPC_FIXTURE_H
#define TESTS_HOST_IPC_FIXTURE_H

#include "cap_fixture.h"
#include <kernel/ipc.h>
#include <tally/ipc.h>
#include <tally/thread.h>

/* A thread's error register while its call has not been answered. */
#define PENDING (~0ul)

/* The thread the scheduler picked after the last sys() (NULL: idle). */
extern struct thread *ran;

/* Set to skip the per-step checks while a test builds a large setup. */
extern bool quick;

/* Set to issue a call only once in sys(), even if the kernel asks for a restart. */
extern bool one_issue;

/*
 * Set to try CALL and REPLY_RECV on the fast path first, as the arch layer
 * does (fastpath.c); fast_taken counts the calls the fast path took.
 */
extern bool try_fastpath;
extern unsigned long fast_taken;

/* The capability fixture, the scheduler reset, `self` at the top priority. */
void ipc_setup(void);

/* The kernel object named by root slot `slot`. */
void *obj(unsigned long slot);
/* The thread named by root slot `slot`. */
struct thread *tcb(unsigned long slot);

/* The endpoint, Reply or notification named by root slot `slot`. */
static inline struct endpoint *
ep_at(unsigned long slot)
{
	return obj(slot);
}

static inline struct reply *
reply_at(unsigned long slot)
{
	return obj(slot);
}

static inline struct notification *
ntfn_at(unsigned long slot)
{
	return obj(slot);
}

/*
 * Retype a thread into root slot `slot`, give it the root CNode as CSpace,
 * priority `prio`, and make it runnable; it is then tracked by the checks.
 */
struct thread *spawn(unsigned long slot, unsigned prio);
/* Make one object of `type` from the first Untyped into root slot `slot`. */
void make(enum tally_obj_type type, unsigned long slot);
/* TCB_CONFIGURE of the thread in `slot`: CSpace, IPC buffer frame and address, fault endpoint. */
long configure(unsigned long slot, uint64_t cspace, uint64_t frame, uint64_t addr,
	       uint64_t fault_ep);
/* Give the thread in `tcb_slot` the root CSpace and an IPC buffer in a new frame at `frame_slot`. */
struct tally_ipc_buffer *give_buffer(unsigned long tcb_slot, unsigned long frame_slot);

/* invoke() (cap_fixture.h) followed by every check: INV in the IPC suites. */
long invoke_checked(uint64_t cptr, uint64_t label, const uint64_t m[INVOKE_MRS]);
#undef INV
#define INV(cptr, label, ...)                                                      \
	invoke_checked((cptr), (label), (const uint64_t[INVOKE_MRS]){ __VA_ARGS__ })

/* Threads the invariant checks look at. */
void track(struct thread *t);
void untrack(struct thread *t);

/*
 * Delete the capability in root slot `slot`, the last one to its object of
 * `bytes` bytes, and poison the object's memory: any later access to it by
 * the kernel is a use after free that AddressSanitizer reports.
 */
void destroy(unsigned long slot, size_t bytes);
/* destroy() for a thread (untracked first). */
void kill_thread(unsigned long slot);
/*
 * Watch `slot`, which holds the only capability to an object of `bytes`
 * bytes that is destroyed as soon as that capability goes (a thread, a
 * Reply; not an object that may become a zombie): the object is poisoned
 * at the first preemption window or check after the slot stops naming it,
 * so that even the rest of the call that destroyed it may not touch it.
 */
void watch(const struct cte *slot, size_t bytes);
/* Poison `bytes` at o, a destroyed object. */
void poison(const void *o, size_t bytes);
/* Undo every poisoning (before memory is reused). */
void unpoison_all(void);

/*
 * Issue system call nr as thread t (which must be runnable): cptr in arg 0,
 * info in arg 1, message words m (NULL: zeros), Reply cptr in arg 8. The
 * scheduler runs afterwards. Returns t's error register: PENDING if t
 * blocked, or if the call destroyed t (then t is not read again). Checks
 * every invariant after the call.
 */
long sys(struct thread *t, uint64_t nr, uint64_t cptr, uint64_t info, const uint64_t *m,
	 uint64_t reply);

#define MSG(...) ((const uint64_t[TALLY_MSG_REGS]){ __VA_ARGS__ })

static inline long
u_send(struct thread *t, uint64_t cptr, uint64_t info, const uint64_t *m)
{
	return sys(t, TALLY_SYS_SEND, cptr, info, m, 0);
}

static inline long
u_nbsend(struct thread *t, uint64_t cptr, uint64_t info, const uint64_t *m)
{
	return sys(t, TALLY_SYS_NBSEND, cptr, info, m, 0);
}

static inline long
u_call(struct thread *t, uint64_t cptr, uint64_t info, const uint64_t *m)
{
	return sys(t, TALLY_SYS_CALL, cptr, info, m, 0);
}

static inline long
u_recv(struct thread *t, uint64_t cptr, uint64_t reply)
{
	return sys(t, TALLY_SYS_RECV, cptr, 0, NULL, reply);
}

static inline long
u_nbrecv(struct thread *t, uint64_t cptr, uint64_t reply)
{
	return sys(t, TALLY_SYS_NBRECV, cptr, 0, NULL, reply);
}

static inline long
u_reply_recv(struct thread *t, uint64_t cptr, uint64_t reply, uint64_t info, const uint64_t *m)
{
	return sys(t, TALLY_SYS_REPLY_RECV, cptr, info, m, reply);
}

/* TALLY_SYS_INVOKE as thread t: cptr, label, MR0..MR5. */
static inline long
u_invoke(struct thread *t, uint64_t cptr, uint64_t label, const uint64_t *m)
{
	return sys(t, TALLY_SYS_INVOKE, cptr, label, m, 0);
}

/* What thread t received: badge, message info, message word i. */
static inline uint64_t
got_badge(const struct thread *t)
{
	return arch_regs_syscall_arg(&t->regs, 0);
}

static inline uint64_t
got_info(const struct thread *t)
{
	return arch_regs_syscall_arg(&t->regs, 1);
}

static inline uint64_t
got_mr(const struct thread *t, unsigned i)
{
	return arch_regs_syscall_arg(&t->regs, 2 + i);
}

/*
 * One timer tick while t runs (NULL: while no thread runs), then the
 * scheduler, as the timer interrupt does; returns the thread it picked
 * (also in `ran`) and checks every invariant.
 */
struct thread *tick(struct thread *t);

/* The name of a thread state, for messages. */
const char *state_name(unsigned long state);

/* t is in `state` and its error register holds err (PENDING: no answer yet). */
void expect_thread(const char *what, struct thread *t, unsigned long state, unsigned long err);
#define EXPECT_THREAD(t, state, err) expect_thread(#t, (t), (state), (err))

/* t's error record (for threads other than `self`). */
void expect_detail(const char *what, struct thread *t, unsigned long err,
		   unsigned long argument, unsigned long value);
#define EXPECT_DETAIL(t, err, argument, value) expect_detail(#t, (t), (err), (argument), (value))

/*
 * Every invariant: capabilities (cap_check), the IPC and scheduler links of
 * tracked threads, and the scheduling contexts: every context named by a
 * capability or held by a tracked thread (its owner and user hold it, its
 * lending chain holds only Replies that name it, it is throttled exactly
 * while in the release queue, which is sorted), every thread named by a
 * capability (it holds its contexts), every Reply (in its context's chain).
 */
void check_all(void);

/* The problem check_all would report about the scheduling contexts, or NULL. */
const char *sc_problems(void);

/* Delete every tracked thread but `self`, revoke the Untypeds, and check all is reclaimed. */
void ipc_teardown(void);

#endif
