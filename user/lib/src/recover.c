/* Sending a thread back to its recovery point: see <libtally/recover.h>. */
#include <libtally/recover.h>
#include <libtally/thread.h>

long
tally_recover(unsigned long tcb, const struct tally_recovery *r, unsigned long value)
{
	struct tally_regs regs;
	long err = tally_tcb_read_regs(tcb, &regs);

	if (err)
		return err;
	/* as if tally_recovery_point returned `value` */
	regs.rip = r->rip;
	regs.rsp = r->rsp;
	regs.rbx = r->rbx;
	regs.rbp = r->rbp;
	regs.r12 = r->r12;
	regs.r13 = r->r13;
	regs.r14 = r->r14;
	regs.r15 = r->r15;
	regs.rax = value;
	regs.rflags = 0;   /* the direction flag clear, as the ABI wants at a call */
	err = tally_tcb_write_regs(tcb, &regs);
	if (!err)
		err = tally_tcb_resume(tcb);
	return err;
}
