/*
 * A small "guest TCP" for driving the stack in tests: builds the
 * guest's segments, captures what the stack sends back (output queue),
 * answers socket requests with one end of a socketpair, runs a fake
 * clock.  Header-only so that each test program gets its own copy.
 */
#ifndef TCPTEST_H
#define TCPTEST_H

#include <sys/socket.h>

#include <arpa/inet.h>
#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcp_var.h"

#define T_UNUSED	__attribute__((unused))

struct tpkt {
	uint8_t		*b;
	size_t		 len;
};

struct tenv {
	struct stack		*s;
	struct stack_config	 cfg;
	uint64_t		 now;
	size_t			 room;		/* what output_room says */
	int			 output_fail;
	struct tpkt		*q;
	size_t			 qhead, qn, qcap;
	/* last socket request */
	int			 nreq;
	uint32_t		 reqid;
	int			 reqproto;
	in_addr_t		 reqaddr;
	in_port_t		 reqport;
	int			 pairbuf;	/* SO_SNDBUF/RCVBUF, 0: default */
	int			 hdrcomp;	/* what hdr_compress says */
};

static struct tenv E;

/* A parsed segment from the stack. */
struct tseg {
	in_addr_t	 src, dst;
	in_port_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 flags;
	uint32_t	 win;
	size_t		 len;
	uint8_t		 data[65536];
	int		 mss, ws, has_ts, sackok;
	int		 nsack;
	uint32_t	 sack[4][2];
	uint32_t	 tsval, tsecr;
	uint8_t		 ttl;
};

static int
t_output(void *arg, const uint8_t *pkt, size_t len, int prio)
{
	struct tenv *e = arg;

	if (e->output_fail)
		return -1;
	if (e->qhead + e->qn == e->qcap) {
		if (e->qhead > 0) {
			memmove(e->q, e->q + e->qhead, e->qn * sizeof(*e->q));
			e->qhead = 0;
		} else {
			e->qcap = e->qcap ? e->qcap * 2 : 64;
			e->q = realloc(e->q, e->qcap * sizeof(*e->q));
			ATF_REQUIRE(e->q != NULL);
		}
	}
	e->q[e->qhead + e->qn].b = malloc(len);
	ATF_REQUIRE(e->q[e->qhead + e->qn].b != NULL);
	memcpy(e->q[e->qhead + e->qn].b, pkt, len);
	e->q[e->qhead + e->qn].len = len;
	e->qn++;
	return 0;
}

static size_t
t_room(void *arg)
{
	return ((struct tenv *)arg)->room;
}

static int
t_sockreq(void *arg, uint32_t id, int proto, in_addr_t addr, in_port_t port)
{
	struct tenv *e = arg;

	e->nreq++;
	e->reqid = id;
	e->reqproto = proto;
	e->reqaddr = addr;
	e->reqport = port;
	return 0;
}

static int
t_hdrcomp(void *arg)
{
	return ((struct tenv *)arg)->hdrcomp;
}

static T_UNUSED void
t_setup_cfg(struct stack_config *c)
{
	stack_default_config(c);
}

static T_UNUSED void
t_start(const struct stack_config *cfg)
{
	struct stack_ops ops = { t_output, t_room, t_sockreq, t_hdrcomp };

	memset(&E, 0, sizeof(E));
	E.cfg = *cfg;
	E.now = 1000000;
	E.room = 1 << 20;
	E.s = stack_new(cfg, &ops, &E, E.now);
	ATF_REQUIRE(E.s != NULL);
}

static T_UNUSED void
t_drop_all(void)
{
	while (E.qn > 0) {
		free(E.q[E.qhead].b);
		E.qhead++;
		E.qn--;
	}
}

static T_UNUSED void
t_finish(void)
{
	stack_free(E.s);
	t_drop_all();
	free(E.q);
	E.s = NULL;
}

static T_UNUSED const struct stack_stats *
t_st(void)
{
	return stack_stats(E.s);
}

