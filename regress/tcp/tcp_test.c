/*
 * The user-space TCP driven by hand-built guest segments, a fake clock,
 * and socketpairs standing in for the host sockets.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <atf-c.h>

#include "tcptest.h"

static struct tseg S;	/* big: keep it off the stack */

static void
start_default(void)
{
	struct stack_config c;

	t_setup_cfg(&c);
	t_start(&c);
}

ATF_TC_WITHOUT_HEAD(handshake_options);
ATF_TC_BODY(handshake_options, tc)
{
	struct tguest g;
	struct tcp_debug d;
	uint8_t opt[20];
	size_t ol;

	start_default();
	t_guest_init(&g, "10.0.2.2", 80, 40000);
	ol = t_full_opts(opt, 1460, 7, 12345);
	g.ts = 1;
	g.tsval = 12345;
	t_connect_opts(&g, opt, ol, &S);
	/* The request went to the host alias, as the host sees it. */
	ATF_CHECK_EQ(E.reqproto, IPPROTO_TCP);
	ATF_CHECK_EQ(E.reqaddr, htonl(INADDR_LOOPBACK));
	ATF_CHECK_EQ(E.reqport, htons(80));
	ATF_CHECK_EQ(S.mss, 1460);
	ATF_CHECK(S.ws >= 1 && S.ws <= 14);
	ATF_CHECK_EQ(S.has_ts, 1);
	ATF_CHECK_EQ(S.tsecr, 12345);
	ATF_CHECK_EQ(S.sackok, 1);		/* receiver-side SACK */
	ATF_CHECK_EQ(S.src, g.ra);
	ATF_CHECK_EQ(S.sport, g.rp);
	d = t_dbg(&g);
	ATF_CHECK_EQ(d.state, TCPS_ESTABLISHED);
	ATF_CHECK_EQ(d.snd_scale, 7);
	ATF_CHECK_EQ(d.maxseg, 1460 - 12);	/* RFC 6691: TS paid for */
	ATF_CHECK_EQ((size_t)65535 << d.rcv_scale >= d.rcv_cap, 1);
	ATF_CHECK_EQ(t_st()->tcp_conn, 1);
	ATF_CHECK_EQ(E.s->nflows, 1);
	close(g.hostfd);
	t_finish();
}

/*
 * On a line that compresses headers (CSLIP, PPP with VJ) the guest's
 * timestamps are declined: no TS on the SYN-ACK nor on data, and the
 * MSS is not reduced for them.  Decided per connection, at the SYN.
 */
