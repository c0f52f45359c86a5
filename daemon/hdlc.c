/*
 * Async HDLC-like framing (RFC 1662).  The FCS table is built on first
 * use from the generator x^16 + x^12 + x^5 + 1, bit-reflected (0x8408),
 * as the RFC specifies the FCS over bits sent least significant first.
 */
#include <stdlib.h>
#include <string.h>

#include "hdlc.h"

static uint16_t	fcstab[256];
static int	fcsready;

static void
hdlc_fcs_table(void)
{
	unsigned int b, i;
	uint16_t v;

	for (b = 0; b < 256; b++) {
		v = (uint16_t)b;
		for (i = 0; i < 8; i++)
			v = (v & 1) ? (uint16_t)((v >> 1) ^ 0x8408) :
			    (uint16_t)(v >> 1);
		fcstab[b] = v;
	}
	fcsready = 1;
}

uint16_t
hdlc_fcs(uint16_t fcs, const uint8_t *p, size_t n)
{
	if (!fcsready)
		hdlc_fcs_table();
	while (n-- > 0)
		fcs = (uint16_t)((fcs >> 8) ^ fcstab[(fcs ^ *p++) & 0xff]);
	return fcs;
}

void
hdlc_xmap_init(struct hdlc_xmap *m, uint32_t accm)
{
	memset(m, 0, sizeof(*m));
	m->bits[0] = accm;
	hdlc_xmap_add(m, HDLC_FLAG);
	hdlc_xmap_add(m, HDLC_ESC);
}

void
hdlc_xmap_add(struct hdlc_xmap *m, uint8_t c)
{
	m->bits[c >> 5] |= 1U << (c & 31);
}

int
hdlc_xmap_has(const struct hdlc_xmap *m, uint8_t c)
{
	return (m->bits[c >> 5] >> (c & 31)) & 1;
}

int
hdlc_dec_init(struct hdlc_dec *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	d->max = max + 2;	/* and the FCS */
	d->raccm = 0xffffffff;	/* until LCP says otherwise */
	if ((d->buf = malloc(d->max)) == NULL)
		return -1;
	return 0;
}

void
hdlc_dec_free(struct hdlc_dec *d)
{
	free(d->buf);
	d->buf = NULL;
}

void
hdlc_dec_reset(struct hdlc_dec *d)
{
	d->len = 0;
	d->esc = d->toss = 0;
}

size_t
hdlc_dec_pending(const struct hdlc_dec *d)
{
	return d->len + (d->esc ? 1 : 0);
}

/* A flag ends the frame in progress. */
static void
hdlc_end(struct hdlc_dec *d, void (*deliver)(void *, const uint8_t *,
    size_t), void *arg)
{
	if (d->esc) {
		/* Escape then flag: the sender aborted the frame. */
		d->aborts++;
	} else if (d->toss || d->len == 0) {
		/* Already counted, or back-to-back flags. */
	} else if (d->len < HDLC_MINFRAME)
		d->runts++;
	else if (hdlc_fcs(HDLC_FCS_INIT, d->buf, d->len) != HDLC_FCS_GOOD)
		d->bad_fcs++;
	else {
		d->frames++;
		deliver(arg, d->buf, d->len - 2);
	}
	hdlc_dec_reset(d);
}

void
hdlc_decode(struct hdlc_dec *d, const uint8_t *in, size_t n,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	size_t i;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = in[i];
		if (c == HDLC_FLAG) {
			hdlc_end(d, deliver, arg);
			continue;
		}
		/* Inserted by the line (modems, XON/XOFF): not data. */
		if (c < 0x20 && (d->raccm >> c) & 1) {
			d->ignored++;
			continue;
		}
		if (d->toss)
			continue;
		if (c == HDLC_ESC) {
			d->esc = 1;
			continue;
		}
		if (d->esc) {
			c ^= HDLC_XOR;
			d->esc = 0;
		}
		if (d->len == d->max) {
			d->too_long++;
			d->toss = 1;
			d->len = 0;
			continue;
		}
		d->buf[d->len++] = c;
	}
}

static size_t
hdlc_put(uint8_t *out, const struct hdlc_xmap *m, const uint8_t *p,
    size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (hdlc_xmap_has(m, p[i])) {
			out[o++] = HDLC_ESC;
			out[o++] = p[i] ^ HDLC_XOR;
		} else
			out[o++] = p[i];
	}
	return o;
}

size_t
hdlc_encode(uint8_t *out, const struct hdlc_xmap *m, const uint8_t *hdr,
    size_t hlen, const uint8_t *data, size_t dlen)
{
	uint8_t fcsb[2];
	uint16_t fcs;
	size_t o = 0;

	fcs = hdlc_fcs(HDLC_FCS_INIT, hdr, hlen);
	fcs = hdlc_fcs(fcs, data, dlen);
	fcs ^= 0xffff;
	/* Sent least significant byte first (RFC 1662 C.2). */
	fcsb[0] = fcs & 0xff;
	fcsb[1] = fcs >> 8;
	out[o++] = HDLC_FLAG;
	o += hdlc_put(out + o, m, hdr, hlen);
	o += hdlc_put(out + o, m, data, dlen);
	o += hdlc_put(out + o, m, fcsb, 2);
	out[o++] = HDLC_FLAG;
	return o;
}