/* Let the stack service its host sockets (no waiting). */
static T_UNUSED void
t_pump(void)
{
	struct pollfd pfd[64];
	size_t n;
	int i;

	for (i = 0; i < 8; i++) {
		n = stack_pollfds(E.s, pfd, 64);
		if (n == 0)
			return;
		if (poll(pfd, n, 0) <= 0)
			return;
		stack_pollevents(E.s, pfd, n);
	}
}

static T_UNUSED void
t_advance(uint64_t ms)
{
	E.now += ms;
	stack_set_time(E.s, E.now);
	stack_timers(E.s);
}

/* Advance to the next stack timer (at most max ms); returns ms moved. */
static T_UNUSED int64_t
t_next(int64_t max)
{
	int64_t t = stack_next_timer(E.s);

	if (t < 0 || t > max)
		t = max;
	t_advance((uint64_t)t);
	return t;
}

/* Pop and parse the next captured packet; 0 when none. */
static T_UNUSED int
t_pop(struct tseg *g)
{
	struct tpkt p;
	size_t hl, doff, i, ol;
	const uint8_t *o;
	uint16_t v16;
	uint32_t v32;

	if (E.qn == 0)
		return 0;
	p = E.q[E.qhead++];
	E.qn--;
	memset(g, 0, offsetof(struct tseg, data));
	g->mss = g->ws = -1;
	ATF_REQUIRE(p.len >= 40);
	hl = (size_t)(p.b[0] & 0xf) * 4;
	ATF_REQUIRE_EQ(in_cksum(p.b, hl), 0);
	ATF_REQUIRE_EQ(p.b[9], IPPROTO_TCP);
	ATF_REQUIRE_EQ((size_t)((p.b[2] << 8) | p.b[3]), p.len);
	g->ttl = p.b[8];
	memcpy(&g->src, p.b + 12, 4);
	memcpy(&g->dst, p.b + 16, 4);
	ATF_REQUIRE_EQ(cksum_fold(cksum_add(cksum_pseudo(g->src, g->dst,
	    IPPROTO_TCP, (uint16_t)(p.len - hl)), p.b + hl, p.len - hl)), 0);
	o = p.b + hl;
	memcpy(&g->sport, o, 2);
	memcpy(&g->dport, o + 2, 2);
	memcpy(&v32, o + 4, 4);
	g->seq = ntohl(v32);
	memcpy(&v32, o + 8, 4);
	g->ack = ntohl(v32);
	g->flags = o[13];
	memcpy(&v16, o + 14, 2);
	g->win = ntohs(v16);
	doff = (size_t)(o[12] >> 4) * 4;
	ATF_REQUIRE(doff >= 20 && hl + doff <= p.len);
	g->len = p.len - hl - doff;
	memcpy(g->data, o + doff, g->len);
	for (i = 20; i < doff;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		ol = o[i + 1];
		ATF_REQUIRE(ol >= 2 && i + ol <= doff);
		if (o[i] == 2 && ol == 4)
			g->mss = (o[i + 2] << 8) | o[i + 3];
		else if (o[i] == 3 && ol == 3)
			g->ws = o[i + 2];
		else if (o[i] == 4)
			g->sackok = 1;
		else if (o[i] == 5) {
			size_t k;

			ATF_REQUIRE((ol - 2) % 8 == 0 && ol <= 34);
			for (k = 0; k < (ol - 2) / 8; k++) {
				memcpy(&v32, o + i + 2 + 8 * k, 4);
				g->sack[k][0] = ntohl(v32);
				memcpy(&v32, o + i + 6 + 8 * k, 4);
				g->sack[k][1] = ntohl(v32);
			}
			g->nsack = (int)k;
		}
		else if (o[i] == 8 && ol == 10) {
			g->has_ts = 1;
			memcpy(&v32, o + i + 2, 4);
			g->tsval = ntohl(v32);
			memcpy(&v32, o + i + 6, 4);
			g->tsecr = ntohl(v32);
		}
		i += ol;
	}
	free(p.b);
	return 1;
}

