/*
 * The DNS relay at 10.0.2.3:53 against fake upstream resolvers on
 * 127.0.0.1 sockets the test opens: id rewriting keeps two concurrent
 * queries with one id from two guest ports apart, bad answers are
 * counted, a silent upstream gives way to the next one.
 */
#include "harness.h"
#include "udp_var.h"

#define GUEST	A("10.0.2.15")
#define RELAY	A("10.0.2.3")

static int
upstream(in_port_t *port)
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

/* A query: header with id and one question for name. */
static size_t
query(uint8_t *q, uint16_t id, char tag)
{
	static const uint8_t qn[] = { 3, 'w', 'w', 'w', 1, 'x', 0, 0, 1,
	    0, 1 };

	memset(q, 0, 12);
	put16(q, id);
	q[2] = 0x01;				/* RD */
	put16(q + 4, 1);
	memcpy(q + 12, qn, sizeof(qn));
	q[17] = (uint8_t)tag;			/* tells the queries apart */
	return 12 + sizeof(qn);
}

struct upq {
	uint8_t		 m[600];
	ssize_t		 len;
	struct sockaddr_in from;
	socklen_t	 fl;
};

static void
up_recv(int fd, struct upq *u)
{
	struct pollfd p = { fd, POLLIN, 0 };

	ATF_REQUIRE(poll(&p, 1, 2000) == 1);
	u->fl = sizeof(u->from);
	u->len = recvfrom(fd, u->m, sizeof(u->m), 0,
	    (struct sockaddr *)&u->from, &u->fl);
	ATF_REQUIRE(u->len >= 12);
}

/* Answer u: the query turned into a response, flags as given. */
static void
up_answer(int fd, struct upq *u, uint8_t flags2)
{
	uint8_t a[600];

	memcpy(a, u->m, (size_t)u->len);
	a[2] = 0x80 | flags2;			/* QR */
	a[3] = 0x80;				/* RA */
	ATF_REQUIRE(sendto(fd, a, (size_t)u->len, 0,
	    (struct sockaddr *)&u->from, u->fl) == u->len);
}

static void
guest_query(struct fake *f, uint16_t sport, uint16_t id, char tag)
{
	uint8_t q[64], b[200];

	stack_input(f->s, b, mk_udp(b, GUEST, sport, RELAY, 53, q,
	    query(q, id, tag)));
}

/* Output i is the answer to (sport, id, tag) from the relay. */
static void
check_answer(struct fake *f, size_t i, uint16_t sport, uint16_t id, char tag)
{
	const uint8_t *p;

	ATF_REQUIRE(i < f->nout);
	p = f->out[i].p;
	check_ip(p, f->out[i].len, 1500);
	ATF_CHECK_EQ(p[9], IPPROTO_UDP);
	ATF_CHECK(memcmp(p + 12, &(in_addr_t){ RELAY }, 4) == 0);
	ATF_CHECK(memcmp(p + 16, &(in_addr_t){ GUEST }, 4) == 0);
	ATF_CHECK_EQ(get16(p + 20), 53);
	ATF_CHECK_EQ(get16(p + 22), sport);
	ATF_CHECK_EQ(cksum_fold(cksum_add(cksum_pseudo(RELAY, GUEST,
	    IPPROTO_UDP, (uint16_t)(f->out[i].len - 20)), p + 20,
	    f->out[i].len - 20)), 0);
	ATF_CHECK_EQ(get16(p + 28), id);
	ATF_CHECK(p[30] & 0x80);
	ATF_CHECK_EQ(p[28 + 17], (uint8_t)tag);
	ATF_CHECK_EQ(f->out[i].prio, STACK_PRIO_INTERACTIVE);
}

