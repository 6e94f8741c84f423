/*
 * Build-time constants of the kernel. Build options themselves are chosen in
 * config.mk at the top of the tree and arrive here as -D definitions; this is
 * the only header that reads them.
 */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#ifndef TALLY_VERSION
#define TALLY_VERSION "0.0.0"
#endif

#ifndef CONFIG_TICK_HZ
#define CONFIG_TICK_HZ 100
#endif

#ifndef CONFIG_DEBUG
#define CONFIG_DEBUG 1
#endif

/* Boot tasks (one per boot module) until threads are made by retype. */
#define CONFIG_BOOT_THREADS 16

/* Pages of user stack given to each boot task. */
#define CONFIG_BOOT_STACK_PAGES 8

#endif
