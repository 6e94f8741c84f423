/*
 * peer: the parties of the in-system suite's process scenarios (seed 001:
 * a client C calls a server S, which calls a driver D). The suite builds
 * each as a process from this image (libtally/process.h), gives it its
 * capabilities in slots 8 and up, and names its role in the arguments.
 * Every step it takes is reported to the suite as a message on the report
 * endpoint, so the suite can check what each party saw.
 *
 * Slots, by role:
 *   client:  8 S's endpoint, 9 report
 *   server:  8 its endpoint, 9 report, 10 its Reply, 11 D's endpoint,
 *            12 notification bound to its Reply (the caller went away),
 *            13 a second thread (the watcher)
 *   driver:  8 its endpoint, 9 report, 10 its Reply, 11 notification bound
 *            to its Reply
 *   echo:    8 its endpoint, 9 its Reply: answers every call, for ever
 * Roles for processes the supervisor spawns on a bank (libtally/supervisor.h;
 * 4 is their bank, 5 the fault endpoint for their threads):
 *   exit:    exits at once with status PEER_EXIT_STATUS
 *   crash:   writes to address 0
 *   greedy:  buys 4 KiB frames from its bank until NO_MEMORY, tries to
 *            destroy its bank (it may not), exits with the number bought
 *   hold:    8 an endpoint to call, 9 a frame to share: buys an endpoint,
 *            a Reply, a thread, a page table and a frame, maps the shared
 *            frame and its own, adds 1 to the shared frame's first word,
 *            starts the thread receiving on the endpoint (it keeps any call
 *            it gets), and calls 8 with the endpoint as a capability: it
 *            waits for an answer that never comes
 *   kvclient: 8 the key-value server's public capability (user/kv): connects
 *            with its own bank, puts PEER_KV_KEYS keys, then asks for a
 *            SCAN that takes for ever
 * Started by the kernel as a boot module (no role), it exits at once.
 */
#include <libtally/bank.h>
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/start.h>
#include <libtally/thread.h>
#include "peer.h"
#include "../kv/kv.h"
#include <string.h>

static void
report(unsigned long event, unsigned long value)
{
	struct tally_msg m = { .info = tally_msginfo(event, 1, 0), .mr = { value } };

	tally_send(9, &m);
}

static void
client(void)
{
	struct tally_msg m = { .info = tally_msginfo(1, 1, 0), .mr = { 0xc0ffee } };
	long err = tally_call(8, &m);

	report(PEER_CALL_DONE, (unsigned long)err);
	tally_exit();
}

static _Alignas(16) unsigned char watcher_stack[4096];

/* The server's second thread: when the caller goes away, cancel the main thread's call. */
static void
watcher(unsigned long arg)
{
	(void)arg;
	for (;;) {
		tally_wait(12, 0);
		report(PEER_CALLER_GONE, 0);
		tally_tcb_suspend(TALLY_PROC_SLOT_THREAD);
		tally_tcb_resume(TALLY_PROC_SLOT_THREAD);
	}
}

static void
server(void)
{
	struct tally_msg m = { 0 };
	long err;

	err = tally_tcb_configure(13, TALLY_PROC_SLOT_CNODE, TALLY_PROC_SLOT_VSPACE, 0, 0, 0);
	if (!err)
		err = tally_tcb_set_priority(13, PEER_PRIO);
	if (!err)
		err = tally_tcb_start(13, watcher, 0, watcher_stack + sizeof(watcher_stack));
	if (err)
		report(PEER_SETUP_FAILED, (unsigned long)err);
	err = tally_recv(8, 10, &m);
	report(PEER_CALLED, (unsigned long)err);
	m = (struct tally_msg){ .info = tally_msginfo(2, 1, 0), .mr = { 0xd0 } };
	err = tally_call(11, &m);
	report(PEER_CALL_DONE, (unsigned long)err);
	m = (struct tally_msg){ .info = tally_msginfo(0, 1, 0), .mr = { (unsigned long)err } };
	err = tally_reply(10, &m);
	report(PEER_REPLY_DONE, (unsigned long)err);
	tally_exit();
}

static void
driver(void)
{
	struct tally_msg m = { 0 };
	long err = tally_recv(8, 10, &m);

	report(PEER_CALLED, (unsigned long)err);
	tally_wait(11, 0);              /* a slow device: answer only when the caller gives up */
	report(PEER_CALLER_GONE, 0);
	m = (struct tally_msg){ .info = tally_msginfo(0, 0, 0) };
	err = tally_reply(10, &m);
	report(PEER_REPLY_DONE, (unsigned long)err);
	tally_exit();
}

static void
echo(void)
{
	tally_echo_forever(8, 9);
}

static void
crash(void)
{
	*(volatile unsigned long *)0 = 1;
}

