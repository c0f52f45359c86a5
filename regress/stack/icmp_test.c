/*
 * ICMP: local echo at .2/.3, echo through a (fake) ping socket with id
 * and sequence translation, timeouts, refusals, input validation, and
 * the rules of icmp_error().
 */
#include <sys/ioctl.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>

#include "harness.h"

#define GUEST	A("10.0.2.15")
#define HOST	A("10.0.2.2")
#define DNS	A("10.0.2.3")
#define FAR	A("198.51.100.7")	/* never contacted: a socketpair */

static size_t
echo_dgram(uint8_t *b, in_addr_t dst, uint16_t id, uint16_t seq,
    size_t plen)
{
	uint8_t m[2000], d[2000];
	size_t i;

	for (i = 0; i < plen; i++)
		d[i] = (uint8_t)(i ^ seq);
	return mk_ip(b, IPPROTO_ICMP, GUEST, dst, 1, 0, 64, m,
	    mk_echo(m, id, seq, d, plen));
}

/* Output i is an echo reply from src with id/seq and a good checksum. */
static void
check_echo_reply(struct fake *f, size_t i, in_addr_t src, uint16_t id,
    uint16_t seq, size_t plen)
{
	const uint8_t *p;
	size_t k;

	ATF_REQUIRE(i < f->nout);
	p = f->out[i].p;
	check_ip(p, f->out[i].len, 1500);
	ATF_CHECK_EQ(f->out[i].len, 20 + 8 + plen);
	ATF_CHECK(memcmp(p + 12, &src, 4) == 0);
	ATF_CHECK(memcmp(p + 16, &(in_addr_t){ GUEST }, 4) == 0);
	ATF_CHECK_EQ(p[9], IPPROTO_ICMP);
	ATF_CHECK_EQ(p[20], 0);
	ATF_CHECK_EQ(p[21], 0);
	ATF_CHECK_EQ(in_cksum(p + 20, f->out[i].len - 20), 0);
	ATF_CHECK_EQ(get16(p + 24), id);
	ATF_CHECK_EQ(get16(p + 26), seq);
	for (k = 0; k < plen; k++)
		if (p[28 + k] != (uint8_t)(k ^ seq)) {
			ATF_CHECK_MSG(0, "payload differs at %zu", k);
			break;
		}
	ATF_CHECK_EQ(f->out[i].prio, STACK_PRIO_INTERACTIVE);
}

static void
check_unreach(struct fake *f, size_t i, uint8_t type, uint8_t code)
{
	const uint8_t *p;

	ATF_REQUIRE(i < f->nout);
	p = f->out[i].p;
	check_ip(p, f->out[i].len, 1500);
	ATF_CHECK_EQ(p[9], IPPROTO_ICMP);
	ATF_CHECK_EQ(p[20], type);
	ATF_CHECK_EQ(p[21], code);
	ATF_CHECK_EQ(in_cksum(p + 20, f->out[i].len - 20), 0);
	ATF_CHECK(memcmp(p + 16, &(in_addr_t){ GUEST }, 4) == 0);
}

ATF_TC_WITHOUT_HEAD(echo_local);
ATF_TC_BODY(echo_local, tc)
{
	struct fake f;
	uint8_t b[2100];
	size_t n;

	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, HOST, 0x1234, 1, 56);
	stack_input(f.s, b, n);
	n = echo_dgram(b, DNS, 0x1234, 2, 1400);
	stack_input(f.s, b, n);
	n = echo_dgram(b, DNS, 0xffff, 0xffff, 0);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nout, 3);
	check_echo_reply(&f, 0, HOST, 0x1234, 1, 56);
	check_echo_reply(&f, 1, DNS, 0x1234, 2, 1400);
	check_echo_reply(&f, 2, DNS, 0xffff, 0xffff, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_echo_local, 3);
	ATF_CHECK_EQ(f.nreq, 0);
	fake_clear(&f);
	/* .1 has no echo service: host unreachable. */
	n = echo_dgram(b, A("10.0.2.1"), 1, 1, 8);
	stack_input(f.s, b, n);
	check_unreach(&f, 0, 3, 1);
	fake_done(&f);

	/* Without the host alias .2 is administratively prohibited. */
	fake_init(&f);
	f.cfg.host_alias = 0;
	fake_start(&f);
	n = echo_dgram(b, HOST, 1, 1, 8);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_unreach(&f, 0, 3, 13);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_unreach_out, 1);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(bad_input);
