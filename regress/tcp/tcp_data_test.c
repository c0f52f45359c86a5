/*
 * TCP data transfer: bulk both ways, flow control, loss and recovery,
 * reordering, RTT estimation, delayed ACK, Nagle, persist.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <atf-c.h>
#include <stdio.h>

#include "tcptest.h"

#define BIG	(1024 * 1024)

static struct tseg S;
static uint8_t src[BIG], dst[BIG];

static void
fill(void)
{
	size_t i;

	for (i = 0; i < BIG; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 11));
	memset(dst, 0, sizeof(dst));
}

static void
start_default(void)
{
	struct stack_config c;

	t_setup_cfg(&c);
	t_start(&c);
}

/* Connect offering MSS 1460, SACK-ok, timestamps and window shift ws. */
static void
connect_full(struct tguest *g, int ws, int ts)
{
	uint8_t opt[20];
	size_t ol;

	ol = t_full_opts(opt, 1460, ws, 1);
	if (!ts) {
		/* MSS, NOP NOP NOP WS-3 ... keep it aligned without TS */
		opt[4] = 1;
		opt[5] = 1;
		opt[6] = 1;
		opt[7] = 3;
		opt[8] = 3;
		opt[9] = (uint8_t)ws;
		opt[10] = 1;
		opt[11] = 1;
		ol = 12;
	}
	g->ts = ts;
	g->ws = ws;
	g->tsval = 1;
	t_connect_opts(g, opt, ol, NULL);
}

/*
 * Receive everything queued: segments must arrive in order (no loss
 * here) and inside the window the guest offered.  Returns segments.
 */
static int
recv_inorder(struct tguest *g, uint8_t *buf, size_t *got, uint32_t base)
{
	int n = 0;
	uint32_t edge = g->rcv_nxt + ((uint32_t)g->win << g->ws);

	while (t_pop(&S)) {
		t_note(g, &S);
		ATF_REQUIRE((S.flags & TH_RST) == 0);
		if (S.len == 0 && !(S.flags & TH_FIN))
			continue;
		ATF_REQUIRE_EQ(S.seq, g->rcv_nxt);
		ATF_REQUIRE(SEQ_LEQ(S.seq + (uint32_t)S.len, edge));
		ATF_REQUIRE(*got + S.len <= BIG);
		memcpy(buf + *got, S.data, S.len);
		*got += S.len;
		g->rcv_nxt += (uint32_t)S.len + ((S.flags & TH_FIN) ? 1 : 0);
		n++;
	}
	(void)base;
	return n;
}

ATF_TC_WITHOUT_HEAD(bulk_guest_to_host);
ATF_TC_BODY(bulk_guest_to_host, tc)
{
	struct tguest g;
	size_t sent = 0, got = 0, chunk;
	int32_t allowed;
	int rounds = 0;

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42000);
	connect_full(&g, 7, 1);
	while (got < BIG && rounds++ < 100000) {
		allowed = (int32_t)(g.peer_ack + g.peer_win - g.snd_nxt);
		while (sent < BIG && allowed > 0) {
			chunk = BIG - sent;
			if (chunk > 1448)
				chunk = 1448;
			if ((int32_t)chunk > allowed)
				chunk = (size_t)allowed;
			t_send(&g, TH_ACK | TH_PUSH, src + sent, chunk);
			sent += chunk;
			allowed -= (int32_t)chunk;
		}
		while (t_pop(&S)) {
			ATF_REQUIRE_EQ(S.len, 0);
			ATF_REQUIRE(SEQ_LEQ(S.ack, g.snd_nxt));
			t_note(&g, &S);
		}
		ATF_REQUIRE(t_dbg(&g).rcv_len <= t_dbg(&g).rcv_cap);
		got += t_host_read(g.hostfd, dst + got, BIG - got);
		t_pump();
		t_advance(5);
	}
	ATF_REQUIRE_EQ(got, BIG);
	ATF_CHECK(memcmp(src, dst, BIG) == 0);
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);
	ATF_CHECK_EQ(t_st()->tcp_bad, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(bulk_host_to_guest);
ATF_TC_BODY(bulk_host_to_guest, tc)
{
	struct tguest g;
	size_t wrote = 0, got = 0;
	ssize_t n;
	int rounds = 0;

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42001);
	connect_full(&g, 0, 0);
	g.win = 20000;		/* unscaled: at most 20000 bytes in flight */
	t_ack(&g);
	while (got < BIG && rounds++ < 100000) {
		if (wrote < BIG) {
			n = write(g.hostfd, src + wrote, BIG - wrote);
			if (n > 0)
				wrote += (size_t)n;
		}
		t_pump();
		recv_inorder(&g, dst, &got, 0);
		ATF_REQUIRE(t_dbg(&g).snd_len <= t_dbg(&g).snd_cap);
		t_ack(&g);
		t_advance(1);
	}
	ATF_REQUIRE_EQ(got, BIG);
	ATF_CHECK(memcmp(src, dst, BIG) == 0);
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);
	close(g.hostfd);
	t_finish();
}

