/*
 * Address spaces through real system calls: page tables retyped and mapped
 * into the root task's own space and into a fresh one, frames mapped with
 * rights, shared between two mappings, unmapped by unmap and by delete.
 * What cannot be seen from the root task (a fault would stop it) is seen by
 * small threads of its own: they touch a page, and the kernel reports how
 * they stopped.
 *
 * Each test works in its own 512 GiB of the root task's space (its own PML4
 * entry) with objects from an Untyped of its own, which it revokes at the end.
 */
#include "test.h"
#include <libtally/thread.h>
#include <libtally/cap.h>
#include <tally/thread.h>
#include <string.h>

#define ROOT       TALLY_SLOT_ROOT_CNODE
#define VSPACE     TALLY_SLOT_ROOT_VSPACE
#define R          TALLY_RIGHT_READ
#define RW         (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE)
#define RX         (TALLY_RIGHT_READ | TALLY_RIGHT_EXEC)
#define PAGE       0x1000ul
#define BIG_PAGE   (1ul << 21)
#define POOL_BITS  23               /* tables, frames, a 2 MiB frame, threads */
#define WAIT_TICKS 500

/* The address test n works at: PML4 entry 160 + n, unused by the boot image. */
static unsigned long
test_va(unsigned n)
{
	return 0x500000000000ul + ((unsigned long)n << 39);
}

/* Fresh root slots, well above those test_cap.c takes. */
static unsigned long vs_next;

static unsigned long
slots(unsigned long n)
{
	unsigned long s;

	if (!vs_next)
		vs_next = tally_bootinfo->first_free_slot + 1024;
	s = vs_next;
	vs_next += n;
	return s;
}

/* An Untyped of 2^POOL_BITS bytes from the biggest RAM Untyped, into a fresh slot. */
static long
pool_make(unsigned long *pool)
{
	const struct tally_bootinfo *bi = tally_bootinfo;
	unsigned long i, best = 0;

	for (i = 0; i < bi->untyped_count; i++)
		if (!bi->untyped[i].device && bi->untyped[i].size_bits >= bi->untyped[best].size_bits)
			best = i;
	*pool = slots(1);
	return tally_untyped_retype(bi->untyped_first + best, TALLY_OBJ_UNTYPED, POOL_BITS, ROOT,
				    *pool, 1);
}

/* Destroy everything made from the pool, and the pool. */
static long
pool_free(unsigned long pool)
{
	long err = tally_cnode_revoke(ROOT, pool);

	return err ? err : tally_cnode_delete(ROOT, pool);
}

/* Retype a PDPT, PD and PT into slots first..first+2 and map them in pml4 down to va. */
static long
tables_make(unsigned long pool, unsigned long pml4, unsigned long va, unsigned long first)
{
	static const unsigned long types[3] = { TALLY_OBJ_PDPT, TALLY_OBJ_PD, TALLY_OBJ_PT };
	unsigned long i;
	long err;

	for (i = 0; i < 3; i++) {
		if ((err = tally_untyped_retype(pool, types[i], 0, ROOT, first + i, 1)))
			return err;
		if ((err = tally_page_table_map(first + i, pml4, va)))
			return err;
	}
	return TALLY_OK;
}

/* A 4 KiB frame from the pool in slot s, mapped at va in the root's space. */
static long
frame_make(unsigned long pool, unsigned long s, unsigned long va, unsigned long rights)
{
	long err = tally_untyped_retype(pool, TALLY_OBJ_FRAME_4K, 0, ROOT, s, 1);

	return err ? err : tally_frame_map(s, VSPACE, va, rights);
}

/* MR2 of an inspect: the mapping of a frame or table (0 when unmapped). */
static unsigned long
mapping_of(unsigned long s)
{
	struct tally_slot_info si;

	if (tally_cnode_inspect(ROOT, s, &si) != TALLY_OK)
		return ~0ul;
	return si.word;
}