ATF_TC_BODY(bad_input, tc)
{
	struct fake f;
	uint8_t b[200], m[64] = { 0 };
	size_t n;
	uint16_t sum;

	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, DNS, 1, 1, 8);
	b[30] ^= 1;				/* payload: checksum wrong */
	stack_input(f.s, b, n);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 1, 0, 64, m, 4);	/* short */
	stack_input(f.s, b, n);
	mk_echo(m, 1, 1, m, 0);
	m[1] = 3;				/* echo with code 3 */
	m[2] = m[3] = 0;
	sum = in_cksum(m, 8);
	memcpy(m + 2, &sum, 2);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 1, 0, 64, m, 8);
	stack_input(f.s, b, n);
	m[0] = 42;				/* unknown type */
	m[1] = 0;
	m[2] = m[3] = 0;
	sum = in_cksum(m, 8);
	memcpy(m + 2, &sum, 2);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 1, 0, 64, m, 8);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_bad, 4);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_in, 4);
	ATF_CHECK_EQ(f.nout, 0);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(echo_host);
ATF_TC_BODY(echo_host, tc)
{
	struct fake f;
	uint8_t b[2100], r[2100];
	ssize_t n;
	int peer;

	fake_init(&f);
	fake_start(&f);
	/* Two echoes before the ping socket exists: both held. */
	n = (ssize_t)echo_dgram(b, FAR, 0xbeef, 7, 32);
	stack_input(f.s, b, (size_t)n);
	n = (ssize_t)echo_dgram(b, FAR, 0xbeef, 8, 32);
	stack_input(f.s, b, (size_t)n);
	ATF_REQUIRE_EQ(f.nreq, 1);
	ATF_CHECK_EQ(f.req[0].proto, IPPROTO_ICMP);
	ATF_CHECK_EQ(f.req[0].addr, FAR);
	peer = fake_answer_pair(&f, 0);
	/* The "kernel" sees them, answers the second first, own id 99. */
	uint8_t got[2][2100];
	ATF_REQUIRE_EQ(recv(peer, got[0], sizeof(got[0]), 0), 40);
	ATF_REQUIRE_EQ(recv(peer, got[1], sizeof(got[1]), 0), 40);
	ATF_CHECK_EQ(got[0][0], 8);
	ATF_CHECK(get16(got[0] + 6) != get16(got[1] + 6));
	for (int k = 1; k >= 0; k--) {
		memcpy(r, got[k], 40);
		r[0] = 0;
		put16(r + 4, 99);
		r[2] = r[3] = 0;
		uint16_t sum = in_cksum(r, 40);
		memcpy(r + 2, &sum, 2);
		ATF_REQUIRE_EQ(send(peer, r, 40, 0), 40);
	}
	fake_wait_out(&f, 2);
	ATF_REQUIRE_EQ(f.nout, 2);
	check_echo_reply(&f, 0, FAR, 0xbeef, 8, 32);
	check_echo_reply(&f, 1, FAR, 0xbeef, 7, 32);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_echo_host, 2);
	fake_clear(&f);
	/* A duplicate reply is not forwarded twice. */
	ATF_REQUIRE_EQ(send(peer, r, 40, 0), 40);
	fake_poll(&f, 200);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_bad, 1);
	/* An echo nobody answers times out; its late reply is dropped. */
	n = (ssize_t)echo_dgram(b, FAR, 0xbeef, 9, 16);
	stack_input(f.s, b, (size_t)n);
	ATF_REQUIRE_EQ(f.nreq, 1);		/* same socket */
	ATF_REQUIRE_EQ(recv(peer, r, sizeof(r), 0), 24);
	fake_advance(&f, 10001);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_timeout, 1);
	r[0] = 0;
	r[2] = r[3] = 0;
	{
		uint16_t sum = in_cksum(r, 24);
		memcpy(r + 2, &sum, 2);
	}
	ATF_REQUIRE_EQ(send(peer, r, 24, 0), 24);
	fake_poll(&f, 200);
	ATF_CHECK_EQ(f.nout, 0);
	/* The idle flow goes away and its socket is closed. */
	ATF_CHECK_EQ(f.s->nflows, 1);
	fake_advance(&f, 60000);
	ATF_CHECK_EQ(f.s->nflows, 0);
	ATF_CHECK_EQ(send(peer, r, 24, 0), -1);
	fake_done(&f);
}

