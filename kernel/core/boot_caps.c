/*
 * The root task's boot capabilities (see boot_caps.h). They hang directly
 * under the derivation tree's sentinel: they come from nothing the root task
 * could revoke. (The thread's copy of its root CNode capability is a child
 * of slot 1.)
 */
#include <kernel/boot_caps.h>
#include <kernel/arch.h>
#include <kernel/kprintf.h>
#include <kernel/memmap.h>
#include <kernel/object.h>
#include <kernel/panic.h>
#include <string.h>

#define ROOT_SLOTS (1ul << TALLY_ROOT_CNODE_RADIX)

static struct cte *root_slots;

/* Give thread t a copy of the capability in src, in its slot `which`. */
static void
boot_caps_give(struct thread *t, unsigned which, struct cte *src)
{
	cdt_insert(src, &t->slots[which], cap_derive(&src->cap));
}
static unsigned long boot_untyped_next = TALLY_SLOT_FIRST_FREE_FIXED;
static struct tally_untyped_desc boot_untyped_desc[TALLY_BOOTINFO_UNTYPEDS];
static unsigned long boot_untyped_count;

void
boot_caps_create(struct thread *root, paddr_t vspace, paddr_t ipc_buffer)
{
	unsigned long pages = (ROOT_SLOTS << TALLY_CNODE_SLOT_BITS) / PAGE_SIZE;
	paddr_t pa = bootmem_alloc_pages(pages);
	struct cap cn;

	if (!pa)
		panic("boot: no memory for the root CNode (%lu pages)", pages);
	root_slots = arch_phys_to_virt(pa);
	/* the guard takes the bits above the index, so cptr n is slot n */
	cn = cap_make(TALLY_OBJ_CNODE, TALLY_RIGHTS_ALL, CAP_ORIGINAL, TALLY_ROOT_CNODE_RADIX,
		      64 - TALLY_ROOT_CNODE_RADIX, root_slots, 0, 0);
	cdt_insert(NULL, &root_slots[TALLY_SLOT_ROOT_CNODE], cn);
	boot_caps_give(root, TCB_SLOT_CSPACE, &root_slots[TALLY_SLOT_ROOT_CNODE]);
	cdt_insert(NULL, &root_slots[TALLY_SLOT_ROOT_VSPACE],
		   object_original_cap(TALLY_OBJ_PML4, 0, arch_phys_to_virt(vspace), false));
	boot_caps_give(root, TCB_SLOT_VSPACE, &root_slots[TALLY_SLOT_ROOT_VSPACE]);
	cdt_insert(NULL, &root_slots[TALLY_SLOT_ROOT_IPC_BUFFER],
		   object_original_cap(TALLY_OBJ_FRAME_4K, 0, arch_phys_to_virt(ipc_buffer), false));
	boot_caps_give(root, TCB_SLOT_IPC_BUFFER, &root_slots[TALLY_SLOT_ROOT_IPC_BUFFER]);
	root->ipcbuf_addr = TALLY_BOOT_IPC_BUFFER;
	cdt_insert(NULL, &root_slots[TALLY_SLOT_ROOT_THREAD],
		   object_original_cap(TALLY_OBJ_THREAD, 0, root, false));
	cdt_insert(NULL, &root_slots[TALLY_SLOT_IRQ_CONTROL],
		   cap_make(TALLY_OBJ_IRQ_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0, 0));
	cdt_insert(NULL, &root_slots[TALLY_SLOT_SCHED_CONTROL],
		   cap_make(TALLY_OBJ_SCHED_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0,
			    0));
	cdt_insert(NULL, &root_slots[TALLY_SLOT_IOPORT_CONTROL],
		   cap_make(TALLY_OBJ_IOPORT_CONTROL, TALLY_RIGHTS_ALL, CAP_ORIGINAL, 0, 0, NULL, 0,
			    0));
}

/* The largest naturally aligned power-of-two block at base, within end. */
static unsigned
untyped_block_bits(uint64_t base, uint64_t end)
{
	unsigned bits = TALLY_UNTYPED_BITS_MAX;

	while (bits > TALLY_UNTYPED_BITS_MIN &&
	       ((base & ((1ul << bits) - 1)) || end - base < (1ul << bits)))
		bits--;
	return bits;
}

