/*
 * System-call dispatch. Each call decodes and validates all its arguments
 * first and changes nothing until they are all good (the commit point);
 * then it performs. An unknown call number stops the thread.
 */
#include <kernel/syscall.h>
#include <kernel/arch.h>
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
	memcpy(info.name, t->name, sizeof(info.name));
	if (!arch_copy_to_user(out, &info, sizeof(info)))
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
		sched_next();
		break;
	case TALLY_SYS_EXIT:
		thread_exit(t);
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
	default:
		thread_fault(t, TALLY_FAULT_BAD_SYSCALL, 0, arch_regs_pc(r), nr);
		break;
	}
}
