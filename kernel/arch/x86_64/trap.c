/*
 * Traps: what happens after entry.S has saved a frame. User exceptions
 * become thread faults, kernel exceptions become panic reports, the timer
 * ticks the clock, and system calls go to the core's dispatcher.
 */
#include <kernel/arch.h>
#include <kernel/clock.h>
#include <kernel/kprintf.h>
#include <kernel/ksym.h>
#include <kernel/memmap.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/fastpath.h>
#include <kernel/vspace.h>
#include <arch/x86.h>
#include <tally/thread.h>

_Static_assert(__builtin_offsetof(struct arch_regs, vector) == 120, "entry.S REGS_VECTOR");
_Static_assert(__builtin_offsetof(struct arch_regs, cs) == 144, "entry.S REGS_CS");
_Static_assert(sizeof(struct arch_regs) == 176, "entry.S REGS_SIZE");
_Static_assert(X86_VECTOR_SYSCALL_MARK == X86_VECTOR_SYSCALL, "one syscall mark");
_Static_assert(__builtin_offsetof(struct thread, regs) == 0, "frame first in a thread");

extern char __text_start[], __text_end[];

struct arch_regs *x86_cur_regs;

static const char *const trap_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check", "machine check",
	"SIMD error", "virtualization", "control protection",
};

static const char *
trap_name(uint64_t vec)
{
	if (vec < 32 && trap_names[vec])
		return trap_names[vec];
	return "interrupt";
}

static inline void x86_activate(struct arch_regs *r, paddr_t root);

/* System call: the fast path, or dispatch; then leave into whichever thread is current. */
void
x86_syscall(void)
{
	uint64_t nr = x86_cur_regs->rax;
	struct thread *next = NULL;

	if (nr == TALLY_SYS_CALL)
		next = fastpath_call(sched_current);
	else if (nr == TALLY_SYS_REPLY_RECV)
		next = fastpath_reply_recv(sched_current);
	if (next) {
		/*
		 * The fast path switches only between a caller and the server it
		 * calls, which exchange words anyway: the selectors the one left
		 * tell the other nothing new, so they are not cleared here
		 * (docs/design-decisions.md).
		 */
		sched_active = next;
		x86_activate(&next->regs, vspace_root_of(next));
		arch_return_to_user();
	}
	syscall_dispatch(sched_current);
	sched_run();
}

static enum tally_fault
trap_fault_cause(uint64_t vec)
{
	switch (vec) {
	case 0: return TALLY_FAULT_DIVIDE;
	case 1: case 3: return TALLY_FAULT_DEBUG;
	case 6: return TALLY_FAULT_ILLEGAL_INSN;
	case 7: case 16: case 19: return TALLY_FAULT_FPU;
	case 13: case 12: case 11: case 10: return TALLY_FAULT_PROTECTION;
	case 14: return TALLY_FAULT_PAGE;
	case 17: return TALLY_FAULT_ALIGNMENT;
	default: return TALLY_FAULT_OTHER_EXCEPTION;
	}
}

/* Interrupt or exception from user mode; the frame is in x86_cur_regs. */
void
x86_trap_user(void)
{
	struct arch_regs *r = x86_cur_regs;
	uint64_t code;

	/* an interrupt gate keeps the user's AC flag, which would lift SMAP */
	if (x86_has_smap)
		__asm__ volatile("clac" ::: "memory");
	if (r->vector == X86_VECTOR_TIMER) {
		lapic_eoi();
		clock_tick();
	} else if (r->vector < 32) {
		code = r->vector == X86_VECTOR_PF ? r->error : r->vector;
		thread_fault(sched_current, trap_fault_cause(r->vector),
			     r->vector == X86_VECTOR_PF ? read_cr2() : 0, r->rip, code);
	}
	sched_run();
}

static void
trap_print_regs(const struct arch_regs *r)
{
	kprintf("  rip %016lx  rsp %016lx  rflags %08lx  cs %lx ss %lx\n", r->rip, r->rsp,
		r->rflags, r->cs, r->ss);
	kprintf("  rax %016lx  rbx %016lx  rcx %016lx\n", r->rax, r->rbx, r->rcx);
	kprintf("  rdx %016lx  rsi %016lx  rdi %016lx\n", r->rdx, r->rsi, r->rdi);
	kprintf("  rbp %016lx  r8  %016lx  r9  %016lx\n", r->rbp, r->r8, r->r9);
	kprintf("  r10 %016lx  r11 %016lx  r12 %016lx\n", r->r10, r->r11, r->r12);
	kprintf("  r13 %016lx  r14 %016lx  r15 %016lx\n", r->r13, r->r14, r->r15);
	kprintf("  cr2 %016lx  cr3 %016lx  cr0 %08lx  cr4 %08lx\n", read_cr2(), read_cr3(),
		read_cr0(), read_cr4());
}

static void
trap_print_symbol(uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(&kernel_ksyms, addr, (uint64_t)__text_end, &off);

	if (name)
		kprintf("  %016lx  %s+%#lx\n", addr, name, off);
	else
		kprintf("  %016lx  ?\n", addr);
}

