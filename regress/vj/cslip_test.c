/*
 * CSLIP on units (daemon/unit.c): a unit on one end of a socketpair,
 * the test playing the guest on the other with its own VJ state.
 * SLIP_AUTO stays plain until a real VJ frame arrives, then compresses;
 * CSLIP compresses from the start; SLIP refuses VJ frames; a damaged
 * frame makes the decompressor toss until resync.
 */
#include <sys/socket.h>
#include <atf-c.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slip.h"
#include "unit.h"
#include "vj.h"
#include "vjpkt.h"

#define MAXF	16

struct sink {
	uint8_t		 f[MAXF][2048];
	size_t		 len[MAXF];
	size_t		 n;
};

static void
sink_deliver(void *arg, const uint8_t *p, size_t len)
{
	struct sink *k = arg;

	ATF_REQUIRE(k->n < MAXF && len <= 2048);
	memcpy(k->f[k->n], p, len);
	k->len[k->n++] = len;
}

struct guest {
	int		 fd;
	struct vj	*vj;
	struct slip_dec	 dec;
	struct tconn	 c;		/* guest -> host connection */
	struct tconn	 h;		/* host -> guest, same connection */
};

static struct unit *
setup(struct guest *g, int framing)
{
	struct unit *u;
	int sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE((u = unit_new(sv[0], 1500, 0)) != NULL);
	if (framing >= 0)
		ATF_REQUIRE_EQ(unit_set_framing(u, framing), 0);
	g->fd = sv[1];
	ATF_REQUIRE((g->vj = vj_new(16, 16)) != NULL);
	ATF_REQUIRE(slip_dec_init(&g->dec, 1500) == 0);
	memset(&g->c, 0, sizeof(g->c));
	memcpy(g->c.src, "\x0a\x00\x02\x0f", 4);
	memcpy(g->c.dst, "\x7f\x00\x00\x01", 4);
	g->c.sport = 1025;
	g->c.dport = 80;
	g->c.seq = 1000;
	g->c.ack = 500000;
	g->c.win = 4096;
	g->h = g->c;
	memcpy(g->h.src, g->c.dst, 4);
	memcpy(g->h.dst, g->c.src, 4);
	g->h.sport = 80;
	g->h.dport = 1025;
	g->h.seq = g->c.ack;
	g->h.ack = g->c.seq;
	return u;
}

static void
teardown(struct unit *u, struct guest *g)
{
	close(u->fd);
	unit_free(u);
	close(g->fd);
	vj_free(g->vj);
	slip_dec_free(&g->dec);
}

/* The guest sends raw frame bytes; the unit reads them. */
static void
guest_raw(struct unit *u, struct guest *g, const uint8_t *p, size_t len,
    struct sink *k)
{
	static uint8_t enc[SLIP_ENCMAX(2048)];
	size_t n = slip_encode(enc, p, len);

	ATF_REQUIRE_EQ(write(g->fd, enc, n), (ssize_t)n);
	ATF_REQUIRE_EQ(unit_input(u, 1, sink_deliver, k), UNIT_OK);
}

/* The guest's next data segment, sent plain (cslip 0) or compressed. */
static size_t
guest_send(struct unit *u, struct guest *g, int cslip, uint8_t *pkt,
    struct sink *k, int *type)
{
	uint8_t c[2048];
	size_t len, n;
	int t;

	len = tp_build(pkt, &g->c, TH_ACK | TH_PSH, NULL, 0, NULL, 0,
	    (const uint8_t *)"hello, world", 12);
	g->c.seq += 12;
	g->c.id++;
	if (cslip) {
		t = vj_compress(g->vj, pkt, len, c, sizeof(c), &n, 1);
		c[0] = VJ_SLIP_MARK(t, c[0]);
		guest_raw(u, g, c, n, k);
	} else {
		t = VJ_TYPE_IP;
		guest_raw(u, g, pkt, len, k);
	}
	if (type != NULL)
		*type = t;
	return len;
}

