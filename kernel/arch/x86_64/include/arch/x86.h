/*
 * x86_64 machine definitions and instruction wrappers, used only inside
 * kernel/arch/x86_64.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <kernel/compiler.h>
#include <arch/types.h>

#define KERNEL_VMA     0xffffffff80000000ul  /* kernel image (phys + KERNEL_VMA) */
#define PHYSMAP_BASE   0xffff800000000000ul  /* all RAM, phys + PHYSMAP_BASE */
#define DEVICE_BASE    0xffffffffc0000000ul  /* device registers, 4 KiB pages */
#define USER_TOP       0x00007ffffffff000ul  /* one page below the canonical hole */
#define BOOT_MAP_LIMIT 0x40000000ul          /* the boot tables map 1 GiB */

/* GDT selectors; STAR's layout for syscall/sysret fixes this order. */
#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_DS   0x1b
#define SEL_USER_CS   0x23
#define SEL_TSS       0x28

/* Interrupt vectors. */
#define X86_VECTOR_PF      14
#define X86_VECTOR_TIMER   32
#define X86_VECTOR_SPURIOUS 0xff
#define X86_VECTOR_SYSCALL 0x100  /* not a CPU vector: marks a syscall entry */
#define X86_VECTOR_NONE    0x101  /* a frame made by the kernel (new thread) */

/* Page-table entry bits. */
#define PTE_P   (1ul << 0)
#define PTE_W   (1ul << 1)
#define PTE_U   (1ul << 2)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_PS  (1ul << 7)
#define PTE_G   (1ul << 8)
#define PTE_NX  (1ul << 63)
#define PTE_ADDR 0x000ffffffffff000ul

#define RFLAGS_IF (1ul << 9)

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_APIC_BASE 0x1b
#define EFER_SCE (1ul << 0)
#define EFER_NXE (1ul << 11)

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t
read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t
read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void
write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t
read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void
write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t
read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void
write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* Set up by the arch code, read by entry.S. */
extern struct arch_regs *x86_cur_regs;
extern bool x86_has_smap;

/* Set up by the files of this directory; see each for its contract. */
void serial_init(void);
void cpu_init(void);

/* The task-state segment: only its ring-0 stack and IST stacks are used. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

extern struct tss cpu_tss;

/* Where an interrupt from user mode saves its frame. */
static inline void
cpu_set_kernel_stack(uint64_t rsp0)
{
	cpu_tss.rsp[0] = rsp0;
}
uint64_t *paging_map_device(paddr_t pa);
void lapic_eoi(void);

/* Called from assembly. */
NORETURN void x86_entry(uint32_t magic, uint32_t mbi_pa);
NORETURN void x86_syscall(void);
NORETURN void x86_trap_user(void);
void x86_trap_kernel(struct arch_regs *r);
void x86_trap_ist(struct arch_regs *r);

/* entry.S */
extern char x86_syscall_entry[], x86_kstack_top[], x86_kstack_guard[];
extern char x86_ist_df_top[], x86_ist_nmi_top[], x86_ist_mc_top[];
extern char x86_user_copy_insn[], x86_user_copy_fixup[];
extern uint64_t x86_isr_table[];
int x86_user_copy(void *dst, const void *src, size_t n);

#endif
