/*
 * IPv4: malformed headers counted and dropped, reassembly edge cases
 * (order, overlap, duplicates, size, memory cap, timeout on the fake
 * clock) and fragmentation of output at the MTU.  ICMP echo to the DNS
 * address (answered inside the stack) is the upper layer that shows a
 * datagram got through.
 */
#include "harness.h"

#define GUEST	A("10.0.2.15")
#define DNS	A("10.0.2.3")

static uint8_t pay[65536];

static void
fill_pay(size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		pay[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
}

/* The ICMP echo message carrying pay[0..n) (id 0x77, seq 5). */
static size_t
echo_msg(uint8_t *m, size_t n)
{
	return mk_echo(m, 0x77, 5, pay, n);
}

/* Send message m as fragments [offs[i], offs[i+1]) in the given order. */
static void
send_frags(struct fake *f, const uint8_t *m, size_t mlen, uint16_t id,
    const size_t *offs, size_t nfr, const size_t *order)
{
	uint8_t b[70000];
	size_t i, k, a, e, n;

	for (i = 0; i < nfr; i++) {
		k = order ? order[i] : i;
		a = offs[k];
		e = k + 1 < nfr ? offs[k + 1] : mlen;
		n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, id, (uint16_t)((a / 8) |
		    (e < mlen ? 0x2000 : 0)), 64, m + a, e - a);
		stack_input(f->s, b, n);
	}
}

/* The outputs hold exactly one echo reply carrying pay[0..n). */
static void
check_reply(struct fake *f, size_t n, unsigned int mtu)
{
	static uint8_t buf[70000];
	uint8_t proto;
	in_addr_t src, dst;
	long got;

	got = out_reasm(f, 0, buf, sizeof(buf), mtu, &proto, &src, &dst);
	ATF_REQUIRE_EQ(got, (long)(8 + n));
	ATF_CHECK_EQ(proto, IPPROTO_ICMP);
	ATF_CHECK_EQ(src, DNS);
	ATF_CHECK_EQ(dst, GUEST);
	ATF_CHECK_EQ(buf[0], 0);
	ATF_CHECK_EQ(get16(buf + 4), 0x77);
	ATF_CHECK_EQ(get16(buf + 6), 5);
	ATF_CHECK_EQ(in_cksum(buf, (size_t)got), 0);
	ATF_CHECK(memcmp(buf + 8, pay, n) == 0);
}