/* The guest side of one connection. */
struct tguest {
	in_addr_t	 ga, ra;
	in_port_t	 gp, rp;
	uint32_t	 iss, snd_nxt, rcv_nxt;
	uint32_t	 peer_win;	/* scaled, from the stack */
	uint32_t	 peer_ack;
	int		 ws, peer_ws;	/* our shift, the stack's shift */
	int		 ts;
	uint32_t	 tsval, ts_recent;
	uint16_t	 win;		/* raw window field we send */
	int		 hostfd;	/* test's end of the socketpair */
};

static T_UNUSED void
t_guest_init(struct tguest *g, const char *dst, uint16_t dport,
    uint16_t sport)
{
	memset(g, 0, sizeof(*g));
	g->ga = inet_addr("10.0.2.15");
	g->ra = inet_addr(dst);
	g->gp = htons(sport);
	g->rp = htons(dport);
	g->iss = 0xfffff000u + sport;	/* wraps soon: exercises SEQ_* */
	g->snd_nxt = g->iss;
	g->win = 65535;
	g->hostfd = -1;
	g->peer_ws = 0;
}

static uint8_t t_lastpkt[70000];	/* the last datagram sent */
static size_t t_lastlen;
static int t_noinput;		/* build into t_lastpkt only */

/* Raw send: any header fields, options and payload. */
static T_UNUSED void
t_send_raw(const struct tguest *g, uint8_t flags, uint32_t seq, uint32_t ack,
    uint16_t win, const uint8_t *opt, size_t optlen, const void *data,
    size_t len)
{
	uint8_t *pkt = t_lastpkt;
	size_t tl = 20 + optlen + len, doff = 20 + optlen;
	uint16_t v16, sum;
	uint32_t v32;
	uint8_t *t = pkt + 20;

	ATF_REQUIRE(optlen % 4 == 0 && optlen <= 40 && 20 + tl <= sizeof(t_lastpkt));
	memset(pkt, 0, 40);
	pkt[0] = 0x45;
	v16 = htons((uint16_t)(20 + tl));
	memcpy(pkt + 2, &v16, 2);
	pkt[8] = 64;
	pkt[9] = IPPROTO_TCP;
	memcpy(pkt + 12, &g->ga, 4);
	memcpy(pkt + 16, &g->ra, 4);
	sum = in_cksum(pkt, 20);
	memcpy(pkt + 10, &sum, 2);
	memcpy(t, &g->gp, 2);
	memcpy(t + 2, &g->rp, 2);
	v32 = htonl(seq);
	memcpy(t + 4, &v32, 4);
	v32 = htonl(ack);
	memcpy(t + 8, &v32, 4);
	t[12] = (uint8_t)((doff / 4) << 4);
	t[13] = flags;
	v16 = htons(win);
	memcpy(t + 14, &v16, 2);
	if (optlen)
		memcpy(t + 20, opt, optlen);
	if (len)
		memcpy(t + doff, data, len);
	sum = cksum_fold(cksum_add(cksum_pseudo(g->ga, g->ra, IPPROTO_TCP,
	    (uint16_t)tl), t, tl));
	memcpy(t + 16, &sum, 2);
	t_lastlen = 20 + tl;
	if (!t_noinput)
		stack_input(E.s, pkt, 20 + tl);
}

/* Recompute the TCP checksum of a datagram built by t_send_raw. */
static T_UNUSED void
t_fix_sum(uint8_t *pkt, size_t len)
{
	in_addr_t a, b;
	uint16_t sum;

	memcpy(&a, pkt + 12, 4);
	memcpy(&b, pkt + 16, 4);
	pkt[36] = pkt[37] = 0;
	sum = cksum_fold(cksum_add(cksum_pseudo(a, b, IPPROTO_TCP,
	    (uint16_t)(len - 20)), pkt + 20, len - 20));
	memcpy(pkt + 36, &sum, 2);
}

/* A normal segment at snd_nxt, acking rcv_nxt, with timestamps if on. */
static T_UNUSED void
t_send(struct tguest *g, uint8_t flags, const void *data, size_t len)
{
	uint8_t opt[12];
	size_t ol = 0;
	uint32_t v;

	if (g->ts) {
		opt[0] = opt[1] = 1;
		opt[2] = 8;
		opt[3] = 10;
		v = htonl(++g->tsval);
		memcpy(opt + 4, &v, 4);
		v = htonl(g->ts_recent);
		memcpy(opt + 8, &v, 4);
		ol = 12;
	}
	t_send_raw(g, flags, g->snd_nxt, g->rcv_nxt, g->win, opt, ol, data,
	    len);
	g->snd_nxt += (uint32_t)len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
}

