/*
 * Address spaces and frames (see vspace.h).
 *
 * A page-table object (PML4, PDPT, PD or PT: 8 KiB) is the hardware table
 * followed by its record: for each entry, the slot of the capability that
 * made it (NULL where none did: the kernel's half, the boot tasks' pages).
 * A mapped frame or table capability holds the address of its entry (cap.h,
 * word 3), so each side finds the other in one step, and nothing is ever
 * searched:
 *   - deleting a mapped capability clears its entry and the record;
 *   - moving one rewrites one record pointer;
 *   - destroying a table marks unmapped the capabilities its record names,
 *     and only those: what they map in turn stays with them.
 * Table capabilities cannot be copied (cap.c), so a table is mapped in one
 * place at most; a frame capability maps its frame once, a copy again.
 *
 * A table leaves with its contents: unmapping it (or destroying the table
 * above it) keeps what it maps, and mapping it again brings that along.
 *
 * Levels count from the leaf as in arch.h: a PT is level 0, a PML4 level 3.
 */
#include <kernel/vspace.h>
#include <kernel/invoke.h>
#include <kernel/thread.h>

/* Bytes of a hardware table; its record follows it in the object. */
#define TABLE_BYTES (ARCH_PT_ENTRIES * sizeof(uint64_t))
/* Rights a frame can be mapped with. */
#define MAP_RIGHTS (TALLY_RIGHT_READ | TALLY_RIGHT_WRITE | TALLY_RIGHT_EXEC)

_Static_assert(TALLY_OBJ_PT - TALLY_OBJ_PML4 + 1 == ARCH_PT_LEVELS, "one table type a level");
_Static_assert(2 * TABLE_BYTES == 1ul << TALLY_PAGE_TABLE_BITS, "table and record fill the object");
_Static_assert(sizeof(struct cte *) == sizeof(uint64_t), "one record pointer per entry");

/* A decoded map: the empty entry to fill, what goes there, and the capability's word 2. */
struct vspace_map {
	uint64_t *entry;
	uint64_t pte;
	uint64_t mapping;
};

/* The type of a table at `level`. */
static enum tally_obj_type
table_type(unsigned level)
{
	return (enum tally_obj_type)(TALLY_OBJ_PT - level);
}

static unsigned
table_level(enum tally_obj_type type)
{
	return TALLY_OBJ_PT - type;
}

/* The level of the table whose entry maps a frame of `type`. */
static unsigned
frame_level(enum tally_obj_type type)
{
	return type == TALLY_OBJ_FRAME_2M ? 1 : 0;
}

static struct cte **
table_record(uint64_t *table)
{
	return (struct cte **)(table + ARCH_PT_ENTRIES);
}

/*
 * The record pointer of `entry`. Every table starts on a boundary of its
 * hardware size (retyped objects are aligned to their 8 KiB; boot tables
 * are whole pages), so the entry's address gives its table.
 */
static struct cte **
entry_record(uint64_t *entry)
{
	uint64_t *table = (uint64_t *)((uintptr_t)entry & ~(uintptr_t)(TABLE_BYTES - 1));

	return &table_record(table)[entry - table];
}

void
vspace_init_table(enum tally_obj_type type, void *object)
{
	if (type == TALLY_OBJ_PML4)
		arch_vspace_init_root(object);
}

/* ---- decoding: nothing here changes any state ---- */

/* MR0: the address space, a PML4 capability (cptr, depth 64). Its top table, or NULL. */
static uint64_t *
vspace_decode_root(struct invocation *inv, long *err)
{
	struct tally_error_detail d = { 0 };
	struct cte *s = cspace_lookup(inv->caller, inv->mr[0], 64, &d, NULL);

	if (!s || cte_empty(s)) {
		*err = invoke_fail(inv, TALLY_ERR_LOOKUP_FAILED, 1, inv->mr[0], 0);
		inv->caller->error.lookup = s ? TALLY_LOOKUP_EMPTY_SLOT : d.lookup;
		inv->caller->error.bits_left = d.bits_left;
		return NULL;
	}
	if (cap_type(&s->cap) != TALLY_OBJ_PML4) {
		*err = invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 1, cap_type(&s->cap),
				   TALLY_OBJ_PML4);
		return NULL;
	}
	return cap_object(&s->cap);
}

/*
 * MR1: an address aligned to 2^bits whose first `len` bytes lie in user
 * space (which is what keeps every mapping out of the kernel's half).
 */
static long
vspace_decode_addr(struct invocation *inv, unsigned bits, size_t len)
{
	uint64_t va = inv->mr[1];

	if (va & ((1ul << bits) - 1))
		return invoke_fail(inv, TALLY_ERR_ALIGNMENT, 2, va, 1ul << bits);
	if (!arch_user_range_ok(va, len))
		return invoke_fail(inv, TALLY_ERR_RANGE, 2, va, 0);
	return TALLY_OK;
}

/*
 * The empty entry for va in the table at `level`, reached from `root`
 * through tables already mapped. NULL when a table on the way is missing
 * (NOT_FOUND; limit: the missing table's type), or when a frame covers va
 * on the way or the entry is taken (SLOT_OCCUPIED; limit: the type of the
 * table whose entry it is).
 */
