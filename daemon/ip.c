/*
 * IPv4: validation of the guest's datagrams, reassembly of its
 * fragments (RFC 791, RFC 815) under a memory cap, and output with
 * fragmentation at the guest's MTU.  Nothing from the line is trusted:
 * every length is checked before it is used and every drop counted.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "stack_var.h"

#define IP_MAXPACKET	65535
#define IP_DF		0x4000
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff
#define IP_DEFTTL	64
#define IP_MINMTU	68		/* RFC 791: every host takes 68 */
#define REASM_TIMEOUT	30000		/* ms, RFC 791 suggests 15..120 s */

/* One contiguous run of payload bytes; runs never overlap. */
struct frag {
	TAILQ_ENTRY(frag) entry;
	size_t		 off, len;
	uint8_t		 data[];
};
TAILQ_HEAD(frag_head, frag);

/* A datagram being reassembled, keyed by (src, dst, id, proto). */
struct reasm {
	TAILQ_ENTRY(reasm) entry;	/* oldest first */
	in_addr_t	 src, dst;
	uint16_t	 id;
	uint8_t		 proto;
	uint64_t	 expire;
	int		 have_last;
	size_t		 total;		/* payload length, once have_last */
	size_t		 held;		/* payload bytes held */
	uint8_t		 hdr[60];	/* the first fragment's header */
	size_t		 hlen;		/* 0 until offset 0 arrived */
	size_t		 mem;		/* charged against reasm_max */
	struct frag_head frags;		/* sorted by offset */
};
TAILQ_HEAD(reasm_head, reasm);

