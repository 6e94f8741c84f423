/*
 * Tally public ABI: the one error enum.
 *
 * Every system call returns one of these in rax. The set is deliberately
 * small; the detail of a failure (which argument, which lookup level, how
 * many bytes were missing) goes in the calling thread's error record, not in
 * new codes. Shared by the kernel and user space.
 */
#ifndef TALLY_ERROR_H
#define TALLY_ERROR_H

enum tally_error {
	TALLY_OK = 0,
	TALLY_ERR_INVALID_ARGUMENT,   /* an argument is out of its valid set */
	TALLY_ERR_BAD_ADDRESS,        /* a user pointer is unmapped, kernel or not writable */
	TALLY_ERR_RANGE,              /* a size or index is out of range */
	TALLY_ERR_ALIGNMENT,          /* an address or size is misaligned */
	TALLY_ERR_INVALID_CAPABILITY, /* the capability has the wrong type or rights */
	TALLY_ERR_LOOKUP_FAILED,      /* a capability address does not resolve */
	TALLY_ERR_SLOT_OCCUPIED,      /* a destination slot is not empty */
	TALLY_ERR_REVOKE_FIRST,       /* the object still has children */
	TALLY_ERR_NO_MEMORY,          /* the caller's quota or untyped is exhausted */
	TALLY_ERR_DEAD_PEER,          /* the other party of an IPC is gone */
	TALLY_ERR_WOULD_BLOCK,        /* a non-blocking call found nobody */
	TALLY_ERR_TIMEOUT,            /* a call's time limit ran out */
	TALLY_ERR_NOT_FOUND,          /* the named thing does not exist */
	TALLY_ERR_OBJECT_DELETED,     /* an object the call waited on was destroyed */
	TALLY_ERR_CANCELLED,          /* the call was cancelled (the thread was suspended) */
	TALLY_ERR_BUSY,               /* the object is in use by another call */
	TALLY_ERROR_COUNT
};

/*
 * The detail of a thread's last failed invocation, read with
 * TALLY_SYS_ERROR_DETAIL. Fields that do not apply are 0. A successful call
 * leaves it as it was.
 */
struct tally_error_detail {
	unsigned long error;     /* the code the call returned */
	unsigned long argument;  /* which argument: 0 the invoked capability, n MR(n-1) */
	unsigned long value;     /* the offending value (an index, a size, a type) */
	unsigned long limit;     /* the bound it broke (slot count, bytes free) */
	unsigned long lookup;    /* LOOKUP_FAILED: enum tally_lookup_failure */
	unsigned long bits_left; /* LOOKUP_FAILED: address bits not yet resolved */
};

/* Why a capability lookup stopped. */
enum tally_lookup_failure {
	TALLY_LOOKUP_OK = 0,
	TALLY_LOOKUP_NO_ROOT,        /* the thread has no CNode root */
	TALLY_LOOKUP_BAD_DEPTH,      /* depth outside 1..64 */
	TALLY_LOOKUP_GUARD_MISMATCH, /* the address's bits do not match a guard */
	TALLY_LOOKUP_DEPTH_MISMATCH, /* bits left over at a non-CNode, or too few for a CNode */
	TALLY_LOOKUP_RESERVED_SLOT,  /* slot 0 of a CNode */
	TALLY_LOOKUP_EMPTY_SLOT,     /* the slot holds no capability */
};

/* tally_error_name: a short constant string for each code, "?" otherwise. */
static inline const char *
tally_error_name(long e)
{
	static const char *const names[TALLY_ERROR_COUNT] = {
		[TALLY_OK] = "OK",
		[TALLY_ERR_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
		[TALLY_ERR_BAD_ADDRESS] = "BAD_ADDRESS",
		[TALLY_ERR_RANGE] = "RANGE",
		[TALLY_ERR_ALIGNMENT] = "ALIGNMENT",
		[TALLY_ERR_INVALID_CAPABILITY] = "INVALID_CAPABILITY",
		[TALLY_ERR_LOOKUP_FAILED] = "LOOKUP_FAILED",
		[TALLY_ERR_SLOT_OCCUPIED] = "SLOT_OCCUPIED",
		[TALLY_ERR_REVOKE_FIRST] = "REVOKE_FIRST",
		[TALLY_ERR_NO_MEMORY] = "NO_MEMORY",
		[TALLY_ERR_DEAD_PEER] = "DEAD_PEER",
		[TALLY_ERR_WOULD_BLOCK] = "WOULD_BLOCK",
		[TALLY_ERR_TIMEOUT] = "TIMEOUT",
		[TALLY_ERR_NOT_FOUND] = "NOT_FOUND",
		[TALLY_ERR_OBJECT_DELETED] = "OBJECT_DELETED",
		[TALLY_ERR_CANCELLED] = "CANCELLED",
		[TALLY_ERR_BUSY] = "BUSY",
	};

	if (e < 0 || e >= TALLY_ERROR_COUNT)
		return "?";
	return names[e];
}

#endif
