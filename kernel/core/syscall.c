/*
 * System-call dispatch. Each call decodes and validates all its arguments
 * first and changes nothing until they are all good (the commit point);
 * then it performs. An unknown call number stops the thread.
 */
#include <kernel/syscall.h>
#include <kernel/arch.h>
#include <kernel/invoke.h>
#include <kernel/ipc.h>
#include <kernel/schedctx.h>
#include <kernel/vspace.h>
#include <kernel/cap_check.h>
#include <kernel/config.h>
#include <kernel/panic.h>
#include <kernel/clock.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>
#include <string.h>
#include <tally/error.h>

static void
syscall_return(struct thread *t, enum tally_error err, uint64_t value)
{
	arch_regs_set_syscall_result(&t->regs, err, value);
}

/* After a successful invocation, hand its result registers back (if t still exists). */
static long
invoke_then_reply(struct thread *t, struct invocation *inv, long result)
{
	unsigned i;

	if (result != TALLY_OK || thread_destroyed_current == t)
		return result;
	for (i = 0; i < INVOKE_MRS; i++)
		arch_regs_set_syscall_arg(&t->regs, 2 + i, inv->mr[i]);
	return TALLY_OK;
}

/* Write len bytes at user address ptr to the console, all or nothing. */
static enum tally_error
sys_debug_write(uaddr_t ptr, uint64_t len)
{
	static char buf[TALLY_DEBUG_WRITE_MAX];

	if (len > TALLY_DEBUG_WRITE_MAX)
		return TALLY_ERR_RANGE;
	if (!arch_user_range_ok(ptr, len) || !arch_copy_from_user(buf, ptr, len))
		return TALLY_ERR_BAD_ADDRESS;
	arch_console_write(buf, len);
	return TALLY_OK;
}

static enum tally_error
sys_debug_thread_info(uint64_t index, uaddr_t out)
{
	struct tally_thread_info info;
	const struct thread *t;

	if (index >= boot_thread_count)
		return TALLY_ERR_RANGE;
	if (!arch_user_range_ok(out, sizeof(info)))
		return TALLY_ERR_BAD_ADDRESS;
	t = &boot_threads[index];
	memset(&info, 0, sizeof(info));
	info.state = t->state;
	info.fault = t->fault.cause;
	info.fault_addr = t->fault.addr;
	info.fault_pc = t->fault.pc;
	info.fault_code = t->fault.code;
	info.preemptions = t->preemptions;
	memcpy(info.name, t->name, sizeof(info.name));
	if (!arch_copy_to_user(out, &info, sizeof(info)))
		return TALLY_ERR_BAD_ADDRESS;
	return TALLY_OK;
}

long
invoke_fail(struct invocation *inv, enum tally_error err, unsigned argument, uint64_t value,
	    uint64_t limit)
{
	inv->caller->error = (struct tally_error_detail){
		.error = err, .argument = argument, .value = value, .limit = limit,
	};
	return err;
}

struct cte *
invoke_arg_cap(struct invocation *inv, unsigned arg, enum tally_obj_type type, unsigned rights,
	    long *err)
{
	struct tally_error_detail d = { 0 };
	struct cte *s;

	*err = TALLY_OK;
	if (!inv->mr[arg])
		return NULL;
	s = cspace_lookup(inv->caller, inv->mr[arg], 64, &d, NULL);
	if (!s || cte_empty(s)) {
		*err = invoke_fail(inv, TALLY_ERR_LOOKUP_FAILED, arg + 1, inv->mr[arg], 0);
		inv->caller->error.lookup = s ? TALLY_LOOKUP_EMPTY_SLOT : d.lookup;
		inv->caller->error.bits_left = d.bits_left;
		return NULL;
	}
	if (cap_type(&s->cap) != type &&
	    !(type == TALLY_OBJ_FRAME_4K && cap_type(&s->cap) == TALLY_OBJ_FRAME_2M)) {
		*err = invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, arg + 1, cap_type(&s->cap), type);
		return NULL;
	}
	if ((cap_rights(&s->cap) & rights) != rights) {
		*err = invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, arg + 1, cap_rights(&s->cap),
				   rights);
		return NULL;
	}
	if (cap_generation(&s->cap) >= TALLY_COPY_DEPTH_MAX) {
		*err = invoke_fail(inv, TALLY_ERR_RANGE, arg + 1, cap_generation(&s->cap) + 1ul,
				   TALLY_COPY_DEPTH_MAX);
		return NULL;
	}
	return s;
}

