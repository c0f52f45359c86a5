/*
 * Van Jacobson TCP/IP header compression, written from the description
 * in RFC 1144.  Each direction keeps a table of slots, one per TCP
 * connection, holding the last header sent or received on it; a
 * compressed packet carries only what changed from that header.
 *
 * All headers are handled as byte arrays (network order, memcpy-free
 * accessors below), so no packet is ever cast to a struct.
 */
#include <stdlib.h>
#include <string.h>

#include "vj.h"

/* Change mask bits of a compressed packet's first byte (RFC 1144 3.2.2). */
#define VJ_C		0x40	/* connection id present */
#define VJ_I		0x20	/* IP id delta present (else +1) */
#define VJ_P		0x10	/* TCP PUSH */
#define VJ_S		0x08	/* sequence delta */
#define VJ_A		0x04	/* ack delta */
#define VJ_W		0x02	/* window delta */
#define VJ_U		0x01	/* urgent pointer */
#define VJ_SPECIAL	(VJ_S | VJ_A | VJ_W | VJ_U)
/* Combinations a real delta set never produces, reused as encodings. */
#define VJ_SPECIAL_I	(VJ_S | VJ_W | VJ_U)		/* echoed interactive */
#define VJ_SPECIAL_D	(VJ_S | VJ_A | VJ_W | VJ_U)	/* unidirectional data */

/* TCP flags. */
#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20

#define VJ_HDRMAX	120	/* 60 bytes of IP + 60 of TCP header */
#define VJ_NOSLOT	0xffff

/* IPv4 header offsets. */
#define IP_VHL		0
#define IP_LEN		2
#define IP_ID		4
#define IP_OFF		6
#define IP_TTL		8
#define IP_PROTO	9
#define IP_SUM		10
#define IP_SRC		12
#define IP_DST		16
/* TCP header offsets. */
#define TCP_SPORT	0
#define TCP_SEQ		4
#define TCP_ACK		8
#define TCP_OFF		12
#define TCP_FLAGS	13
#define TCP_WIN		14
#define TCP_SUM		16
#define TCP_URP		18

struct vj_slot {
	uint8_t		 hdr[VJ_HDRMAX];	/* last IP + TCP header */
	unsigned int	 iplen, hlen;		/* IP header, both headers */
	int		 valid;
};

struct vj {
	unsigned int	 ntx, nrx;
	struct vj_slot	*tx, *rx;
	uint8_t		*order;		/* tx slot ids, most recent first */
	unsigned int	 last_tx;	/* last cid sent, VJ_NOSLOT: none */
	unsigned int	 last_rx;	/* last cid received */
	int		 toss;		/* drop compressed until resync */
	struct vj_stats	 st;
};

static unsigned int
get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, unsigned int v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

struct vj *
vj_new(unsigned int tx_slots, unsigned int rx_slots)
{
	struct vj *vj;
	unsigned int i;

	if (tx_slots < VJ_SLOTS_MIN || tx_slots > VJ_SLOTS_MAX ||
	    rx_slots < VJ_SLOTS_MIN || rx_slots > VJ_SLOTS_MAX)
		return NULL;
	if ((vj = calloc(1, sizeof(*vj))) == NULL)
		return NULL;
	vj->ntx = tx_slots;
	vj->nrx = rx_slots;
	vj->tx = calloc(tx_slots, sizeof(*vj->tx));
	vj->rx = calloc(rx_slots, sizeof(*vj->rx));
	vj->order = calloc(tx_slots, 1);
	if (vj->tx == NULL || vj->rx == NULL || vj->order == NULL) {
		vj_free(vj);
		return NULL;
	}
	for (i = 0; i < tx_slots; i++)
		vj->order[i] = (uint8_t)i;
	vj->last_tx = VJ_NOSLOT;
	vj->last_rx = VJ_NOSLOT;
	/* Nothing to decompress against until an uncompressed packet. */
	vj->toss = 1;
	return vj;
}

void
vj_free(struct vj *vj)
{
	if (vj == NULL)
		return;
	free(vj->tx);
	free(vj->rx);
	free(vj->order);
	free(vj);
}

const struct vj_stats *
vj_stats(const struct vj *vj)
{
	return &vj->st;
}

