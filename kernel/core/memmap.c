/*
 * Physical memory accounting (see memmap.h).
 *
 * The computation works on sets of disjoint, sorted byte ranges with a fixed
 * capacity (no allocator exists to grow them). Every class is measured byte
 * exactly, so the balance usable = low + kernel + modules + boot + unusable +
 * free holds by construction; debug builds (CONFIG_DEBUG) check it again
 * after every boot allocation, and every build checks it at the seal.
 */
#include <kernel/memmap.h>
#include <kernel/arch.h>
#include <kernel/config.h>
#include <kernel/kprintf.h>
#include <kernel/panic.h>
#include <string.h>

#define RSET_MAX (2 * BOOT_MEM_MAX + BOOT_MODULES_MAX + 8)

struct range {
	uint64_t base;
	uint64_t end;    /* exclusive */
};

struct rset {
	struct range r[RSET_MAX];
	unsigned n;
	bool overflow;   /* an operation needed more than RSET_MAX ranges */
};

static uint64_t
range_end(uint64_t base, uint64_t size)
{
	return base + size < base ? UINT64_MAX : base + size;
}

/* Insert [base, end) keeping the set sorted, then merge what touches. */
static void
rset_add(struct rset *s, uint64_t base, uint64_t end)
{
	unsigned i, j, out = 0;

	if (base >= end)
		return;
	if (s->n == RSET_MAX) {
		s->overflow = true;
		return;
	}
	for (i = s->n; i > 0 && s->r[i - 1].base > base; i--)
		s->r[i] = s->r[i - 1];
	s->r[i] = (struct range){ base, end };
	s->n++;
	for (j = 1; j < s->n; j++) {
		if (s->r[j].base <= s->r[out].end)
			s->r[out].end = MAX(s->r[out].end, s->r[j].end);
		else
			s->r[++out] = s->r[j];
	}
	s->n = out + 1;
}

/* Remove [base, end) from the set, splitting a range where needed. */
static void
rset_sub(struct rset *s, uint64_t base, uint64_t end)
{
	unsigned i;

	if (base >= end)
		return;
	for (i = 0; i < s->n; i++) {
		struct range *r = &s->r[i];

		if (r->end <= base || r->base >= end)
			continue;
		if (r->base < base && r->end > end) {
			if (s->n == RSET_MAX) {
				s->overflow = true;
				return;
			}
			memmove(&s->r[i + 2], &s->r[i + 1], (s->n - i - 1) * sizeof(*r));
			s->r[i + 1] = (struct range){ end, r->end };
			r->end = base;
			s->n++;
			return;
		}
		if (r->base < base)
			r->end = base;
		else if (r->end > end)
			r->base = end;
		else {
			memmove(r, r + 1, (s->n - i - 1) * sizeof(*r));
			s->n--;
			i--;
		}
	}
}

static uint64_t
rset_total(const struct rset *s)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < s->n; i++)
		sum += s->r[i].end - s->r[i].base;
	return sum;
}

/* Bytes of the set inside [base, end). */
static uint64_t
rset_overlap(const struct rset *s, uint64_t base, uint64_t end)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < s->n; i++) {
		uint64_t lo = MAX(s->r[i].base, base), hi = MIN(s->r[i].end, end);

		if (lo < hi)
			sum += hi - lo;
	}
	return sum;
}

/* Move [base, end) out of `avail`, returning how many bytes it held. */
static uint64_t
rset_carve(struct rset *avail, uint64_t base, uint64_t end)
{
	uint64_t bytes = rset_overlap(avail, base, end);

	rset_sub(avail, base, end);
	return bytes;
}

/* Usable RAM: usable entries minus reserved ones (reserved wins). */
static void
memmap_usable(const struct boot_desc *bd, struct rset *usable, struct rset *reserved)
{
	unsigned i;

	for (i = 0; i < bd->mem_count && i < BOOT_MEM_MAX; i++) {
		const struct boot_mem *m = &bd->mem[i];
		uint64_t end = range_end(m->base, m->size);

		if (m->type == BOOT_MEM_USABLE)
			rset_add(usable, m->base, end);
		else
			rset_add(reserved, m->base, end);
	}
	for (i = 0; i < reserved->n; i++)
		rset_sub(usable, reserved->r[i].base, reserved->r[i].end);
}

