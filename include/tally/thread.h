/*
 * Tally public ABI: threads. Priorities, and the register set that
 * TALLY_TCB_READ_REGS and TALLY_TCB_WRITE_REGS move (x86_64).
 */
#ifndef TALLY_THREAD_H
#define TALLY_THREAD_H

#define TALLY_PRIO_MAX 255

/*
 * A thread's user registers. WRITE_REGS accepts only a canonical user pc
 * and stack, and keeps only the arithmetic flags, DF and TF of rflags.
 */
struct tally_regs {
	unsigned long rip, rsp, rflags;
	unsigned long rax, rbx, rcx, rdx, rsi, rdi, rbp;
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
};

#endif