/*
 * A host that filled the send ring is read again as soon as an ACK made
 * room, in the same round (stack_pollevents() with no socket events),
 * not only after another poll; a host with no more data costs nothing.
 */
ATF_TC_WITHOUT_HEAD(host_read_more);
ATF_TC_BODY(host_read_more, tc)
{
	struct tguest g;
	struct tcp_debug d;
	size_t wrote = 0, got = 0, len;
	ssize_t n;
	int rounds = 0;

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42002);
	connect_full(&g, 7, 0);
	while (wrote < BIG && (n = write(g.hostfd, src + wrote,
	    BIG - wrote)) > 0)
		wrote += (size_t)n;
	t_pump();
	d = t_dbg(&g);
	ATF_REQUIRE(wrote > d.snd_cap);
	ATF_REQUIRE_EQ(d.snd_len, d.snd_cap);
	ATF_REQUIRE(recv_inorder(&g, dst, &got, 0) > 0);
	t_ack(&g);
	len = t_dbg(&g).snd_len;
	ATF_REQUIRE(len < d.snd_cap);
	stack_pollevents(E.s, NULL, 0);
	ATF_CHECK_EQ(t_dbg(&g).snd_len, d.snd_cap);

	/* The rest arrives whole and in order. */
	while (got < wrote && rounds++ < 10000) {
		t_pump();
		recv_inorder(&g, dst, &got, 0);
		t_ack(&g);
		stack_pollevents(E.s, NULL, 0);
	}
	ATF_REQUIRE_EQ(got, wrote);
	ATF_CHECK(memcmp(src, dst, wrote) == 0);
	ATF_CHECK_EQ(t_dbg(&g).snd_len, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(rto_backoff_and_giveup);
ATF_TC_BODY(rto_backoff_and_giveup, tc)
{
	struct tguest g;
	uint32_t seq;
	uint64_t last, iv, previv = 0;
	int i;
	uint8_t b[8];

	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42002);
	t_connect(&g);
	ATF_REQUIRE_EQ(write(g.hostfd, "0123456789", 10), 10);
	t_pump();
	ATF_REQUIRE(t_pop(&S));
	ATF_REQUIRE_EQ(S.len, 10);
	seq = S.seq;
	/* Initial RTO 1 s, then 2, 4, 8 ... capped at 64 s. */
	t_advance(999);
	ATF_CHECK_EQ(E.qn, 0);
	last = E.now;
	for (i = 0; i < 12; i++) {
		t_next(100000);
		ATF_REQUIRE(t_pop(&S));
		ATF_CHECK_EQ(S.seq, seq);
		ATF_CHECK_EQ(S.len, 10);
		iv = E.now - last + (i == 0 ? 999 : 0);
		if (i == 0)
			ATF_CHECK_EQ(iv, 1000);
		else if (previv < 64000)
			ATF_CHECK_EQ(iv, previv * 2 > 64000 ? 64000 : previv * 2);
		else
			ATF_CHECK_EQ(iv, 64000);
		previv = iv;
		last = E.now;
	}
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 12);
	/* One more timeout: give up, reset the guest, close the host. */
	t_next(100000);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK(S.flags & TH_RST);
	ATF_CHECK_EQ(t_st()->tcp_timeout, 1);
	ATF_CHECK_EQ(tcp_nconns(E.s), 0);
	ATF_CHECK_EQ(read(g.hostfd, b, sizeof(b)), 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(fast_retransmit);
ATF_TC_BODY(fast_retransmit, tc)
{
	struct tguest g;
	struct tcp_debug d;
	size_t got = 0;
	uint32_t lost, lostlen, top = 0;
	int i, nseg = 0;
	uint8_t buf[65536];

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42003);
	t_connect(&g);
	/* Open cwnd with a few acked rounds. */
	for (i = 0; i < 6; i++) {
		ATF_REQUIRE_EQ(write(g.hostfd, src, 8000), 8000);
		t_pump();
		while (recv_inorder(&g, dst, &got, 0) > 0 || E.qn) {
			t_ack(&g);
			t_pump();
		}
		got = 0;
	}
	d = t_dbg(&g);
	ATF_REQUIRE(d.cwnd >= 8 * d.maxseg);
	ATF_REQUIRE_EQ(d.snd_len, 0);
	ATF_REQUIRE_EQ(write(g.hostfd, src, 8 * 1460), 8 * 1460);
	t_pump();
	/* Lose the first segment; the others each draw a dup ACK. */
	ATF_REQUIRE(t_pop(&S));
	lost = S.seq;
	lostlen = (uint32_t)S.len;
	ATF_REQUIRE_EQ(lost, g.rcv_nxt);
	while (t_pop(&S)) {
		memcpy(buf + (S.seq - lost), S.data, S.len);
		top = S.seq + (uint32_t)S.len;
		nseg++;
	}
	ATF_REQUIRE(nseg >= 3);
	for (i = 0; i < 3; i++) {
		ATF_CHECK_EQ(E.qn, 0);
		t_ack(&g);	/* ack = lost: duplicate */
	}
	ATF_CHECK_EQ(t_st()->tcp_fastrexmt, 1);
	ATF_REQUIRE(t_pop(&S));		/* the fast retransmission */
	ATF_CHECK_EQ(S.seq, lost);
	ATF_CHECK_EQ(S.len, lostlen);
	ATF_CHECK(t_dbg(&g).flags & TF_FASTRECOV);
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);	/* no timeout involved */
	/* Everything acked: recovery ends with cwnd near ssthresh. */
	g.rcv_nxt = top;
	t_ack(&g);
	d = t_dbg(&g);
	ATF_CHECK((d.flags & TF_FASTRECOV) == 0);
	ATF_CHECK(d.cwnd <= d.ssthresh + d.maxseg);
	ATF_CHECK_EQ(d.snd_una, top);
	close(g.hostfd);
	t_finish();
}

