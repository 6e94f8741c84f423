/*
 * The IPC tests' fixture (see ipc_fixture.h): threads made by retype, system
 * calls issued as any of them through syscall_dispatch and sched_run, and
 * the checks run after every step.
 */
#include "ipc_fixture.h"
#include <kernel/clock.h>
#include <kernel/fastpath.h>
#include <kernel/schedctx.h>
#include <kernel/syscall.h>
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <string.h>

#define IPC_BUFFER_ADDR 0x200400ul   /* 1 KiB into its frame: the offset matters */
#define MAX_TRACKED     (ROOT_SLOTS + 1)

struct thread *ran;
bool quick;
bool one_issue;
bool try_fastpath;
unsigned long fast_taken;

static struct thread *tracked[MAX_TRACKED];
static unsigned long ntracked;

#define MAX_WATCHED 64
static struct {
	const struct cte *slot;
	const void *object;
	size_t bytes;
} watched[MAX_WATCHED];
static unsigned nwatched;

static const char *const state_names[TALLY_THREAD_STATE_COUNT] = {
	[TALLY_THREAD_INACTIVE] = "INACTIVE",
	[TALLY_THREAD_RUNNABLE] = "RUNNABLE",
	[TALLY_THREAD_EXITED] = "EXITED",
	[TALLY_THREAD_FAULTED] = "FAULTED",
	[TALLY_THREAD_BLOCKED_SEND] = "BLOCKED_SEND",
	[TALLY_THREAD_BLOCKED_RECV] = "BLOCKED_RECV",
	[TALLY_THREAD_BLOCKED_REPLY] = "BLOCKED_REPLY",
	[TALLY_THREAD_BLOCKED_NOTIFY] = "BLOCKED_NOTIFY",
};

const char *
state_name(unsigned long state)
{
	return state < TALLY_THREAD_STATE_COUNT ? state_names[state] : "?";
}

static const char *
answer_name(unsigned long err)
{
	return err == PENDING ? "no answer yet" : tally_error_name((long)err);
}

void
unpoison_all(void)
{
	ASAN_UNPOISON_MEMORY_REGION(arch_phys_to_virt(0), FAKE_RAM_SIZE);
}

void
poison(const void *o, size_t bytes)
{
	ASAN_POISON_MEMORY_REGION(o, bytes);
}

void
watch(const struct cte *slot, size_t bytes)
{
	ck_assert_uint_lt(nwatched, MAX_WATCHED);
	watched[nwatched].slot = slot;
	watched[nwatched].object = cap_object(&slot->cap);
	watched[nwatched].bytes = bytes;
	nwatched++;
}

/* Poison every watched object whose capability has gone. */
static void
watch_check(void)
{
	unsigned i = 0;

	while (i < nwatched) {
		if (cap_object(&watched[i].slot->cap) == watched[i].object) {
			i++;
			continue;
		}
		poison(watched[i].object, watched[i].bytes);
		watched[i] = watched[--nwatched];
	}
}

void
ipc_setup(void)
{
	unpoison_all();
	setup();
	nwatched = 0;
	fake_preempt_hook = watch_check;
	sched_init();
	sched_current = self;
	self->prio = TALLY_PRIO_MAX;
	self->regs.pc = 0x401000;
	ntracked = 0;
	track(self);
	ran = NULL;
	quick = false;
	one_issue = false;
	try_fastpath = false;
	fast_taken = 0;
}

void *
obj(unsigned long slot)
{
	return cap_object(&slot_at(slot)->cap);
}

struct thread *
tcb(unsigned long slot)
{
	ck_assert_int_eq(cap_type(&slot_at(slot)->cap), TALLY_OBJ_THREAD);
	return obj(slot);
}

void
track(struct thread *t)
{
	ck_assert_uint_lt(ntracked, MAX_TRACKED);
	tracked[ntracked++] = t;
}

void
untrack(struct thread *t)
{
	unsigned long i;

	for (i = 0; i < ntracked; i++) {
		if (tracked[i] == t) {
			tracked[i] = tracked[--ntracked];
			return;
		}
	}
}

long
invoke_checked(uint64_t cptr, uint64_t label, const uint64_t m[INVOKE_MRS])
{
	long r = invoke(cptr, label, m);

	check_all();
	return r;
}

