/*
 * Tally public ABI: capabilities, kernel object types, and the invocations
 * of CNodes and Untypeds.
 *
 * A capability names a kernel object and carries rights (and, for endpoints
 * and notifications, a badge). Capabilities live in CNodes, tables of 2^radix
 * 64-byte slots. A thread addresses a slot with a capability address (cptr)
 * resolved from its CNode root, most significant bits first: each CNode on
 * the way consumes its guard (which must match) and then `radix` bits of
 * index. Slot 0 of every CNode is reserved for the kernel and always reads as
 * empty. See docs/capabilities.md.
 */
#ifndef TALLY_CAP_H
#define TALLY_CAP_H

enum tally_obj_type {
	TALLY_OBJ_NULL = 0,          /* an empty slot */
	TALLY_OBJ_UNTYPED,           /* 2^size_bits bytes of memory to retype */
	TALLY_OBJ_CNODE,             /* 2^size_bits slots */
	TALLY_OBJ_THREAD,
	TALLY_OBJ_ENDPOINT,
	TALLY_OBJ_NOTIFICATION,
	TALLY_OBJ_REPLY,
	TALLY_OBJ_SCHED_CONTEXT,
	TALLY_OBJ_FRAME_4K,
	TALLY_OBJ_FRAME_2M,
	TALLY_OBJ_PML4,              /* page-table levels, top to bottom */
	TALLY_OBJ_PDPT,
	TALLY_OBJ_PD,
	TALLY_OBJ_PT,
	TALLY_OBJ_IRQ_CONTROL,       /* boot only: the right to claim IRQs */
	TALLY_OBJ_IOPORT_CONTROL,    /* boot only: the right to claim I/O ports */
	TALLY_OBJ_SCHED_CONTROL,     /* boot only: the right to set CPU budgets */
	TALLY_OBJ_ZOMBIE,            /* an object being destroyed (kernel only) */
	TALLY_OBJ_COUNT
};

/* Rights of a capability. Copies and mints can only keep or drop them. */
#define TALLY_RIGHT_READ  0x1ul
#define TALLY_RIGHT_WRITE 0x2ul
#define TALLY_RIGHT_GRANT 0x4ul   /* may transfer capabilities through it */
#define TALLY_RIGHT_EXEC  0x8ul   /* frames: may be mapped executable */
#define TALLY_RIGHTS_ALL  0xful

/* Object sizes, as log2 of bytes, of the fixed-size types. */
#define TALLY_CNODE_SLOT_BITS     6     /* a CNode of radix r is 2^(r+6) bytes */
#define TALLY_CNODE_RADIX_MIN     2
#define TALLY_CNODE_RADIX_MAX     18
#define TALLY_UNTYPED_BITS_MIN    12
#define TALLY_UNTYPED_BITS_MAX    47

/* A copy of a copy of ... : how many generations a capability may have. */
#define TALLY_COPY_DEPTH_MAX      64

/* Most objects one retype call creates. */
#define TALLY_RETYPE_MAX_COUNT    256

/*
 * Invocation labels, for TALLY_SYS_INVOKE. Arguments travel in the message
 * registers MR0..MR5 (see <tally/syscall.h>). A slot argument is a pair:
 * cptr and depth (bits to resolve, 1..64) from the caller's CNode root.
 */
enum tally_invocation {
	/* On an Untyped: make `count` objects into consecutive empty slots.
	 * MR0 type, MR1 size_bits (Untyped, CNode; else 0), MR2 destination
	 * CNode cptr (depth 64), MR3 first slot index, MR4 count. */
	TALLY_UNTYPED_RETYPE = 1,

