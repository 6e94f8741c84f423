/*
 * Scheduling contexts (see schedctx.h and docs/scheduling.md).
 *
 * Budgets are counted in timer ticks: each tick charges the context of the
 * thread that was running. A context's period begins when it first runs
 * after the last period ended; within a period it may run `budget` ticks,
 * then it is throttled and waits in the release queue (sorted by refill
 * time) for the next period. A context whose budget equals its period is
 * never charged down.
 *
 * Lending follows Replies. A call to a passive server lends the caller's
 * context through the Reply the call is linked to; a server that calls on
 * lends it further through its own call's Reply. The Replies it went
 * through form a chain (reply->sc_prev), newest first from sc->lent. An
 * answer through a Reply, or that Reply's destruction, gives the context
 * back to that Reply's caller and ends every later link; whoever held it
 * beyond that point loses it. A server that loses a lent context while it
 * runs gets a TIMEOUT fault, so its handler learns of it and can abort the
 * work; it never just hangs. (A server answering on it lets go without one.)
 * A borrower that lets go of a context (it waits again, or dies) sends it
 * back to the newest caller on its chain still waiting, or home.
 */
#include <kernel/schedctx.h>
#include <kernel/invoke.h>
#include <kernel/ipc.h>
#include <kernel/sched.h>
#include <kernel/clock.h>

static struct sched_context *sc_release_head;

void
sc_init(void)
{
	sc_release_head = NULL;
}

const struct sched_context *
sc_release_first(void)
{
	return sc_release_head;
}

static bool
sc_unlimited(const struct sched_context *sc)
{
	return sc->budget >= sc->period;
}

static void
sc_release_insert(struct sched_context *sc)
{
	struct sched_context *p = NULL, *n = sc_release_head;
	uint64_t at = sc->period_start + sc->period;

	/* sorted by refill time: O(throttled contexts), as seL4's release queue */
	while (n && n->period_start + n->period <= at) {
		p = n;
		n = n->rq_next;
	}
	sc->rq_prev = p;
	sc->rq_next = n;
	if (p)
		p->rq_next = sc;
	else
		sc_release_head = sc;
	if (n)
		n->rq_prev = sc;
}

static void
sc_release_remove(struct sched_context *sc)
{
	if (!sc->throttled)
		return;
	if (sc->rq_prev)
		sc->rq_prev->rq_next = sc->rq_next;
	else
		sc_release_head = sc->rq_next;
	if (sc->rq_next)
		sc->rq_next->rq_prev = sc->rq_prev;
	sc->rq_next = sc->rq_prev = NULL;
	sc->throttled = false;
	sc->ready = true;
}

/* Make the thread holding sc runnable again if it was waiting only for time. */
static void
sc_wake_user(struct sched_context *sc)
{
	struct thread *u = sc->user;

	if (u && u->state == TALLY_THREAD_RUNNABLE && u != sched_current)
		sched_wake(u);
}

/* A new period: the whole budget again. */
static void
sc_refill(struct sched_context *sc, uint64_t now)
{
	sc_release_remove(sc);
	sc->remaining = sc->budget;
	sc->period_start = now;
	sc_wake_user(sc);
}

void
sc_boot(struct thread *t, struct sched_context *sc)
{
	sc->budget = sc->period = 1;
	sc->remaining = 1;
	sc->ready = true;
	sc->owner = sc->user = t;
	t->sc = t->active_sc = sc;
}

/* t has lost the context it was running on (not its own, and nothing to go on with). */
static void
sc_orphan(struct thread *t)
{
	t->active_sc = NULL;
	if (t->state != TALLY_THREAD_RUNNABLE)
		return;   /* blocked: it will wait for an answer or a lender */
	sched_remove(t);
	thread_fault(t, TALLY_FAULT_TIMEOUT, 0, arch_regs_pc(&t->regs), 0);
}

/* The holder of sc loses it, unless it is `keep`; a borrower that runs is told. */
static void
sc_take_from_user(struct sched_context *sc, struct thread *keep)
{
	struct thread *u = sc->user;

	sc->user = NULL;
	if (!u || u == keep || u->active_sc != sc)
		return;
	if (u == sched_current)
		sched_preempt_requested = true;   /* it may not go on running */
	if (u->sc == sc) {
		u->active_sc = NULL;    /* its own context: it simply stops */
		sched_remove(u);
		return;
	}
	sc_orphan(u);
}

