/* The tick counter. */
#include <kernel/clock.h>
#include <kernel/sched.h>

static volatile uint64_t clock_tick_count;

void
clock_tick(void)
{
	clock_tick_count++;
	sched_tick(clock_tick_count);
}

uint64_t
clock_ticks(void)
{
	return clock_tick_count;
}
