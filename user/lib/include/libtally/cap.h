/*
 * libtally: capability invocations (Untyped retype, CNode operations,
 * frame and page-table mapping) and the error record. Each returns enum
 * tally_error. Slots of the root CNode are named by their index as cptr
 * (see <tally/cap.h>).
 */
#ifndef LIBTALLY_CAP_H
#define LIBTALLY_CAP_H

#include <tally/cap.h>
#include <libtally/syscall.h>

struct tally_invoke_result {
	unsigned long mr[6];
};

/* Invoke cptr with label and six message registers; results in *out if non-NULL. */
static inline long
tally_invoke(unsigned long cptr, unsigned long label, const unsigned long in[6],
	     struct tally_invoke_result *out)
{
	register unsigned long r10 __asm__("r10") = in[1];
	register unsigned long r8 __asm__("r8") = in[2];
	register unsigned long r9 __asm__("r9") = in[3];
	register unsigned long r12 __asm__("r12") = in[4];
	register unsigned long r13 __asm__("r13") = in[5];
	unsigned long rax = TALLY_SYS_INVOKE, rdx = in[0];

	__asm__ volatile("syscall"
			 : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r12),
			   "+r"(r13)
			 : "D"(cptr), "S"(label)
			 : "rcx", "r11", "memory");
	if (out) {
		out->mr[0] = rdx;
		out->mr[1] = r10;
		out->mr[2] = r8;
		out->mr[3] = r9;
		out->mr[4] = r12;
		out->mr[5] = r13;
	}
	return (long)rax;
}

static inline long
tally_untyped_retype(unsigned long untyped, unsigned long type, unsigned long size_bits,
		     unsigned long dest_cnode, unsigned long dest_index, unsigned long count)
{
	const unsigned long in[6] = { type, size_bits, dest_cnode, dest_index, count, 0 };

	return tally_invoke(untyped, TALLY_UNTYPED_RETYPE, in, 0);
}

static inline long
tally_cnode_copy(unsigned long cnode, unsigned long dest_index, unsigned long src,
		 unsigned long src_depth, unsigned long rights)
{
	const unsigned long in[6] = { dest_index, src, src_depth, rights, 0, 0 };

	return tally_invoke(cnode, TALLY_CNODE_COPY, in, 0);
}

static inline long
tally_cnode_mint(unsigned long cnode, unsigned long dest_index, unsigned long src,
		 unsigned long src_depth, unsigned long rights, unsigned long badge)
{
	const unsigned long in[6] = { dest_index, src, src_depth, rights, badge, 0 };

	return tally_invoke(cnode, TALLY_CNODE_MINT, in, 0);
}

static inline long
tally_cnode_move(unsigned long cnode, unsigned long dest_index, unsigned long src,
		 unsigned long src_depth)
{
	const unsigned long in[6] = { dest_index, src, src_depth, 0, 0, 0 };

	return tally_invoke(cnode, TALLY_CNODE_MOVE, in, 0);
}

static inline long
tally_cnode_delete(unsigned long cnode, unsigned long index)
{
	const unsigned long in[6] = { index, 0, 0, 0, 0, 0 };

	return tally_invoke(cnode, TALLY_CNODE_DELETE, in, 0);
}

static inline long
tally_cnode_revoke(unsigned long cnode, unsigned long index)
{
	const unsigned long in[6] = { index, 0, 0, 0, 0, 0 };

	return tally_invoke(cnode, TALLY_CNODE_REVOKE, in, 0);
}

/* What a slot holds. */
struct tally_slot_info {
	unsigned long type, rights, word, paddr, flags;
	unsigned long extra;   /* Untyped: bytes free; CNode: guard data */
};

static inline long
tally_cnode_inspect(unsigned long cnode, unsigned long index, struct tally_slot_info *out)
{
	const unsigned long in[6] = { index, 0, 0, 0, 0, 0 };
	struct tally_invoke_result r;
	long err = tally_invoke(cnode, TALLY_CNODE_INSPECT, in, &r);

	*out = (struct tally_slot_info){ r.mr[0], r.mr[1], r.mr[2], r.mr[3], r.mr[4], r.mr[5] };
	return err;
}

/* Map a frame into address space `pml4` at vaddr with rights (TALLY_RIGHT_READ, _WRITE, _EXEC). */
static inline long
tally_frame_map(unsigned long frame, unsigned long pml4, unsigned long vaddr, unsigned long rights)
{
	const unsigned long in[6] = { pml4, vaddr, rights, 0, 0, 0 };

	return tally_invoke(frame, TALLY_FRAME_MAP, in, 0);
}

static inline long
tally_frame_unmap(unsigned long frame)
{
	const unsigned long in[6] = { 0 };

	return tally_invoke(frame, TALLY_FRAME_UNMAP, in, 0);
}

/* Map a PDPT, PD or PT into address space `pml4`, covering vaddr. */
static inline long
tally_page_table_map(unsigned long table, unsigned long pml4, unsigned long vaddr)
{
	const unsigned long in[6] = { pml4, vaddr, 0, 0, 0, 0 };

	return tally_invoke(table, TALLY_PAGE_TABLE_MAP, in, 0);
}

static inline long
tally_page_table_unmap(unsigned long table)
{
	const unsigned long in[6] = { 0 };

	return tally_invoke(table, TALLY_PAGE_TABLE_UNMAP, in, 0);
}

static inline long
tally_error_detail(struct tally_error_detail *out)
{
	return tally_syscall(TALLY_SYS_ERROR_DETAIL, (unsigned long)out, 0, 0, 0, 0, 0, 0);
}

static inline long
tally_debug_check(struct tally_cap_stats *out)
{
	return tally_syscall(TALLY_SYS_DEBUG_CHECK, (unsigned long)out, 0, 0, 0, 0, 0, 0);
}

#endif