unsigned int
vj_tx_slots(const struct vj *vj)
{
	return vj->ntx;
}

unsigned int
vj_rx_slots(const struct vj *vj)
{
	return vj->nrx;
}

void
vj_lost(struct vj *vj)
{
	vj->toss = 1;
	vj->st.in_lost++;
}

/*
 * Compressor.
 */

/* The IP header checksum over n bytes, its checksum field taken as 0. */
static unsigned int
vj_ipsum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		if (i != IP_SUM)
			sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * Headers of a datagram the compressor may handle: IPv4 without options
 * or fragmentation, TCP with a sane offset, the IP length exact, the IP
 * checksum the one the decompressor will compute (it is not sent: a
 * damaged header must not come out repaired).  Returns the length of
 * both headers, or 0.
 */
static unsigned int
vj_tcp_hlen(const uint8_t *pkt, size_t len)
{
	unsigned int thl;

	if (len < 40 || pkt[IP_VHL] != 0x45 || pkt[IP_PROTO] != 6 ||
	    get16(pkt + IP_LEN) != len ||
	    (get16(pkt + IP_OFF) & 0x3fff) != 0 ||
	    get16(pkt + IP_SUM) != vj_ipsum(pkt, 20))
		return 0;
	thl = (pkt[20 + TCP_OFF] >> 4) * 4;
	if (thl < 20 || 20 + thl > len)
		return 0;
	return 20 + thl;
}

/* Find the slot of pkt's connection and make it most recent; -1: none. */
static int
vj_find(struct vj *vj, const uint8_t *pkt)
{
	struct vj_slot *s;
	unsigned int i;
	uint8_t id;

	for (i = 0; i < vj->ntx; i++) {
		s = &vj->tx[vj->order[i]];
		if (!s->valid)
			continue;
		/* Both addresses, then both ports. */
		if (memcmp(s->hdr + IP_SRC, pkt + IP_SRC, 8) == 0 &&
		    memcmp(s->hdr + s->iplen + TCP_SPORT, pkt + 20 + TCP_SPORT,
		    4) == 0)
			break;
	}
	if (i > 0)
		vj->st.out_searches++;
	if (i == vj->ntx) {
		vj->st.out_misses++;
		return -1;
	}
	id = vj->order[i];
	memmove(vj->order + 1, vj->order, i);
	vj->order[0] = id;
	return id;
}

/* Reuse the least recently used slot for a new connection. */
static int
vj_take(struct vj *vj)
{
	uint8_t id = vj->order[vj->ntx - 1];

	memmove(vj->order + 1, vj->order, vj->ntx - 1);
	vj->order[0] = id;
	return id;
}

/* A delta: 1..255 in one byte, anything else as 0 and two bytes. */
static size_t
vj_put_delta(uint8_t *p, uint32_t v)
{
	if (v >= 1 && v <= 255) {
		p[0] = (uint8_t)v;
		return 1;
	}
	p[0] = 0;
	put16(p + 1, v);
	return 3;
}

/*
 * What the packet changes from the slot's header, as deltas into d (at
 * most 15 bytes); returns the change mask, or -1 when the packet must go
 * uncompressed.
 */
