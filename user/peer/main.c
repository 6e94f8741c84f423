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
 * Started by the kernel as a boot module (no role), it exits at once.
 */
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/start.h>
#include <libtally/thread.h>
#include "peer.h"
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
	return 1;
}
