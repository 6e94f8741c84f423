/* Program start: see <libtally/start.h>. */
#include <libtally/start.h>
#include <libtally/syscall.h>

const struct tally_bootinfo *tally_bootinfo;

__attribute__((noreturn)) void tally_start(const struct tally_bootinfo *bi);

void
tally_start(const struct tally_bootinfo *bi)
{
	tally_bootinfo = bi;
	tally_exit_status((unsigned long)main(bi));
}
