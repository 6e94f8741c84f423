/* The table of kernel object types (see object.h). */
#include <kernel/object.h>
#include <kernel/arch.h>
#include <kernel/ipc.h>
#include <kernel/thread.h>
#include <kernel/schedctx.h>
#include <kernel/vspace.h>

/* Fixed sizes (log2 bytes) of the types that have one. */
static const unsigned object_fixed_bits[TALLY_OBJ_COUNT] = {
	[TALLY_OBJ_THREAD] = TALLY_THREAD_BITS,
	[TALLY_OBJ_ENDPOINT] = TALLY_ENDPOINT_BITS,
	[TALLY_OBJ_NOTIFICATION] = TALLY_NOTIFICATION_BITS,
	[TALLY_OBJ_REPLY] = TALLY_REPLY_BITS,
	[TALLY_OBJ_SCHED_CONTEXT] = TALLY_SCHED_CONTEXT_BITS,
	[TALLY_OBJ_FRAME_4K] = 12,
	[TALLY_OBJ_FRAME_2M] = 21,
	[TALLY_OBJ_PML4] = TALLY_PAGE_TABLE_BITS,
	[TALLY_OBJ_PDPT] = TALLY_PAGE_TABLE_BITS,
	[TALLY_OBJ_PD] = TALLY_PAGE_TABLE_BITS,
	[TALLY_OBJ_PT] = TALLY_PAGE_TABLE_BITS,
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

static bool
object_is_frame(enum tally_obj_type type)
{
	return type == TALLY_OBJ_FRAME_4K || type == TALLY_OBJ_FRAME_2M;
}

static bool
object_is_table(enum tally_obj_type type)
{
	return type >= TALLY_OBJ_PML4 && type <= TALLY_OBJ_PT;
}

static unsigned
object_default_rights(enum tally_obj_type type)
{
	if (object_is_frame(type))
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
object_init(enum tally_obj_type type, void *object)
{
	if (type == TALLY_OBJ_THREAD)
		thread_init(object);
	else if (object_is_table(type))
		vspace_init_table(type, object);
}

struct cap
object_derive(const struct cap *c)
{
	if (object_is_frame(cap_type(c)))
		return vspace_derive(c);
	return *c;
}

void
object_cap_removed(struct cte *s)
{
	enum tally_obj_type type = cap_type(&s->cap);

	if (object_is_frame(type) || object_is_table(type))
		vspace_cap_removed(s);
}

void
object_cap_moved(struct cte *s)
{
	enum tally_obj_type type = cap_type(&s->cap);

	if (object_is_frame(type) || object_is_table(type))
		vspace_cap_moved(s);
}

bool
object_needs_zombie(const struct cap *c)
{
	switch (cap_type(c)) {
	case TALLY_OBJ_CNODE:
		return true;
	case TALLY_OBJ_ENDPOINT:
		return ((struct endpoint *)cap_object(c))->queue.head != NULL;
	case TALLY_OBJ_NOTIFICATION:
		return ((struct notification *)cap_object(c))->queue.head != NULL;
	default:
		return false;
	}
}

bool
object_zombie_step(enum tally_obj_type type, void *object)
{
	switch (type) {
	case TALLY_OBJ_ENDPOINT:
		return endpoint_destroy_step(object);
	case TALLY_OBJ_NOTIFICATION:
		return notification_destroy_step(object);
	default:
		return true;
	}
}

void
object_destroy(const struct cap *c)
{
	void *obj = cap_object(c);

	switch (cap_type(c)) {
	case TALLY_OBJ_THREAD:
		thread_destroy(obj);
		break;
	case TALLY_OBJ_ENDPOINT:
		endpoint_destroy_step(obj);   /* nobody is queued: nothing left to do */
		break;
	case TALLY_OBJ_NOTIFICATION:
		notification_destroy_step(obj);
		notification_unbind(obj);
		break;
	case TALLY_OBJ_REPLY:
		reply_destroy(obj);
		break;
	case TALLY_OBJ_SCHED_CONTEXT:
		sc_destroy(obj);
		break;
	case TALLY_OBJ_PML4:
	case TALLY_OBJ_PDPT:
	case TALLY_OBJ_PD:
	case TALLY_OBJ_PT:
		vspace_destroy(c);
		break;
	default:
		break;   /* frames: every mapping went with its capability */
	}
}