static int
vj_deltas(const struct vj_slot *s, const uint8_t *pkt, unsigned int hlen,
    uint8_t *d, size_t *dlen)
{
	const uint8_t *oip = s->hdr, *oth = s->hdr + 20, *th = pkt + 20;
	uint32_t dseq, dack;
	unsigned int dwin, olen, flags, oflags;
	int changes = 0;
	size_t n = 0;

	/*
	 * Fields the compressed form cannot express must be unchanged:
	 * version, TOS, fragment word, TTL, protocol, the TCP offset and
	 * flags other than PUSH and URG, and any TCP options.
	 */
	flags = th[TCP_FLAGS] & ~(TH_PSH | TH_URG);
	oflags = oth[TCP_FLAGS] & ~(TH_PSH | TH_URG);
	if (s->hlen != hlen || memcmp(oip, pkt, 2) != 0 ||
	    memcmp(oip + IP_OFF, pkt + IP_OFF, 4) != 0 ||
	    oth[TCP_OFF] != th[TCP_OFF] || flags != oflags ||
	    memcmp(oth + 20, th + 20, hlen - 40) != 0)
		return -1;

	if (th[TCP_FLAGS] & TH_URG) {
		n += vj_put_delta(d + n, get16(th + TCP_URP));
		changes |= VJ_U;
	} else if (get16(th + TCP_URP) != get16(oth + TCP_URP))
		return -1;
	if ((dwin = (get16(th + TCP_WIN) - get16(oth + TCP_WIN)) & 0xffff)) {
		n += vj_put_delta(d + n, dwin);
		changes |= VJ_W;
	}
	if ((dack = get32(th + TCP_ACK) - get32(oth + TCP_ACK)) != 0) {
		if (dack > 0xffff)
			return -1;
		n += vj_put_delta(d + n, dack);
		changes |= VJ_A;
	}
	if ((dseq = get32(th + TCP_SEQ) - get32(oth + TCP_SEQ)) != 0) {
		if (dseq > 0xffff)
			return -1;
		n += vj_put_delta(d + n, dseq);
		changes |= VJ_S;
	}

	olen = get16(oip + IP_LEN);
	switch (changes) {
	case 0:
		/*
		 * Nothing changed.  Data after a bare ack is the normal
		 * interactive case and compresses; anything else is likely a
		 * retransmission, a repeated ack or a window probe, which
		 * goes uncompressed in case the peer lost the original.
		 */
		if (get16(pkt + IP_LEN) != olen && olen == hlen)
			break;
		return -1;
	case VJ_SPECIAL_I:
	case VJ_SPECIAL_D:
		/* Real deltas that look like a special encoding. */
		return -1;
	case VJ_S | VJ_A:
		/* Echoed terminal traffic: both advance by the last data. */
		if (dseq == dack && dseq == olen - s->hlen) {
			changes = VJ_SPECIAL_I;
			n = 0;
		}
		break;
	case VJ_S:
		/* One-way data: seq advances by the last data. */
		if (dseq == olen - s->hlen) {
			changes = VJ_SPECIAL_D;
			n = 0;
		}
		break;
	}
	if ((get16(pkt + IP_ID) - get16(oip + IP_ID)) != 1) {
		n += vj_put_delta(d + n,
		    (get16(pkt + IP_ID) - get16(oip + IP_ID)) & 0xffff);
		changes |= VJ_I;
	}
	if (th[TCP_FLAGS] & TH_PSH)
		changes |= VJ_P;
	*dlen = n;
	return changes;
}

static int
vj_send_uncompressed(struct vj *vj, struct vj_slot *s, unsigned int cid,
    const uint8_t *pkt, size_t len, unsigned int hlen, uint8_t *out,
    size_t *outlen)
{
	memcpy(s->hdr, pkt, hlen);
	s->hlen = hlen;
	s->iplen = 20;
	s->valid = 1;
	memcpy(out, pkt, len);
	out[IP_PROTO] = (uint8_t)cid;
	*outlen = len;
	vj->last_tx = cid;
	vj->st.out_uncompressed++;
	return VJ_TYPE_UNCOMPRESSED_TCP;
}