struct ip_state {
	struct reasm_head q;
	size_t		 mem;
	uint16_t	 id;
	uint8_t		 obuf[IP_MAXPACKET];	/* one outgoing datagram */
	uint8_t		 rbuf[IP_MAXPACKET];	/* one reassembled datagram */
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

int
ip_init(struct stack *s)
{
	if ((s->ip = calloc(1, sizeof(*s->ip))) == NULL)
		return -1;
	TAILQ_INIT(&s->ip->q);
	/* syscall: getrandom (arc4random); ids need not be guessable-safe. */
	s->ip->id = (uint16_t)arc4random();
	return 0;
}

static void
reasm_free(struct stack *s, struct reasm *q)
{
	struct frag *f;

	while ((f = TAILQ_FIRST(&q->frags)) != NULL) {
		TAILQ_REMOVE(&q->frags, f, entry);
		free(f);
	}
	TAILQ_REMOVE(&s->ip->q, q, entry);
	s->ip->mem -= q->mem;
	free(q);
}

void
ip_free(struct stack *s)
{
	struct reasm *q;

	while ((q = TAILQ_FIRST(&s->ip->q)) != NULL)
		reasm_free(s, q);
	free(s->ip);
	s->ip = NULL;
}

static void
ip_dispatch(struct stack *s, const uint8_t *p, size_t tot, size_t hlen)
{
	struct ip_pkt pk;

	memset(&pk, 0, sizeof(pk));
	memcpy(&pk.src, p + 12, 4);
	memcpy(&pk.dst, p + 16, 4);
	pk.proto = p[9];
	pk.tos = p[1];
	pk.ttl = p[8];
	pk.ip = p;
	pk.iplen = tot;
	pk.hlen = hlen;
	pk.l4 = p + hlen;
	pk.l4len = tot - hlen;
	switch (pk.proto) {
	case IPPROTO_TCP:
		tcp_input(s, &pk);
		break;
	case IPPROTO_UDP:
		udp_input(s, &pk);
		break;
	case IPPROTO_ICMP:
		icmp_input(s, &pk);
		break;
	default:
		s->st.ip_noproto++;
		break;
	}
}

/* Charge n bytes to q, dropping the oldest queues to stay under the cap. */
static int
reasm_charge(struct stack *s, struct reasm *q, size_t n)
{
	struct reasm *old;

	if (n > s->cfg.reasm_max) {
		s->st.ip_reasm_drop++;
		reasm_free(s, q);
		return -1;
	}
	while (s->ip->mem + n > s->cfg.reasm_max) {
		old = TAILQ_FIRST(&s->ip->q);
		s->st.ip_reasm_drop++;
		if (old == q) {
			reasm_free(s, q);
			return -1;
		}
		reasm_free(s, old);
	}
	q->mem += n;
	s->ip->mem += n;
	return 0;
}

/*
 * Add [off, off + len) to q.  Bytes already held win: only the holes the
 * new fragment covers are copied, so overlapping or duplicate fragments
 * can never rewrite data that arrived first.  Returns -1 when q was freed.
 */
static int
reasm_insert(struct stack *s, struct reasm *q, size_t off,
    const uint8_t *d, size_t len)
{
	struct frag *f, *nf;
	size_t cur = off, end = off + len, stop;

	f = TAILQ_FIRST(&q->frags);
	while (cur < end) {
		while (f != NULL && f->off + f->len <= cur)
			f = TAILQ_NEXT(f, entry);
		if (f != NULL && f->off <= cur) {
			cur = f->off + f->len;	/* already held */
			continue;
		}
		stop = (f != NULL && f->off < end) ? f->off : end;
		if (reasm_charge(s, q, sizeof(*nf) + (stop - cur)) == -1)
			return -1;
		if ((nf = malloc(sizeof(*nf) + (stop - cur))) == NULL) {
			s->st.ip_reasm_drop++;
			reasm_free(s, q);
			return -1;
		}
		nf->off = cur;
		nf->len = stop - cur;
		memcpy(nf->data, d + (cur - off), nf->len);
		q->held += nf->len;
		if (f != NULL)
			TAILQ_INSERT_BEFORE(f, nf, entry);
		else
			TAILQ_INSERT_TAIL(&q->frags, nf, entry);
		cur = stop;
	}
	return 0;
}

/* All of [0, total) held and the first header known: deliver it. */
static void
reasm_complete(struct stack *s, struct reasm *q)
{
	struct frag *f;
	size_t have = 0, tot, hlen = q->hlen;
	uint8_t *b = s->ip->rbuf;
	uint16_t sum;

	/* Runs never overlap and end by total: enough bytes, no holes. */
	if (!q->have_last || q->hlen == 0 || q->held != q->total)
		return;
	TAILQ_FOREACH(f, &q->frags, entry) {
		if (f->off != have)
			return;
		have += f->len;
	}
	if (have != q->total)
		return;
	tot = q->hlen + q->total;
	if (tot > IP_MAXPACKET) {
		s->st.ip_reasm_drop++;
		reasm_free(s, q);
		return;
	}
	memcpy(b, q->hdr, q->hlen);
	put16(b + 2, (uint16_t)tot);
	put16(b + 6, 0);
	b[10] = b[11] = 0;
	sum = in_cksum(b, q->hlen);
	memcpy(b + 10, &sum, 2);
	TAILQ_FOREACH(f, &q->frags, entry)
		memcpy(b + q->hlen + f->off, f->data, f->len);
	s->st.ip_reasm_ok++;
	reasm_free(s, q);
	ip_dispatch(s, b, tot, hlen);
}

static struct reasm *
reasm_lookup(struct stack *s, const uint8_t *p)
{
	struct reasm *q;
	in_addr_t src, dst;
	uint16_t id = get16(p + 4);

	memcpy(&src, p + 12, 4);
	memcpy(&dst, p + 16, 4);
	TAILQ_FOREACH(q, &s->ip->q, entry)
		if (q->id == id && q->proto == p[9] && q->src == src &&
		    q->dst == dst)
			return q;
	return NULL;
}

static struct reasm *
reasm_find(struct stack *s, const uint8_t *p)
{
	struct reasm *q;
	in_addr_t src, dst;
	uint16_t id = get16(p + 4);

	if ((q = reasm_lookup(s, p)) != NULL)
		return q;
	memcpy(&src, p + 12, 4);
	memcpy(&dst, p + 16, 4);
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		s->st.ip_reasm_drop++;
		return NULL;
	}
	q->src = src;
	q->dst = dst;
	q->id = id;
	q->proto = p[9];
	q->expire = s->now + REASM_TIMEOUT;
	TAILQ_INIT(&q->frags);
	TAILQ_INSERT_TAIL(&s->ip->q, q, entry);
	if (reasm_charge(s, q, sizeof(*q)) == -1)
		return NULL;
	return q;
}

