/*
 * The events the suite's peer processes report (user/peer), as message
 * labels on their report endpoint; MR0 is the value.
 */
#ifndef USER_PEER_H
#define USER_PEER_H

/* The priority the suite gives every peer process and thread. */
#define PEER_PRIO 250

enum peer_event {
	PEER_SETUP_FAILED = 1,   /* value: the error */
	PEER_CALLED,             /* a call was received (value: the receive's error) */
	PEER_CALL_DONE,          /* its own call ended (value: the error) */
	PEER_CALLER_GONE,        /* the notification bound to its Reply fired */
	PEER_REPLY_DONE,         /* its reply ended (value: the error) */
	PEER_TIMEOUT,            /* (the suite's watchdog) nothing happened for too long */
	PEER_HELD,               /* a holder calls: its endpoint comes with the call */
};

/* The status the "exit" role exits with. */
#define PEER_EXIT_STATUS 7

/* How many keys a kvclient puts before its endless SCAN. */
#define PEER_KV_KEYS 20

/* Where a holder maps the shared frame (and its own frame after it). */
#define PEER_HOLD_VA 0x20000000ul

#endif
