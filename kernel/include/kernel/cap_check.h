/*
 * The capability invariant checker: walks the whole derivation tree from
 * the sentinel and checks that it is well formed, that no capability names a
 * destroyed object, and that every byte of every Untyped is free or in
 * exactly one live object. Used after every step of the host property tests,
 * and by TALLY_SYS_DEBUG_CHECK in the in-system suite.
 */
#ifndef KERNEL_CAP_CHECK_H
#define KERNEL_CAP_CHECK_H

#include <kernel/cap.h>

struct cap_check_stats {
	uint64_t caps;             /* capabilities in the tree */
	uint64_t untyped_bytes;    /* bytes of the boot Untypeds (children of the sentinel) */
	uint64_t untyped_free;     /* of those, bytes in no live object */
	uint64_t zombies;
};

/*
 * Check everything. `outside_ok` says whether a slot that lies in no live
 * CNode (a thread's CSpace root, say) is a legal home for a capability.
 * Returns NULL when all is well, else a description of the first problem.
 * Takes time linear in the number of capabilities and CNode slots.
 */
const char *cap_check(bool (*outside_ok)(const struct cte *s), struct cap_check_stats *st);

#endif