void
make(enum tally_obj_type type, unsigned long slot)
{
	EXPECT_OK(retype(SLOT_U0, type, 0, ROOT, slot, 1));
	check_all();
}

long
configure(unsigned long slot, uint64_t cspace, uint64_t frame, uint64_t addr, uint64_t fault_ep)
{
	return INV(slot, TALLY_TCB_CONFIGURE, cspace, 0, frame, addr, fault_ep);
}

struct tally_ipc_buffer *
give_buffer(unsigned long tcb_slot, unsigned long frame_slot)
{
	struct tally_ipc_buffer *b;

	make(TALLY_OBJ_FRAME_4K, frame_slot);
	EXPECT_OK(configure(tcb_slot, ROOT, frame_slot, IPC_BUFFER_ADDR, 0));
	b = thread_ipc_buffer(tcb(tcb_slot));
	ck_assert_ptr_eq(b, (char *)obj(frame_slot) + (IPC_BUFFER_ADDR & 0xfff));
	return b;
}

struct thread *
spawn(unsigned long slot, unsigned prio)
{
	struct thread *t;

	EXPECT_OK(retype(SLOT_U0, TALLY_OBJ_THREAD, 0, ROOT, slot, 1));
	EXPECT_OK(configure(slot, ROOT, 0, 0, 0));
	EXPECT_OK(INV(slot, TALLY_TCB_SET_PRIORITY, prio));
	t = tcb(slot);
	fixture_give_time(t);
	ck_assert_int_eq(t->state, TALLY_THREAD_INACTIVE);
	t->regs.pc = 0x400000 + slot * 0x10;
	snprintf(t->name, sizeof(t->name), "t%lu", slot);
	EXPECT_OK(INV(slot, TALLY_TCB_RESUME));
	ck_assert_int_eq(t->state, TALLY_THREAD_RUNNABLE);
	track(t);
	check_all();
	return t;
}

void
destroy(unsigned long slot, size_t bytes)
{
	void *o = obj(slot);

	EXPECT_OK(delete(ROOT, slot));
	ck_assert(cte_empty(slot_at(slot)));
	ck_assert(!cap_zombies_pending());
	check_all();
	poison(o, bytes);
}

void
kill_thread(unsigned long slot)
{
	untrack(tcb(slot));
	destroy(slot, 1ul << TALLY_THREAD_BITS);
}

/* ---- system calls as any thread ---- */

/* Make t the current thread; the one that was current goes back to its run queue. */
static void
become(struct thread *t)
{
	struct thread *cur = sched_current;

	if (cur != t) {
		sched_remove(t);
		sched_current = NULL;
		if (cur && cur != self && cur->state == TALLY_THREAD_RUNNABLE)
			sched_wake(cur);
		sched_current = t;
	}
	sched_preempt_requested = false;
}

/* The fast path's try at t's call, as x86_syscall makes it; true if it took the call. */
static bool
fast_call(struct thread *t)
{
	struct thread *next = NULL;

	if (!try_fastpath)
		return false;
	if (t->regs.number == TALLY_SYS_CALL)
		next = fastpath_call(t);
	else if (t->regs.number == TALLY_SYS_REPLY_RECV)
		next = fastpath_reply_recv(t);
	if (!next)
		return false;
	ck_assert_ptr_eq(next, sched_current);
	sched_active = next;
	fast_taken++;
	return true;
}

/* Dispatch t's call and run the scheduler until it leaves for user mode or idles. */
static void
run_call(struct thread *t)
{
	int how = setjmp(fake_exit);

	if (how == 0 && !fast_call(t)) {
		syscall_dispatch(t);
		sched_run();
	}
	if (how == 1)
		ck_abort_msg("the kernel halted (status %d): %s", fake_halt_status, fake_console);
}

/*
 * Its own call destroyed t, or the idle loop did, finishing the zombies
 * the call left when t lost its time in it (a watched thread is poisoned
 * by then).
 */
static bool
destroyed_by_call(const struct thread *t)
{
	return thread_destroyed_current == t || __asan_address_is_poisoned(t);
}

