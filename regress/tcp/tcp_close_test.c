/*
 * TCP teardown and hostile input: half-close both ways, simultaneous
 * close, TIME_WAIT, RST validation, keepalive, host errors, malformed
 * segments and options, PAWS, urgent data, line back-pressure.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <atf-c.h>

#include "tcptest.h"

static struct tseg S;

static void
start_default(void)
{
	struct stack_config c;

	t_setup_cfg(&c);
	t_start(&c);
}

/* Pop segments until one with data or FIN (ACKs noted on the way). */
static int
pop_data(struct tguest *g)
{
	while (t_pop(&S)) {
		t_note(g, &S);
		if (S.len > 0 || (S.flags & (TH_FIN | TH_RST)))
			return 1;
	}
	return 0;
}

ATF_TC_WITHOUT_HEAD(guest_half_close);
ATF_TC_BODY(guest_half_close, tc)
{
	struct tguest g;
	uint8_t b[64];

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43000);
	t_connect(&g);
	t_send(&g, TH_ACK | TH_PUSH | TH_FIN, "hello", 5);
	ATF_REQUIRE(t_pop(&S));			/* FIN acked at once */
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_CLOSE_WAIT);
	ATF_CHECK_EQ(read(g.hostfd, b, sizeof(b)), 5);
	ATF_CHECK_EQ(read(g.hostfd, b, sizeof(b)), 0);	/* SHUT_WR passed on */
	/* The host still talks. */
	ATF_REQUIRE_EQ(write(g.hostfd, "world", 5), 5);
	t_pump();
	ATF_REQUIRE(pop_data(&g));
	ATF_CHECK_EQ(S.len, 5);
	ATF_CHECK(memcmp(S.data, "world", 5) == 0);
	g.rcv_nxt += 5;
	t_ack(&g);
	/* Host closes: FIN, LAST_ACK, the guest's ACK frees everything. */
	close(g.hostfd);
	t_pump();
	ATF_REQUIRE(pop_data(&g));
	ATF_CHECK(S.flags & TH_FIN);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_LAST_ACK);
	g.rcv_nxt++;
	t_ack(&g);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK_EQ(E.s->nflows, 0);
	ATF_CHECK_EQ(E.s->nsocks, 0);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(host_half_close);
ATF_TC_BODY(host_half_close, tc)
{
	struct tguest g;
	uint8_t b[64];

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43001);
	t_connect(&g);
	ATF_REQUIRE_EQ(write(g.hostfd, "bye", 3), 3);
	ATF_REQUIRE_EQ(shutdown(g.hostfd, SHUT_WR), 0);
	t_pump();
	/* Data, then FIN after it (maybe in the same segment). */
	ATF_REQUIRE(pop_data(&g));
	ATF_CHECK_EQ(S.len, 3);
	g.rcv_nxt += 3;
	if (!(S.flags & TH_FIN))
		ATF_REQUIRE(pop_data(&g));
	ATF_CHECK(S.flags & TH_FIN);
	g.rcv_nxt++;
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_FIN_WAIT_1);
	t_ack(&g);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_FIN_WAIT_2);
	/* The guest keeps sending after the host's EOF. */
	t_send(&g, TH_ACK | TH_PUSH, "more", 4);
	ATF_CHECK_EQ(read(g.hostfd, b, sizeof(b)), 4);
	t_send(&g, TH_ACK | TH_FIN, NULL, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_TIME_WAIT);
	ATF_CHECK_EQ(read(g.hostfd, b, sizeof(b)), 0);
	ATF_CHECK_EQ(t_dbg(&g).hostfd, -1);	/* host side done */
	/* A retransmitted FIN in TIME_WAIT is acked again. */
	t_send_raw(&g, TH_ACK | TH_FIN, g.snd_nxt - 1, g.rcv_nxt, 65535, NULL,
	    0, NULL, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	/* 2 MSL = 30 s. */
	t_advance(2 * TCP_MSL - 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 1);
	t_advance(1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK_EQ(E.s->nflows, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(simultaneous_close);
ATF_TC_BODY(simultaneous_close, tc)
{
	struct tguest g;
	uint32_t ourfin;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43002);
	t_connect(&g);
	ATF_REQUIRE_EQ(shutdown(g.hostfd, SHUT_WR), 0);
	t_pump();
	ATF_REQUIRE(pop_data(&g));
	ATF_REQUIRE(S.flags & TH_FIN);
	ourfin = S.seq;
	/* The guest's FIN crosses ours: it does not ack our FIN yet. */
	t_send(&g, TH_ACK | TH_FIN, NULL, 0);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_CLOSING);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	/* Our FIN is lost: retransmitted by the timer in CLOSING. */
	t_next(5000);
	ATF_REQUIRE(pop_data(&g));
	ATF_CHECK(S.flags & TH_FIN);
	ATF_CHECK_EQ(S.seq, ourfin);
	g.rcv_nxt = ourfin + 1;
	t_ack(&g);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_TIME_WAIT);
	t_advance(2 * TCP_MSL);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(timewait_reuse);
ATF_TC_BODY(timewait_reuse, tc)
{
	struct tguest g;
	int nreq;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43003);
	t_connect(&g);
	ATF_REQUIRE_EQ(shutdown(g.hostfd, SHUT_WR), 0);
	t_pump();
	ATF_REQUIRE(pop_data(&g));
	g.rcv_nxt++;
	t_send(&g, TH_ACK | TH_FIN, NULL, 0);
	ATF_REQUIRE_EQ(t_dbg(&g).state, TCPS_TIME_WAIT);
	close(g.hostfd);
	t_drop_all();
	/* A new SYN above the old sequence space opens a new connection. */
	nreq = E.nreq;
	g.iss = g.snd_nxt + 100000;
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.nreq, nreq + 1);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_SYN_PENDING);
	ATF_CHECK_EQ(tcp_nconns(E.s), 1);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(rst_validation);