static unsigned long
slot_type(unsigned long s)
{
	struct tally_slot_info si;

	if (tally_cnode_inspect(ROOT, s, &si) != TALLY_OK)
		return ~0ul;
	return si.type;
}

/* The last failure's detail matches argument, value and limit. */
static bool
detail_is(unsigned long argument, unsigned long value, unsigned long limit)
{
	struct tally_error_detail d;

	return tally_error_detail(&d) == TALLY_OK && d.argument == argument && d.value == value &&
	       d.limit == limit;
}

/* ---- threads that touch pages ---- */

enum touch { TOUCH_READ, TOUCH_WRITE, TOUCH_EXEC };

/* Runs as a thread of its own in the root's space: touch addr, then exit. */
static void
toucher(unsigned long addr, unsigned long how)
{
	if (how == TOUCH_READ)
		(void)*(volatile unsigned char *)addr;
	else if (how == TOUCH_WRITE)
		*(volatile unsigned char *)addr = 1;
	else
		((void (*)(void))addr)();
	tally_exit();
}

static long
tcb_call(unsigned long tcb, unsigned long label, const unsigned long in[6],
	 struct tally_invoke_result *out)
{
	return tally_invoke(tcb, label, in, out);
}

/*
 * A thread from the pool into slot tcb, in address space pml4, started at
 * pc with stack sp and arguments a0, a1, at the root task's priority.
 */
static long
thread_start(unsigned long pool, unsigned long tcb, unsigned long pml4, unsigned long pc,
	     unsigned long sp, unsigned long a0, unsigned long a1)
{
	struct tally_regs r = { .rip = pc, .rsp = sp, .rdi = a0, .rsi = a1 };
	unsigned long name[6] = { 0 }, sc = slots(1);
	long err;

	memcpy(name, "vspace-thread", 14);
	/* its time comes from the pool too: the whole CPU */
	if ((err = tally_untyped_retype(pool, TALLY_OBJ_SCHED_CONTEXT, 0, ROOT, sc, 1)) ||
	    (err = tally_sched_control_configure(TALLY_SLOT_SCHED_CONTROL, sc, 1, 1)))
		return err;
	if ((err = tally_untyped_retype(pool, TALLY_OBJ_THREAD, 0, ROOT, tcb, 1)) ||
	    (err = tally_tcb_set_sched_context(tcb, sc)) ||
	    (err = tcb_call(tcb, TALLY_TCB_CONFIGURE, (const unsigned long[6]){ 0, pml4 }, 0)) ||
	    (err = tcb_call(tcb, TALLY_TCB_SET_NAME, name, 0)) ||
	    (err = tcb_call(tcb, TALLY_TCB_SET_PRIORITY,
			    (const unsigned long[6]){ TALLY_PRIO_MAX }, 0)) ||
	    (err = tcb_call(tcb, TALLY_TCB_WRITE_REGS, (const unsigned long[6]){ (unsigned long)&r },
			    0)))
		return err;
	return tcb_call(tcb, TALLY_TCB_RESUME, (const unsigned long[6]){ 0 }, 0);
}

/* Yield until the thread in tcb stops; its TCB_INFO results in *info. */
static long
thread_wait(unsigned long tcb, struct tally_invoke_result *info)
{
	unsigned long start = tally_clock();
	long err;

	for (;;) {
		if ((err = tcb_call(tcb, TALLY_TCB_INFO, (const unsigned long[6]){ 0 }, info)))
			return err;
		if (info->mr[0] != TALLY_THREAD_RUNNABLE)
			return TALLY_OK;
		if (tally_clock() - start > WAIT_TICKS)
			return TALLY_ERR_TIMEOUT;
		tally_yield();
	}
}

/*
 * Run toucher(addr, how) as a thread on a stack at stack_va (a mapped RW
 * page) and report how it stopped. The thread is deleted afterwards.
 */
