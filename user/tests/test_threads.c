/*
 * Threads through real system calls: TCB invocations and their errors,
 * faults delivered to a handler that resumes or stops the thread, the
 * scheduler's priorities, and endpoint destruction with thousands of
 * threads queued (bounded work between preemption points).
 */
#include "test.h"
#include <libtally/ipc.h>
#include <libtally/thread.h>

#define ROOT TALLY_SLOT_ROOT_CNODE

static volatile unsigned long counter[4];
static volatile long outcome[4];

static void
spin_forever(unsigned long i)
{
	for (;;)
		counter[i]++;
}

TEST(tcb_calls_reject_bad_arguments_and_change_nothing)
{
	unsigned long tcb = test_object(TALLY_OBJ_THREAD, 0);
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0), ro = test_slot();
	struct tally_regs regs = { 0 };
	struct tally_tcb_info info;
	unsigned long in[6] = { 0 };

	EXPECT_TRUE(tcb && ep);
	/* configure: wrong types, empty slots, bad IPC buffer address */
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_tcb_configure(tcb, ep, 0, 0, 0, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_tcb_configure(tcb, 0, ROOT, 0, 0, 0));
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_tcb_configure(tcb, 0, 0, 0, 0, ro));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_tcb_configure(tcb, 0, 0, ep, 0, 0));
	EXPECT_ERR(TALLY_ERR_ALIGNMENT, tally_tcb_configure(tcb, 0, 0, TALLY_SLOT_ROOT_IPC_BUFFER,
							 TALLY_BOOT_IPC_BUFFER + 8, 0));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, ro, ep, 64, TALLY_RIGHT_READ));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_tcb_configure(tcb, 0, 0, 0, 0, ro));
	/* priority above the caller's own */
	EXPECT_ERR(TALLY_ERR_RANGE, tally_tcb_set_priority(tcb, TALLY_PRIO_MAX + 1));
	/* registers: bad pointers, non-canonical pc, the caller itself */
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_tcb_read_regs(tcb, (void *)0xffff800000000000ul));
	EXPECT_ERR(TALLY_ERR_BAD_ADDRESS, tally_tcb_write_regs(tcb, (void *)8));
	regs.rip = 0x800000000000ul;
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_tcb_write_regs(tcb, &regs));
	regs.rip = 0x400000;
	regs.rsp = ~0ul;
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_tcb_write_regs(tcb, &regs));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_tcb_write_regs(TALLY_SLOT_ROOT_THREAD, &regs));
	/* binding: not a notification; unknown label */
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_tcb_bind_notification(tcb, ep));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_invoke(tcb, TALLY_INVOCATION_COUNT, in, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_invoke(tcb, TALLY_CNODE_COPY, in, 0));
	/* a read-only thread capability may be inspected, not changed */
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, ro));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, ro, tcb, 64, TALLY_RIGHT_READ));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_tcb_resume(ro));
	EXPECT_ERR(TALLY_OK, tally_tcb_info(ro, &info));
	/* nothing changed */
	EXPECT_EQ(TALLY_THREAD_INACTIVE, info.state);
	EXPECT_EQ(0, info.prio);
	test_object_free(ro);
	test_object_free(ep);
	test_object_free(tcb);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(registers_read_back_as_written_and_resume_runs_there)
{
	unsigned long tcb = test_object(TALLY_OBJ_THREAD, 0);
	static _Alignas(16) unsigned char stack[4096];
	struct tally_regs w = { 0 }, r;

	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 255));
	EXPECT_TRUE(test_time_for(tcb, 1, 1));
	w.rip = (unsigned long)spin_forever;
	w.rsp = (unsigned long)(stack + sizeof(stack) - 8);
	w.rdi = 1;
	w.rbx = 0x1234;
	w.r15 = 0x5678;
	w.rflags = ~0x100ul;  /* all but TF: only the user-settable ones are kept */
	EXPECT_ERR(TALLY_OK, tally_tcb_write_regs(tcb, &w));
	EXPECT_ERR(TALLY_OK, tally_tcb_read_regs(tcb, &r));
	EXPECT_EQ(w.rip, r.rip);
	EXPECT_EQ(w.rsp, r.rsp);
	EXPECT_EQ(0x1234, r.rbx);
	EXPECT_EQ(0x5678, r.r15);
	EXPECT_EQ(0, r.rflags & ~0xfd5ul);   /* no IOPL, no AC, no VM, ... */
	counter[1] = 0;
	EXPECT_ERR(TALLY_OK, tally_tcb_resume(tcb));
	EXPECT_TRUE(test_wait_state(tcb, TALLY_THREAD_RUNNABLE));
	for (unsigned i = 0; i < 20000 && counter[1] == 0; i++)
		tally_yield();
	EXPECT_TRUE(counter[1] > 0);
	EXPECT_ERR(TALLY_OK, tally_tcb_suspend(tcb));
	EXPECT_EQ(TALLY_THREAD_INACTIVE, test_thread_state(tcb));
	test_object_free(tcb);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- faults ---- */