ATF_TC_WITHOUT_HEAD(malformed);
ATF_TC_BODY(malformed, tc)
{
	struct fake f;
	uint8_t m[64], b[128], c[128];
	size_t n, ml;
	const struct stack_stats *st;
	uint16_t sum;

	fake_init(&f);
	fake_start(&f);
	st = stack_stats(f.s);
	fill_pay(16, 1);
	ml = echo_msg(m, 16);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 1, 0, 64, m, ml);

	/* The good one is answered. */
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nout, 1);
	fake_clear(&f);

	stack_input(f.s, b, 19);
	ATF_CHECK_EQ(st->ip_bad_len, 1);
	memcpy(c, b, n);
	c[0] = 0x65;
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bad_ver, 1);
	memcpy(c, b, n);
	c[0] = 0x44;				/* IHL 16 bytes */
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bad_hdr, 1);
	memcpy(c, b, n);
	c[0] = 0x4f;				/* IHL 60 > datagram */
	stack_input(f.s, c, 40);
	ATF_CHECK_EQ(st->ip_bad_hdr, 2);
	memcpy(c, b, n);
	stack_input(f.s, c, n - 1);		/* total length > buffer */
	ATF_CHECK_EQ(st->ip_bad_len, 2);
	memcpy(c, b, n);
	put16(c + 2, 12);			/* total < header */
	c[10] = c[11] = 0;
	sum = in_cksum(c, 20);
	memcpy(c + 10, &sum, 2);
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bad_len, 3);
	memcpy(c, b, n);
	c[10] ^= 0x55;
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bad_sum, 1);

	/* Spoofed and unset sources, broadcast and multicast targets. */
	n = mk_ip(c, IPPROTO_ICMP, A("10.0.2.16"), DNS, 1, 0, 64, m, ml);
	stack_input(f.s, c, n);
	n = mk_ip(c, IPPROTO_ICMP, A("0.0.0.0"), DNS, 1, 0, 64, m, ml);
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bad_addr, 2);
	n = mk_ip(c, IPPROTO_ICMP, GUEST, A("255.255.255.255"), 1, 0, 64, m,
	    ml);
	stack_input(f.s, c, n);
	n = mk_ip(c, IPPROTO_ICMP, GUEST, A("10.0.2.255"), 1, 0, 64, m, ml);
	stack_input(f.s, c, n);
	n = mk_ip(c, IPPROTO_UDP, GUEST, A("224.0.0.251"), 1, 0, 64, m, ml);
	stack_input(f.s, c, n);
	n = mk_ip(c, IPPROTO_UDP, GUEST, A("0.0.0.0"), 1, 0, 64, m, ml);
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bcast, 4);

	n = mk_ip(c, IPPROTO_ICMP, GUEST, DNS, 1, 0, 0, m, ml);
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_ttl0, 1);
	n = mk_ip(c, 99, GUEST, DNS, 1, 0, 64, m, ml);
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_noproto, 1);
	/* A fragment that is not a multiple of 8 and not the last. */
	n = mk_ip(c, IPPROTO_ICMP, GUEST, DNS, 1, 0x2000, 64, m, 12);
	stack_input(f.s, c, n);
	ATF_CHECK_EQ(st->ip_bad_len, 4);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK_EQ(st->ip_in, 17);

	/* Options are skipped; padding after the datagram is ignored. */
	c[0] = 0x46;
	c[1] = 0;
	put16(c + 2, (uint16_t)(24 + ml));
	memcpy(c + 4, b + 4, 8);
	c[10] = c[11] = 0;
	memcpy(c + 12, b + 12, 8);
	c[20] = 1; c[21] = 1; c[22] = 1; c[23] = 0;	/* NOPs, EOL */
	sum = in_cksum(c, 24);
	memcpy(c + 10, &sum, 2);
	memcpy(c + 24, m, ml);
	stack_input(f.s, c, 24 + ml + 3);
	ATF_CHECK_EQ(st->ip_opts, 1);
	ATF_CHECK_EQ(f.nout, 1);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(ttl_exceeded);
ATF_TC_BODY(ttl_exceeded, tc)
{
	struct fake f;
	uint8_t b[128], u[8] = { 0 };
	size_t n;

	fake_init(&f);
	fake_start(&f);
	/* TTL 1 towards a real host ends at the "router": time exceeded. */
	n = mk_udp(b, GUEST, 3333, A("198.51.100.1"), 33434, u, 8);
	b[8] = 1;
	b[10] = b[11] = 0;
	{
		uint16_t sum = in_cksum(b, 20);
		memcpy(b + 10, &sum, 2);
	}
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_ttl0, 1);
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(f.out[0].p[9], IPPROTO_ICMP);
	ATF_CHECK_EQ(f.out[0].p[20], 11);
	ATF_CHECK_EQ(f.out[0].p[21], 0);
	ATF_CHECK(memcmp(f.out[0].p + 12, (uint8_t[]){ 10, 0, 2, 2 }, 4)
	    == 0);
	ATF_CHECK_EQ(f.nreq, 0);
	fake_done(&f);
}

static void
reasm_case(const size_t *offs, size_t nfr, const size_t *order, size_t plen)
{
	struct fake f;
	static uint8_t m[70000];
	size_t ml;

	fake_init(&f);
	fake_start(&f);
	fill_pay(plen, (unsigned int)nfr);
	ml = echo_msg(m, plen);
	send_frags(&f, m, ml, 42, offs, nfr, order);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_reasm_ok, 1);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_frag_in, nfr);
	check_reply(&f, plen, 1500);
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(reasm_inorder);
ATF_TC_BODY(reasm_inorder, tc)
{
	const size_t offs[] = { 0, 800, 1600, 2400 };

	reasm_case(offs, 4, NULL, 3000);
}