ATF_TC_BODY(rst_validation, tc)
{
	struct tguest g;
	uint8_t b[8];

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43004);
	t_connect(&g);
	/* Far outside the window: ignored silently. */
	t_send_raw(&g, TH_RST, g.snd_nxt + 0x40000000u, 0, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.qn, 0);
	ATF_CHECK_EQ(tcp_nconns(E.s), 1);
	/* Below rcv_nxt: ignored. */
	t_send_raw(&g, TH_RST, g.snd_nxt - 10, 0, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.qn, 0);
	/* In the window but not exact: challenge ACK (RFC 5961). */
	t_send_raw(&g, TH_RST, g.snd_nxt + 10, 0, 0, NULL, 0, NULL, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_ACK);
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(t_st()->tcp_challenge, 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 1);
	/* A SYN on an established connection: challenge ACK too. */
	t_send_raw(&g, TH_SYN, g.snd_nxt + 5, 0, 65535, NULL, 0, NULL, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_ACK);
	ATF_CHECK_EQ(t_st()->tcp_challenge, 2);
	ATF_CHECK_EQ(tcp_nconns(E.s), 1);
	/* Exact: the connection goes, the host peer sees it. */
	t_send_raw(&g, TH_RST, g.snd_nxt, 0, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.qn, 0);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK(read(g.hostfd, b, sizeof(b)) <= 0);
	ATF_CHECK_EQ(t_st()->tcp_rst_in, 4);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(ack_beyond_snd_max);
