/*
 * libtally: IPC system calls (registers and rules in <tally/ipc.h>).
 * Each returns enum tally_error. A message is its info word, its badge (on
 * the receive side) and MR0..MR5; longer messages put MR6.. in the IPC
 * buffer (tally_ipc_buffer()).
 */
#ifndef LIBTALLY_IPC_H
#define LIBTALLY_IPC_H

#include <tally/ipc.h>
#include <libtally/syscall.h>

struct tally_msg {
	unsigned long info;
	unsigned long badge;   /* receive side */
	unsigned long mr[TALLY_MSG_REGS];
};

/*
 * The one IPC system call: number nr on capability cptr with the message in
 * *m (info, MR0..MR5) and Reply capability `reply`. On return *m holds what
 * the kernel answered (badge, info, MRs), whether or not the call succeeded:
 * the kernel leaves the registers as they were when it fails.
 */
static inline long
tally_ipc(unsigned long nr, unsigned long cptr, struct tally_msg *m, unsigned long reply)
{
	register unsigned long r10 __asm__("r10") = m->mr[1];
	register unsigned long r8 __asm__("r8") = m->mr[2];
	register unsigned long r9 __asm__("r9") = m->mr[3];
	register unsigned long r12 __asm__("r12") = m->mr[4];
	register unsigned long r13 __asm__("r13") = m->mr[5];
	register unsigned long r14 __asm__("r14") = reply;
	unsigned long rax = nr, rdi = cptr, rsi = m->info, rdx = m->mr[0];

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+r"(r12), "+r"(r13), "+r"(r14)
			 :
			 : "rcx", "r11", "memory");
	m->badge = rdi;
	m->info = rsi;
	m->mr[0] = rdx;
	m->mr[1] = r10;
	m->mr[2] = r8;
	m->mr[3] = r9;
	m->mr[4] = r12;
	m->mr[5] = r13;
	return (long)rax;
}

static inline long
tally_send(unsigned long ep, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_SEND, ep, m, 0);
}

static inline long
tally_nbsend(unsigned long ep, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_NBSEND, ep, m, 0);
}

static inline long
tally_call(unsigned long ep, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_CALL, ep, m, 0);
}

/*
 * A call with at most four words, all in registers, and no badge or info
 * out: the leanest way to call (what the benchmarks use). The answer's
 * words come back through w[0..3].
 */
static inline long
tally_call4(unsigned long ep, unsigned long info, unsigned long w[4])
{
	register unsigned long r10 __asm__("r10") = w[1];
	register unsigned long r8 __asm__("r8") = w[2];
	register unsigned long r9 __asm__("r9") = w[3];
	register unsigned long r14 __asm__("r14") = 0;
	unsigned long rax = TALLY_SYS_CALL, rdx = w[0];

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(ep), "+S"(info), "+d"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+r"(r14)
			 :
			 : "rcx", "r11", "r12", "r13", "memory");
	w[0] = rdx;
	w[1] = r10;
	w[2] = r8;
	w[3] = r9;
	return (long)rax;
}

/*
 * Serve ep with Reply `reply` for ever, answering every call with the
 * message it brought (label, length and words). The message never leaves
 * the registers: a test and benchmark server. Does not return.
 */
static inline __attribute__((noreturn)) void
tally_echo_forever(unsigned long ep, unsigned long reply)
{
	register unsigned long r14 __asm__("r14") = reply;

	__asm__ volatile("mov %[ep], %%rdi\n\t"
			 "mov %[recv], %%eax\n\t"
			 "xor %%esi, %%esi\n\t"
			 "syscall\n"
			 "1:\n\t"
			 "mov %[ep], %%rdi\n\t"
			 "mov %[rr], %%eax\n\t"
			 "syscall\n\t"
			 "jmp 1b"
			 :
			 : [ep] "r"(ep), "r"(r14), [recv] "i"(TALLY_SYS_RECV),
			   [rr] "i"(TALLY_SYS_REPLY_RECV)
			 : "rax", "rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11", "r12", "r13",
			   "memory");
	__builtin_unreachable();
}

/* A call that gives up after `ticks` timer ticks with TALLY_ERR_TIMEOUT (0: never). */
static inline long
tally_call_timeout(unsigned long ep, struct tally_msg *m, unsigned long ticks)
{
	return tally_ipc(TALLY_SYS_CALL, ep, m, ticks);
}

static inline long
tally_recv(unsigned long ep, unsigned long reply, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_RECV, ep, m, reply);
}

static inline long
tally_nbrecv(unsigned long ep, unsigned long reply, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_NBRECV, ep, m, reply);
}

/* Answer through `reply` with *m, then receive on ep with the same Reply. */
static inline long
tally_reply_recv(unsigned long ep, unsigned long reply, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_REPLY_RECV, ep, m, reply);
}

/* Answer through `reply` with *m (a send on the Reply). */
static inline long
tally_reply(unsigned long reply, struct tally_msg *m)
{
	return tally_ipc(TALLY_SYS_SEND, reply, m, 0);
}

/* Notifications: signal never blocks; wait returns and clears the word; poll never blocks. */
static inline long
tally_signal(unsigned long ntfn)
{
	struct tally_msg m = { 0 };

	return tally_ipc(TALLY_SYS_SEND, ntfn, &m, 0);
}

static inline long
tally_wait(unsigned long ntfn, unsigned long *word)
{
	struct tally_msg m = { 0 };
	long err = tally_ipc(TALLY_SYS_RECV, ntfn, &m, 0);

	if (word)
		*word = err == TALLY_OK ? m.badge : 0;
	return err;
}

static inline long
tally_poll(unsigned long ntfn, unsigned long *word)
{
	struct tally_msg m = { 0 };
	long err = tally_ipc(TALLY_SYS_NBRECV, ntfn, &m, 0);

	if (word)
		*word = err == TALLY_OK ? m.badge : 0;
	return err;
}

#endif
