/* The supervisor: see <libtally/supervisor.h> and docs/processes.md. */
#include <libtally/supervisor.h>
#include <libtally/bank.h>
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <string.h>

/* A process's id: its entry, and a generation so that a stale id names nothing. */
#define PID_INDEX(pid) ((pid) & 0xff)

/* The badge of its fault endpoints: the id, and whether it is the first thread's. */
static unsigned long
fault_badge(unsigned long pid, bool main)
{
	return pid << 1 | (main ? 1 : 0);
}

long
tally_sup_init(struct tally_sup *s, const struct tally_proc_env *env, unsigned long bank,
	       unsigned long ep, unsigned long reply)
{
	static const unsigned long types[3] = { TALLY_OBJ_PDPT, TALLY_OBJ_PD, TALLY_OBJ_PT };
	unsigned long i;
	long err = TALLY_OK;

	memset(s, 0, sizeof(*s));
	s->env = *env;
	s->bank = bank;
	s->ep = ep;
	s->reply = reply;
	/* the builder's scratch window, mapped once for every process it builds */
	for (i = 0; !err && i < 3; i++) {
		s->tables[i] = env->slot_alloc();
		err = tally_bank_alloc(bank, types[i], 0, env->root_cnode, s->tables[i]);
		if (!err)
			err = tally_page_table_map(s->tables[i], env->root_vspace, env->scratch);
	}
	s->env.scratch_mapped = 1;
	return err;
}

struct tally_proc *
tally_sup_proc(struct tally_sup *s, unsigned long pid)
{
	struct tally_sup_proc *e = &s->procs[PID_INDEX(pid) % TALLY_SUP_MAX];

	return e->pid && e->pid == pid ? &e->p : NULL;
}

/* The fault endpoints of entry e: one for its first thread, one for the threads it makes. */
static long
fault_caps(struct tally_sup *s, struct tally_sup_proc *e)
{
	const struct tally_proc_env *env = &s->env;
	long err;

	e->fault_main = env->slot_alloc();
	e->fault_other = env->slot_alloc();
	err = tally_cnode_mint(env->root_cnode, e->fault_main, s->ep, 64, TALLY_RIGHT_WRITE,
			       fault_badge(e->pid, true));
	if (!err)
		err = tally_cnode_mint(env->root_cnode, e->fault_other, s->ep, 64, TALLY_RIGHT_WRITE,
				       fault_badge(e->pid, false));
	return err;
}

static void
entry_free(struct tally_sup *s, struct tally_sup_proc *e)
{
	tally_cnode_delete(s->env.root_cnode, e->fault_main);
	tally_cnode_delete(s->env.root_cnode, e->fault_other);
	s->env.slot_free(e->fault_main);
	s->env.slot_free(e->fault_other);
	memset(e, 0, sizeof(*e));
}

long
tally_sup_spawn(struct tally_sup *s, const struct tally_sup_spec *spec, unsigned long *pid)
{
	const struct tally_proc_env *env = &s->env;
	struct tally_proc_spec ps = {
		.module = spec->module, .radix = spec->radix, .prio = spec->prio, .args = spec->args,
	};
	struct tally_sup_proc *e;
	unsigned long i;
	long err;

	for (i = 0; i < TALLY_SUP_MAX && s->procs[i].pid; i++)
		;
	if (i == TALLY_SUP_MAX)
		return TALLY_ERR_NO_MEMORY;
	e = &s->procs[i];
	e->pid = ++s->gen << 8 | i;
	ps.bank = env->slot_alloc();
	err = tally_bank_create(spec->parent_bank ? spec->parent_bank : s->bank, spec->limit,
				env->root_cnode, ps.bank);
	if (err) {
		env->slot_free(ps.bank);
		e->pid = 0;
		return err;
	}
	err = fault_caps(s, e);
	ps.fault_ep = e->fault_main;
	if (err) {
		tally_bank_destroy(ps.bank);
		tally_cnode_delete(env->root_cnode, ps.bank);
		env->slot_free(ps.bank);
	} else {
		err = tally_proc_build(&e->p, env, &ps);   /* on failure, the bank went */
	}
	if (!err)
		err = tally_proc_give_at(&e->p, e->fault_other, TALLY_RIGHT_WRITE, TALLY_PROC_SLOT_FAULT);
	if (err) {
		if (e->p.bank)
			tally_proc_destroy(&e->p, env);
		entry_free(s, e);
		return err;
	}
	*pid = e->pid;
	return TALLY_OK;
}

long
tally_sup_start(struct tally_sup *s, unsigned long pid)
{
	struct tally_proc *p = tally_sup_proc(s, pid);

	return p ? tally_proc_start(p) : TALLY_ERR_NOT_FOUND;
}

long
tally_sup_kill(struct tally_sup *s, unsigned long pid)
{
	struct tally_sup_proc *e = &s->procs[PID_INDEX(pid) % TALLY_SUP_MAX];
	long err;

	if (!e->pid || e->pid != pid)
		return TALLY_ERR_NOT_FOUND;
	err = tally_proc_destroy(&e->p, &s->env);
	entry_free(s, e);
	return err;
}

long
tally_sup_wait(struct tally_sup *s, struct tally_sup_event *ev, bool block)
{
	struct tally_msg m = { 0 };
	long err;

	for (;;) {
		unsigned long pid, cause;

		err = block ? tally_recv(s->ep, s->reply, &m) : tally_nbrecv(s->ep, s->reply, &m);
		if (err)
			return err;
		pid = m.badge >> 1;
		cause = m.mr[0];
		if (tally_msginfo_label(m.info) != TALLY_LABEL_FAULT || !tally_sup_proc(s, pid)) {
			m = (struct tally_msg){ .info = tally_msginfo(1, 0, 0) };
			tally_reply(s->reply, &m);   /* not a process of ours: stop it */
			continue;
		}
		if (cause == TALLY_FAULT_EXIT && !(m.badge & 1)) {
			m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
			tally_reply(s->reply, &m);   /* one of its other threads ended */
			continue;
		}
		*ev = (struct tally_sup_event){
			.pid = pid, .kind = cause == TALLY_FAULT_EXIT ? TALLY_SUP_EXITED : TALLY_SUP_FAULTED,
			.status = cause == TALLY_FAULT_EXIT ? m.mr[3] : cause, .addr = m.mr[1],
			.pc = m.mr[2],
		};
		/* its thread waits in our Reply; it goes with the rest, and the Reply goes stale */
		return tally_sup_kill(s, pid);
	}
}
