/*
 * UDP flows against a real echo server the test opens on 127.0.0.1
 * (reached as 10.0.2.2 through the host alias): round trip, flow reuse,
 * datagrams held while the socket comes, large replies fragmented at
 * the MTU, idle timeout, refusals as ICMP errors, malformed input.
 */
#include "harness.h"

#define GUEST	A("10.0.2.15")
#define HOST	A("10.0.2.2")

/* A UDP socket on 127.0.0.1, ephemeral port (network order in *port). */
static int
server(in_port_t *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd;

	ATF_REQUIRE((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ATF_REQUIRE(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ATF_REQUIRE(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	*port = sin.sin_port;
	return fd;
}

/* Receive one datagram and send back reply (or the same) to its sender. */
static ssize_t
serve(int fd, uint8_t *buf, size_t sz, const uint8_t *reply, size_t rlen)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	ATF_REQUIRE(poll(&p, 1, 2000) == 1);
	n = recvfrom(fd, buf, sz, 0, (struct sockaddr *)&from, &fl);
	ATF_REQUIRE(n >= 0);
	if (reply == NULL) {
		reply = buf;
		rlen = (size_t)n;
	}
	ATF_REQUIRE(sendto(fd, reply, rlen, 0, (struct sockaddr *)&from,
	    fl) == (ssize_t)rlen);
	return n;
}

/* Output i is UDP from HOST:hport to GUEST:gport carrying d[0..n). */
static void
check_udp(struct fake *f, size_t i, uint16_t hport, uint16_t gport,
    const uint8_t *d, size_t n)
{
	const uint8_t *p;
	size_t hl;

	ATF_REQUIRE(i < f->nout);
	p = f->out[i].p;
	hl = check_ip(p, f->out[i].len, 1500);
	ATF_REQUIRE_EQ(f->out[i].len, hl + 8 + n);
	ATF_CHECK_EQ(p[9], IPPROTO_UDP);
	ATF_CHECK(memcmp(p + 12, &(in_addr_t){ HOST }, 4) == 0);
	ATF_CHECK(memcmp(p + 16, &(in_addr_t){ GUEST }, 4) == 0);
	ATF_CHECK_EQ(get16(p + hl), hport);
	ATF_CHECK_EQ(get16(p + hl + 2), gport);
	ATF_CHECK_EQ(get16(p + hl + 4), 8 + n);
	ATF_CHECK_EQ(cksum_fold(cksum_add(cksum_pseudo(HOST, GUEST,
	    IPPROTO_UDP, (uint16_t)(8 + n)), p + hl, 8 + n)), 0);
	ATF_CHECK(memcmp(p + hl + 8, d, n) == 0);
}

ATF_TC_WITHOUT_HEAD(round_trip);
ATF_TC_BODY(round_trip, tc)
{
	struct fake f;
	uint8_t b[2000], buf[2000];
	in_port_t port;
	size_t n;
	int srv;

	srv = server(&port);
	fake_init(&f);
	fake_start(&f);
	n = mk_udp(b, GUEST, 4000, HOST, ntohs(port),
	    (const uint8_t *)"hello", 5);
	stack_input(f.s, b, n);
	n = mk_udp(b, GUEST, 4000, HOST, ntohs(port),
	    (const uint8_t *)"again", 5);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nreq, 1);
	ATF_CHECK_EQ(f.req[0].proto, IPPROTO_UDP);
	ATF_CHECK_EQ(f.req[0].addr, htonl(INADDR_LOOPBACK));
	ATF_CHECK_EQ(f.req[0].port, port);
	fake_answer_udp(&f, 0);
	/* Both held datagrams reach the server, in order. */
	ATF_CHECK_EQ(serve(srv, buf, sizeof(buf), (const uint8_t *)"HELLO",
	    5), 5);
	ATF_CHECK(memcmp(buf, "hello", 5) == 0);
	ATF_CHECK_EQ(serve(srv, buf, sizeof(buf), NULL, 0), 5);
	ATF_CHECK(memcmp(buf, "again", 5) == 0);
	fake_wait_out(&f, 2);
	check_udp(&f, 0, ntohs(port), 4000, (const uint8_t *)"HELLO", 5);
	check_udp(&f, 1, ntohs(port), 4000, (const uint8_t *)"again", 5);
	fake_clear(&f);
	/* The flow is reused; an empty datagram works too. */
	n = mk_udp(b, GUEST, 4000, HOST, ntohs(port), buf, 0);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(serve(srv, buf, sizeof(buf), NULL, 0), 0);
	fake_wait_out(&f, 1);
	check_udp(&f, 0, ntohs(port), 4000, buf, 0);
	ATF_CHECK_EQ(f.nreq, 1);
	/* Another guest port is another flow. */
	n = mk_udp(b, GUEST, 4001, HOST, ntohs(port), buf, 3);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nreq, 2);
	ATF_CHECK_EQ(f.s->nflows, 2);
	ATF_CHECK_EQ(stack_stats(f.s)->udp_flows, 2);
	fake_done(&f);
	close(srv);
}

static void
big_reply(unsigned int mtu, size_t len)
{
	struct fake f;
	static uint8_t b[70000], buf[70000], big[70000];
	uint8_t proto;
	in_addr_t src, dst;
	in_port_t port;
	size_t n, i;
	long got;
	int srv;

	for (i = 0; i < len; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	srv = server(&port);
	fake_init(&f);
	f.cfg.mtu = mtu;
	fake_start(&f);
	n = mk_udp(b, GUEST, 5353, HOST, ntohs(port), (const uint8_t *)"q",
	    1);
	stack_input(f.s, b, n);
	fake_answer_udp(&f, 0);
	serve(srv, buf, sizeof(buf), big, len);
	for (i = 0; i < 200 && out_reasm(&f, 0, buf, sizeof(buf), mtu,
	    &proto, &src, &dst) < 0; i++)
		fake_poll(&f, 10);
	got = out_reasm(&f, 0, buf, sizeof(buf), mtu, &proto, &src, &dst);
	ATF_REQUIRE_EQ(got, (long)(8 + len));
	ATF_CHECK(f.nout > 1);
	ATF_CHECK_EQ(proto, IPPROTO_UDP);
	ATF_CHECK_EQ(src, HOST);
	ATF_CHECK_EQ(dst, GUEST);
	ATF_CHECK_EQ(cksum_fold(cksum_add(cksum_pseudo(HOST, GUEST,
	    IPPROTO_UDP, (uint16_t)(8 + len)), buf, 8 + len)), 0);
	ATF_CHECK(memcmp(buf + 8, big, len) == 0);
	fake_done(&f);
	close(srv);
}

ATF_TC_WITHOUT_HEAD(fragmented_reply_296);
ATF_TC_BODY(fragmented_reply_296, tc)
{
	big_reply(296, 4000);
}

ATF_TC_WITHOUT_HEAD(fragmented_reply_1500);
ATF_TC_BODY(fragmented_reply_1500, tc)
{
	big_reply(1500, 60000);
}

ATF_TC_WITHOUT_HEAD(idle_timeout);
ATF_TC_BODY(idle_timeout, tc)
{
	struct fake f;
	uint8_t b[200];
	in_port_t port;
	size_t n;
	int srv;

	srv = server(&port);
	fake_init(&f);
	f.cfg.udp_idle = 5;
	fake_start(&f);
	n = mk_udp(b, GUEST, 4000, HOST, ntohs(port), b, 4);
	stack_input(f.s, b, n);
	fake_answer_udp(&f, 0);
	ATF_CHECK_EQ(stack_next_timer(f.s), 5000);
	fake_advance(&f, 4000);
	stack_input(f.s, b, n);			/* activity restarts it */
	fake_advance(&f, 4999);
	ATF_CHECK_EQ(f.s->nflows, 1);
	fake_advance(&f, 1);
	ATF_CHECK_EQ(f.s->nflows, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->udp_timeout, 1);
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);
	/* A new datagram asks for a new socket. */
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nreq, 2);
	fake_done(&f);
	close(srv);
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	struct fake f;
	uint8_t b[200];
	in_port_t port;
	size_t n;
	int srv, i;

	/* A port nobody listens on: the kernel says ECONNREFUSED. */
	srv = server(&port);
	close(srv);
	fake_init(&f);
	fake_start(&f);
	n = mk_udp(b, GUEST, 4000, HOST, ntohs(port), b, 4);
	stack_input(f.s, b, n);
	fake_answer_udp(&f, 0);
	for (i = 0; i < 100 && f.nout == 0; i++) {
		fake_poll(&f, 10);
		if (f.nout == 0 && i % 10 == 9)
			stack_input(f.s, b, n);
	}
	ATF_REQUIRE(f.nout >= 1);
	ATF_CHECK_EQ(f.out[0].p[20], 3);
	ATF_CHECK_EQ(f.out[0].p[21], 3);
	ATF_CHECK(memcmp(f.out[0].p + 12, &(in_addr_t){ HOST }, 4) == 0);
	ATF_CHECK(memcmp(f.out[0].p + 28, b, 28) == 0);
	ATF_CHECK(stack_stats(f.s)->udp_refused >= 1);
	fake_clear(&f);

	/* Refused by policy: administratively prohibited, remembered. */
	n = mk_udp(b, GUEST, 4000, HOST, 9, b, 4);
	stack_input(f.s, b, n);
	fake_answer_err(&f, 1, EACCES);
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(f.out[0].p[20], 3);
	ATF_CHECK_EQ(f.out[0].p[21], 13);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nreq, 2);
	ATF_REQUIRE_EQ(f.nout, 2);
	ATF_CHECK_EQ(f.out[1].p[21], 13);
	fake_clear(&f);
	/* The parent saying ECONNREFUSED: port unreachable. */
	n = mk_udp(b, GUEST, 4000, HOST, 10, b, 4);
	stack_input(f.s, b, n);
	fake_answer_err(&f, 2, ECONNREFUSED);
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(f.out[0].p[21], 3);
	fake_clear(&f);
	/* Special addresses with no service: port unreachable. */
	n = mk_udp(b, GUEST, 4000, A("10.0.2.3"), 80, b, 4);
	stack_input(f.s, b, n);
	n = mk_udp(b, GUEST, 4000, A("10.0.2.1"), 80, b, 4);
	stack_input(f.s, b, n);
	ATF_REQUIRE_EQ(f.nout, 2);
	ATF_CHECK_EQ(f.out[0].p[21], 3);
	ATF_CHECK_EQ(f.out[1].p[21], 3);
	ATF_CHECK_EQ(f.nreq, 3);
	fake_done(&f);

	/* Loopback named directly is the host alias, and refused with it. */
	fake_init(&f);
	f.cfg.host_alias = 0;
	fake_start(&f);
	n = mk_udp(b, GUEST, 4000, A("127.0.0.1"), 53, b, 4);
	stack_input(f.s, b, n);
	n = mk_udp(b, GUEST, 4000, HOST, 53, b, 4);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nreq, 0);
	ATF_REQUIRE_EQ(f.nout, 2);
	ATF_CHECK_EQ(f.out[0].p[21], 13);
	ATF_CHECK_EQ(f.out[1].p[21], 13);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(max_flows);