/* Invoke the capability at cptr (depth 64) with `label` and MR0..MR5. */
static long
sys_invoke(struct thread *t)
{
	struct tally_error_detail d;
	struct invocation inv;
	unsigned i;

	if (t->pending_drain && t->pending_pc == arch_regs_pc(&t->regs)) {
		/* a delete or revoke whose slot work is done: do not decode it again */
		if (cap_drain() != CAP_DONE)
			return INVOKE_PREEMPTED_DRAIN;
		return TALLY_OK;
	}
	d.lookup = TALLY_LOOKUP_OK;
	d.bits_left = 0;
	inv.caller = t;
	inv.label = arch_regs_syscall_arg(&t->regs, 1);
	inv.slot = cspace_lookup(t, arch_regs_syscall_arg(&t->regs, 0), 64, &d, NULL);
	if (inv.slot && cte_empty(inv.slot))
		d.lookup = TALLY_LOOKUP_EMPTY_SLOT;
	if (!inv.slot || d.lookup) {
		t->error = (struct tally_error_detail){ .error = TALLY_ERR_LOOKUP_FAILED,
			.value = arch_regs_syscall_arg(&t->regs, 0), .lookup = d.lookup,
			.bits_left = d.bits_left };
		return TALLY_ERR_LOOKUP_FAILED;
	}
	for (i = 0; i < INVOKE_MRS; i++)
		inv.mr[i] = arch_regs_syscall_arg(&t->regs, 2 + i);
	switch (cap_type(&inv.slot->cap)) {
	case TALLY_OBJ_CNODE:
		return invoke_then_reply(t, &inv, cnode_invoke(&inv));
	case TALLY_OBJ_UNTYPED:
		return invoke_then_reply(t, &inv, untyped_invoke(&inv));
	case TALLY_OBJ_THREAD:
		return invoke_then_reply(t, &inv, thread_invoke(&inv));
	case TALLY_OBJ_REPLY:
		return invoke_then_reply(t, &inv, reply_invoke(&inv));
	case TALLY_OBJ_SCHED_CONTROL:
		return invoke_then_reply(t, &inv, sc_control_invoke(&inv));
	case TALLY_OBJ_SCHED_CONTEXT:
		return invoke_then_reply(t, &inv, sc_invoke(&inv));
	case TALLY_OBJ_FRAME_4K:
	case TALLY_OBJ_FRAME_2M:
		return invoke_then_reply(t, &inv, vspace_frame_invoke(&inv));
	case TALLY_OBJ_PDPT:
	case TALLY_OBJ_PD:
	case TALLY_OBJ_PT:
		return invoke_then_reply(t, &inv, vspace_table_invoke(&inv));
	default:
		return invoke_fail(&inv, TALLY_ERR_INVALID_CAPABILITY, 0,
				   cap_type(&inv.slot->cap), 0);
	}
}

/*
 * Boot threads other than the root task have no capability naming them, so
 * their slots are found by no walk of the tree's objects.
 */
static bool
slot_is_thread_root(const struct cte *s)
{
	unsigned i;

	for (i = 1; i < boot_thread_count; i++)
		if (s >= boot_threads[i].slots && s < boot_threads[i].slots + TCB_SLOTS)
			return true;
	return false;
}

/* Check every capability invariant; a failure is a kernel bug, so it panics. */
static enum tally_error
sys_debug_check(uaddr_t out)
{
	struct cap_check_stats st;
	struct tally_cap_stats user;
	const char *why;

	if (!CONFIG_DEBUG)
		return TALLY_ERR_NOT_FOUND;   /* a whole-kernel walk: debug builds only */
	why = cap_check(slot_is_thread_root, &st);
	if (why)
		panic("capability invariant broken: %s", why);
	user = (struct tally_cap_stats){ st.caps, st.untyped_bytes, st.untyped_free, st.zombies };
	if (!arch_copy_to_user(out, &user, sizeof(user)))
		return TALLY_ERR_BAD_ADDRESS;
	return TALLY_OK;
}

static enum tally_error
sys_error_detail(struct thread *t, uaddr_t out)
{
	if (!arch_copy_to_user(out, &t->error, sizeof(t->error)))
		return TALLY_ERR_BAD_ADDRESS;
	return TALLY_OK;
}

static enum tally_error
sys_debug_shutdown(struct thread *t, uint64_t status)
{
	if (status != TALLY_SHUTDOWN_SUCCESS && status != TALLY_SHUTDOWN_FAILURE)
		return TALLY_ERR_INVALID_ARGUMENT;
	kprintf("shutdown requested by thread %u '%s': %s\n", t->index, t->name,
		status == TALLY_SHUTDOWN_SUCCESS ? "success" : "failure");
	arch_halt(status == TALLY_SHUTDOWN_SUCCESS ? ARCH_HALT_SUCCESS : ARCH_HALT_FAILURE);
}

/*
 * An invocation that was preempted is issued again when the thread next
 * runs; otherwise rax gets the error (rdx is left to the invocation).
 */
