/*
 * Tally public ABI: messages, the IPC registers and the IPC buffer.
 *
 * IPC system calls (TALLY_SYS_SEND ... TALLY_SYS_REPLY_RECV) use the
 * `syscall` instruction with these registers (x86_64):
 *
 *   rax   call number in; error out (enum tally_error)
 *   rdi   capability address (depth 64) in; badge out (receive side)
 *   rsi   message info in and out (below)
 *   rdx r10 r8 r9 r12 r13   message words MR0..MR5, in and out
 *   r14   Reply capability address for RECV, NBRECV and REPLY_RECV
 *   rcx r11  clobbered by the instruction; every other register is kept
 *
 * Words MR6 and up travel through the IPC buffer (struct tally_ipc_buffer),
 * a 1 KiB-aligned block in a frame named when the thread is configured.
 * A call that fails leaves the message registers as they were. On a
 * receive, the message registers past the message's length keep what the
 * receiver had in them (no word of the sender's beyond its message arrives).
 *
 * Who can do what:
 *   SEND/NBSEND on an endpoint needs WRITE; a capability in the message
 *   needs GRANT too. On a notification it needs WRITE and signals (ORs the
 *   capability's badge into the word; an unbadged capability signals bit 0).
 *   On a Reply it answers the call the Reply holds and consumes it.
 *   CALL needs WRITE on an endpoint and blocks until the reply.
 *   RECV/NBRECV on an endpoint needs READ and a Reply capability (r14) that
 *   is not in use; on a notification it needs READ and waits (polls).
 *   REPLY_RECV replies through the Reply (r14), then receives with it on
 *   the endpoint (rdi). If the reply fails the call returns at once.
 */
#ifndef TALLY_IPC_H
#define TALLY_IPC_H

/* Message words: 6 in registers, the rest in the IPC buffer. */
#define TALLY_MSG_REGS        6
#define TALLY_MSG_MAX         120

/*
 * Message info: bits 0-7 length in words (0..TALLY_MSG_MAX), bits 8-9 the
 * number of capabilities (0 or 1), bit 10 set on a receive that was served
 * by the bound notification (the badge is then the notification's word),
 * bit 11 set when the message was cut to fit a receiver without an IPC
 * buffer, bits 12-63 the label (any value; the kernel passes it on).
 */
#define TALLY_MSGINFO_NOTIFY    (1ul << 10)
#define TALLY_MSGINFO_TRUNCATED (1ul << 11)

static inline unsigned long
tally_msginfo(unsigned long label, unsigned long length, unsigned long caps)
{
	return label << 12 | (caps & 3) << 8 | (length & 0xff);
}

static inline unsigned long
tally_msginfo_length(unsigned long info)
{
	return info & 0xff;
}

static inline unsigned long
tally_msginfo_caps(unsigned long info)
{
	return (info >> 8) & 3;
}

static inline unsigned long
tally_msginfo_label(unsigned long info)
{
	return info >> 12;
}

/*
 * The IPC buffer. mr[i] holds message word i for i >= TALLY_MSG_REGS (the
 * first ones are unused: they travel in registers). A sender names the
 * capability to transfer in `cap` (depth 64); a receiver names, in
 * `recv_slot` (depth 64, 0 for none), the empty slot a received capability
 * goes to. A capability that cannot be delivered is dropped and the
 * message says so (its capability count is 0).
 */
struct tally_ipc_buffer {
	unsigned long mr[TALLY_MSG_MAX];
	unsigned long cap;
	unsigned long recv_slot;
	unsigned long reserved[6];
};

#define TALLY_IPC_BUFFER_SIZE 1024

_Static_assert(sizeof(struct tally_ipc_buffer) == TALLY_IPC_BUFFER_SIZE, "IPC buffer size");

/*
 * Faults arrive at a thread's fault endpoint as a call with this label and
 * MR0 cause (enum tally_fault), MR1 address, MR2 pc, MR3 code. A reply with
 * label 0 resumes the thread where it stopped: after a fault (a page fault,
 * say) it runs the faulting instruction again; after a trap (a breakpoint)
 * or an unknown system call it goes on after it. Any other label, or a pc
 * outside user space, stops it for good (it is then FAULTED).
 */
#define TALLY_LABEL_FAULT       0xfa017ul
#define TALLY_FAULT_MSG_WORDS   4

#endif