ATF_TC_BODY(ack_beyond_snd_max, tc)
{
	struct tguest g;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43005);
	t_connect(&g);
	t_send_raw(&g, TH_ACK, g.snd_nxt, g.rcv_nxt + 5000, 65535, NULL, 0,
	    "zz", 2);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);		/* data not taken */
	ATF_CHECK_EQ(t_st()->tcp_ack_bad, 1);
	ATF_CHECK_EQ(t_dbg(&g).rcv_len, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(keepalive_drop);
ATF_TC_BODY(keepalive_drop, tc)
{
	struct stack_config c;
	struct tguest g;
	uint8_t b[8];
	int i;

	t_setup_cfg(&c);
	c.keepalive = 10;
	t_start(&c);
	t_guest_init(&g, "10.0.2.2", 7, 43006);
	t_connect(&g);
	/* Idle 10 s: a probe below snd_una; an answer resets the count. */
	t_advance(9999);
	ATF_CHECK_EQ(E.qn, 0);
	t_advance(1);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.seq, g.rcv_nxt - 1);
	ATF_CHECK_EQ(S.len, 0);
	t_ack(&g);
	ATF_CHECK_EQ(E.qn, 0);
	/* Now the guest is gone: 8 probes 10 s apart, then a reset. */
	t_advance(10000);
	for (i = 0; i < TCP_KEEPCNT; i++) {
		ATF_REQUIRE(t_pop(&S));
		ATF_CHECK_EQ(S.flags, TH_ACK);
		t_advance(10000);
	}
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK(S.flags & TH_RST);
	ATF_CHECK_EQ(t_st()->tcp_keepalive_drop, 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK(read(g.hostfd, b, sizeof(b)) <= 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(connect_timeout);
ATF_TC_BODY(connect_timeout, tc)
{
	struct tguest g;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43007);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_REQUIRE_EQ(E.nreq, 1);
	/* The parent never answers: the guest gets a RST in 75 s. */
	t_advance(TCP_CONNECT_TIMEO);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST | TH_ACK);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	/* A late answer is closed by the stack core. */
	stack_socket_reply(E.s, E.reqid, -1, ETIMEDOUT);
	ATF_CHECK_EQ(E.qn, 0);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(host_error_resets_guest);
ATF_TC_BODY(host_error_resets_guest, tc)
{
	struct tguest g;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43008);
	t_connect(&g);
	close(g.hostfd);		/* the host peer vanishes */
	t_send(&g, TH_ACK | TH_PUSH, "data", 4);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK(S.flags & TH_RST);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK_EQ(E.s->nsocks, 0);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(guest_rst_during_connect);
ATF_TC_BODY(guest_rst_during_connect, tc)
{
	struct tguest g;
	uint8_t b[8];
	int fd;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43009);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	t_send_raw(&g, TH_RST, g.iss + 1, 0, 0, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	/* The socket arriving afterwards is closed, nothing is sent. */
	fd = t_answer_pair();
	t_pump();
	ATF_CHECK_EQ(E.qn, 0);
	ATF_CHECK_EQ(read(fd, b, sizeof(b)), 0);
	close(fd);
	t_finish();
}

/* Bad input of every kind: counted, dropped, nothing sent, no crash. */
ATF_TC_WITHOUT_HEAD(malformed);
ATF_TC_BODY(malformed, tc)
{
	struct tguest g;
	uint8_t *p = t_lastpkt, opt[8];
	size_t len;
	uint64_t bad;
	uint16_t v;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43010);
	t_connect(&g);

	/* Header shorter than 20 bytes. */
	t_noinput = 1;
	t_send_raw(&g, TH_ACK, g.snd_nxt, g.rcv_nxt, 65535, NULL, 0, NULL, 0);
	len = t_lastlen;
	v = htons(30);
	memcpy(p + 2, &v, 2);
	p[10] = p[11] = 0;
	v = in_cksum(p, 20);
	memcpy(p + 10, &v, 2);
	bad = t_st()->tcp_bad;
	stack_input(E.s, p, 30);
	ATF_CHECK_EQ(t_st()->tcp_bad, bad + 1);

	/* Data offset below 5 and beyond the segment. */
	t_send_raw(&g, TH_ACK, g.snd_nxt, g.rcv_nxt, 65535, NULL, 0, "abcd", 4);
	len = t_lastlen;
	p[32] = 4 << 4;
	t_fix_sum(p, len);
	stack_input(E.s, p, len);
	ATF_CHECK_EQ(t_st()->tcp_bad, bad + 2);
	p[32] = 15 << 4;
	t_fix_sum(p, len);
	stack_input(E.s, p, len);
	ATF_CHECK_EQ(t_st()->tcp_bad, bad + 3);

	/* Bad checksum. */
	p[32] = 5 << 4;
	t_fix_sum(p, len);
	p[36] ^= 0x55;
	stack_input(E.s, p, len);
	ATF_CHECK_EQ(t_st()->tcp_bad_sum, 1);

	/* SYN+FIN and SYN+RST are nonsense. */
	t_noinput = 0;
	t_send_raw(&g, TH_SYN | TH_FIN, 1, 0, 65535, NULL, 0, NULL, 0);
	t_send_raw(&g, TH_SYN | TH_RST, 1, 0, 65535, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(t_st()->tcp_bad, bad + 5);
	ATF_CHECK_EQ(E.qn, 0);
	ATF_CHECK_EQ(t_dbg(&g).rcv_len, 0);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_ESTABLISHED);

	/* Option length 0, then an option running past the header. */
	memset(opt, 0, sizeof(opt));
	opt[0] = 2;
	opt[1] = 0;
	t_guest_init(&g, "10.0.2.2", 7, 43011);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, opt, 4, NULL, 0);
	ATF_CHECK_EQ(t_st()->tcp_bad_opt, 1);
	ATF_CHECK_EQ(t_dbg(&g).maxseg, 536);	/* the bad MSS is ignored */
	opt[0] = 1;
	opt[1] = 8;
	opt[2] = 40;
	t_guest_init(&g, "10.0.2.2", 7, 43012);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, opt, 4, NULL, 0);
	ATF_CHECK_EQ(t_st()->tcp_bad_opt, 2);
	/* Wrong length for a known option: skipped, parsing goes on. */
	opt[0] = 3;
	opt[1] = 4;	/* window scale must be 3 long */
	opt[2] = 9;
	opt[3] = 0;
	opt[4] = 2;
	opt[5] = 4;
	opt[6] = 0x02;
	opt[7] = 0x00;	/* MSS 512 */
	t_guest_init(&g, "10.0.2.2", 7, 43013);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, opt, 8, NULL, 0);
	ATF_CHECK_EQ(t_st()->tcp_bad_opt, 3);
	ATF_CHECK_EQ(t_dbg(&g).maxseg, 512);
	ATF_CHECK_EQ(t_dbg(&g).snd_scale, 0);
	/* A lone kind byte at the end of the options. */
	opt[0] = 1;
	opt[1] = 1;
	opt[2] = 1;
	opt[3] = 8;
	t_guest_init(&g, "10.0.2.2", 7, 43014);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, opt, 4, NULL, 0);
	ATF_CHECK_EQ(t_st()->tcp_bad_opt, 4);
	ATF_CHECK_EQ(tcp_nconns(E.s), 5);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(paws);