/*
 * The fake raw socket: icmp.c asks icmp_sock_is_raw() (weak there) what
 * the parent gave it; this strong one says "raw" for one socketpair end.
 */
static int raw_fd = -1;

int	icmp_sock_is_raw(int);

int
icmp_sock_is_raw(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	if (fd != -1 && fd == raw_fd)
		return 1;
	/* Real sockets (echo_real_*): what icmp.c's own version does. */
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_RAW;
}

/* The stack's end is a "raw socket"; returns our end. */
static int
answer_raw(struct fake *f, size_t i)
{
	int sv[2];

	ATF_REQUIRE(i < f->nreq && !f->req[i].answered);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)
	    == 0);
	f->req[i].answered = 1;
	f->req[i].peer = sv[1];
	raw_fd = sv[0];
	stack_socket_reply(f->s, f->req[i].id, sv[0], 0);
	raw_fd = -1;
	return sv[1];
}

/* What a raw socket reads: FAR's IPv4 header and an echo reply. */
static size_t
raw_reply(uint8_t *b, in_addr_t src, uint16_t id, uint16_t seq,
    const uint8_t *req, size_t len)
{
	uint8_t m[2000];
	uint16_t sum;

	memcpy(m, req, len);
	m[0] = 0;
	put16(m + 4, id);
	put16(m + 6, seq);
	m[2] = m[3] = 0;
	sum = in_cksum(m, len);
	memcpy(m + 2, &sum, 2);
	return mk_ip(b, IPPROTO_ICMP, src, GUEST, 77, 0, 60, m, len);
}

static void
raw_feed(int peer, const uint8_t *b, size_t n)
{
	ATF_REQUIRE_EQ(send(peer, b, n, 0), (ssize_t)n);
}

