/*
 * libtally: a tiny run-length codec, the "compressed file" format of the
 * suite's file-like server. A stream is a sequence of 5-byte runs: a
 * 32-bit little-endian count and the byte to repeat. Highly compressible
 * by design: a few runs can stand for gigabytes (a decompression bomb).
 */
#ifndef LIBTALLY_RLE_H
#define LIBTALLY_RLE_H

#include <stddef.h>

#define TALLY_RLE_RUN 5

/* Write one run at out (TALLY_RLE_RUN bytes). */
void tally_rle_run(unsigned char *out, unsigned count, unsigned char byte);

/*
 * Inflate the runs in[0..n) through a ring of ring_size bytes (the output
 * is consumed as it is made: only its checksum is kept). *progress counts
 * the bytes made so far, so another thread can watch the job advance.
 * Returns the checksum of the whole output.
 */
unsigned long tally_rle_inflate(const unsigned char *in, size_t n, unsigned char *ring,
				size_t ring_size, volatile unsigned long *progress);

#endif
