/*
 * The first instructions: QEMU's multiboot loader enters here in 32-bit
 * protected mode, paging off, eax = loader magic, ebx = multiboot info.
 *
 * This code runs at its physical address. It checks the CPU can do long
 * mode, maps the first GiB twice (identity, and at KERNEL_VMA) with 2 MiB
 * pages, enables PAE, long mode, no-execute and paging, and jumps to the
 * 64-bit kernel in the higher half. arch_memory_init later replaces these
 * tables with the kernel's own.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* page-align modules, memory map, addresses */
#define KERNEL_VMA 0xffffffff80000000

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long (0 - (MB_MAGIC + MB_FLAGS)) & 0xffffffff
	.long mb_header              /* header_addr */
	.long __kernel_phys_start    /* load_addr */
	.long __load_end_phys        /* load_end_addr */
	.long __kernel_phys_end      /* bss_end_addr */
	.long _start32               /* entry_addr */

	.section .boot.text, "ax"
	.code32
	.global _start32
_start32:
	cli
	cld
	mov $boot_stack_top, %esp
	mov %eax, boot_magic
	mov %ebx, boot_info

	/* Long mode and NX are required: CPUID 0x80000001 EDX bits 29 and 20. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz no_long_mode
	test $(1 << 20), %edx
	jz no_long_mode

	/* Page tables: PML4[0] and PML4[511] share one PD covering 0..1 GiB. */
	mov $boot_pdpt_low, %eax
	or $3, %eax
	mov %eax, boot_pml4
	mov $boot_pdpt_high, %eax
	or $3, %eax
	mov %eax, boot_pml4 + 511 * 8
	mov $boot_pd, %eax
	or $3, %eax
	mov %eax, boot_pdpt_low
	mov %eax, boot_pdpt_high + 510 * 8
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax               /* present, writable, 2 MiB */
	mov %eax, boot_pd(, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $(1 << 5), %eax           /* PAE */
	mov %eax, %cr4
	mov $0xc0000080, %ecx        /* EFER: long mode, no-execute */
	rdmsr
	or $((1 << 8) | (1 << 11)), %eax
	wrmsr
	mov %cr0, %eax
	or $((1 << 31) | (1 << 16) | 1), %eax /* paging, write protect, protected mode */
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $start64_low

no_long_mode:
	mov $no_long_mode_msg, %esi
2:	lodsb
	test %al, %al
	jz 3f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 2b
3:	mov $0xf4, %dx               /* isa-debug-exit: report a panic */
	mov $0x20, %eax
	out %eax, %dx
4:	hlt
	jmp 4b

	.code64
start64_low:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $x86_start64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096
	.skip 1024
boot_stack_top:
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000      /* 64-bit code */
	.quad 0x0000920000000000      /* data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
	.global boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0
no_long_mode_msg:
	.asciz "Tally: this CPU cannot run 64-bit code (long mode and NX needed)\r\n"

/* Now in the higher half, on the boot tables. */
	.text
	.global x86_start64
x86_start64:
	/* clear .bss before anything lives there */
	movabs $__bss_start, %rdi
	movabs $__bss_end, %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	movabs $x86_kstack_top, %rsp
	xor %ebp, %ebp
	movabs $boot_magic, %rax
	mov (%rax), %edi
	movabs $boot_info, %rax
	mov (%rax), %esi
	call x86_entry
5:	hlt
	jmp 5b

	.section .note.GNU-stack, "", @progbits