static long
touch(unsigned long pool, unsigned long addr, enum touch how, unsigned long stack_va,
      struct tally_invoke_result *info)
{
	unsigned long tcb = slots(1);
	long err = thread_start(pool, tcb, VSPACE, (unsigned long)toucher, stack_va + PAGE - 8, addr,
				how);

	if (!err)
		err = thread_wait(tcb, info);
	tally_cnode_delete(ROOT, tcb);
	return err;
}

/* x86_64 code that exits the thread: mov eax, TALLY_SYS_EXIT; syscall; ud2. */
static const unsigned char code_exit[] = { 0xb8, TALLY_SYS_EXIT, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b };

/*
 * x86_64 code: data[1] = data[0] + 1 for data at rdi, then exit.
 *   mov rax, [rdi]; add rax, 1; mov [rdi + 8], rax; then code_exit
 */
static const unsigned char code_increment[] = {
	0x48, 0x8b, 0x07, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x89, 0x47, 0x08,
	0xb8, TALLY_SYS_EXIT, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b,
};

/* ---- tests ---- */

TEST(frame_mapped_in_own_space_is_written_and_read_and_shared_by_a_copy)
{
	unsigned long va = test_va(0), pool, t = slots(3), f = slots(1), c = slots(1);
	unsigned long caps0 = 0;
	struct tally_cap_stats st;
	volatile unsigned long *p = (unsigned long *)va, *q = (unsigned long *)(va + PAGE);

	EXPECT_ERR(TALLY_OK, tally_debug_check(&st));
	caps0 = st.caps;
	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, tables_make(pool, VSPACE, va, t));
	EXPECT_ERR(TALLY_OK, frame_make(pool, f, va, RW));
	EXPECT_EQ(TALLY_MAPPED | RW, mapping_of(f));
	EXPECT_EQ(TALLY_MAPPED, mapping_of(t + 2));
	EXPECT_EQ(0, p[0]);                 /* a new frame is zero */
	p[0] = 0x1234567890abcdeful;
	p[511] = 42;
	EXPECT_EQ(0x1234567890abcdeful, p[0]);
	/* a copy is unmapped; mapped elsewhere, it shows the same memory */
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c, f, 64, TALLY_RIGHTS_ALL));
	EXPECT_EQ(0, mapping_of(c));
	EXPECT_ERR(TALLY_OK, tally_frame_map(c, VSPACE, va + PAGE, R));
	EXPECT_EQ(TALLY_MAPPED | R, mapping_of(c));
	EXPECT_EQ(0x1234567890abcdeful, q[0]);
	EXPECT_EQ(42, q[511]);
	p[7] = 7;
	EXPECT_EQ(7, q[7]);
	/* unmap, and the address maps again */
	EXPECT_ERR(TALLY_OK, tally_frame_unmap(c));
	EXPECT_EQ(0, mapping_of(c));
	EXPECT_ERR(TALLY_OK, tally_frame_unmap(c));    /* nothing to do */
	EXPECT_ERR(TALLY_OK, tally_frame_map(c, VSPACE, va + PAGE, RW));
	q[8] = 8;
	EXPECT_EQ(8, p[8]);
	EXPECT_ERR(TALLY_OK, pool_free(pool));
	EXPECT_ERR(TALLY_OK, tally_debug_check(&st));
	EXPECT_EQ(caps0, st.caps);
}

TEST(deleting_a_mapped_frame_unmaps_it_and_the_address_maps_again)
{
	unsigned long va = test_va(1), pool, t = slots(3), f = slots(1), g = slots(1);
	volatile unsigned long *p = (unsigned long *)va;

	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, tables_make(pool, VSPACE, va, t));
	EXPECT_ERR(TALLY_OK, frame_make(pool, f, va, RW));
	p[0] = 0x5a5a5a5a;
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, frame_make(pool, g, va, RW));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, f));
	/* the entry is free, and no stale translation shows the old frame */
	EXPECT_ERR(TALLY_OK, tally_frame_map(g, VSPACE, va, RW));
	EXPECT_EQ(0, p[0]);
	/* a table deleted takes its mappings: the frame can go elsewhere */
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, t + 2));
	EXPECT_EQ(0, mapping_of(g));
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(g, VSPACE, va, RW));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PT));
	EXPECT_ERR(TALLY_OK, pool_free(pool));
}

