/*
 * SLIP (RFC 1055) encoder and decoder.  Both work on runs of ordinary
 * bytes at a time (memcpy, not a byte loop through a state machine), and
 * a frame that arrives whole in one input buffer is delivered from that
 * buffer without a copy: the decoder must not be the bottleneck.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slip.h"

int
slip_dec_init(struct slip_dec *d, size_t mru)
{
	memset(d, 0, sizeof(*d));
	if ((d->buf = malloc(mru ? mru : 1)) == NULL)
		return -1;
	d->mru = mru;
	return 0;
}

void
slip_dec_free(struct slip_dec *d)
{
	free(d->buf);
	d->buf = NULL;
}

void
slip_dec_reset(struct slip_dec *d)
{
	d->len = 0;
	d->esc = 0;
	d->discard = 0;
}

size_t
slip_dec_pending(const struct slip_dec *d)
{
	if (d->esc || d->discard)
		return SIZE_MAX;
	return d->len;
}

/* Append to the partial frame; past the MRU the frame is dropped. */
static int
dec_append(struct slip_dec *d, const uint8_t *p, size_t n)
{
	if (n > d->mru - d->len) {
		d->too_long++;
		d->len = 0;
		d->discard = 1;
		return -1;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	return 0;
}

/*
 * Does the word hold a byte equal to any byte of the pattern b (the
 * byte repeated)?  x ^ b has a zero byte exactly there; (v - 0x01..) &
 * ~v & 0x80.. is non-zero iff v has a zero byte.
 */
#define SLIP_ONES	0x0101010101010101ULL
#define SLIP_HIGHS	0x8080808080808080ULL
#define SLIP_HASZERO(v)	(((v) - SLIP_ONES) & ~(v) & SLIP_HIGHS)

/*
 * Bytes before the first END or ESC.  Both are rare in data (2 in 256
 * random bytes), so skip eight bytes at a time while a word has none:
 * this scan is most of the cost of encoding and decoding.
 */
static size_t
run_len(const uint8_t *p, size_t n)
{
	const uint64_t e = SLIP_ONES * SLIP_END, c = SLIP_ONES * SLIP_ESC;
	uint64_t w;
	size_t i = 0;

	for (; i + sizeof(w) <= n; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		if (SLIP_HASZERO(w ^ e) | SLIP_HASZERO(w ^ c))
			break;
	}
	for (; i < n; i++)
		if (p[i] == SLIP_END || p[i] == SLIP_ESC)
			break;
	return i;
}

/* The byte after an ESC. */
static void
dec_escaped(struct slip_dec *d, uint8_t c)
{
	d->esc = 0;
	if (c == SLIP_ESC_END)
		c = SLIP_END;
	else if (c == SLIP_ESC_ESC)
		c = SLIP_ESC;
	else {
		/* A protocol violation: the frame cannot be trusted. */
		d->bad_esc++;
		d->len = 0;
		if (c != SLIP_END)
			d->discard = 1;
		return;
	}
	dec_append(d, &c, 1);
}

void
slip_decode(struct slip_dec *d, const uint8_t *in, size_t n,
    slip_deliver deliver, void *arg)
{
	const uint8_t *e;
	size_t i = 0, r;

	while (i < n) {
		if (d->discard) {
			if ((e = memchr(in + i, SLIP_END, n - i)) == NULL)
				return;
			i = (size_t)(e - in) + 1;
			slip_dec_reset(d);
			continue;
		}
		if (d->esc) {
			dec_escaped(d, in[i++]);
			continue;
		}
		r = run_len(in + i, n - i);
		if (r > 0 && d->len == 0 && i + r < n && in[i + r] == SLIP_END) {
			/* A whole frame in the buffer: no copy. */
			if (r > d->mru)
				d->too_long++;
			else {
				d->frames++;
				deliver(arg, in + i, r);
			}
			i += r + 1;
			continue;
		}
		if (r > 0 && dec_append(d, in + i, r) == -1) {
			i += r;
			continue;
		}
		i += r;
		if (i >= n)
			break;
		if (in[i++] == SLIP_ESC) {
			d->esc = 1;
			continue;
		}
		if (d->len == 0) {
			d->empty++;
			continue;
		}
		d->frames++;
		r = d->len;
		d->len = 0;
		deliver(arg, d->buf, r);
	}
}

size_t
slip_encode(uint8_t *out, const uint8_t *p, size_t n)
{
	size_t o = 0, i = 0, r;

	out[o++] = SLIP_END;
	while (i < n) {
		r = run_len(p + i, n - i);
		memcpy(out + o, p + i, r);
		o += r;
		i += r;
		if (i < n) {
			out[o++] = SLIP_ESC;
			out[o++] = p[i] == SLIP_END ? SLIP_ESC_END :
			    SLIP_ESC_ESC;
			i++;
		}
	}
	out[o++] = SLIP_END;
	return o;
}
