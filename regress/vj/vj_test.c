/*
 * Van Jacobson header compression (daemon/vj.c): generated packet
 * sequences (bulk transfer, interactive echo, many interleaved
 * connections, every kind of header change) compressed and rebuilt
 * byte for byte, checksums included; the special encodings where RFC
 * 1144 puts them; loss and resync; truncated, bad and garbage input.
 */
#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vj.h"
#include "vjpkt.h"

#define BUF	(65536 + 256)

static uint8_t cbuf[BUF], obuf[BUF], pbuf[BUF];

static void
conn_init(struct tconn *c, unsigned int n)
{
	memset(c, 0, sizeof(*c));
	c->src[0] = 10; c->src[2] = 2; c->src[3] = 15;
	c->dst[0] = 192; c->dst[1] = 0; c->dst[2] = 2; c->dst[3] = 1 + n % 7;
	c->sport = (uint16_t)(1024 + n);
	c->dport = (uint16_t)(n % 2 ? 23 : 80);
	c->seq = tp_rand();
	c->ack = tp_rand();
	c->win = 8192;
	c->id = (uint16_t)tp_rand();
}

/*
 * Compress pkt, send it SLIP style (slip != 0: type in the first byte)
 * or PPP style (type beside it), rebuild it; it must come back exact.
 * Returns the type it was sent as; *clen gets the compressed length.
 */
static int
roundtrip(struct vj *tx, struct vj *rx, const uint8_t *pkt, size_t len,
    int elide, int slip, size_t *clen)
{
	size_t n, o;
	int type, rtype;

	type = vj_compress(tx, pkt, len, cbuf, BUF, &n, elide);
	ATF_REQUIRE(type == VJ_TYPE_IP || type == VJ_TYPE_UNCOMPRESSED_TCP ||
	    type == VJ_TYPE_COMPRESSED_TCP);
	ATF_REQUIRE(n <= len);
	if (slip) {
		cbuf[0] = VJ_SLIP_MARK(type, cbuf[0]);
		rtype = VJ_TYPE_SLIP(cbuf[0]);
		ATF_REQUIRE_EQ(rtype, type);
	} else
		rtype = type;
	ATF_REQUIRE_EQ(vj_uncompress(rx, rtype, cbuf, n, obuf, BUF, &o), 0);
	ATF_REQUIRE_EQ(o, len);
	if (memcmp(obuf, pkt, len) != 0) {
		/* Show the header, differing bytes starred. */
		fprintf(stderr, "type %d, %zu bytes, first %02x\n", type, n,
		    cbuf[0]);
		for (n = 0; n < 40; n++)
			fprintf(stderr, "%02x%s", pkt[n],
			    obuf[n] != pkt[n] ? "*" : " ");
		fprintf(stderr, "\n");
	}
	ATF_REQUIRE(memcmp(obuf, pkt, len) == 0);
	if (clen != NULL)
		*clen = n;
	return type;
}