/* A dup ACK carrying SACK blocks, without timestamps. */
static void
sack_ack(struct tguest *g, const uint32_t (*blk)[2], int n)
{
	uint8_t opt[40];
	uint32_t v;
	int i;

	opt[0] = opt[1] = 1;
	opt[2] = 5;
	opt[3] = (uint8_t)(2 + 8 * n);
	for (i = 0; i < n; i++) {
		v = htonl(blk[i][0]);
		memcpy(opt + 4 + 8 * i, &v, 4);
		v = htonl(blk[i][1]);
		memcpy(opt + 8 + 8 * i, &v, 4);
	}
	t_send_raw(g, TH_ACK, g->snd_nxt, g->rcv_nxt, g->win, opt,
	    (size_t)(4 + 8 * n), NULL, 0);
}

ATF_TC_WITHOUT_HEAD(sack_recovery);
ATF_TC_BODY(sack_recovery, tc)
{
	struct tguest g;
	struct tcp_debug d;
	uint32_t seq[8], blk[2][2], blk2[3][2];
	size_t got = 0;
	int i, n = 0, found;

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42011);
	connect_full(&g, 0, 1);
	for (i = 0; i < 6; i++) {
		ATF_REQUIRE_EQ(write(g.hostfd, src, 8000), 8000);
		t_pump();
		while (recv_inorder(&g, dst, &got, 0) > 0 || E.qn) {
			t_ack(&g);
			t_pump();
		}
		got = 0;
	}
	d = t_dbg(&g);
	ATF_REQUIRE(d.cwnd >= 8 * d.maxseg);
	ATF_REQUIRE_EQ(write(g.hostfd, src, 8 * d.maxseg), 8 * (ssize_t)d.maxseg);
	t_pump();
	while (n < 8 && t_pop(&S))
		if (S.len > 0)
			seq[n++] = S.seq;
	ATF_REQUIRE_EQ(n, 8);
	ATF_REQUIRE_EQ(seq[0], g.rcv_nxt);
	/* Segments 0 and 3 are lost.  1-2 arrive: SACK them. */
	blk[0][0] = seq[1];
	blk[0][1] = seq[3];
	sack_ack(&g, blk, 1);
	ATF_CHECK_EQ(E.qn, 0);	/* no new data for limited transmit */
	t_drop_all();
	ATF_CHECK_EQ(t_dbg(&g).nsacked, 1);
	/* 4 arrives: 3 segments SACKed, a loss even on 2 dup ACKs. */
	blk[1][0] = seq[4];
	blk[1][1] = seq[5];
	sack_ack(&g, blk, 2);
	ATF_CHECK_EQ(t_st()->tcp_fastrexmt, 1);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.seq, seq[0]);
	/* The first burst also refills the other hole, 3. */
	found = 0;
	while (t_pop(&S))
		if (S.seq == seq[3])
			found = 1;
	ATF_CHECK(found);
	/* 5 arrives: those holes are not resent again. */
	blk[1][1] = seq[6];
	sack_ack(&g, blk, 2);
	while (t_pop(&S))
		ATF_CHECK(S.seq != seq[3] && S.seq != seq[0]);
	ATF_CHECK_EQ(t_st()->tcp_rexmt_sack, 0);
	/* 6 is lost, 7 arrives: the scoreboard names the new hole. */
	blk2[0][0] = seq[1];
	blk2[0][1] = seq[3];
	blk2[1][0] = seq[4];
	blk2[1][1] = seq[6];
	blk2[2][0] = seq[7];
	blk2[2][1] = seq[7] + d.maxseg;
	sack_ack(&g, blk2, 3);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.seq, seq[6]);
	ATF_CHECK_EQ(S.len, d.maxseg);
	ATF_CHECK_EQ(t_st()->tcp_rexmt_sack, 1);
	t_drop_all();
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);
	/* Everything acked: recovery over, scoreboard empty. */
	g.rcv_nxt = seq[7] + d.maxseg;
	t_ack(&g);
	d = t_dbg(&g);
	ATF_CHECK((d.flags & TF_FASTRECOV) == 0);
	ATF_CHECK_EQ(d.nsacked, 0);
	/* Blocks outside what was sent are ignored. */
	ATF_REQUIRE_EQ(write(g.hostfd, src, 100), 100);
	t_pump();
	t_drop_all();
	blk[0][0] = g.rcv_nxt + 1000;
	blk[0][1] = g.rcv_nxt + 2000;
	sack_ack(&g, blk, 1);
	ATF_CHECK_EQ(t_dbg(&g).nsacked, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(tail_loss_probe);
ATF_TC_BODY(tail_loss_probe, tc)
{
	struct tguest g;
	uint32_t first = 0, last = 0;
	int n = 0;

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42012);
	connect_full(&g, 0, 1);		/* RTT sample 0 from the handshake */
	t_drop_all();
	ATF_REQUIRE_EQ(write(g.hostfd, src, 3 * 1448), 3 * 1448);
	t_pump();
	while (t_pop(&S))
		if (S.len > 0) {
			if (n++ == 0)
				first = S.seq;
			last = S.seq;
		}
	ATF_REQUIRE_EQ(n, 3);
	ATF_CHECK(t_dbg(&g).flags & TF_TLP);
	/* PTO = max(2 SRTT, 10 ms): the last segment again. */
	t_advance(TCP_PTO_MIN - 1);
	ATF_CHECK_EQ(E.qn, 0);
	t_advance(1);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.seq, last);
	ATF_CHECK_EQ(S.len, 1448);
	ATF_CHECK_EQ(t_st()->tcp_tlp, 1);
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);
	/* No answer: the RTO follows, from snd_una, once. */
	t_next(100000);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.seq, first);
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 1);
	ATF_CHECK_EQ(t_st()->tcp_tlp, 1);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(reorder_and_duplicates);
