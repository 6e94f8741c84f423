/*
 * libtally: program start. crt0 calls tally_start, which records the
 * boot-info page and calls the program's main; returning from main ends
 * the thread.
 */
#ifndef LIBTALLY_START_H
#define LIBTALLY_START_H

#include <tally/bootinfo.h>

extern const struct tally_bootinfo *tally_bootinfo;

int main(const struct tally_bootinfo *bi);

#endif