static void
ip_reasm(struct stack *s, const uint8_t *p, size_t tot, size_t hlen)
{
	struct reasm *q;
	uint16_t ff = get16(p + 6);
	size_t off = (size_t)(ff & IP_OFFMASK) * 8, len = tot - hlen;
	int mf = (ff & IP_MF) != 0;
	struct frag *f;

	s->st.ip_frag_in++;
	/* Every fragment but the last carries a non-empty multiple of 8. */
	if (mf && (len == 0 || len % 8 != 0)) {
		s->st.ip_bad_len++;
		return;
	}
	if (off + len + 20 > IP_MAXPACKET) {
		s->st.ip_reasm_drop++;
		if ((q = reasm_lookup(s, p)) != NULL)
			reasm_free(s, q);
		return;
	}
	if ((q = reasm_find(s, p)) == NULL)
		return;		/* counted */
	/* A fragment that contradicts the known end poisons the datagram. */
	if ((q->have_last && off + len > q->total) ||
	    (!mf && q->have_last && off + len != q->total)) {
		s->st.ip_reasm_drop++;
		reasm_free(s, q);
		return;
	}
	if (!mf && !q->have_last) {
		f = TAILQ_LAST(&q->frags, frag_head);
		if (f != NULL && f->off + f->len > off + len) {
			s->st.ip_reasm_drop++;
			reasm_free(s, q);
			return;
		}
		q->have_last = 1;
		q->total = off + len;
	}
	if (off == 0 && q->hlen == 0) {
		memcpy(q->hdr, p, hlen);
		q->hlen = hlen;
	}
	if (reasm_insert(s, q, off, p + hlen, len) == -1)
		return;
	reasm_complete(s, q);
}

/*
 * Destinations nobody answers: broadcast, multicast, 0.  Loopback is
 * let through: stack_host_addr() treats it as the host alias.
 */
static int
ip_bad_dst(const struct stack *s, in_addr_t dst)
{
	uint32_t h = ntohl(dst);

	if (h == 0 || h == 0xffffffff || (h >> 28) >= 0xe)
		return 1;
	if (stack_is_special(s, dst) &&
	    (dst & ~s->cfg.netmask) == ~s->cfg.netmask)
		return 1;
	return 0;
}

void
ip_input(struct stack *s, const uint8_t *p, size_t len)
{
	size_t hlen, tot;
	in_addr_t src, dst;

	s->st.ip_in++;
	if (len < 20) {
		s->st.ip_bad_len++;
		return;
	}
	if ((p[0] >> 4) != 4) {
		s->st.ip_bad_ver++;
		return;
	}
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len) {
		s->st.ip_bad_hdr++;
		return;
	}
	tot = get16(p + 2);
	/* Link padding after the datagram is ignored, truncation is not. */
	if (tot < hlen || tot > len) {
		s->st.ip_bad_len++;
		return;
	}
	if (in_cksum(p, hlen) != 0) {
		s->st.ip_bad_sum++;
		return;
	}
	if (hlen > 20)
		s->st.ip_opts++;	/* tolerated, skipped */
	memcpy(&src, p + 12, 4);
	memcpy(&dst, p + 16, 4);
	/* The guest may only speak as itself (0.0.0.0 included: no DHCP). */
	if (src != s->cfg.guest_addr || dst == s->cfg.guest_addr) {
		s->st.ip_bad_addr++;
		return;
	}
	if (ip_bad_dst(s, dst)) {
		s->st.ip_bcast++;
		return;
	}
	if (p[8] == 0) {
		s->st.ip_ttl0++;
		return;
	}
	/* We forward to real hosts like a router: TTL 1 ends here. */
	if (p[8] == 1 && !stack_is_special(s, dst)) {
		s->st.ip_ttl0++;
		icmp_error(s, p, tot, 11, 0);
		return;
	}
	if (get16(p + 6) & (IP_MF | IP_OFFMASK)) {
		ip_reasm(s, p, tot, hlen);
		return;
	}
	ip_dispatch(s, p, tot, hlen);
}

