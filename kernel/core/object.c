/* The table of kernel object types (see object.h). */
#include <kernel/object.h>
#include <kernel/arch.h>

/* Fixed sizes (log2 bytes) of the types that have one. */
static const unsigned object_fixed_bits[TALLY_OBJ_COUNT] = {
	[TALLY_OBJ_THREAD] = 10,
	[TALLY_OBJ_ENDPOINT] = 6,
	[TALLY_OBJ_NOTIFICATION] = 6,
	[TALLY_OBJ_REPLY] = 6,
	[TALLY_OBJ_SCHED_CONTEXT] = 8,
	[TALLY_OBJ_FRAME_4K] = 12,
	[TALLY_OBJ_FRAME_2M] = 21,
	[TALLY_OBJ_PML4] = 12,
	[TALLY_OBJ_PDPT] = 12,
	[TALLY_OBJ_PD] = 12,
	[TALLY_OBJ_PT] = 12,
};

unsigned
object_size_bits(enum tally_obj_type type, unsigned size_bits)
{
	switch (type) {
	case TALLY_OBJ_UNTYPED:
		if (size_bits < TALLY_UNTYPED_BITS_MIN || size_bits > TALLY_UNTYPED_BITS_MAX)
			return 0;
		return size_bits;
	case TALLY_OBJ_CNODE:
		if (size_bits < TALLY_CNODE_RADIX_MIN || size_bits > TALLY_CNODE_RADIX_MAX)
			return 0;
		return size_bits + TALLY_CNODE_SLOT_BITS;
	default:
		if ((unsigned)type >= TALLY_OBJ_COUNT || size_bits)
			return 0;
		return object_fixed_bits[type];
	}
}

bool
object_device_ok(enum tally_obj_type type)
{
	return type == TALLY_OBJ_UNTYPED || type == TALLY_OBJ_FRAME_4K ||
	       type == TALLY_OBJ_FRAME_2M;
}

static unsigned
object_default_rights(enum tally_obj_type type)
{
	if (type == TALLY_OBJ_FRAME_4K || type == TALLY_OBJ_FRAME_2M)
		return TALLY_RIGHTS_ALL;
	return TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT;
}

struct cap
object_original_cap(enum tally_obj_type type, unsigned size_bits, void *object, bool device)
{
	uint64_t flags = CAP_ORIGINAL | (device ? CAP_DEVICE : 0);

	/* a new Untyped is carved from zeroed memory above its parent's watermark */
	if (type == TALLY_OBJ_UNTYPED)
		return cap_make(type, TALLY_RIGHTS_ALL, flags, size_bits, 0, object, 0, 0);
	if (type == TALLY_OBJ_CNODE)
		return cap_make(type, object_default_rights(type), flags, size_bits, 0, object,
				0, 0);
	return cap_make(type, object_default_rights(type), flags, 0, 0, object, 0, 0);
}

void
object_destroy(const struct cap *c)
{
	/*
	 * Nothing yet waits on or maps any object: threads, endpoints,
	 * notifications and mappings arrive with the IPC issue, and each type's
	 * file then wakes its waiters and removes its mappings here.
	 */
	(void)c;
}