static int
greedy(const struct tally_bootinfo *bi)
{
	unsigned long slot = bi->first_free_slot, top = 1ul << bi->root_cnode_radix;

	while (slot < top && tally_bank_alloc(TALLY_PROC_SLOT_BANK, TALLY_OBJ_FRAME_4K, 0,
					      TALLY_PROC_SLOT_CNODE, slot) == TALLY_OK)
		slot++;
	if (tally_bank_destroy(TALLY_PROC_SLOT_BANK) != TALLY_ERR_INVALID_CAPABILITY)
		return 0xdead;
	return (int)(slot - bi->first_free_slot);
}

static _Alignas(16) unsigned char holder_stack[4096];

/* The second thread of a holder: take one call and keep it. */
static void
holder(unsigned long slots)
{
	struct tally_msg m = { 0 };

	tally_recv(slots & 0xff, (slots >> 8) & 0xff, &m);
	tally_tcb_suspend((slots >> 16) & 0xff);
	tally_exit();
}

static int
hold(const struct tally_bootinfo *bi)
{
	unsigned long s = bi->first_free_slot, ep = s, reply = s + 1, tcb = s + 2, pt = s + 3;
	unsigned long own = s + 4, types[4] = { TALLY_OBJ_ENDPOINT, TALLY_OBJ_REPLY,
						TALLY_OBJ_PT, TALLY_OBJ_FRAME_4K };
	unsigned long slots[4] = { ep, reply, pt, own }, i;
	volatile unsigned long *shared = (volatile unsigned long *)PEER_HOLD_VA;
	struct tally_msg m = { .info = tally_msginfo(PEER_HELD, 0, 1) };
	long err = TALLY_OK;

	for (i = 0; !err && i < 4; i++)
		err = tally_bank_alloc(TALLY_PROC_SLOT_BANK, types[i], 0, TALLY_PROC_SLOT_CNODE,
				       slots[i]);
	if (!err)
		err = tally_page_table_map(pt, TALLY_PROC_SLOT_VSPACE, PEER_HOLD_VA);
	if (!err)
		err = tally_frame_map(9, TALLY_PROC_SLOT_VSPACE, PEER_HOLD_VA,
				      TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	if (!err)
		err = tally_frame_map(own, TALLY_PROC_SLOT_VSPACE, PEER_HOLD_VA + 4096,
				      TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	if (!err) {
		const struct tally_thread_spec ts = {
			.prio = PEER_PRIO, .fault_ep = TALLY_PROC_SLOT_FAULT, .fn = holder,
			.arg = ep | reply << 8 | tcb << 16,
			.stack_top = holder_stack + sizeof(holder_stack),
			.sc = TALLY_PROC_SLOT_SPARE_SC,
		};

		err = tally_thread_buy(TALLY_PROC_SLOT_BANK, tcb, &ts);
	}
	if (err)
		return (int)err;
	shared[0]++;
	shared[512] = shared[0];
	tally_ipcbuf()->cap = ep;
	tally_call(8, &m);
	return 0;
}

static int
kvclient(const struct tally_bootinfo *bi)
{
	struct tally_msg m = { .info = tally_msginfo(KV_CONNECT, 0, 1) };
	unsigned long session = bi->first_free_slot, k;
	long err;

	tally_ipcbuf()->cap = TALLY_PROC_SLOT_BANK;   /* the client pays */
	tally_ipcbuf()->recv_slot = session;
	err = tally_call(8, &m);
	if (err || tally_msginfo_label(m.info) || tally_msginfo_caps(m.info) != 1)
		return 100;
	for (k = 1; k <= PEER_KV_KEYS; k++) {
		m = (struct tally_msg){ .info = tally_msginfo(KV_PUT, 5, 0), .mr = { k, 3 * k } };
		if (tally_call(session, &m) || tally_msginfo_label(m.info))
			return 200;
	}
	m = (struct tally_msg){ .info = tally_msginfo(KV_SCAN, 1, 0), .mr = { ~0ul } };
	tally_call(session, &m);
	return 300;
}

int
main(const struct tally_bootinfo *bi)
{
	if (bi->thread_index != ~0ul)
		return 0;   /* started by the kernel, not built by the suite */
	if (!strcmp(bi->args, "client"))
		client();
	else if (!strcmp(bi->args, "server"))
		server();
	else if (!strcmp(bi->args, "driver"))
		driver();
	else if (!strcmp(bi->args, "echo"))
		echo();
	else if (!strcmp(bi->args, "exit"))
		return PEER_EXIT_STATUS;
	else if (!strcmp(bi->args, "crash"))
		crash();
	else if (!strcmp(bi->args, "greedy"))
		return greedy(bi);
	else if (!strcmp(bi->args, "hold"))
		return hold(bi);
	else if (!strcmp(bi->args, "kvclient"))
		return kvclient(bi);
	return 1;
}
