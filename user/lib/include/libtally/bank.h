/*
 * libtally: the space bank's protocol and its client stubs.
 *
 * The space bank (user/bank) holds the system's untyped memory and sells
 * kernel objects on a bank's account. Banks form a tree; each has a limit in
 * bytes and reports its use. A bank capability is a badged capability to
 * the bank server's endpoint: FULL (spend, make sub-banks, destroy) or
 * SPEND (everything but destroy). Destroying a bank destroys every object
 * bought from it and from its sub-banks, makes every capability to them
 * and to the banks unusable, and gives every byte back to the parent. See
 * docs/banks.md.
 *
 * Requests are calls on the bank capability with a label below; the answer's
 * label is the result (enum tally_error) and its words the results. A
 * request that puts a capability somewhere names a CNode of the caller's
 * (`cnode`, a cptr in the caller's CSpace with WRITE) and an index in it;
 * the CNode capability travels with the request (it needs the caller's IPC
 * buffer, tally_ipcbuf()), so the bank capability needs GRANT.
 */
#ifndef LIBTALLY_BANK_H
#define LIBTALLY_BANK_H

#include <tally/cap.h>
#include <tally/ipc.h>

enum tally_bank_label {
	/* MR0 type, MR1 size_bits, MR2 index, MR3 count (1..256); cap: the CNode.
	 * Makes count objects in consecutive slots from index. Results: MR0
	 * objects made (some may be made when a later one fails). NO_MEMORY:
	 * MR1 the bank whose limit it would pass (its id), MR2 bytes asked,
	 * MR3 bytes left there (or 0 when the bank server itself is out). */
	TALLY_BANK_ALLOC = 1,
	/* MR0 index; cap: the CNode holding the object's original capability
	 * (as ALLOC made it). Deletes the object and every copy of it. */
	TALLY_BANK_FREE,
	/* MR0 limit (at most this bank's), MR1 index; cap: the CNode. Puts a
	 * FULL capability to a new sub-bank there. Results: MR0 its id. */
	TALLY_BANK_CREATE,
	/* MR0 index; cap: the CNode. Puts a SPEND capability to this bank there. */
	TALLY_BANK_MINT_SPEND,
	/* FULL only. Destroys the bank and its sub-banks; answered when every
	 * object is gone and every byte is back with the parent. */
	TALLY_BANK_DESTROY,
	/* Results: words as struct tally_bank_info (6 + TALLY_OBJ_COUNT). */
	TALLY_BANK_INFO,
	/* MR0 skip. Results: MR0 nodes in this answer, MR1 nodes in the
	 * subtree, then TALLY_BANK_NODE_WORDS words per node, depth first. */
	TALLY_BANK_TREE,
	/* cap: a notification (WRITE). The bank signals it (with its badge)
	 * when the bank is destroyed, on its own or with an ancestor. */
	TALLY_BANK_WATCH,
	/* The server's owner only (the unbadged endpoint): MR0 index; cap: the
	 * CNode. Puts a FULL capability to the root bank there. */
	TALLY_BANK_ROOT,
	/* The server's owner only: results as struct tally_bank_pool. */
	TALLY_BANK_POOL,
	TALLY_BANK_LABEL_COUNT
};

/* The two kinds of bank capability. */
#define TALLY_BANK_FULL   1
#define TALLY_BANK_SPEND  0

/* What a bank reports: all figures include its sub-banks. */
struct tally_bank_info {
	unsigned long limit;      /* bytes it may hold */
	unsigned long use;        /* bytes it holds: objects, and what they left unusable */
	unsigned long peak;       /* highest use so far */
	unsigned long objects;    /* objects bought and not freed */
	unsigned long id, parent; /* its id and its parent's (the root is its own parent) */
	unsigned long bytes[TALLY_OBJ_COUNT];   /* bytes in live objects, by type */
};

/* One bank in a TALLY_BANK_TREE answer. */
struct tally_bank_node {
	unsigned long id, parent, depth;
	unsigned long limit, use, peak, objects;
};
#define TALLY_BANK_NODE_WORDS 6   /* id | parent << 16 | depth << 32, then the rest */
#define TALLY_BANK_TREE_MAX ((TALLY_MSG_MAX - 2) / TALLY_BANK_NODE_WORDS)

