/* System-call dispatch: the arch entry code calls this for every `syscall`. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <kernel/thread.h>

/*
 * Decode and perform the call in t's registers, leaving the result in them.
 * May stop t (unknown call number) or switch threads (yield, exit).
 */
void syscall_dispatch(struct thread *t);

#endif
