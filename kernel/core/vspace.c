/*
 * Address spaces and frames (see vspace.h). Mapping and unmapping arrive
 * with the page-table work of the IPC issue; until then only the tables'
 * creation and the thread's root are here.
 */
#include <kernel/vspace.h>
#include <kernel/invoke.h>
#include <kernel/thread.h>

void
vspace_init_table(enum tally_obj_type type, void *object)
{
	if (type == TALLY_OBJ_PML4)
		arch_vspace_init_root(object);
}

long
vspace_frame_invoke(struct invocation *inv)
{
	return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
}

long
vspace_table_invoke(struct invocation *inv)
{
	return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
}

struct cap
vspace_derive(const struct cap *c)
{
	return *c;
}

void
vspace_cap_removed(struct cte *s)
{
	(void)s;
}

void
vspace_cap_moved(struct cte *s)
{
	(void)s;
}

void
vspace_destroy(const struct cap *c)
{
	if (cap_type(c) == TALLY_OBJ_PML4)
		arch_vspace_forget_root(arch_kva_to_phys(cap_object(c)));
}

