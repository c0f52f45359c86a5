/*
 * Test harness for the stack: a fake engine (stack_ops) that records
 * the datagrams sent to the guest and the socket requests, a fake clock,
 * datagram builders and a reassembler for the stack's output.  Socket
 * requests are answered by the test with sockets it creates itself
 * (loopback UDP, or socketpairs standing in for ping sockets).
 */
#ifndef REGRESS_STACK_HARNESS_H
#define REGRESS_STACK_HARNESS_H

#include <sys/socket.h>
#include <arpa/inet.h>
#include <atf-c.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack_var.h"

#define H static __attribute__((unused))

#define FAKE_MAXOUT	4096
#define FAKE_MAXREQ	64

struct fake_out {
	uint8_t		*p;
	size_t		 len;
	int		 prio;
};

struct fake_req {
	uint32_t	 id;
	int		 proto;
	in_addr_t	 addr;
	in_port_t	 port;
	int		 answered;
	int		 peer;		/* our end of a socketpair, or -1 */
};

struct fake {
	struct stack	*s;
	struct stack_config cfg;
	uint64_t	 now;
	struct fake_out	 out[FAKE_MAXOUT];
	size_t		 nout;
	int		 full;		/* output() refuses */
	struct fake_req	 req[FAKE_MAXREQ];
	size_t		 nreq;
};

H int
fake_output(void *arg, const uint8_t *pkt, size_t len, int prio)
{
	struct fake *f = arg;

	if (f->full || f->nout >= FAKE_MAXOUT)
		return -1;
	ATF_REQUIRE((f->out[f->nout].p = malloc(len)) != NULL);
	memcpy(f->out[f->nout].p, pkt, len);
	f->out[f->nout].len = len;
	f->out[f->nout].prio = prio;
	f->nout++;
	return 0;
}

H size_t
fake_room(void *arg)
{
	return 1 << 20;
}

H int
fake_sockreq(void *arg, uint32_t id, int proto, in_addr_t addr,
    in_port_t port)
{
	struct fake *f = arg;

	if (f->nreq >= FAKE_MAXREQ)
		return -1;
	f->req[f->nreq].id = id;
	f->req[f->nreq].proto = proto;
	f->req[f->nreq].addr = addr;
	f->req[f->nreq].port = port;
	f->req[f->nreq].answered = 0;
	f->req[f->nreq].peer = -1;
	f->nreq++;
	return 0;
}

H in_addr_t
A(const char *s)
{
	return inet_addr(s);
}

/* Fill f->cfg with the defaults; change it, then fake_start(). */
H void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	stack_default_config(&f->cfg);
	f->now = 1000000;
}

H void
fake_start(struct fake *f)
{
	static const struct stack_ops ops = {
		fake_output, fake_room, fake_sockreq, NULL
	};

	ATF_REQUIRE((f->s = stack_new(&f->cfg, &ops, f, f->now)) != NULL);
}

H void
fake_clear(struct fake *f)
{
	size_t i;

	for (i = 0; i < f->nout; i++)
		free(f->out[i].p);
	f->nout = 0;
}

H void
fake_done(struct fake *f)
{
	size_t i;

	stack_free(f->s);
	fake_clear(f);
	for (i = 0; i < f->nreq; i++)
		if (f->req[i].peer != -1)
			close(f->req[i].peer);
}

H void
fake_advance(struct fake *f, uint64_t ms)
{
	f->now += ms;
	stack_set_time(f->s, f->now);
	stack_timers(f->s);
}

/* Answer request i with a UDP socket connected to what it asked for. */
H void
fake_answer_udp(struct fake *f, size_t i)
{
	struct sockaddr_in sin;
	int fd;

	ATF_REQUIRE(i < f->nreq && !f->req[i].answered);
	ATF_REQUIRE_EQ(f->req[i].proto, IPPROTO_UDP);
	/* Network rule: tests only ever reach loopback. */
	ATF_REQUIRE_EQ(ntohl(f->req[i].addr) >> 24, 127);
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0))
	    != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = f->req[i].addr;
	sin.sin_port = f->req[i].port;
	ATF_REQUIRE(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	f->req[i].answered = 1;
	stack_socket_reply(f->s, f->req[i].id, fd, 0);
}

/* Answer request i with one end of a datagram socketpair. */
H int
fake_answer_pair(struct fake *f, size_t i)
{
	int sv[2];

	ATF_REQUIRE(i < f->nreq && !f->req[i].answered);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)
	    == 0);
	f->req[i].answered = 1;
	f->req[i].peer = sv[1];
	stack_socket_reply(f->s, f->req[i].id, sv[0], 0);
	return sv[1];
}

H void
fake_answer_err(struct fake *f, size_t i, int error)
{
	ATF_REQUIRE(i < f->nreq && !f->req[i].answered);
	f->req[i].answered = 1;
	stack_socket_reply(f->s, f->req[i].id, -1, error);
}