/* Queue n host segments on the unit, flush, and collect the frames. */
static void
host_send(struct unit *u, struct guest *g, int n, uint8_t pkt[][2048],
    size_t *len, struct sink *frames)
{
	uint8_t rd[65536];
	ssize_t r;
	int i;

	for (i = 0; i < n; i++) {
		len[i] = tp_build(pkt[i], &g->h, TH_ACK, NULL, 0, NULL, 0,
		    (const uint8_t *)"0123456789abcdef", 16);
		g->h.seq += 16;
		g->h.id++;
		ATF_REQUIRE_EQ(unit_enqueue(u, pkt[i], len[i],
		    UNIT_PRIO_BULK), 0);
	}
	ATF_REQUIRE_EQ(unit_flush(u), 0);
	frames->n = 0;
	while ((r = read(g->fd, rd, sizeof(rd))) > 0)
		slip_decode(&g->dec, rd, (size_t)r, sink_deliver, frames);
	ATF_REQUIRE_EQ(frames->n, (size_t)n);
}

/* The guest decompresses a frame from the host; must equal pkt. */
static void
guest_check(struct guest *g, const uint8_t *f, size_t flen,
    const uint8_t *pkt, size_t len)
{
	uint8_t out[2048];
	size_t o;

	ATF_REQUIRE_EQ(vj_uncompress(g->vj, VJ_TYPE_SLIP(f[0]), f, flen, out,
	    sizeof(out), &o), 0);
	ATF_CHECK_EQ(o, len);
	ATF_CHECK(memcmp(out, pkt, len) == 0);
}

ATF_TC_WITHOUT_HEAD(auto_switch);
ATF_TC_BODY(auto_switch, tc)
{
	static struct sink k, fr;
	static uint8_t hp[4][2048];
	struct guest g;
	struct unit *u;
	uint8_t pkt[2048], noise[64];
	size_t len, hl[4];
	int t;

	u = setup(&g, -1);
	ATF_CHECK_EQ(u->framing, UNIT_SLIP_AUTO);
	/* Plain SLIP both ways at first. */
	len = guest_send(u, &g, 0, pkt, &k, NULL);
	ATF_REQUIRE_EQ(k.n, 1);
	ATF_CHECK(k.len[0] == len && memcmp(k.f[0], pkt, len) == 0);
	host_send(u, &g, 2, hp, hl, &fr);
	ATF_CHECK(fr.len[0] == hl[0] && memcmp(fr.f[0], hp[0], hl[0]) == 0);
	ATF_CHECK(fr.len[1] == hl[1] && memcmp(fr.f[1], hp[1], hl[1]) == 0);
	/* Line noise that looks like VJ does not switch: handed on as is. */
	memset(noise, 0xc1, sizeof(noise));
	k.n = 0;
	guest_raw(u, &g, noise, sizeof(noise), &k);
	noise[0] = 0x75;
	guest_raw(u, &g, noise, sizeof(noise), &k);
	ATF_CHECK_EQ(k.n, 2);
	ATF_CHECK_EQ(u->framing, UNIT_SLIP_AUTO);
	host_send(u, &g, 1, hp, hl, &fr);
	ATF_CHECK(fr.len[0] == hl[0] && memcmp(fr.f[0], hp[0], hl[0]) == 0);
	/* The guest's first VJ frame: uncompressed TCP.  Now CSLIP. */
	k.n = 0;
	len = guest_send(u, &g, 1, pkt, &k, &t);
	ATF_CHECK_EQ(t, VJ_TYPE_UNCOMPRESSED_TCP);
	ATF_REQUIRE_EQ(k.n, 1);
	ATF_CHECK(k.len[0] == len && memcmp(k.f[0], pkt, len) == 0);
	ATF_CHECK_EQ(u->framing, UNIT_CSLIP);
	len = guest_send(u, &g, 1, pkt, &k, &t);
	ATF_CHECK_EQ(t, VJ_TYPE_COMPRESSED_TCP);
	ATF_REQUIRE_EQ(k.n, 2);
	ATF_CHECK(k.len[1] == len && memcmp(k.f[1], pkt, len) == 0);
	/* Our output is compressed from now on. */
	host_send(u, &g, 3, hp, hl, &fr);
	ATF_CHECK_EQ(fr.f[0][0] & 0xf0, 0x70);
	ATF_CHECK(fr.f[1][0] & 0x80);
	ATF_CHECK(fr.f[2][0] & 0x80);
	ATF_CHECK_EQ(fr.len[1], 3 + 16);
	guest_check(&g, fr.f[0], fr.len[0], hp[0], hl[0]);
	guest_check(&g, fr.f[1], fr.len[1], hp[1], hl[1]);
	guest_check(&g, fr.f[2], fr.len[2], hp[2], hl[2]);
	ATF_CHECK_EQ(vj_stats(u->vj)->out_compressed, 2);
	ATF_CHECK_EQ(vj_stats(u->vj)->in_compressed, 1);
	ATF_CHECK_EQ(vj_stats(u->vj)->in_uncompressed, 1);
	ATF_CHECK_EQ(unit_stats(u)->vj_refused, 0);
	/* The unit's counters carry a copy, for slirpctl show stats. */
	ATF_CHECK_EQ(unit_stats(u)->vj.out_compressed, 2);
	ATF_CHECK_EQ(unit_stats(u)->vj.out_uncompressed, 1);
	ATF_CHECK_EQ(unit_stats(u)->vj.in_compressed, 1);
	ATF_CHECK_EQ(unit_stats(u)->vj.in_uncompressed, 1);
	ATF_CHECK_EQ(unit_stats(u)->vj.in_errors, 2);	/* the noise */
	teardown(u, &g);
}