ATF_TC_WITHOUT_HEAD(echo_raw);
ATF_TC_BODY(echo_raw, tc)
{
	struct fake f;
	uint8_t b[2100], req[2][2100], r[2100];
	uint16_t id, seq0, seq1;
	uint64_t bad, foreign;
	size_t n;
	int peer;

	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, FAR, 0xbeef, 7, 32);
	stack_input(f.s, b, n);
	n = echo_dgram(b, FAR, 0xbeef, 8, 32);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nreq, 1);
	peer = answer_raw(&f, 0);
	/* What goes out is a whole echo: our id, our seq, a good sum. */
	ATF_REQUIRE_EQ(recv(peer, req[0], sizeof(req[0]), 0), 40);
	ATF_REQUIRE_EQ(recv(peer, req[1], sizeof(req[1]), 0), 40);
	ATF_CHECK_EQ(req[0][0], 8);
	ATF_CHECK_EQ(req[0][1], 0);
	ATF_CHECK_EQ(in_cksum(req[0], 40), 0);
	ATF_CHECK_EQ(in_cksum(req[1], 40), 0);
	id = get16(req[0] + 4);
	ATF_CHECK_EQ(get16(req[1] + 4), id);
	seq0 = get16(req[0] + 6);
	seq1 = get16(req[1] + 6);
	ATF_CHECK(seq0 != seq1);
	/* The guest's payload (b: its second echo) went through intact. */
	ATF_CHECK(memcmp(req[1] + 8, b + 28, 32) == 0);

	/* Garbage first: none of it reaches the guest. */
	n = raw_reply(b, FAR, (uint16_t)(id ^ 1), seq0, req[0], 40);
	raw_feed(peer, b, n);			/* another pinger's id */
	n = raw_reply(b, FAR, id, seq0, req[0], 40);
	raw_feed(peer, b, 10);			/* truncated IP header */
	raw_feed(peer, b, 20 + 4);		/* truncated ICMP header */
	memcpy(r, b, n);
	r[0] = 0x44;				/* IHL 16 bytes */
	raw_feed(peer, r, n);
	memcpy(r, b, n);
	r[0] = 0x4f;				/* IHL 60 > datagram */
	raw_feed(peer, r, 40);
	memcpy(r, b, n);
	r[0] = 0x65;				/* not IPv4 */
	raw_feed(peer, r, n);
	memcpy(r, b, n);
	put16(r + 2, (uint16_t)(n + 4));	/* total length lies */
	raw_feed(peer, r, n);
	memcpy(r, b, n);
	r[9] = IPPROTO_UDP;			/* not ICMP */
	raw_feed(peer, r, n);
	memcpy(r, b, n);
	r[6] = 0x20;				/* a fragment (MF) */
	raw_feed(peer, r, n);
	memcpy(r, b, n);
	r[20 + 8] ^= 0xff;			/* bad ICMP checksum */
	raw_feed(peer, r, n);
	n = raw_reply(r, A("198.51.100.8"), id, seq0, req[0], 40);
	raw_feed(peer, r, n);			/* from another host */
	memcpy(r, b, 20 + 40);
	r[20] = 8;				/* our own request, looped */
	r[22] = r[23] = 0;
	{
		uint16_t sum = in_cksum(r + 20, 40);
		memcpy(r + 22, &sum, 2);
	}
	raw_feed(peer, r, 20 + 40);
	fake_poll(&f, 100);
	fake_poll(&f, 10);
	ATF_CHECK_EQ(f.nout, 0);
	bad = stack_stats(f.s)->icmp_bad;
	foreign = stack_stats(f.s)->icmp_foreign;
	ATF_CHECK_EQ(bad, 10);
	ATF_CHECK_EQ(foreign, 2);

	/* Then the real replies, second first. */
	n = raw_reply(b, FAR, id, seq1, req[1], 40);
	raw_feed(peer, b, n);
	n = raw_reply(b, FAR, id, seq0, req[0], 40);
	raw_feed(peer, b, n);
	fake_wait_out(&f, 2);
	ATF_REQUIRE_EQ(f.nout, 2);
	check_echo_reply(&f, 0, FAR, 0xbeef, 8, 32);
	check_echo_reply(&f, 1, FAR, 0xbeef, 7, 32);
	/* A duplicate is late: dropped. */
	fake_clear(&f);
	raw_feed(peer, b, n);
	fake_poll(&f, 100);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_bad, bad + 1);
	fake_done(&f);
}

/* IP options on the reply: the header length says where ICMP starts. */
ATF_TC_WITHOUT_HEAD(echo_raw_options);
ATF_TC_BODY(echo_raw_options, tc)
{
	struct fake f;
	uint8_t b[2100], req[2100], r[2100];
	size_t n;
	int peer;

	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, FAR, 0x0101, 3, 16);
	stack_input(f.s, b, n);
	peer = answer_raw(&f, 0);
	ATF_REQUIRE_EQ(recv(peer, req, sizeof(req), 0), 24);
	n = raw_reply(b, FAR, get16(req + 4), get16(req + 6), req, 24);
	/* 4 bytes of NOP options between the header and the message. */
	memcpy(r, b, 20);
	memset(r + 20, 1, 4);
	memcpy(r + 24, b + 20, n - 20);
	r[0] = 0x46;
	put16(r + 2, (uint16_t)(n + 4));
	raw_feed(peer, r, n + 4);
	fake_wait_out(&f, 1);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_echo_reply(&f, 0, FAR, 0x0101, 3, 16);
	fake_done(&f);
}

