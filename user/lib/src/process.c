/* Building processes from boot modules: see <libtally/process.h>. */
#include <libtally/process.h>
#include <libtally/bank.h>
#include <libtally/cap.h>
#include <libtally/thread.h>
#include <string.h>

#define PAGE 4096ul
#define SCRATCH_IMAGE 0                  /* scratch + 0: the module's pages, to read */
#define SCRATCH_FILL  (1ul << 20)        /* scratch + 1 MiB: one page being filled */
#define STACK_PAGES 4
#define MAX_TABLES 8

/* ELF64, the little a loader needs. */
struct elf_ehdr {
	unsigned char ident[16];
	unsigned short type, machine;
	unsigned int version;
	unsigned long entry, phoff, shoff;
	unsigned int flags;
	unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	unsigned int type, flags;
	unsigned long offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

/* A build in progress: what to undo if it fails. */
struct build {
	struct tally_proc *p;
	const struct tally_proc_env *env;
	unsigned long tables[MAX_TABLES];    /* the child's page tables: vaddr they cover */
	unsigned long ntables;
	unsigned long scratch_tables[3];     /* caller's slots */
	unsigned long tmp;                   /* a caller's slot for one capability at a time */
	const unsigned char *image;
	unsigned long image_size;
	const struct tally_module_desc *m;
};

/* A new object for the process, bought from its Untyped or its bank, in the caller's slot. */
static long
new_object(struct build *b, unsigned long type, unsigned long size_bits, unsigned long slot)
{
	if (b->p->bank)
		return tally_bank_alloc(b->p->bank, type, size_bits, b->env->root_cnode, slot);
	return tally_untyped_retype(b->p->untyped, type, size_bits, b->env->root_cnode, slot, 1);
}

/* Give back an object new_object made (through the bank, which accounts for it). */
static void
drop_object(struct build *b, unsigned long slot)
{
	if (b->p->bank)
		tally_bank_free(b->p->bank, b->env->root_cnode, slot);
	else
		tally_cnode_delete(b->env->root_cnode, slot);
}

/* Make a table of `type` and map it into `pml4` at va; it is kept in slot. */
static long
map_table(struct build *b, unsigned long type, unsigned long pml4, unsigned long va,
	  unsigned long slot)
{
	long err = new_object(b, type, 0, slot);

	if (!err)
		err = tally_page_table_map(slot, pml4, va);
	return err;
}

/* Park the capability in the caller's slot `tmp` in the child's next free slot. */
static long
stash(struct build *b)
{
	long err = tally_cnode_move(b->p->cnode, b->p->next_free, b->tmp, 64);

	if (!err)
		b->p->next_free++;
	return err;
}

/* The child needs a PT for the 2 MiB around va (and the PDPT and PD above, made first). */
static long
child_table_for(struct build *b, unsigned long va)
{
	unsigned long region = va & ~((1ul << 21) - 1), i;
	long err;

	for (i = 0; i < b->ntables; i++)
		if (b->tables[i] == region)
			return TALLY_OK;
	if (b->ntables == MAX_TABLES)
		return TALLY_ERR_RANGE;
	err = map_table(b, TALLY_OBJ_PT, b->p->vspace, region, b->tmp);
	if (!err)
		err = stash(b);
	if (!err)
		b->tables[b->ntables++] = region;
	return err;
}

/* Map a fresh frame into the child at va with rights, filled from `src` (n bytes, may be 0). */
static long
child_page(struct build *b, unsigned long va, unsigned long rights, const void *src,
	   unsigned long n, unsigned long *keep)
{
	unsigned long fill = b->env->scratch + SCRATCH_FILL;
	long err = child_table_for(b, va);

	if (!err)
		err = new_object(b, TALLY_OBJ_FRAME_4K, 0, b->tmp);
	if (!err && n) {
		err = tally_frame_map(b->tmp, b->env->root_vspace, fill,
				      TALLY_RIGHT_READ | TALLY_RIGHT_WRITE);
		if (!err) {
			memcpy((void *)fill, src, n);
			err = tally_frame_unmap(b->tmp);
		}
	}
	if (!err)
		err = tally_frame_map(b->tmp, b->p->vspace, va, rights);
	if (!err && keep) {
		/* the caller wants this one in a slot of its own (the IPC buffer) */
		err = tally_cnode_copy(b->env->root_cnode, *keep, b->tmp, 64, TALLY_RIGHTS_ALL);
	}
	if (!err)
		err = stash(b);
	return err;
}

/* Share the module's page at file offset `off` with the child at va, read-only. */
static long
child_shared_page(struct build *b, unsigned long va, unsigned long rights, unsigned long off)
{
	unsigned long frame = b->m->first_slot + (b->m->offset + off) / PAGE;
	long err = child_table_for(b, va);

	if (!err)
		err = tally_cnode_copy(b->env->root_cnode, b->tmp, frame, 64, rights);
	if (!err)
		err = tally_frame_map(b->tmp, b->p->vspace, va, rights);
	if (!err)
		err = stash(b);
	return err;
}

static unsigned long
elf_rights(unsigned int flags)
{
	return TALLY_RIGHT_READ | (flags & PF_W ? TALLY_RIGHT_WRITE : 0) |
	       (flags & PF_X ? TALLY_RIGHT_EXEC : 0);
}

static long
load_segment(struct build *b, const struct elf_phdr *ph)
{
	unsigned long va, rights = elf_rights(ph->flags);
	long err = TALLY_OK;

	if (ph->filesz > ph->memsz || ph->offset > b->image_size ||
	    ph->filesz > b->image_size - ph->offset || ph->vaddr % PAGE != ph->offset % PAGE ||
	    ph->vaddr + ph->memsz < ph->vaddr || ph->vaddr + ph->memsz > TALLY_PROC_STACK_TOP -
	    STACK_PAGES * PAGE || ph->vaddr < PAGE)
		return TALLY_ERR_INVALID_ARGUMENT;
	for (va = ph->vaddr & ~(PAGE - 1); !err && va < ph->vaddr + ph->memsz; va += PAGE) {
		unsigned long lo = va < ph->vaddr ? ph->vaddr : va;   /* bytes of the file here */
		unsigned long hi = ph->vaddr + ph->filesz < va + PAGE ? ph->vaddr + ph->filesz : va + PAGE;
		unsigned char page[PAGE];

		if (!(ph->flags & PF_W) && b->m->offset == 0 && hi == va + PAGE && lo == va) {
			err = child_shared_page(b, va, rights, ph->offset + (va - ph->vaddr));
			continue;
		}
		memset(page, 0, sizeof(page));
		if (lo < hi)
			memcpy(page + (lo - va), b->image + ph->offset + (lo - ph->vaddr), hi - lo);
		err = child_page(b, va, rights, page, PAGE, NULL);
	}
	return err;
}

static long
load_image(struct build *b, unsigned long *entry)
{
	const struct elf_ehdr *eh = (const void *)b->image;
	unsigned i;
	long err;

	if (b->image_size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->machine != 62 || eh->phentsize != sizeof(struct elf_phdr) ||
	    eh->phoff > b->image_size || eh->phnum > (b->image_size - eh->phoff) / sizeof(struct elf_phdr))
		return TALLY_ERR_INVALID_ARGUMENT;
	for (i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph = (const void *)(b->image + eh->phoff + i * sizeof(*ph));

		if (ph->type != PT_LOAD)
			continue;
		err = load_segment(b, ph);
		if (err)
			return err;
	}
	*entry = eh->entry;
	return TALLY_OK;
}

/* Map the module at scratch in the caller's space, with the tables to hold it. */
static long
map_module(struct build *b)
{
	const struct tally_proc_env *env = b->env;
	unsigned long i;
	long err;

	if (b->m->pages * PAGE > SCRATCH_FILL)
		return TALLY_ERR_RANGE;
	err = TALLY_OK;
	if (!env->scratch_mapped) {
		err = map_table(b, TALLY_OBJ_PDPT, env->root_vspace, env->scratch,
				b->scratch_tables[0]);
		if (err == TALLY_ERR_SLOT_OCCUPIED) {
			drop_object(b, b->scratch_tables[0]);
			err = TALLY_OK;   /* a PDPT is there already */
		}
		if (!err)
			err = map_table(b, TALLY_OBJ_PD, env->root_vspace, env->scratch,
					b->scratch_tables[1]);
		if (!err)
			err = map_table(b, TALLY_OBJ_PT, env->root_vspace, env->scratch,
					b->scratch_tables[2]);
	}
	for (i = 0; !err && i < b->m->pages; i++)
		err = tally_frame_map(b->m->first_slot + i, env->root_vspace,
				      env->scratch + SCRATCH_IMAGE + i * PAGE, TALLY_RIGHT_READ);
	b->image = (const unsigned char *)(env->scratch + SCRATCH_IMAGE) + b->m->offset;
	b->image_size = b->m->size;
	return err;
}

static void
unmap_module(struct build *b)
{
	unsigned long i;

	for (i = 0; i < b->m->pages; i++)
		tally_frame_unmap(b->m->first_slot + i);
	for (i = 3; !b->env->scratch_mapped && i-- > 0;) {
		struct tally_slot_info si;

		if (tally_cnode_inspect(b->env->root_cnode, b->scratch_tables[i], &si) == TALLY_OK &&
		    si.type != TALLY_OBJ_NULL)
			drop_object(b, b->scratch_tables[i]);
	}
}

/* The information page: a boot-info record with the process's arguments. */
static long
info_page(struct build *b, const char *args)
{
	struct tally_bootinfo bi;

	memset(&bi, 0, sizeof(bi));
	bi.magic = TALLY_BOOTINFO_MAGIC;
	bi.size = sizeof(bi);
	bi.thread_index = ~0ul;
	bi.root_cnode_radix = b->p->radix;
	bi.first_free_slot = b->p->next_free + 1;   /* after this page's own slot */
	strlcpy(bi.args, args ? args : "", sizeof(bi.args));
	return child_page(b, TALLY_PROC_INFO, TALLY_RIGHT_READ, &bi, sizeof(bi), NULL);
}

/*
 * The process's thread: configured with its CSpace (the guarded copy in the
 * caller's slot `guarded`), address space, IPC buffer and fault endpoint,
 * at priority prio, to start at entry. Threads are made here only.
 */
static long
proc_thread(struct build *b, unsigned long guarded, unsigned long ipc, unsigned long entry,
	    unsigned long prio, unsigned long fault_ep)
{
	struct tally_proc *p = b->p;
	struct tally_regs regs = { 0 };
	long err = new_object(b, TALLY_OBJ_THREAD, 0, p->thread);

	/* its time, from what the process is made of: the whole CPU until the caller says */
	if (!err)
		err = new_object(b, TALLY_OBJ_SCHED_CONTEXT, 0, p->sc);
	if (!err)
		err = tally_sched_control_configure(b->env->sched_control, p->sc, 1, 1);
	if (!err)
		err = tally_tcb_set_sched_context(p->thread, p->sc);
	/* and a spare context, for one more thread it may make */
	if (!err)
		err = new_object(b, TALLY_OBJ_SCHED_CONTEXT, 0, b->tmp);
	if (!err)
		err = tally_sched_control_configure(b->env->sched_control, b->tmp, 1, 1);
	if (!err)
		err = tally_cnode_move(p->cnode, TALLY_PROC_SLOT_SPARE_SC, b->tmp, 64);
	if (!err)
		err = tally_tcb_configure(p->thread, guarded, p->vspace, ipc, TALLY_PROC_IPC_BUFFER,
					  fault_ep);
	if (!err)
		err = tally_tcb_set_priority(p->thread, prio);
	regs.rip = entry;
	regs.rsp = TALLY_PROC_STACK_TOP;
	regs.rdi = TALLY_PROC_INFO;
	if (!err)
		err = tally_tcb_write_regs(p->thread, &regs);
	if (!err)
		err = tally_cnode_copy(p->cnode, TALLY_PROC_SLOT_THREAD, p->thread, 64, TALLY_RIGHTS_ALL);
	return err;
}

/* The address space: the image, the stack, the IPC buffer (also in the caller's slot ipc), the info page. */
static long
build_space(struct build *b, const char *args, unsigned long ipc, unsigned long *entry)
{
	struct tally_proc *p = b->p;
	unsigned long i;
	long err;

	err = map_table(b, TALLY_OBJ_PDPT, p->vspace, 0, b->tmp);
	if (!err)
		err = stash(b);
	if (!err)
		err = map_table(b, TALLY_OBJ_PD, p->vspace, 0, b->tmp);
	if (!err)
		err = stash(b);
	if (!err)
		err = map_module(b);
	if (!err)
		err = load_image(b, entry);
	for (i = 1; !err && i <= STACK_PAGES; i++)
		err = child_page(b, TALLY_PROC_STACK_TOP - i * PAGE,
				 TALLY_RIGHT_READ | TALLY_RIGHT_WRITE, NULL, 0, NULL);
	if (!err)
		err = child_page(b, TALLY_PROC_IPC_BUFFER, TALLY_RIGHT_READ | TALLY_RIGHT_WRITE,
				 NULL, 0, &ipc);
	if (!err)
		err = tally_cnode_copy(p->cnode, TALLY_PROC_SLOT_IPC_BUFFER, ipc, 64, TALLY_RIGHTS_ALL);
	if (!err)
		err = info_page(b, args);
	unmap_module(b);
	return err;
}

static long
build(struct build *b, const struct tally_proc_spec *spec)
{
	const struct tally_proc_env *env = b->env;
	struct tally_proc *p = b->p;
	unsigned long entry = 0, ipc = env->slot_alloc(), guarded = env->slot_alloc();
	long err;

	err = new_object(b, TALLY_OBJ_CNODE, p->radix, p->cnode);
	if (!err)
		err = new_object(b, TALLY_OBJ_PML4, 0, p->vspace);
	/* its own CNode, guarded so that cptr n is its slot n */
	if (!err)
		err = tally_cnode_mint(env->root_cnode, guarded, p->cnode, 64, TALLY_RIGHTS_ALL,
				       64 - p->radix);
	if (!err)
		err = tally_cnode_copy(p->cnode, TALLY_PROC_SLOT_CNODE, guarded, 64, TALLY_RIGHTS_ALL);
	if (!err)
		err = tally_cnode_copy(p->cnode, TALLY_PROC_SLOT_VSPACE, p->vspace, 64, TALLY_RIGHTS_ALL);
	if (!err && p->bank)
		err = tally_bank_mint_spend(p->bank, p->cnode, TALLY_PROC_SLOT_BANK);
	p->next_free = TALLY_PROC_SLOT_FREE + TALLY_PROC_GIFTS;   /* the builder's pages and tables */
	if (!err)
		err = build_space(b, spec->args, ipc, &entry);
	if (!err)
		err = proc_thread(b, guarded, ipc, entry, spec->prio, spec->fault_ep);
	/* the thread holds its own copies now */
	tally_cnode_delete(env->root_cnode, ipc);
	tally_cnode_delete(env->root_cnode, guarded);
	env->slot_free(ipc);
	env->slot_free(guarded);
	p->next_free = TALLY_PROC_SLOT_FREE;   /* gifts go to the slots before the builder's */
	return err;
}

long
tally_proc_build(struct tally_proc *p, const struct tally_proc_env *env,
		 const struct tally_proc_spec *spec)
{
	struct build b = { .p = p, .env = env, .m = spec->module };
	unsigned i;
	long err = TALLY_OK;

	memset(p, 0, sizeof(*p));
	p->bank = spec->bank;
	p->radix = spec->radix ? spec->radix : TALLY_PROC_RADIX;
	if (!p->bank)
		p->untyped = env->slot_alloc();
	p->cnode = env->slot_alloc();
	p->vspace = env->slot_alloc();
	p->thread = env->slot_alloc();
	p->sc = env->slot_alloc();
	b.tmp = env->slot_alloc();
	for (i = 0; i < 3; i++)
		b.scratch_tables[i] = env->slot_alloc();
	if (!p->bank) {
		p->bytes = 1ul << spec->untyped_bits;
		err = tally_untyped_retype(env->untyped, TALLY_OBJ_UNTYPED, spec->untyped_bits,
					   env->root_cnode, p->untyped, 1);
	}
	if (!err)
		err = build(&b, spec);
	tally_cnode_delete(env->root_cnode, b.tmp);
	env->slot_free(b.tmp);
	for (i = 0; i < 3; i++)
		env->slot_free(b.scratch_tables[i]);
	if (err)
		tally_proc_destroy(p, env);
	return err;
}

long
tally_proc_create(struct tally_proc *p, const struct tally_proc_env *env,
		  const struct tally_module_desc *m, unsigned untyped_bits, unsigned long prio,
		  const char *args, unsigned long fault_ep)
{
	const struct tally_proc_spec spec = {
		.module = m, .untyped_bits = untyped_bits, .prio = prio, .args = args,
		.fault_ep = fault_ep,
	};

	return tally_proc_build(p, env, &spec);
}

long
tally_proc_give(struct tally_proc *p, unsigned long cap, unsigned long rights,
		unsigned long *child_slot)
{
	long err;

	if (p->next_free >= TALLY_PROC_SLOT_FREE + TALLY_PROC_GIFTS)
		return TALLY_ERR_RANGE;
	err = tally_cnode_copy(p->cnode, p->next_free, cap, 64, rights);
	if (!err && child_slot)
		*child_slot = p->next_free;
	if (!err)
		p->next_free++;
	return err;
}

long
tally_proc_give_at(struct tally_proc *p, unsigned long cap, unsigned long rights,
		   unsigned long slot)
{
	return tally_cnode_copy(p->cnode, slot, cap, 64, rights);
}

const struct tally_module_desc *
tally_proc_module(const struct tally_bootinfo *bi, const char *name)
{
	unsigned long i, k, n = strlen(name);

	for (i = 0; i < bi->module_count; i++)
		for (k = 0; bi->modules[i].name[k]; k++)
			if (!strncmp(bi->modules[i].name + k, name, n))
				return &bi->modules[i];
	return NULL;
}

long
tally_proc_start(struct tally_proc *p)
{
	return tally_tcb_resume(p->thread);
}

long
tally_proc_destroy(struct tally_proc *p, const struct tally_proc_env *env)
{
	long err = TALLY_OK;

	if (p->untyped) {
		err = tally_cnode_revoke(env->root_cnode, p->untyped);
		if (!err)
			err = tally_cnode_delete(env->root_cnode, p->untyped);
		env->slot_free(p->untyped);
	} else if (p->bank) {
		err = tally_bank_destroy(p->bank);
		tally_cnode_delete(env->root_cnode, p->bank);   /* empty by now, unless it failed */
		env->slot_free(p->bank);
	}
	if (p->cnode) {
		env->slot_free(p->cnode);
		env->slot_free(p->vspace);
		env->slot_free(p->thread);
		env->slot_free(p->sc);
	}
	memset(p, 0, sizeof(*p));
	return err;
}