ATF_TC_WITHOUT_HEAD(reasm_reverse);
ATF_TC_BODY(reasm_reverse, tc)
{
	const size_t offs[] = { 0, 8, 1000, 2000, 2008 };
	const size_t order[] = { 4, 3, 2, 1, 0 };

	reasm_case(offs, 5, order, 2500);
}

ATF_TC_WITHOUT_HEAD(reasm_max_size);
ATF_TC_BODY(reasm_max_size, tc)
{
	/* The largest datagram there is: 65535 bytes in 45 fragments. */
	size_t offs[45], i;
	const size_t plen = 65535 - 20 - 8;

	for (i = 0; i < 45; i++)
		offs[i] = i * 1480;
	reasm_case(offs, 45, NULL, plen);
}

ATF_TC_WITHOUT_HEAD(reasm_overlap_dup);
ATF_TC_BODY(reasm_overlap_dup, tc)
{
	struct fake f;
	static uint8_t m[4000], bad[4000];
	uint8_t b[5000];
	size_t ml, n;

	fake_init(&f);
	fake_start(&f);
	fill_pay(2000, 3);
	ml = echo_msg(m, 2000);
	memset(bad, 0xee, sizeof(bad));
	/* [0,800) then [400,1200) whose overlap is garbage: first wins. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 9, 0x2000, 64, m, 800);
	stack_input(f.s, b, n);
	memcpy(bad + 800, m + 800, 400);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 9, 0x2000 | (400 / 8), 64,
	    bad + 400, 800);
	stack_input(f.s, b, n);
	/* A duplicate, then one spanning two holes and held bytes. */
	stack_input(f.s, b, n);
	memcpy(bad, m, sizeof(bad));
	memset(bad + 1200, 0xee, 400);		/* will be held by then */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 9, 0x2000 | (1200 / 8), 64,
	    m + 1200, 400);
	stack_input(f.s, b, n);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 9, 0x2000 | (1000 / 8), 64,
	    bad + 1000, 800);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nout, 0);
	/* The last fragment overlaps the tail too. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 9, 1600 / 8, 64, m + 1600,
	    ml - 1600);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_reasm_ok, 1);
	check_reply(&f, 2000, 1500);
	/* A late duplicate starts a new queue that then times out. */
	fake_clear(&f);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 9, 0x2000, 64, m, 800);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nout, 0);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(reasm_bad);