ATF_TC_WITHOUT_HEAD(api_bounds);
ATF_TC_BODY(api_bounds, tc)
{
	struct vj *vj;

	ATF_CHECK(vj_new(0, 16) == NULL);
	ATF_CHECK(vj_new(16, 0) == NULL);
	ATF_CHECK(vj_new(257, 16) == NULL);
	ATF_REQUIRE((vj = vj_new(256, 1)) != NULL);
	ATF_CHECK_EQ(vj_tx_slots(vj), 256);
	ATF_CHECK_EQ(vj_rx_slots(vj), 1);
	vj_free(vj);
	vj_free(NULL);
	ATF_CHECK_EQ(VJ_TYPE_SLIP(0x45), VJ_TYPE_IP);
	ATF_CHECK_EQ(VJ_TYPE_SLIP(0x75), VJ_TYPE_UNCOMPRESSED_TCP);
	ATF_CHECK_EQ(VJ_TYPE_SLIP(0x80), VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK_EQ(VJ_TYPE_SLIP(0xff), VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK_EQ(VJ_TYPE_SLIP(0x60), VJ_TYPE_ERROR);
	ATF_CHECK_EQ(VJ_TYPE_SLIP(0x00), VJ_TYPE_ERROR);
}

/* One-way bulk data: SPECIAL_D, three byte headers, cid elided. */
ATF_TC_WITHOUT_HEAD(bulk);
ATF_TC_BODY(bulk, tc)
{
	struct vj *tx, *rx;
	struct tconn c;
	uint8_t data[1460];
	size_t len, n, i;
	const struct vj_stats *st;
	int t;

	ATF_REQUIRE((tx = vj_new(16, 16)) != NULL);
	ATF_REQUIRE((rx = vj_new(16, 16)) != NULL);
	conn_init(&c, 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)tp_rand();
	for (i = 0; i < 200; i++) {
		data[0] = (uint8_t)i;
		len = tp_build(pbuf, &c, TH_ACK | (i % 3 ? 0 : TH_PSH), NULL,
		    0, NULL, 0, data, 1460);
		t = roundtrip(tx, rx, pbuf, len, 1, 1, &n);
		if (i == 0)
			ATF_CHECK_EQ(t, VJ_TYPE_UNCOMPRESSED_TCP);
		else {
			ATF_CHECK_EQ(t, VJ_TYPE_COMPRESSED_TCP);
			/* Change mask and checksum only: SPECIAL_D, id +1. */
			ATF_CHECK_EQ(n, 3 + 1460);
			ATF_CHECK_EQ(cbuf[0] & 0x7f,
			    0x0f | (i % 3 ? 0 : 0x10));
		}
		c.seq += 1460;
		c.id++;
	}
	st = vj_stats(tx);
	ATF_CHECK_EQ(st->out_packets, 200);
	ATF_CHECK_EQ(st->out_tcp, 200);
	ATF_CHECK_EQ(st->out_compressed, 199);
	ATF_CHECK_EQ(st->out_uncompressed, 1);
	ATF_CHECK_EQ(st->out_special_d, 199);
	ATF_CHECK_EQ(st->out_special_i, 0);
	ATF_CHECK_EQ(st->out_misses, 1);
	ATF_CHECK_EQ(st->out_saved, 199 * 37);
	st = vj_stats(rx);
	ATF_CHECK_EQ(st->in_uncompressed, 1);
	ATF_CHECK_EQ(st->in_compressed, 199);
	ATF_CHECK_EQ(st->in_errors, 0);
	/* The acks coming back the other way (PPP form this time). */
	vj_free(tx);
	vj_free(rx);
}

/*
 * An interactive session: the guest's keystrokes, and our echoes each
 * carrying the echoed byte and acking the keystroke (SPECIAL_I), with
 * bare acks in between (data after a bare ack compresses).
 */
ATF_TC_WITHOUT_HEAD(interactive_echo);
ATF_TC_BODY(interactive_echo, tc)
{
	struct vj *tx, *rx;
	struct tconn c;
	uint8_t ch;
	size_t len, n, i;
	int t;

	ATF_REQUIRE((tx = vj_new(16, 16)) != NULL);
	ATF_REQUIRE((rx = vj_new(16, 16)) != NULL);
	conn_init(&c, 1);
	for (i = 0; i < 100; i++) {
		ch = (uint8_t)('a' + i % 26);
		len = tp_build(pbuf, &c, TH_ACK | TH_PSH, NULL, 0, NULL, 0,
		    &ch, 1);
		t = roundtrip(tx, rx, pbuf, len, 1, 1, &n);
		if (i == 0)
			ATF_CHECK_EQ(t, VJ_TYPE_UNCOMPRESSED_TCP);
		else {
			/* seq and ack both advance by the last data: 1. */
			ATF_CHECK_EQ(t, VJ_TYPE_COMPRESSED_TCP);
			ATF_CHECK_EQ(cbuf[0] & 0x7f, 0x0b | 0x10);
			ATF_CHECK_EQ(n, 3 + 1);
		}
		c.seq++;
		c.ack++;
		c.id++;
	}
	ATF_CHECK_EQ(vj_stats(tx)->out_special_i, 99);
	/* A bare ack, then data after it: nothing changed but the length. */
	c.ack += 5;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, &n),
	    VJ_TYPE_COMPRESSED_TCP);
	/* seq +1 (the last keystroke), ack +6: no special case. */
	ATF_CHECK_EQ(cbuf[0] & 0x7f, 0x0c);
	ATF_CHECK_EQ(n, 3 + 1 + 1);
	c.id++;
	len = tp_build(pbuf, &c, TH_ACK | TH_PSH, NULL, 0, NULL, 0,
	    (const uint8_t *)"ls\r\n", 4);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, &n),
	    VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK_EQ(cbuf[0] & 0x7f, 0x10);	/* only PUSH */
	/* The same segment again: a retransmission goes uncompressed. */
	c.id++;
	len = tp_build(pbuf, &c, TH_ACK | TH_PSH, NULL, 0, NULL, 0,
	    (const uint8_t *)"ls\r\n", 4);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, &n),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	vj_free(tx);
	vj_free(rx);
}

