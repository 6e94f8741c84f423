/*
 * Bad arguments to every TCB and Reply invocation and to the IPC system
 * calls (ipc_fixture.c): each returns its named error, the error record
 * names the argument, and nothing changes. "Nothing" is checked byte for
 * byte: all of the fixture's kernel memory (the root CNode and every
 * object retyped so far), the calling thread but for its registers, error
 * record and time slice, the derivation tree's root and the scheduler. A failed IPC
 * call also leaves the message registers as they were. The calls are made
 * by the root thread, which stands outside the run queues.
 */
#include "ipc_fixture.h"
#include <stdlib.h>
#include <string.h>

#define F SLOT_FREE
#define RW (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE)
#define SNAP_LO (1ul << 20)   /* the root CNode; objects follow in the first Untyped */

static struct {
	unsigned char *ram;
	size_t len;
	struct thread self;
	struct cte sentinel;
	struct thread *current;
	int highest;
} snap;

static void
snap_take(void)
{
	snap.len = untyped_pa(SLOT_U0) + cap_word2(&slot_at(SLOT_U0)->cap) - SNAP_LO;
	if (!snap.ram)
		snap.ram = malloc(8ul << 20);
	ck_assert_ptr_nonnull(snap.ram);
	ck_assert_uint_le(snap.len, 8ul << 20);
	memcpy(snap.ram, arch_phys_to_virt(SNAP_LO), snap.len);
	memcpy(&snap.self, self, sizeof(snap.self));
	snap.sentinel = cdt_sentinel;
	snap.current = sched_current;
	snap.highest = sched_highest_queued();
}

static void
snap_same(const char *what)
{
	const unsigned char *now = arch_phys_to_virt(SNAP_LO);
	struct thread t;
	size_t i;

	memcpy(&t, self, sizeof(t));
	t.regs = snap.self.regs;
	t.error = snap.self.error;
	t.timeslice = snap.self.timeslice;   /* the scheduler starts a slice when it runs */
	ck_assert_msg(!memcmp(&t, &snap.self, sizeof(t)), "%s changed the calling thread", what);
	ck_assert_msg(!memcmp(&cdt_sentinel, &snap.sentinel, sizeof(cdt_sentinel)),
		      "%s changed the derivation tree's root", what);
	ck_assert_msg(sched_current == snap.current && sched_highest_queued() == snap.highest,
		      "%s changed the scheduler", what);
	if (!memcmp(now, snap.ram, snap.len))
		return;
	for (i = 0; now[i] == snap.ram[i]; i++)
		;
	ck_abort_msg("%s changed kernel memory at %#lx (%#x, was %#x)", what,
		     (unsigned long)(SNAP_LO + i), now[i], snap.ram[i]);
}

/* An invocation by the root thread that must fail with err and change nothing. */
#define REFUSED(call, err, argument, value, limit)                                 \
	do {                                                                       \
		snap_take();                                                       \
		EXPECT_ERROR(call, err, argument, value, limit);                   \
		snap_same(#call);                                                  \
	} while (0)

/*
 * IPC system call nr by the root thread that must fail with err: the
 * message registers keep their values and nothing changes.
 */
static void
ipc_refused(const char *what, uint64_t nr, uint64_t cptr, uint64_t info, uint64_t reply,
	    long err, unsigned long argument, unsigned long value, unsigned long limit)
{
	const uint64_t m[TALLY_MSG_REGS] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15 };
	unsigned i;
	long r;

	snap_take();
	r = sys(self, nr, cptr, info, m, reply);
	ck_assert_msg(arch_regs_syscall_arg(&self->regs, 0) == cptr &&
			      arch_regs_syscall_arg(&self->regs, 1) == info &&
			      arch_regs_syscall_arg(&self->regs, 8) == reply,
		      "%s changed the call's registers", what);
	for (i = 0; i < TALLY_MSG_REGS; i++)
		ck_assert_msg(arch_regs_syscall_arg(&self->regs, 2 + i) == m[i],
			      "%s changed MR%u to %#lx", what, i,
			      (unsigned long)arch_regs_syscall_arg(&self->regs, 2 + i));
	ck_assert_ptr_eq(ran, self);
	expect_error(what, r, err, argument, value, limit);
	snap_same(what);
}

#define IPC_REFUSED(nr, cptr, info, reply, err, argument, value, limit)            \
	ipc_refused(#nr " " #cptr " " #info " " #reply, (nr), (cptr), (info), (reply),    \
		    (err), (argument), (value), (limit))

