/*
 * Page tables on x86_64: the kernel's own tables, the physical-memory map,
 * user address spaces of the boot tasks, and copies to and from user space.
 *
 * Layout (docs/memory.md):
 *   0 .. USER_TOP                     user space (lower half)
 *   PHYSMAP_BASE + pa                 usable RAM only, no-execute (2 MiB
 *                                     pages where they fit)
 *   KERNEL_VMA + pa                   the kernel image, 4 KiB pages with
 *                                     text RX, rodata R, data and bss RW
 *   DEVICE_BASE ..                    device registers, uncached
 * The kernel half uses two PML4 entries (physmap, and the top one holding
 * image and devices), both made before the first address space copies them;
 * the kernel adds no PML4 entry later, so every space shares them for good.
 *
 * User-half tables, the boot tasks' as well as retyped ones, are page-table
 * objects: the 4 KiB hardware table followed by a 4 KiB page of the record
 * (vspace.c) of which capability mapped each entry. The boot tasks' tables
 * come from bootmem with a zeroed record (no capability made those entries),
 * so the root task can map its own frames into them later.
 */
#include <kernel/arch.h>
#include <tally/bootinfo.h>
#include <tally/cap.h>
#include <kernel/memmap.h>
#include <kernel/panic.h>
#include <string.h>
#include <arch/x86.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[];

static uint64_t paging_kernel_pml4;
static bool paging_physmap_ready;
static uint64_t paging_device_next = DEVICE_BASE;

void *
arch_phys_to_virt(paddr_t pa)
{
	if (paging_physmap_ready)
		return (void *)(PHYSMAP_BASE + pa);
	assert(pa < BOOT_MAP_LIMIT);
	return (void *)(KERNEL_VMA + pa);
}

uint64_t
arch_bootmem_limit(void)
{
	return paging_physmap_ready ? UINT64_MAX : BOOT_MAP_LIMIT;
}

static uint64_t *
table_of(uint64_t entry)
{
	return arch_phys_to_virt(entry & PTE_ADDR);
}

/* Pages of a table made at boot: the kernel's one, a user page-table object two. */
#define KERNEL_TABLE_PAGES 1
#define USER_TABLE_PAGES   (1ul << (TALLY_PAGE_TABLE_BITS - 12))

/*
 * The entry for `va` at `level` (3 = PML4 ... 0 = PT) under table `pml4`,
 * making missing tables on the way with flags `inner`, each `pages` pages
 * long. NULL when out of memory or when a large page is in the way.
 */
static uint64_t *
paging_walk(uint64_t pml4, vaddr_t va, unsigned level, uint64_t inner, unsigned long pages)
{
	uint64_t *table = arch_phys_to_virt(pml4);
	unsigned l;

	for (l = 3; l > level; l--) {
		uint64_t *e = &table[(va >> (12 + 9 * l)) & 511];

		if (!(*e & PTE_P)) {
			paddr_t pa = bootmem_alloc_pages(pages);

			if (!pa)
				return NULL;
			*e = pa | inner;
		}
		if (*e & PTE_PS)
			return NULL;
		table = table_of(*e);
	}
	return &table[(va >> (12 + 9 * level)) & 511];
}

static void
paging_map_kernel(uint64_t va, uint64_t pa, uint64_t flags, unsigned level)
{
	uint64_t *e = paging_walk(paging_kernel_pml4, va, level, PTE_P | PTE_W, KERNEL_TABLE_PAGES);

	if (!e)
		panic("paging: out of boot memory mapping the kernel");
	*e = pa | flags | PTE_P | PTE_G | (level ? PTE_PS : 0);
}

/*
 * The guard pages of entry.S: the page below the kernel stack and the page
 * below each IST stack (every stack is followed by the next one's guard).
 */
static bool
paging_is_stack_guard(uint64_t va)
{
	uint64_t k = (uint64_t)x86_kstack_guard;

	return va == k || va == (uint64_t)x86_kstack_top ||
	       va == (uint64_t)x86_ist_df_top || va == (uint64_t)x86_ist_nmi_top;
}