/*
 * Deltas that happen to look like a special encoding (S+W+U, S+A+W+U)
 * must not be sent as one; delta sizes follow the 0-then-2-byte rule.
 */
ATF_TC_WITHOUT_HEAD(encodings);
ATF_TC_BODY(encodings, tc)
{
	struct vj *tx, *rx;
	struct tconn c;
	uint8_t d[300];
	size_t len, n;

	memset(d, 'x', sizeof(d));
	ATF_REQUIRE((tx = vj_new(16, 16)) != NULL);
	ATF_REQUIRE((rx = vj_new(16, 16)) != NULL);
	conn_init(&c, 2);
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	roundtrip(tx, rx, pbuf, len, 1, 1, NULL);
	/* seq +10, window +1, urgent: the SPECIAL_I mask; uncompressed. */
	c.seq += 10; c.win++; c.urp = 3; c.id++;
	len = tp_build(pbuf, &c, TH_ACK | TH_URG, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* And with the ack too: the SPECIAL_D mask; uncompressed. */
	c.seq += 10; c.ack += 1; c.win++; c.id++;
	len = tp_build(pbuf, &c, TH_ACK | TH_URG, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* Urgent pointer 0 and an id jump of 0: zero takes 3 bytes. */
	c.urp = 0; c.seq += 10;
	len = tp_build(pbuf, &c, TH_ACK | TH_URG, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, &n),
	    VJ_TYPE_COMPRESSED_TCP);
	/* U(3) S(1: 10) I(3); the SPECIAL_D seq rule does not apply. */
	ATF_CHECK_EQ(cbuf[0] & 0x7f, 0x01 | 0x08 | 0x20);
	ATF_CHECK_EQ(n, 3 + 3 + 1 + 3 + 10);
	/* Window -1 (65535 as a delta), ack +256, seq +300, id +2. */
	c.win--; c.ack += 256; c.seq += 300; c.id += 2;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 300);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, &n),
	    VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK_EQ(cbuf[0] & 0x7f, 0x02 | 0x04 | 0x08 | 0x20);
	ATF_CHECK_EQ(n, 3 + 3 + 3 + 3 + 1 + 300);
	/* URG, then plain one-way data: SPECIAL_D, and URG is gone. */
	c.urp = 5; c.seq += 300; c.id++;
	len = tp_build(pbuf, &c, TH_ACK | TH_URG, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_COMPRESSED_TCP);
	c.seq += 10; c.id++;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, &n),
	    VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK_EQ(cbuf[0] & 0x7f, 0x0f);
	/* Urgent pointer changed without URG: uncompressed. */
	c.urp = 7; c.id++; c.seq += 300;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* A seq jump over 65535: uncompressed. */
	c.seq += 70000; c.id++;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* An ack going backwards (a huge delta): uncompressed. */
	c.ack -= 1; c.seq += 10; c.id++;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* TOS or TTL change, an ECN flag: uncompressed. */
	c.seq += 10; c.id++; c.ttl = 63;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	c.seq += 10; c.id++;
	len = tp_build(pbuf, &c, TH_ACK | 0x80, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* Not compressible at all: SYN, FIN, RST, no ACK, IP options. */
	len = tp_build(pbuf, &c, TH_SYN, NULL, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	len = tp_build(pbuf, &c, TH_ACK | TH_FIN, NULL, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	len = tp_build(pbuf, &c, TH_RST | TH_ACK, NULL, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	len = tp_build(pbuf, &c, TH_PSH, NULL, 0, NULL, 0, d, 5);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	len = tp_build(pbuf, &c, TH_ACK, (const uint8_t *)"\x94\x04\0\0", 4,
	    NULL, 0, d, 5);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	/* A fragment, UDP, a short or lying datagram: as IP. */
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 50);
	pbuf[6] = 0x20;		/* more fragments */
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	pbuf[6] = 0x40;
	pbuf[9] = 17;
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	pbuf[9] = 6;
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len - 1, 1, 1, NULL),
	    VJ_TYPE_IP);
	/* A wrong IP checksum would come out repaired: as IP. */
	pbuf[11] ^= 1;
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, 39, 1, 1, NULL), VJ_TYPE_IP);
	pbuf[32] = 0x40;	/* TCP offset past the end */
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, 60, 1, 1, NULL), VJ_TYPE_IP);
	ATF_CHECK_EQ(vj_stats(rx)->in_ip, 11);
	ATF_CHECK_EQ(vj_stats(rx)->in_errors, 0);
	/* Too small an output buffer is refused. */
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 50);
	ATF_CHECK_EQ(vj_compress(tx, pbuf, len, cbuf, len - 1, &n, 1),
	    VJ_TYPE_ERROR);
	vj_free(tx);
	vj_free(rx);
}