ATF_TC_BODY(reorder_and_duplicates, tc)
{
	struct tguest g;
	uint32_t base;
	uint8_t b[1024];

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42004);
	t_connect(&g);
	base = g.snd_nxt;
	/* Second block first: queued, immediate duplicate ACK. */
	t_send_raw(&g, TH_ACK, base + 100, g.rcv_nxt, 65535, NULL, 0, src + 100,
	    100);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base);
	ATF_CHECK_EQ(S.nsack, 0);	/* not offered: no blocks */
	ATF_CHECK_EQ(t_st()->tcp_ooo, 1);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 0);
	/* Third block, separate hole. */
	t_send_raw(&g, TH_ACK, base + 300, g.rcv_nxt, 65535, NULL, 0, src + 300,
	    100);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base);
	ATF_CHECK_EQ(t_dbg(&g).nooo, 2);
	/* The first fills the first hole: ACK at once up to 200. */
	t_send_raw(&g, TH_ACK, base, g.rcv_nxt, 65535, NULL, 0, src, 100);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base + 200);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 200);
	ATF_CHECK(memcmp(b, src, 200) == 0);
	/* An overlapping block covering the second hole and more. */
	t_send_raw(&g, TH_ACK, base + 150, g.rcv_nxt, 65535, NULL, 0, src + 150,
	    300);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base + 450);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 250);
	ATF_CHECK(memcmp(b, src + 200, 250) == 0);
	ATF_CHECK_EQ(t_dbg(&g).nooo, 0);
	/* A pure duplicate: ACK at once, nothing to the host. */
	t_send_raw(&g, TH_ACK, base, g.rcv_nxt, 65535, NULL, 0, src, 100);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base + 450);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 0);
	ATF_CHECK(t_st()->tcp_dup >= 2);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(sack_blocks);