static void
do_ud2(unsigned long arg)
{
	(void)arg;
	__asm__ volatile("ud2");
	counter[2]++;
	tally_exit();
}

TEST(a_fault_reaches_the_handler_which_resumes_or_stops_the_thread)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0), fep = test_slot();
	unsigned long tcb = test_object(TALLY_OBJ_THREAD, 0);
	static _Alignas(16) unsigned char stack[4096];
	struct tally_tcb_info info;
	struct tally_msg m = { 0 };
	unsigned long pc;

	EXPECT_ERR(TALLY_OK, tally_cnode_mint(ROOT, fep, ep, 64, TALLY_RIGHTS_ALL, 0xf1));
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, fep));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 255));
	EXPECT_TRUE(test_time_for(tcb, 1, 1));
	EXPECT_ERR(TALLY_OK, tally_tcb_start(tcb, do_ud2, 0, stack + sizeof(stack)));
	/* the fault arrives as a call from the thread */
	EXPECT_ERR(TALLY_OK, tally_recv(ep, reply, &m));
	EXPECT_EQ(0xf1, m.badge);
	EXPECT_EQ(TALLY_LABEL_FAULT, tally_msginfo_label(m.info));
	EXPECT_EQ(TALLY_FAULT_ILLEGAL_INSN, m.mr[0]);
	pc = m.mr[2];
	EXPECT_TRUE(pc >= (unsigned long)do_ud2 && pc < (unsigned long)do_ud2 + 64);
	EXPECT_EQ(TALLY_THREAD_BLOCKED_REPLY, test_thread_state(tcb));
	/* label 0 resumes it at the same instruction: it faults again */
	m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
	EXPECT_ERR(TALLY_OK, tally_reply_recv(ep, reply, &m));
	EXPECT_EQ(TALLY_LABEL_FAULT, tally_msginfo_label(m.info));
	EXPECT_EQ(pc, m.mr[2]);
	/* any other label stops it for good */
	m = (struct tally_msg){ .info = tally_msginfo(1, 0, 0) };
	EXPECT_ERR(TALLY_OK, tally_reply(reply, &m));
	EXPECT_ERR(TALLY_OK, tally_tcb_info(tcb, &info));
	EXPECT_EQ(TALLY_THREAD_FAULTED, info.state);
	EXPECT_EQ(TALLY_FAULT_ILLEGAL_INSN, info.fault);
	EXPECT_EQ(0, counter[2]);
	test_object_free(tcb);
	test_object_free(fep);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(a_fault_whose_handler_endpoint_goes_stops_the_thread)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long tcb = test_object(TALLY_OBJ_THREAD, 0);
	static _Alignas(16) unsigned char stack[4096];
	struct tally_tcb_info info;

	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, ep));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 255));
	EXPECT_TRUE(test_time_for(tcb, 1, 1));
	EXPECT_ERR(TALLY_OK, tally_tcb_start(tcb, do_ud2, 0, stack + sizeof(stack)));
	EXPECT_TRUE(test_wait_state(tcb, TALLY_THREAD_BLOCKED_SEND));   /* nobody receives yet */
	/* the thread's copy keeps the endpoint alive; reconfiguring drops the last one */
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, ep));
	EXPECT_EQ(TALLY_THREAD_BLOCKED_SEND, test_thread_state(tcb));
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
	EXPECT_ERR(TALLY_OK, tally_tcb_info(tcb, &info));
	EXPECT_EQ(TALLY_THREAD_FAULTED, info.state);
	test_slot_free(ep);
	test_object_free(tcb);
	EXPECT_TRUE(test_kernel_consistent());
}