/*
 * Many connections interleaved at random, more than the slots, with
 * every kind of header change, options, retransmissions, odd flags;
 * SLIP and PPP forms, cid elision on and off.  Everything comes back
 * exact; the connection id appears exactly when it must.
 */
static void
random_walk(unsigned int slots, unsigned int nconn, int elide, int slip,
    unsigned int npkts)
{
	struct tconn c[64];
	size_t last[64] = { 0 };
	struct vj *tx, *rx;
	uint8_t d[1500], opt[12], ipopt[4] = { 0x94, 0x04, 0, 0 };
	size_t len, n, dlen, optlen;
	unsigned int i, k, r, prev = ~0u;
	uint8_t flags;
	int t, types[3] = { 0 };

	ATF_REQUIRE(nconn <= 64);
	ATF_REQUIRE((tx = vj_new(slots, slots)) != NULL);
	ATF_REQUIRE((rx = vj_new(slots, slots)) != NULL);
	for (k = 0; k < nconn; k++)
		conn_init(&c[k], k);
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)tp_rand();
	for (i = 0; i < npkts; i++) {
		/* Bursts on one connection, now and then another. */
		k = tp_rand() % 4 ? (prev == ~0u ? 0 : prev) :
		    tp_rand() % nconn;
		prev = k;
		r = tp_rand();
		dlen = (r & 3) == 0 ? 0 : (r & 3) == 1 ? 1 + r % 8 :
		    (r >> 8) % 1400;
		flags = TH_ACK;
		if (r & 0x10)
			flags |= TH_PSH;
		if ((r & 0x3e0) == 0x20) {
			flags |= TH_URG;
			c[k].urp = (uint16_t)(r >> 20);
		} else if ((r & 0x3e0) == 0x40)
			flags = TH_SYN | (r & 1 ? TH_ACK : 0);
		else if ((r & 0x3e0) == 0x60)
			flags |= TH_FIN;
		optlen = 0;
		if ((r & 0x1c00) == 0x400) {
			/* Timestamps: change in every segment. */
			memcpy(opt, "\x01\x01\x08\x0a", 4);
			tp_put32(opt + 4, i);
			tp_put32(opt + 8, i / 2);
			optlen = 12;
		}
		r = tp_rand();
		if ((r & 7) == 0)
			c[k].ack += (r >> 3) % 3 == 0 ? 1 + r % 200 :
			    (r >> 3) % 3 == 1 ? 256 + r % 60000 : 70000;
		if ((r & 0x38) == 0)
			c[k].win += (uint16_t)(r >> 16);
		if ((r & 0x1c0) == 0)
			c[k].seq -= (uint32_t)last[k];	/* retransmit */
		else if ((r & 0x1c0) == 0x40)
			c[k].seq += 1 + (r >> 20);	/* a jump */
		c[k].id += (r & 0xe00) == 0 ? (uint16_t)(r >> 12) : 1;
		len = tp_build(pbuf, &c[k], flags,
		    (r & 0xf000) == 0 ? ipopt : NULL,
		    (r & 0xf000) == 0 ? 4 : 0, opt, optlen, d, dlen);
		t = roundtrip(tx, rx, pbuf, len, elide, slip, &n);
		types[t]++;
		if (t == VJ_TYPE_COMPRESSED_TCP && !elide)
			ATF_REQUIRE(cbuf[0] & 0x40);
		c[k].seq += (uint32_t)dlen;
		last[k] = dlen;
	}
	ATF_CHECK(types[VJ_TYPE_COMPRESSED_TCP] > (int)npkts / 3);
	ATF_CHECK(types[VJ_TYPE_UNCOMPRESSED_TCP] > 0);
	ATF_CHECK(types[VJ_TYPE_IP] > 0);
	ATF_CHECK_EQ(vj_stats(tx)->out_compressed,
	    (uint64_t)types[VJ_TYPE_COMPRESSED_TCP]);
	ATF_CHECK_EQ(vj_stats(rx)->in_compressed,
	    (uint64_t)types[VJ_TYPE_COMPRESSED_TCP]);
	ATF_CHECK_EQ(vj_stats(rx)->in_uncompressed,
	    (uint64_t)types[VJ_TYPE_UNCOMPRESSED_TCP]);
	ATF_CHECK_EQ(vj_stats(rx)->in_errors, 0);
	if (nconn > slots)
		ATF_CHECK(vj_stats(tx)->out_misses > nconn);
	ATF_CHECK(vj_stats(tx)->out_searches > 0);
	vj_free(tx);
	vj_free(rx);
}