ATF_TC_WITHOUT_HEAD(slip_only);
ATF_TC_BODY(slip_only, tc)
{
	static struct sink k, fr;
	static uint8_t hp[4][2048];
	struct guest g;
	struct unit *u;
	uint8_t pkt[2048];
	size_t len, hl[4];

	u = setup(&g, UNIT_SLIP);
	guest_send(u, &g, 1, pkt, &k, NULL);
	guest_send(u, &g, 1, pkt, &k, NULL);
	ATF_CHECK_EQ(k.n, 0);
	ATF_CHECK_EQ(unit_stats(u)->vj_refused, 2);
	ATF_CHECK_EQ(u->framing, UNIT_SLIP);
	ATF_CHECK(u->vj == NULL);
	len = guest_send(u, &g, 0, pkt, &k, NULL);
	ATF_REQUIRE_EQ(k.n, 1);
	ATF_CHECK(k.len[0] == len && memcmp(k.f[0], pkt, len) == 0);
	host_send(u, &g, 3, hp, hl, &fr);
	ATF_CHECK(fr.len[1] == hl[1] && memcmp(fr.f[1], hp[1], hl[1]) == 0);
	ATF_CHECK(fr.len[2] == hl[2] && memcmp(fr.f[2], hp[2], hl[2]) == 0);
	teardown(u, &g);
}

