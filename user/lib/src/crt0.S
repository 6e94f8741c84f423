/* Entry point of every Tally user program: rdi = boot-info page. */
	.section .text.start, "ax"
	.global _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call tally_start
	ud2

	.section .note.GNU-stack, "", @progbits
