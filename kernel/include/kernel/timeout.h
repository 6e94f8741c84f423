/*
 * Timed calls: a CALL may carry a time limit in ticks (r14). The caller is
 * kept in the timeout queue, sorted by deadline, while the call lasts;
 * each timer tick ends the calls that are due with TALLY_ERR_TIMEOUT,
 * leaving nothing behind (the caller leaves the endpoint's queue, its Reply
 * goes stale and its scheduling context comes back).
 */
#ifndef KERNEL_TIMEOUT_H
#define KERNEL_TIMEOUT_H

#include <kernel/thread.h>

/* Empty the timeout queue (boot; host tests between cases). */
void timeout_init(void);

/* Give t's call a deadline (a tick count); 0 means none. */
void timeout_arm(struct thread *t, uint64_t deadline);

/* t's call ended some other way, or t is destroyed. */
void timeout_disarm(struct thread *t);

/* A tick: end the calls that are due. */
void timeout_tick(uint64_t now);

#endif