ATF_TC_BODY(paws, tc)
{
	struct tguest g;
	uint8_t opt[20], b[16];
	uint32_t v;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43015);
	t_full_opts(opt, 1460, 2, 1000);
	g.ts = 1;
	g.tsval = 1000;
	t_connect_opts(&g, opt, 20, NULL);
	t_drop_all();
	t_send(&g, TH_ACK | TH_PUSH, "new", 3);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 3);
	/* An old timestamp: dropped, ACK sent (RFC 7323 5.3). */
	opt[0] = opt[1] = 1;
	opt[2] = 8;
	opt[3] = 10;
	v = htonl(5);
	memcpy(opt + 4, &v, 4);
	v = htonl(g.ts_recent);
	memcpy(opt + 8, &v, 4);
	t_send_raw(&g, TH_ACK | TH_PUSH, g.snd_nxt, g.rcv_nxt, 65535, opt, 12,
	    "old", 3);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_ACK);
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(t_st()->tcp_paws, 1);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(urgent_inline);
ATF_TC_BODY(urgent_inline, tc)
{
	struct tguest g;
	uint8_t b[16];
	uint8_t *p = t_lastpkt;
	uint16_t v;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43016);
	t_connect(&g);
	/* URG with a pointer far past the data: the data is just data. */
	t_noinput = 1;
	t_send_raw(&g, TH_ACK | TH_URG | TH_PUSH, g.snd_nxt, g.rcv_nxt, 65535,
	    NULL, 0, "!urgent", 7);
	g.snd_nxt += 7;
	v = htons(60000);
	memcpy(p + 38, &v, 2);
	t_fix_sum(p, t_lastlen);
	t_noinput = 0;
	stack_input(E.s, p, t_lastlen);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 7);
	ATF_CHECK(memcmp(b, "!urgent", 7) == 0);
	ATF_CHECK_EQ(t_dbg(&g).state, TCPS_ESTABLISHED);
	close(g.hostfd);
	t_finish();
}

/* The line queue is full: nothing is sent until tcp_kick(). */
ATF_TC_WITHOUT_HEAD(output_room);
ATF_TC_BODY(output_room, tc)
{
	struct tguest g;
	static uint8_t big[8000];
	size_t got = 0;

	start_default();
	t_guest_init(&g, "10.0.2.2", 7, 43017);
	t_connect(&g);
	E.room = 100;
	ATF_REQUIRE_EQ(write(g.hostfd, big, sizeof(big)), (ssize_t)sizeof(big));
	t_pump();
	ATF_CHECK_EQ(E.qn, 0);
	ATF_CHECK(t_dbg(&g).flags & TF_BLOCKED);
	E.room = 1 << 20;
	stack_kick(E.s);
	while (pop_data(&g))
		got += S.len;
	ATF_CHECK(got > 0);
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, guest_half_close);
	ATF_TP_ADD_TC(tp, host_half_close);
	ATF_TP_ADD_TC(tp, simultaneous_close);
	ATF_TP_ADD_TC(tp, timewait_reuse);
	ATF_TP_ADD_TC(tp, rst_validation);
	ATF_TP_ADD_TC(tp, ack_beyond_snd_max);
	ATF_TP_ADD_TC(tp, keepalive_drop);
	ATF_TP_ADD_TC(tp, connect_timeout);
	ATF_TP_ADD_TC(tp, host_error_resets_guest);
	ATF_TP_ADD_TC(tp, guest_rst_during_connect);
	ATF_TP_ADD_TC(tp, malformed);
	ATF_TP_ADD_TC(tp, paws);
	ATF_TP_ADD_TC(tp, urgent_inline);
	ATF_TP_ADD_TC(tp, output_room);
	return atf_no_error();
}