static uint64_t *
vspace_decode_entry(struct invocation *inv, uint64_t *root, vaddr_t va, unsigned level,
		    long *err)
{
	uint64_t *table = root, *e;
	unsigned l;

	for (l = ARCH_PT_LEVELS - 1; l > level; l--) {
		e = &table[arch_pt_index(va, l)];
		table = arch_pte_next_table(*e, l);
		if (table)
			continue;
		if (arch_pte_present(*e))
			*err = invoke_fail(inv, TALLY_ERR_SLOT_OCCUPIED, 2, va, table_type(l));
		else
			*err = invoke_fail(inv, TALLY_ERR_NOT_FOUND, 2, va, table_type(l - 1));
		return NULL;
	}
	e = &table[arch_pt_index(va, level)];
	if (arch_pte_present(*e)) {
		*err = invoke_fail(inv, TALLY_ERR_SLOT_OCCUPIED, 2, va, table_type(level));
		return NULL;
	}
	return e;
}

/* The arch's rights for a frame mapped with TALLY_RIGHT_* `rights` (READ among them). */
static unsigned
vspace_arch_rights(uint64_t rights, bool device)
{
	return ARCH_MAP_READ | (rights & TALLY_RIGHT_WRITE ? ARCH_MAP_WRITE : 0) |
	       (rights & TALLY_RIGHT_EXEC ? ARCH_MAP_EXEC : 0) | (device ? ARCH_MAP_DEVICE : 0);
}

/* FRAME_MAP: MR0 address space, MR1 address, MR2 rights. */
static long
frame_decode_map(struct invocation *inv, struct vspace_map *m)
{
	const struct cap *f = &inv->slot->cap;
	unsigned level = frame_level(cap_type(f)), bits = arch_pt_entry_bits(level);
	uint64_t rights = inv->mr[2], *root;
	long err = TALLY_OK;

	if (cap_mapped_entry(f))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, cap_mapping(f), 0);
	if (!(root = vspace_decode_root(inv, &err)))
		return err;
	if ((err = vspace_decode_addr(inv, bits, 1ul << bits)))
		return err;
	/* x86 cannot map a page that is not readable */
	if ((rights & ~MAP_RIGHTS) || !(rights & TALLY_RIGHT_READ))
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 3, rights, MAP_RIGHTS);
	if (rights & ~(uint64_t)cap_rights(f))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, rights, cap_rights(f));
	if (!(m->entry = vspace_decode_entry(inv, root, inv->mr[1], level, &err)))
		return err;
	m->pte = arch_pte_frame(arch_kva_to_phys(cap_object(f)), level,
				vspace_arch_rights(rights, cap_is_device(f)));
	m->mapping = TALLY_MAPPED | rights;
	return TALLY_OK;
}

/*
 * Does `table` (at `level`) map anything through its last entry, at any
 * depth? Mapped where its range runs past the user top, that is what would
 * land on the last page below the hole. At most one step a level.
 */
static bool
table_maps_last_entry(uint64_t *table, unsigned level)
{
	for (;;) {
		uint64_t e = table[ARCH_PT_ENTRIES - 1];

		if (!arch_pte_present(e))
			return false;
		if (level == 0 || !(table = arch_pte_next_table(e, level)))
			return true;   /* a frame */
		level--;
	}
}

/*
 * PAGE_TABLE_MAP: MR0 address space, MR1 address. Only the address's first
 * byte must be user space: the range one entry covers may run past the
 * user top, and the frames there are refused when they are mapped. A table
 * brings its contents along, so one whose range runs past the top must not
 * already map anything through its last entry.
 */
static long
table_decode_map(struct invocation *inv, struct vspace_map *m)
{
	const struct cap *t = &inv->slot->cap;
	unsigned parent = table_level(cap_type(t)) + 1;
	uint64_t *root;
	long err = TALLY_OK;

	if (cap_mapped_entry(t))
		return invoke_fail(inv, TALLY_ERR_INVALID_CAPABILITY, 0, cap_mapping(t), 0);
	if (!(root = vspace_decode_root(inv, &err)))
		return err;
	if ((err = vspace_decode_addr(inv, arch_pt_entry_bits(parent), 1)))
		return err;
	if (!arch_user_range_ok(inv->mr[1], 1ul << arch_pt_entry_bits(parent)) &&
	    table_maps_last_entry(cap_object(t), parent - 1))
		return invoke_fail(inv, TALLY_ERR_RANGE, 2, inv->mr[1], 0);
	if (!(m->entry = vspace_decode_entry(inv, root, inv->mr[1], parent, &err)))
		return err;
	m->pte = arch_pte_table(cap_object(t));
	m->mapping = TALLY_MAPPED;
	return TALLY_OK;
}

/* ---- performing ---- */

/* Map the capability in s as decoded. */
static void
vspace_map(struct cte *s, const struct vspace_map *m)
{
	*m->entry = m->pte;
	*entry_record(m->entry) = s;
	cap_set_mapped(&s->cap, m->entry, m->mapping);
}

