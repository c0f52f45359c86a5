/*
 * A PPP unit and the stack glued as the engine does it, over a
 * socketpair: a hand-written peer negotiates LCP (ACCM 0, PFC, ACFC)
 * and IPCP (asks 0.0.0.0, takes the Nak'd 10.0.2.15), then pings
 * 10.0.2.3 with flag, escape and raw control bytes in the payload and
 * gets the echo reply framed back with compressed headers.
 */
#include <sys/socket.h>
#include <fcntl.h>

#include "../stack/harness.h"
#include "hdlc.h"
#include "ppp.h"
#include "unit.h"

struct glue {
	struct unit	*u;
	struct stack	*s;
};

struct fr {
	uint16_t	 proto;
	uint8_t		 d[2000];
	size_t		 len;
};

struct frs {
	struct fr	 f[8];
	size_t		 n;
};

static void
g_deliver(void *arg, const uint8_t *p, size_t len)
{
	struct glue *g = arg;

	stack_input(g->s, p, len);
}

static int
g_output(void *arg, const uint8_t *p, size_t len, int prio)
{
	struct glue *g = arg;

	return unit_enqueue(g->u, p, len, prio);
}

static size_t
g_room(void *arg)
{
	struct glue *g = arg;

	return unit_room(g->u);
}

static int
g_sockreq(void *arg, uint32_t id, int proto, in_addr_t a, in_port_t p)
{
	return -1;
}

static void
collect(void *arg, const uint8_t *p, size_t len)
{
	struct frs *fs = arg;
	struct fr *f;

	ATF_REQUIRE(fs->n < 8 && len <= 2000);
	f = &fs->f[fs->n++];
	if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		len -= 2;
	}
	if (p[0] & 1) {
		f->proto = p[0];
		p++;
		len--;
	} else {
		f->proto = (uint16_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	memcpy(f->d, p, len);
	f->len = len;
}

/* Flush the unit, read the line, decode. */
static void
line(struct glue *g, int fd, struct frs *fs)
{
	static uint8_t rd[65536];
	struct hdlc_dec d;
	ssize_t r;

	fs->n = 0;
	ATF_REQUIRE_EQ(unit_flush(g->u), 0);
	r = read(fd, rd, sizeof(rd));
	ATF_REQUIRE(r > 0);
	ATF_REQUIRE(hdlc_dec_init(&d, 2000) == 0);
	d.raccm = 0;
	hdlc_decode(&d, rd, (size_t)r, collect, fs);
	ATF_CHECK_EQ(d.bad_fcs, 0);
	hdlc_dec_free(&d);
}

/* One control packet, full headers, everything escaped. */
static size_t
ctl(uint8_t *out, uint16_t proto, int code, int id, const uint8_t *o,
    size_t len)
{
	struct hdlc_xmap m;
	uint8_t hdr[8] = { 0xff, 0x03, proto >> 8, proto & 0xff, code, id,
	    (len + 4) >> 8, (len + 4) & 0xff };

	hdlc_xmap_init(&m, 0xffffffff);
	return hdlc_encode(out, &m, hdr, 8, o, len);
}

static const struct fr *
find(const struct frs *fs, uint16_t proto, int code)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].proto == proto && fs->f[i].d[0] == code)
			return &fs->f[i];
	return NULL;
}