int
vj_compress(struct vj *vj, const uint8_t *pkt, size_t len, uint8_t *out,
    size_t outsize, size_t *outlen, int cid_elision)
{
	uint8_t d[16];
	size_t dlen, n;
	unsigned int hlen;
	int cid, changes;
	struct vj_slot *s;

	if (outsize < len)
		return VJ_TYPE_ERROR;
	vj->st.out_packets++;
	/* Only an established connection's segments compress. */
	if ((hlen = vj_tcp_hlen(pkt, len)) == 0 ||
	    (pkt[20 + TCP_FLAGS] & (TH_SYN | TH_FIN | TH_RST | TH_ACK)) !=
	    TH_ACK) {
		memcpy(out, pkt, len);
		*outlen = len;
		return VJ_TYPE_IP;
	}
	vj->st.out_tcp++;
	if ((cid = vj_find(vj, pkt)) == -1) {
		cid = vj_take(vj);
		return vj_send_uncompressed(vj, &vj->tx[cid], cid, pkt, len,
		    hlen, out, outlen);
	}
	s = &vj->tx[cid];
	if ((changes = vj_deltas(s, pkt, hlen, d, &dlen)) == -1)
		return vj_send_uncompressed(vj, s, cid, pkt, len, hlen, out,
		    outlen);

	n = 1;
	if (!cid_elision || vj->last_tx != (unsigned int)cid) {
		changes |= VJ_C;
		out[n++] = (uint8_t)cid;
		vj->last_tx = cid;
	}
	out[0] = (uint8_t)changes;
	/* The TCP checksum travels unchanged: end to end integrity. */
	memcpy(out + n, pkt + 20 + TCP_SUM, 2);
	n += 2;
	memcpy(out + n, d, dlen);
	n += dlen;
	memcpy(out + n, pkt + hlen, len - hlen);
	n += len - hlen;
	memcpy(s->hdr, pkt, hlen);
	*outlen = n;
	vj->st.out_compressed++;
	vj->st.out_saved += len - n;
	if ((changes & VJ_SPECIAL) == VJ_SPECIAL_I)
		vj->st.out_special_i++;
	else if ((changes & VJ_SPECIAL) == VJ_SPECIAL_D)
		vj->st.out_special_d++;
	return VJ_TYPE_COMPRESSED_TCP;
}

/*
 * Decompressor.
 */

static int
vj_bad(struct vj *vj)
{
	vj->st.in_errors++;
	vj->toss = 1;
	return -1;
}

static int
vj_uncompressed_tcp(struct vj *vj, const uint8_t *in, size_t len,
    uint8_t *out, size_t outsize, size_t *outlen)
{
	unsigned int iplen, thl, cid;
	struct vj_slot *s;

	/* Version 4 on PPP, 7 on SLIP; the slot is in the protocol field. */
	if (len < 40 || outsize < len ||
	    ((in[0] >> 4) != 4 && (in[0] >> 4) != 7))
		return vj_bad(vj);
	iplen = (in[0] & 0x0f) * 4;
	if (iplen < 20 || iplen + 20 > len)
		return vj_bad(vj);
	thl = (in[iplen + TCP_OFF] >> 4) * 4;
	cid = in[IP_PROTO];
	if (thl < 20 || iplen + thl > len || cid >= vj->nrx)
		return vj_bad(vj);
	memcpy(out, in, len);
	out[0] = 0x40 | (in[0] & 0x0f);
	out[IP_PROTO] = 6;
	s = &vj->rx[cid];
	memcpy(s->hdr, out, iplen + thl);
	s->iplen = iplen;
	s->hlen = iplen + thl;
	s->valid = 1;
	vj->last_rx = cid;
	vj->toss = 0;
	*outlen = len;
	vj->st.in_uncompressed++;
	return 0;
}

/* Read a delta at in[*off]; -1 when the packet ends first. */
static int
vj_get_delta(const uint8_t *in, size_t len, size_t *off, uint32_t *v)
{
	if (*off >= len)
		return -1;
	if (in[*off] != 0) {
		*v = in[(*off)++];
		return 0;
	}
	if (len - *off < 3)
		return -1;
	*v = get16(in + *off + 1);
	*off += 3;
	return 0;
}

/* Apply a 16-bit delta to the field at p. */
static int
vj_add16(const uint8_t *in, size_t len, size_t *off, uint8_t *p)
{
	uint32_t v;

	if (vj_get_delta(in, len, off, &v) == -1)
		return -1;
	put16(p, (get16(p) + v) & 0xffff);
	return 0;
}

static int
vj_add32(const uint8_t *in, size_t len, size_t *off, uint8_t *p)
{
	uint32_t v;

	if (vj_get_delta(in, len, off, &v) == -1)
		return -1;
	put32(p, get32(p) + v);
	return 0;
}