TEST(mapping_rights_are_reported_checked_and_enforced)
{
	unsigned long va = test_va(2), pool, t = slots(3), f = slots(1), ro = slots(1);
	unsigned long rx = slots(1), nx = slots(1), stack = slots(1);
	unsigned long stack_va = va + 0x10 * PAGE;
	struct tally_invoke_result info;

	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, tables_make(pool, VSPACE, va, t));
	EXPECT_ERR(TALLY_OK, frame_make(pool, stack, stack_va, RW));
	EXPECT_ERR(TALLY_OK, frame_make(pool, f, va, RW));
	memcpy((void *)va, code_exit, sizeof(code_exit));
	/* a read-only copy maps read-only, and no more */
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, ro, f, 64, TALLY_RIGHT_READ));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_frame_map(ro, VSPACE, va + PAGE, RW));
	EXPECT_TRUE(detail_is(0, RW, R));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_frame_map(ro, VSPACE, va + PAGE, RX));
	EXPECT_ERR(TALLY_OK, tally_frame_map(ro, VSPACE, va + PAGE, R));
	EXPECT_EQ(TALLY_MAPPED | R, mapping_of(ro));
	EXPECT_EQ(code_exit[0], *(volatile unsigned char *)(va + PAGE));
	/* rights must be READ with WRITE and EXEC, nothing else */
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, rx, f, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_frame_map(rx, VSPACE, va + 2 * PAGE, 0));
	EXPECT_TRUE(detail_is(3, 0, RW | RX));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT,
		   tally_frame_map(rx, VSPACE, va + 2 * PAGE, TALLY_RIGHT_WRITE));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT,
		   tally_frame_map(rx, VSPACE, va + 2 * PAGE, R | TALLY_RIGHT_GRANT));
	EXPECT_EQ(0, mapping_of(rx));
	EXPECT_ERR(TALLY_OK, tally_frame_map(rx, VSPACE, va + 2 * PAGE, RX));
	EXPECT_EQ(TALLY_MAPPED | RX, mapping_of(rx));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, nx, f, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_frame_map(nx, VSPACE, va + 3 * PAGE, RW));
	/* executable where EXEC was given: the thread runs the code and exits */
	EXPECT_ERR(TALLY_OK, touch(pool, va + 2 * PAGE, TOUCH_EXEC, stack_va, &info));
	EXPECT_EQ(TALLY_THREAD_EXITED, info.mr[0]);
	/* elsewhere no-execute: a fetch fault on a present page */
	EXPECT_ERR(TALLY_OK, touch(pool, va + 3 * PAGE, TOUCH_EXEC, stack_va, &info));
	EXPECT_EQ(TALLY_THREAD_FAULTED, info.mr[0]);
	EXPECT_EQ(TALLY_FAULT_PAGE, info.mr[1]);
	EXPECT_EQ(va + 3 * PAGE, info.mr[2]);
	EXPECT_EQ(TALLY_PF_PRESENT | TALLY_PF_FETCH, info.mr[4] & (TALLY_PF_PRESENT | TALLY_PF_FETCH));
	/* read-only: reading is fine, writing a protection fault */
	EXPECT_ERR(TALLY_OK, touch(pool, va + PAGE, TOUCH_READ, stack_va, &info));
	EXPECT_EQ(TALLY_THREAD_EXITED, info.mr[0]);
	EXPECT_ERR(TALLY_OK, touch(pool, va + PAGE, TOUCH_WRITE, stack_va, &info));
	EXPECT_EQ(TALLY_THREAD_FAULTED, info.mr[0]);
	EXPECT_EQ(va + PAGE, info.mr[2]);
	EXPECT_EQ(TALLY_PF_PRESENT | TALLY_PF_WRITE, info.mr[4] & (TALLY_PF_PRESENT | TALLY_PF_WRITE));
	/* unmapped: not present */
	EXPECT_ERR(TALLY_OK, tally_frame_unmap(ro));
	EXPECT_ERR(TALLY_OK, touch(pool, va + PAGE, TOUCH_READ, stack_va, &info));
	EXPECT_EQ(TALLY_THREAD_FAULTED, info.mr[0]);
	EXPECT_EQ(va + PAGE, info.mr[2]);
	EXPECT_EQ(0, info.mr[4] & TALLY_PF_PRESENT);
	EXPECT_ERR(TALLY_OK, pool_free(pool));
}

