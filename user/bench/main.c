/*
 * bench: the root task of the benchmark image (`make bench`).
 *
 * Each figure is read from the time-stamp counter around one operation,
 * many times after a warm-up. Under QEMU TCG with -icount shift=0 the TSC
 * advances one tick per guest instruction, so figures are exact instruction
 * counts; on real hardware (KVM=1) they are cycles. The measuring code's own
 * cost (two TSC reads and the loop around them, measured the same way with
 * no operation between) is subtracted from every sample. Output, one line
 * per figure:
 *   BENCH <name> <unit> median=<n> min=<n> max=<n> iters=<n>
 */
#include <libtally/start.h>
#include <libtally/stdio.h>
#include <libtally/syscall.h>

#define BENCH_WARMUP 100
#define BENCH_ITERS 1000

static unsigned long samples[BENCH_ITERS];

static inline unsigned long
tsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((unsigned long)hi << 32) | lo;
}

static void
sort(unsigned long *v, unsigned long n)
{
	unsigned long i, j;

	for (i = 1; i < n; i++) {
		unsigned long x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

struct stats {
	unsigned long median, min, max;
};

static struct stats
stats_of(unsigned long *v, unsigned long n)
{
	sort(v, n);
	return (struct stats){ v[n / 2], v[0], v[n - 1] };
}

/* Sample `op` BENCH_ITERS times after a warm-up; `overhead` is subtracted. */
static struct stats
measure(void (*op)(void), unsigned long overhead)
{
	unsigned long i, t0, t1;

	for (i = 0; i < BENCH_WARMUP; i++)
		op();
	for (i = 0; i < BENCH_ITERS; i++) {
		t0 = tsc();
		op();
		t1 = tsc();
		samples[i] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
	}
	return stats_of(samples, BENCH_ITERS);
}

static void
op_nothing(void)
{
}

static void
op_null_syscall(void)
{
	tally_null();
}

static void
report(const char *name, const char *unit, struct stats s)
{
	printf("BENCH %s %s median=%lu min=%lu max=%lu iters=%u\n", name, unit, s.median,
	       s.min, s.max, BENCH_ITERS);
}

int
main(const struct tally_bootinfo *bi)
{
	const char *unit = bi->tsc_unit_insns ? "insns" : "cycles";
	unsigned long overhead = measure(op_nothing, 0).min;

	printf("bench: TSC counts %s; measuring overhead %lu subtracted\n", unit, overhead);
	report("null_syscall", unit, measure(op_null_syscall, overhead));
	tally_debug_shutdown(TALLY_SHUTDOWN_SUCCESS);
	return 0;
}