/* Apply the deltas of a compressed packet to the slot's header h. */
static int
vj_apply(const struct vj_slot *s, uint8_t *h, int changes, const uint8_t *in,
    size_t len, size_t *off)
{
	uint8_t *th = h + s->iplen;
	uint32_t v, last;

	last = get16(h + IP_LEN) - s->hlen;
	/* URG is sent as the U bit: without it (or in a special) clear. */
	if ((changes & VJ_SPECIAL) == VJ_SPECIAL_I ||
	    (changes & VJ_SPECIAL) == VJ_SPECIAL_D || !(changes & VJ_U))
		th[TCP_FLAGS] &= ~TH_URG;
	switch (changes & VJ_SPECIAL) {
	case VJ_SPECIAL_I:
		put32(th + TCP_ACK, get32(th + TCP_ACK) + last);
		put32(th + TCP_SEQ, get32(th + TCP_SEQ) + last);
		break;
	case VJ_SPECIAL_D:
		put32(th + TCP_SEQ, get32(th + TCP_SEQ) + last);
		break;
	default:
		if (changes & VJ_U) {
			th[TCP_FLAGS] |= TH_URG;
			if (vj_get_delta(in, len, off, &v) == -1)
				return -1;
			put16(th + TCP_URP, v);
		}
		if ((changes & VJ_W) && vj_add16(in, len, off, th + TCP_WIN))
			return -1;
		if ((changes & VJ_A) && vj_add32(in, len, off, th + TCP_ACK))
			return -1;
		if ((changes & VJ_S) && vj_add32(in, len, off, th + TCP_SEQ))
			return -1;
		break;
	}
	if (changes & VJ_I) {
		if (vj_add16(in, len, off, h + IP_ID) == -1)
			return -1;
	} else
		put16(h + IP_ID, (get16(h + IP_ID) + 1) & 0xffff);
	if (changes & VJ_P)
		th[TCP_FLAGS] |= TH_PSH;
	else
		th[TCP_FLAGS] &= ~TH_PSH;
	return 0;
}

static int
vj_compressed_tcp(struct vj *vj, const uint8_t *in, size_t len,
    uint8_t *out, size_t outsize, size_t *outlen)
{
	uint8_t h[VJ_HDRMAX], sum[2];
	struct vj_slot *s;
	size_t off = 1, dlen;
	unsigned int cid, tot;
	int changes;

	if (len < 1)
		return vj_bad(vj);
	changes = in[0] & 0x7f;		/* 0x80: SLIP's type bit */
	if (changes & VJ_C) {
		/* An explicit connection id resynchronises (RFC 1144 4.2). */
		if (len < 2 || (cid = in[off++]) >= vj->nrx ||
		    !vj->rx[cid].valid)
			return vj_bad(vj);
		vj->toss = 0;
		vj->last_rx = cid;
	} else if (vj->toss) {
		vj->st.in_tossed++;
		return -1;
	} else
		cid = vj->last_rx;
	s = &vj->rx[cid];
	if (len - off < 2)
		return vj_bad(vj);
	memcpy(sum, in + off, 2);
	off += 2;
	/* Work on a copy: a truncated packet must not change the slot. */
	memcpy(h, s->hdr, s->hlen);
	if (vj_apply(s, h, changes, in, len, &off) == -1)
		return vj_bad(vj);
	dlen = len - off;
	tot = s->hlen + dlen;
	if (tot > 65535 || outsize < tot)
		return vj_bad(vj);
	memcpy(h + s->iplen + TCP_SUM, sum, 2);
	put16(h + IP_LEN, tot);
	put16(h + IP_SUM, vj_ipsum(h, s->iplen));
	memcpy(s->hdr, h, s->hlen);
	memcpy(out, h, s->hlen);
	memcpy(out + s->hlen, in + off, dlen);
	*outlen = tot;
	vj->st.in_compressed++;
	return 0;
}

int
vj_uncompress(struct vj *vj, int type, const uint8_t *in, size_t len,
    uint8_t *out, size_t outsize, size_t *outlen)
{
	switch (type) {
	case VJ_TYPE_IP:
		if (outsize < len)
			return vj_bad(vj);
		memcpy(out, in, len);
		*outlen = len;
		vj->st.in_ip++;
		return 0;
	case VJ_TYPE_UNCOMPRESSED_TCP:
		return vj_uncompressed_tcp(vj, in, len, out, outsize, outlen);
	case VJ_TYPE_COMPRESSED_TCP:
		return vj_compressed_tcp(vj, in, len, out, outsize, outlen);
	}
	return vj_bad(vj);
}