TEST(map_errors_are_named_and_change_nothing)
{
	unsigned long va = test_va(3), pool, t = slots(3), f = slots(1), g = slots(1);
	unsigned long pt2 = slots(1), pd2 = slots(1), big = slots(1), empty = slots(1);
	struct tally_cap_stats st0, st;

	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_FRAME_4K, 0, ROOT, g, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_PT, 0, ROOT, pt2, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_PD, 0, ROOT, pd2, 1));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_FRAME_2M, 0, ROOT, big, 1));
	/* missing tables, level by level */
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(g, VSPACE, va, RW));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PDPT));
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_page_table_map(pt2, VSPACE, va));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PDPT));
	EXPECT_ERR(TALLY_OK, tables_make(pool, VSPACE, va, t));
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(g, VSPACE, va + (1ul << 30), RW));
	EXPECT_TRUE(detail_is(2, va + (1ul << 30), TALLY_OBJ_PD));
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(g, VSPACE, va + BIG_PAGE, RW));
	EXPECT_TRUE(detail_is(2, va + BIG_PAGE, TALLY_OBJ_PT));
	EXPECT_ERR(TALLY_OK, frame_make(pool, f, va, RW));
	EXPECT_ERR(TALLY_OK, tally_debug_check(&st0));
	/* taken entries */
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_frame_map(g, VSPACE, va, RW));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PT));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_page_table_map(pt2, VSPACE, va));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PD));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_page_table_map(pd2, VSPACE, va));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PDPT));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_frame_map(big, VSPACE, va, RW));
	EXPECT_TRUE(detail_is(2, va, TALLY_OBJ_PD));
	/* alignment and range */
	EXPECT_ERR(TALLY_ERR_ALIGNMENT, tally_frame_map(g, VSPACE, va + 8, RW));
	EXPECT_TRUE(detail_is(2, va + 8, PAGE));
	EXPECT_ERR(TALLY_ERR_ALIGNMENT, tally_frame_map(big, VSPACE, va + PAGE, RW));
	EXPECT_TRUE(detail_is(2, va + PAGE, BIG_PAGE));
	EXPECT_ERR(TALLY_ERR_ALIGNMENT, tally_page_table_map(pt2, VSPACE, va + PAGE));
	EXPECT_ERR(TALLY_ERR_ALIGNMENT, tally_page_table_map(pd2, VSPACE, va + BIG_PAGE));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_frame_map(g, VSPACE, 0x7ffffffff000ul, RW));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_frame_map(g, VSPACE, 1ul << 47, RW));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_frame_map(g, VSPACE, 0xffffffff80000000ul, RW));
	EXPECT_ERR(TALLY_ERR_RANGE, tally_page_table_map(pd2, VSPACE, 0xffff800000000000ul));
	/* capabilities: the address space, the frame's own state */
	EXPECT_ERR(TALLY_ERR_LOOKUP_FAILED, tally_frame_map(g, empty, va + PAGE, RW));
	EXPECT_TRUE(detail_is(1, empty, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_frame_map(g, f, va + PAGE, RW));
	EXPECT_TRUE(detail_is(1, TALLY_OBJ_FRAME_4K, TALLY_OBJ_PML4));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_frame_map(f, VSPACE, va + PAGE, RW));
	EXPECT_TRUE(detail_is(0, TALLY_MAPPED | RW, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_page_table_map(t + 2, VSPACE, va + BIG_PAGE));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_cnode_copy(ROOT, empty, t, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_ERR_INVALID_CAPABILITY, tally_page_table_map(VSPACE, VSPACE, va));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT,
		   tally_invoke(g, TALLY_PAGE_TABLE_MAP, (const unsigned long[6]){ VSPACE, va }, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT,
		   tally_invoke(pt2, TALLY_FRAME_MAP, (const unsigned long[6]){ VSPACE, va, RW }, 0));
	EXPECT_ERR(TALLY_ERR_INVALID_ARGUMENT, tally_invoke(g, 999, (const unsigned long[6]){ 0 }, 0));
	/* nothing changed: no mapping, no capability */
	EXPECT_EQ(0, mapping_of(g));
	EXPECT_EQ(0, mapping_of(pt2));
	EXPECT_EQ(0, mapping_of(big));
	EXPECT_EQ(TALLY_MAPPED | RW, mapping_of(f));
	EXPECT_ERR(TALLY_OK, tally_debug_check(&st));
	EXPECT_EQ(st0.caps, st.caps);
	EXPECT_EQ(st0.untyped_free, st.untyped_free);
	EXPECT_ERR(TALLY_OK, pool_free(pool));
}

