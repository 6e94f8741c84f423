/*
 * Threads: their life cycle (start, suspend, resume, fault, exit,
 * destruction) and the TCB invocations. Blocking and waking for IPC are in
 * ipc.c; the run queues in sched.c.
 */
#include <kernel/thread.h>
#include <kernel/invoke.h>
#include <kernel/ipc.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <kernel/schedctx.h>
#include <kernel/timeout.h>
#include <string.h>

struct thread boot_threads[CONFIG_BOOT_THREADS];
unsigned boot_thread_count;

/* The current thread, destroyed by the call it is making (syscall.c reads it). */
struct thread *thread_destroyed_current;

void
thread_init(struct thread *t)
{
	t->state = TALLY_THREAD_INACTIVE;
	t->prio = 0;
	arch_regs_init_user(&t->regs, 0, 0, 0);
	strlcpy(t->name, "thread", sizeof(t->name));
}

static void
thread_print_fault(const struct thread *t)
{
	const struct thread_fault *f = &t->fault;

	kprintf("fault: thread '%s' stopped: %s at pc=%#lx", t->name,
		tally_fault_name(f->cause), (unsigned long)f->pc);
	if (f->cause == TALLY_FAULT_PAGE)
		kprintf(" addr=%#lx (%s, %s%s)", (unsigned long)f->addr,
			f->code & TALLY_PF_FETCH ? "fetch" :
			f->code & TALLY_PF_WRITE ? "write" : "read",
			f->code & TALLY_PF_PRESENT ? "protection" : "not present",
			arch_user_range_ok(f->addr, 1) ? "" : ", kernel address");
	else if (f->cause == TALLY_FAULT_BAD_SYSCALL)
		kprintf(" number=%lu", (unsigned long)f->code);
	else
		kprintf(" code=%#lx", (unsigned long)f->code);
	kprintf("\n");
}

/* t leaves the CPU and every queue; its state is the caller's to set. */
static void
thread_off_cpu(struct thread *t)
{
	sched_remove(t);
	if (t == sched_current)
		sched_current_gone();
}

void
thread_stop_faulted(struct thread *t)
{
	t->state = TALLY_THREAD_FAULTED;
	thread_off_cpu(t);
	thread_print_fault(t);
}

void
thread_fault(struct thread *t, enum tally_fault cause, uint64_t addr, uint64_t pc,
	     uint64_t code)
{
	const struct cap *ep = &t->slots[TCB_SLOT_FAULT_EP].cap;

	t->fault = (struct thread_fault){ cause, addr, pc, code };
	t->pending_drain = false;
	if (cap_type(ep) != TALLY_OBJ_ENDPOINT) {
		thread_stop_faulted(t);
		return;
	}
	sched_remove(t);
	ipc_send_fault(t, cap_object(ep), cap_word2(ep));
	if (t->state == TALLY_THREAD_BLOCKED_SEND && t == sched_current)
		sched_current_gone();
}

static void
thread_exited(struct thread *t)
{
	t->state = TALLY_THREAD_EXITED;
	thread_off_cpu(t);
}

void
thread_fault_end(struct thread *t)
{
	if (t->fault.cause == TALLY_FAULT_EXIT)
		thread_exited(t);
	else
		thread_stop_faulted(t);
}

void
thread_exit(struct thread *t, uint64_t status)
{
	uint64_t pc = arch_regs_pc(&t->regs);

	if (cap_type(&t->slots[TCB_SLOT_FAULT_EP].cap) != TALLY_OBJ_ENDPOINT) {
		thread_exited(t);
		return;
	}
	/* resumed before the answer (suspended while reporting), it exits again */
	arch_regs_restart_syscall(&t->regs);
	thread_fault(t, TALLY_FAULT_EXIT, 0, pc, status);
}

/*
 * Unlink t from the wait it is in. A live caller gets its scheduling
 * context back from the server it lent it to; a dying one leaves it with
 * the server to finish on (it goes home when the server lets go).
 */
static void
thread_unlink_ipc(struct thread *t, enum tally_error err, bool dying)
{
	timeout_disarm(t);
	switch (t->state) {
	case TALLY_THREAD_BLOCKED_SEND:
		endpoint_cancel(t->ipc_obj, t);
		break;
	case TALLY_THREAD_BLOCKED_RECV:
		endpoint_cancel(t->ipc_obj, t);
		if (t->reply)
			reply_receiver_gone(t->reply);
		t->reply = NULL;
		break;
	case TALLY_THREAD_BLOCKED_NOTIFY:
		notification_cancel(t->ipc_obj, t);
		break;
	case TALLY_THREAD_BLOCKED_REPLY:
		if (t->reply && !dying)
			sc_give_back(t->reply, t);
		if (t->reply)
			reply_caller_gone(t->reply);
		t->reply = NULL;
		break;
	default:
		return;
	}
	/* a fault is re-raised when the thread runs again; a call returns err */
	if (!(t->ipc_flags & IPC_FAULT)) {
		t->error = (struct tally_error_detail){ .error = err };
		arch_regs_set_syscall_error(&t->regs, err);
	}
	t->ipc_flags = 0;
	t->state = TALLY_THREAD_INACTIVE;
}

