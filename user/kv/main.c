/*
 * kv: a key-value server whose clients pay for what it keeps for them
 * (DESIGN.md rule 6; protocol in kv.h; docs/banks.md, "Servers that keep
 * state for clients").
 *
 * A client hands over a bank when it connects. The server makes a sub-bank
 * under it for that client, and everything it keeps for the client comes
 * from there: a page table for the client's window of the server's address
 * space, and the pages of entries mapped in it. So a client that fills its
 * quota gets NO_MEMORY for itself, and the server's own bank never grows
 * because of a client.
 *
 * Client memory may vanish at any moment (the client destroys its bank, or
 * dies). The server learns it two ways:
 *  - the bank server signals a notification the server registered on each
 *    sub-bank (TALLY_BANK_WATCH; its badge names the client); it is bound
 *    to the worker thread, so its receive returns with the bits, and the
 *    worker drops those clients' bookkeeping;
 *  - a fault on the vanished pages in the middle of a request goes to the
 *    server's first thread, its fault handler, which sends the worker back
 *    to its recovery point (libtally/recover.h); the worker drops the
 *    client and answers the request in hand with OBJECT_DELETED.
 * Any other fault of the worker ends the server: the first thread returns
 * and the supervisor reclaims everything.
 *
 * Slots: 8 its endpoint, 9 a notification to signal between rounds of a
 * SCAN (optional); its own from bootinfo->first_free_slot on.
 */
#include "kv.h"
#include <stdbool.h>
#include <libtally/bank.h>
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/recover.h>
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/thread.h>

#define SELF TALLY_PROC_SLOT_CNODE
#define WINDOW_BASE 0x40000000ul     /* client i's pages from WINDOW_BASE + i * 2 MiB */
#define WINDOW_BITS 21
#define PAGE 4096ul
#define NONE (~0ul)

/* The server's own slots, from the first the builder left free. */
enum {
	S_RECV, S_FAULT_EP, S_REPLY_MAIN, S_REPLY_WORK, S_WORKER, S_WATCH, S_TEMP, S_WINDOW_PD,
	S_CLIENTS = 16,
};

/* Each client's slots. */
enum { C_BANK, C_SUB, C_SESSION, C_PT, C_PAGES, C_SLOTS = C_PAGES + KV_MAX_PAGES };

struct client {
	bool used;
	unsigned long gen;        /* in its session's badge */
	unsigned long npages;
};

struct entry {
	unsigned long key, value[KV_VALUE_WORDS], pad[3];
};

static struct client clients[KV_MAX_CLIENTS];
static unsigned long slot_base, bank_object;
static volatile struct kv_stats stats;
static struct tally_recovery recovery;
static volatile unsigned long vanished = NONE;
static bool have_progress;

static unsigned long
slot(unsigned long k)
{
	return slot_base + k;
}

static unsigned long
cslot(unsigned long i, unsigned long k)
{
	return slot_base + S_CLIENTS + i * C_SLOTS + k;
}

static unsigned long
window(unsigned long i)
{
	return WINDOW_BASE + (i << WINDOW_BITS);
}

static struct entry *
page_of(unsigned long i, unsigned long k)
{
	return (struct entry *)(window(i) + k * PAGE);
}

static unsigned long
session_badge(unsigned long i)
{
	return clients[i].gen << 8 | (i + 1);
}

/* ---- clients' lives ---- */

/* Drop what the server holds for client i; its sub-bank is destroyed if it is not gone yet. */
static void
client_drop(unsigned long i)
{
	unsigned long k;

	tally_bank_destroy(cslot(i, C_SUB));
	tally_cnode_revoke(SELF, cslot(i, C_SESSION));   /* its session capabilities go */
	for (k = 0; k < C_SLOTS; k++)
		tally_cnode_delete(SELF, cslot(i, k));
	clients[i].used = false;
	clients[i].npages = 0;
}

static void
client_forget(unsigned long i)
{
	if (i >= KV_MAX_CLIENTS || !clients[i].used)
		return;
	client_drop(i);
	stats.connected--;
	stats.forgotten++;
}

/* Clients whose sub-banks were destroyed: the bits of the watch notification. */
static void
clients_gone(unsigned long word)
{
	unsigned long i;

	for (i = 0; i < KV_MAX_CLIENTS; i++)
		if (word & (1ul << i))
			client_forget(i);
}

