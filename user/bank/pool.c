/*
 * The space bank's pool of chunks (bank.h). Big chunks are whole 2 MiB
 * Untypeds the root task gave; a big chunk is split into 32 small ones
 * (64 KiB) when the pool has no free small chunk, and merged back, when a
 * big one is needed and none is free, once all 32 are free again. A free
 * chunk has no object in it: the kernel resets it (zeroes what was used)
 * at its next retype.
 */
#include "bank.h"
#include <libtally/cap.h>

struct chunk chunks[MAX_CHUNKS];

static unsigned long big_paddr[MAX_BIG];
static uint8_t big_free_smalls[MAX_BIG];
static unsigned long nbig;
static uint16_t free_big = NONE, free_small = NONE;

/* Which big chunk holds each 2 MiB of physical memory (the first 16 GiB). */
#define PHYS_2M_MAX (1ul << 13)
static uint16_t big_at[PHYS_2M_MAX];

bool
chunk_is_big(uint16_t c)
{
	return c < MAX_BIG;
}

unsigned long
chunk_bytes(uint16_t c)
{
	return chunk_is_big(c) ? 1ul << BIG_BITS : 1ul << SMALL_BITS;
}

unsigned long
chunk_slot(uint16_t c)
{
	return chunk_is_big(c) ? BIG_BASE + c : SMALL_BASE + (c - MAX_BIG);
}

static uint16_t
small_of(unsigned long big, unsigned long k)
{
	return (uint16_t)(MAX_BIG + big * SMALL_PER_BIG + k);
}

static unsigned long
big_of_small(uint16_t c)
{
	return (c - MAX_BIG) / SMALL_PER_BIG;
}

/* ---- free lists (doubly linked, so a merge can take small chunks out) ---- */

static void
list_push(uint16_t *head, uint16_t c)
{
	chunks[c].prev = NONE;
	chunks[c].next = *head;
	if (*head != NONE)
		chunks[*head].prev = c;
	*head = c;
}

static void
list_remove(uint16_t *head, uint16_t c)
{
	if (chunks[c].prev != NONE)
		chunks[chunks[c].prev].next = chunks[c].next;
	else
		*head = chunks[c].next;
	if (chunks[c].next != NONE)
		chunks[chunks[c].next].prev = chunks[c].prev;
}

unsigned long
pool_init(void)
{
	struct tally_slot_info si;
	unsigned long i;

	for (i = 0; i < PHYS_2M_MAX; i++)
		big_at[i] = NONE;
	for (i = 0; i < MAX_BIG; i++) {
		if (tally_cnode_inspect(SLOT_SELF, BIG_BASE + i, &si) != TALLY_OK ||
		    si.type != TALLY_OBJ_UNTYPED || si.word != BIG_BITS ||
		    (si.paddr >> BIG_BITS) >= PHYS_2M_MAX)
			break;
		big_paddr[i] = si.paddr;
		big_at[si.paddr >> BIG_BITS] = (uint16_t)i;
	}
	nbig = i;
	while (i-- > 0) {
		chunks[i].state = CH_FREE;
		list_push(&free_big, (uint16_t)i);
	}
	return nbig << BIG_BITS;
}

/* Carve a free big chunk into small ones; false if there is none (or the kernel says no). */
static bool
pool_split(void)
{
	uint16_t b = free_big;
	unsigned long k;

	if (b == NONE)
		return false;
	if (tally_untyped_retype(chunk_slot(b), TALLY_OBJ_UNTYPED, SMALL_BITS, SLOT_SELF,
				 chunk_slot(small_of(b, 0)), SMALL_PER_BIG) != TALLY_OK)
		return false;
	list_remove(&free_big, b);
	chunks[b].state = CH_SPLIT;
	for (k = SMALL_PER_BIG; k-- > 0;) {
		chunks[small_of(b, k)] = (struct chunk){ .owner = NONE, .state = CH_FREE };
		list_push(&free_small, small_of(b, k));
	}
	big_free_smalls[b] = SMALL_PER_BIG;
	return true;
}

/* Merge a split big chunk whose small ones are all free; false if there is none. */
static bool
pool_merge(void)
{
	unsigned long b, k;

	for (b = 0; b < nbig; b++)
		if (chunks[b].state == CH_SPLIT && big_free_smalls[b] == SMALL_PER_BIG)
			break;
	if (b == nbig)
		return false;
	for (k = 0; k < SMALL_PER_BIG; k++) {
		uint16_t c = small_of(b, k);

		list_remove(&free_small, c);
		chunks[c].state = CH_ABSENT;
		tally_cnode_delete(SLOT_SELF, chunk_slot(c));
	}
	chunks[b].state = CH_FREE;
	list_push(&free_big, (uint16_t)b);
	return true;
}

uint16_t
pool_take(bool big)
{
	uint16_t *head = big ? &free_big : &free_small, c;

	if (*head == NONE && !(big ? pool_merge() : pool_split()))
		return NONE;
	c = *head;
	list_remove(head, c);
	if (!big)
		big_free_smalls[big_of_small(c)]--;
	chunks[c] = (struct chunk){ .owner = NONE, .next = NONE, .prev = NONE,
				    .state = CH_OWNED };
	return c;
}

void
pool_give(uint16_t c)
{
	chunks[c] = (struct chunk){ .owner = NONE, .state = CH_FREE };
	if (chunk_is_big(c)) {
		list_push(&free_big, c);
		return;
	}
	list_push(&free_small, c);
	big_free_smalls[big_of_small(c)]++;
}

uint16_t
pool_chunk_at(unsigned long pa)
{
	uint16_t b = (pa >> BIG_BITS) < PHYS_2M_MAX ? big_at[pa >> BIG_BITS] : NONE;

	if (b == NONE || chunks[b].state != CH_SPLIT)
		return b;
	return small_of(b, (pa - big_paddr[b]) >> SMALL_BITS);
}

/* Bytes of chunk c in no object, as the kernel reports them. */
static unsigned long
kernel_free(uint16_t c)
{
	struct tally_slot_info si;

	if (tally_cnode_inspect(SLOT_SELF, chunk_slot(c), &si) != TALLY_OK)
		return 0;
	return si.extra;
}

void
pool_stats(struct tally_bank_pool *out)
{
	unsigned long b, k;
	uint16_t c;

	out->free = 0;
	out->total = nbig << BIG_BITS;
	out->chunks_free = 0;
	out->small_free = 0;
	for (b = 0; b < nbig; b++) {
		if (chunks[b].state != CH_SPLIT) {
			out->free += kernel_free((uint16_t)b);
			continue;
		}
		for (k = 0; k < SMALL_PER_BIG; k++)
			out->free += kernel_free(small_of(b, k));
	}
	for (c = free_big; c != NONE; c = chunks[c].next)
		out->chunks_free++;
	for (c = free_small; c != NONE; c = chunks[c].next)
		out->small_free++;
}