TEST(a_fault_without_a_handler_stops_only_that_thread)
{
	unsigned long tcb = test_thread(do_ud2, 0, 255);

	EXPECT_TRUE(tcb);
	EXPECT_TRUE(test_wait_state(tcb, TALLY_THREAD_FAULTED));
	test_thread_free(tcb);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- scheduling ---- */

static unsigned long sched_ntfn;
static volatile unsigned long low_seen_before, low_seen_after;

/* Count to n, noting whether the low spinner (counter[0]) ran meanwhile; then wake the suite. */
static void
count_to(unsigned long n)
{
	unsigned long i;

	low_seen_before = counter[0];
	for (i = 0; i < n; i++)
		counter[3]++;
	low_seen_after = counter[0];
	tally_signal(sched_ntfn);
	tally_exit();
}

TEST(a_low_priority_busy_loop_cannot_delay_a_higher_priority_thread)
{
	unsigned long low, high, start;

	sched_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	counter[0] = counter[3] = 0;
	low = test_thread(spin_forever, 0, 10);
	high = test_thread(count_to, 3000000, 200);
	EXPECT_TRUE(low && high && sched_ntfn);
	start = tally_clock();
	EXPECT_ERR(TALLY_OK, tally_wait(sched_ntfn, 0));   /* the suite steps aside */
	printf("  (high-priority count took %lu ticks; the low spinner ran %lu times meanwhile)\n",
	       tally_clock() - start, low_seen_after - low_seen_before);
	EXPECT_EQ(3000000, counter[3]);
	EXPECT_EQ(low_seen_before, low_seen_after);
	test_thread_free(high);
	test_thread_free(low);
	test_object_free(sched_ntfn);
}

/* At the spinners' priority: wake the suite once `ticks` timer ticks have passed. */
static void
timekeeper(unsigned long ticks)
{
	unsigned long start = tally_clock();

	while (tally_clock() - start < ticks)
		;
	tally_signal(sched_ntfn);
	tally_exit();
}

TEST(threads_of_one_priority_share_the_cpu_round_robin)
{
	unsigned long a, b, k;

	sched_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	counter[0] = counter[1] = 0;
	a = test_thread(spin_forever, 0, 100);
	b = test_thread(spin_forever, 1, 100);
	k = test_thread(timekeeper, 6, 100);
	EXPECT_TRUE(a && b && k && sched_ntfn);
	EXPECT_ERR(TALLY_OK, tally_wait(sched_ntfn, 0));
	printf("  (two spinners of one priority: %lu and %lu rounds)\n", counter[0], counter[1]);
	EXPECT_TRUE(counter[0] > 0 && counter[1] > 0);
	test_thread_free(a);
	test_thread_free(b);
	test_thread_free(k);
	test_object_free(sched_ntfn);
}

TEST(yield_hands_the_cpu_to_a_thread_of_the_same_priority)
{
	unsigned long a;

	counter[2] = 0;
	a = test_thread(spin_forever, 2, 255);
	EXPECT_TRUE(a);
	tally_yield();
	EXPECT_TRUE(counter[2] > 0);
	test_thread_free(a);
}

/* ---- destroying an endpoint with thousands of threads queued ---- */

#define QUEUED 2000
#define QUEUED_SLOT_BASE 2048          /* root slots used for their threads */
#define QUEUED_STACK 1024

static _Alignas(16) unsigned char queued_stacks[QUEUED][QUEUED_STACK];
static volatile long queued_result[QUEUED];
static volatile unsigned long queued_ep, queued_first_saw, queued_woken;

/* Send on the endpoint; when woken, the first one looks at the last one's state. */
static void
queued_sender(unsigned long i)
{
	struct tally_msg m = { 0 };

	queued_result[i] = tally_send(queued_ep, &m);
	if (queued_woken++ == 0)
		queued_first_saw = test_thread_state(QUEUED_SLOT_BASE + QUEUED - 1);
	tally_exit();
}

static volatile unsigned long delete_ticks;
static volatile long delete_result;

static void
deleter(unsigned long arg)
{
	unsigned long start = tally_clock();

	(void)arg;
	delete_result = tally_cnode_delete(ROOT, queued_ep);
	delete_ticks = tally_clock() - start;
	tally_signal(sched_ntfn);
	tally_exit();
}

#define TIMED 16   /* scheduling contexts, lent to the queued threads in turn */

TEST(deleting_an_endpoint_with_thousands_queued_wakes_each_in_bounded_steps)
{
	unsigned long i, d, woken = 0, deleted = 0, sc[TIMED];
	struct tally_regs regs;

	EXPECT_TRUE(tally_bootinfo->first_free_slot < QUEUED_SLOT_BASE);
	queued_ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	sched_ntfn = test_object(TALLY_OBJ_NOTIFICATION, 0);
	for (i = 0; i < TIMED; i++) {
		sc[i] = test_object(TALLY_OBJ_SCHED_CONTEXT, 0);
		EXPECT_ERR(TALLY_OK, tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc[i],
								    1, 1));
	}
	queued_woken = 0;
	/* TIMED at a time: give them time, let them queue up, take the time back */
	for (i = 0; i < QUEUED; i++) {
		unsigned long tcb = QUEUED_SLOT_BASE + i;

		queued_result[i] = -1;
		EXPECT_ERR(TALLY_OK, tally_untyped_retype(test_untyped(), TALLY_OBJ_THREAD, 0, ROOT,
							   tcb, 1));
		EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, 0));
		EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 200));
		EXPECT_ERR(TALLY_OK, tally_tcb_set_sched_context(tcb, sc[i % TIMED]));
		EXPECT_ERR(TALLY_OK, tally_tcb_start(tcb, queued_sender, i,
						      queued_stacks[i] + QUEUED_STACK));
		if (i % TIMED == TIMED - 1 || i == QUEUED - 1) {
			unsigned long k;

			test_settle();
			for (k = i - i % TIMED; k <= i; k++) {
				EXPECT_EQ(TALLY_THREAD_BLOCKED_SEND,
					  test_thread_state(QUEUED_SLOT_BASE + k));
				EXPECT_ERR(TALLY_OK, tally_tcb_set_sched_context(QUEUED_SLOT_BASE + k, 0));
			}
		}
	}
	/* the first TIMED in the queue get time again: they will run when woken */
	for (i = 0; i < TIMED; i++)
		EXPECT_ERR(TALLY_OK, tally_tcb_set_sched_context(QUEUED_SLOT_BASE + i, sc[i]));
	/* a low-priority thread deletes the endpoint while the suite waits */
	d = test_thread(deleter, 0, 100);
	EXPECT_TRUE(d);
	EXPECT_ERR(TALLY_OK, tally_wait(sched_ntfn, 0));
	EXPECT_ERR(TALLY_OK, delete_result);
	for (i = 0; i < QUEUED; i++) {
		unsigned long st = test_thread_state(QUEUED_SLOT_BASE + i);

		EXPECT_ERR(TALLY_OK, tally_tcb_read_regs(QUEUED_SLOT_BASE + i, &regs));
		if (i < TIMED) {
			woken += st == TALLY_THREAD_EXITED;
			deleted += queued_result[i] == TALLY_ERR_OBJECT_DELETED;
		} else {
			/* woken with the error, waiting for time it will never get */
			woken += st == TALLY_THREAD_RUNNABLE;
			deleted += regs.rax == TALLY_ERR_OBJECT_DELETED;
		}
	}
	printf("  (%u queued threads woken with OBJECT_DELETED: %lu; deletion took %lu ticks;"
	       " the first woken saw the last in state %lu)\n", QUEUED, deleted, delete_ticks,
	       queued_first_saw);
	EXPECT_EQ(QUEUED, deleted);
	EXPECT_EQ(QUEUED, woken);
	/* the first thread woken ran while the last was still queued: the deletion let it in */
	EXPECT_EQ(TALLY_THREAD_BLOCKED_SEND, queued_first_saw);
	for (i = 0; i < QUEUED; i++)
		EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, QUEUED_SLOT_BASE + i));
	for (i = 0; i < TIMED; i++)
		test_object_free(sc[i]);
	test_slot_free(queued_ep);
	test_thread_free(d);
	test_object_free(sched_ntfn);
	EXPECT_TRUE(test_kernel_consistent());
}