/* The boot tasks' tables carry records too, so the root task can map into them. */
TEST(frames_map_into_the_tables_the_kernel_made_at_boot)
{
	unsigned long below_stack = TALLY_BOOT_STACK_TOP - 0x40 * PAGE, pool, f = slots(1);
	unsigned long c = slots(1), pt = slots(1);
	volatile unsigned long *p = (unsigned long *)below_stack;

	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, frame_make(pool, f, below_stack, RW));
	p[3] = 99;
	EXPECT_EQ(99, p[3]);
	/* the boot-info page and the program's text are taken */
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, c, f, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_frame_map(c, VSPACE, TALLY_BOOTINFO_ADDR, R));
	EXPECT_TRUE(detail_is(2, TALLY_BOOTINFO_ADDR, TALLY_OBJ_PT));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_frame_map(c, VSPACE, 0x400000, R));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_PT, 0, ROOT, pt, 1));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_page_table_map(pt, VSPACE, 0x400000));
	EXPECT_TRUE(detail_is(2, 0x400000, TALLY_OBJ_PD));
	/* deleted, the frame leaves the boot table's entry free again */
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, f));
	EXPECT_ERR(TALLY_OK, tally_frame_map(c, VSPACE, below_stack, R));
	EXPECT_EQ(99, p[3]);
	EXPECT_ERR(TALLY_OK, pool_free(pool));
	EXPECT_EQ(TALLY_OBJ_NULL, slot_type(c));
}

TEST(a_2m_frame_maps_in_a_page_directory)
{
	unsigned long va = test_va(4), pool, t = slots(3), big = slots(1), g = slots(1);
	volatile unsigned long *p = (unsigned long *)(va + BIG_PAGE);

	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, tables_make(pool, VSPACE, va, t));
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_FRAME_2M, 0, ROOT, big, 1));
	EXPECT_ERR(TALLY_OK, tally_frame_map(big, VSPACE, va + BIG_PAGE, RW));
	p[0] = 1;
	p[BIG_PAGE / sizeof(long) - 1] = 2;
	EXPECT_EQ(1, p[0]);
	EXPECT_EQ(2, p[BIG_PAGE / sizeof(long) - 1]);
	/* a 4 KiB frame cannot go under it */
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, frame_make(pool, g, va + BIG_PAGE + PAGE, RW));
	EXPECT_TRUE(detail_is(2, va + BIG_PAGE + PAGE, TALLY_OBJ_PD));
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, big));
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(g, VSPACE, va + BIG_PAGE + PAGE, RW));
	EXPECT_TRUE(detail_is(2, va + BIG_PAGE + PAGE, TALLY_OBJ_PT));
	EXPECT_ERR(TALLY_OK, pool_free(pool));
}