/* Slots of the fixture below. */
enum {
	EP = F, N = F + 1, R = F + 2, FRAME = F + 3, PML4 = F + 4, EPRO = F + 5, FRAMERO = F + 6,
	NWO = F + 7, TRO = F + 8, EPWO = F + 9, NRO = F + 10, R2 = F + 11, T = F + 20,
	OTHER = F + 21, EMPTY = F + 60, CHAIN = F + 100,
};

static struct thread *t, *other;

static void
tcb_fixture(void)
{
	ipc_setup();
	make(TALLY_OBJ_ENDPOINT, EP);
	make(TALLY_OBJ_NOTIFICATION, N);
	make(TALLY_OBJ_REPLY, R);
	make(TALLY_OBJ_FRAME_4K, FRAME);
	make(TALLY_OBJ_PML4, PML4);
	make(TALLY_OBJ_REPLY, R2);
	EXPECT_OK(copy(ROOT, EPRO, EP, TALLY_RIGHT_READ));
	EXPECT_OK(copy(ROOT, EPWO, EP, TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT));
	EXPECT_OK(copy(ROOT, FRAMERO, FRAME, TALLY_RIGHT_READ));
	EXPECT_OK(copy(ROOT, NWO, N, TALLY_RIGHT_WRITE));
	EXPECT_OK(copy(ROOT, NRO, N, TALLY_RIGHT_READ));
	t = spawn(T, 10);
	other = spawn(OTHER, 10);
	EXPECT_OK(copy(ROOT, TRO, T, TALLY_RIGHT_READ));
}

/* A chain of 64 copies of the capability in `src`: the last is as deep as copies go. */
static unsigned long
deepest_copy(unsigned long src)
{
	unsigned long i;

	for (i = 0; i < TALLY_COPY_DEPTH_MAX; i++)
		EXPECT_OK(copy(ROOT, CHAIN + i, i ? CHAIN + i - 1 : src, TALLY_RIGHTS_ALL));
	ck_assert_uint_eq(cap_generation(&slot_at(CHAIN + TALLY_COPY_DEPTH_MAX - 1)->cap),
			  TALLY_COPY_DEPTH_MAX);
	return CHAIN + TALLY_COPY_DEPTH_MAX - 1;
}

START_TEST(configure_refuses_each_bad_argument_and_changes_nothing)
{
	const uint64_t wild = 0xfff0000000000005ul;   /* fails the root CNode's guard */
	unsigned long deep;

	tcb_fixture();
	REFUSED(configure(T, EP, 0, 0, 0), TALLY_ERR_INVALID_CAPABILITY, 1, TALLY_OBJ_ENDPOINT,
		TALLY_OBJ_CNODE);
	REFUSED(configure(T, EMPTY, 0, 0, 0), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_EMPTY_SLOT);
	REFUSED(configure(T, wild, 0, 0, 0), TALLY_ERR_LOOKUP_FAILED, 1, wild, 0);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_GUARD_MISMATCH);
	REFUSED(INV(T, TALLY_TCB_CONFIGURE, ROOT, FRAME), TALLY_ERR_INVALID_CAPABILITY, 2,
		TALLY_OBJ_FRAME_4K, TALLY_OBJ_PML4);
	REFUSED(configure(T, ROOT, EP, 0x200000, 0), TALLY_ERR_INVALID_CAPABILITY, 3,
		TALLY_OBJ_ENDPOINT, TALLY_OBJ_FRAME_4K);
	REFUSED(configure(T, ROOT, FRAMERO, 0x200000, 0), TALLY_ERR_INVALID_CAPABILITY, 3,
		TALLY_RIGHT_READ, RW);
	REFUSED(configure(T, ROOT, FRAME, 0x200100, 0), TALLY_ERR_ALIGNMENT, 4, 0x200100,
		TALLY_IPC_BUFFER_SIZE);
	REFUSED(configure(T, ROOT, FRAME, 0xffff800000000000ul, 0), TALLY_ERR_RANGE, 4,
		0xffff800000000000ul, TALLY_IPC_BUFFER_SIZE);
	REFUSED(configure(T, ROOT, FRAME, 0x7ffffffffc00ul, 0), TALLY_ERR_RANGE, 4,
		0x7ffffffffc00ul, TALLY_IPC_BUFFER_SIZE);
	REFUSED(configure(T, ROOT, 0, 0, EPRO), TALLY_ERR_INVALID_CAPABILITY, 5, TALLY_RIGHT_READ,
		TALLY_RIGHT_WRITE);
	REFUSED(configure(T, ROOT, 0, 0, N), TALLY_ERR_INVALID_CAPABILITY, 5,
		TALLY_OBJ_NOTIFICATION, TALLY_OBJ_ENDPOINT);
	deep = deepest_copy(EP);
	REFUSED(configure(T, ROOT, 0, 0, deep), TALLY_ERR_RANGE, 5, TALLY_COPY_DEPTH_MAX + 1,
		TALLY_COPY_DEPTH_MAX);
	/* a bad fault endpoint after good ones: the good ones are not taken either */
	REFUSED(INV(T, TALLY_TCB_CONFIGURE, ROOT, PML4, FRAME, 0x200000, N),
		TALLY_ERR_INVALID_CAPABILITY, 5, TALLY_OBJ_NOTIFICATION, TALLY_OBJ_ENDPOINT);
	ck_assert(cte_empty(&t->slots[TCB_SLOT_VSPACE]));
	/* and all good */
	EXPECT_OK(INV(T, TALLY_TCB_CONFIGURE, ROOT, PML4, FRAME, 0x200c00, deep - 1));
	ck_assert_ptr_eq(thread_ipc_buffer(t), (char *)obj(FRAME) + 0xc00);
	ck_assert(cap_same_object(&t->slots[TCB_SLOT_VSPACE].cap, &slot_at(PML4)->cap));
	ck_assert(cap_same_object(&t->slots[TCB_SLOT_FAULT_EP].cap, &slot_at(EP)->cap));
	check_all();
	ipc_teardown();
}
END_TEST