	/* On a CNode (the destination): MR0 destination index, MR1 source
	 * cptr, MR2 source depth, MR3 rights mask. COPY keeps the badge; MINT
	 * also sets MR4 as badge (endpoints and notifications) or guard data
	 * (CNodes: guard_bits | guard << 6). The CNode the source sits in must
	 * have READ. */
	TALLY_CNODE_COPY,
	TALLY_CNODE_MINT,
	/* On a CNode (the destination): MR0 destination index, MR1 source
	 * cptr, MR2 source depth. The capability keeps its place in the
	 * derivation tree. The CNode the source sits in must have WRITE. An
	 * Untyped moves only within its own CNode. */
	TALLY_CNODE_MOVE,
	/* On a CNode: MR0 index. Deletes the capability; what was derived
	 * from it takes its place. The last capability to an object destroys
	 * the object. An Untyped with live objects: REVOKE_FIRST. */
	TALLY_CNODE_DELETE,
	/* On a CNode: MR0 index. Deletes everything derived from the
	 * capability, which stays. */
	TALLY_CNODE_REVOKE,
	/* On a CNode: MR0 index. Results: MR0 type, MR1 rights, MR2 badge
	 * (Untyped, CNode: size_bits; frame, PDPT, PD, PT: its mapping, 0 or
	 * TALLY_MAPPED | the rights it was mapped with), MR3 object address
	 * (physical), MR4 flags
	 * (TALLY_INSPECT_*), MR5 Untyped: bytes free; CNode: guard data
	 * (guard_bits | guard << 6, as MINT takes it). */
	TALLY_CNODE_INSPECT,

	/* On a Thread (see <tally/thread.h>). CONFIGURE: MR0 CNode root, MR1
	 * address space (PML4), MR2 IPC buffer frame, MR3 IPC buffer address
	 * (1 KiB aligned, within that frame), MR4 fault endpoint; each a cptr
	 * (depth 64), 0 for none. The thread keeps copies; what it held
	 * before is deleted. The frame needs READ and WRITE, the endpoint
	 * WRITE. */
	TALLY_TCB_CONFIGURE,
	/* MR0 priority, 0..TALLY_PRIO_MAX, at most the caller's own. */
	TALLY_TCB_SET_PRIORITY,
	/* Make an inactive, exited or faulted thread runnable (at its pc). */
	TALLY_TCB_RESUME,
	/* Stop a thread; a call it was blocked in returns CANCELLED. */
	TALLY_TCB_SUSPEND,
	/* MR0 address of a struct tally_regs to fill / to load. WRITE_REGS
	 * needs a thread that is not blocked and is not the caller. */
	TALLY_TCB_READ_REGS,
	TALLY_TCB_WRITE_REGS,
	/* MR0 notification cptr, 0 to unbind: while the thread waits on an
	 * endpoint, a signal on it ends the wait. One thread per notification. */
	TALLY_TCB_BIND_NOTIFICATION,
	/* Results: MR0 state, MR1 fault cause, MR2 fault address, MR3 fault
	 * pc, MR4 fault code, MR5 priority. */
	TALLY_TCB_INFO,
	/* MR0..MR3: up to 32 bytes of name, for reports. */
	TALLY_TCB_SET_NAME,

	/* On a Reply: MR0 notification cptr, 0 to unbind. When the caller
	 * the Reply holds goes away (dies, is suspended), the notification is
	 * signalled with that capability's badge. */
	TALLY_REPLY_BIND_NOTIFICATION,

	/* On a Frame: MR0 address space (PML4) cptr, MR1 address (aligned to
	 * the frame), MR2 rights (READ, which is required, WRITE, EXEC; at
	 * most the frame capability's). The tables on the way must be mapped
	 * already. One mapping per capability: copy the capability to map it
	 * again. UNMAP of an unmapped frame does nothing. */
	TALLY_FRAME_MAP,
	TALLY_FRAME_UNMAP,
	/* On a PDPT, PD or PT: MR0 address space cptr, MR1 address (aligned
	 * to what one entry of the table above covers). A table leaves with
	 * its contents: unmapping it keeps what it maps, ready to be mapped
	 * again. See docs/memory.md. */
	TALLY_PAGE_TABLE_MAP,
	TALLY_PAGE_TABLE_UNMAP,