/*
 * A second address space: a fresh PML4, tables and frames mapped into it,
 * and a thread running there on code and data the root task shares with it.
 */
TEST(a_fresh_address_space_runs_a_thread_on_shared_frames)
{
	unsigned long va = test_va(5), pool, vs = slots(1), t = slots(3), nt = slots(3);
	unsigned long data = slots(1), code = slots(1), data2 = slots(1), code2 = slots(1);
	unsigned long tcb = slots(1), spare = slots(1), other = 0x200000000000ul;
	volatile unsigned long *d = (unsigned long *)va;
	struct tally_invoke_result info;

	EXPECT_ERR(TALLY_OK, pool_make(&pool));
	EXPECT_ERR(TALLY_OK, tables_make(pool, VSPACE, va, t));
	EXPECT_ERR(TALLY_OK, frame_make(pool, data, va, RW));
	EXPECT_ERR(TALLY_OK, frame_make(pool, code, va + PAGE, RW));
	memcpy((void *)(va + PAGE), code_increment, sizeof(code_increment));
	d[0] = 41;
	/* the new space: its own tables at another address */
	EXPECT_ERR(TALLY_OK, tally_untyped_retype(pool, TALLY_OBJ_PML4, 0, ROOT, vs, 1));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, data2, data, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, code2, code, 64, TALLY_RIGHT_READ | TALLY_RIGHT_EXEC));
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(data2, vs, other, RW));
	EXPECT_TRUE(detail_is(2, other, TALLY_OBJ_PDPT));
	EXPECT_ERR(TALLY_OK, tables_make(pool, vs, other, nt));
	EXPECT_ERR(TALLY_OK, tally_frame_map(data2, vs, other, RW));
	EXPECT_ERR(TALLY_OK, tally_frame_map(code2, vs, other + PAGE, RX));
	EXPECT_ERR(TALLY_OK, tally_cnode_copy(ROOT, spare, data, 64, TALLY_RIGHTS_ALL));
	EXPECT_ERR(TALLY_ERR_SLOT_OCCUPIED, tally_frame_map(spare, vs, other, RW));
	EXPECT_TRUE(detail_is(2, other, TALLY_OBJ_PT));
	/* the root task's own space has no tables there */
	EXPECT_ERR(TALLY_ERR_NOT_FOUND, tally_frame_map(spare, VSPACE, other, RW));
	EXPECT_TRUE(detail_is(2, other, TALLY_OBJ_PDPT));
	EXPECT_ERR(TALLY_OK, thread_start(pool, tcb, vs, other + PAGE, other + PAGE / 2, other, 0));
	EXPECT_ERR(TALLY_OK, thread_wait(tcb, &info));
	EXPECT_EQ(TALLY_THREAD_EXITED, info.mr[0]);
	EXPECT_EQ(42, d[1]);
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, tcb));
	/* the space goes; what was mapped in it is unmapped, its tables keep their contents */
	EXPECT_ERR(TALLY_OK, tally_cnode_delete(ROOT, vs));
	EXPECT_EQ(0, mapping_of(nt));
	EXPECT_EQ(TALLY_MAPPED, mapping_of(nt + 1));
	EXPECT_EQ(TALLY_MAPPED | RX, mapping_of(code2));
	EXPECT_ERR(TALLY_OK, tally_page_table_map(nt, VSPACE, other));
	EXPECT_EQ(42, ((volatile unsigned long *)other)[1]);
	EXPECT_ERR(TALLY_OK, tally_page_table_unmap(nt));
	EXPECT_ERR(TALLY_OK, pool_free(pool));
}
