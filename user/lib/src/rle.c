/* The run-length codec of <libtally/rle.h>. */
#include <libtally/rle.h>

void
tally_rle_run(unsigned char *out, unsigned count, unsigned char byte)
{
	out[0] = (unsigned char)count;
	out[1] = (unsigned char)(count >> 8);
	out[2] = (unsigned char)(count >> 16);
	out[3] = (unsigned char)(count >> 24);
	out[4] = byte;
}

unsigned long
tally_rle_inflate(const unsigned char *in, size_t n, unsigned char *ring, size_t ring_size,
		  volatile unsigned long *progress)
{
	unsigned long sum = 0, pos = 0;
	size_t i;

	for (i = 0; i + TALLY_RLE_RUN <= n; i += TALLY_RLE_RUN) {
		unsigned count = in[i] | in[i + 1] << 8 | in[i + 2] << 16 | (unsigned)in[i + 3] << 24;
		unsigned k;

		for (k = 0; k < count; k++) {
			ring[pos] = in[i + 4];
			sum = sum * 31 + ring[pos];
			pos = pos + 1 == ring_size ? 0 : pos + 1;
			if (progress)
				(*progress)++;
		}
	}
	return sum;
}
