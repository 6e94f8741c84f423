/*
 * Thread state changes that the rest of the kernel asks for: stopping a
 * thread that faulted or exited. (Creation of boot threads is in
 * boot_tasks.c; threads made by retype arrive with the IPC issue.)
 */
#include <kernel/thread.h>
#include <kernel/kprintf.h>
#include <kernel/sched.h>

struct thread boot_threads[CONFIG_BOOT_THREADS];
unsigned boot_thread_count;

static void
thread_print_fault(const struct thread *t)
{
	const struct thread_fault *f = &t->fault;

	kprintf("fault: thread %u '%s' stopped: %s at pc=%#lx", t->index, t->name,
		tally_fault_name(f->cause), (unsigned long)f->pc);
	if (f->cause == TALLY_FAULT_PAGE)
		kprintf(" addr=%#lx (%s, %s%s)", (unsigned long)f->addr,
			f->code & TALLY_PF_FETCH ? "fetch" :
			f->code & TALLY_PF_WRITE ? "write" : "read",
			f->code & TALLY_PF_PRESENT ? "protection" : "not present",
			f->addr >= (1ul << 47) ? ", kernel address" : "");
	else if (f->cause == TALLY_FAULT_BAD_SYSCALL)
		kprintf(" number=%lu", (unsigned long)f->code);
	else
		kprintf(" code=%#lx", (unsigned long)f->code);
	kprintf("\n");
}

void
thread_fault(struct thread *t, enum tally_fault cause, uint64_t addr, uint64_t pc,
	     uint64_t code)
{
	t->fault = (struct thread_fault){ cause, addr, pc, code };
	t->state = TALLY_THREAD_FAULTED;
	thread_print_fault(t);
	if (t == sched_current)
		sched_next();
}

void
thread_exit(struct thread *t)
{
	t->state = TALLY_THREAD_EXITED;
	kprintf("thread %u '%s' exited\n", t->index, t->name);
	if (t == sched_current)
		sched_next();
}