static void
paging_map_kernel_range(char *start, char *end, uint64_t flags)
{
	uint64_t va;

	for (va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE)
		if (!paging_is_stack_guard(va))
			paging_map_kernel(va, va - KERNEL_VMA, flags, 0);
}

/*
 * Map usable RAM [base, end) into the physmap: 2 MiB pages where a whole
 * one fits and no table is there already, 4 KiB pages elsewhere, so no
 * device register shares a cacheable mapping with RAM. Ranges are disjoint,
 * so a page found mapped is mapped to itself.
 */
static void
paging_map_physmap(uint64_t base, uint64_t end)
{
	uint64_t pa = ALIGN_DOWN(base, PAGE_SIZE);

	end = ALIGN_UP(end, PAGE_SIZE);
	while (pa < end) {
		uint64_t va = PHYSMAP_BASE + pa, *e = NULL;
		unsigned level = 0;

		if (pa % (1ul << 21) == 0 && end - pa >= (1ul << 21)) {
			e = paging_walk(paging_kernel_pml4, va, 1, PTE_P | PTE_W, KERNEL_TABLE_PAGES);
			level = e && !(*e & PTE_P) ? 1 : 0;   /* a table there: use 4 KiB */
		}
		if (!level)
			e = paging_walk(paging_kernel_pml4, va, 0, PTE_P | PTE_W, KERNEL_TABLE_PAGES);
		if (!e)
			panic("paging: out of boot memory mapping RAM at %#lx", pa);
		if (!(*e & PTE_P))
			*e = pa | PTE_P | PTE_W | PTE_NX | PTE_G | (level ? PTE_PS : 0);
		pa += level ? 1ul << 21 : PAGE_SIZE;
	}
}

void
arch_memory_init(const struct tally_mem_region *usable, unsigned n)
{
	unsigned i;

	paging_kernel_pml4 = bootmem_alloc_page();
	if (!paging_kernel_pml4)
		panic("paging: no memory for the kernel's page tables");
	for (i = 0; i < n; i++)
		paging_map_physmap(usable[i].base, usable[i].base + usable[i].size);
	paging_map_kernel_range(__text_start, __text_end, 0);
	paging_map_kernel_range(__rodata_start, __rodata_end, PTE_NX);
	paging_map_kernel_range(__data_start, (char *)ALIGN_UP((uint64_t)__bss_end, PAGE_SIZE),
				PTE_W | PTE_NX);
	/* the device window's page table, so later device mappings need no memory */
	if (!paging_walk(paging_kernel_pml4, DEVICE_BASE, 0, PTE_P | PTE_W, KERNEL_TABLE_PAGES))
		panic("paging: out of boot memory for the device window");
	write_cr3(paging_kernel_pml4);
	paging_physmap_ready = true;
}

uint64_t *
paging_map_device(paddr_t pa)
{
	uint64_t va = paging_device_next;

	if (va >= DEVICE_BASE + (2ul << 20))
		panic("paging: device window full");
	paging_device_next += PAGE_SIZE;
	paging_map_kernel(va, ALIGN_DOWN(pa, PAGE_SIZE), PTE_W | PTE_NX | PTE_PCD | PTE_PWT, 0);
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	return (uint64_t *)(va + (pa & (PAGE_SIZE - 1)));
}

bool
arch_vspace_create(struct arch_vspace *vs)
{
	paddr_t pml4 = bootmem_alloc_pages(USER_TABLE_PAGES);
	uint64_t *dst, *src;

	if (!pml4)
		return false;
	dst = arch_phys_to_virt(pml4);
	src = arch_phys_to_virt(paging_kernel_pml4);
	memcpy(dst + 256, src + 256, 256 * sizeof(uint64_t));
	vs->pml4 = pml4;
	return true;
}

