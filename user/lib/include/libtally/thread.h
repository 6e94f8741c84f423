/*
 * libtally: thread (TCB) invocations, and starting a thread at a function.
 */
#ifndef LIBTALLY_THREAD_H
#define LIBTALLY_THREAD_H

#include <tally/thread.h>
#include <libtally/cap.h>

static inline long
tally_tcb_configure(unsigned long tcb, unsigned long cspace, unsigned long vspace,
		    unsigned long ipcbuf_frame, unsigned long ipcbuf_addr, unsigned long fault_ep)
{
	const unsigned long in[6] = { cspace, vspace, ipcbuf_frame, ipcbuf_addr, fault_ep, 0 };

	return tally_invoke(tcb, TALLY_TCB_CONFIGURE, in, 0);
}

static inline long
tally_tcb_set_priority(unsigned long tcb, unsigned long prio)
{
	const unsigned long in[6] = { prio, 0, 0, 0, 0, 0 };

	return tally_invoke(tcb, TALLY_TCB_SET_PRIORITY, in, 0);
}

static inline long
tally_tcb_resume(unsigned long tcb)
{
	const unsigned long in[6] = { 0 };

	return tally_invoke(tcb, TALLY_TCB_RESUME, in, 0);
}

static inline long
tally_tcb_suspend(unsigned long tcb)
{
	const unsigned long in[6] = { 0 };

	return tally_invoke(tcb, TALLY_TCB_SUSPEND, in, 0);
}

static inline long
tally_tcb_read_regs(unsigned long tcb, struct tally_regs *out)
{
	const unsigned long in[6] = { (unsigned long)out, 0, 0, 0, 0, 0 };

	return tally_invoke(tcb, TALLY_TCB_READ_REGS, in, 0);
}

static inline long
tally_tcb_write_regs(unsigned long tcb, const struct tally_regs *regs)
{
	const unsigned long in[6] = { (unsigned long)regs, 0, 0, 0, 0, 0 };

	return tally_invoke(tcb, TALLY_TCB_WRITE_REGS, in, 0);
}

static inline long
tally_tcb_bind_notification(unsigned long tcb, unsigned long ntfn)
{
	const unsigned long in[6] = { ntfn, 0, 0, 0, 0, 0 };

	return tally_invoke(tcb, TALLY_TCB_BIND_NOTIFICATION, in, 0);
}

struct tally_tcb_info {
	unsigned long state, fault, fault_addr, fault_pc, fault_code, prio;
};

static inline long
tally_tcb_info(unsigned long tcb, struct tally_tcb_info *out)
{
	const unsigned long in[6] = { 0 };
	struct tally_invoke_result r;
	long err = tally_invoke(tcb, TALLY_TCB_INFO, in, &r);

	*out = (struct tally_tcb_info){ r.mr[0], r.mr[1], r.mr[2], r.mr[3], r.mr[4], r.mr[5] };
	return err;
}

static inline long
tally_tcb_set_name(unsigned long tcb, const char *name)
{
	unsigned long in[6] = { 0 };
	unsigned i;

	for (i = 0; i < 31 && name[i]; i++)
		((char *)in)[i] = name[i];
	return tally_invoke(tcb, TALLY_TCB_SET_NAME, in, 0);
}

static inline long
tally_reply_bind_notification(unsigned long reply, unsigned long ntfn)
{
	const unsigned long in[6] = { ntfn, 0, 0, 0, 0, 0 };

	return tally_invoke(reply, TALLY_REPLY_BIND_NOTIFICATION, in, 0);
}

/* Give scheduling context sc a budget and period (ticks); needs the scheduling control. */
static inline long
tally_sched_control_configure(unsigned long control, unsigned long sc, unsigned long budget,
			      unsigned long period)
{
	const unsigned long in[6] = { sc, budget, period, 0, 0, 0 };

	return tally_invoke(control, TALLY_SCHED_CONTROL_CONFIGURE, in, 0);
}

/* Bind scheduling context sc to thread tcb (0: unbind, making it passive). */
static inline long
tally_tcb_set_sched_context(unsigned long tcb, unsigned long sc)
{
	const unsigned long in[6] = { sc, 0, 0, 0, 0, 0 };

	return tally_invoke(tcb, TALLY_TCB_SET_SCHED_CONTEXT, in, 0);
}

struct tally_sc_info {
	unsigned long budget, period, remaining, consumed, lent, overruns;
};

static inline long
tally_sc_info(unsigned long sc, struct tally_sc_info *out)
{
	const unsigned long in[6] = { 0 };
	struct tally_invoke_result r;
	long err = tally_invoke(sc, TALLY_SCHED_CONTEXT_INFO, in, &r);

	*out = (struct tally_sc_info){ r.mr[0], r.mr[1], r.mr[2], r.mr[3], r.mr[4], r.mr[5] };
	return err;
}

/*
 * Point an inactive thread at fn(arg) on the stack ending at stack_top, and
 * start it. The function must not return (end with tally_exit()).
 */
static inline long
tally_tcb_start(unsigned long tcb, void (*fn)(unsigned long), unsigned long arg,
		void *stack_top)
{
	struct tally_regs r = { 0 };
	long err;

	r.rip = (unsigned long)fn;
	r.rsp = ((unsigned long)stack_top & ~15ul) - 8;   /* as if called */
	r.rdi = arg;
	err = tally_tcb_write_regs(tcb, &r);
	if (err)
		return err;
	return tally_tcb_resume(tcb);
}

#endif
