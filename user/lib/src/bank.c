/* The space bank's client stubs: see <libtally/bank.h> and docs/banks.md. */
#include <libtally/bank.h>
#include <libtally/ipc.h>
#include <libtally/process.h>
#include <libtally/start.h>
#include <libtally/thread.h>

unsigned long tally_bank_detail[4];

struct tally_ipc_buffer *
tally_ipcbuf(void)
{
	/* the builder's processes and the kernel's boot tasks keep it in different places */
	if (tally_bootinfo && tally_bootinfo->thread_index == ~0ul)
		return (struct tally_ipc_buffer *)TALLY_PROC_IPC_BUFFER;
	return (struct tally_ipc_buffer *)TALLY_BOOT_IPC_BUFFER;
}

/*
 * Call the bank with `label` and words in[0..n), carrying capability `cap`
 * (0: none). The answer's words land in *m; returns its label (the bank's
 * result) or the call's own error.
 */
static long
bank_call(unsigned long bank, unsigned long label, const unsigned long *in, unsigned long n,
	  unsigned long cap, struct tally_msg *m)
{
	unsigned long i;
	long err;

	for (i = 0; i < TALLY_MSG_REGS; i++)
		m->mr[i] = i < n ? in[i] : 0;
	m->info = tally_msginfo(label, n, cap ? 1 : 0);
	if (cap)
		tally_ipcbuf()->cap = cap;
	err = tally_call(bank, m);
	if (err)
		return err;
	err = (long)tally_msginfo_label(m->info);
	if (err)
		for (i = 0; i < 4; i++)
			tally_bank_detail[i] = m->mr[i];
	return err;
}

long
tally_bank_alloc_n(unsigned long bank, unsigned long type, unsigned long size_bits,
		   unsigned long cnode, unsigned long index, unsigned long count,
		   unsigned long *made)
{
	const unsigned long in[4] = { type, size_bits, index, count };
	struct tally_msg m;
	long err = bank_call(bank, TALLY_BANK_ALLOC, in, 4, cnode, &m);

	if (made)
		*made = err == TALLY_OK || err == TALLY_ERR_NO_MEMORY ? m.mr[0] : 0;
	return err;
}

long
tally_bank_free(unsigned long bank, unsigned long cnode, unsigned long index)
{
	struct tally_msg m;

	return bank_call(bank, TALLY_BANK_FREE, &index, 1, cnode, &m);
}

long
tally_bank_create(unsigned long bank, unsigned long limit, unsigned long cnode,
		  unsigned long index)
{
	const unsigned long in[2] = { limit, index };
	struct tally_msg m;

	return bank_call(bank, TALLY_BANK_CREATE, in, 2, cnode, &m);
}

long
tally_bank_mint_spend(unsigned long bank, unsigned long cnode, unsigned long index)
{
	struct tally_msg m;

	return bank_call(bank, TALLY_BANK_MINT_SPEND, &index, 1, cnode, &m);
}

long
tally_bank_destroy(unsigned long bank)
{
	struct tally_msg m;

	return bank_call(bank, TALLY_BANK_DESTROY, 0, 0, 0, &m);
}

long
tally_bank_info(unsigned long bank, struct tally_bank_info *out)
{
	struct tally_ipc_buffer *b = tally_ipcbuf();
	struct tally_msg m;
	unsigned long i, *w = (unsigned long *)out;
	long err = bank_call(bank, TALLY_BANK_INFO, 0, 0, 0, &m);

	if (err)
		return err;
	for (i = 0; i < sizeof(*out) / sizeof(*w); i++)
		w[i] = i < TALLY_MSG_REGS ? m.mr[i] : b->mr[i];
	return TALLY_OK;
}

long
tally_bank_watch(unsigned long bank, unsigned long ntfn)
{
	struct tally_msg m;

	return bank_call(bank, TALLY_BANK_WATCH, 0, 0, ntfn, &m);
}

/* Word i of the last answer: registers first, then the IPC buffer. */
static unsigned long
answer_word(const struct tally_msg *m, unsigned long i)
{
	return i < TALLY_MSG_REGS ? m->mr[i] : tally_ipcbuf()->mr[i];
}