/*
 * Take the bits the bank server signalled so far. After the server destroys
 * a sub-bank itself, or after a fault showed one gone, the bit of that
 * client is already there: taking it now keeps it from naming the next
 * client of that index.
 */
static void
watch_drain(void)
{
	unsigned long word;

	while (tally_poll(slot(S_WATCH), &word) == TALLY_OK && word)
		clients_gone(word);
}

/* Ask the bank server to signal bit i of the watch notification when client i's sub-bank dies. */
static long
client_watch(unsigned long i)
{
	long err = tally_cnode_mint(SELF, slot(S_TEMP), slot(S_WATCH), 64, TALLY_RIGHT_WRITE,
				    1ul << i);

	if (!err)
		err = tally_bank_watch(cslot(i, C_SUB), slot(S_TEMP));
	tally_cnode_delete(SELF, slot(S_TEMP));
	return err;
}

/* CONNECT: the capability that came (in S_RECV) must be a bank's. */
static long
kv_connect(struct tally_msg *m, bool cap)
{
	struct tally_slot_info si;
	struct tally_bank_info bi;
	unsigned long i;
	long err;

	if (!cap || tally_cnode_inspect(SELF, slot(S_RECV), &si) != TALLY_OK ||
	    si.type != TALLY_OBJ_ENDPOINT || si.paddr != bank_object)
		return TALLY_ERR_INVALID_CAPABILITY;   /* not a bank: calling it might never end */
	for (i = 0; i < KV_MAX_CLIENTS && clients[i].used; i++)
		;
	if (i == KV_MAX_CLIENTS)
		return TALLY_ERR_BUSY;
	clients[i].gen++;
	err = tally_cnode_move(SELF, cslot(i, C_BANK), slot(S_RECV), 64);
	if (!err)
		err = tally_bank_info(cslot(i, C_BANK), &bi);
	if (!err)
		err = tally_bank_create(cslot(i, C_BANK), bi.limit, SELF, cslot(i, C_SUB));
	if (!err)
		err = client_watch(i);
	if (!err)
		err = tally_bank_alloc(cslot(i, C_SUB), TALLY_OBJ_PT, 0, SELF, cslot(i, C_PT));
	if (!err)
		err = tally_page_table_map(cslot(i, C_PT), TALLY_PROC_SLOT_VSPACE, window(i));
	if (!err)
		err = tally_cnode_mint(SELF, cslot(i, C_SESSION), KV_SLOT_EP, 64, TALLY_RIGHT_WRITE,
				       session_badge(i));
	if (err) {
		client_drop(i);
		watch_drain();
		return err;
	}
	clients[i].used = true;
	stats.connected++;
	m->mr[0] = i;
	tally_ipcbuf()->cap = cslot(i, C_SESSION);
	m->info = tally_msginfo(TALLY_OK, 1, 1);
	return TALLY_OK;
}

/* The entry of client i with `key` (0: a free one), or NULL. Touches the client's pages. */
static struct entry *
entry_find(unsigned long i, unsigned long key)
{
	unsigned long k, e;

	for (k = 0; k < clients[i].npages; k++)
		for (e = 0; e < KV_ENTRIES_PER_PAGE; e++)
			if (page_of(i, k)[e].key == key)
				return &page_of(i, k)[e];
	return NULL;
}

