/*
 * The one interface between Tally's arch-neutral core and an architecture.
 *
 * The core (kernel/core) includes this header and nothing from kernel/arch.
 * Each architecture implements these functions and provides <arch/types.h>
 * with the few types the core stores by value (the user register frame and
 * the address-space root). The host test build provides a fake architecture
 * (tests/host/fake_arch.c) behind the same header, which is what lets the core
 * run under sanitizers on Linux.
 *
 * Unless said otherwise, functions are called with interrupts disabled and
 * return normally.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <kernel/compiler.h>
#include <arch/types.h>

struct thread;

/* Console: write bytes to the debug console (polled, never blocks forever). */
void arch_console_write(const char *s, size_t n);

/*
 * End the machine. On QEMU this leaves through the isa-debug-exit device so
 * the host sees `status`; elsewhere it halts the CPU for good.
 */
NORETURN void arch_halt(int status);

/* Exit statuses handed to arch_halt. */
enum arch_halt_status {
	ARCH_HALT_SUCCESS = 0x10, /* QEMU exits with 33 */
	ARCH_HALT_FAILURE = 0x11, /* QEMU exits with 35 */
	ARCH_HALT_PANIC = 0x20,   /* QEMU exits with 65 */
};

/*
 * Print a backtrace of the kernel's call chain, starting from the caller
 * (when frame is 0) or from the given frame pointer, one line per frame,
 * with symbol names from ksym.
 */
void arch_backtrace(uintptr_t frame);

/* Kernel virtual address at which physical memory `pa` can be reached. */
void *arch_phys_to_virt(paddr_t pa);

/* Highest physical address + 1 that boot allocations may use right now. */
uint64_t arch_bootmem_limit(void);

/*
 * Build the kernel's own page tables, mapping the `n` usable RAM ranges
 * (sorted, disjoint; memmap's); called after memmap_init, allocating from
 * bootmem. Panics if bootmem runs out.
 */
struct tally_mem_region;
void arch_memory_init(const struct tally_mem_region *usable, unsigned n);

/* Start the periodic timer at `hz`; each tick calls clock_tick(). */
void arch_timer_init(unsigned hz);

/*
 * Address spaces. arch_vspace_create makes an empty user address space that
 * shares the kernel's half; arch_vspace_map maps one 4 KiB page. Both take
 * their page tables from bootmem and return false when it is exhausted.
 */
bool arch_vspace_create(struct arch_vspace *vs);
paddr_t arch_vspace_root(const struct arch_vspace *vs);  /* its top-level table */
bool arch_vspace_map(struct arch_vspace *vs, vaddr_t va, paddr_t pa, unsigned rights);

/* Rights for arch_vspace_map. */
#define ARCH_MAP_READ  0x1u
#define ARCH_MAP_WRITE 0x2u
#define ARCH_MAP_EXEC  0x4u

/*
 * True when [start, start + len) lies wholly in the user half (below the
 * arch's user top, without wrapping). len 0 is fine anywhere up to the top.
 */
bool arch_user_range_ok(uaddr_t start, size_t len);

/*
 * Copy between kernel and the current address space's user half. The range
 * is checked against arch_user_range_ok; a fault during the copy (unmapped,
 * or read-only for a write) is caught. Return true on success, false if any
 * byte could not be copied (the destination may then be partly written).
 */
bool arch_copy_from_user(void *dst, uaddr_t src, size_t n);
bool arch_copy_to_user(uaddr_t dst, const void *src, size_t n);

/*
 * Device memory (not RAM, not used by the kernel) to hand out as device
 * Untypeds: fill up to max regions, return how many.
 */
struct tally_mem_region;
unsigned arch_device_memory(struct tally_mem_region *out, unsigned max);

/* Physical address of a kernel address (physmap or kernel image). */
paddr_t arch_kva_to_phys(const void *p);