/* Give sc to thread t to run on (t holds no other). */
static void
sc_give(struct sched_context *sc, struct thread *t)
{
	sc->user = t;
	t->active_sc = sc;
	sc_wake_user(sc);
}

/* End the chain of lendings from the newest down to and including `upto` (NULL: all). */
static void
sc_unlink_chain(struct sched_context *sc, struct reply *upto)
{
	struct reply *l;

	while ((l = sc->lent)) {
		sc->lent = l->sc_prev;
		l->sc = NULL;
		l->sc_prev = NULL;
		if (l == upto)
			break;
	}
}

void
sc_tick(struct thread *running, uint64_t now)
{
	struct sched_context *sc = running ? running->active_sc : NULL;

	while (sc_release_head &&
	       sc_release_head->period_start + sc_release_head->period <= now)
		sc_refill(sc_release_head, now);
	/* (a thread without time left is not charged: it is throttled once, not twice) */
	if (!sc || !sc->ready)
		return;
	sc->consumed++;
	if (sc_unlimited(sc))
		return;
	if (now >= sc->period_start + sc->period) {
		sc->period_start = now;
		sc->remaining = sc->budget;
	}
	if (sc->remaining > 1) {
		sc->remaining--;
		return;
	}
	/* out of budget: wait for the next period */
	sc->remaining = 0;
	sc->overruns++;
	sc->throttled = true;
	sc->ready = false;
	sc_release_insert(sc);
	sched_preempt_requested = true;
	if (running->sc != sc && cap_type(&running->slots[TCB_SLOT_FAULT_EP].cap) ==
	    TALLY_OBJ_ENDPOINT) {
		/* a server working on a caller's time that ran out: its handler may abort */
		thread_fault(running, TALLY_FAULT_TIMEOUT, 0, arch_regs_pc(&running->regs), 0);
	}
}

void
sc_lend(struct thread *c, struct thread *s, struct reply *r)
{
	struct sched_context *sc = c->active_sc;

	if (!sc || s->sc)
		return;
	sc_drop_borrowed(s);   /* what it held for an earlier caller goes home first */
	c->active_sc = NULL;
	sc->user = s;
	s->active_sc = sc;
	r->sc = sc;
	r->sc_prev = sc->lent;
	sc->lent = r;
	if (s == sched_current && !sc->ready)
		sched_preempt_requested = true;   /* (it took the call; it runs when there is time) */
}

void
sc_give_back(struct reply *r, struct thread *caller)
{
	struct sched_context *sc = r->sc;

	if (!sc)
		return;
	sc_unlink_chain(sc, r);
	sc_take_from_user(sc, caller);
	sc_give(sc, caller);
}

void
sc_answer(struct reply *r, struct thread *t, struct thread *caller)
{
	struct sched_context *sc = r->sc;

	if (sc && sc->user == t && t->active_sc == sc) {
		/* its work for the caller is done: it stops, it is not cut short */
		t->active_sc = NULL;
		sc->user = NULL;
		sched_preempt_requested = true;
	}
	sc_give_back(r, caller);
}

void
sc_reply_gone(struct reply *r)
{
	struct sched_context *sc = r->sc;

	if (!sc)
		return;
	if (r->caller) {
		sc_give_back(r, r->caller);
		return;
	}
	/* stale: its caller went away; the borrower may finish on it (sc_drop_borrowed) */
	sc_unlink_chain(sc, r);
}

/* Send sc home to its owner, or leave it idle. */
static void
sc_go_home(struct sched_context *sc)
{
	struct thread *o = sc->owner;

	sc->user = NULL;
	if (o && !o->active_sc)
		sc_give(sc, o);
}

/*
 * Its borrower let go of sc (it waits, or it died): sc goes back to the
 * newest caller on its chain still waiting for an answer, which needs it to
 * go on (when its own call fails, say); with none left, it goes home.
 */
static void
sc_let_go(struct sched_context *sc)
{
	struct reply *r = sc->lent;

	while (r && !r->caller)
		r = r->sc_prev;
	if (r) {
		sc_give_back(r, r->caller);
		return;
	}
	sc_unlink_chain(sc, NULL);
	sc_go_home(sc);
}

void
sc_drop_borrowed(struct thread *t)
{
	struct sched_context *sc = t->active_sc;

	if (!sc || t->sc == sc)
		return;
	t->active_sc = NULL;
	sc_let_go(sc);
}