ATF_TC_BODY(sack_blocks, tc)
{
	struct tguest g;
	uint32_t base;
	uint8_t b[1024];

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42010);
	connect_full(&g, 2, 1);
	t_drop_all();
	base = g.snd_nxt;
	t_send_raw(&g, TH_ACK, base + 100, g.rcv_nxt, 65535, NULL, 0, src + 100,
	    100);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base);
	ATF_REQUIRE_EQ(S.nsack, 1);
	ATF_CHECK_EQ(S.sack[0][0], base + 100);
	ATF_CHECK_EQ(S.sack[0][1], base + 200);
	/* A second hole: the newest block comes first. */
	t_send_raw(&g, TH_ACK, base + 300, g.rcv_nxt, 65535, NULL, 0, src + 300,
	    100);
	ATF_REQUIRE(t_pop(&S));
	ATF_REQUIRE_EQ(S.nsack, 2);
	ATF_CHECK_EQ(S.sack[0][0], base + 300);
	ATF_CHECK_EQ(S.sack[0][1], base + 400);
	ATF_CHECK_EQ(S.sack[1][0], base + 100);
	ATF_CHECK_EQ(S.sack[1][1], base + 200);
	/* The gap between them: one block. */
	t_send_raw(&g, TH_ACK, base + 200, g.rcv_nxt, 65535, NULL, 0, src + 200,
	    100);
	ATF_REQUIRE(t_pop(&S));
	ATF_REQUIRE_EQ(S.nsack, 1);
	ATF_CHECK_EQ(S.sack[0][0], base + 100);
	ATF_CHECK_EQ(S.sack[0][1], base + 400);
	/* Many holes: at most 3 blocks beside the timestamps. */
	t_send_raw(&g, TH_ACK, base + 500, g.rcv_nxt, 65535, NULL, 0, src + 500,
	    10);
	t_send_raw(&g, TH_ACK, base + 600, g.rcv_nxt, 65535, NULL, 0, src + 600,
	    10);
	t_send_raw(&g, TH_ACK, base + 700, g.rcv_nxt, 65535, NULL, 0, src + 700,
	    10);
	while (E.qn > 1)
		ATF_REQUIRE(t_pop(&S));
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.nsack, 3);
	ATF_CHECK_EQ(S.sack[0][0], base + 700);
	/* Filled: no blocks, everything to the host in order. */
	t_send_raw(&g, TH_ACK, base, g.rcv_nxt, 65535, NULL, 0, src, 100);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, base + 400);
	ATF_CHECK_EQ(S.nsack, 3);	/* 500, 600, 700 still held */
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 400);
	ATF_CHECK(memcmp(b, src, 400) == 0);
	close(g.hostfd);
	t_finish();
}