/* The parent's socket maker (privsep/broker.c). */
int	broker_socket(int, in_addr_t, in_port_t);

/* A private network namespace with lo up; its ping_group_range stays. */
static int
private_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) == -1)
		return -1;
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	ATF_REQUIRE(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	ATF_REQUIRE(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	close(fd);
	return 0;
}

/*
 * A host unreachable from "a router" (127.0.0.2) quoting the echo req
 * that went to 127.0.0.1, sent with a header-including raw socket.
 */
static void
send_unreach(const uint8_t *req, size_t reqlen)
{
	struct sockaddr_in sin;
	uint8_t inner[100], m[200], b[300];
	size_t n, in;
	uint16_t sum;
	int fd;

	in = mk_ip(inner, IPPROTO_ICMP, A("127.0.0.1"), A("127.0.0.1"), 5, 0,
	    64, req, reqlen < 8 ? reqlen : 8);
	memset(m, 0, 8);
	m[0] = 3;
	m[1] = 1;
	memcpy(m + 8, inner, in);
	sum = in_cksum(m, 8 + in);
	memcpy(m + 2, &sum, 2);
	n = mk_ip(b, IPPROTO_ICMP, A("127.0.0.2"), A("127.0.0.1"), 6, 0, 64,
	    m, 8 + in);
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = A("127.0.0.1");
	ATF_REQUIRE_EQ(sendto(fd, b, n, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), (ssize_t)n);
	close(fd);
}

/*
 * An echo nobody will answer (the kernel ignores echoes now; a sniffer
 * socket learns the id and seq that went out), then an error quoting an
 * echo with another id, then one quoting ours: only ours reaches the
 * guest, about the guest's echo (seq 3).
 */
static void
check_errqueue(struct fake *f, int raw)
{
	uint8_t b[2100], req[64];
	size_t n;
	int fd, i, peer;

	ATF_REQUIRE((fd = open("/proc/sys/net/ipv4/icmp_echo_ignore_all",
	    O_WRONLY)) != -1);
	ATF_REQUIRE_EQ(write(fd, "1", 1), 1);
	close(fd);
	ATF_REQUIRE((peer = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK,
	    IPPROTO_ICMP)) != -1);
	n = echo_dgram(b, A("127.0.0.1"), 0x5151, 3, 0);
	stack_input(f->s, b, n);
	for (i = 0; i < 100; i++) {
		if (recv(peer, b, sizeof(b), 0) == 20 + 8 && b[20] == 8)
			break;
		usleep(10000);
	}
	ATF_REQUIRE(i < 100);
	memcpy(req, b + 20, 8);
	close(peer);
	req[4] ^= 0x55;		/* someone else's echo, same seq */
	send_unreach(req, 8);
	/* A ping socket never sees it: the kernel matches the id. */
	for (i = 0; i < 20 && stack_stats(f->s)->icmp_foreign == 0; i++)
		fake_poll(f, 10);
	ATF_CHECK_EQ(stack_stats(f->s)->icmp_foreign, (uint64_t)raw);
	ATF_CHECK_EQ(stack_stats(f->s)->icmp_unreach_out, 0);
	req[4] ^= 0x55;		/* ours */
	send_unreach(req, 8);
	for (i = 0; i < 200 && stack_stats(f->s)->icmp_unreach_out == 0; i++)
		fake_poll(f, 10);
	fake_poll(f, 50);
	ATF_CHECK_EQ(stack_stats(f->s)->icmp_unreach_out, 1);
	ATF_CHECK_EQ(stack_stats(f->s)->icmp_foreign, (uint64_t)raw);
	ATF_REQUIRE_EQ(f->nout, 1);
	check_unreach(f, 0, 3, 1);
	/* About the guest's own echo (seq 3), from the destination. */
	ATF_CHECK(memcmp(f->out[0].p + 12, &(in_addr_t){ A("127.0.0.1") },
	    4) == 0);
	ATF_CHECK_EQ(get16(f->out[0].p + 28 + 20 + 6), 3);
	ATF_CHECK_EQ(get16(f->out[0].p + 28 + 20 + 4), 0x5151);
}