void
sc_thread_gone(struct thread *t)
{
	struct sched_context *own = t->sc, *held = t->active_sc;

	if (held && held != own) {
		/* a borrower dies: the context goes back to whoever lent it last */
		t->active_sc = NULL;
		sc_let_go(held);
	}
	if (own) {
		own->owner = NULL;
		if (own->user == t)
			own->user = NULL;
		t->sc = NULL;
	}
	t->active_sc = NULL;
}

void
sc_destroy(struct sched_context *sc)
{
	struct thread *o = sc->owner;

	sc_release_remove(sc);
	sc_unlink_chain(sc, NULL);
	sc_take_from_user(sc, NULL);
	if (o) {
		o->sc = NULL;
		if (o->active_sc == sc)
			o->active_sc = NULL;
		sched_remove(o);
		if (o == sched_current)
			sched_preempt_requested = true;
	}
	sc->owner = sc->user = NULL;
}

/* ---- invocations ---- */

/* SCHED_CONTROL_CONFIGURE: MR0 context, MR1 budget, MR2 period. */
long
sc_control_invoke(struct invocation *inv)
{
	struct sched_context *sc;
	struct cte *s;
	long err;

	if (inv->label != TALLY_SCHED_CONTROL_CONFIGURE)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	s = invoke_arg_cap(inv, 0, TALLY_OBJ_SCHED_CONTEXT, TALLY_RIGHT_WRITE, &err);
	if (!err && !s)
		err = invoke_fail(inv, TALLY_ERR_LOOKUP_FAILED, 1, 0, 0);
	if (err)
		return err;
	if (inv->mr[2] == 0 || inv->mr[2] > TALLY_SCHED_PERIOD_MAX)
		return invoke_fail(inv, TALLY_ERR_RANGE, 3, inv->mr[2], TALLY_SCHED_PERIOD_MAX);
	if (inv->mr[1] == 0 || inv->mr[1] > inv->mr[2])
		return invoke_fail(inv, TALLY_ERR_RANGE, 2, inv->mr[1], inv->mr[2]);
	sc = cap_object(&s->cap);
	sc_release_remove(sc);
	sc->ready = true;
	sc->budget = inv->mr[1];
	sc->period = inv->mr[2];
	sc->remaining = sc->budget;
	sc->period_start = clock_ticks();
	sc_wake_user(sc);
	return TALLY_OK;
}

long
sc_invoke(struct invocation *inv)
{
	struct sched_context *sc = cap_object(&inv->slot->cap);

	if (inv->label != TALLY_SCHED_CONTEXT_INFO)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	inv->mr[0] = sc->budget;
	inv->mr[1] = sc->period;
	inv->mr[2] = sc->remaining;
	inv->mr[3] = sc->consumed;
	inv->mr[4] = sc->user && sc->user != sc->owner;
	inv->mr[5] = sc->overruns;
	return TALLY_OK;
}

/* TCB_SET_SCHED_CONTEXT: MR0 context, 0 to unbind. */
long
sc_tcb_bind(struct invocation *inv, struct thread *t)
{
	struct sched_context *sc, *old = t->sc;
	struct cte *s;
	long err;

	s = invoke_arg_cap(inv, 0, TALLY_OBJ_SCHED_CONTEXT, TALLY_RIGHT_WRITE, &err);
	if (err)
		return err;
	if (!s) {
		if (!old)
			return TALLY_OK;
		/* unbind: a thread running on its own context stops; a lent one stays lent */
		if (t->active_sc == old) {
			t->active_sc = NULL;
			old->user = NULL;
			sched_remove(t);
			if (t == sched_current)
				sched_current_gone();
		}
		old->owner = NULL;
		t->sc = NULL;
		return TALLY_OK;
	}
	sc = cap_object(&s->cap);
	/*
	 * A thread running on a lent context, or waiting for an answer that
	 * brings one back, gets one of its own once it has let go of that.
	 */
	if (old || sc->owner || sc->user || t->active_sc ||
	    (t->state == TALLY_THREAD_BLOCKED_REPLY && t->reply->sc))
		return invoke_fail(inv, TALLY_ERR_BUSY, 1, inv->mr[0], 0);
	sc->owner = t;
	t->sc = sc;
	if (!t->active_sc)
		sc_give(sc, t);
	return TALLY_OK;
}