/* RFC 6298 with a constant 150 ms RTT, timed segments or timestamps. */
static void
rtt_run(int ts)
{
	struct tguest g;
	struct tcp_debug d;
	int i;

	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42005);
	if (ts)
		connect_full(&g, 0, 1);
	else
		t_connect(&g);
	for (i = 0; i < 60; i++) {
		if (i == 0)
			t_drop_all();	/* window update after the handshake */
		ATF_REQUIRE_EQ(write(g.hostfd, "ping", 4), 4);
		t_pump();
		ATF_REQUIRE(t_pop(&S));
		ATF_REQUIRE_EQ(S.len, 4);
		t_note(&g, &S);
		g.rcv_nxt += 4;
		t_advance(150);
		t_ack(&g);
		d = t_dbg(&g);
		if (i == 0 && !ts) {
			/* First sample: SRTT = R, RTTVAR = R/2. */
			ATF_CHECK_EQ(d.srtt, 150);
			ATF_CHECK_EQ(d.rttvar, 75);
			ATF_CHECK_EQ(d.rto, 150 + 4 * 75);
		}
		t_drop_all();
	}
	ATF_CHECK(d.srtt >= 149 && d.srtt <= 151);
	ATF_CHECK(d.rttvar <= 5);
	ATF_CHECK(d.rto >= 149 + TCP_RTTVAR_MIN &&
	    d.rto <= 151 + TCP_RTTVAR_MIN);	/* variance floor */
	ATF_CHECK_EQ(t_st()->tcp_rexmt, 0);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(rtt_timed);
ATF_TC_BODY(rtt_timed, tc)
{
	rtt_run(0);
}

ATF_TC_WITHOUT_HEAD(rtt_timestamps);
ATF_TC_BODY(rtt_timestamps, tc)
{
	rtt_run(1);
}

ATF_TC_WITHOUT_HEAD(delayed_ack);
ATF_TC_BODY(delayed_ack, tc)
{
	struct tguest g;
	uint8_t b[4096];

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42006);
	t_connect(&g);
	t_send(&g, TH_ACK | TH_PUSH, src, 100);
	ATF_CHECK_EQ(E.qn, 0);
	t_advance(99);
	ATF_CHECK_EQ(E.qn, 0);
	t_advance(1);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(t_st()->tcp_delack, 1);
	/* Every second full segment is acked at once. */
	t_send(&g, TH_ACK, src, 1460);
	ATF_CHECK_EQ(E.qn, 0);
	t_send(&g, TH_ACK, src, 1460);
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(t_st()->tcp_delack, 1);
	ATF_CHECK_EQ(t_host_read(g.hostfd, b, sizeof(b)), 3020);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(nagle);
ATF_TC_BODY(nagle, tc)
{
	struct tguest g;

	start_default();
	t_guest_init(&g, "10.0.2.2", 23, 42007);
	t_connect(&g);
	ATF_REQUIRE_EQ(write(g.hostfd, "abc", 3), 3);
	t_pump();
	ATF_REQUIRE(t_pop(&S));		/* nothing in flight: goes out */
	ATF_CHECK_EQ(S.len, 3);
	ATF_CHECK(S.flags & TH_PUSH);
	ATF_REQUIRE_EQ(write(g.hostfd, "def", 3), 3);
	t_pump();
	ATF_CHECK_EQ(E.qn, 0);		/* held: "abc" is unacked */
	ATF_REQUIRE_EQ(write(g.hostfd, "ghi", 3), 3);
	t_pump();
	ATF_CHECK_EQ(E.qn, 0);
	g.rcv_nxt += 3;
	t_ack(&g);
	ATF_REQUIRE(t_pop(&S));		/* coalesced */
	ATF_CHECK_EQ(S.len, 6);
	ATF_CHECK(memcmp(S.data, "defghi", 6) == 0);
	ATF_CHECK(S.flags & TH_PUSH);
	close(g.hostfd);
	t_finish();
}

ATF_TC_WITHOUT_HEAD(zero_window_persist);
ATF_TC_BODY(zero_window_persist, tc)
{
	struct tguest g;
	uint64_t last, iv[8];
	uint32_t una;
	size_t got = 0;
	int i;

	fill();
	start_default();
	t_guest_init(&g, "10.0.2.2", 5001, 42008);
	g.win = 0;		/* the guest's window is closed from the start */
	t_connect(&g);
	ATF_REQUIRE_EQ(write(g.hostfd, src, 3000), 3000);
	t_pump();
	ATF_CHECK_EQ(E.qn, 0);
	una = g.rcv_nxt;
	last = E.now;
	for (i = 0; i < 8; i++) {
		t_next(1000000);
		ATF_REQUIRE(t_pop(&S));
		ATF_CHECK_EQ(S.seq, una);	/* one byte into the window */
		ATF_CHECK_EQ(S.len, 1);
		ATF_CHECK_EQ(E.qn, 0);
		iv[i] = E.now - last;
		last = E.now;
		t_ack(&g);			/* still closed */
		ATF_CHECK_EQ(E.qn, 0);
	}
	ATF_CHECK_EQ(t_st()->tcp_persist, 8);
	for (i = 1; i < 8; i++)
		ATF_CHECK(iv[i] >= iv[i - 1] && iv[i] <= 60000);
	ATF_CHECK(iv[7] > iv[0]);		/* backed off */
	ATF_CHECK_EQ(tcp_nconns(E.s), 1);	/* persist never gives up */
	/* The window opens: all data flows at once. */
	g.win = 65535;
	t_ack(&g);
	for (i = 0; i < 10 && got < 3000; i++) {
		recv_inorder(&g, dst, &got, 0);
		t_ack(&g);
	}
	ATF_CHECK_EQ(got, 3000);
	ATF_CHECK(memcmp(src, dst, 3000) == 0);
	ATF_CHECK_EQ(t_dbg(&g).t_persist, 0);
	close(g.hostfd);
	t_finish();
}

