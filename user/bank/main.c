/*
 * bank: the space bank server (docs/banks.md, protocol in <libtally/bank.h>).
 *
 * The root task builds it as a process with a CNode of 2^BANK_RADIX slots,
 * gives it an endpoint (slot 8), a small Untyped for its own objects (slot
 * 9) and 2 MiB Untypeds ("chunks") from BIG_BASE on, and starts it. Every
 * bank capability is a badged copy of one of two "master" capabilities per
 * bank that the server keeps; revoking the masters is what makes every
 * capability to a destroyed bank unusable.
 *
 * One thread does everything. A destruction becomes a job: its banks are
 * marked dying at once (nothing more can be bought from them, their
 * capabilities are revoked, their watchers signalled), and their chunks
 * are revoked one per step; between steps the server takes any request
 * that waits, so a large destruction never holds up other banks for more
 * than one chunk's worth of objects. The destroyer's answer waits in a
 * Reply of its own until the last chunk is back.
 *
 * Started by the kernel as a boot module, it exits at once.
 */
#include "bank.h"
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/start.h>
#include <libtally/stdio.h>

/* ---- requests ---- */

struct request {
	struct tally_msg m;         /* in: the request; out: the answer */
	uint16_t bank;              /* NONE: the owner (badge 0) */
	bool full;
	bool cap;                   /* a capability arrived in SLOT_RECV */
};

/* What handling a request did (not error codes: those are 0 and up). */
#define ANSWERED 0
#define DEFERRED (-1)

static void
answer(struct request *r, long err, unsigned long n, const unsigned long *w)
{
	struct tally_ipc_buffer *b = tally_ipcbuf();
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (i < TALLY_MSG_REGS)
			r->m.mr[i] = w[i];
		else
			b->mr[i] = w[i];
	}
	r->m.info = tally_msginfo((unsigned long)err, n, 0);
}

static void
answer_err(struct request *r, long err, unsigned long a, unsigned long b, unsigned long c)
{
	const unsigned long w[4] = { 0, a, b, c };

	answer(r, err, 4, w);
}

/* ---- Replies: the current one, and those holding deferred answers ---- */

static uint16_t reply_cur, reply_free[REPLIES], nreply_free;

static unsigned long
reply_slot(uint16_t i)
{
	return REPLY_BASE + i;
}

/* ---- watchers ---- */

struct watch {
	uint16_t bank, next;
};

static struct watch watches[MAX_WATCH];
static uint16_t watch_free = NONE;

static long
do_watch(struct request *r)
{
	struct tally_slot_info si;
	uint16_t w = watch_free;

	if (!r->cap || tally_cnode_inspect(SLOT_SELF, SLOT_RECV, &si) != TALLY_OK ||
	    si.type != TALLY_OBJ_NOTIFICATION || !(si.rights & TALLY_RIGHT_WRITE))
		return TALLY_ERR_INVALID_CAPABILITY;
	if (w == NONE)
		return TALLY_ERR_NO_MEMORY;
	if (tally_cnode_move(SLOT_SELF, WATCH_BASE + w, SLOT_RECV, 64) != TALLY_OK)
		return TALLY_ERR_INVALID_CAPABILITY;
	watch_free = watches[w].next;
	watches[w] = (struct watch){ r->bank, banks[r->bank].watch };
	banks[r->bank].watch = w;
	return TALLY_OK;
}

/* Signal and drop b's watchers (a watcher's notification may be gone already). */
static void
watch_fire(uint16_t b)
{
	uint16_t w, next;

	for (w = banks[b].watch; w != NONE; w = next) {
		next = watches[w].next;
		tally_signal(WATCH_BASE + w);
		tally_cnode_delete(SLOT_SELF, WATCH_BASE + w);
		watches[w].next = watch_free;
		watch_free = w;
	}
	banks[b].watch = NONE;
}

/* ---- bank capabilities ---- */

static long
masters_make(uint16_t b)
{
	long err = tally_cnode_mint(SLOT_SELF, master_slot(b, 1), SLOT_EP, 64,
				    TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT, bank_badge(b, 1));

	if (!err)
		err = tally_cnode_mint(SLOT_SELF, master_slot(b, 0), SLOT_EP, 64,
				       TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT, bank_badge(b, 0));
	return err;
}