ATF_TC_WITHOUT_HEAD(cslip_forced);
ATF_TC_BODY(cslip_forced, tc)
{
	static struct sink fr;
	static uint8_t hp[4][2048];
	struct guest g;
	struct unit *u;
	size_t hl[4];

	u = setup(&g, -1);
	ATF_CHECK_EQ(unit_set_vj_slots(u, 257), -1);
	ATF_REQUIRE_EQ(unit_set_vj_slots(u, 4), 0);
	ATF_REQUIRE_EQ(unit_set_framing(u, UNIT_CSLIP), 0);
	ATF_CHECK_EQ(vj_tx_slots(u->vj), 4);
	ATF_CHECK_EQ(unit_set_vj_slots(u, 8), -1);
	ATF_CHECK_EQ(unit_set_framing(u, (enum unit_framing)42), -1);
	/* Compressed before the guest said anything. */
	host_send(u, &g, 2, hp, hl, &fr);
	ATF_CHECK_EQ(fr.f[0][0] & 0xf0, 0x70);
	ATF_CHECK(fr.f[1][0] & 0x80);
	guest_check(&g, fr.f[0], fr.len[0], hp[0], hl[0]);
	guest_check(&g, fr.f[1], fr.len[1], hp[1], hl[1]);
	/* Non-TCP goes as plain IP. */
	hl[2] = tp_build(hp[2], &g.h, TH_ACK, NULL, 0, NULL, 0, NULL, 0);
	hp[2][9] = 17;
	ATF_REQUIRE_EQ(unit_enqueue(u, hp[2], hl[2], UNIT_PRIO_BULK), 0);
	ATF_REQUIRE_EQ(unit_flush(u), 0);
	fr.n = 0;
	{
		uint8_t rd[4096];
		ssize_t r;

		while ((r = read(g.fd, rd, sizeof(rd))) > 0)
			slip_decode(&g.dec, rd, (size_t)r, sink_deliver, &fr);
	}
	ATF_REQUIRE_EQ(fr.n, 1);
	ATF_CHECK(fr.len[0] == hl[2] && memcmp(fr.f[0], hp[2], hl[2]) == 0);
	teardown(u, &g);
}

/* A frame damaged on the line: compressed frames tossed until resync. */
ATF_TC_WITHOUT_HEAD(damaged_frame);
ATF_TC_BODY(damaged_frame, tc)
{
	static struct sink k;
	struct guest g;
	struct unit *u;
	uint8_t pkt[2048], bad[4] = { SLIP_END, 0x80, SLIP_ESC, 0x11 };
	size_t len;
	int t;

	u = setup(&g, UNIT_CSLIP);
	guest_send(u, &g, 1, pkt, &k, NULL);
	guest_send(u, &g, 1, pkt, &k, NULL);
	ATF_REQUIRE_EQ(k.n, 2);
	/* A bad escape: the frame (the guest's next one) is lost. */
	ATF_REQUIRE_EQ(write(g.fd, bad, sizeof(bad)), 4);
	guest_send(u, &g, 1, pkt, &k, &t);
	ATF_CHECK_EQ(t, VJ_TYPE_COMPRESSED_TCP);
	ATF_CHECK_EQ(unit_stats(u)->bad_esc, 1);
	ATF_CHECK_EQ(vj_stats(u->vj)->in_lost, 1);
	guest_send(u, &g, 1, pkt, &k, &t);
	ATF_CHECK_EQ(k.n, 2);
	ATF_CHECK_EQ(vj_stats(u->vj)->in_tossed, 2);
	/* The guest retransmits (uncompressed): back in sync. */
	g.c.seq -= 12;
	len = guest_send(u, &g, 1, pkt, &k, &t);
	ATF_CHECK_EQ(t, VJ_TYPE_UNCOMPRESSED_TCP);
	ATF_REQUIRE_EQ(k.n, 3);
	ATF_CHECK(k.len[2] == len && memcmp(k.f[2], pkt, len) == 0);
	len = guest_send(u, &g, 1, pkt, &k, &t);
	ATF_CHECK_EQ(t, VJ_TYPE_COMPRESSED_TCP);
	ATF_REQUIRE_EQ(k.n, 4);
	ATF_CHECK(k.len[3] == len && memcmp(k.f[3], pkt, len) == 0);
	/* Garbage that is no CSLIP type at all: counted, not delivered. */
	guest_raw(u, &g, (const uint8_t *)"\x21\x22\x23", 3, &k);
	ATF_CHECK_EQ(k.n, 4);
	ATF_CHECK_EQ(vj_stats(u->vj)->in_errors, 1);
	teardown(u, &g);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, auto_switch);
	ATF_TP_ADD_TC(tp, slip_only);
	ATF_TP_ADD_TC(tp, cslip_forced);
	ATF_TP_ADD_TC(tp, damaged_frame);
	return atf_no_error();
}