/*
 * Remove the mapping the capability in s made, if any. A table's contents
 * stay in it. The entry was reachable, so cached translations go too.
 */
static void
vspace_unmap(struct cte *s)
{
	uint64_t *entry = cap_mapped_entry(&s->cap);

	if (!entry)
		return;
	*entry = 0;
	*entry_record(entry) = NULL;
	cap_set_mapped(&s->cap, NULL, 0);
	arch_tlb_flush();
}

long
vspace_frame_invoke(struct invocation *inv)
{
	struct vspace_map m = { 0 };
	long err;

	switch (inv->label) {
	case TALLY_FRAME_MAP:
		if ((err = frame_decode_map(inv, &m)))
			return err;
		vspace_map(inv->slot, &m);
		return TALLY_OK;
	case TALLY_FRAME_UNMAP:
		vspace_unmap(inv->slot);
		return TALLY_OK;
	default:
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	}
}

long
vspace_table_invoke(struct invocation *inv)
{
	struct vspace_map m = { 0 };
	long err;

	switch (inv->label) {
	case TALLY_PAGE_TABLE_MAP:
		if ((err = table_decode_map(inv, &m)))
			return err;
		vspace_map(inv->slot, &m);
		return TALLY_OK;
	case TALLY_PAGE_TABLE_UNMAP:
		vspace_unmap(inv->slot);
		return TALLY_OK;
	default:
		return invoke_fail(inv, TALLY_ERR_INVALID_ARGUMENT, 0, inv->label, 0);
	}
}

/* ---- capability hooks (object.c) ---- */

struct cap
vspace_derive(const struct cap *c)
{
	struct cap copy = *c;

	cap_set_mapped(&copy, NULL, 0);
	return copy;
}

void
vspace_cap_removed(struct cte *s)
{
	vspace_unmap(s);
}

void
vspace_cap_moved(struct cte *s)
{
	uint64_t *entry = cap_mapped_entry(&s->cap);

	if (entry)
		*entry_record(entry) = s;
}

/*
 * The table is unreachable already (its capability was unmapped, or it is
 * a PML4, which nothing maps), so clearing its entries needs no flush. The
 * kernel's half of a PML4 has no record and is left alone.
 */
void
vspace_destroy(const struct cap *c)
{
	uint64_t *table = cap_object(c);
	struct cte **record = table_record(table);
	unsigned i;

	for (i = 0; i < ARCH_PT_ENTRIES; i++) {
		if (!record[i])
			continue;
		cap_set_mapped(&record[i]->cap, NULL, 0);
		record[i] = NULL;
		table[i] = 0;
	}
	if (cap_type(c) == TALLY_OBJ_PML4)
		arch_vspace_forget_root(arch_kva_to_phys(table));
}

/* ---- invariants (debug checks and tests) ---- */

static bool
vspace_mappable(enum tally_obj_type type)
{
	return type == TALLY_OBJ_FRAME_4K || type == TALLY_OBJ_FRAME_2M ||
	       (type >= TALLY_OBJ_PDPT && type <= TALLY_OBJ_PT);
}

/* A mapped capability in s: its entry maps it, and the entry's record names s. */
static const char *
vspace_check_mapped(const struct cte *s)
{
	const struct cap *c = &s->cap;
	uint64_t *entry = cap_mapped_entry(c);

	if (!entry)
		return cap_mapping(c) ? "an unmapped capability reports a mapping" : NULL;
	if (!(cap_mapping(c) & TALLY_MAPPED))
		return "a mapped capability reports no mapping";
	if (*entry_record(entry) != s)
		return "a mapping's record does not name its capability";
	if (!arch_pte_present(*entry))
		return "a mapped capability's entry is empty";
	if (cap_type(c) >= TALLY_OBJ_PDPT && cap_type(c) <= TALLY_OBJ_PT &&
	    arch_pte_next_table(*entry, table_level(cap_type(c)) + 1) != cap_object(c))
		return "a mapped table's entry points elsewhere";
	return NULL;
}

/* A table: every capability its record names is mapped by that entry. */
static const char *
vspace_check_table(const struct cap *c)
{
	uint64_t *table = cap_object(c);
	struct cte **record = table_record(table);
	unsigned i;

	for (i = 0; i < ARCH_PT_ENTRIES; i++) {
		if (!record[i])
			continue;
		if (!vspace_mappable(cap_type(&record[i]->cap)))
			return "a table's record names a slot that holds no frame or table";
		if (cap_mapped_entry(&record[i]->cap) != &table[i])
			return "a table's record names a capability mapped elsewhere";
	}
	return NULL;
}

const char *
vspace_check(const struct cte *s)
{
	enum tally_obj_type type = cap_type(&s->cap);
	const char *why = NULL;

	if (vspace_mappable(type))
		why = vspace_check_mapped(s);
	if (!why && type >= TALLY_OBJ_PML4 && type <= TALLY_OBJ_PT)
		why = vspace_check_table(&s->cap);
	return why;
}
