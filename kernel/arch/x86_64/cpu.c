/*
 * CPU tables and modes: GDT, TSS, IDT, the syscall MSRs, and the control
 * register bits Tally relies on (write protect, no-execute, SMEP and SMAP
 * when present, FPU off for user space until its state is saved).
 */
#include <kernel/arch.h>
#include <string.h>
#include <arch/x86.h>

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct tss cpu_tss __attribute__((aligned(16)));
static struct idt_gate cpu_idt[256] __attribute__((aligned(16)));
static uint64_t cpu_gdt[7] __attribute__((aligned(16))) = {
	0,
	0x00209a0000000000ul, /* 0x08 kernel code, 64-bit */
	0x0000920000000000ul, /* 0x10 kernel data */
	0x0000f20000000000ul, /* 0x18 user data */
	0x0020fa0000000000ul, /* 0x20 user code, 64-bit */
	0, 0,                 /* 0x28 TSS, filled in below */
};

bool x86_has_smap;

static void
cpu_load_gdt(void)
{
	uint64_t base = (uint64_t)&cpu_tss, limit = sizeof(cpu_tss) - 1;
	struct table_ptr p = { sizeof(cpu_gdt) - 1, (uint64_t)cpu_gdt };

	cpu_tss.iomap_base = sizeof(cpu_tss); /* no I/O bitmap: all ports denied */
	cpu_tss.ist[0] = (uint64_t)x86_ist_df_top;
	cpu_tss.ist[1] = (uint64_t)x86_ist_nmi_top;
	cpu_tss.ist[2] = (uint64_t)x86_ist_mc_top;
	cpu_tss.rsp[0] = (uint64_t)x86_kstack_top;
	cpu_gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
		     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	cpu_gdt[6] = base >> 32;
	__asm__ volatile("lgdt %0" : : "m"(p));
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
			 : : "r"((uint64_t)SEL_KERNEL_DS));
	__asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
			 : : "i"(SEL_KERNEL_CS) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

static void
idt_set(unsigned vec, uint64_t handler, unsigned ist, unsigned dpl)
{
	struct idt_gate *g = &cpu_idt[vec];

	g->offset_lo = handler & 0xffff;
	g->selector = SEL_KERNEL_CS;
	g->ist = (uint8_t)ist;
	g->attr = (uint8_t)(0x8e | (dpl << 5)); /* present, interrupt gate */
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = (uint32_t)(handler >> 32);
}

static void
cpu_load_idt(void)
{
	struct table_ptr p = { sizeof(cpu_idt) - 1, (uint64_t)cpu_idt };
	unsigned v;

	for (v = 0; v <= X86_VECTOR_TIMER; v++)
		idt_set(v, x86_isr_table[v], 0, 0);
	idt_set(X86_VECTOR_SPURIOUS, x86_isr_table[X86_VECTOR_TIMER + 1], 0, 0);
	idt_set(2, x86_isr_table[2], 2, 0);   /* NMI */
	idt_set(8, x86_isr_table[8], 1, 0);   /* double fault */
	idt_set(18, x86_isr_table[18], 3, 0); /* machine check */
	idt_set(3, x86_isr_table[3], 0, 3);   /* int3 from user is a breakpoint */
	__asm__ volatile("lidt %0" : : "m"(p));
}

static void
cpu_set_modes(void)
{
	uint32_t r[4];
	uint64_t cr4 = read_cr4();

	cpuid(7, 0, r);
	if (r[1] & (1u << 7))
		cr4 |= 1ul << 20;          /* SMEP: never run user pages in ring 0 */
	if (r[1] & (1u << 20)) {
		cr4 |= 1ul << 21;          /* SMAP: user pages only inside user copies */
		x86_has_smap = true;
	}
	cr4 |= 1ul << 7;                   /* global pages */
	cr4 &= ~((1ul << 2) | (1ul << 9)); /* user rdtsc allowed; no SSE state yet */
	write_cr4(cr4);
	/* FPU off: x87 and SSE in user mode fault until their state is saved */
	write_cr0((read_cr0() | (1ul << 2) | (1ul << 16)) & ~(1ul << 1));
}

static void
cpu_init_syscall(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, ((uint64_t)(SEL_USER_DS - 8 - 3) << 48) | ((uint64_t)SEL_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)x86_syscall_entry);
	/* cleared on entry: TF, IF, DF, IOPL, NT, AC */
	wrmsr(MSR_SFMASK, 0x47700);
}

void
cpu_init(void)
{
	cpu_load_gdt();
	cpu_load_idt();
	cpu_set_modes();
	cpu_init_syscall();
}