ATF_TC_WITHOUT_HEAD(ping_over_ppp);
ATF_TC_BODY(ping_over_ppp, tc)
{
	static const struct stack_ops ops = { g_output, g_room, g_sockreq,
	    NULL };
	static const uint8_t lreq[] = { 2, 6, 0, 0, 0, 0, 5, 6, 9, 8, 7, 6,
	    7, 2, 8, 2 };
	static const uint8_t ask0[] = { 3, 6, 0, 0, 0, 0 };
	static const uint8_t ask[] = { 3, 6, 10, 0, 2, 15 };
	struct stack_config cfg;
	struct ppp_config pc;
	struct glue g;
	struct frs *fs = calloc(1, sizeof(*fs));
	struct hdlc_xmap m;
	const struct fr *r;
	uint8_t m8[200], b[600], pl[128], enc[4096], hdr[1] = { 0x21 };
	size_t n, i;
	int sv[2];

	ATF_REQUIRE(fs != NULL);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE((g.u = unit_new(sv[0], 1500, 0)) != NULL);
	stack_default_config(&cfg);
	ATF_REQUIRE((g.s = stack_new(&cfg, &ops, &g, 1000)) != NULL);
	ppp_default_config(&pc);
	pc.magic = 0x5eed5eed;
	ATF_REQUIRE(unit_set_ppp(g.u, &pc, 1000) == 0);
	line(&g, sv[1], fs);
	ATF_REQUIRE((r = find(fs, PPP_LCP, 1)) != NULL);
	/* Our request and an ack of slirpd's. */
	n = ctl(enc, PPP_LCP, 1, 1, lreq, sizeof(lreq));
	n += ctl(enc + n, PPP_LCP, 2, r->d[1], r->d + 4, r->len - 4);
	ATF_REQUIRE_EQ(write(sv[1], enc, n), (ssize_t)n);
	ATF_CHECK_EQ(unit_input(g.u, 1001, g_deliver, &g), UNIT_OK);
	line(&g, sv[1], fs);
	ATF_REQUIRE(find(fs, PPP_LCP, 2) != NULL);
	ATF_REQUIRE((r = find(fs, PPP_IPCP, 1)) != NULL);
	/* IPCP: 0.0.0.0 first, as pppd without addresses does. */
	n = ctl(enc, PPP_IPCP, 1, 1, ask0, sizeof(ask0));
	n += ctl(enc + n, PPP_IPCP, 2, r->d[1], r->d + 4, r->len - 4);
	ATF_REQUIRE_EQ(write(sv[1], enc, n), (ssize_t)n);
	ATF_CHECK_EQ(unit_input(g.u, 1002, g_deliver, &g), UNIT_OK);
	line(&g, sv[1], fs);
	ATF_REQUIRE((r = find(fs, PPP_IPCP, 3)) != NULL);
	ATF_CHECK(r->len == 10 && memcmp(r->d + 4, ask, 6) == 0);
	n = ctl(enc, PPP_IPCP, 1, 2, ask, sizeof(ask));
	ATF_REQUIRE_EQ(write(sv[1], enc, n), (ssize_t)n);
	ATF_CHECK_EQ(unit_input(g.u, 1003, g_deliver, &g), UNIT_OK);
	line(&g, sv[1], fs);
	ATF_REQUIRE(find(fs, PPP_IPCP, 2) != NULL);
	/* A ping, ACCM 0: control bytes go raw, only 7e/7d escaped. */
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i % 3 == 0 ? 0x7e : i % 3 == 1 ? 0x7d : i);
	n = mk_ip(b, IPPROTO_ICMP, A("10.0.2.15"), A("10.0.2.3"), 1, 0, 64,
	    m8, mk_echo(m8, 0x7e7d, 0x1113, pl, sizeof(pl)));
	hdlc_xmap_init(&m, 0);
	n = hdlc_encode(enc, &m, hdr, 1, b, n);
	ATF_REQUIRE_EQ(write(sv[1], enc, n), (ssize_t)n);
	ATF_CHECK_EQ(unit_input(g.u, 1004, g_deliver, &g), UNIT_OK);
	line(&g, sv[1], fs);
	ATF_REQUIRE_EQ(fs->n, 1);
	r = &fs->f[0];
	ATF_CHECK_EQ(r->proto, PPP_IP);
	ATF_CHECK_EQ(r->len, 20 + 8 + sizeof(pl));
	ATF_CHECK_EQ(r->d[20], 0);		/* echo reply */
	ATF_CHECK_EQ(get16(r->d + 24), 0x7e7d);
	ATF_CHECK_EQ(get16(r->d + 26), 0x1113);
	ATF_CHECK(memcmp(r->d + 28, pl, sizeof(pl)) == 0);
	ATF_CHECK_EQ(in_cksum(r->d + 20, r->len - 20), 0);
	stack_free(g.s);
	unit_free(g.u);
	close(sv[0]);
	close(sv[1]);
	free(fs);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ping_over_ppp);
	return atf_no_error();
}