static T_UNUSED void
t_ack(struct tguest *g)
{
	t_send(g, TH_ACK, NULL, 0);
}

/* Take the segment's view of the stack (window, ts) into the guest. */
static T_UNUSED void
t_note(struct tguest *g, const struct tseg *sg)
{
	if (sg->flags & TH_ACK) {
		g->peer_ack = sg->ack;
		g->peer_win = (sg->flags & TH_SYN) ? sg->win :
		    sg->win << g->peer_ws;
	}
	if (sg->has_ts)
		g->ts_recent = sg->tsval;
}

/* Answer the pending socket request with a socketpair. */
static T_UNUSED int
t_answer_pair(void)
{
	int sv[2];

	ATF_REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	if (E.pairbuf) {
		ATF_REQUIRE(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &E.pairbuf,
		    sizeof(E.pairbuf)) == 0);
		ATF_REQUIRE(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &E.pairbuf,
		    sizeof(E.pairbuf)) == 0);
	}
	stack_socket_reply(E.s, E.reqid, sv[0], 0);
	return sv[1];
}

/*
 * SYN with the given options -> host socket -> SYN-ACK -> ACK.  Leaves
 * the parsed SYN-ACK in *sa when not NULL.
 */
static T_UNUSED void
t_connect_opts(struct tguest *g, const uint8_t *opt, size_t ol,
    struct tseg *sa)
{
	static struct tseg tmp;
	struct tseg *r = sa ? sa : &tmp;
	int nreq = E.nreq;

	t_send_raw(g, TH_SYN, g->iss, 0, g->win, opt, ol, NULL, 0);
	g->snd_nxt = g->iss + 1;
	ATF_REQUIRE_EQ(E.nreq, nreq + 1);
	ATF_REQUIRE_EQ(E.qn, 0);	/* no answer before the host connects */
	g->hostfd = t_answer_pair();
	t_pump();
	ATF_REQUIRE(t_pop(r));
	ATF_REQUIRE_EQ(r->flags, TH_SYN | TH_ACK);
	ATF_REQUIRE_EQ(r->ack, g->iss + 1);
	g->rcv_nxt = r->seq + 1;
	if (r->ws >= 0)
		g->peer_ws = r->ws;
	t_note(g, r);
	t_ack(g);
}

static T_UNUSED void
t_connect(struct tguest *g)
{
	/* MSS 1460, no other options */
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4 };

	t_connect_opts(g, opt, sizeof(opt), NULL);
}

/* Options block: MSS, SACK-permitted, TS, WS (Linux's order). */
static T_UNUSED size_t
t_full_opts(uint8_t *o, uint16_t mss, int ws, uint32_t tsval)
{
	uint32_t v = htonl(tsval);

	o[0] = 2;
	o[1] = 4;
	o[2] = (uint8_t)(mss >> 8);
	o[3] = (uint8_t)mss;
	o[4] = 4;
	o[5] = 2;
	o[6] = 8;
	o[7] = 10;
	memcpy(o + 8, &v, 4);
	memset(o + 12, 0, 4);
	o[16] = 1;
	o[17] = 3;
	o[18] = 3;
	o[19] = (uint8_t)ws;
	return 20;
}

/* Read whatever the host side has (non-blocking). */
static T_UNUSED size_t
t_host_read(int fd, uint8_t *buf, size_t max)
{
	ssize_t n;
	size_t got = 0;

	while (got < max) {
		n = read(fd, buf + got, max - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static T_UNUSED struct tcp_debug
t_dbg(const struct tguest *g)
{
	struct tcp_debug d;

	ATF_REQUIRE_EQ(tcp_debug_info(E.s, g->gp, &d), 0);
	return d;
}

#endif