/* The host never reads: the window closes, memory stays bounded. */
ATF_TC_WITHOUT_HEAD(slow_host_reader);
ATF_TC_BODY(slow_host_reader, tc)
{
	struct stack_config c;
	struct tguest g;
	struct tcp_debug d;
	size_t sent = 0, got = 0, chunk;
	int32_t allowed;
	int i;
	uint64_t drops;

	fill();
	t_setup_cfg(&c);
	c.tcp_rcvbuf = 32768;
	t_start(&c);
	E.pairbuf = 4096;
	t_guest_init(&g, "10.0.2.2", 5001, 42009);
	t_connect(&g);
	for (i = 0; i < 200; i++) {
		allowed = (int32_t)(g.peer_ack + g.peer_win - g.snd_nxt);
		while (allowed > 0) {
			chunk = (size_t)allowed < 1460 ? (size_t)allowed : 1460;
			t_send(&g, TH_ACK, src + sent, chunk);
			sent += chunk;
			allowed -= (int32_t)chunk;
		}
		while (t_pop(&S))
			t_note(&g, &S);
		t_pump();
		t_advance(200);
		while (t_pop(&S))
			t_note(&g, &S);
	}
	d = t_dbg(&g);
	ATF_CHECK_EQ(g.peer_win, 0);
	ATF_CHECK_EQ(d.rcv_len, d.rcv_cap);
	ATF_CHECK(sent < 32768 + 256 * 1024);
	/* Sending into the closed window: trimmed and acked. */
	drops = t_st()->tcp_rcvwnd_drop;
	t_send(&g, TH_ACK, src + sent, 1);
	g.snd_nxt--;
	ATF_REQUIRE(t_pop(&S));
	ATF_CHECK_EQ(S.ack, g.snd_nxt);
	ATF_CHECK_EQ(S.win, 0);
	ATF_CHECK_EQ(t_st()->tcp_rcvwnd_drop, drops + 1);
	/* The reader wakes up: everything arrives, the window reopens. */
	for (i = 0; i < 1000 && got < sent; i++) {
		got += t_host_read(g.hostfd, dst + got, BIG - got);
		t_pump();
	}
	ATF_REQUIRE_EQ(got, sent);
	ATF_CHECK(memcmp(src, dst, sent) == 0);
	ATF_CHECK(E.qn > 0);
	while (t_pop(&S))
		t_note(&g, &S);
	ATF_CHECK(g.peer_win >= 16384);
	close(g.hostfd);
	t_finish();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, bulk_guest_to_host);
	ATF_TP_ADD_TC(tp, bulk_host_to_guest);
	ATF_TP_ADD_TC(tp, host_read_more);
	ATF_TP_ADD_TC(tp, rto_backoff_and_giveup);
	ATF_TP_ADD_TC(tp, fast_retransmit);
	ATF_TP_ADD_TC(tp, sack_recovery);
	ATF_TP_ADD_TC(tp, tail_loss_probe);
	ATF_TP_ADD_TC(tp, reorder_and_duplicates);
	ATF_TP_ADD_TC(tp, sack_blocks);
	ATF_TP_ADD_TC(tp, rtt_timed);
	ATF_TP_ADD_TC(tp, rtt_timestamps);
	ATF_TP_ADD_TC(tp, delayed_ack);
	ATF_TP_ADD_TC(tp, nagle);
	ATF_TP_ADD_TC(tp, zero_window_persist);
	ATF_TP_ADD_TC(tp, slow_host_reader);
	return atf_no_error();
}