/*
 * The parent's socket where root may not have ping sockets (a new
 * namespace's ping_group_range is "1 0"): a raw socket, and the stack
 * pings loopback through it; then an ICMP error about one echo comes
 * back through the error queue to the guest, about that echo.
 */
ATF_TC_WITHOUT_HEAD(echo_real_raw_socket);
ATF_TC_BODY(echo_real_raw_socket, tc)
{
	struct fake f;
	uint8_t b[2100];
	socklen_t len;
	size_t n;
	int fd, i, type;

	if (private_netns() == -1)
		atf_tc_skip("needs root to create a network namespace");
	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, A("127.0.0.1"), 0x5151, 1, 64);
	stack_input(f.s, b, n);
	n = echo_dgram(b, A("127.0.0.1"), 0x5151, 2, 64);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nreq, 1);
	ATF_REQUIRE((fd = broker_socket(IPPROTO_ICMP, A("127.0.0.1"), 0))
	    != -1);
	len = sizeof(type);
	ATF_REQUIRE(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0);
	ATF_CHECK_EQ(type, SOCK_RAW);
	f.req[0].answered = 1;
	stack_socket_reply(f.s, f.req[0].id, fd, 0);
	for (i = 0; i < 200 && f.nout < 2; i++)
		fake_poll(&f, 10);
	ATF_REQUIRE_EQ(f.nout, 2);
	check_echo_reply(&f, 0, A("127.0.0.1"), 0x5151, 1, 64);
	check_echo_reply(&f, 1, A("127.0.0.1"), 0x5151, 2, 64);
	/* Our own requests, looped back, never reached the engine. */
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_bad, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_foreign, 0);
	fake_clear(&f);

	check_errqueue(&f, 1);
	fake_done(&f);
}

/* Where root may have ping sockets, the parent makes one: same paths. */
ATF_TC_WITHOUT_HEAD(echo_real_ping_broker);
ATF_TC_BODY(echo_real_ping_broker, tc)
{
	struct fake f;
	uint8_t b[2100];
	socklen_t len;
	size_t n;
	int fd, i, type, ok;

	if (private_netns() == -1)
		atf_tc_skip("needs root to create a network namespace");
	ATF_REQUIRE((fd = open("/proc/sys/net/ipv4/ping_group_range",
	    O_WRONLY)) != -1);
	ok = write(fd, "0 2147483647", 12) == 12;
	close(fd);
	ATF_REQUIRE(ok);
	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, A("127.0.0.1"), 0x6161, 1, 64);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nreq, 1);
	ATF_REQUIRE((fd = broker_socket(IPPROTO_ICMP, A("127.0.0.1"), 0))
	    != -1);
	len = sizeof(type);
	ATF_REQUIRE(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0);
	ATF_CHECK_EQ(type, SOCK_DGRAM);
	f.req[0].answered = 1;
	stack_socket_reply(f.s, f.req[0].id, fd, 0);
	for (i = 0; i < 200 && f.nout < 1; i++)
		fake_poll(&f, 10);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_echo_reply(&f, 0, A("127.0.0.1"), 0x6161, 1, 64);
	fake_clear(&f);
	check_errqueue(&f, 0);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(echo_refused);
