/* tally_recovery_point: see <libtally/recover.h>. rdi = struct tally_recovery *. */
	.text
	.global tally_recovery_point
	.type tally_recovery_point, @function
tally_recovery_point:
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rax       /* the caller's stack once this returns */
	mov %rax, 48(%rdi)
	mov (%rsp), %rax        /* where it returns to */
	mov %rax, 56(%rdi)
	xor %eax, %eax
	ret
	.size tally_recovery_point, . - tally_recovery_point

	.section .note.GNU-stack, "", @progbits
