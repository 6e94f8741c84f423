/* Symbol lookup for backtraces: binary search in a sorted address table. */
#include <kernel/ksym.h>

const char *
ksym_lookup(const struct ksym_table *t, uint64_t addr, uint64_t text_end, uint64_t *offset)
{
	uint64_t lo = 0, hi = t->count;

	if (!t->count || addr < t->addrs[0] || addr >= text_end)
		return NULL;
	/* find the last symbol whose address is <= addr */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - t->addrs[lo];
	return t->strings + t->names[lo];
}