/* Every capability to b goes: the copies handed out are the masters' children. */
static void
masters_revoke(uint16_t b)
{
	unsigned full;

	for (full = 0; full < 2; full++) {
		tally_cnode_revoke(SLOT_SELF, master_slot(b, full));
		tally_cnode_delete(SLOT_SELF, master_slot(b, full));
	}
}

/* Hand a copy of b's master (FULL or SPEND) to the requester's CNode at index. */
static long
masters_give(struct request *r, uint16_t b, unsigned full, unsigned long index)
{
	if (!r->cap)
		return TALLY_ERR_INVALID_CAPABILITY;
	return tally_cnode_copy(SLOT_RECV, index, master_slot(b, full), 64,
				TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT);
}

/* ---- buying and freeing objects ---- */

static unsigned
log2_of(unsigned long v)
{
	unsigned n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/*
 * Which current chunk an object of 2^bits bytes goes in: objects smaller
 * than a page apart from those of a page or more (less padding), and those
 * that do not fit a small chunk (an Untyped must be smaller than its
 * parent) in big ones.
 */
static unsigned
object_class(unsigned bits)
{
	if (bits < 12)
		return 0;
	return bits < SMALL_BITS ? 1 : 2;
}

/*
 * Make up to `count` objects of 2^bits bytes for bank b in one chunk,
 * into consecutive slots from index; *made counts them. Returns an error,
 * and for NO_MEMORY fills the answer's detail.
 */
static long
alloc_some(struct request *r, unsigned long type, unsigned long size_bits, unsigned bits,
	   unsigned long index, unsigned long count, unsigned long *made)
{
	unsigned class = object_class(bits);
	uint16_t b = r->bank, c = banks[b].cur[class], over;
	unsigned long size = 1ul << bits, cbytes = class == 2 ? 1ul << BIG_BITS : 1ul << SMALL_BITS;
	unsigned long start = 0, k, before = 0;
	long err;

	if (c != NONE) {
		start = (chunks[c].wm + size - 1) & ~(size - 1);
		before = chunks[c].wm;
		if (start + size > cbytes)
			c = NONE, start = 0, before = 0;
	}
	k = (cbytes - start) / size;
	if (k > count)
		k = count;
	over = bank_over(b, start + k * size - before);
	if (over != NONE) {
		answer_err(r, TALLY_ERR_NO_MEMORY, over, k * size,
			   banks[over].limit - banks[over].use);
		return TALLY_ERR_NO_MEMORY;
	}
	if (c == NONE) {
		c = pool_take(class == 2);
		if (c == NONE) {
			answer_err(r, TALLY_ERR_NO_MEMORY, 0, k * size, 0);
			return TALLY_ERR_NO_MEMORY;
		}
		bank_adopt(b, c, class);
	}
	err = tally_untyped_retype(chunk_slot(c), type, size_bits, SLOT_RECV, index, k);
	if (err) {
		if (!chunks[c].live)
			bank_release(b, c);
		return err;
	}
	chunks[c].wm = (uint32_t)(start + k * size);
	chunks[c].live += (uint32_t)k;
	bank_charge(b, (long)(start + k * size - before), (unsigned)type, (long)(k * size), (long)k);
	*made += k;
	return TALLY_OK;
}

/* ALLOC: MR0 type, MR1 size_bits, MR2 index, MR3 count; the CNode came with it. */
static void
do_alloc(struct request *r)
{
	unsigned long type = r->m.mr[0], size_bits = r->m.mr[1], index = r->m.mr[2];
	unsigned long count = r->m.mr[3], bytes = tally_object_bytes(type, size_bits), made = 0;
	unsigned bits = log2_of(bytes);
	long err = TALLY_OK;

	if (!r->cap)
		err = TALLY_ERR_INVALID_CAPABILITY;
	else if (!bytes)
		err = TALLY_ERR_INVALID_ARGUMENT;
	else if (bits > BIG_BITS || (type == TALLY_OBJ_UNTYPED && bits >= BIG_BITS) ||
		 count == 0 || count > TALLY_RETYPE_MAX_COUNT)
		err = TALLY_ERR_RANGE;
	while (!err && made < count)
		err = alloc_some(r, type, size_bits, bits, index + made, count - made, &made);
	if (err == TALLY_ERR_NO_MEMORY) {
		r->m.mr[0] = made;   /* the detail is in the answer already */
		return;
	}
	answer(r, err, 1, &made);
}

/* FREE: MR0 index of the object's original capability in the CNode that came with it. */
static long
do_free(struct request *r)
{
	unsigned long index = r->m.mr[0], bytes;
	struct tally_slot_info si;
	uint16_t c;

	if (!r->cap)
		return TALLY_ERR_INVALID_CAPABILITY;
	if (tally_cnode_inspect(SLOT_RECV, index, &si) != TALLY_OK || si.type == TALLY_OBJ_NULL)
		return TALLY_ERR_LOOKUP_FAILED;

	bytes = tally_object_bytes(si.type, si.type == TALLY_OBJ_UNTYPED ||
				   si.type == TALLY_OBJ_CNODE ? si.word : 0);
	c = pool_chunk_at(si.paddr);
	if (!(si.flags & TALLY_INSPECT_ORIGINAL) || !bytes || c == NONE ||
	    chunks[c].state != CH_OWNED || chunks[c].owner != r->bank)
		return TALLY_ERR_INVALID_ARGUMENT;   /* not an object this bank made */
	if (tally_cnode_revoke(SLOT_RECV, index) != TALLY_OK ||
	    tally_cnode_delete(SLOT_RECV, index) != TALLY_OK)
		return TALLY_ERR_INVALID_CAPABILITY;
	bank_charge(r->bank, 0, (unsigned)si.type, -(long)bytes, -1);
	if (--chunks[c].live == 0)
		bank_release(r->bank, c);
	return TALLY_OK;
}

/* CREATE: MR0 limit, MR1 index. */
static long
do_create(struct request *r)
{
	unsigned long limit = r->m.mr[0], index = r->m.mr[1];
	uint16_t b = r->bank, n;
	long err;

	if (!r->cap)
		return TALLY_ERR_INVALID_CAPABILITY;
	if (limit > banks[b].limit || banks[b].depth + 1 >= MAX_DEPTH)
		return TALLY_ERR_RANGE;
	n = bank_new(b, limit);
	if (n == NONE)
		return TALLY_ERR_NO_MEMORY;
	err = masters_make(n);
	if (!err)
		err = masters_give(r, n, 1, index);
	if (err) {
		masters_revoke(n);
		bank_forget(n);
		return err;
	}
	r->m.mr[0] = n;
	return TALLY_OK;
}

static void
do_info(struct request *r)
{
	const struct bank *k = &banks[r->bank];
	unsigned long w[6 + TALLY_OBJ_COUNT] = { k->limit, k->use, k->peak, k->objects, r->bank,
						 k->parent };
	unsigned t;

	for (t = 0; t < TALLY_OBJ_COUNT; t++)
		w[6 + t] = k->bytes[t];
	answer(r, TALLY_OK, 6 + TALLY_OBJ_COUNT, w);
}

/* TREE: MR0 nodes to skip; then up to TALLY_BANK_TREE_MAX nodes, depth first. */
static void
do_tree(struct request *r)
{
	static unsigned long w[TALLY_MSG_MAX];
	unsigned long skip = r->m.mr[0], total = 0, n = 0;
	uint16_t top = r->bank, x;

	for (x = top; x != NONE; x = bank_walk(x, top), total++) {
		const struct bank *k = &banks[x];
		unsigned long *e = &w[2 + n * TALLY_BANK_NODE_WORDS];

		if (total < skip || n == TALLY_BANK_TREE_MAX)
			continue;
		e[0] = x | (unsigned long)(x == top ? x : k->parent) << 16 |
		       (unsigned long)(k->depth - banks[top].depth) << 32;
		e[1] = k->limit;
		e[2] = k->use;
		e[3] = k->peak;
		e[4] = k->objects;
		e[5] = k->state;
		n++;
	}
	w[0] = n;
	w[1] = total;
	answer(r, TALLY_OK, 2 + n * TALLY_BANK_NODE_WORDS, w);
}

/* ---- destruction ---- */

/* A destruction in progress: its banks' chunks, still to be revoked. */
struct job {
	uint16_t bank;
	uint16_t chunks;      /* linked through next */
	uint16_t reply;       /* the Reply holding the destroyer's answer */
};

static struct job jobs[REPLIES];
static unsigned job_head, job_count;

/* Mark b's subtree dying: nothing more is bought, capabilities go, watchers learn. */
static uint16_t
destroy_begin(uint16_t b)
{
	uint16_t x, list = NONE;

	for (x = b; x != NONE; x = bank_walk(x, b)) {
		uint16_t c, next;

		if (banks[x].state != B_ALIVE)
			continue;   /* dying already, with its own job */
		banks[x].state = B_DYING;
		masters_revoke(x);
		watch_fire(x);
		for (c = banks[x].chunks; c != NONE; c = next) {
			next = chunks[c].next;
			chunks[c].state = CH_DYING;
			chunks[c].next = list;
			list = c;
		}
		banks[x].chunks = NONE;
	}
	return list;
}

/* One step of the oldest job: revoke one chunk, or finish. True when the job ended. */
static bool
destroy_step(void)
{
	struct job *j = &jobs[job_head];
	uint16_t c = j->chunks;
	struct tally_msg m = { .info = tally_msginfo(TALLY_OK, 0, 0) };

	if (c != NONE) {
		j->chunks = chunks[c].next;
		tally_cnode_revoke(SLOT_SELF, chunk_slot(c));
		pool_give(c);
		return false;
	}
	bank_forget(j->bank);
	if (j->reply != NONE) {
		tally_reply(reply_slot(j->reply), &m);
		reply_free[nreply_free++] = j->reply;
	}
	job_head = (job_head + 1) % REPLIES;
	job_count--;
	return true;
}

static long
do_destroy(struct request *r)
{
	struct job *j;

	if (!r->full)
		return TALLY_ERR_INVALID_CAPABILITY;
	if (r->bank == 0)
		return TALLY_ERR_INVALID_ARGUMENT;   /* the root bank is the pool itself */
	j = &jobs[(job_head + job_count++) % REPLIES];
	*j = (struct job){ r->bank, destroy_begin(r->bank), NONE };
	if (nreply_free == 0) {
		/* no Reply to park the answer in: finish every job now */
		while (job_count)
			destroy_step();
		return TALLY_OK;
	}
	j->reply = reply_cur;
	reply_cur = reply_free[--nreply_free];
	return DEFERRED;
}

/* ---- the server's owner ---- */

static long
do_pool(struct request *r)
{
	struct tally_bank_pool p;
	unsigned long i;

	pool_stats(&p);
	p.banks = 0;
	for (i = 0; i < MAX_BANKS; i++)
		p.banks += banks[i].state == B_ALIVE;
	p.destroying = 0;
	for (i = 0; i < job_count; i++) {
		uint16_t c;

		for (c = jobs[(job_head + i) % REPLIES].chunks; c != NONE; c = chunks[c].next)
			p.destroying++;
		p.destroying++;   /* and its end */
	}
	answer(r, TALLY_OK, 6, (const unsigned long *)&p);
	return ANSWERED;
}

/* ---- the loop ---- */

/* Who sent r: its bank (NONE: the owner), or OBJECT_DELETED for a bank that is gone. */
static long
request_bank(struct request *r)
{
	unsigned long badge = r->m.badge, b = (badge >> 1) & 0xffff;

	r->full = badge & 1;
	if (!badge) {
		r->bank = NONE;
		return TALLY_OK;
	}
	if (b >= MAX_BANKS || banks[b].state != B_ALIVE || banks[b].gen != badge >> 17)
		return TALLY_ERR_OBJECT_DELETED;
	r->bank = (uint16_t)b;
	return TALLY_OK;
}

/* The owner's requests: ROOT and POOL. */
static long
handle_owner(struct request *r, unsigned long label)
{
	if (label == TALLY_BANK_ROOT) {
		r->bank = 0;
		return masters_give(r, 0, 1, r->m.mr[0]);
	}
	if (label == TALLY_BANK_POOL)
		return do_pool(r);
	return TALLY_ERR_INVALID_ARGUMENT;
}

/* Handle one request; the answer is left in r->m unless it is DEFERRED. */
static int
handle(struct request *r)
{
	unsigned long label = tally_msginfo_label(r->m.info);
	long err = request_bank(r);

	r->m.info = tally_msginfo(0, 0, 0);
	if (!err && r->bank == NONE)
		err = handle_owner(r, label);
	else if (!err && label == TALLY_BANK_ALLOC) {
		do_alloc(r);
		return ANSWERED;
	} else if (!err && label == TALLY_BANK_INFO) {
		do_info(r);
		return ANSWERED;
	} else if (!err && label == TALLY_BANK_TREE) {
		do_tree(r);
		return ANSWERED;
	} else if (!err && label == TALLY_BANK_FREE)
		err = do_free(r);
	else if (!err && label == TALLY_BANK_CREATE)
		err = do_create(r);
	else if (!err && label == TALLY_BANK_MINT_SPEND)
		err = masters_give(r, r->bank, 0, r->m.mr[0]);
	else if (!err && label == TALLY_BANK_WATCH)
		err = do_watch(r);
	else if (!err && label == TALLY_BANK_DESTROY)
		err = do_destroy(r);
	else if (!err)
		err = TALLY_ERR_INVALID_ARGUMENT;
	if (err == DEFERRED)
		return DEFERRED;
	if (err || tally_msginfo_length(r->m.info) == 0)
		r->m.info = tally_msginfo((unsigned long)err, err ? 0 : 1, 0);
	return ANSWERED;
}

static bool
setup(void)
{
	unsigned long bytes;
	uint16_t i;

	if (tally_bootinfo->first_free_slot > SLOT_FIRST)
		return false;
	if (tally_untyped_retype(SLOT_OWN, TALLY_OBJ_REPLY, 0, SLOT_SELF, REPLY_BASE, REPLIES))
		return false;
	for (i = 1; i < REPLIES; i++)
		reply_free[nreply_free++] = i;
	reply_cur = 0;
	for (i = MAX_WATCH; i-- > 0;) {
		watches[i].next = watch_free;
		watch_free = i;
	}
	bytes = pool_init();
	bank_init_root(bytes);
	tally_ipcbuf()->recv_slot = SLOT_RECV;
	return masters_make(0) == TALLY_OK;
}

/*
 * Take the next request: wait for one; or, while destructions go on, do
 * one step and then take one waiting request, if any. Steps and requests
 * alternate, so a request waits for one chunk's revocation at most, and a
 * stream of requests does not stop a destruction.
 */
static void
next_request(struct request *r)
{
	long err;

	for (;;) {
		if (!job_count) {
			err = tally_recv(SLOT_EP, reply_slot(reply_cur), &r->m);
		} else {
			destroy_step();
			err = tally_nbrecv(SLOT_EP, reply_slot(reply_cur), &r->m);
		}
		if (!err)
			return;
	}
}

int
main(const struct tally_bootinfo *bi)
{
	struct request r;
	bool have = false;

	if (bi->thread_index != ~0ul)
		return 0;   /* started by the kernel, not built by the root task */
	if (!setup()) {
		printf("bank: setup failed\n");
		return 1;
	}
	for (;;) {
		if (!have)
			next_request(&r);
		r.cap = tally_msginfo_caps(r.m.info) != 0;
		have = false;
			if (handle(&r) == DEFERRED) {
			tally_cnode_delete(SLOT_SELF, SLOT_RECV);
			continue;
		}
		if (r.cap)
			tally_cnode_delete(SLOT_SELF, SLOT_RECV);
		if (job_count) {
			tally_reply(reply_slot(reply_cur), &r.m);
			tally_yield();   /* a client of the server's priority may ask again at once */
		} else
			have = tally_reply_recv(SLOT_EP, reply_slot(reply_cur), &r.m) == TALLY_OK;
	}
}