void
thread_cancel_ipc(struct thread *t, enum tally_error err)
{
	thread_unlink_ipc(t, err, false);
}

struct tally_ipc_buffer *
thread_ipc_buffer(struct thread *t)
{
	const struct cap *f = &t->slots[TCB_SLOT_IPC_BUFFER].cap;
	uint64_t size;

	if (cap_type(f) == TALLY_OBJ_FRAME_4K)
		size = 1ul << 12;
	else if (cap_type(f) == TALLY_OBJ_FRAME_2M)
		size = 1ul << 21;
	else
		return NULL;
	return (struct tally_ipc_buffer *)((char *)cap_object(f) + (t->ipcbuf_addr & (size - 1)));
}

void
thread_destroy(struct thread *t)
{
	unsigned i;

	thread_unlink_ipc(t, TALLY_ERR_CANCELLED, true);
	sc_thread_gone(t);
	if (t == sched_current)
		thread_destroyed_current = t;
	thread_off_cpu(t);
	sched_forget(t);
	if (t->bound)
		notification_unbind(t->bound);
	t->state = TALLY_THREAD_INACTIVE;
	for (i = 0; i < TCB_SLOTS; i++)
		cap_delete_bounded(&t->slots[i]);
}

/* ---- invocations ---- */

/* Put a copy of src (or nothing) into the thread's slot, deleting what was there. */
static void
tcb_set_slot(struct cte *slot, struct cte *src)
{
	cap_delete_bounded(slot);
	if (src)
		cdt_insert(src, slot, cap_derive(&src->cap));
}

static long
tcb_configure(struct invocation *inv, struct thread *t)
{
	struct cte *cs, *vs, *buf, *ep;
	uint64_t addr = inv->mr[3];
	long err;

	cs = invoke_arg_cap(inv, 0, TALLY_OBJ_CNODE, 0, &err);
	if (err)
		return err;
	vs = invoke_arg_cap(inv, 1, TALLY_OBJ_PML4, 0, &err);
	if (err)
		return err;
	buf = invoke_arg_cap(inv, 2, TALLY_OBJ_FRAME_4K, TALLY_RIGHT_READ | TALLY_RIGHT_WRITE, &err);
	if (err)
		return err;
	if (buf && cap_is_device(&buf->cap))   /* the kernel reaches buffers through its RAM map */
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 3, TALLY_INSPECT_DEVICE, 0);
	if (buf && (addr % TALLY_IPC_BUFFER_SIZE || !arch_user_range_ok(addr, TALLY_IPC_BUFFER_SIZE)))
		return invoke_fail(inv, addr % TALLY_IPC_BUFFER_SIZE ? TALLY_ERR_ALIGNMENT :
				   TALLY_ERR_RANGE, 4, addr, TALLY_IPC_BUFFER_SIZE);
	ep = invoke_arg_cap(inv, 4, TALLY_OBJ_ENDPOINT, TALLY_RIGHT_WRITE, &err);
	if (err)
		return err;
	/* decoded: from here on nothing fails */
	tcb_set_slot(&t->slots[TCB_SLOT_CSPACE], cs);
	tcb_set_slot(&t->slots[TCB_SLOT_VSPACE], vs);
	sched_forget(t);
	tcb_set_slot(&t->slots[TCB_SLOT_IPC_BUFFER], buf);
	t->ipcbuf_addr = buf ? addr : 0;
	tcb_set_slot(&t->slots[TCB_SLOT_FAULT_EP], ep);
	return cap_drain() == CAP_DONE ? TALLY_OK : INVOKE_PREEMPTED_DRAIN;
}

static long
tcb_resume(struct invocation *inv, struct thread *t)
{
	switch (t->state) {
	case TALLY_THREAD_INACTIVE:
	case TALLY_THREAD_EXITED:
	case TALLY_THREAD_FAULTED:
		if (!arch_regs_resumable(&t->regs))
			return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, arch_regs_pc(&t->regs), 0);
		t->fault.cause = TALLY_FAULT_NONE;
		/* pending_drain stays: the registers are unchanged, so a restarted call is the same call */
		sched_wake(t);
		return TALLY_OK;
	default:
		return TALLY_OK;   /* running or blocked: already started */
	}
}