ATF_TC_WITHOUT_HEAD(same_id_two_ports);
ATF_TC_BODY(same_id_two_ports, tc)
{
	struct fake f;
	struct upq u1, u2;
	in_port_t port;
	int up;

	up = upstream(&port);
	fake_init(&f);
	f.cfg.dns_upstream[0] = htonl(INADDR_LOOPBACK);
	f.cfg.dns_upstream_port[0] = port;
	f.cfg.ndns = 1;
	fake_start(&f);
	guest_query(&f, 1111, 0x1234, 'a');
	guest_query(&f, 2222, 0x1234, 'b');
	/* One socket for the upstream, whatever the number of queries. */
	ATF_REQUIRE_EQ(f.nreq, 1);
	ATF_CHECK_EQ(f.req[0].addr, htonl(INADDR_LOOPBACK));
	ATF_CHECK_EQ(f.req[0].port, port);
	fake_answer_udp(&f, 0);
	up_recv(up, &u1);
	up_recv(up, &u2);
	ATF_CHECK_EQ(u1.m[17], 'a');
	ATF_CHECK_EQ(u2.m[17], 'b');
	ATF_CHECK(get16(u1.m) != get16(u2.m));
	/* Answered in reverse order; each reaches its own port. */
	up_answer(up, &u2, 0);
	up_answer(up, &u1, 0x02);		/* TC: passed through */
	fake_wait_out(&f, 2);
	ATF_REQUIRE_EQ(f.nout, 2);
	check_answer(&f, 0, 2222, 0x1234, 'b');
	check_answer(&f, 1, 1111, 0x1234, 'a');
	ATF_CHECK(f.out[1].p[30] & 0x02);
	ATF_CHECK_EQ(stack_stats(f.s)->dns_answers, 2);
	ATF_CHECK_EQ(stack_stats(f.s)->dns_queries, 2);
	fake_clear(&f);
	/* A repeated answer, a short one, an unknown id, a query: bad. */
	up_answer(up, &u1, 0);
	ATF_REQUIRE(sendto(up, u1.m, 11, 0, (struct sockaddr *)&u1.from,
	    u1.fl) == 11);
	put16(u1.m, (uint16_t)(get16(u2.m) + 1));
	up_answer(up, &u1, 0);
	ATF_REQUIRE(sendto(up, u2.m, (size_t)u2.len, 0,
	    (struct sockaddr *)&u2.from, u2.fl) == u2.len);
	fake_poll(&f, 200);
	fake_poll(&f, 50);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->dns_bad, 4);
	/* Nothing left in flight: no timer. */
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);
	fake_done(&f);
	close(up);
}

ATF_TC_WITHOUT_HEAD(fallback);
ATF_TC_BODY(fallback, tc)
{
	struct fake f;
	struct upq u1, u2;
	in_port_t p1, p2;
	int up1, up2;

	up1 = upstream(&p1);
	up2 = upstream(&p2);
	fake_init(&f);
	f.cfg.dns_upstream[0] = htonl(INADDR_LOOPBACK);
	f.cfg.dns_upstream_port[0] = p1;
	f.cfg.dns_upstream[1] = htonl(INADDR_LOOPBACK);
	f.cfg.dns_upstream_port[1] = p2;
	f.cfg.ndns = 2;
	fake_start(&f);
	guest_query(&f, 3333, 0x4242, 'c');
	ATF_REQUIRE_EQ(f.nreq, 1);
	fake_answer_udp(&f, 0);
	up_recv(up1, &u1);			/* and never answered */
	ATF_CHECK_EQ(stack_next_timer(f.s), 2000);
	fake_advance(&f, 2000);
	ATF_REQUIRE_EQ(f.nreq, 2);
	ATF_CHECK_EQ(f.req[1].port, p2);
	fake_answer_udp(&f, 1);
	up_recv(up2, &u2);
	ATF_CHECK_EQ(u2.m[17], 'c');
	up_answer(up2, &u2, 0);
	fake_wait_out(&f, 1);
	ATF_REQUIRE_EQ(f.nout, 1);
	check_answer(&f, 0, 3333, 0x4242, 'c');
	fake_clear(&f);
	/* The first upstream waking up late is not believed. */
	up_answer(up1, &u1, 0);
	fake_poll(&f, 200);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK_EQ(stack_stats(f.s)->dns_bad, 1);

	/* Nobody answers at all: given up after every upstream. */
	guest_query(&f, 3334, 1, 'd');
	up_recv(up1, &u1);
	fake_advance(&f, 2000);
	up_recv(up2, &u2);
	fake_advance(&f, 2000);
	ATF_CHECK_EQ(stack_stats(f.s)->dns_timeout, 1);
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);
	ATF_CHECK_EQ(f.nout, 0);
	fake_done(&f);
	close(up1);
	close(up2);
}