ATF_TC_WITHOUT_HEAD(handshake_vj_no_ts);
ATF_TC_BODY(handshake_vj_no_ts, tc)
{
	struct tguest g, g2;
	struct tcp_debug d;
	uint8_t opt[20];
	size_t ol, n;

	start_default();
	E.hdrcomp = 1;
	t_guest_init(&g, "10.0.2.2", 80, 40010);
	ol = t_full_opts(opt, 1460, 7, 777);
	g.ts = 1;
	g.tsval = 777;
	t_connect_opts(&g, opt, ol, &S);
	ATF_CHECK_EQ(S.has_ts, 0);
	ATF_CHECK_EQ(S.mss, 1460);
	ATF_CHECK(S.ws >= 1);			/* the rest still agreed */
	ATF_CHECK_EQ(S.sackok, 1);
	d = t_dbg(&g);
	ATF_CHECK_EQ(d.state, TCPS_ESTABLISHED);
	ATF_CHECK_EQ(d.maxseg, 1460);
	ATF_REQUIRE_EQ(write(g.hostfd, "0123456789", 10), 10);
	t_pump();
	n = 0;
	while (t_pop(&S)) {
		ATF_CHECK_EQ(S.has_ts, 0);
		n += S.len;
	}
	ATF_CHECK_EQ(n, 10);
	/* Compression off again: the next connection takes timestamps. */
	E.hdrcomp = 0;
	t_guest_init(&g2, "10.0.2.2", 80, 40011);
	g2.ts = 1;
	g2.tsval = 778;
	ol = t_full_opts(opt, 1460, 7, 778);
	t_connect_opts(&g2, opt, ol, &S);
	ATF_CHECK_EQ(S.has_ts, 1);
	ATF_CHECK_EQ(S.tsecr, 778);
	ATF_CHECK_EQ(t_dbg(&g2).maxseg, 1460 - 12);
	close(g.hostfd);
	close(g2.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(handshake_plain);
ATF_TC_BODY(handshake_plain, tc)
{
	struct tguest g;
	struct tcp_debug d;

	start_default();
	t_guest_init(&g, "127.0.0.1", 22, 40001);
	t_connect_opts(&g, NULL, 0, &S);
	ATF_CHECK_EQ(S.mss, 1460);
	ATF_CHECK_EQ(S.ws, -1);
	ATF_CHECK_EQ(S.has_ts, 0);
	ATF_CHECK(S.win <= 65535 && S.win > 0);
	d = t_dbg(&g);
	ATF_CHECK_EQ(d.maxseg, 536);		/* no MSS option */
	ATF_CHECK_EQ(d.rcv_scale, 0);
	/* A retransmitted SYN in SYN_RECEIVED gets the SYN-ACK again. */
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(synack_retransmit);
ATF_TC_BODY(synack_retransmit, tc)
{
	struct tguest g;
	uint32_t iss;

	start_default();
	t_guest_init(&g, "127.0.0.1", 22, 40002);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	g.hostfd = t_answer_pair();
	t_pump();
	ATF_REQUIRE(t_pop(&S));
	iss = S.seq;
	/* Duplicate SYN: SYN-ACK again, same ISS. */
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_SYN | TH_ACK);
	ATF_CHECK_EQ(S.seq, iss);
	/* Lost: the timer resends it after the initial RTO (1 s). */
	t_advance(999);
	ATF_CHECK_EQ(E.qn, 0);
	t_advance(1);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_SYN | TH_ACK);
	/* A bad ACK in SYN_RECEIVED gets a RST with seq = its ack. */
	t_send_raw(&g, TH_ACK, g.iss + 1, iss + 5, 65535, NULL, 0, NULL, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST);
	ATF_CHECK_EQ(S.seq, iss + 5);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(refused_rst);
ATF_TC_BODY(refused_rst, tc)
{
	struct tguest g;

	start_default();
	t_guest_init(&g, "127.0.0.1", 9, 40003);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_REQUIRE_EQ(E.nreq, 1);
	ATF_CHECK_EQ(E.qn, 0);
	stack_socket_reply(E.s, E.reqid, -1, ECONNREFUSED);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST | TH_ACK);
	ATF_CHECK_EQ(S.ack, g.iss + 1);
	ATF_CHECK_EQ(S.seq, 0);
	ATF_CHECK_EQ(t_st()->tcp_refused, 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK_EQ(E.s->nflows, 0);
	t_finish();
}

/* A real loopback connect to a closed port: SO_ERROR says refused. */
ATF_TC_WITHOUT_HEAD(refused_loopback);
ATF_TC_BODY(refused_loopback, tc)
{
	struct tguest g;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int l, fd, i;

	/* Find a free port: bind, learn it, close. */
	ATF_REQUIRE((l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ATF_REQUIRE_EQ(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ATF_REQUIRE_EQ(getsockname(l, (struct sockaddr *)&sin, &sl), 0);
	close(l);

	start_default();
	t_guest_init(&g, "10.0.2.2", ntohs(sin.sin_port), 40004);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_REQUIRE_EQ(E.reqport, sin.sin_port);
	ATF_REQUIRE((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		stack_socket_reply(E.s, E.reqid, -1, errno);
	} else
		stack_socket_reply(E.s, E.reqid, fd, 0);
	for (i = 0; i < 100 && E.qn == 0; i++) {
		usleep(1000);
		t_pump();
	}
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST | TH_ACK);
	ATF_CHECK_EQ(S.ack, g.iss + 1);
	ATF_CHECK_EQ(t_st()->tcp_refused, 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(unmapped_and_nonsyn);
ATF_TC_BODY(unmapped_and_nonsyn, tc)
{
	struct tguest g;

	start_default();
	/* 10.0.2.1 is not a host address: RST, no socket request. */
	t_guest_init(&g, "10.0.2.1", 23, 40005);
	t_send_raw(&g, TH_SYN, g.iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.nreq, 0);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST | TH_ACK);
	/* An ACK for no connection: RST with seq = its ack. */
	t_guest_init(&g, "127.0.0.1", 23, 40006);
	t_send_raw(&g, TH_ACK, 100, 777, 65535, NULL, 0, "x", 1);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST);
	ATF_CHECK_EQ(S.seq, 777);
	/* A RST for no connection: silence. */
	t_send_raw(&g, TH_RST, 100, 0, 65535, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.qn, 0);
	/* No connections from multicast sources. */
	g.ga = inet_addr("224.0.0.1");
	t_send_raw(&g, TH_SYN, 1, 0, 65535, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.nreq, 0);
	ATF_CHECK_EQ(E.qn, 0);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(max_flows);
ATF_TC_BODY(max_flows, tc)
{
	struct stack_config c;
	struct tguest g[3];
	int i;

	t_setup_cfg(&c);
	c.max_flows = 2;
	t_start(&c);
	for (i = 0; i < 2; i++) {
		t_guest_init(&g[i], "127.0.0.1", 80, (uint16_t)(41000 + i));
		t_connect(&g[i]);
	}
	t_drop_all();
	t_guest_init(&g[2], "127.0.0.1", 80, 41002);
	t_send_raw(&g[2], TH_SYN, g[2].iss, 0, 65535, NULL, 0, NULL, 0);
	ATF_CHECK_EQ(E.nreq, 2);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.flags, TH_RST | TH_ACK);
	ATF_CHECK_EQ(t_st()->tcp_flow_limit, 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 2);
	for (i = 0; i < 2; i++)
		close(g[i].hostfd);
	t_finish();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, handshake_options);
	ATF_TP_ADD_TC(tp, handshake_vj_no_ts);
	ATF_TP_ADD_TC(tp, handshake_plain);
	ATF_TP_ADD_TC(tp, synack_retransmit);
	ATF_TP_ADD_TC(tp, refused_rst);
	ATF_TP_ADD_TC(tp, refused_loopback);
	ATF_TP_ADD_TC(tp, unmapped_and_nonsyn);
	ATF_TP_ADD_TC(tp, max_flows);
	return atf_no_error();
}