long
tally_bank_tree(unsigned long bank, unsigned long skip, struct tally_bank_node *out,
		unsigned long max, unsigned long *n, unsigned long *total)
{
	struct tally_msg m;
	unsigned long i, got;
	long err = bank_call(bank, TALLY_BANK_TREE, &skip, 1, 0, &m);

	*n = 0;
	if (err)
		return err;
	got = m.mr[0] < max ? m.mr[0] : max;
	for (i = 0; i < got; i++) {
		unsigned long w = 2 + i * TALLY_BANK_NODE_WORDS, id = answer_word(&m, w);

		out[i] = (struct tally_bank_node){
			.id = id & 0xffff, .parent = (id >> 16) & 0xffff, .depth = id >> 32,
			.limit = answer_word(&m, w + 1), .use = answer_word(&m, w + 2),
			.peak = answer_word(&m, w + 3), .objects = answer_word(&m, w + 4),
		};
	}
	*n = got;
	*total = m.mr[1];
	return TALLY_OK;
}

long
tally_bank_root(unsigned long server, unsigned long cnode, unsigned long index)
{
	struct tally_msg m;

	return bank_call(server, TALLY_BANK_ROOT, &index, 1, cnode, &m);
}

long
tally_bank_pool(unsigned long server, struct tally_bank_pool *out)
{
	struct tally_msg m;
	long err = bank_call(server, TALLY_BANK_POOL, 0, 0, 0, &m);

	if (!err)
		*out = (struct tally_bank_pool){ m.mr[0], m.mr[1], m.mr[2], m.mr[3], m.mr[4],
						 m.mr[5] };
	return err;
}

unsigned long
tally_object_bytes(unsigned long type, unsigned long size_bits)
{
	static const unsigned char fixed[TALLY_OBJ_COUNT] = {
		[TALLY_OBJ_THREAD] = TALLY_THREAD_BITS,
		[TALLY_OBJ_ENDPOINT] = TALLY_ENDPOINT_BITS,
		[TALLY_OBJ_NOTIFICATION] = TALLY_NOTIFICATION_BITS,
		[TALLY_OBJ_REPLY] = TALLY_REPLY_BITS,
		[TALLY_OBJ_SCHED_CONTEXT] = TALLY_SCHED_CONTEXT_BITS,
		[TALLY_OBJ_FRAME_4K] = 12,
		[TALLY_OBJ_FRAME_2M] = 21,
		[TALLY_OBJ_PML4] = TALLY_PAGE_TABLE_BITS,
		[TALLY_OBJ_PDPT] = TALLY_PAGE_TABLE_BITS,
		[TALLY_OBJ_PD] = TALLY_PAGE_TABLE_BITS,
		[TALLY_OBJ_PT] = TALLY_PAGE_TABLE_BITS,
	};

	if (type == TALLY_OBJ_UNTYPED)
		return size_bits >= TALLY_UNTYPED_BITS_MIN && size_bits <= TALLY_UNTYPED_BITS_MAX ?
			       1ul << size_bits : 0;
	if (type == TALLY_OBJ_CNODE)
		return size_bits >= TALLY_CNODE_RADIX_MIN && size_bits <= TALLY_CNODE_RADIX_MAX ?
			       1ul << (size_bits + TALLY_CNODE_SLOT_BITS) : 0;
	if (type >= TALLY_OBJ_COUNT || size_bits || !fixed[type])
		return 0;
	return 1ul << fixed[type];
}

long
tally_thread_buy(unsigned long bank, unsigned long slot, const struct tally_thread_spec *spec)
{
	long err = tally_bank_alloc(bank, TALLY_OBJ_THREAD, 0, TALLY_SLOT_ROOT_CNODE, slot);

	if (!err)
		err = tally_tcb_configure(slot, TALLY_SLOT_ROOT_CNODE, TALLY_SLOT_ROOT_VSPACE,
					  spec->ipcbuf_frame, spec->ipcbuf_addr, spec->fault_ep);
	if (!err)
		err = tally_tcb_set_priority(slot, spec->prio);
	if (!err && spec->sc)
		err = tally_tcb_set_sched_context(slot, spec->sc);
	if (!err)
		err = tally_tcb_start(slot, spec->fn, spec->arg, spec->stack_top);
	return err;
}