/* One more page of entries for client i, bought from its sub-bank. */
static long
page_add(unsigned long i)
{
	unsigned long k = clients[i].npages, s = cslot(i, C_PAGES + k);
	long err;

	if (k == KV_MAX_PAGES)
		return TALLY_ERR_RANGE;
	err = tally_bank_alloc(cslot(i, C_SUB), TALLY_OBJ_FRAME_4K, 0, SELF, s);
	if (err)
		return err;
	err = tally_frame_map(s, TALLY_PROC_SLOT_VSPACE, (unsigned long)page_of(i, k),
			      TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
	if (err) {
		tally_bank_free(cslot(i, C_SUB), SELF, s);
		return err;
	}
	clients[i].npages++;
	return TALLY_OK;
}

static long
kv_put(unsigned long i, struct tally_msg *m)
{
	struct entry *e;
	unsigned long k;
	long err;

	if (!m->mr[0])
		return TALLY_ERR_INVALID_ARGUMENT;
	e = entry_find(i, m->mr[0]);
	if (!e)
		e = entry_find(i, 0);
	if (!e) {
		err = page_add(i);
		if (err)
			return err;
		e = page_of(i, clients[i].npages - 1);
	}
	e->key = m->mr[0];
	for (k = 0; k < KV_VALUE_WORDS; k++)
		e->value[k] = m->mr[1 + k];
	return TALLY_OK;
}

static long
kv_get(unsigned long i, struct tally_msg *m)
{
	struct entry *e = m->mr[0] ? entry_find(i, m->mr[0]) : NULL;
	unsigned long k;

	if (!e)
		return TALLY_ERR_NOT_FOUND;
	for (k = 0; k < KV_VALUE_WORDS; k++)
		m->mr[k] = e->value[k];
	m->info = tally_msginfo(TALLY_OK, KV_VALUE_WORDS, 0);
	return TALLY_OK;
}

static long
kv_scan(unsigned long i, struct tally_msg *m)
{
	unsigned long rounds = m->mr[0], r, k, e, sum = 0;

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < clients[i].npages; k++)
			for (e = 0; e < KV_ENTRIES_PER_PAGE; e++)
				sum += page_of(i, k)[e].key + page_of(i, k)[e].value[0];
		if (have_progress)
			tally_signal(KV_SLOT_PROGRESS);
		tally_yield();
	}
	m->mr[0] = sum;
	m->info = tally_msginfo(TALLY_OK, 1, 0);
	return TALLY_OK;
}

static long
kv_stats(struct tally_msg *m)
{
	struct tally_bank_info own = { 0 };

	tally_bank_info(TALLY_PROC_SLOT_BANK, &own);
	m->mr[0] = stats.connected;
	m->mr[1] = stats.forgotten;
	m->mr[2] = stats.recovered;
	m->mr[3] = own.use;
	m->info = tally_msginfo(TALLY_OK, 4, 0);
	return TALLY_OK;
}

/* A session's client, or NONE for a session that is over. */
static unsigned long
session_client(unsigned long badge)
{
	unsigned long i = (badge & 0xff) - 1;

	if (i >= KV_MAX_CLIENTS || !clients[i].used || clients[i].gen != badge >> 8)
		return NONE;
	return i;
}

/* Handle one request; the answer is left in *m (its label the result). */
static void
handle(struct tally_msg *m, bool cap)
{
	unsigned long label = tally_msginfo_label(m->info), i = NONE;
	long err;

	m->info = tally_msginfo(0, 0, 0);
	if (!m->badge)
		err = label == KV_CONNECT ? kv_connect(m, cap) :
		      label == KV_STATS ? kv_stats(m) : TALLY_ERR_INVALID_ARGUMENT;
	else if ((i = session_client(m->badge)) == NONE)
		err = TALLY_ERR_OBJECT_DELETED;
	else if (label == KV_PUT)
		err = kv_put(i, m);
	else if (label == KV_GET)
		err = kv_get(i, m);
	else if (label == KV_SCAN)
		err = kv_scan(i, m);
	else if (label == KV_DISCONNECT) {
		client_forget(i);
		watch_drain();
		err = TALLY_OK;
	} else
		err = TALLY_ERR_INVALID_ARGUMENT;
	if (err)
		m->info = tally_msginfo((unsigned long)err, 0, 0);
}

/* ---- the worker: it serves every request ---- */

static struct tally_msg msg;    /* the request in hand, then its answer */
static bool have;               /* msg holds a request */

/* Answer the request in hand and take the next one. */
static void
answer_and_receive(void)
{
	tally_cnode_delete(SELF, slot(S_RECV));
	have = tally_reply_recv(KV_SLOT_EP, slot(S_REPLY_WORK), &msg) == TALLY_OK;
}

static void
worker(unsigned long arg)
{
	(void)arg;
	if (tally_recovery_point(&recovery)) {
		/* sent back by the fault handler: the client's memory is gone */
		client_forget(vanished);
		watch_drain();
		msg.info = tally_msginfo(TALLY_ERR_OBJECT_DELETED, 0, 0);
		answer_and_receive();   /* its caller may be gone too: then the answer goes nowhere */
	}
	for (;;) {
		if (!have)
			have = tally_recv(KV_SLOT_EP, slot(S_REPLY_WORK), &msg) == TALLY_OK;
		if (!have)
			continue;
		if (msg.info & TALLY_MSGINFO_NOTIFY) {
			clients_gone(msg.badge);   /* banks the server depended on are gone */
			have = false;
			continue;
		}
		handle(&msg, tally_msginfo_caps(msg.info) != 0);
		answer_and_receive();
	}
}