ATF_TC_BODY(echo_refused, tc)
{
	struct fake f;
	uint8_t b[200];
	size_t n;

	fake_init(&f);
	fake_start(&f);
	n = echo_dgram(b, FAR, 1, 1, 8);
	stack_input(f.s, b, n);
	fake_answer_err(&f, 0, EACCES);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_unreach(&f, 0, 3, 13);
	ATF_CHECK_EQ(f.s->nflows, 0);
	fake_clear(&f);
	n = echo_dgram(b, FAR, 1, 2, 8);
	stack_input(f.s, b, n);
	fake_answer_err(&f, 1, EHOSTUNREACH);
	check_unreach(&f, 0, 3, 1);
	/* The quoted datagram is the guest's: its header and 8 bytes. */
	ATF_CHECK_EQ(f.out[0].len, 20 + 8 + 20 + 8);
	ATF_CHECK(memcmp(f.out[0].p + 28, b, 28) == 0);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(error_rules);
ATF_TC_BODY(error_rules, tc)
{
	struct fake f;
	uint8_t b[200], d[100] = { 0 }, m[16];
	size_t n;

	fake_init(&f);
	fake_start(&f);
	/* About a UDP datagram: from its destination, quoting 28 bytes. */
	n = mk_udp(b, GUEST, 5000, FAR, 6000, d, 40);
	icmp_error(f.s, b, n, 3, 3);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_unreach(&f, 0, 3, 3);
	ATF_CHECK(memcmp(f.out[0].p + 12, &(in_addr_t){ FAR }, 4) == 0);
	ATF_CHECK_EQ(f.out[0].len, 20 + 8 + 28);
	ATF_CHECK(memcmp(f.out[0].p + 28, b, 28) == 0);
	fake_clear(&f);
	/* Never about an ICMP error... */
	memset(m, 0, sizeof(m));
	m[0] = 3;
	n = mk_ip(b, IPPROTO_ICMP, GUEST, FAR, 1, 0, 64, m, 16);
	icmp_error(f.s, b, n, 3, 1);
	/* ...a fragment other than the first... */
	n = mk_ip(b, IPPROTO_UDP, GUEST, FAR, 1, 10, 64, d, 40);
	icmp_error(f.s, b, n, 3, 3);
	/* ...a broadcast, or a source that is not the guest... */
	n = mk_ip(b, IPPROTO_UDP, GUEST, A("255.255.255.255"), 1, 0, 64, d,
	    40);
	icmp_error(f.s, b, n, 3, 3);
	n = mk_ip(b, IPPROTO_UDP, GUEST, A("224.0.0.1"), 1, 0, 64, d, 40);
	icmp_error(f.s, b, n, 3, 3);
	n = mk_ip(b, IPPROTO_UDP, A("0.0.0.0"), FAR, 1, 0, 64, d, 40);
	icmp_error(f.s, b, n, 3, 3);
	/* ...or something that is not an IPv4 header. */
	icmp_error(f.s, b, 10, 3, 3);
	b[0] = 0x65;
	icmp_error(f.s, b, n, 3, 3);
	ATF_CHECK_EQ(f.nout, 0);
	/* About an echo (not an error): allowed. */
	mk_echo(m, 1, 1, d, 0);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, FAR, 1, 0, 64, m, 8);
	icmp_error(f.s, b, n, 3, 1);
	ATF_CHECK_EQ(f.nout, 1);
	fake_done(&f);
}

/*
 * A private network namespace (this test case's process only) with lo
 * up and ping sockets allowed: the kernel rewrites the echo id for real.
 */
