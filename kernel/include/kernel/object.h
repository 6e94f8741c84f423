/*
 * Kernel object types: their sizes, where they may come from, and what
 * destroying one does. Types gain behaviour in their own files as the issues
 * that need them arrive; until then an object is only its zeroed memory.
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

/*
 * Destroy an object whose last capability is going away, apart from clearing
 * a CNode's slots (cap.c does that, preemptibly, through a zombie).
 */
void object_destroy(const struct cap *c);

#endif