ATF_TC_WITHOUT_HEAD(interleaved);
ATF_TC_BODY(interleaved, tc)
{
	random_walk(16, 3, 1, 1, 3000);
	random_walk(16, 40, 1, 1, 6000);
	random_walk(4, 10, 1, 0, 3000);
	random_walk(1, 3, 0, 1, 2000);
	random_walk(256, 64, 0, 0, 4000);
}

/*
 * A lost compressed frame: after vj_lost() compressed frames without a
 * connection id are tossed (counted) until an uncompressed-TCP packet;
 * IP packets still pass.  A compressed packet with an explicit id also
 * resynchronises (RFC 1144 4.2).
 */
ATF_TC_WITHOUT_HEAD(loss_resync);
ATF_TC_BODY(loss_resync, tc)
{
	struct vj *tx, *rx;
	struct tconn c, c2;
	uint8_t d[512];
	size_t len, n, o, i;
	int t;

	memset(d, 'q', sizeof(d));
	ATF_REQUIRE((tx = vj_new(16, 16)) != NULL);
	ATF_REQUIRE((rx = vj_new(16, 16)) != NULL);
	conn_init(&c, 0);
	conn_init(&c2, 1);
	/* Nothing to decompress against yet: tossed. */
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 100);
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP,
	    (const uint8_t *)"\x8f\x12\x34xyz", 6, obuf, BUF, &o), -1);
	ATF_CHECK_EQ(vj_stats(rx)->in_tossed, 1);
	for (i = 0; i < 5; i++) {
		len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
		roundtrip(tx, rx, pbuf, len, 1, 1, NULL);
		c.seq += 512;
		c.id++;
	}
	/* Lose one. */
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
	ATF_CHECK_EQ(vj_compress(tx, pbuf, len, cbuf, BUF, &n, 1),
	    VJ_TYPE_COMPRESSED_TCP);
	c.seq += 512;
	c.id++;
	vj_lost(rx);
	ATF_CHECK_EQ(vj_stats(rx)->in_lost, 1);
	for (i = 0; i < 4; i++) {
		len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
		t = vj_compress(tx, pbuf, len, cbuf, BUF, &n, 1);
		ATF_CHECK_EQ(t, VJ_TYPE_COMPRESSED_TCP);
		ATF_CHECK_EQ(vj_uncompress(rx, t, cbuf, n, obuf, BUF, &o),
		    -1);
		c.seq += 512;
		c.id++;
	}
	ATF_CHECK_EQ(vj_stats(rx)->in_tossed, 5);
	ATF_CHECK_EQ(vj_stats(rx)->in_errors, 0);
	/* A UDP datagram passes while tossing and does not resync. */
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 20);
	pbuf[9] = 17;
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL), VJ_TYPE_IP);
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
	t = vj_compress(tx, pbuf, len, cbuf, BUF, &n, 1);
	ATF_CHECK_EQ(vj_uncompress(rx, t, cbuf, n, obuf, BUF, &o), -1);
	ATF_CHECK_EQ(vj_stats(rx)->in_tossed, 6);
	/* The peer's TCP retransmits: uncompressed, and we are back. */
	c.id++;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	for (i = 0; i < 5; i++) {
		c.seq += 512;
		c.id++;
		len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
		ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
		    VJ_TYPE_COMPRESSED_TCP);
	}
	ATF_CHECK_EQ(vj_stats(rx)->in_tossed, 6);
	/* A second connection: its packets carry the id, which resyncs. */
	len = tp_build(pbuf, &c2, TH_ACK, NULL, 0, NULL, 0, d, 10);
	roundtrip(tx, rx, pbuf, len, 1, 1, NULL);
	c2.seq += 10; c2.id++;
	vj_lost(rx);
	c.seq += 512; c.id++;
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 512);
	ATF_CHECK_EQ(roundtrip(tx, rx, pbuf, len, 1, 1, NULL),
	    VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK(cbuf[0] & 0x40);
	ATF_CHECK_EQ(vj_stats(rx)->in_tossed, 6);
	vj_free(tx);
	vj_free(rx);
}