/* The bank server's pool (TALLY_BANK_POOL). */
struct tally_bank_pool {
	unsigned long free;       /* bytes in no object, as the kernel reports each chunk */
	unsigned long total;      /* bytes the server holds for banks */
	unsigned long chunks_free;/* whole 2 MiB chunks free */
	unsigned long small_free; /* 64 KiB chunks free (of split 2 MiB ones) */
	unsigned long banks;      /* banks alive */
	unsigned long destroying; /* steps of destructions still to do (a chunk each, and an end) */
};

/* The calling thread's IPC buffer (libtally sets it up at start). */
struct tally_ipc_buffer *tally_ipcbuf(void);

long tally_bank_alloc_n(unsigned long bank, unsigned long type, unsigned long size_bits,
			unsigned long cnode, unsigned long index, unsigned long count,
			unsigned long *made);

/* One object of `type` into slot `index` of CNode `cnode`. */
static inline long
tally_bank_alloc(unsigned long bank, unsigned long type, unsigned long size_bits,
		 unsigned long cnode, unsigned long index)
{
	return tally_bank_alloc_n(bank, type, size_bits, cnode, index, 1, 0);
}

long tally_bank_free(unsigned long bank, unsigned long cnode, unsigned long index);
long tally_bank_create(unsigned long bank, unsigned long limit, unsigned long cnode,
		       unsigned long index);
long tally_bank_mint_spend(unsigned long bank, unsigned long cnode, unsigned long index);
long tally_bank_destroy(unsigned long bank);
long tally_bank_info(unsigned long bank, struct tally_bank_info *out);
long tally_bank_watch(unsigned long bank, unsigned long ntfn);
/* Up to max nodes of bank's subtree after the first `skip`; *n nodes filled, *total in all. */
long tally_bank_tree(unsigned long bank, unsigned long skip, struct tally_bank_node *out,
		     unsigned long max, unsigned long *n, unsigned long *total);
long tally_bank_root(unsigned long server, unsigned long cnode, unsigned long index);
long tally_bank_pool(unsigned long server, struct tally_bank_pool *out);

/* The error words of the last failed request of this address space (MR0..MR3). */
extern unsigned long tally_bank_detail[4];

/* Bytes of one object of type with size_bits (0 if it cannot be made). */
unsigned long tally_object_bytes(unsigned long type, unsigned long size_bits);

/* How a thread bought with tally_thread_buy starts. */
struct tally_thread_spec {
	unsigned long prio;
	unsigned long fault_ep;        /* a cptr, 0 for none */
	unsigned long ipcbuf_frame;    /* the frame of its IPC buffer (0: none), */
	unsigned long ipcbuf_addr;     /* and the buffer's address */
	void (*fn)(unsigned long);     /* it runs fn(arg), which must not return, */
	unsigned long arg;
	void *stack_top;               /* on the stack ending here */
	unsigned long sc;              /* a scheduling context to run on (0: none, passive) */
};

/*
 * A thread bought from `bank` into the caller's slot `slot`, in the
 * caller's CSpace and address space (slots 1 and 2, as in the root task
 * and in processes), started as spec says. Programs make their threads
 * here, so that what every thread needs is given in one place.
 */
long tally_thread_buy(unsigned long bank, unsigned long slot, const struct tally_thread_spec *spec);

/* ---- starting the bank server (root task) ---- */

/* The server's CNode: what its builder puts where (user/bank/bank.h has the rest). */
#define TALLY_BANK_SERVER_RADIX   14
#define TALLY_BANK_SERVER_EP      8      /* the endpoint bank capabilities are minted from */
#define TALLY_BANK_SERVER_OWN     9      /* an Untyped of 2^16 for the server's own objects */
#define TALLY_BANK_SERVER_CHUNKS  4096   /* 2 MiB Untypeds from here on, */
#define TALLY_BANK_SERVER_MAX_CHUNKS 368 /* at most this many */
#define TALLY_BANK_SERVER_BITS    22     /* the Untyped the server itself is built from */

struct tally_proc_env;
struct tally_module_desc;

/*
 * Build and start the bank server from module m, as the root task: its own
 * objects come from env->untyped; the memory it sells is carved, in 2 MiB
 * chunks, from the free part of each Untyped in untypeds[0..n). Returns
 * the server's endpoint (unbadged: its owner's) in *server and a FULL
 * capability to the root bank in *root, both caller's slots.
 */
long tally_bank_server_start(const struct tally_proc_env *env, const struct tally_module_desc *m,
			     const unsigned long *untypeds, unsigned long n, unsigned long prio,
			     unsigned long *server, unsigned long *root);

#endif