static NORETURN void
trap_panic(const struct arch_regs *r)
{
	panic_begin("%s (vector %lu) in kernel mode, error code %#lx, address %#lx",
		    trap_name(r->vector), r->vector, r->error,
		    r->vector == X86_VECTOR_PF ? read_cr2() : 0);
	trap_print_regs(r);
	kprintf("backtrace:\n");
	trap_print_symbol(r->rip);
	arch_backtrace(r->rbp);
	kprintf("*** end of panic report\n");
	arch_halt(ARCH_HALT_PANIC);
}

/* Interrupt or exception in kernel mode; returns to the interrupted code. */
void
x86_trap_kernel(struct arch_regs *r)
{
	if (r->vector == X86_VECTOR_TIMER) {
		lapic_eoi();
		clock_tick();
		return;
	}
	if (r->vector == X86_VECTOR_SPURIOUS)
		return;
	/* a user copy that faulted on a user address fails; anything else is a bug */
	if ((r->vector == 13 || (r->vector == X86_VECTOR_PF && read_cr2() < USER_TOP)) &&
	    r->rip == (uint64_t)x86_user_copy_insn) {
		r->rip = (uint64_t)x86_user_copy_fixup;
		return;
	}
	trap_panic(r);
}

/* NMI, double fault, machine check: on IST stacks, from either mode. */
void
x86_trap_ist(struct arch_regs *r)
{
	if (x86_has_smap)
		__asm__ volatile("clac" ::: "memory");
	if (r->vector == 2) {
		kprintf("nmi: ignored (rip %#lx)\n", r->rip);
		return;
	}
	trap_panic(r);
}

static bool
backtrace_frame_ok(uint64_t fp)
{
	uint64_t lo = (uint64_t)x86_kstack_guard + PAGE_SIZE, hi = (uint64_t)x86_kstack_top;

	return fp % 8 == 0 && fp >= lo && fp + 16 <= hi;
}

void
arch_backtrace(uintptr_t frame)
{
	uint64_t fp = frame ? frame : (uint64_t)__builtin_frame_address(0);
	unsigned depth;

	if (!frame)
		kprintf("backtrace:\n");
	for (depth = 0; depth < 32 && backtrace_frame_ok(fp); depth++) {
		const uint64_t *f = (const uint64_t *)fp;

		if (f[1] < (uint64_t)__text_start || f[1] >= (uint64_t)__text_end)
			break;
		trap_print_symbol(f[1]);
		if (f[0] <= fp)
			break;
		fp = f[0];
	}
}

void
arch_regs_init_user(struct arch_regs *r, vaddr_t entry, vaddr_t stack, uint64_t arg)
{
	*r = (struct arch_regs){ 0 };
	r->rip = entry;
	r->rsp = stack;
	r->rdi = arg;
	r->cs = SEL_USER_CS;
	r->ss = SEL_USER_DS;
	r->rflags = RFLAGS_IF;
	r->vector = X86_VECTOR_NONE;
}

static bool
regs_canonical_user(uint64_t a)
{
	return a <= USER_TOP;
}

bool
arch_regs_resumable(const struct arch_regs *r)
{
	return regs_canonical_user(r->rip);
}

void
arch_regs_read(const struct arch_regs *r, struct tally_regs *o)
{
	*o = (struct tally_regs){
		.rip = r->rip, .rsp = r->rsp, .rflags = r->rflags,
		.rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx, .rsi = r->rsi,
		.rdi = r->rdi, .rbp = r->rbp, .r8 = r->r8, .r9 = r->r9, .r10 = r->r10,
		.r11 = r->r11, .r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
	};
}

/* Flags user code may set: CF PF AF ZF SF TF DF OF. */
#define RFLAGS_USER 0xdd5ul

bool
arch_regs_write(struct arch_regs *r, const struct tally_regs *in)
{
	if (!regs_canonical_user(in->rip) || !regs_canonical_user(in->rsp))
		return false;
	r->rip = in->rip;
	r->rsp = in->rsp;
	r->rflags = (in->rflags & RFLAGS_USER) | RFLAGS_IF;
	r->rax = in->rax;
	r->rbx = in->rbx;
	r->rcx = in->rcx;
	r->rdx = in->rdx;
	r->rsi = in->rsi;
	r->rdi = in->rdi;
	r->rbp = in->rbp;
	r->r8 = in->r8;
	r->r9 = in->r9;
	r->r10 = in->r10;
	r->r11 = in->r11;
	r->r12 = in->r12;
	r->r13 = in->r13;
	r->r14 = in->r14;
	r->r15 = in->r15;
	r->cs = SEL_USER_CS;
	r->ss = SEL_USER_DS;
	r->vector = X86_VECTOR_NONE;   /* return by iretq: every register as written */
	return true;
}

/* Data segment registers are not thread state: clear what the last thread left. */
static inline void
x86_clear_segments(void)
{
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs"
			 : : "r"(0) : "memory");
}

static inline void
x86_activate(struct arch_regs *r, paddr_t root)
{
	x86_cur_regs = r;
	cpu_set_kernel_stack((uint64_t)(r + 1));
	if (read_cr3() != root)
		write_cr3(root);
}

void
arch_activate(struct thread *t, struct arch_regs *r, paddr_t root)
{
	(void)t;
	if (x86_cur_regs != r)
		x86_clear_segments();
	x86_activate(r, root);
}
