/*
 * libFuzzer harness for the SLIP decoder: arbitrary line bytes, fed
 * whole and again in chunks whose sizes come from the input itself;
 * both must deliver the same frames, none longer than the MRU, and
 * re-encoding a frame must decode back to it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slip.h"

#define MRU	296

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct acc {
	uint64_t	 sum;
	size_t		 n;
};

static void
count(void *arg, const uint8_t *p, size_t len)
{
	struct acc *a = arg;
	size_t i;

	if (len == 0 || len > MRU)
		abort();
	for (i = 0; i < len; i++)
		a->sum = a->sum * 31 + p[i];
	a->sum += len;
	a->n++;
}

static void
reencode(void *arg, const uint8_t *p, size_t len)
{
	static uint8_t enc[SLIP_ENCMAX(MRU)];
	struct slip_dec d;
	struct acc a = { 0, 0 }, b = { 0, 0 };
	size_t n;

	count(&a, p, len);
	n = slip_encode(enc, p, len);
	if (slip_dec_init(&d, MRU) == -1)
		return;
	slip_decode(&d, enc, n, count, &b);
	slip_dec_free(&d);
	if (a.n != 1 || b.n != 1 || a.sum != b.sum)
		abort();
	count(arg, p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slip_dec d1, d2;
	struct acc a = { 0, 0 }, b = { 0, 0 };
	size_t i = 0, step;

	if (slip_dec_init(&d1, MRU) == -1)
		return 0;
	if (slip_dec_init(&d2, MRU) == -1) {
		slip_dec_free(&d1);
		return 0;
	}
	slip_decode(&d1, data, size, reencode, &a);
	while (i < size) {
		step = 1 + data[i] % 7;
		if (step > size - i)
			step = size - i;
		slip_decode(&d2, data + i, step, count, &b);
		i += step;
	}
	if (a.n != b.n || a.sum != b.sum || d1.too_long != d2.too_long ||
	    d1.bad_esc != d2.bad_esc)
		abort();
	slip_dec_free(&d1);
	slip_dec_free(&d2);
	return 0;
}