static void
syscall_invoke(struct thread *t)
{
	long r;

	thread_destroyed_current = NULL;
	r = sys_invoke(t);
	if (thread_destroyed_current == t)
		return;   /* the call destroyed its own thread: nobody to answer */
	if (r == INVOKE_PREEMPTED || r == INVOKE_PREEMPTED_DRAIN) {
		t->preemptions++;
		t->pending_drain = r == INVOKE_PREEMPTED_DRAIN;
		t->pending_pc = arch_regs_pc(&t->regs);
		arch_regs_restart_syscall(&t->regs);
		return;
	}
	t->pending_drain = false;   /* the call is over, one way or the other */
	arch_regs_set_syscall_result(&t->regs, (uint64_t)r, arch_regs_syscall_arg(&t->regs, 2));
}

/* The slot at cptr (depth 64) in t's CSpace for an IPC call, or NULL with the error set. */
static struct cte *
syscall_ipc_slot(struct thread *t, uint64_t cptr, unsigned argument)
{
	struct tally_error_detail d = { .lookup = TALLY_LOOKUP_OK };
	struct cte *s = cspace_lookup_flat(t, cptr);

	if (!s)
		s = cspace_lookup(t, cptr, 64, &d, NULL);
	if (s && cte_empty(s))
		d.lookup = TALLY_LOOKUP_EMPTY_SLOT;
	if (s && !d.lookup)
		return s;
	t->error = (struct tally_error_detail){ .error = TALLY_ERR_LOOKUP_FAILED,
		.argument = argument, .value = cptr, .lookup = d.lookup, .bits_left = d.bits_left };
	arch_regs_set_syscall_error(&t->regs, TALLY_ERR_LOOKUP_FAILED);
	return NULL;
}

/* SEND, NBSEND, CALL, RECV, NBRECV, REPLY_RECV (see <tally/ipc.h>). */
static void
syscall_ipc(struct thread *t, uint64_t nr)
{
	struct cte *slot = syscall_ipc_slot(t, arch_regs_syscall_arg(&t->regs, 0), 0), *reply;

	if (!slot)
		return;
	switch (nr) {
	case TALLY_SYS_SEND:
	case TALLY_SYS_NBSEND:
		ipc_send(t, slot, nr == TALLY_SYS_SEND, false);
		return;
	case TALLY_SYS_CALL:
		ipc_send(t, slot, true, true);
		return;
	default:
		break;
	}
	reply = NULL;
	if (cap_type(&slot->cap) == TALLY_OBJ_ENDPOINT) {
		reply = syscall_ipc_slot(t, arch_regs_syscall_arg(&t->regs, 8), 8);
		if (!reply)
			return;
	}
	if (nr == TALLY_SYS_REPLY_RECV)
		ipc_reply_recv(t, slot, reply);
	else
		ipc_recv(t, slot, reply, nr == TALLY_SYS_RECV);
}

void
syscall_dispatch(struct thread *t)
{
	const struct arch_regs *r = &t->regs;
	uint64_t nr = arch_regs_syscall_number(r);
	uint64_t a0 = arch_regs_syscall_arg(r, 0), a1 = arch_regs_syscall_arg(r, 1);

	switch (nr) {
	case TALLY_SYS_NULL:
		syscall_return(t, TALLY_OK, 0);
		break;
	case TALLY_SYS_YIELD:
		syscall_return(t, TALLY_OK, 0);
		sched_yield();
		break;
	case TALLY_SYS_EXIT:
		thread_exit(t, a0);
		break;
	case TALLY_SYS_CLOCK:
		syscall_return(t, TALLY_OK, clock_ticks());
		break;
	case TALLY_SYS_DEBUG_WRITE:
		syscall_return(t, sys_debug_write(a0, a1), 0);
		break;
	case TALLY_SYS_DEBUG_THREAD_INFO:
		syscall_return(t, sys_debug_thread_info(a0, a1), 0);
		break;
	case TALLY_SYS_DEBUG_SHUTDOWN:
		syscall_return(t, sys_debug_shutdown(t, a0), 0);
		break;
	case TALLY_SYS_INVOKE:
		syscall_invoke(t);
		break;
	case TALLY_SYS_ERROR_DETAIL:
		syscall_return(t, sys_error_detail(t, a0), 0);
		break;
	case TALLY_SYS_DEBUG_CHECK:
		syscall_return(t, sys_debug_check(a0), 0);
		break;
	case TALLY_SYS_SEND:
	case TALLY_SYS_NBSEND:
	case TALLY_SYS_CALL:
	case TALLY_SYS_RECV:
	case TALLY_SYS_NBRECV:
	case TALLY_SYS_REPLY_RECV:
		syscall_ipc(t, nr);
		break;
	default:
		thread_fault(t, TALLY_FAULT_BAD_SYSCALL, 0, arch_regs_pc(r), nr);
		break;
	}
}
