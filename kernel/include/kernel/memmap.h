/*
 * Physical memory accounting and the boot-time page allocator.
 *
 * memmap_init classifies every byte the firmware reports: usable RAM is split
 * into low memory (below 1 MiB), the kernel image, the boot modules and free
 * ranges; reserved ranges are counted apart. bootmem_alloc_pages hands out zeroed
 * pages from the free ranges while the kernel boots and charges them to the
 * "boot" class; memmap_seal ends that for good. After the seal the kernel
 * allocates nothing (DESIGN.md rule 1).
 */
#ifndef KERNEL_MEMMAP_H
#define KERNEL_MEMMAP_H

#include <kernel/boot.h>
#include <tally/bootinfo.h>

#define PAGE_SIZE 4096ul
#define LOW_MEMORY_END 0x100000ul

#define MEMMAP_FREE_MAX TALLY_BOOTINFO_REGIONS

struct memmap {
	struct tally_mem_account acct;
	struct tally_mem_region usable[MEMMAP_FREE_MAX]; /* usable RAM, merged, sorted */
	unsigned usable_count;
	struct tally_mem_region free[MEMMAP_FREE_MAX];
	unsigned free_count;
	bool sealed;
};

/*
 * Build the accounting from the boot description. Overlapping or unsorted
 * firmware entries are resolved (reserved wins over usable), entries are cut
 * to whole pages, and free ranges come out sorted and disjoint. Returns false
 * if the description is unusable: no free memory at all, or more free ranges
 * than MEMMAP_FREE_MAX (a firmware map too fragmented to describe).
 */
bool memmap_init(struct memmap *mm, const struct boot_desc *bd);

/*
 * Take one page from the lowest free range, charge it to "boot" and return
 * its physical address, or 0 when there is none left or the map is sealed.
 * The caller zeroes it (bootmem_alloc_page does).
 */
paddr_t memmap_take_page(struct memmap *mm);

/*
 * Take n contiguous pages from the lowest free range that has them, all
 * below `limit`, or 0.
 */
paddr_t memmap_take_pages(struct memmap *mm, unsigned long n, uint64_t limit);

/* End boot-time allocation; later memmap_take_page calls return 0. */
void memmap_seal(struct memmap *mm);

/* True when usable == low + kernel + modules + boot + unusable + free. */
bool memmap_balanced(const struct memmap *mm);

/* Print the accounting to the console. */
void memmap_print(const struct memmap *mm);

/* The kernel's one memory map, and its boot allocator (zeroed pages). */
extern struct memmap kernel_memmap;
paddr_t bootmem_alloc_page(void);
paddr_t bootmem_alloc_pages(unsigned long n);

#endif
