/*
 * libtally: sending a thread back to a recovery point after a fault.
 *
 * A server that works on memory its clients pay for (docs/banks.md) may
 * see that memory vanish at any moment: the client's bank is destroyed,
 * the frames go, their mappings go, and the server's next touch faults.
 * The answer is a recovery point, as setjmp gives one: the serving thread
 * marks a place in its loop with tally_recovery_point; another thread of
 * the server, its fault handler, receives the fault, sees that the address
 * lies in a client's memory, stops the faulted thread (TALLY_TCB_SUSPEND
 * ends its fault report) and sends it back with tally_recover, where
 * tally_recovery_point returns the value the handler chose. The serving
 * thread then drops that client and goes on serving the others.
 *
 * What the serving thread changed after its recovery point must be in
 * memory (static or volatile), as after setjmp.
 */
#ifndef LIBTALLY_RECOVER_H
#define LIBTALLY_RECOVER_H

/* The callee-saved registers, the stack and the pc of a recovery point. */
struct tally_recovery {
	unsigned long rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

/* Mark the recovery point: returns 0 now, and `value` each time a handler sends the thread back. */
int tally_recovery_point(struct tally_recovery *r) __attribute__((returns_twice));

/*
 * Send thread `tcb` (a capability with WRITE; the thread stopped: suspended
 * or faulted) back to its recovery point r, where it goes on with `value`
 * as tally_recovery_point's result.
 */
long tally_recover(unsigned long tcb, const struct tally_recovery *r, unsigned long value);

#endif
