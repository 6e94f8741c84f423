/*
 * init: the root task of the interactive image (`make run`). It greets,
 * shows what the kernel handed it, starts the space bank with all the
 * memory it does not keep for itself, and plays a short scene with the
 * supervisor: the key-value server runs on a bank of its own, two clients
 * pay for their state from banks of theirs (one until its quota is full),
 * a process exits and is reclaimed. Then it prints the bank tree with each
 * bank's limit and use, and ends; the kernel then idles.
 */
#include <libtally/bank.h>
#include <libtally/cap.h>
#include <libtally/ipc.h>
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/supervisor.h>
#include <libtally/syscall.h>
#include <libtally/thread.h>
#include "../kv/kv.h"

#define ROOT TALLY_SLOT_ROOT_CNODE
#define KIB 1024ul
#define MIB (1024ul * 1024)
#define PRIO 200

static void
print_mib(const char *what, unsigned long bytes)
{
	printf("  %-9s %8lu KiB\n", what, bytes >> 10);
}

static void
greet(const struct tally_bootinfo *bi)
{
	unsigned long i;

	printf("init: hello from user mode (thread %lu of %lu)\n", bi->thread_index,
	       bi->thread_count);
	printf("init: memory as the kernel accounted it:\n");
	print_mib("usable", bi->mem.usable);
	print_mib("kernel", bi->mem.kernel);
	print_mib("modules", bi->mem.modules);
	print_mib("boot", bi->mem.boot);
	print_mib("free", bi->mem.free);
	printf("init: my capabilities: root CNode in slot %u (%lu slots), address space %u,"
	       " thread %u, IRQ control %u, I/O-port control %u\n", TALLY_SLOT_ROOT_CNODE,
	       1ul << bi->root_cnode_radix, TALLY_SLOT_ROOT_VSPACE, TALLY_SLOT_ROOT_THREAD,
	       TALLY_SLOT_IRQ_CONTROL, TALLY_SLOT_IOPORT_CONTROL);
	printf("init: %lu untyped capabilities in slots %lu..%lu:\n", bi->untyped_count,
	       bi->untyped_first, bi->untyped_first + bi->untyped_count - 1);
	for (i = 0; i < bi->untyped_count; i++)
		printf("  slot %4lu  %#14lx  2^%-2u bytes%s\n", bi->untyped_first + i,
		       bi->untyped[i].paddr, bi->untyped[i].size_bits,
		       bi->untyped[i].device ? "  (device)" : "");
	printf("init: timer at %lu Hz, %lu ticks so far\n", bi->tick_hz, tally_clock());
}

/* ---- slots ---- */

static unsigned long next_slot;

static unsigned long
slot_alloc(void)
{
	return next_slot++;
}

static void
slot_free(unsigned long slot)
{
	(void)slot;   /* init makes a few dozen things once: slots are not reused */
}

/* ---- the bank tree, with names for the banks init made ---- */

static struct {
	unsigned long id;
	const char *name;
} names[8];
static unsigned nnames;

static void
name_bank(unsigned long bank, const char *name)
{
	struct tally_bank_info in;

	if (tally_bank_info(bank, &in) == TALLY_OK && nnames < 8)
		names[nnames++] = (typeof(names[0])){ in.id, name };
}

static const char *
name_of(unsigned long id)
{
	unsigned i;

	for (i = 0; i < nnames; i++)
		if (names[i].id == id)
			return names[i].name;
	return "";
}

static void
print_tree(unsigned long root)
{
	struct tally_bank_node nodes[TALLY_BANK_TREE_MAX];
	unsigned long n, total, skip = 0, i;

	printf("init: the bank tree (bytes; every figure includes the sub-banks'):\n");
	printf("  %-24s %12s %12s %12s %8s\n", "bank", "limit", "use", "peak", "objects");
	do {
		if (tally_bank_tree(root, skip, nodes, TALLY_BANK_TREE_MAX, &n, &total) != TALLY_OK)
			return;
		for (i = 0; i < n; i++) {
			char label[40];
			unsigned long d, at = 0;

			for (d = 0; d < nodes[i].depth && at < 16; d++, at += 2)
				label[at] = label[at + 1] = ' ';
			fmt_snprintf(label + at, sizeof(label) - at, "#%lu %s", nodes[i].id,
				     name_of(nodes[i].id));
			printf("  %-24s %12lu %12lu %12lu %8lu\n", label, nodes[i].limit,
			       nodes[i].use, nodes[i].peak, nodes[i].objects);
		}
		skip += n;
	} while (n && skip < total);
}

/* ---- the scene ---- */

static unsigned long kv_pub;

static long
kv_request(unsigned long cap, unsigned long label, unsigned long key, unsigned long value)
{
	struct tally_msg m = { .info = tally_msginfo(label, 2, 0), .mr = { key, value } };
	long err = tally_call(cap, &m);

	return err ? err : (long)tally_msginfo_label(m.info);
}

/* Connect to the key-value server, paying with `bank`; the session in a fresh slot. */
static long
kv_connect(unsigned long bank, unsigned long *session)
{
	struct tally_msg m = { .info = tally_msginfo(KV_CONNECT, 0, 1) };
	long err;

	*session = slot_alloc();
	tally_ipcbuf()->cap = bank;
	tally_ipcbuf()->recv_slot = *session;
	err = tally_call(kv_pub, &m);
	tally_ipcbuf()->recv_slot = 0;
	return err ? err : (long)tally_msginfo_label(m.info);
}

