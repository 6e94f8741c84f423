/*
 * The space bank server's insides (docs/banks.md). One thread serves every
 * request; a bank's destruction is cut into steps (one chunk each) between
 * which it serves other banks' requests.
 *
 * Memory comes as chunks: Untypeds of 2 MiB ("big") that the root task
 * carved into the server's CNode, and 64 KiB ones ("small") that the
 * server carves from a big chunk, 32 at a time, when it needs them. A
 * chunk belongs to one bank at a time and every object of a bank is made
 * from its own chunks, so destroying a bank is revoking its chunks, and
 * every chunk comes back whole, however the banks' allocations interleaved.
 */
#ifndef USER_BANK_BANK_H
#define USER_BANK_BANK_H

#include <stdbool.h>
#include <stdint.h>
#include <libtally/bank.h>

/* ---- the server's CNode (radix BANK_RADIX; cptr n is slot n) ---- */

#define BANK_RADIX     TALLY_BANK_SERVER_RADIX
#define SLOT_SELF      1        /* its own CNode (TALLY_PROC_SLOT_CNODE) */
#define SLOT_EP        TALLY_BANK_SERVER_EP    /* every bank capability is minted from it */
#define SLOT_OWN       TALLY_BANK_SERVER_OWN   /* a small Untyped for the server's own objects */
#define SLOT_RECV      10       /* where a request's capability arrives */
#define SLOT_FIRST     1024     /* the builder's slots end below this */
#define REPLY_BASE     1024     /* Reply objects: the current one and deferred answers */
#define REPLIES        16
#define WATCH_BASE     (REPLY_BASE + REPLIES)
#define MAX_WATCH      480
#define MASTER_BASE    1536     /* two capabilities per bank: FULL, then SPEND */
#define MAX_BANKS      1280
#define BIG_BASE       TALLY_BANK_SERVER_CHUNKS
#define MAX_BIG        TALLY_BANK_SERVER_MAX_CHUNKS
#define SMALL_BASE     (BIG_BASE + MAX_BIG)
#define SMALL_PER_BIG  32

#define NONE           0xffff

_Static_assert(MASTER_BASE + 2 * MAX_BANKS <= BIG_BASE, "bank capabilities overlap chunks");
_Static_assert(SMALL_BASE + MAX_BIG * SMALL_PER_BIG <= (1 << BANK_RADIX), "the CNode is too small");

/* ---- chunks (pool.c) ---- */

#define SMALL_BITS     16
#define BIG_BITS       21
#define MAX_CHUNKS     (MAX_BIG + MAX_BIG * SMALL_PER_BIG)

enum chunk_state {
	CH_ABSENT = 0,   /* a small chunk of a big one that is not split */
	CH_FREE,         /* in the pool */
	CH_OWNED,        /* a bank's */
	CH_DYING,        /* its bank is being destroyed; revoked soon */
	CH_SPLIT,        /* a big chunk carved into small ones */
};

/*
 * A chunk's record. `next` and `prev` link it into the pool's free list or
 * its bank's list (a dying chunk: its job's list, through next only). The
 * watermark mirrors the kernel's: objects are placed at it, aligned to
 * their size; the bank is charged for it, since the kernel gives the bytes
 * below it back only when every object there is gone.
 */
struct chunk {
	uint16_t owner;
	uint16_t next, prev;
	uint8_t state;
	uint8_t class;      /* the bank's current-chunk class it serves */
	uint32_t live;      /* objects made from it and not freed */
	uint32_t wm;        /* bytes used from its start */
};

extern struct chunk chunks[MAX_CHUNKS];

bool chunk_is_big(uint16_t c);
unsigned long chunk_bytes(uint16_t c);
unsigned long chunk_slot(uint16_t c);

/* Find the big chunks the root task gave; returns the bytes they hold. */
unsigned long pool_init(void);
/* A free chunk, big or small (small ones carved as needed); NONE if the pool is out. */
uint16_t pool_take(bool big);
/* Give back chunk c, which holds no object any more. */
void pool_give(uint16_t c);
/* The chunk that holds physical address pa, NONE if none does. */
uint16_t pool_chunk_at(unsigned long pa);
void pool_stats(struct tally_bank_pool *out);

/* ---- banks (tree.c) ---- */

enum bank_state { B_FREE = 0, B_ALIVE, B_DYING };

#define CLASSES 3        /* objects below 4 KiB, up to 32 KiB (small chunks), larger (big) */
#define MAX_DEPTH 32

/*
 * A bank. Its figures include its sub-banks': an object bought from a bank
 * is charged to it and to every ancestor, so each limit holds for the
 * whole subtree. The tree links are indices into banks[].
 */
struct bank {
	uint32_t gen;            /* in the badges of its capabilities; changes when it is freed */
	uint8_t state;
	uint8_t depth;
	uint16_t parent, first_child, next_sibling, prev_sibling;
	uint16_t chunks;         /* its chunks (list head) */
	uint16_t cur[CLASSES];   /* the chunk each class of objects is placed in now */
	uint16_t watch;          /* notifications to signal when it dies (list head) */
	unsigned long limit, use, peak, objects;
	unsigned long bytes[TALLY_OBJ_COUNT];
};

extern struct bank banks[MAX_BANKS];

/* The root bank, holding the whole pool. */
void bank_init_root(unsigned long bytes);
/* A new bank under `parent` with `limit`; NONE if none is free. */
uint16_t bank_new(uint16_t parent, unsigned long limit);
/* The first bank from b up to the root whose limit `more` bytes would pass, or NONE. */
uint16_t bank_over(uint16_t b, unsigned long more);
/* Add to b's figures and every ancestor's: use, bytes of type, objects. */
void bank_charge(uint16_t b, long use, unsigned type, long bytes, long objects);
/* Take chunk c for b, as the current chunk of `class`. */
void bank_adopt(uint16_t b, uint16_t c, unsigned class);
/* c, a chunk of b's, holds no live object: its bytes go back to the pool. */
void bank_release(uint16_t b, uint16_t c);
/* The bank after x in a depth-first walk of top's subtree, or NONE. */
uint16_t bank_walk(uint16_t x, uint16_t top);
/* b's subtree is destroyed and its chunks revoked: credit the ancestors, free the records. */
void bank_forget(uint16_t b);

/* The badge of a capability to bank b, FULL or SPEND. */
static inline unsigned long
bank_badge(uint16_t b, unsigned full)
{
	return (unsigned long)banks[b].gen << 17 | (unsigned long)b << 1 | full;
}

static inline unsigned long
master_slot(uint16_t b, unsigned full)
{
	return MASTER_BASE + 2ul * b + (full ? 0 : 1);
}

#endif