static int
private_netns_with_ping(void)
{
	struct ifreq ifr;
	int fd, ok;

	if (unshare(CLONE_NEWNET) == -1)
		return -1;
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	ATF_REQUIRE(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	ATF_REQUIRE(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	close(fd);
	/* /proc/sys/net is the namespace of the process that opens it. */
	ATF_REQUIRE((fd = open("/proc/sys/net/ipv4/ping_group_range",
	    O_WRONLY)) != -1);
	ok = write(fd, "0 2147483647", 12) == 12;
	close(fd);
	return ok ? 0 : -1;
}

ATF_TC_WITHOUT_HEAD(echo_real_ping_socket);
ATF_TC_BODY(echo_real_ping_socket, tc)
{
	struct fake f;
	struct sockaddr_in sin;
	uint8_t b[2100];
	size_t n;
	int fd, i;

	if (private_netns_with_ping() == -1)
		atf_tc_skip("needs root to create a network namespace");
	fake_init(&f);
	fake_start(&f);
	/* Loopback named directly goes to the host, as .2 would. */
	n = echo_dgram(b, A("127.0.0.1"), 0x4321, 11, 100);
	stack_input(f.s, b, n);
	n = echo_dgram(b, A("127.0.0.1"), 0x4321, 12, 100);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nreq, 1);
	ATF_CHECK_EQ(f.req[0].proto, IPPROTO_ICMP);
	ATF_CHECK_EQ(f.req[0].addr, A("127.0.0.1"));
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK,
	    IPPROTO_ICMP)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = A("127.0.0.1");
	ATF_REQUIRE(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	f.req[0].answered = 1;
	stack_socket_reply(f.s, f.req[0].id, fd, 0);
	for (i = 0; i < 200 && f.nout < 2; i++)
		fake_poll(&f, 10);
	ATF_REQUIRE_EQ(f.nout, 2);
	check_echo_reply(&f, 0, A("127.0.0.1"), 0x4321, 11, 100);
	check_echo_reply(&f, 1, A("127.0.0.1"), 0x4321, 12, 100);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_bad, 0);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(echo_bounds);
ATF_TC_BODY(echo_bounds, tc)
{
	struct fake f;
	uint8_t b[200], r[200], first[200];
	size_t n;
	ssize_t k;
	uint16_t i, sum;
	int peer, got = 0;

	fake_init(&f);
	fake_start(&f);
	/* Only a few echoes wait for the socket; the rest are counted. */
	for (i = 0; i < 10; i++) {
		n = echo_dgram(b, FAR, 7, i, 8);
		stack_input(f.s, b, n);
	}
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_timeout, 6);
	peer = fake_answer_pair(&f, 0);
	/* 70 more: the table holds 64, the oldest give way. */
	for (i = 10; i < 80; i++) {
		n = echo_dgram(b, FAR, 7, i, 8);
		stack_input(f.s, b, n);
	}
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_timeout, 6 + 10);
	while ((k = recv(peer, r, sizeof(r), 0)) > 0) {
		if (got++ == 0)
			memcpy(first, r, (size_t)k);
	}
	ATF_CHECK_EQ(got, 74);
	/* The first (evicted) gets nothing; the last is answered. */
	first[0] = 0;
	first[2] = first[3] = 0;
	sum = in_cksum(first, 16);
	memcpy(first + 2, &sum, 2);
	ATF_REQUIRE_EQ(send(peer, first, 16, 0), 16);
	r[0] = 0;
	r[2] = r[3] = 0;
	sum = in_cksum(r, 16);
	memcpy(r + 2, &sum, 2);
	ATF_REQUIRE_EQ(send(peer, r, 16, 0), 16);
	fake_wait_out(&f, 1);
	fake_poll(&f, 50);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_echo_reply(&f, 0, FAR, 7, 79, 8);
	ATF_CHECK_EQ(stack_stats(f.s)->icmp_bad, 1);
	fake_done(&f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, echo_bounds);
	ATF_TP_ADD_TC(tp, echo_real_ping_socket);
	ATF_TP_ADD_TC(tp, echo_local);
	ATF_TP_ADD_TC(tp, bad_input);
	ATF_TP_ADD_TC(tp, echo_host);
	ATF_TP_ADD_TC(tp, echo_raw);
	ATF_TP_ADD_TC(tp, echo_raw_options);
	ATF_TP_ADD_TC(tp, echo_real_raw_socket);
	ATF_TP_ADD_TC(tp, echo_real_ping_broker);
	ATF_TP_ADD_TC(tp, echo_refused);
	ATF_TP_ADD_TC(tp, error_rules);
	return atf_no_error();
}
