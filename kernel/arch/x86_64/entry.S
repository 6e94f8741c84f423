/*
 * Kernel entry and exit on x86_64.
 *
 * One kernel stack, interrupts disabled whenever the kernel runs (except in
 * arch_idle_wait). Every entry from user mode saves the full register frame
 * into the current thread (struct arch_regs, x86_cur_regs): interrupts and
 * exceptions through TSS.rsp0, which points just past that frame, and the
 * syscall instruction by switching to it by hand. The C handler then runs on
 * the kernel stack, from its top, and never returns: it leaves through
 * arch_return_to_user, which restores whichever thread is current by then.
 *
 * Exceptions taken in kernel mode push their frame on the kernel stack and
 * return normally (user-copy fault recovery, the idle loop's interrupts), or
 * panic. Double fault, NMI and machine check run on their own IST stacks.
 */
#define REGS_VECTOR 120
#define REGS_CS     144
#define REGS_SIZE   176
#define VEC_SYSCALL 0x100
#define SEL_USER_DS 0x1b
#define SEL_USER_CS 0x23

.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

	.text

/* syscall: rcx = user rip, r11 = user rflags, rsp still the user's. */
	.global x86_syscall_entry
	.balign 16
x86_syscall_entry:
	mov %rsp, x86_syscall_user_rsp(%rip)
	mov x86_cur_regs(%rip), %rsp
	add $REGS_SIZE, %rsp
	push $SEL_USER_DS
	push x86_syscall_user_rsp(%rip)
	push %r11
	push $SEL_USER_CS
	push %rcx
	push $0
	push $VEC_SYSCALL
	PUSH_GPRS
	mov $x86_kstack_top, %rsp
	xor %ebp, %ebp
	call x86_syscall
	ud2

/* Leave into the current thread: sysret after a syscall, iretq otherwise. */
	.global arch_return_to_user
arch_return_to_user:
	mov x86_cur_regs(%rip), %rsp
	POP_GPRS
	cmpq $VEC_SYSCALL, (%rsp)
	jne 1f
	mov 16(%rsp), %rcx           /* rip */
	mov 32(%rsp), %r11           /* rflags */
	mov 40(%rsp), %rsp           /* user rsp */
	sysretq
1:	add $16, %rsp                /* vector, error code */
	iretq

/* Interrupt and exception stubs: make every frame look the same. */
.macro ISR vec
	.balign 16
isr_\vec:
	.if (\vec == 8 || \vec == 10 || \vec == 11 || \vec == 12 || \vec == 13 || \vec == 14 || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	push $0
	.endif
	push $\vec
	.if (\vec == 2 || \vec == 8 || \vec == 18)
	jmp isr_ist_common
	.else
	jmp isr_common
	.endif
.endm

.altmacro
.set vec, 0
.rept 33
	ISR %vec
	.set vec, vec + 1
.endr
	ISR 255

isr_common:
	PUSH_GPRS
	cld
	testb $3, REGS_CS(%rsp)
	jz 1f
	/* from user mode: the frame is in the current thread */
	mov $x86_kstack_top, %rsp
	xor %ebp, %ebp
	call x86_trap_user
	ud2
1:	/* from kernel mode: the frame is on the kernel stack */
	mov %rsp, %rdi
	call x86_trap_kernel
	POP_GPRS
	add $16, %rsp
	iretq

/* NMI, double fault, machine check: on their own stacks, from any mode. */
isr_ist_common:
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call x86_trap_ist
	POP_GPRS
	add $16, %rsp
	iretq

/* Table of stub addresses for the IDT, indexed by vector (0..32, then 255). */
	.section .rodata
	.balign 8
	.global x86_isr_table
x86_isr_table:
.macro ISR_ENTRY vec
	.quad isr_\vec
.endm
.set vec, 0
.rept 33
	ISR_ENTRY %vec
	.set vec, vec + 1
.endr
	.quad isr_255
.noaltmacro

	.text
/*
 * int x86_user_copy(void *dst, const void *src, size_t n): copy with fault
 * recovery. A fault at x86_user_copy_insn resumes at x86_user_copy_fixup
 * (trap.c), which returns 1; success returns 0.
 */
	.global x86_user_copy, x86_user_copy_insn, x86_user_copy_fixup
x86_user_copy:
	mov %rdx, %rcx
x86_user_copy_insn:
	rep movsb
	xor %eax, %eax
	ret
x86_user_copy_fixup:
	mov $1, %eax
	ret

/* void arch_preempt_window(void): take any pending interrupt, then go on. */
	.global arch_preempt_window
arch_preempt_window:
	sti
	nop
	cli
	ret

/* void arch_idle_wait(void): sleep until an interrupt has been handled. */
	.global arch_idle_wait
arch_idle_wait:
	sti
	hlt
	cli
	ret

	.section .bss.kstack, "aw", @nobits
	.balign 4096
	.global x86_kstack_guard, x86_kstack_top
	.global x86_ist_df_top, x86_ist_nmi_top, x86_ist_mc_top
/* Each stack sits above an unmapped guard page (paging.c leaves them out). */
x86_kstack_guard:
	.skip 4096                   /* an overflow here double-faults */
	.skip 16384
x86_kstack_top:
	.skip 4096                   /* guard */
	.skip 4096
x86_ist_df_top:
	.skip 4096                   /* guard */
	.skip 4096
x86_ist_nmi_top:
	.skip 4096                   /* guard */
	.skip 4096
x86_ist_mc_top:

	.bss
	.balign 8
x86_syscall_user_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