ATF_TC_WITHOUT_HEAD(bad_queries);
ATF_TC_BODY(bad_queries, tc)
{
	struct fake f;
	uint8_t q[64], b[200];

	fake_init(&f);
	f.cfg.dns_upstream[0] = htonl(INADDR_LOOPBACK);
	f.cfg.dns_upstream_port[0] = htons(9);
	f.cfg.ndns = 1;
	fake_start(&f);
	/* Shorter than a header, or a response rather than a query. */
	stack_input(f.s, b, mk_udp(b, GUEST, 1000, RELAY, 53, q, 11));
	query(q, 1, 'x');
	q[2] |= 0x80;
	stack_input(f.s, b, mk_udp(b, GUEST, 1000, RELAY, 53, q, 20));
	ATF_CHECK_EQ(stack_stats(f.s)->dns_bad, 2);
	ATF_CHECK_EQ(f.nreq, 0);
	/* The upstream socket refused: the query times out, counted. */
	guest_query(&f, 1000, 5, 'y');
	ATF_REQUIRE_EQ(f.nreq, 1);
	{
		in_addr_t a;
		in_port_t p;

		ATF_CHECK_EQ(dns_upstream_pick(f.s, &a, &p), 0);
		ATF_CHECK_EQ(a, htonl(INADDR_LOOPBACK));
		ATF_CHECK_EQ(p, htons(9));
	}
	fake_answer_err(&f, 0, EACCES);
	fake_advance(&f, 2000);
	fake_advance(&f, 2000);
	ATF_CHECK_EQ(stack_stats(f.s)->dns_timeout, 1);
	fake_done(&f);

	/* No upstream configured: port unreachable. */
	fake_init(&f);
	fake_start(&f);
	{
		in_addr_t a;
		in_port_t p;

		ATF_CHECK_EQ(dns_upstream_pick(f.s, &a, &p), -1);
	}
	guest_query(&f, 1000, 5, 'z');
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(f.out[0].p[20], 3);
	ATF_CHECK_EQ(f.out[0].p[21], 3);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(down_upstream_skipped);
ATF_TC_BODY(down_upstream_skipped, tc)
{
	struct fake f;
	in_addr_t a;
	in_port_t p;

	fake_init(&f);
	f.cfg.dns_upstream[0] = htonl(INADDR_LOOPBACK);
	f.cfg.dns_upstream_port[0] = htons(5353);
	f.cfg.dns_upstream[1] = htonl(INADDR_LOOPBACK + 1);
	f.cfg.ndns = 2;
	fake_start(&f);
	guest_query(&f, 1000, 5, 'y');
	ATF_REQUIRE_EQ(f.nreq, 1);
	/* The first upstream's socket is refused: the query moves on. */
	fake_answer_err(&f, 0, EACCES);
	ATF_REQUIRE_EQ(f.nreq, 2);
	ATF_CHECK_EQ(f.req[1].addr, htonl(INADDR_LOOPBACK + 1));
	ATF_CHECK_EQ(f.req[1].port, htons(53));
	ATF_CHECK_EQ(dns_upstream_pick(f.s, &a, &p), 0);
	ATF_CHECK_EQ(a, htonl(INADDR_LOOPBACK + 1));
	ATF_CHECK_EQ(p, htons(53));
	/* Down is not forever. */
	fake_advance(&f, 30000);
	ATF_CHECK_EQ(dns_upstream_pick(f.s, &a, &p), 0);
	ATF_CHECK_EQ(a, htonl(INADDR_LOOPBACK));
	ATF_CHECK_EQ(p, htons(5353));
	fake_done(&f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, down_upstream_skipped);
	ATF_TP_ADD_TC(tp, same_id_two_ports);
	ATF_TP_ADD_TC(tp, fallback);
	ATF_TP_ADD_TC(tp, bad_queries);
	return atf_no_error();
}
