/*
 * The banks: the tree, the limits and the figures (bank.h). Every figure
 * of a bank includes its sub-banks', so charging walks from the bank to
 * the root (at most MAX_DEPTH steps).
 */
#include "bank.h"

struct bank banks[MAX_BANKS];

static void
bank_clear(uint16_t b, uint16_t parent, unsigned long limit)
{
	uint32_t gen = banks[b].gen + 1;
	unsigned i;

	banks[b] = (struct bank){
		.gen = gen ? gen : 1, .state = B_ALIVE, .parent = parent, .first_child = NONE,
		.next_sibling = NONE, .prev_sibling = NONE, .chunks = NONE, .watch = NONE,
		.limit = limit,
	};
	for (i = 0; i < CLASSES; i++)
		banks[b].cur[i] = NONE;
}

void
bank_init_root(unsigned long bytes)
{
	bank_clear(0, 0, bytes);
}

uint16_t
bank_new(uint16_t parent, unsigned long limit)
{
	uint16_t b, old;

	for (b = 1; b < MAX_BANKS && banks[b].state != B_FREE; b++)
		;
	if (b == MAX_BANKS)
		return NONE;
	bank_clear(b, parent, limit);
	banks[b].depth = banks[parent].depth + 1;
	old = banks[parent].first_child;
	banks[b].next_sibling = old;
	if (old != NONE)
		banks[old].prev_sibling = b;
	banks[parent].first_child = b;
	return b;
}

uint16_t
bank_over(uint16_t b, unsigned long more)
{
	for (;;) {
		if (banks[b].use + more > banks[b].limit)
			return b;
		if (b == 0)
			return NONE;
		b = banks[b].parent;
	}
}

void
bank_charge(uint16_t b, long use, unsigned type, long bytes, long objects)
{
	for (;;) {
		struct bank *k = &banks[b];

		k->use += (unsigned long)use;
		if (k->use > k->peak)
			k->peak = k->use;
		k->bytes[type] += (unsigned long)bytes;
		k->objects += (unsigned long)objects;
		if (b == 0)
			return;
		b = k->parent;
	}
}

void
bank_adopt(uint16_t b, uint16_t c, unsigned class)
{
	chunks[c].owner = b;
	chunks[c].class = (uint8_t)class;
	chunks[c].prev = NONE;
	chunks[c].next = banks[b].chunks;
	if (banks[b].chunks != NONE)
		chunks[banks[b].chunks].prev = c;
	banks[b].chunks = c;
	banks[b].cur[class] = c;
}

void
bank_release(uint16_t b, uint16_t c)
{
	struct chunk *k = &chunks[c];

	bank_charge(b, -(long)k->wm, TALLY_OBJ_NULL, 0, 0);
	if (k->prev != NONE)
		chunks[k->prev].next = k->next;
	else
		banks[b].chunks = k->next;
	if (k->next != NONE)
		chunks[k->next].prev = k->prev;
	if (banks[b].cur[k->class] == c)
		banks[b].cur[k->class] = NONE;
	pool_give(c);
}

uint16_t
bank_walk(uint16_t x, uint16_t top)
{
	if (banks[x].first_child != NONE)
		return banks[x].first_child;
	while (x != top) {
		if (banks[x].next_sibling != NONE)
			return banks[x].next_sibling;
		x = banks[x].parent;
	}
	return NONE;
}

/* Take b out of its parent's list of children. */
static void
bank_unlink(uint16_t b)
{
	struct bank *k = &banks[b];

	if (k->prev_sibling != NONE)
		banks[k->prev_sibling].next_sibling = k->next_sibling;
	else
		banks[k->parent].first_child = k->next_sibling;
	if (k->next_sibling != NONE)
		banks[k->next_sibling].prev_sibling = k->prev_sibling;
}

void
bank_forget(uint16_t b)
{
	struct bank *k = &banks[b];
	uint16_t a = k->parent, x, next;
	unsigned t;

	/* b's figures are its subtree's: the ancestors get all of them back */
	for (;;) {
		banks[a].use -= k->use;
		for (t = 0; t < TALLY_OBJ_COUNT; t++)
			banks[a].bytes[t] -= k->bytes[t];
		banks[a].objects -= k->objects;
		if (a == 0)
			break;
		a = banks[a].parent;
	}
	bank_unlink(b);
	k->next_sibling = NONE;   /* the walk below stays in b's subtree */
	for (x = b; x != NONE; x = next) {
		next = bank_walk(x, b);
		banks[x].state = B_FREE;
	}
}