/* Poll the stack's fds once (up to ms) and dispatch. */
H int
fake_poll(struct fake *f, int ms)
{
	struct pollfd pfd[256];
	size_t n;
	int r;

	n = stack_pollfds(f->s, pfd, 256);
	r = poll(pfd, n, ms);
	ATF_REQUIRE(r != -1);
	stack_pollevents(f->s, pfd, r > 0 ? n : 0);
	return r;
}

/* Poll until at least want outputs were recorded or ~2 s passed. */
H void
fake_wait_out(struct fake *f, size_t want)
{
	int i;

	for (i = 0; i < 200 && f->nout < want; i++)
		fake_poll(f, 10);
}

H uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

H void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* An IPv4 datagram with a 20-byte header; returns its length. */
H size_t
mk_ip(uint8_t *b, uint8_t proto, in_addr_t src, in_addr_t dst, uint16_t id,
    uint16_t ff, uint8_t ttl, const uint8_t *pl, size_t len)
{
	uint16_t sum;

	b[0] = 0x45;
	b[1] = 0;
	put16(b + 2, (uint16_t)(20 + len));
	put16(b + 4, id);
	put16(b + 6, ff);
	b[8] = ttl;
	b[9] = proto;
	b[10] = b[11] = 0;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	sum = in_cksum(b, 20);
	memcpy(b + 10, &sum, 2);
	memcpy(b + 20, pl, len);
	return 20 + len;
}

/* An ICMP echo request message (not the IP datagram); returns length. */
H size_t
mk_echo(uint8_t *m, uint16_t id, uint16_t seq, const uint8_t *d, size_t len)
{
	uint16_t sum;

	m[0] = 8;
	m[1] = 0;
	m[2] = m[3] = 0;
	put16(m + 4, id);
	put16(m + 6, seq);
	memcpy(m + 8, d, len);
	sum = in_cksum(m, 8 + len);
	memcpy(m + 2, &sum, 2);
	return 8 + len;
}

/* A UDP datagram in IP, checksummed. */
H size_t
mk_udp(uint8_t *b, in_addr_t src, uint16_t sport, in_addr_t dst,
    uint16_t dport, const uint8_t *d, size_t len)
{
	uint8_t *u = malloc(8 + len);
	uint16_t sum;
	size_t n;

	ATF_REQUIRE(u != NULL);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	u[6] = u[7] = 0;
	memcpy(u + 8, d, len);
	sum = cksum_fold(cksum_add(cksum_pseudo(src, dst, IPPROTO_UDP,
	    (uint16_t)(8 + len)), u, 8 + len));
	if (sum == 0)
		sum = 0xffff;
	memcpy(u + 6, &sum, 2);
	n = mk_ip(b, IPPROTO_UDP, src, dst, 77, 0, 64, u, 8 + len);
	free(u);
	return n;
}

/* Check one output datagram's header; returns its header length. */
H size_t
check_ip(const uint8_t *p, size_t len, unsigned int mtu)
{
	size_t hlen;

	ATF_REQUIRE(len >= 20);
	ATF_CHECK_EQ(p[0] >> 4, 4);
	hlen = (size_t)(p[0] & 0xf) * 4;
	ATF_CHECK_EQ(get16(p + 2), len);
	ATF_CHECK(len <= mtu);
	ATF_CHECK_EQ(in_cksum(p, hlen), 0);
	ATF_CHECK_EQ(p[8], 64);
	return hlen;
}

/*
 * Reassemble outputs [from, nout) that belong to one datagram into buf;
 * returns the payload length (-1 when incomplete), *proto and addrs set.
 */
H long
out_reasm(struct fake *f, size_t from, uint8_t *buf, size_t bufsz,
    unsigned int mtu, uint8_t *proto, in_addr_t *src, in_addr_t *dst)
{
	size_t i, hlen, off, plen, total = 0, got = 0;
	int have_last = 0;
	uint16_t ff;

	for (i = from; i < f->nout; i++) {
		const uint8_t *p = f->out[i].p;

		hlen = check_ip(p, f->out[i].len, mtu);
		ff = get16(p + 6);
		off = (size_t)(ff & 0x1fff) * 8;
		plen = f->out[i].len - hlen;
		if (ff & 0x2000)
			ATF_CHECK_EQ(plen % 8, 0);
		ATF_REQUIRE(off + plen <= bufsz);
		memcpy(buf + off, p + hlen, plen);
		got += plen;
		if (!(ff & 0x2000)) {
			have_last = 1;
			total = off + plen;
		}
		*proto = p[9];
		memcpy(src, p + 12, 4);
		memcpy(dst, p + 16, 4);
	}
	if (!have_last || got != total)
		return -1;
	return (long)total;
}

#endif
