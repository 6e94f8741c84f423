/*
 * Starting the space bank server (user/bank) as the root task: see
 * tally_bank_server_start in <libtally/bank.h> and docs/banks.md.
 */
#include <libtally/bank.h>
#include <libtally/cap.h>
#include <libtally/process.h>

#define CHUNK_BITS 21

/*
 * Carve what is free in Untyped u into 2 MiB chunks in the server's CNode
 * from slot *next on (each retype makes at most TALLY_RETYPE_MAX_COUNT).
 */
static long
give_chunks(const struct tally_proc_env *env, struct tally_proc *p, unsigned long u,
	    unsigned long *next)
{
	unsigned long size, start, count, end = TALLY_BANK_SERVER_CHUNKS + TALLY_BANK_SERVER_MAX_CHUNKS;
	struct tally_slot_info si;
	long err = tally_cnode_inspect(env->root_cnode, u, &si);

	if (err || si.type != TALLY_OBJ_UNTYPED || si.word <= CHUNK_BITS)
		return err;
	size = 1ul << si.word;
	start = (size - si.extra + (1ul << CHUNK_BITS) - 1) & ~((1ul << CHUNK_BITS) - 1);
	count = start < size ? (size - start) >> CHUNK_BITS : 0;
	while (!err && count && *next < end) {
		unsigned long k = count < TALLY_RETYPE_MAX_COUNT ? count : TALLY_RETYPE_MAX_COUNT;

		if (k > end - *next)
			k = end - *next;
		err = tally_untyped_retype(u, TALLY_OBJ_UNTYPED, CHUNK_BITS, p->cnode, *next, k);
		*next += k;
		count -= k;
	}
	return err;
}

long
tally_bank_server_start(const struct tally_proc_env *env, const struct tally_module_desc *m,
			const unsigned long *untypeds, unsigned long n, unsigned long prio,
			unsigned long *server, unsigned long *root)
{
	const struct tally_proc_spec spec = {
		.module = m, .untyped_bits = TALLY_BANK_SERVER_BITS,
		.radix = TALLY_BANK_SERVER_RADIX, .prio = prio, .args = "",
	};
	unsigned long next = TALLY_BANK_SERVER_CHUNKS, i;
	struct tally_proc p;
	long err;

	*server = env->slot_alloc();
	*root = env->slot_alloc();
	err = tally_proc_build(&p, env, &spec);
	if (!err)
		err = tally_untyped_retype(p.untyped, TALLY_OBJ_ENDPOINT, 0, env->root_cnode,
					   *server, 1);
	if (!err)
		err = tally_proc_give_at(&p, *server, TALLY_RIGHTS_ALL, TALLY_BANK_SERVER_EP);
	if (!err)
		err = tally_untyped_retype(p.untyped, TALLY_OBJ_UNTYPED, 16, p.cnode,
					   TALLY_BANK_SERVER_OWN, 1);
	for (i = 0; !err && i < n; i++)
		err = give_chunks(env, &p, untypeds[i], &next);
	if (!err)
		err = tally_proc_start(&p);
	if (!err)
		err = tally_bank_root(*server, env->root_cnode, *root);
	return err;
}
