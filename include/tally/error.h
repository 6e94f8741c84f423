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
	TALLY_ERROR_COUNT
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
	};

	if (e < 0 || e >= TALLY_ERROR_COUNT)
		return "?";
	return names[e];
}

#endif