ATF_TC_BODY(reasm_bad, tc)
{
	struct fake f;
	static uint8_t m[4000];
	uint8_t b[5000];
	size_t n;
	const struct stack_stats *st;

	fake_init(&f);
	fake_start(&f);
	st = stack_stats(f.s);
	fill_pay(3000, 4);
	echo_msg(m, 3000);
	/* Ending beyond 65535 bytes. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 5, 0x2000, 64, m, 800);
	stack_input(f.s, b, n);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 5, 8100, 64, m, 1000);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(st->ip_reasm_drop, 1);
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);	/* queue gone */
	/* Two different ends for one datagram. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 6, 100, 64, m, 40);
	stack_input(f.s, b, n);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 6, 200, 64, m, 40);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(st->ip_reasm_drop, 2);
	/* Data past a known end. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 7, 10, 64, m, 40);
	stack_input(f.s, b, n);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 7, 0x2000 | 12, 64, m, 40);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(st->ip_reasm_drop, 3);
	/* A last fragment before data already held beyond it. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 8, 0x2000 | 50, 64, m, 80);
	stack_input(f.s, b, n);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 8, 10, 64, m, 40);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(st->ip_reasm_drop, 4);
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);
	ATF_CHECK_EQ(f.nout, 0);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(reasm_memory_cap);
ATF_TC_BODY(reasm_memory_cap, tc)
{
	struct fake f;
	static uint8_t m[4000];
	uint8_t b[5000];
	size_t n, ml;
	uint16_t id;
	const size_t offs[] = { 0, 1000 };

	fake_init(&f);
	f.cfg.reasm_max = 8192;
	fake_start(&f);
	fill_pay(1992, 5);
	ml = echo_msg(m, 1992);
	/* Ten half datagrams of ~1000 bytes each cannot all be held. */
	for (id = 100; id < 110; id++) {
		n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, id, 0x2000, 64, m, 1000);
		stack_input(f.s, b, n);
	}
	ATF_CHECK(stack_stats(f.s)->ip_reasm_drop >= 3);
	/* The oldest went first: completing it now gives nothing... */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 100, 1000 / 8, 64, m + 1000,
	    ml - 1000);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nout, 0);
	/* ...while the newest completes. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 109, 1000 / 8, 64, m + 1000,
	    ml - 1000);
	stack_input(f.s, b, n);
	check_reply(&f, 1992, 1500);
	fake_clear(&f);
	/* A datagram larger than the whole cap never completes. */
	fake_done(&f);
	fake_init(&f);
	f.cfg.reasm_max = 1500;
	fake_start(&f);
	send_frags(&f, m, ml, 200, offs, 2, NULL);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK(stack_stats(f.s)->ip_reasm_drop >= 1);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(reasm_timeout);
ATF_TC_BODY(reasm_timeout, tc)
{
	struct fake f;
	static uint8_t m[4000];
	uint8_t b[5000];
	size_t n, ml;

	fake_init(&f);
	fake_start(&f);
	fill_pay(1992, 6);
	ml = echo_msg(m, 1992);
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 300, 0x2000, 64, m, 1000);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(stack_next_timer(f.s), 30000);
	fake_advance(&f, 29999);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_reasm_timeout, 0);
	ATF_CHECK_EQ(stack_next_timer(f.s), 1);
	fake_advance(&f, 1);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_reasm_timeout, 1);
	ATF_CHECK_EQ(stack_next_timer(f.s), -1);
	/* RFC 792: time exceeded, code 1, quoting the first fragment. */
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(f.out[0].p[20], 11);
	ATF_CHECK_EQ(f.out[0].p[21], 1);
	ATF_CHECK_EQ(f.out[0].len, 20 + 8 + 20 + 8);
	ATF_CHECK_EQ(in_cksum(f.out[0].p + 20, f.out[0].len - 20), 0);
	ATF_CHECK_EQ(get16(f.out[0].p + 28 + 4), 300);
	fake_clear(&f);
	/* The rest arrives too late and is itself incomplete. */
	n = mk_ip(b, IPPROTO_ICMP, GUEST, DNS, 300, 1000 / 8, 64, m + 1000,
	    ml - 1000);
	stack_input(f.s, b, n);
	ATF_CHECK_EQ(f.nout, 0);
	/* No time exceeded when offset 0 never came. */
	fake_advance(&f, 30000);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_reasm_timeout, 2);
	ATF_CHECK_EQ(f.nout, 0);
	fake_done(&f);
}

static void
frag_out(unsigned int mtu, size_t plen)
{
	struct fake f;
	static uint8_t m[70000];
	size_t ml, i, offs[64];

	fake_init(&f);
	f.cfg.mtu = mtu;
	fake_start(&f);
	fill_pay(plen, mtu);
	ml = echo_msg(m, plen);
	for (i = 0; i * 1480 < ml; i++)
		offs[i] = i * 1480;
	send_frags(&f, m, ml, 500, offs, i, NULL);
	ATF_CHECK_EQ(f.nout, (8 + plen + ((mtu - 20) & ~7u) - 1) /
	    ((mtu - 20) & ~7u));
	ATF_CHECK_EQ(stack_stats(f.s)->ip_frag_out, f.nout);
	for (i = 0; i < f.nout; i++) {
		ATF_CHECK_EQ(get16(f.out[i].p + 4), get16(f.out[0].p + 4));
		ATF_CHECK_EQ(f.out[i].prio, STACK_PRIO_INTERACTIVE);
	}
	check_reply(&f, plen, mtu);
	fake_done(&f);
}

