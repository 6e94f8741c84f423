/*
 * Address spaces built from retyped page-table objects, and frames mapped
 * into them (vspace.c). A page-table object is the hardware table plus the
 * kernel's record of which capability mapped each entry, so that unmapping
 * and destruction never search: deleting a mapped capability clears its
 * entry, and destroying a table forgets the mappings it held. A mapped
 * capability keeps its entry's address (cap.h, words 2 and 3).
 */
#ifndef KERNEL_VSPACE_H
#define KERNEL_VSPACE_H

#include <kernel/cap.h>
#include <kernel/arch.h>
#include <kernel/thread.h>

struct invocation;
struct thread;

/* Retype: a new PML4 gets the kernel's half; other tables are zero. */
void vspace_init_table(enum tally_obj_type type, void *object);

/* Invocations on frames and on PDPT/PD/PT capabilities. */
long vspace_frame_invoke(struct invocation *inv);
long vspace_table_invoke(struct invocation *inv);

/* The capability a copy starts from: a mapped frame's copy is unmapped. */
struct cap vspace_derive(const struct cap *c);

/* A frame or table capability in s is deleted: remove its mapping, if any. */
void vspace_cap_removed(struct cte *s);

/* A mapped frame or table capability moved to s: point the table's record at s. */
void vspace_cap_moved(struct cte *s);

/* The last capability to a table went: forget what it mapped. */
void vspace_destroy(const struct cap *c);

/* The physical address of the top-level table t runs in (the kernel's when it has none). */
static inline paddr_t
vspace_root_of(struct thread *t)
{
	const struct cap *c = &t->slots[TCB_SLOT_VSPACE].cap;

	if (cap_type(c) != TALLY_OBJ_PML4)
		return arch_kernel_root();
	return arch_object_phys(cap_object(c));
}

/*
 * Check the mapping invariants of the capability in s (any type): a mapped
 * frame or table is named by its entry's record and its entry is present;
 * every capability a table's record names is mapped by that entry. Returns
 * what is wrong, or NULL. Only reads; for debug checks and tests.
 */
const char *vspace_check(const struct cte *s);

#endif