static int
ip_send(struct stack *s, uint8_t proto, in_addr_t src, in_addr_t dst,
    uint16_t id, uint16_t ff, const uint8_t *data, size_t len, uint8_t tos,
    int prio)
{
	uint8_t *b = s->ip->obuf;
	uint16_t sum;

	b[0] = 0x45;
	b[1] = tos;
	put16(b + 2, (uint16_t)(len + 20));
	put16(b + 4, id);
	put16(b + 6, ff);
	b[8] = IP_DEFTTL;
	b[9] = proto;
	b[10] = b[11] = 0;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	sum = in_cksum(b, 20);
	memcpy(b + 10, &sum, 2);
	memcpy(b + 20, data, len);
	if (s->ops.output(s->arg, b, len + 20, prio) == -1) {
		s->st.ip_out_drop++;
		return -1;
	}
	s->st.ip_out++;
	return 0;
}

int
ip_output(struct stack *s, uint8_t proto, in_addr_t src, in_addr_t dst,
    const uint8_t *l4, size_t l4len, uint8_t tos, int df, int prio)
{
	size_t mtu = s->cfg.mtu, chunk, off, n;
	uint16_t id;

	if (mtu < IP_MINMTU)
		mtu = IP_MINMTU;
	if (mtu > IP_MAXPACKET)
		mtu = IP_MAXPACKET;
	if (l4len > IP_MAXPACKET - 20) {
		s->st.ip_out_drop++;
		return -1;
	}
	id = s->ip->id++;
	if (l4len + 20 <= mtu)
		return ip_send(s, proto, src, dst, id, df ? IP_DF : 0, l4,
		    l4len, tos, prio);
	if (df) {
		s->st.ip_df_drop++;
		return -1;
	}
	chunk = (mtu - 20) & ~(size_t)7;
	for (off = 0; off < l4len; off += n) {
		n = l4len - off < chunk ? l4len - off : chunk;
		if (ip_send(s, proto, src, dst, id, (uint16_t)((off >> 3) |
		    (off + n < l4len ? IP_MF : 0)), l4 + off, n, tos,
		    prio) == -1)
			return -1;
		s->st.ip_frag_out++;
	}
	return 0;
}

void
ip_timers(struct stack *s)
{
	struct reasm *q;
	struct frag *f;
	uint8_t orig[68];
	size_t n;

	while ((q = TAILQ_FIRST(&s->ip->q)) != NULL && q->expire <= s->now) {
		s->st.ip_reasm_timeout++;
		f = TAILQ_FIRST(&q->frags);
		/* RFC 792: time exceeded (code 1) only if we had offset 0. */
		if (q->hlen != 0 && f != NULL && f->off == 0) {
			n = f->len < 8 ? f->len : 8;
			memcpy(orig, q->hdr, q->hlen);
			memcpy(orig + q->hlen, f->data, n);
			icmp_error(s, orig, q->hlen + n, 11, 1);
		}
		reasm_free(s, q);
	}
}

int64_t
ip_next_timer(const struct stack *s)
{
	const struct reasm *q = TAILQ_FIRST(&s->ip->q);

	if (q == NULL)
		return -1;
	return q->expire <= s->now ? 0 : (int64_t)(q->expire - s->now);
}