static long
tcb_suspend(struct thread *t)
{
	thread_cancel_ipc(t, TALLY_ERR_CANCELLED);
	if (t->state == TALLY_THREAD_RUNNABLE)
		t->state = TALLY_THREAD_INACTIVE;
	thread_off_cpu(t);
	return TALLY_OK;
}

static long
tcb_read_regs(struct invocation *inv, struct thread *t)
{
	struct tally_regs r;

	arch_regs_read(&t->regs, &r);
	if (!arch_copy_to_user(inv->mr[0], &r, sizeof(r)))
		return invoke_fail(inv, TALLY_ERR_BAD_ADDRESS, 1, inv->mr[0], 0);
	return TALLY_OK;
}

static bool
thread_blocked(const struct thread *t)
{
	return t->state >= TALLY_THREAD_BLOCKED_SEND;
}

static long
tcb_write_regs(struct invocation *inv, struct thread *t)
{
	struct tally_regs r;

	if (t == inv->caller)
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	if (thread_blocked(t))
		return invoke_fail(inv, TALLY_ERR_BUSY, 0, t->state, 0);
	if (!arch_copy_from_user(&r, inv->mr[0], sizeof(r)))
		return invoke_fail(inv, TALLY_ERR_BAD_ADDRESS, 1, inv->mr[0], 0);
	if (!arch_regs_write(&t->regs, &r))
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 1, r.rip, r.rsp);
	t->pending_drain = false;
	return TALLY_OK;
}

static long
tcb_bind(struct invocation *inv, struct thread *t)
{
	long err;
	struct notification *n;
	struct cte *s;

	if (!inv->mr[0]) {
		if (t->bound)
			notification_unbind(t->bound);
		return TALLY_OK;
	}
	s = invoke_arg_cap(inv, 0, TALLY_OBJ_NOTIFICATION, TALLY_RIGHT_READ, &err);
	if (err)
		return err;
	n = cap_object(&s->cap);
	if (n->bound || t->bound || n->queue.head)
		return invoke_fail(inv, TALLY_ERR_BUSY, 1, inv->mr[0], 0);
	n->bound = t;
	t->bound = n;
	return TALLY_OK;
}

static long
tcb_info(struct invocation *inv, struct thread *t)
{
	inv->mr[0] = t->state;
	inv->mr[1] = t->fault.cause;
	inv->mr[2] = t->fault.addr;
	inv->mr[3] = t->fault.pc;
	inv->mr[4] = t->fault.code;
	inv->mr[5] = t->prio;
	return TALLY_OK;
}

static long
tcb_set_name(struct invocation *inv, struct thread *t)
{
	char name[TALLY_THREAD_NAME_MAX];

	memcpy(name, inv->mr, 4 * sizeof(uint64_t));
	name[sizeof(name) - 1] = 0;
	memcpy(t->name, name, sizeof(name));
	return TALLY_OK;
}

long
thread_invoke(struct invocation *inv)
{
	struct thread *t = cap_object(&inv->slot->cap);

	if (!(cap_rights(&inv->slot->cap) & TALLY_RIGHT_WRITE) && inv->label != TALLY_TCB_INFO &&
	    inv->label != TALLY_TCB_READ_REGS)
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE, 0);
	switch (inv->label) {
	case TALLY_TCB_CONFIGURE:
		return tcb_configure(inv, t);
	case TALLY_TCB_SET_PRIORITY:
		if (inv->mr[0] > inv->caller->prio)
			return invoke_fail(inv, TALLY_ERR_RANGE, 1, inv->mr[0], inv->caller->prio);
		sched_set_priority(t, (unsigned)inv->mr[0]);
		return TALLY_OK;
	case TALLY_TCB_RESUME:
		return tcb_resume(inv, t);
	case TALLY_TCB_SUSPEND:
		return tcb_suspend(t);
	case TALLY_TCB_READ_REGS:
		return tcb_read_regs(inv, t);
	case TALLY_TCB_WRITE_REGS:
		return tcb_write_regs(inv, t);
	case TALLY_TCB_BIND_NOTIFICATION:
		return tcb_bind(inv, t);
	case TALLY_TCB_INFO:
		return tcb_info(inv, t);
	case TALLY_TCB_SET_NAME:
		return tcb_set_name(inv, t);
	case TALLY_TCB_SET_SCHED_CONTEXT:
		return sc_tcb_bind(inv, t);
	default:
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	}
}