static long
start_kv(struct tally_sup *sup)
{
	const struct tally_sup_spec spec = {
		.module = tally_proc_module(tally_bootinfo, "kv.elf"), .limit = 2 * MIB,
		.radix = KV_RADIX, .prio = PRIO, .args = "",
	};
	unsigned long pid, ep = slot_alloc();
	struct tally_proc *p;
	long err = tally_sup_spawn(sup, &spec, &pid);

	if (err)
		return err;
	p = tally_sup_proc(sup, pid);
	name_bank(p->bank, "kv server");
	kv_pub = slot_alloc();
	err = tally_bank_alloc(p->bank, TALLY_OBJ_ENDPOINT, 0, ROOT, ep);
	if (!err)
		err = tally_proc_give(p, ep, TALLY_RIGHTS_ALL, NULL);
	if (!err)
		err = tally_cnode_copy(ROOT, kv_pub, ep, 64, TALLY_RIGHT_WRITE | TALLY_RIGHT_GRANT);
	if (!err)
		err = tally_sup_start(sup, pid);
	return err;
}

/* Two clients pay for their state; the small one fills its quota. */
static long
clients(unsigned long root)
{
	unsigned long all = slot_alloc(), a = slot_alloc(), b = slot_alloc(), sa, sb, k;
	long err = tally_bank_create(root, 4 * MIB, ROOT, all);

	if (!err)
		err = tally_bank_create(all, MIB, ROOT, a);
	if (!err)
		err = tally_bank_create(all, 24 * KIB, ROOT, b);
	if (err)
		return err;
	name_bank(all, "clients");
	name_bank(a, "client a");
	name_bank(b, "client b (full)");
	err = kv_connect(a, &sa);
	if (!err)
		err = kv_connect(b, &sb);
	for (k = 1; !err && k <= 200; k++)
		err = kv_request(sa, KV_PUT, k, k * k);
	for (k = 1; !err; k++)
		err = kv_request(sb, KV_PUT, k, k);
	printf("init: client a put 200 keys; client b put %lu before %s (its bank is %lu KiB)\n",
	       k - 2, tally_error_name(err), 24ul);
	return err == TALLY_ERR_NO_MEMORY ? TALLY_OK : err;
}

static long
scene(unsigned long root)
{
	static struct tally_sup sup;
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE,
		.scratch = 0x630000000000ul, .slot_alloc = slot_alloc, .slot_free = slot_free,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
	};
	const struct tally_sup_spec spec = {
		.module = tally_proc_module(tally_bootinfo, "peer.elf"), .limit = 512 * KIB,
		.prio = PRIO, .args = "exit",
	};
	unsigned long servers = slot_alloc(), ep = slot_alloc(), reply = slot_alloc(), pid;
	struct tally_sup_event ev;
	long err = tally_bank_create(root, 16 * MIB, ROOT, servers);

	name_bank(root, "pool");
	name_bank(servers, "supervisor");
	if (!err)
		err = tally_bank_alloc(servers, TALLY_OBJ_ENDPOINT, 0, ROOT, ep);
	if (!err)
		err = tally_bank_alloc(servers, TALLY_OBJ_REPLY, 0, ROOT, reply);
	if (!err)
		err = tally_sup_init(&sup, &env, servers, ep, reply);
	if (!err)
		err = start_kv(&sup);
	if (!err)
		err = clients(root);
	if (!err)
		err = tally_sup_spawn(&sup, &spec, &pid);
	if (!err)
		err = tally_sup_start(&sup, pid);
	if (!err)
		err = tally_sup_wait(&sup, &ev, true);
	if (!err)
		printf("init: process %lu exited with status %lu; its bank is gone, every byte back\n",
		       pid, ev.status);
	return err;
}

int
main(const struct tally_bootinfo *bi)
{
	unsigned long list[TALLY_BOOTINFO_UNTYPEDS], n = 0, i, server, root;
	struct tally_proc_env env = {
		.root_cnode = ROOT, .root_vspace = TALLY_SLOT_ROOT_VSPACE,
		.scratch = 0x610000000000ul, .slot_alloc = slot_alloc, .slot_free = slot_free,
		.sched_control = TALLY_SLOT_SCHED_CONTROL,
	};
	long err;

	greet(bi);
	next_slot = bi->first_free_slot;
	/* the bank server is built from the largest Untyped, and sells what is left of it and the rest */
	for (i = 0; i < bi->untyped_count; i++) {
		if (bi->untyped[i].device)
			continue;
		if (!env.untyped || bi->untyped[i].size_bits >
		    bi->untyped[env.untyped - bi->untyped_first].size_bits)
			env.untyped = bi->untyped_first + i;
		list[n++] = bi->untyped_first + i;
	}
	err = tally_bank_server_start(&env, tally_proc_module(bi, "bank.elf"), list, n,
				      TALLY_PRIO_MAX - 1, &server, &root);
	if (!err)
		err = scene(root);
	if (err)
		printf("init: the space bank scene failed: %s\n", tally_error_name(err));
	print_tree(root);
	printf("init: nothing more to run yet; quit QEMU with Ctrl-A then X\n");
	return 0;
}