long
sys(struct thread *t, uint64_t nr, uint64_t cptr, uint64_t info, const uint64_t *m,
    uint64_t reply)
{
	uint64_t before;
	unsigned i, n = 0;

	ck_assert_msg(t->state == TALLY_THREAD_RUNNABLE, "thread '%s' cannot make a call: it is %s",
		      t->name, state_name(t->state));
	ck_assert_msg(sc_can_run(t), "thread '%s' cannot make a call: it has no time", t->name);
	t->regs.number = nr;
	arch_regs_set_syscall_arg(&t->regs, 0, cptr);
	arch_regs_set_syscall_arg(&t->regs, 1, info);
	for (i = 0; i < TALLY_MSG_REGS; i++)
		arch_regs_set_syscall_arg(&t->regs, 2 + i, m ? m[i] : 0);
	arch_regs_set_syscall_arg(&t->regs, 8, reply);
	do {
		/* a preempted invocation is issued again, as the arch layer would */
		ck_assert_uint_lt(n++, 1000000);
		t->regs.error = PENDING;
		before = t->regs.restarts;
		become(t);
		thread_destroyed_current = NULL;
		run_call(t);
		if (destroyed_by_call(t))
			break;   /* its memory is gone */
		/* (a thread that lost its time in the call goes on with it when it runs again) */
	} while (!one_issue && t->regs.restarts != before && t->state == TALLY_THREAD_RUNNABLE &&
		 sc_can_run(t));
	ran = sched_current;
	ck_assert_msg(!ran || sc_can_run(ran), "the scheduler runs thread '%s', which has no time",
		      ran->name);
	if (self->state == TALLY_THREAD_RUNNABLE)
		become(self);
	check_all();
	return destroyed_by_call(t) ? (long)PENDING : (long)t->regs.error;
}

struct thread *
tick(struct thread *t)
{
	struct thread *cur = sched_current;
	int how;

	if (t) {
		ck_assert_msg(t->state == TALLY_THREAD_RUNNABLE && sc_can_run(t),
			      "thread '%s' cannot run: it is %s%s", t->name, state_name(t->state),
			      sc_can_run(t) ? "" : " without time");
		become(t);
	} else {
		sched_current = NULL;
		if (cur && cur != self && cur->state == TALLY_THREAD_RUNNABLE)
			sched_wake(cur);
		sched_preempt_requested = false;
	}
	how = setjmp(fake_exit);
	if (how == 0) {
		clock_tick();
		sched_run();
	}
	if (how == 1)
		ck_abort_msg("the kernel halted (status %d): %s", fake_halt_status, fake_console);
	ran = sched_current;
	ck_assert_msg(!ran || sc_can_run(ran), "the scheduler runs thread '%s', which has no time",
		      ran->name);
	if (self->state == TALLY_THREAD_RUNNABLE)
		become(self);
	check_all();
	return ran;
}

/* ---- checks ---- */

void
expect_thread(const char *what, struct thread *t, unsigned long state, unsigned long err)
{
	ck_assert_msg(t->state == state && t->regs.error == err,
		      "%s ('%s'): expected %s with %s, got %s with %s", what, t->name,
		      state_name(state), answer_name(err), state_name(t->state),
		      answer_name(t->regs.error));
}

void
expect_detail(const char *what, struct thread *t, unsigned long err, unsigned long argument,
	      unsigned long value)
{
	const struct tally_error_detail *d = &t->error;

	ck_assert_msg(d->error == err && d->argument == argument && d->value == value,
		      "%s: expected error record {%s, argument %lu, value %#lx}, got {%s, "
		      "argument %lu, value %#lx}", what, tally_error_name((long)err), argument,
		      value, tally_error_name((long)d->error), d->argument, d->value);
}

/* The queue a blocked thread is in. */
static const struct thread_queue *
queue_of(const struct thread *t)
{
	if (t->state == TALLY_THREAD_BLOCKED_NOTIFY)
		return &((const struct notification *)t->ipc_obj)->queue;
	return &((const struct endpoint *)t->ipc_obj)->queue;
}