/* Cut each remaining range to whole pages; the slivers are "unusable". */
static uint64_t
memmap_page_align(struct rset *avail)
{
	uint64_t before = rset_total(avail);
	unsigned i, out = 0;

	for (i = 0; i < avail->n; i++) {
		uint64_t base = ALIGN_UP(avail->r[i].base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(avail->r[i].end, PAGE_SIZE);

		if (base < avail->r[i].base || base >= end)
			continue;
		avail->r[out++] = (struct range){ base, end };
	}
	avail->n = out;
	return before - rset_total(avail);
}

bool
memmap_init(struct memmap *mm, const struct boot_desc *bd)
{
	static struct rset avail, reserved;
	unsigned i;

	memset(mm, 0, sizeof(*mm));
	memset(&avail, 0, sizeof(avail));
	memset(&reserved, 0, sizeof(reserved));
	memmap_usable(bd, &avail, &reserved);
	if (avail.n > MEMMAP_FREE_MAX)
		return false;
	for (i = 0; i < avail.n; i++)
		mm->usable[i] = (struct tally_mem_region){ avail.r[i].base,
							   avail.r[i].end - avail.r[i].base };
	mm->usable_count = avail.n;
	mm->acct.reserved = rset_total(&reserved);
	mm->acct.usable = rset_total(&avail);
	mm->acct.low = rset_carve(&avail, 0, LOW_MEMORY_END);
	mm->acct.kernel = rset_carve(&avail, ALIGN_DOWN(bd->kernel_start, PAGE_SIZE),
				     ALIGN_UP(bd->kernel_end, PAGE_SIZE));
	for (i = 0; i < bd->module_count && i < BOOT_MODULES_MAX; i++)
		mm->acct.modules += rset_carve(&avail, ALIGN_DOWN(bd->modules[i].start, PAGE_SIZE),
					       ALIGN_UP(bd->modules[i].end, PAGE_SIZE));
	mm->acct.unusable = memmap_page_align(&avail);
	if (avail.overflow || reserved.overflow || avail.n > MEMMAP_FREE_MAX || !avail.n)
		return false;
	for (i = 0; i < avail.n; i++)
		mm->free[i] = (struct tally_mem_region){ avail.r[i].base,
							 avail.r[i].end - avail.r[i].base };
	mm->free_count = avail.n;
	mm->acct.free = rset_total(&avail);
	return true;
}

paddr_t
memmap_take_pages(struct memmap *mm, unsigned long n, uint64_t limit)
{
	uint64_t bytes = n * PAGE_SIZE;
	unsigned i;

	if (mm->sealed || !n || n > (UINT64_MAX / PAGE_SIZE))
		return 0;
	for (i = 0; i < mm->free_count; i++) {
		struct tally_mem_region *r = &mm->free[i];
		paddr_t pa = r->base;

		if (r->size < bytes || pa > limit || limit - pa < bytes)
			continue;
		r->base += bytes;
		r->size -= bytes;
		if (!r->size) {
			memmove(r, r + 1, (mm->free_count - i - 1) * sizeof(*r));
			mm->free_count--;
		}
		mm->acct.free -= bytes;
		mm->acct.boot += bytes;
		return pa;
	}
	return 0;
}

paddr_t
memmap_take_page(struct memmap *mm)
{
	return memmap_take_pages(mm, 1, UINT64_MAX);
}

void
memmap_seal(struct memmap *mm)
{
	mm->sealed = true;
}

bool
memmap_balanced(const struct memmap *mm)
{
	const struct tally_mem_account *a = &mm->acct;
	uint64_t free = 0;
	unsigned i;

	for (i = 0; i < mm->free_count; i++)
		free += mm->free[i].size;
	return free == a->free &&
	       a->usable == a->low + a->kernel + a->modules + a->boot + a->unusable + a->free;
}

static void
memmap_print_line(const char *what, uint64_t bytes)
{
	kprintf("  %-9s %12lu bytes %6lu KiB\n", what, (unsigned long)bytes,
		(unsigned long)(bytes >> 10));
}

void
memmap_print(const struct memmap *mm)
{
	const struct tally_mem_account *a = &mm->acct;
	unsigned i;

	kprintf("memory: every usable byte accounted for\n");
	memmap_print_line("usable", a->usable);
	memmap_print_line("low", a->low);
	memmap_print_line("kernel", a->kernel);
	memmap_print_line("modules", a->modules);
	memmap_print_line("boot", a->boot);
	memmap_print_line("unusable", a->unusable);
	memmap_print_line("free", a->free);
	memmap_print_line("reserved", a->reserved);
	kprintf("  (reserved: firmware ranges, not RAM to use; usable = low + kernel + modules"
		" + boot + unusable + free)\n");
	for (i = 0; i < mm->free_count; i++)
		kprintf("  free range %#lx..%#lx\n", (unsigned long)mm->free[i].base,
			(unsigned long)(mm->free[i].base + mm->free[i].size));
	kprintf("memory: %s\n", memmap_balanced(mm) ? "balanced" : "NOT BALANCED");
}

struct memmap kernel_memmap;

paddr_t
bootmem_alloc_pages(unsigned long n)
{
	paddr_t pa = memmap_take_pages(&kernel_memmap, n, arch_bootmem_limit());

	if (CONFIG_DEBUG && !memmap_balanced(&kernel_memmap))
		panic("bootmem: accounting out of balance after taking %#lx", (unsigned long)pa);
	if (pa)
		memset(arch_phys_to_virt(pa), 0, n * PAGE_SIZE);
	return pa;
}

paddr_t
bootmem_alloc_page(void)
{
	return bootmem_alloc_pages(1);
}