ATF_TC_BODY(max_flows, tc)
{
	struct fake f;
	uint8_t b[200];
	size_t n;

	fake_init(&f);
	f.cfg.max_flows = 2;
	fake_start(&f);
	n = mk_udp(b, GUEST, 4000, HOST, 1000, b, 4);
	stack_input(f.s, b, n);
	n = mk_udp(b, GUEST, 4000, HOST, 1001, b, 4);
	stack_input(f.s, b, n);
	n = mk_udp(b, GUEST, 4000, HOST, 1002, b, 4);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nreq, 2);
	ATF_CHECK_EQ(f.s->nflows, 2);
	ATF_CHECK_EQ(stack_stats(f.s)->flow_limit, 1);
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(f.out[0].p[20], 3);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(malformed);
ATF_TC_BODY(malformed, tc)
{
	struct fake f;
	uint8_t b[200], c[200];
	size_t n;
	uint16_t sum;

	fake_init(&f);
	fake_start(&f);
	n = mk_udp(b, GUEST, 4000, HOST, 1000, b, 16);
	memcpy(c, b, n);
	put16(c + 24, 7);			/* length < header */
	stack_input(f.s, c, n);
	memcpy(c, b, n);
	put16(c + 24, 25);			/* length > datagram */
	stack_input(f.s, c, n);
	memcpy(c, b, n);
	c[30] ^= 0xff;				/* checksum */
	stack_input(f.s, c, n);
	/* Too short for a UDP header at all. */
	n = mk_ip(c, IPPROTO_UDP, GUEST, HOST, 1, 0, 64, b, 6);
	stack_input(f.s, c, n);
	memcpy(c, b, 44);
	put16(c + 20, 0);			/* source port 0 */
	c[26] = c[27] = 0;
	stack_input(f.s, c, 44);
	ATF_CHECK_EQ(stack_stats(f.s)->udp_bad, 5);
	ATF_CHECK_EQ(f.nreq, 0);
	/* Checksum 0 means none; a shorter UDP length trims. */
	memcpy(c, b, 44);
	c[26] = c[27] = 0;
	stack_input(f.s, c, 44);
	memcpy(c, b, 44);
	put16(c + 24, 12);
	put16(c + 20, 4001);
	c[26] = c[27] = 0;
	stack_input(f.s, c, 44);
	ATF_CHECK_EQ(stack_stats(f.s)->udp_bad, 5);
	ATF_CHECK_EQ(f.nreq, 2);
	(void)sum;
	fake_done(&f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, fragmented_reply_296);
	ATF_TP_ADD_TC(tp, fragmented_reply_1500);
	ATF_TP_ADD_TC(tp, idle_timeout);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, max_flows);
	ATF_TP_ADD_TC(tp, malformed);
	return atf_no_error();
}