/* A thread queued on an endpoint or notification: its links and its neighbours. */
static const char *
queued_problem(const struct thread *t)
{
	const struct thread_queue *q;

	if (!t->ipc_obj)
		return "a blocked thread waits on no object";
	q = queue_of(t);
	if (t->q_prev ? t->q_prev->q_next != t : q->head != t)
		return "a queued thread's backward link is wrong";
	if (t->q_next ? t->q_next->q_prev != t : q->tail != t)
		return "a queued thread's forward link is wrong";
	if (t->q_next && (t->q_next->state != t->state || t->q_next->ipc_obj != t->ipc_obj))
		return "a queue mixes waiting states or objects";
	if (t->state == TALLY_THREAD_BLOCKED_SEND &&
	    ((const struct endpoint *)t->ipc_obj)->state != EP_SEND)
		return "an endpoint with senders queued is not in its sending state";
	if (t->state == TALLY_THREAD_BLOCKED_RECV &&
	    ((const struct endpoint *)t->ipc_obj)->state != EP_RECV)
		return "an endpoint with receivers queued is not in its receiving state";
	if (t->state == TALLY_THREAD_BLOCKED_RECV ? !t->reply || t->reply->receiver != t :
						     t->reply != NULL)
		return "a queued thread's Reply link is wrong";
	return NULL;
}

/* t and the contexts it holds name each other. */
static const char *
thread_sc_problem(const struct thread *t)
{
	if (t->sc && t->sc->owner != t)
		return "a thread's own context names another owner";
	if (t->active_sc && t->active_sc->user != t)
		return "a thread runs on a context that names another user";
	if (t->sc && t->active_sc && t->active_sc != t->sc)
		return "a thread with a context of its own runs on another";
	return NULL;
}

static const char *
thread_problem(const struct thread *t)
{
	bool cur = t == sched_current;
	const char *why = thread_sc_problem(t);

	if (why)
		return why;
	if (t->bound && t->bound->bound != t)
		return "a thread's bound notification is bound to another";
	if (t->queued && (t->state != TALLY_THREAD_RUNNABLE || cur))
		return "a thread in a run queue is not runnable, or is current";
	if (t->state == TALLY_THREAD_RUNNABLE && !cur && !t->queued && t != self && sc_can_run(t))
		return "a runnable thread with time is in no run queue";
	if (t->queued && !sc_can_run(t))
		return "a thread without time is in a run queue";
	if (t->queued && ((t->rq_prev && t->rq_prev->rq_next != t) ||
			  (t->rq_next && t->rq_next->rq_prev != t)))
		return "run queue links are wrong";
	/* (a TIMEOUT fault comes while the thread runs: its registers hold what they held) */
	if (t->state >= TALLY_THREAD_BLOCKED_SEND && t->regs.error != PENDING &&
	    !((t->ipc_flags & IPC_FAULT) && t->fault.cause == TALLY_FAULT_TIMEOUT))
		return "a blocked thread has an answer in its registers";
	switch (t->state) {
	case TALLY_THREAD_BLOCKED_SEND:
	case TALLY_THREAD_BLOCKED_RECV:
	case TALLY_THREAD_BLOCKED_NOTIFY:
		return queued_problem(t);
	case TALLY_THREAD_BLOCKED_REPLY:
		if (!t->reply || t->reply->caller != t || t->ipc_obj)
			return "a caller waiting for its answer is not linked to its Reply";
		return NULL;
	default:
		if (t->ipc_obj || t->reply || t->q_next || t->q_prev)
			return "a thread that waits for nothing still has IPC links";
		return NULL;
	}
}

/* ---- scheduling contexts ---- */

#define MAX_CHAIN 100000ul   /* longer lending chains or queues are taken for cycles */

static bool
sc_in_release_queue(const struct sched_context *sc)
{
	const struct sched_context *q;
	unsigned long n = 0;

	for (q = sc_release_first(); q && n < MAX_CHAIN; q = q->rq_next, n++)
		if (q == sc)
			return true;
	return false;
}

static const char *
release_queue_problem(void)
{
	const struct sched_context *q, *prev = NULL;
	unsigned long n = 0;

	for (q = sc_release_first(); q; prev = q, q = q->rq_next) {
		if (q->rq_prev != prev)
			return "a back link of the release queue is wrong";
		if (!q->throttled || q->ready)
			return "a context in the release queue is not throttled";
		if (prev && prev->period_start + prev->period > q->period_start + q->period)
			return "the release queue is not sorted by refill time";
		if (++n > MAX_CHAIN)
			return "the release queue has a cycle";
	}
	return NULL;
}