/* ---- the first thread: set up, then handle the worker's faults ---- */

static _Alignas(16) unsigned char worker_stack[8192];

static long
buy(unsigned long type, unsigned long s)
{
	return tally_bank_alloc(TALLY_PROC_SLOT_BANK, type, 0, SELF, slot(s));
}

static long
setup(const struct tally_bootinfo *bi)
{
	struct tally_tcb_info self;
	struct tally_slot_info si;
	long err;

	slot_base = bi->first_free_slot;
	if (cslot(KV_MAX_CLIENTS, 0) > 1ul << bi->root_cnode_radix)
		return TALLY_ERR_RANGE;
	err = tally_cnode_inspect(SELF, TALLY_PROC_SLOT_BANK, &si);
	bank_object = si.paddr;
	have_progress = tally_cnode_inspect(SELF, KV_SLOT_PROGRESS, &si) == TALLY_OK &&
			si.type == TALLY_OBJ_NOTIFICATION;
	if (!err)
		err = tally_tcb_info(TALLY_PROC_SLOT_THREAD, &self);
	/* what the server itself needs comes from its own bank, once */
	if (!err)
		err = buy(TALLY_OBJ_ENDPOINT, S_FAULT_EP);
	if (!err)
		err = buy(TALLY_OBJ_REPLY, S_REPLY_MAIN);
	if (!err)
		err = buy(TALLY_OBJ_REPLY, S_REPLY_WORK);
	if (!err)
		err = buy(TALLY_OBJ_NOTIFICATION, S_WATCH);
	if (!err)
		err = buy(TALLY_OBJ_PD, S_WINDOW_PD);
	if (!err)
		err = tally_page_table_map(slot(S_WINDOW_PD), TALLY_PROC_SLOT_VSPACE, WINDOW_BASE);
	tally_ipcbuf()->recv_slot = slot(S_RECV);
	if (!err) {
		/* it shares this thread's IPC buffer: this one only takes short fault messages */
		const struct tally_thread_spec ts = {
			.prio = self.prio, .fault_ep = slot(S_FAULT_EP),
			.ipcbuf_frame = TALLY_PROC_SLOT_IPC_BUFFER, .ipcbuf_addr = TALLY_PROC_IPC_BUFFER,
			.fn = worker, .stack_top = worker_stack + sizeof(worker_stack),
			.sc = TALLY_PROC_SLOT_SPARE_SC,
		};

		err = tally_thread_buy(TALLY_PROC_SLOT_BANK, slot(S_WORKER), &ts);
	}
	if (!err)
		err = tally_tcb_bind_notification(slot(S_WORKER), slot(S_WATCH));
	return err;
}

/* Serve the worker's faults: a fault in a client's window is recovered; any other ends the server. */
static int
fault_handler(void)
{
	struct tally_msg m = { 0 };

	for (;;) {
		unsigned long addr;

		if (tally_recv(slot(S_FAULT_EP), slot(S_REPLY_MAIN), &m) != TALLY_OK)
			continue;
		addr = m.mr[1];
		if (m.mr[0] != TALLY_FAULT_PAGE || addr < WINDOW_BASE ||
		    addr >= window(KV_MAX_CLIENTS)) {
			printf("kv: the worker stopped: %s at pc=%#lx addr=%#lx\n",
			       tally_fault_name((long)m.mr[0]), m.mr[2], addr);
			return 2;
		}
		vanished = (addr - WINDOW_BASE) >> WINDOW_BITS;
		stats.recovered++;
		tally_tcb_suspend(slot(S_WORKER));   /* ends its fault report */
		tally_recover(slot(S_WORKER), &recovery, 1);
	}
}

int
main(const struct tally_bootinfo *bi)
{
	long err;

	if (bi->thread_index != ~0ul)
		return 0;   /* started by the kernel as a boot module */
	err = setup(bi);
	if (err) {
		printf("kv: setup failed: %s\n", tally_error_name(err));
		return 1;
	}
	return fault_handler();
}