	/* On the scheduling control (boot slot TALLY_SLOT_SCHED_CONTROL): MR0
	 * scheduling context cptr, MR1 budget, MR2 period, both in timer ticks
	 * (1 <= budget <= period <= TALLY_SCHED_PERIOD_MAX). A budget equal to
	 * the period is the whole CPU: it never runs out. The context starts
	 * full. No one without this capability can make CPU time. */
	TALLY_SCHED_CONTROL_CONFIGURE,
	/* On a Thread: MR0 scheduling context cptr, 0 to unbind. The thread
	 * runs only while it has a context with budget left: its own, or one
	 * lent to it by a caller (docs/scheduling.md). One thread per context,
	 * one context per thread: BUSY while either has one, or while the thread
	 * runs on a lent one or waits for an answer that brings one back. */
	TALLY_TCB_SET_SCHED_CONTEXT,
	/* On a scheduling context: results MR0 budget, MR1 period, MR2 ticks
	 * left in this period, MR3 ticks consumed in all, MR4 1 if it is lent
	 * out (another thread runs on it), MR5 times it ran out. */
	TALLY_SCHED_CONTEXT_INFO,
	TALLY_INVOCATION_COUNT
};

/* Sizes (log2 bytes) of the fixed-size objects, for accounting. */
#define TALLY_THREAD_BITS         10
#define TALLY_ENDPOINT_BITS       7
#define TALLY_NOTIFICATION_BITS   7
#define TALLY_REPLY_BITS          7
#define TALLY_SCHED_CONTEXT_BITS  8
#define TALLY_PAGE_TABLE_BITS     13   /* the table and the kernel's record of it */

/* The longest period a scheduling context may have, in timer ticks. */
#define TALLY_SCHED_PERIOD_MAX    (1ul << 20)

/*
 * What TALLY_SYS_DEBUG_CHECK reports after checking every capability
 * invariant (a broken invariant is a kernel panic, not a result).
 */
struct tally_cap_stats {
	unsigned long caps;           /* capabilities in existence */
	unsigned long untyped_bytes;  /* bytes of the boot Untypeds */
	unsigned long untyped_free;   /* of those, bytes in no live object */
	unsigned long zombies;        /* objects still being destroyed */
};

/* In TALLY_CNODE_INSPECT's MR2 for a frame or page table: it is mapped. */
#define TALLY_MAPPED              0x10ul

/* Flags reported by TALLY_CNODE_INSPECT. */
#define TALLY_INSPECT_ORIGINAL    0x1ul  /* made by retype or at boot */
#define TALLY_INSPECT_HAS_CHILDREN 0x2ul /* something is derived from it */
#define TALLY_INSPECT_DEVICE      0x4ul  /* device memory (untyped, frame) */

/*
 * Boot capabilities: the root task's CNode root has radix
 * TALLY_ROOT_CNODE_RADIX and a guard that makes it consume all 64 bits, so
 * cptr n names slot n. The fixed slots are below; untypeds follow from
 * bootinfo->untyped_first (see <tally/bootinfo.h>).
 */
#define TALLY_ROOT_CNODE_RADIX    12
enum tally_boot_slot {
	TALLY_SLOT_NULL = 0,
	TALLY_SLOT_ROOT_CNODE,       /* the root task's own CNode */
	TALLY_SLOT_ROOT_VSPACE,      /* its address space (PML4) */
	TALLY_SLOT_ROOT_THREAD,      /* its thread */
	TALLY_SLOT_IRQ_CONTROL,
	TALLY_SLOT_IOPORT_CONTROL,
	TALLY_SLOT_ROOT_IPC_BUFFER,  /* the frame of its IPC buffer (TALLY_BOOT_IPC_BUFFER) */
	TALLY_SLOT_SCHED_CONTROL,    /* the right to give scheduling contexts budgets */
	TALLY_SLOT_FIRST_FREE_FIXED, /* untypeds start here */
};

#endif
