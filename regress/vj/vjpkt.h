/*
 * Test packets for the VJ tests: IPv4 + TCP datagrams with correct IP
 * and TCP checksums, built field by field, and a deterministic PRNG.
 */
#ifndef VJPKT_H
#define VJPKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tconn {
	uint8_t		src[4], dst[4];
	uint16_t	sport, dport;
	uint32_t	seq, ack;
	uint16_t	win, id, urp;
	uint8_t		tos, ttl;
};

static uint32_t tp_rng = 12345;

static inline uint32_t
tp_rand(void)
{
	/* xorshift32: deterministic, so every run sees the same packets. */
	tp_rng ^= tp_rng << 13;
	tp_rng ^= tp_rng >> 17;
	tp_rng ^= tp_rng << 5;
	return tp_rng;
}

static inline uint32_t
tp_sum(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t
tp_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void
tp_put16(uint8_t *p, unsigned int v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static inline void
tp_put32(uint8_t *p, uint32_t v)
{
	tp_put16(p, v >> 16);
	tp_put16(p + 2, v & 0xffff);
}

/* TCP checksum of a datagram with a 20+ byte IP header: 1 when right. */
static inline int
tp_tcp_ok(const uint8_t *p, size_t len)
{
	size_t ihl = (p[0] & 0x0f) * 4;
	uint32_t s;

	if (len < ihl + 20)
		return 0;
	s = tp_sum(0, p + 12, 8) + 6 + (uint32_t)(len - ihl);
	s = tp_sum(s, p + ihl, len - ihl);
	return tp_fold(s) == 0;
}

/*
 * Build a datagram into p: IP options ipopt (multiple of 4), TCP flags,
 * TCP options opt (multiple of 4), data.  Returns its length.
 */
static inline size_t
tp_build(uint8_t *p, const struct tconn *c, uint8_t flags,
    const uint8_t *ipopt, size_t ipoptlen, const uint8_t *opt, size_t optlen,
    const uint8_t *data, size_t dlen)
{
	size_t ihl = 20 + ipoptlen, thl = 20 + optlen, len = ihl + thl + dlen;
	uint8_t *th = p + ihl;
	uint32_t s;

	memset(p, 0, ihl + thl);
	p[0] = 0x40 | (uint8_t)(ihl / 4);
	p[1] = c->tos;
	tp_put16(p + 2, (unsigned int)len);
	tp_put16(p + 4, c->id);
	tp_put16(p + 6, 0x4000);	/* DF */
	p[8] = c->ttl ? c->ttl : 64;
	p[9] = 6;
	memcpy(p + 12, c->src, 4);
	memcpy(p + 16, c->dst, 4);
	if (ipoptlen)
		memcpy(p + 20, ipopt, ipoptlen);
	tp_put16(p + 10, tp_fold(tp_sum(0, p, ihl)));
	tp_put16(th, c->sport);
	tp_put16(th + 2, c->dport);
	tp_put32(th + 4, c->seq);
	tp_put32(th + 8, c->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	tp_put16(th + 14, c->win);
	tp_put16(th + 18, c->urp);
	if (optlen)
		memcpy(th + 20, opt, optlen);
	if (dlen)
		memcpy(th + thl, data, dlen);
	s = tp_sum(0, p + 12, 8) + 6 + (uint32_t)(thl + dlen);
	tp_put16(th + 16, tp_fold(tp_sum(s, th, thl + dlen)));
	return len;
}

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20

#endif