/*
 * Damaged input: every truncation of a compressed packet shorter than
 * its header is an error and leaves the slot alone; longer ones are
 * valid packets with less data.  Truncated uncompressed-TCP, bad
 * connection ids, bad types, garbage: counted, never a crash.
 */
ATF_TC_WITHOUT_HEAD(damaged);
ATF_TC_BODY(damaged, tc)
{
	struct vj *tx, *rx;
	struct tconn c;
	uint8_t d[64], comp[256], unc[256];
	size_t len, n, o, i, j, hdr, ulen;
	uint64_t err;
	int t;

	memset(d, 'z', sizeof(d));
	ATF_REQUIRE((tx = vj_new(16, 16)) != NULL);
	ATF_REQUIRE((rx = vj_new(16, 16)) != NULL);
	conn_init(&c, 0);
	len = tp_build(pbuf, &c, TH_ACK, NULL, 0, NULL, 0, d, 10);
	ATF_CHECK_EQ(vj_compress(tx, pbuf, len, unc, sizeof(unc), &ulen, 0),
	    VJ_TYPE_UNCOMPRESSED_TCP);
	/* Truncated uncompressed-TCP: every length below both headers. */
	for (i = 0; i < 40; i++) {
		err = vj_stats(rx)->in_errors;
		ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc,
		    i, obuf, BUF, &o), -1);
		ATF_CHECK_EQ(vj_stats(rx)->in_errors, err + 1);
	}
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), 0);
	/* Four deltas of three bytes each, cid sent. */
	c.seq += 300; c.ack += 300; c.win -= 1000; c.id += 999;
	len = tp_build(pbuf, &c, TH_ACK | TH_PSH, NULL, 0, NULL, 0, d, 20);
	t = vj_compress(tx, pbuf, len, comp, sizeof(comp), &n, 0);
	ATF_REQUIRE_EQ(t, VJ_TYPE_COMPRESSED_TCP);
	hdr = 1 + 1 + 2 + 4 * 3;
	ATF_REQUIRE_EQ(n, hdr + 20);
	for (i = 0; i < n; i++) {
		err = vj_stats(rx)->in_errors;
		/* An uncompressed packet resyncs the slot each time. */
		ATF_REQUIRE_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP,
		    unc, ulen, obuf, BUF, &o), 0);
		t = vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP, comp, i, obuf,
		    BUF, &o);
		if (i < hdr) {
			ATF_CHECK_EQ(t, -1);
			ATF_CHECK_EQ(vj_stats(rx)->in_errors, err + 1);
		} else {
			ATF_CHECK_EQ(t, 0);
			ATF_CHECK_EQ(o, len - (n - i));
			ATF_CHECK(memcmp(obuf + 40, pbuf + 40, i - hdr) == 0);
		}
	}
	/*
	 * A truncated packet leaves the slot alone: the full one, whose
	 * explicit id resyncs without touching the slot, is then exact.
	 */
	ATF_REQUIRE_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), 0);
	ATF_REQUIRE_EQ(vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP, comp, hdr -
	    1, obuf, BUF, &o), -1);
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP, comp, n, obuf,
	    BUF, &o), 0);
	ATF_CHECK_EQ(o, len);
	ATF_CHECK(memcmp(obuf, pbuf, len) == 0);
	ATF_CHECK(tp_tcp_ok(obuf, o));
	/* Bad connection ids: compressed and uncompressed. */
	err = vj_stats(rx)->in_errors;
	comp[1] = 16;
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP, comp, n, obuf,
	    BUF, &o), -1);
	comp[1] = 5;	/* in range, never used */
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP, comp, n, obuf,
	    BUF, &o), -1);
	unc[9] = 200;
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), -1);
	unc[9] = 0;
	unc[0] = 0x55;	/* bad version */
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), -1);
	unc[0] = 0x44;	/* header too short */
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), -1);
	unc[0] = 0x4f;	/* IP header past the end */
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), -1);
	unc[0] = 0x45;
	unc[32] = 0x30;	/* TCP header too short */
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), -1);
	unc[32] = 0x50;
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_ERROR, unc, ulen, obuf, BUF,
	    &o), -1);
	ATF_CHECK_EQ(vj_uncompress(rx, 7, unc, ulen, obuf, BUF, &o), -1);
	/* Output too small. */
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_IP, unc, ulen, obuf, ulen - 1,
	    &o), -1);
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, ulen - 1, &o), -1);
	ATF_CHECK_EQ(vj_stats(rx)->in_errors, err + 11);
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_UNCOMPRESSED_TCP, unc, ulen,
	    obuf, BUF, &o), 0);
	ATF_CHECK_EQ(vj_uncompress(rx, VJ_TYPE_COMPRESSED_TCP, comp, n, obuf,
	    hdr, &o), -1);
	/* Garbage of every type and length: no crash, output bounded. */
	for (i = 0; i < 20000; i++) {
		len = tp_rand() % 200;
		for (j = 0; j < len; j++)
			pbuf[j] = (uint8_t)tp_rand();
		if (i % 3 == 0 && len > 40) {
			/* Sometimes a plausible uncompressed header first. */
			pbuf[0] = 0x45;
			pbuf[9] = (uint8_t)(tp_rand() % 16);
			pbuf[32] = 0x50;
		}
		if (vj_uncompress(rx, (int)(i % 4) - 1,
		    pbuf, len, obuf, BUF, &o) == 0)
			ATF_CHECK(o <= len + 120);
	}
	vj_free(tx);
	vj_free(rx);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, api_bounds);
	ATF_TP_ADD_TC(tp, bulk);
	ATF_TP_ADD_TC(tp, interactive_echo);
	ATF_TP_ADD_TC(tp, encodings);
	ATF_TP_ADD_TC(tp, interleaved);
	ATF_TP_ADD_TC(tp, loss_resync);
	ATF_TP_ADD_TC(tp, damaged);
	return atf_no_error();
}
