/*
 * Kernel object types: their sizes, where they may come from, and the
 * hooks the capability code calls as capabilities to them come and go.
 * Each type's behaviour lives in its own file; this is the one table that
 * routes to them.
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <kernel/cap.h>

/*
 * log2 of the bytes an object of `type` takes, given the caller's size_bits
 * (Untyped: log2 bytes; CNode: radix). 0 when the type cannot be made by
 * retype or size_bits is out of range for it.
 */
unsigned object_size_bits(enum tally_obj_type type, unsigned size_bits);

/* May objects of `type` be made from device memory? (Only frames and untypeds.) */
bool object_device_ok(enum tally_obj_type type);

/* The capability retype gives for a new object at `object`. */
struct cap object_original_cap(enum tally_obj_type type, unsigned size_bits, void *object,
			       bool device);

/* Set up a new object in zeroed memory (retype). */
void object_init(enum tally_obj_type type, void *object);

/* The capability a copy or mint of `c` starts from (a copy of a mapped frame is unmapped). */
struct cap object_derive(const struct cap *c);

/* A capability is leaving slot s (deleted): undo what it alone stands for (a mapping). */
void object_cap_removed(struct cte *s);

/* The capability in s has just moved there from another slot. */
void object_cap_moved(struct cte *s);

/*
 * Does destroying the object of last capability `c` need steps (a zombie)?
 * CNodes do (their slots), and endpoints and notifications with waiters.
 */
bool object_needs_zombie(const struct cap *c);

/* One bounded step of destroying a zombie's object that is not a CNode; true when done. */
bool object_zombie_step(enum tally_obj_type type, void *object);

/*
 * Destroy an object whose last capability went, apart from what a zombie
 * did already (cap.c).
 */
void object_destroy(const struct cap *c);

#endif