/*
 * User register frames. <arch/types.h> provides these inline, since every
 * system call uses them:
 *   uint64_t arch_regs_syscall_number(const struct arch_regs *r);
 *   uint64_t arch_regs_syscall_arg(const struct arch_regs *r, unsigned i);
 *       argument registers numbered 0..ARCH_SYSCALL_ARGS-1 (on x86_64:
 *       rdi rsi rdx r10 r8 r9 r12 r13 r14); out of range reads 0
 *   void arch_regs_set_syscall_arg(struct arch_regs *r, unsigned i, uint64_t v);
 *       write one back as a result
 *   void arch_regs_set_syscall_result(struct arch_regs *r, uint64_t error,
 *                                     uint64_t value);
 *   void arch_regs_set_syscall_error(struct arch_regs *r, uint64_t error);
 *       the error alone, leaving the result words as they are
 *   vaddr_t arch_regs_pc(const struct arch_regs *r);
 *       the instruction that entered the kernel (for a syscall, the syscall)
 *   void arch_regs_restart_syscall(struct arch_regs *r);
 *       make the thread issue its system call again when it next runs
 *   uint64_t arch_object_phys(const void *object);
 *       the physical address of a kernel object (cheaper than arch_kva_to_phys)
 */
void arch_regs_init_user(struct arch_regs *r, vaddr_t entry, vaddr_t stack, uint64_t arg);

/*
 * Let a pending interrupt in for a moment (a preemption point inside a long
 * operation). The kernel-mode interrupt handler only notes what happened
 * (clock_tick); nothing else in the kernel changes.
 */
void arch_preempt_window(void);

/*
 * Make `t` the thread that runs when the kernel next returns to user space:
 * load its address space (top-level table at `root`) and point the entry
 * paths at its register frame.
 */
void arch_activate(struct thread *t, struct arch_regs *r, paddr_t root);

/*
 * Registers as user space sees them (struct tally_regs). arch_regs_write
 * checks them first and returns false, changing nothing, unless pc and
 * stack are canonical user addresses; it keeps only the user-settable flags
 * and makes the thread return by the general path (not sysret).
 */
struct tally_regs;
void arch_regs_read(const struct arch_regs *r, struct tally_regs *out);
bool arch_regs_write(struct arch_regs *r, const struct tally_regs *in);

/* May the thread with these registers be resumed (its pc is a user address)? */
bool arch_regs_resumable(const struct arch_regs *r);

/* Address spaces made by retype (vspace.c). */
void arch_vspace_init_root(void *pml4);      /* copy the kernel's half into a new PML4 */
paddr_t arch_kernel_root(void);              /* the kernel's own top-level table */
void arch_vspace_forget_root(paddr_t root);  /* a PML4 is destroyed: stop using it */

/*
 * ---- Page-table entries, for vspace.c ----
 *
 * The core builds address spaces from page-table objects but never reads or
 * makes an entry's bits itself; it goes through these. Levels count from the
 * leaf: 0 is the last-level table (PT on x86_64), ARCH_PT_LEVELS - 1 the
 * root (PML4). Every table, at every level, is ARCH_PT_ENTRIES entries of 64
 * bits: one 4 KiB page. An entry of 0 is empty (not present).
 */
#define ARCH_PT_LEVELS  4
#define ARCH_PT_ENTRIES 512

/* The index of va's entry in a table at `level`. */
unsigned arch_pt_index(vaddr_t va, unsigned level);

/* log2 of the bytes that one entry of a table at `level` maps. */
unsigned arch_pt_entry_bits(unsigned level);

/* An entry pointing to the next-level table at kernel address `table`. */
uint64_t arch_pte_table(void *table);

/*
 * A user entry at `level` mapping the frame at physical address `pa` (aligned
 * to 1 << arch_pt_entry_bits(level)) with rights ARCH_MAP_READ, _WRITE, _EXEC
 * and, for device memory, ARCH_MAP_DEVICE (uncached). No-execute unless EXEC.
 */
uint64_t arch_pte_frame(paddr_t pa, unsigned level, unsigned rights);
#define ARCH_MAP_DEVICE 0x8u

/* Does entry e map anything (a table or a frame)? */
bool arch_pte_present(uint64_t e);

/* The kernel address of the table that entry e at `level` points to; NULL if e maps a frame or nothing. */
void *arch_pte_next_table(uint64_t e, unsigned level);

/*
 * Drop every user translation the CPU may have cached (TLB and page-table
 * caches) for the current address space, after an entry was cleared. Other
 * spaces cache nothing while they are not loaded.
 */
void arch_tlb_flush(void);
/* ---- end of page-table entries ---- */

/* Leave the kernel into the activated thread. */
NORETURN void arch_return_to_user(void);

/*
 * Wait for the next interrupt with interrupts enabled, then return with them
 * disabled again. Used by the idle loop.
 */
void arch_idle_wait(void);

/* The CPU's time-stamp counter (instructions under QEMU -icount). */
uint64_t arch_timestamp(void);

#endif
