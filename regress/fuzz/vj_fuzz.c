/*
 * libFuzzer harness for VJ header compression.  The input is a series
 * of records: a type byte and a length byte, then that many bytes.
 * Each record is fed to a decompressor as a received packet (any type,
 * any garbage: it must never crash or overrun, and what it rebuilds is
 * bounded), and also to a compressor as an outgoing datagram whose
 * result a second decompressor must turn back into the same bytes.
 * Records of type 0xff tell the round trip's receiver a frame was lost.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vj.h"

#define BUF	(65536 + 256)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t out[BUF], cbuf[BUF], rbuf[BUF], pkt[256];

/* Give a datagram a right IP header checksum, so more of them compress. */
static void
fix_ipsum(uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	if (len < 20)
		return;
	p[10] = p[11] = 0;
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	p[10] = sum >> 8;
	p[11] = sum & 0xff;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vj *rx, *tx, *peer;
	size_t i = 1, len, n, o;
	unsigned int slots;
	int rec, type, lost = 0;

	if (size < 1)
		return 0;
	slots = 1 + data[0] % 16;
	rx = vj_new(slots, slots);
	tx = vj_new(slots, slots);
	peer = vj_new(slots, slots);
	if (rx == NULL || tx == NULL || peer == NULL)
		abort();
	while (size - i >= 2) {
		rec = data[i];
		len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = size - i;
		/* As received: any type, any bytes. */
		if (vj_uncompress(rx, rec % 5 - 1, data + i, len, out,
		    BUF, &o) == 0 && o > len + 120)
			abort();
		if (rec == 0xff) {
			/* Once lost, the round trip is not exact any more. */
			vj_lost(peer);
			lost = 1;
		}
		/* As sent: compress, decompress, compare. */
		memcpy(pkt, data + i, len);
		if (rec & 4)
			fix_ipsum(pkt, len);
		type = vj_compress(tx, pkt, len, cbuf, BUF, &n, rec & 1);
		if (type == VJ_TYPE_ERROR || n > len)
			abort();
		if (rec & 2) {
			/* SLIP: the type travels in the first byte. */
			cbuf[0] = VJ_SLIP_MARK(type, cbuf[0]);
			if (n > 0 && VJ_TYPE_SLIP(cbuf[0]) != type &&
			    type != VJ_TYPE_IP)
				abort();
		}
		if (vj_uncompress(peer, type, cbuf, n, rbuf, BUF, &o) == 0) {
			if (!lost && (o != len || memcmp(rbuf, pkt, len)))
				abort();
		} else if (!lost)
			abort();
		i += len;
	}
	vj_free(rx);
	vj_free(tx);
	vj_free(peer);
	return 0;
}
