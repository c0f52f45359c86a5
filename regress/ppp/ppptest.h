/*
 * The PPP tests' harness: a decoder for what the ppp sent, encoders for
 * what the peer sends, and LCP brought up by hand on a fake clock.
 * Included by lcp_test.c and auth_test.c (static: one copy each).
 */
#ifndef SLIRPD_PPPTEST_H
#define SLIRPD_PPPTEST_H

/* Not every test program uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

#define MAXP	32

struct pkt {
	uint16_t	 proto;
	uint8_t		 code, id;
	uint8_t		 data[1600];
	size_t		 len;		/* of data */
};

struct out {
	struct pkt	 p[MAXP];
	size_t		 n;
};

struct ipsink {
	uint8_t		 last[1600];
	size_t		 len, n;
};

static void
out_frame(void *arg, const uint8_t *f, size_t len)
{
	struct out *o = arg;
	struct pkt *p;

	ATF_REQUIRE(o->n < MAXP);
	p = &o->p[o->n++];
	memset(p, 0, sizeof(*p));
	if (len >= 2 && f[0] == 0xff && f[1] == 0x03) {
		f += 2;
		len -= 2;
	}
	if (f[0] & 1) {
		p->proto = f[0];
		f++;
		len--;
	} else {
		p->proto = (uint16_t)(f[0] << 8 | f[1]);
		f += 2;
		len -= 2;
	}
	if (p->proto == PPP_LCP || p->proto == PPP_IPCP ||
	    p->proto == PPP_PAP || p->proto == PPP_CHAP) {
		ATF_REQUIRE(len >= 4);
		p->code = f[0];
		p->id = f[1];
		ATF_REQUIRE_EQ((size_t)(f[2] << 8 | f[3]), len);
		f += 4;
		len -= 4;
	}
	memcpy(p->data, f, len);
	p->len = len;
}

/* Everything the ppp sent since the last call. */
static void
drain(struct ppp *pp, struct out *o)
{
	static uint8_t buf[65536];
	struct hdlc_dec d;
	size_t n;

	o->n = 0;
	n = ppp_ctl_take(pp, buf, sizeof(buf));
	ATF_REQUIRE(hdlc_dec_init(&d, 2000) == 0);
	d.raccm = 0;
	hdlc_decode(&d, buf, n, out_frame, o);
	ATF_CHECK_EQ(d.bad_fcs + d.runts, 0);
	hdlc_dec_free(&d);
}

static void
ip_deliver(void *arg, const uint8_t *p, size_t len)
{
	struct ipsink *s = arg;

	memcpy(s->last, p, len);
	s->len = len;
	s->n++;
}

static struct ipsink sink;

static size_t
enc_raw(uint8_t *enc, uint16_t proto, const uint8_t *d, size_t len)
{
	struct hdlc_xmap m;
	uint8_t hdr[4] = { 0xff, 0x03, proto >> 8, proto & 0xff };

	hdlc_xmap_init(&m, 0xffffffff);
	return hdlc_encode(enc, &m, hdr, 4, d, len);
}

static void
send_raw(struct ppp *pp, uint64_t now, uint16_t proto, const uint8_t *d,
    size_t len)
{
	static uint8_t enc[4096];
	size_t n;

	n = enc_raw(enc, proto, d, len);
	ppp_input(pp, enc, n, now, ip_deliver, &sink);
}

static size_t
enc_pkt(uint8_t *enc, uint16_t proto, int code, int id, const uint8_t *opts,
    size_t len)
{
	uint8_t b[1600];

	b[0] = (uint8_t)code;
	b[1] = (uint8_t)id;
	b[2] = (uint8_t)((len + 4) >> 8);
	b[3] = (uint8_t)(len + 4);
	if (len > 0)
		memcpy(b + 4, opts, len);
	return enc_raw(enc, proto, b, len + 4);
}

static void
send_pkt(struct ppp *pp, uint64_t now, uint16_t proto, int code, int id,
    const uint8_t *opts, size_t len)
{
	static uint8_t enc[4096];
	size_t n;

	n = enc_pkt(enc, proto, code, id, opts, len);
	ppp_input(pp, enc, n, now, ip_deliver, &sink);
}

static const struct pkt *
find(const struct out *o, uint16_t proto, int code)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->p[i].proto == proto && o->p[i].code == code)
			return &o->p[i];
	return NULL;
}

/* Find option type in a list; its bytes or NULL. */
static const uint8_t *
opt(const struct pkt *p, int type)
{
	size_t i;

	for (i = 0; i + 2 <= p->len && p->data[i + 1] >= 2; i +=
	    p->data[i + 1])
		if (p->data[i] == type)
			return p->data + i;
	return NULL;
}

static const uint8_t peer_lcp[] = {
	1, 4, 0x05, 0xdc,		/* MRU 1500 */
	2, 6, 0, 0, 0, 0,		/* ACCM 0 */
	5, 6, 0x12, 0x34, 0x56, 0x78,	/* magic */
	7, 2, 8, 2			/* PFC, ACFC */
};

static struct ppp *
start(struct ppp_config *c, uint64_t now, struct out *o)
{
	struct ppp_config dc;
	struct ppp *pp;

	if (c == NULL) {
		ppp_default_config(&dc);
		c = &dc;
	}
	ATF_REQUIRE((pp = ppp_new(c, now)) != NULL);
	drain(pp, o);
	ATF_REQUIRE_EQ(o->n, 1);
	ATF_CHECK_EQ(o->p[0].proto, PPP_LCP);
	ATF_CHECK_EQ(o->p[0].code, 1);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	return pp;
}

/* LCP to Opened via Ack-Sent; the IPCP request is in o afterwards. */
static struct ppp *
lcp_open(struct ppp_config *c, struct out *o)
{
	struct ppp *pp = start(c, 0, o);
	struct pkt req = o->p[0];

	send_pkt(pp, 10, PPP_LCP, 1, 7, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_LCP, 2) != NULL);
	ATF_CHECK_EQ(find(o, PPP_LCP, 2)->id, 7);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_ACKSENT);
	send_pkt(pp, 20, PPP_LCP, 2, req.id, req.data, req.len);
	ATF_REQUIRE_EQ(ppp_lcp_state(pp), PPP_OPENED);
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_IPCP, 1) != NULL);
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_REQSENT);
	return pp;
}

#endif