START_TEST(priority_resume_and_register_calls_refuse_bad_arguments)
{
	struct tally_regs regs;

	tcb_fixture();
	REFUSED(INV(T, TALLY_TCB_SET_PRIORITY, TALLY_PRIO_MAX + 1), TALLY_ERR_RANGE, 1,
		TALLY_PRIO_MAX + 1, TALLY_PRIO_MAX);
	REFUSED(INV(T, TALLY_TCB_SET_PRIORITY, ~0ul), TALLY_ERR_RANGE, 1, ~0ul, TALLY_PRIO_MAX);
	EXPECT_OK(INV(TALLY_SLOT_ROOT_THREAD, TALLY_TCB_SET_PRIORITY, 100));
	REFUSED(INV(T, TALLY_TCB_SET_PRIORITY, 101), TALLY_ERR_RANGE, 1, 101, 100);
	EXPECT_OK(INV(T, TALLY_TCB_SET_PRIORITY, 100));
	ck_assert_int_eq(t->prio, 100);
	self->prio = TALLY_PRIO_MAX;   /* (the driver's own priority, back by hand) */

	/* registers: a thread that cannot run from its pc is not resumed */
	EXPECT_OK(INV(T, TALLY_TCB_SUSPEND));
	t->regs.pc = FAKE_USER_TOP;
	REFUSED(INV(T, TALLY_TCB_RESUME), TALLY_ERR_INVALID_ARGUMENT, 0, FAKE_USER_TOP, 0);
	t->regs.pc = 0x1000;

	REFUSED(INV(T, TALLY_TCB_READ_REGS, 0), TALLY_ERR_BAD_ADDRESS, 1, 0, 0);
	REFUSED(INV(T, TALLY_TCB_READ_REGS, 0xffff800000000000ul), TALLY_ERR_BAD_ADDRESS, 1,
		0xffff800000000000ul, 0);
	EXPECT_OK(INV(T, TALLY_TCB_READ_REGS, FAKE_USER_BASE));
	memcpy(&regs, fake_user, sizeof(regs));
	ck_assert_uint_eq(regs.rip, 0x1000);

	REFUSED(INV(TALLY_SLOT_ROOT_THREAD, TALLY_TCB_WRITE_REGS, FAKE_USER_BASE),
		TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	REFUSED(INV(T, TALLY_TCB_WRITE_REGS, FAKE_USER_BASE + FAKE_USER_SIZE - 8),
		TALLY_ERR_BAD_ADDRESS, 1, FAKE_USER_BASE + FAKE_USER_SIZE - 8, 0);
	regs.rip = FAKE_USER_TOP;
	regs.rsp = 0x8000;
	memcpy(fake_user, &regs, sizeof(regs));
	REFUSED(INV(T, TALLY_TCB_WRITE_REGS, FAKE_USER_BASE), TALLY_ERR_INVALID_ARGUMENT, 1,
		FAKE_USER_TOP, 0x8000);
	regs.rip = 0x5000;
	memcpy(fake_user, &regs, sizeof(regs));
	EXPECT_OK(INV(T, TALLY_TCB_WRITE_REGS, FAKE_USER_BASE));
	ck_assert_uint_eq(t->regs.pc, 0x5000);
	ck_assert_uint_eq(t->regs.stack, 0x8000);
	EXPECT_OK(INV(T, TALLY_TCB_RESUME));
	/* a blocked thread's registers belong to its call */
	ck_assert_int_eq(u_recv(t, EP, R), PENDING);
	REFUSED(INV(T, TALLY_TCB_WRITE_REGS, FAKE_USER_BASE), TALLY_ERR_BUSY, 0,
		TALLY_THREAD_BLOCKED_RECV, 0);
	EXPECT_OK(INV(T, TALLY_TCB_READ_REGS, FAKE_USER_BASE));
	check_all();
	ipc_teardown();
}
END_TEST

START_TEST(binding_labels_and_rights_of_thread_capabilities_are_checked)
{
	static const uint64_t write_labels[] = {
		TALLY_TCB_CONFIGURE, TALLY_TCB_SET_PRIORITY, TALLY_TCB_RESUME, TALLY_TCB_SUSPEND,
		TALLY_TCB_WRITE_REGS, TALLY_TCB_BIND_NOTIFICATION, TALLY_TCB_SET_NAME,
	};
	static const char name[TALLY_THREAD_NAME_MAX + 1] = "a name of exactly thirty-two ch.";
	uint64_t words[4];
	unsigned i;

	tcb_fixture();
	REFUSED(INV(T, TALLY_TCB_BIND_NOTIFICATION, EP), TALLY_ERR_INVALID_CAPABILITY, 1,
		TALLY_OBJ_ENDPOINT, TALLY_OBJ_NOTIFICATION);
	REFUSED(INV(T, TALLY_TCB_BIND_NOTIFICATION, NWO), TALLY_ERR_INVALID_CAPABILITY, 1,
		TALLY_RIGHT_WRITE, TALLY_RIGHT_READ);
	REFUSED(INV(T, TALLY_TCB_BIND_NOTIFICATION, EMPTY), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	EXPECT_OK(INV(OTHER, TALLY_TCB_BIND_NOTIFICATION, NRO));
	REFUSED(INV(T, TALLY_TCB_BIND_NOTIFICATION, N), TALLY_ERR_BUSY, 1, N, 0);

	/* labels that are not a thread's */
	REFUSED(INV(T, 0), TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	REFUSED(INV(T, TALLY_REPLY_BIND_NOTIFICATION), TALLY_ERR_INVALID_ARGUMENT, 0,
		TALLY_REPLY_BIND_NOTIFICATION, 0);
	REFUSED(INV(T, TALLY_UNTYPED_RETYPE), TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_UNTYPED_RETYPE,
		0);
	REFUSED(INV(T, 9999), TALLY_ERR_INVALID_ARGUMENT, 0, 9999, 0);

	/* without WRITE a thread capability can only be read */
	for (i = 0; i < ARRAY_SIZE(write_labels); i++)
		REFUSED(INV(TRO, write_labels[i], ROOT), TALLY_ERR_INVALID_CAPABILITY, 0,
			TALLY_RIGHT_WRITE, 0);
	EXPECT_OK(INV(TRO, TALLY_TCB_INFO));
	ck_assert_uint_eq(mr[0], TALLY_THREAD_RUNNABLE);
	ck_assert_uint_eq(mr[5], 10);
	EXPECT_OK(INV(TRO, TALLY_TCB_READ_REGS, FAKE_USER_BASE));

	/* names: up to 31 bytes are kept */
	memcpy(words, name, sizeof(words));
	EXPECT_OK(INV(T, TALLY_TCB_SET_NAME, words[0], words[1], words[2], words[3]));
	ck_assert_uint_eq(strlen(t->name), TALLY_THREAD_NAME_MAX - 1);
	ck_assert(!memcmp(t->name, name, TALLY_THREAD_NAME_MAX - 1));
	ipc_teardown();
}
END_TEST

START_TEST(reply_invocations_refuse_bad_arguments)
{
	unsigned long deep;

	tcb_fixture();
	REFUSED(INV(R, TALLY_TCB_CONFIGURE, N), TALLY_ERR_INVALID_ARGUMENT, 0, TALLY_TCB_CONFIGURE,
		0);
	REFUSED(INV(R, 0), TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	REFUSED(INV(R, TALLY_REPLY_BIND_NOTIFICATION, EP), TALLY_ERR_INVALID_CAPABILITY, 1,
		TALLY_OBJ_ENDPOINT, TALLY_OBJ_NOTIFICATION);
	REFUSED(INV(R, TALLY_REPLY_BIND_NOTIFICATION, EMPTY), TALLY_ERR_LOOKUP_FAILED, 1, EMPTY, 0);
	REFUSED(INV(R, TALLY_REPLY_BIND_NOTIFICATION, NRO), TALLY_ERR_INVALID_CAPABILITY, 1,
		TALLY_RIGHT_READ, TALLY_RIGHT_WRITE);
	deep = deepest_copy(N);
	REFUSED(INV(R, TALLY_REPLY_BIND_NOTIFICATION, deep), TALLY_ERR_RANGE, 1,
		TALLY_COPY_DEPTH_MAX + 1, TALLY_COPY_DEPTH_MAX);
	/* endpoints and notifications take no invocations */
	REFUSED(INV(EP, TALLY_TCB_INFO), TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_ENDPOINT, 0);
	REFUSED(INV(N, TALLY_REPLY_BIND_NOTIFICATION, N), TALLY_ERR_INVALID_CAPABILITY, 0,
		TALLY_OBJ_NOTIFICATION, 0);
	/* binding, rebinding and unbinding are fine, even while in use */
	EXPECT_OK(INV(R, TALLY_REPLY_BIND_NOTIFICATION, NWO));
	ck_assert(cap_same_object(&((struct reply *)obj(R))->notify.cap, &slot_at(N)->cap));
	ck_assert_int_eq(u_recv(t, EP, R), PENDING);
	EXPECT_OK(INV(R, TALLY_REPLY_BIND_NOTIFICATION, deep - 1));
	EXPECT_OK(INV(R, TALLY_REPLY_BIND_NOTIFICATION, 0));
	ck_assert(cte_empty(&((struct reply *)obj(R))->notify));
	EXPECT_THREAD(t, TALLY_THREAD_BLOCKED_RECV, PENDING);
	check_all();
	ipc_teardown();
}
END_TEST

START_TEST(ipc_calls_refuse_bad_capabilities_and_messages_and_change_nothing)
{
	const uint64_t wild = 0x8000000000000010ul;

	tcb_fixture();
	/* the capability named */
	IPC_REFUSED(TALLY_SYS_SEND, EMPTY, 0, 0, TALLY_ERR_LOOKUP_FAILED, 0, EMPTY, 0);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_EMPTY_SLOT);
	IPC_REFUSED(TALLY_SYS_CALL, wild, 0, 0, TALLY_ERR_LOOKUP_FAILED, 0, wild, 0);
	IPC_REFUSED(TALLY_SYS_RECV, 0, 0, R, TALLY_ERR_LOOKUP_FAILED, 0, 0, 0);
	ck_assert_uint_eq(detail().lookup, TALLY_LOOKUP_RESERVED_SLOT);
	IPC_REFUSED(TALLY_SYS_SEND, ROOT, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_CNODE,
		    0);
	IPC_REFUSED(TALLY_SYS_NBSEND, T, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_THREAD,
		    0);
	IPC_REFUSED(TALLY_SYS_SEND, FRAME, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0,
		    TALLY_OBJ_FRAME_4K, 0);
	IPC_REFUSED(TALLY_SYS_SEND, EPRO, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE,
		    0);
	IPC_REFUSED(TALLY_SYS_CALL, EPRO, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_WRITE,
		    0);
	IPC_REFUSED(TALLY_SYS_CALL, N, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0,
		    TALLY_OBJ_NOTIFICATION, 0);
	IPC_REFUSED(TALLY_SYS_CALL, R, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_REPLY, 0);
	IPC_REFUSED(TALLY_SYS_SEND, NRO, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0,
		    TALLY_OBJ_NOTIFICATION, 0);
	IPC_REFUSED(TALLY_SYS_RECV, EPWO, 0, R, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ,
		    0);
	IPC_REFUSED(TALLY_SYS_NBRECV, NWO, 0, 0, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_RIGHT_READ,
		    0);
	IPC_REFUSED(TALLY_SYS_RECV, R, 0, R2, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_REPLY, 0);
	IPC_REFUSED(TALLY_SYS_RECV, T, 0, R, TALLY_ERR_INVALID_CAPABILITY, 0, TALLY_OBJ_THREAD, 0);
	IPC_REFUSED(TALLY_SYS_REPLY_RECV, N, 0, R, TALLY_ERR_INVALID_CAPABILITY, 0,
		    TALLY_OBJ_NOTIFICATION, 0);

	/* the Reply named in arg 8 */
	IPC_REFUSED(TALLY_SYS_RECV, EP, 0, EMPTY, TALLY_ERR_LOOKUP_FAILED, 8, EMPTY, 0);
	IPC_REFUSED(TALLY_SYS_NBRECV, EP, 0, 0, TALLY_ERR_LOOKUP_FAILED, 8, 0, 0);
	IPC_REFUSED(TALLY_SYS_RECV, EP, 0, N, TALLY_ERR_INVALID_CAPABILITY, 8,
		    TALLY_OBJ_NOTIFICATION, 0);
	IPC_REFUSED(TALLY_SYS_REPLY_RECV, EP, 0, EP, TALLY_ERR_INVALID_CAPABILITY, 8,
		    TALLY_OBJ_ENDPOINT, 0);
	IPC_REFUSED(TALLY_SYS_REPLY_RECV, EP, 0, R, TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);
	IPC_REFUSED(TALLY_SYS_SEND, R, 0, 0, TALLY_ERR_INVALID_ARGUMENT, 0, 0, 0);

	/* the message */
	IPC_REFUSED(TALLY_SYS_SEND, EP, tally_msginfo(0, TALLY_MSG_MAX + 1, 0), 0, TALLY_ERR_RANGE,
		    1, tally_msginfo(0, TALLY_MSG_MAX + 1, 0), TALLY_MSG_MAX);
	IPC_REFUSED(TALLY_SYS_CALL, EP, tally_msginfo(0, 255, 0), 0, TALLY_ERR_RANGE, 1,
		    tally_msginfo(0, 255, 0), TALLY_MSG_MAX);
	IPC_REFUSED(TALLY_SYS_NBSEND, EP, tally_msginfo(0, 0, 3), 0, TALLY_ERR_RANGE, 1,
		    tally_msginfo(0, 0, 3), TALLY_MSG_MAX);
	IPC_REFUSED(TALLY_SYS_SEND, EP, tally_msginfo(0, 7, 0), 0, TALLY_ERR_INVALID_ARGUMENT, 1,
		    tally_msginfo(0, 7, 0), 0);
	IPC_REFUSED(TALLY_SYS_CALL, EPWO, tally_msginfo(0, 0, 1), 0, TALLY_ERR_INVALID_ARGUMENT, 1,
		    tally_msginfo(0, 0, 1), 0);

	/* nobody there */
	IPC_REFUSED(TALLY_SYS_NBRECV, EP, 0, R, TALLY_ERR_WOULD_BLOCK, 0, 0, 0);

	/* busy: a Reply in use, a notification bound to another thread */
	ck_assert_int_eq(u_recv(t, EP, R), PENDING);
	IPC_REFUSED(TALLY_SYS_NBRECV, EP, 0, R, TALLY_ERR_BUSY, 8, 0, 0);
	EXPECT_OK(INV(OTHER, TALLY_TCB_BIND_NOTIFICATION, N));
	IPC_REFUSED(TALLY_SYS_RECV, N, 0, 0, TALLY_ERR_BUSY, 0, 0, 0);

	ipc_teardown();
}
END_TEST

Suite *
tcb_suite(void)
{
	Suite *s = suite_create("tcb");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, configure_refuses_each_bad_argument_and_changes_nothing);
	tcase_add_test(tc, priority_resume_and_register_calls_refuse_bad_arguments);
	tcase_add_test(tc, binding_labels_and_rights_of_thread_capabilities_are_checked);
	tcase_add_test(tc, reply_invocations_refuse_bad_arguments);
	tcase_add_test(tc, ipc_calls_refuse_bad_capabilities_and_messages_and_change_nothing);
	suite_add_tcase(s, tc);
	return s;
}