/* Cover [base, end) with Untyped capabilities; return the bytes covered. */
static uint64_t
boot_untyped_range(uint64_t base, uint64_t end, bool device)
{
	uint64_t covered = 0;

	base = ALIGN_UP(base, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	while (base < end) {
		unsigned bits = untyped_block_bits(base, end);

		if (boot_untyped_count == TALLY_BOOTINFO_UNTYPEDS || boot_untyped_next == ROOT_SLOTS) {
			kprintf("boot: out of untyped slots; %#lx..%#lx not handed out\n", base, end);
			break;
		}
		struct cap u = object_original_cap(TALLY_OBJ_UNTYPED, bits, arch_phys_to_virt(base),
						   device);

		/* RAM at boot is not known to be zero: the first retype resets it */
		if (!device)
			cap_set_word2(&u, 1ul << bits);
		cdt_insert(NULL, &root_slots[boot_untyped_next++], u);
		boot_untyped_desc[boot_untyped_count++] = (struct tally_untyped_desc){
			.paddr = base, .size_bits = (unsigned char)bits, .device = device };
		covered += 1ul << bits;
		base += 1ul << bits;
	}
	return covered;
}

void
boot_caps_untypeds(void)
{
	struct tally_mem_region dev[8];
	uint64_t ram = 0;
	unsigned i, n;

	for (i = 0; i < kernel_memmap.free_count; i++)
		ram += boot_untyped_range(kernel_memmap.free[i].base,
					  kernel_memmap.free[i].base + kernel_memmap.free[i].size,
					  false);
	if (ram != kernel_memmap.acct.free)
		panic("boot: untypeds cover %lu bytes of %lu free", ram, kernel_memmap.acct.free);
	n = arch_device_memory(dev, ARRAY_SIZE(dev));
	for (i = 0; i < n; i++)
		boot_untyped_range(dev[i].base, dev[i].base + dev[i].size, true);
	kprintf("boot: %lu untypeds in root slots %u..%lu (%lu bytes of RAM)\n", boot_untyped_count,
		TALLY_SLOT_FIRST_FREE_FIXED, boot_untyped_next - 1, ram);
}

static struct tally_module_desc boot_module_desc[TALLY_BOOTINFO_MODULES];
static unsigned long boot_module_count;

void
boot_caps_modules(const struct boot_desc *bd)
{
	unsigned i;

	for (i = 0; i < bd->module_count && i < TALLY_BOOTINFO_MODULES; i++) {
		const struct boot_module *m = &bd->modules[i];
		paddr_t pa = ALIGN_DOWN(m->start, PAGE_SIZE), end = ALIGN_UP(m->end, PAGE_SIZE);
		struct tally_module_desc *md = &boot_module_desc[boot_module_count];

		if (boot_untyped_next + (end - pa) / PAGE_SIZE > ROOT_SLOTS) {
			kprintf("boot: no root slots left for module '%s'\n", m->string);
			break;
		}
		md->first_slot = boot_untyped_next;
		md->pages = (end - pa) / PAGE_SIZE;
		md->offset = m->start - pa;
		md->size = m->end - m->start;
		strlcpy(md->name, m->string, sizeof(md->name));
		for (; pa < end; pa += PAGE_SIZE)
			cdt_insert(NULL, &root_slots[boot_untyped_next++],
				   cap_make(TALLY_OBJ_FRAME_4K, TALLY_RIGHT_READ | TALLY_RIGHT_EXEC,
					    CAP_ORIGINAL, 0, 0, arch_phys_to_virt(pa), 0, 0));
		boot_module_count++;
	}
}

void
boot_caps_publish(struct tally_bootinfo *bi)
{
	unsigned long i;

	bi->root_cnode_radix = TALLY_ROOT_CNODE_RADIX;
	bi->untyped_first = TALLY_SLOT_FIRST_FREE_FIXED;
	bi->untyped_count = boot_untyped_count;
	bi->first_free_slot = boot_untyped_next;
	for (i = 0; i < boot_untyped_count; i++)
		bi->untyped[i] = boot_untyped_desc[i];
	bi->module_count = boot_module_count;
	for (i = 0; i < boot_module_count; i++)
		bi->modules[i] = boot_module_desc[i];
}
