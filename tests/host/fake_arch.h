/*
 * The fake architecture behind kernel/arch.h for host tests: physical memory
 * is an array, "user memory" is a window at FAKE_USER_BASE, the console is a
 * buffer, and halting or leaving for user space jumps back to the test.
 */
#ifndef TESTS_HOST_FAKE_ARCH_H
#define TESTS_HOST_FAKE_ARCH_H

#include <kernel/arch.h>
#include <setjmp.h>

#define FAKE_RAM_SIZE (64ul << 20)
#define FAKE_RAM_ALIGN (2ul << 20)
#define FAKE_USER_BASE 0x10000000ul
#define FAKE_USER_SIZE (64ul << 10)
#define FAKE_USER_TOP  (1ul << 47)   /* what arch_user_range_ok allows */
extern paddr_t fake_forgotten_root;   /* last root given to arch_vspace_forget_root */
extern unsigned long fake_tlb_flushes; /* calls of arch_tlb_flush */

/* Page-table entries: a physical address and these bits. */
#define FAKE_PTE_PRESENT      0x1ul
#define FAKE_PTE_TABLE        0x2ul    /* points to a table; else maps a frame */
#define FAKE_PTE_RIGHTS_SHIFT 4        /* a frame's ARCH_MAP_* rights */
#define FAKE_PTE_LEVEL_SHIFT  8        /* the level of a frame's entry */
#define FAKE_PTE_ADDR         (~0xffful)
#define FAKE_PTE_KERNEL       (0xfff000ul | FAKE_PTE_PRESENT)  /* the kernel's half */

extern unsigned char fake_user[FAKE_USER_SIZE];
extern char fake_console[1 << 16];
extern size_t fake_console_len;
extern int fake_halt_status;          /* -1 until arch_halt is called */
extern jmp_buf fake_exit;             /* arch_halt and arch_return_to_user jump here */
extern struct thread *fake_activated; /* last thread given to arch_activate */
/* When non-zero, every n-th preemption window sees a timer tick. */
extern unsigned long fake_preempt_every;
/* When set, called at every preemption window (a test looking in mid-call). */
extern void (*fake_preempt_hook)(void);

/* Reset every fake: console, user window, halt status. */
void fake_arch_reset(void);

#endif
