/*
 * The key-value server's protocol (user/kv): an example of a server that
 * keeps state for its clients and makes each client pay for its own
 * (DESIGN.md rule 6, docs/banks.md).
 *
 * A client connects through the server's public capability (unbadged,
 * WRITE and GRANT) with a bank capability of its own in the message; the
 * answer carries a session capability (badged) for everything else. Every
 * answer's label is the result (enum tally_error).
 */
#ifndef USER_KV_KV_H
#define USER_KV_KV_H

enum kv_label {
	/* cap: a bank capability (SPEND will do). Answer: cap the session, MR0 the client's index. */
	KV_CONNECT = 1,
	/* MR0 key (not 0), MR1..MR4 the value. NO_MEMORY: the client's bank is full. */
	KV_PUT,
	/* MR0 key. Answer: MR0..MR3 the value; NOT_FOUND. */
	KV_GET,
	/* MR0 rounds: read every entry that many times, yielding between rounds (and
	 * signalling the server's progress notification, if it has one). Answer: MR0 a sum. */
	KV_SCAN,
	/* Drop the client's state (its sub-bank is destroyed) and its session. */
	KV_DISCONNECT,
	/* Public capability only. Answer: struct kv_stats in MR0..MR3. */
	KV_STATS,
};

#define KV_VALUE_WORDS 4
#define KV_MAX_CLIENTS 32
#define KV_MAX_PAGES 16           /* pages of entries per client */
#define KV_ENTRIES_PER_PAGE 64
#define KV_RADIX 11               /* the server's CNode */

/* Slots the server is given: 8 its endpoint (all rights), 9 a progress notification (optional). */
#define KV_SLOT_EP 8
#define KV_SLOT_PROGRESS 9

struct kv_stats {
	unsigned long connected;   /* clients with state now */
	unsigned long forgotten;   /* clients whose state was dropped, for any reason */
	unsigned long recovered;   /* requests cut short by a fault on a client's vanished memory */
	unsigned long own_use;     /* bytes the server's own bank holds */
};

#endif