void
arch_vspace_init_root(void *pml4)
{
	uint64_t *src = arch_phys_to_virt(paging_kernel_pml4);

	memcpy((uint64_t *)pml4 + 256, src + 256, 256 * sizeof(uint64_t));
}

paddr_t
arch_kernel_root(void)
{
	return paging_kernel_pml4;
}

void
arch_vspace_forget_root(paddr_t root)
{
	if (read_cr3() == root)
		write_cr3(paging_kernel_pml4);
}

paddr_t
arch_vspace_root(const struct arch_vspace *vs)
{
	return vs->pml4;
}

bool
arch_vspace_map(struct arch_vspace *vs, vaddr_t va, paddr_t pa, unsigned rights)
{
	uint64_t *e;

	if (va % PAGE_SIZE || pa % PAGE_SIZE || !arch_user_range_ok(va, PAGE_SIZE))
		return false;
	e = paging_walk(vs->pml4, va, 0, PTE_P | PTE_W | PTE_U, USER_TABLE_PAGES);
	if (!e || (*e & PTE_P))
		return false;
	*e = arch_pte_frame(pa, 0, rights);
	return true;
}

/* ---- page-table entries for vspace.c (see arch.h) ---- */

unsigned
arch_pt_index(vaddr_t va, unsigned level)
{
	return (va >> arch_pt_entry_bits(level)) & (ARCH_PT_ENTRIES - 1);
}

unsigned
arch_pt_entry_bits(unsigned level)
{
	return 12 + 9 * level;
}

/* Tables above a leaf allow everything: the leaf alone decides the rights. */
uint64_t
arch_pte_table(void *table)
{
	return arch_kva_to_phys(table) | PTE_P | PTE_W | PTE_U;
}

uint64_t
arch_pte_frame(paddr_t pa, unsigned level, unsigned rights)
{
	uint64_t e = pa | PTE_P | PTE_U;

	if (rights & ARCH_MAP_WRITE)
		e |= PTE_W;
	if (!(rights & ARCH_MAP_EXEC))
		e |= PTE_NX;
	if (rights & ARCH_MAP_DEVICE)
		e |= PTE_PCD | PTE_PWT;
	if (level > 0)
		e |= PTE_PS;
	return e;
}

bool
arch_pte_present(uint64_t e)
{
	return e & PTE_P;
}

void *
arch_pte_next_table(uint64_t e, unsigned level)
{
	if (!(e & PTE_P) || level == 0 || (e & PTE_PS))
		return NULL;
	return table_of(e);
}

/* Without PCIDs, reloading CR3 drops every non-global translation; user pages are never global. */
void
arch_tlb_flush(void)
{
	write_cr3(read_cr3());
}

paddr_t
arch_kva_to_phys(const void *p)
{
	uint64_t va = (uint64_t)p;

	if (va >= KERNEL_VMA)
		return va - KERNEL_VMA;
	assert(va >= PHYSMAP_BASE && va < PHYSMAP_BASE + (1ul << 46));
	return va - PHYSMAP_BASE;
}

bool
arch_user_range_ok(uaddr_t start, size_t len)
{
	return start <= USER_TOP && len <= USER_TOP - start;
}

static inline void
smap_open(void)
{
	if (x86_has_smap)
		__asm__ volatile("stac" ::: "memory");
}

static inline void
smap_close(void)
{
	if (x86_has_smap)
		__asm__ volatile("clac" ::: "memory");
}

bool
arch_copy_from_user(void *dst, uaddr_t src, size_t n)
{
	int fault;

	if (!arch_user_range_ok(src, n))
		return false;
	smap_open();
	fault = x86_user_copy(dst, (const void *)src, n);
	smap_close();
	return !fault;
}

bool
arch_copy_to_user(uaddr_t dst, const void *src, size_t n)
{
	int fault;

	if (!arch_user_range_ok(dst, n))
		return false;
	smap_open();
	fault = x86_user_copy((void *)dst, src, n);
	smap_close();
	return !fault;
}