/* ---- a page fault handled in user space ---- */

#define PF_REGION 0x520000000000ul

static volatile unsigned long pf_seen;

static void
touch_and_read(unsigned long arg)
{
	volatile unsigned long *p = (volatile unsigned long *)PF_REGION;

	(void)arg;
	p[0] = 0x5eed;          /* faults: nothing is mapped here yet */
	pf_seen = p[0];
	tally_exit_status(0x5e);
}

TEST(a_page_fault_handler_maps_a_page_and_the_thread_goes_on_and_reports_its_exit)
{
	unsigned long ep = test_object(TALLY_OBJ_ENDPOINT, 0);
	unsigned long reply = test_object(TALLY_OBJ_REPLY, 0);
	unsigned long pdpt = test_object(TALLY_OBJ_PDPT, 0), pd = test_object(TALLY_OBJ_PD, 0);
	unsigned long pt = test_object(TALLY_OBJ_PT, 0), frame = test_object(TALLY_OBJ_FRAME_4K, 0);
	unsigned long tcb = test_object(TALLY_OBJ_THREAD, 0);
	static _Alignas(16) unsigned char stack[4096];
	struct tally_msg m = { 0 };

	EXPECT_TRUE(ep && reply && pdpt && pd && pt && frame && tcb);
	EXPECT_ERR(TALLY_OK, tally_page_table_map(pdpt, TALLY_SLOT_ROOT_VSPACE, PF_REGION));
	EXPECT_ERR(TALLY_OK, tally_page_table_map(pd, TALLY_SLOT_ROOT_VSPACE, PF_REGION));
	EXPECT_ERR(TALLY_OK, tally_page_table_map(pt, TALLY_SLOT_ROOT_VSPACE, PF_REGION));
	EXPECT_ERR(TALLY_OK, tally_tcb_configure(tcb, ROOT, TALLY_SLOT_ROOT_VSPACE, 0, 0, ep));
	EXPECT_ERR(TALLY_OK, tally_tcb_set_priority(tcb, 255));
	EXPECT_TRUE(test_time_for(tcb, 1, 1));
	pf_seen = 0;
	EXPECT_ERR(TALLY_OK, tally_tcb_start(tcb, touch_and_read, 0, stack + sizeof(stack)));
	EXPECT_ERR(TALLY_OK, tally_recv(ep, reply, &m));
	EXPECT_EQ(TALLY_LABEL_FAULT, tally_msginfo_label(m.info));
	EXPECT_EQ(TALLY_FAULT_PAGE, m.mr[0]);
	EXPECT_EQ(PF_REGION, m.mr[1]);
	EXPECT_TRUE(m.mr[3] & TALLY_PF_WRITE);
	/* map a page there and let the thread run the instruction again */
	EXPECT_ERR(TALLY_OK, tally_frame_map(frame, TALLY_SLOT_ROOT_VSPACE, PF_REGION,
					      TALLY_RIGHT_READ | TALLY_RIGHT_WRITE));
	m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
	EXPECT_ERR(TALLY_OK, tally_reply_recv(ep, reply, &m));
	/* its handler learns of its exit too, and the thread ends when answered */
	EXPECT_EQ(TALLY_LABEL_FAULT, tally_msginfo_label(m.info));
	EXPECT_EQ(TALLY_FAULT_EXIT, m.mr[0]);
	EXPECT_EQ(0x5e, m.mr[3]);
	EXPECT_EQ(TALLY_THREAD_BLOCKED_REPLY, test_thread_state(tcb));
	m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
	EXPECT_ERR(TALLY_OK, tally_reply(reply, &m));
	EXPECT_EQ(TALLY_THREAD_EXITED, test_thread_state(tcb));
	EXPECT_EQ(0x5eed, pf_seen);
	EXPECT_EQ(0x5eed, *(volatile unsigned long *)PF_REGION);
	test_object_free(tcb);
	test_object_free(frame);
	test_object_free(pt);
	test_object_free(pd);
	test_object_free(pdpt);
	test_object_free(reply);
	test_object_free(ep);
	EXPECT_TRUE(test_kernel_consistent());
}