static const char *
sc_problem(const struct sched_context *sc)
{
	const struct reply *l;
	unsigned long n = 0;

	if (sc->owner && sc->owner->sc != sc)
		return "a context's owner is bound to another";
	if (sc->user && sc->user->active_sc != sc)
		return "a context's user runs on another";
	for (l = sc->lent; l; l = l->sc_prev) {
		if (l->sc != sc)
			return "a Reply in a context's lending chain names another context";
		if (++n > MAX_CHAIN)
			return "a context's lending chain has a cycle";
	}
	if (sc->lent && (!sc->user || sc->user == sc->owner))
		return "a context lent through a Reply is held by no borrower";
	if (sc->owner && !sc->user && !sc->owner->active_sc)
		return "a context is idle while its owner has no time";
	if (sc->throttled != sc_in_release_queue(sc))
		return sc->throttled ? "a throttled context is not in the release queue" :
				       "a context in the release queue is not throttled";
	if (sc->ready != (sc->budget && !sc->throttled))
		return "a context's ready flag disagrees with its budget and throttling";
	if (sc->budget && (sc->budget > sc->period || sc->remaining > sc->budget))
		return "a context's budget, period and remaining time disagree";
	return NULL;
}

/* A Reply with a lent context is in that context's chain. */
static const char *
reply_sc_problem(const struct reply *r)
{
	const struct reply *l;
	unsigned long n = 0;

	if (!r->sc)
		return r->sc_prev ? "a Reply in no lending chain keeps a link" : NULL;
	for (l = r->sc->lent; l && n < MAX_CHAIN; l = l->sc_prev, n++)
		if (l == r)
			return NULL;
	return "a Reply names a context whose lending chain does not hold it";
}

static const char *
sc_cap_problem(const struct cap *c)
{
	switch (cap_type(c)) {
	case TALLY_OBJ_SCHED_CONTEXT:
		return sc_problem(cap_object(c));
	case TALLY_OBJ_THREAD:
		return thread_sc_problem(cap_object(c));
	case TALLY_OBJ_REPLY:
		return reply_sc_problem(cap_object(c));
	default:
		return NULL;
	}
}

const char *
sc_problems(void)
{
	const struct cte *root = &cdt_sentinel, *x;
	const char *why = release_queue_problem();
	unsigned long i;

	/* every capability, in the derivation tree's order (as cap_check walks it) */
	for (x = root->first_child; x && !why;) {
		why = sc_cap_problem(&x->cap);
		if (x->first_child) {
			x = x->first_child;
			continue;
		}
		while (x != root && cte_is_tag(x->next))
			x = cte_untag(x->next);
		x = x == root ? NULL : x->next;
	}
	/* and the contexts of the fixture's own (boot threads' and spawned threads') */
	for (i = 0; i < ntracked && !why; i++) {
		if (tracked[i]->sc)
			why = sc_problem(tracked[i]->sc);
		if (!why && tracked[i]->active_sc)
			why = sc_problem(tracked[i]->active_sc);
	}
	return why;
}

void
check_all(void)
{
	unsigned long i;
	const char *why;

	watch_check();
	if (quick)
		return;
	checked();
	for (i = 0; i < ntracked; i++) {
		why = thread_problem(tracked[i]);
		ck_assert_msg(!why, "thread '%s' (%s): %s", tracked[i]->name,
			      state_name(tracked[i]->state), why);
	}
	why = sc_problems();
	ck_assert_msg(!why, "scheduling contexts: %s", why);
}

void
ipc_teardown(void)
{
	nwatched = 0;
	quick = false;
	ntracked = 0;
	track(self);
	ran = NULL;
	revoke_all_untypeds();
	ck_assert_int_eq(self->state, TALLY_THREAD_RUNNABLE);
	ck_assert_ptr_eq(sched_current, self);
	ck_assert_int_eq(sched_highest_queued(), -1);
	expect_all_reclaimed(0);
	unpoison_all();
}
