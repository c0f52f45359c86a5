/*
 * A unit and a stack glued together the way the engine does it: SLIP
 * frames from the line go to stack_input(), the stack's output goes to
 * unit_enqueue() and out through unit_flush().  A ping to 10.0.2.3 and
 * a DNS query with no upstream (port unreachable) cross the line.
 */
#include <sys/socket.h>
#include <fcntl.h>

#include "harness.h"
#include "unit.h"

struct glue {
	struct unit	*u;
	struct stack	*s;
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

struct frames {
	uint8_t		 f[8][2000];
	size_t		 len[8];
	size_t		 n;
};

static void
collect(void *arg, const uint8_t *p, size_t len)
{
	struct frames *fr = arg;

	ATF_REQUIRE(fr->n < 8 && len <= 2000);
	memcpy(fr->f[fr->n], p, len);
	fr->len[fr->n++] = len;
}

ATF_TC_WITHOUT_HEAD(ping_over_slip);
ATF_TC_BODY(ping_over_slip, tc)
{
	static const struct stack_ops ops = { g_output, g_room, g_sockreq,
	    NULL };
	struct stack_config cfg;
	struct glue g;
	struct frames fr = { .n = 0 };
	struct slip_dec d;
	uint8_t m[200], b[600], pl[128], q[20] = { 0 }, enc[1000], rd[4096];
	size_t n, e;
	ssize_t r;
	int sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE((g.u = unit_new(sv[0], 1500, 0)) != NULL);
	stack_default_config(&cfg);
	ATF_REQUIRE((g.s = stack_new(&cfg, &ops, &g, 1000)) != NULL);
	/* A ping with END and ESC bytes in it, and a DNS query. */
	memset(pl, SLIP_END, 64);
	memset(pl + 64, SLIP_ESC, 64);
	n = mk_ip(b + 200, IPPROTO_ICMP, A("10.0.2.15"), A("10.0.2.3"), 1, 0,
	    64, m, mk_echo(m, 0xc0db, 0xdbc0, pl, 128));
	e = slip_encode(enc, b + 200, n);
	q[5] = 1;
	n = mk_udp(b, A("10.0.2.15"), 1053, A("10.0.2.3"), 53, q, 20);
	e += slip_encode(enc + e, b, n);
	ATF_REQUIRE_EQ(write(sv[1], enc, e), (ssize_t)e);
	ATF_CHECK_EQ(unit_input(g.u, 1000, g_deliver, &g), UNIT_OK);
	ATF_CHECK_EQ(unit_stats(g.u)->frames_in, 2);
	ATF_CHECK(unit_want_write(g.u));
	ATF_CHECK_EQ(unit_flush(g.u), 0);
	r = read(sv[1], rd, sizeof(rd));
	ATF_REQUIRE(r > 0);
	ATF_REQUIRE(slip_dec_init(&d, 1500) == 0);
	slip_decode(&d, rd, (size_t)r, collect, &fr);
	ATF_REQUIRE_EQ(fr.n, 2);
	/* Both are interactive: in order, the echo reply first. */
	ATF_CHECK_EQ(fr.len[0], 20 + 8 + 128);
	ATF_CHECK_EQ(fr.f[0][20], 0);
	ATF_CHECK_EQ(get16(fr.f[0] + 24), 0xc0db);
	ATF_CHECK_EQ(get16(fr.f[0] + 26), 0xdbc0);
	ATF_CHECK(memcmp(fr.f[0] + 28, pl, 128) == 0);
	ATF_CHECK_EQ(in_cksum(fr.f[0] + 20, fr.len[0] - 20), 0);
	ATF_CHECK_EQ(fr.f[1][20], 3);
	ATF_CHECK_EQ(fr.f[1][21], 3);
	slip_dec_free(&d);
	stack_free(g.s);
	unit_free(g.u);
	close(sv[0]);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ping_over_slip);
	return atf_no_error();
}