ATF_TC_WITHOUT_HEAD(fragment_296);
ATF_TC_BODY(fragment_296, tc)
{
	frag_out(296, 5000);
}

ATF_TC_WITHOUT_HEAD(fragment_1500);
ATF_TC_BODY(fragment_1500, tc)
{
	frag_out(1500, 20000);
}

ATF_TC_WITHOUT_HEAD(output_df_and_id);
ATF_TC_BODY(output_df_and_id, tc)
{
	struct fake f, g;
	static uint8_t d[3000];
	uint16_t id1, id2;

	fake_init(&f);
	f.cfg.mtu = 576;
	fake_start(&f);
	ATF_CHECK_EQ(ip_output(f.s, IPPROTO_UDP, DNS, GUEST, d, 1000, 0, 1,
	    0), -1);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_df_drop, 1);
	ATF_CHECK_EQ(f.nout, 0);
	ATF_CHECK_EQ(ip_output(f.s, IPPROTO_UDP, DNS, GUEST, d, 556, 0, 1,
	    0), 0);
	ATF_REQUIRE_EQ(f.nout, 1);
	ATF_CHECK_EQ(get16(f.out[0].p + 6), 0x4000);
	ATF_CHECK_EQ(ip_output(f.s, IPPROTO_UDP, DNS, GUEST, d, 10, 0, 0,
	    0), 0);
	id1 = get16(f.out[0].p + 4);
	id2 = get16(f.out[1].p + 4);
	ATF_CHECK_EQ((uint16_t)(id1 + 1), id2);
	/* Too big for IPv4 at all. */
	ATF_CHECK_EQ(ip_output(f.s, IPPROTO_UDP, DNS, GUEST, d, 65516, 0, 0,
	    0), -1);
	/* The unit queue refusing is counted. */
	f.full = 1;
	ATF_CHECK_EQ(ip_output(f.s, IPPROTO_UDP, DNS, GUEST, d, 10, 0, 0,
	    0), -1);
	ATF_CHECK_EQ(stack_stats(f.s)->ip_out_drop, 2);
	/* Ids are per stack, not shared through a static. */
	fake_init(&g);
	fake_start(&g);
	ATF_CHECK_EQ(ip_output(g.s, IPPROTO_UDP, DNS, GUEST, d, 10, 0, 0,
	    0), 0);
	ATF_CHECK_EQ(ip_output(g.s, IPPROTO_UDP, DNS, GUEST, d, 10, 0, 0,
	    0), 0);
	ATF_CHECK_EQ((uint16_t)(get16(g.out[0].p + 4) + 1),
	    get16(g.out[1].p + 4));
	fake_done(&g);
	fake_done(&f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, malformed);
	ATF_TP_ADD_TC(tp, ttl_exceeded);
	ATF_TP_ADD_TC(tp, reasm_inorder);
	ATF_TP_ADD_TC(tp, reasm_reverse);
	ATF_TP_ADD_TC(tp, reasm_max_size);
	ATF_TP_ADD_TC(tp, reasm_overlap_dup);
	ATF_TP_ADD_TC(tp, reasm_bad);
	ATF_TP_ADD_TC(tp, reasm_memory_cap);
	ATF_TP_ADD_TC(tp, reasm_timeout);
	ATF_TP_ADD_TC(tp, fragment_296);
	ATF_TP_ADD_TC(tp, fragment_1500);
	ATF_TP_ADD_TC(tp, output_df_and_id);
	return atf_no_error();
}
