/*
 * SLIP framing and units: round trips of random frames full of END and
 * ESC bytes split at every byte boundary, garbage, bad escapes, frames
 * over the MRU, the five-keystroke rule on a fake clock, output
 * priority, queue bounds and partial writes.
 */
#include <sys/socket.h>
#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slip.h"
#include "unit.h"

#define MAXF	64

struct sink {
	uint8_t		*f[MAXF];
	size_t		 len[MAXF];
	size_t		 n;
};

static void
sink_deliver(void *arg, const uint8_t *p, size_t len)
{
	struct sink *k = arg;

	ATF_REQUIRE(k->n < MAXF);
	ATF_REQUIRE((k->f[k->n] = malloc(len)) != NULL);
	memcpy(k->f[k->n], p, len);
	k->len[k->n++] = len;
}

static void
sink_clear(struct sink *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->f[i]);
	k->n = 0;
}

static uint32_t rnd = 12345;

static uint8_t
rbyte(void)
{
	rnd = rnd * 1103515245 + 12345;
	/* Plenty of END and ESC: a quarter of the bytes. */
	switch ((rnd >> 16) % 8) {
	case 0:
		return SLIP_END;
	case 1:
		return SLIP_ESC;
	default:
		return (uint8_t)(rnd >> 24);
	}
}

struct frames {
	uint8_t		 f[8][400];
	size_t		 len[8];
	size_t		 n;
	uint8_t		 enc[8 * 802];
	size_t		 elen;
};

static void
mk_frames(struct frames *fr, size_t n, size_t maxlen)
{
	size_t i, j;

	fr->n = n;
	fr->elen = 0;
	for (i = 0; i < n; i++) {
		fr->len[i] = 1 + (rbyte() * 7u + i) % maxlen;
		for (j = 0; j < fr->len[i]; j++)
			fr->f[i][j] = rbyte();
		fr->elen += slip_encode(fr->enc + fr->elen, fr->f[i],
		    fr->len[i]);
	}
}

static void
check_frames(const struct frames *fr, const struct sink *k)
{
	size_t i;

	ATF_REQUIRE_EQ(k->n, fr->n);
	for (i = 0; i < fr->n; i++) {
		ATF_REQUIRE_EQ(k->len[i], fr->len[i]);
		ATF_REQUIRE(memcmp(k->f[i], fr->f[i], fr->len[i]) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(encode_format);
ATF_TC_BODY(encode_format, tc)
{
	const uint8_t in[] = { 1, SLIP_END, 2, SLIP_ESC, 3 };
	const uint8_t want[] = { SLIP_END, 1, SLIP_ESC, SLIP_ESC_END, 2,
	    SLIP_ESC, SLIP_ESC_ESC, 3, SLIP_END };
	uint8_t out[SLIP_ENCMAX(5)];

	ATF_REQUIRE_EQ(slip_encode(out, in, 5), sizeof(want));
	ATF_CHECK(memcmp(out, want, sizeof(want)) == 0);
}

/* RFC 1055 byte by byte: what slip_encode() must produce. */
static size_t
ref_encode(uint8_t *out, const uint8_t *p, size_t n)
{
	size_t i, o = 0;

	out[o++] = SLIP_END;
	for (i = 0; i < n; i++) {
		if (p[i] == SLIP_END) {
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_END;
		} else if (p[i] == SLIP_ESC) {
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_ESC;
		} else
			out[o++] = p[i];
	}
	out[o++] = SLIP_END;
	return o;
}

/*
 * Long runs with one or two END/ESC at every offset, among bytes one bit
 * or one step away from them, at every alignment: the word-wise scan
 * must find exactly the bytes the byte-wise one does.
 */
ATF_TC_WITHOUT_HEAD(sparse_specials);
ATF_TC_BODY(sparse_specials, tc)
{
	static const uint8_t near[] = { 0xc1, 0xbf, 0xc8, 0x40, 0xda, 0xdc,
	    0xdd, 0x5b, 0xd3, 0x00, 0xff, 0x80, 0xe0, 0xcb };
	static uint8_t buf[80 + 8], got[SLIP_ENCMAX(80)], want[SLIP_ENCMAX(80)];
	struct slip_dec d;
	struct sink k = { .n = 0 };
	size_t align, len, i, j, n, m;
	uint8_t *f;

	for (align = 0; align < 8; align++) {
		f = buf + align;
		for (len = 1; len <= 80; len++)
			for (i = 0; i <= len; i++) {
				for (j = 0; j < len; j++)
					f[j] = near[(j + len + i) %
					    sizeof(near)];
				if (i < len)
					f[i] = (i & 1) ? SLIP_ESC : SLIP_END;
				if (i + 9 < len)
					f[i + 9] = SLIP_END;
				n = slip_encode(got, f, len);
				m = ref_encode(want, f, len);
				ATF_REQUIRE_EQ(n, m);
				ATF_REQUIRE(memcmp(got, want, n) == 0);
				ATF_REQUIRE(slip_dec_init(&d, 100) == 0);
				slip_decode(&d, got + align % 2,
				    n - align % 2, sink_deliver, &k);
				ATF_REQUIRE_EQ(k.n, 1);
				ATF_REQUIRE_EQ(k.len[0], len);
				ATF_REQUIRE(memcmp(k.f[0], f, len) == 0);
				sink_clear(&k);
				slip_dec_free(&d);
			}
	}
}

ATF_TC_WITHOUT_HEAD(round_trip_splits);
ATF_TC_BODY(round_trip_splits, tc)
{
	static struct frames fr;
	struct slip_dec d;
	struct sink k = { .n = 0 };
	size_t cut, i, round;

	for (round = 0; round < 4; round++) {
		mk_frames(&fr, 6, 300);
		/* Whole, then split in two at every byte boundary. */
		for (cut = 0; cut <= fr.elen; cut++) {
			ATF_REQUIRE(slip_dec_init(&d, 400) == 0);
			slip_decode(&d, fr.enc, cut, sink_deliver, &k);
			slip_decode(&d, fr.enc + cut, fr.elen - cut,
			    sink_deliver, &k);
			check_frames(&fr, &k);
			ATF_CHECK_EQ(d.too_long + d.bad_esc, 0);
			sink_clear(&k);
			slip_dec_free(&d);
		}
		/* One byte per read. */
		ATF_REQUIRE(slip_dec_init(&d, 400) == 0);
		for (i = 0; i < fr.elen; i++)
			slip_decode(&d, fr.enc + i, 1, sink_deliver, &k);
		check_frames(&fr, &k);
		ATF_CHECK_EQ(d.frames, fr.n);
		sink_clear(&k);
		slip_dec_free(&d);
	}
}

ATF_TC_WITHOUT_HEAD(garbage_and_errors);
ATF_TC_BODY(garbage_and_errors, tc)
{
	struct slip_dec d;
	struct sink k = { .n = 0 };
	uint8_t buf[4096], big[600];
	const uint8_t f1[] = { 0x45, 1, 2, SLIP_END, 3 };
	size_t n = 0, i, pass;

	memset(big, 0x41, sizeof(big));
	for (pass = 0; pass < 2; pass++) {
		n = 0;
		/* Empty frames, a bad escape, an over-long frame. */
		buf[n++] = SLIP_END;
		buf[n++] = SLIP_END;
		buf[n++] = 'x';
		buf[n++] = SLIP_ESC;
		buf[n++] = 'y';
		buf[n++] = 'z';
		n += slip_encode(buf + n, f1, sizeof(f1));
		buf[n++] = 7;
		buf[n++] = SLIP_ESC;
		buf[n++] = SLIP_END;			/* abort */
		n += slip_encode(buf + n, big, 401);
		n += slip_encode(buf + n, f1, 2);
		n += slip_encode(buf + n, big, 400);
		ATF_REQUIRE(slip_dec_init(&d, 400) == 0);
		if (pass == 0)
			slip_decode(&d, buf, n, sink_deliver, &k);
		else
			for (i = 0; i < n; i++)
				slip_decode(&d, buf + i, 1, sink_deliver, &k);
		ATF_REQUIRE_EQ(k.n, 3);
		ATF_CHECK_EQ(k.len[0], sizeof(f1));
		ATF_CHECK(memcmp(k.f[0], f1, sizeof(f1)) == 0);
		ATF_CHECK_EQ(k.len[1], 2);
		ATF_CHECK_EQ(k.len[2], 400);
		ATF_CHECK_EQ(d.too_long, 1);
		ATF_CHECK_EQ(d.bad_esc, 2);
		ATF_CHECK(d.empty >= 2);
		sink_clear(&k);
		slip_dec_free(&d);
	}
	/* Garbage with no END at all is held, never delivered. */
	ATF_REQUIRE(slip_dec_init(&d, 400) == 0);
	slip_decode(&d, big, 300, sink_deliver, &k);
	ATF_CHECK_EQ(k.n, 0);
	ATF_CHECK_EQ(slip_dec_pending(&d), 300);
	slip_dec_free(&d);
}

static struct unit *
mk_unit(int sv[2], unsigned int baud)
{
	struct unit *u;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE((u = unit_new(sv[0], 1500, baud)) != NULL);
	return u;
}

/* Type c on the line every gap ms, n times; the last unit_input result. */
static int
type_keys(struct unit *u, int peer, uint64_t *now, char c, int n,
    uint64_t gap, struct sink *k)
{
	int i, r = UNIT_OK;

	for (i = 0; i < n; i++) {
		*now += gap;
		ATF_REQUIRE_EQ(write(peer, &c, 1), 1);
		r = unit_input(u, *now, sink_deliver, k);
		if (r != UNIT_OK)
			return r;
	}
	return r;
}

ATF_TC_WITHOUT_HEAD(five_zeros);
ATF_TC_BODY(five_zeros, tc)
{
	struct sink k = { .n = 0 };
	struct unit *u;
	uint64_t now = 100000;
	int sv[2];
	const uint8_t f1[] = { 0x45, 0, 0, 20 };
	uint8_t enc[20];
	size_t n;

	u = mk_unit(sv, 0);
	/* About a second apart: the session ends at the fifth. */
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 4, 1000, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 1, 1000, &k), UNIT_ZEROS);
	ATF_CHECK_EQ(k.n, 0);
	ATF_CHECK_EQ(slip_dec_pending(&u->dec), 0);
	/* Ones detach. */
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '1', 5, 900, &k), UNIT_ONES);
	/* Too slow, too fast, or mixed: nothing. */
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 8, 4000, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 8, 50, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 3, 1000, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '1', 2, 1000, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 3, 1000, &k), UNIT_OK);
	/* Five zeros in one read are data, not keystrokes. */
	now += 1000;
	ATF_REQUIRE_EQ(write(sv[1], "00000", 5), 5);
	ATF_CHECK_EQ(unit_input(u, now, sink_deliver, &k), UNIT_OK);
	/* After a frame's END the count starts over and still works. */
	n = slip_encode(enc, f1, sizeof(f1));
	now += 1000;
	ATF_REQUIRE_EQ(write(sv[1], enc, n), (ssize_t)n);
	ATF_CHECK_EQ(unit_input(u, now, sink_deliver, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 5, 1000, &k), UNIT_ZEROS);
	/* Inside a frame (no END yet) zeros are frame data. */
	now += 1000;
	ATF_REQUIRE_EQ(write(sv[1], enc, 3), 3);
	ATF_CHECK_EQ(unit_input(u, now, sink_deliver, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 5, 1000, &k), UNIT_OK);
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 5, 1000, &k), UNIT_OK);
	/* A frame stalled for longer than any keystroke gap is dropped. */
	now += 5000;
	ATF_CHECK_EQ(type_keys(u, sv[1], &now, '0', 5, 1000, &k), UNIT_ZEROS);
	ATF_CHECK(unit_stats(u)->stale >= 1);
	sink_clear(&k);
	unit_free(u);
	/* EOF on the line. */
	close(sv[1]);
	ATF_CHECK_EQ(unit_input(u = unit_new(sv[0], 1500, 0), now,
	    sink_deliver, &k), UNIT_EOF);
	unit_free(u);
	close(sv[0]);
}

ATF_TC_WITHOUT_HEAD(input_batch);
ATF_TC_BODY(input_batch, tc)
{
	struct sink k = { .n = 0 };
	static uint8_t enc[65536];
	uint8_t f[1600];
	struct unit *u;
	size_t n = 0, i;
	int sv[2];

	u = mk_unit(sv, 0);
	memset(f, SLIP_END, sizeof(f));
	for (i = 0; i < 40; i++)
		n += slip_encode(enc + n, f, 10 + i);
	n += slip_encode(enc + n, f, 1501);		/* over the MRU */
	n += slip_encode(enc + n, f, 1500);
	ATF_REQUIRE_EQ(write(sv[1], enc, n), (ssize_t)n);
	ATF_CHECK_EQ(unit_input(u, 1, sink_deliver, &k), UNIT_OK);
	ATF_CHECK_EQ(k.n, 41);
	ATF_CHECK_EQ(k.len[40], 1500);
	ATF_CHECK_EQ(unit_stats(u)->reads, 1);
	ATF_CHECK_EQ(unit_stats(u)->frames_in, 41);
	ATF_CHECK_EQ(unit_stats(u)->too_long, 1);
	ATF_CHECK_EQ(unit_stats(u)->bytes_in, n);
	/* Nothing to read is fine. */
	ATF_CHECK_EQ(unit_input(u, 2, sink_deliver, &k), UNIT_OK);
	sink_clear(&k);
	unit_free(u);
	close(sv[0]);
	close(sv[1]);
}

/* Read and decode everything the unit wrote so far. */
static void
drain(int fd, struct slip_dec *d, struct sink *k)
{
	uint8_t b[65536];
	ssize_t n;

	while ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
		slip_decode(d, b, (size_t)n, sink_deliver, k);
}

ATF_TC_WITHOUT_HEAD(output_priority);
ATF_TC_BODY(output_priority, tc)
{
	struct sink k = { .n = 0 };
	struct slip_dec d;
	struct unit *u;
	uint8_t p[3][100];
	int sv[2], i;

	u = mk_unit(sv, 0);
	ATF_REQUIRE(slip_dec_init(&d, 2000) == 0);
	for (i = 0; i < 3; i++)
		memset(p[i], 'a' + i, sizeof(p[i]));
	ATF_CHECK(!unit_want_write(u));
	ATF_CHECK_EQ(unit_enqueue(u, p[0], 100, UNIT_PRIO_BULK), 0);
	ATF_CHECK_EQ(unit_enqueue(u, p[1], 50, UNIT_PRIO_BULK), 0);
	ATF_CHECK_EQ(unit_enqueue(u, p[2], 30, UNIT_PRIO_INTERACTIVE), 0);
	ATF_CHECK(unit_want_write(u));
	ATF_CHECK_EQ(unit_flush(u), 0);
	ATF_CHECK(!unit_want_write(u));
	ATF_CHECK_EQ(unit_stats(u)->writes, 1);	/* one write for all */
	ATF_CHECK_EQ(unit_stats(u)->frames_out, 3);
	drain(sv[1], &d, &k);
	ATF_REQUIRE_EQ(k.n, 3);
	ATF_CHECK_EQ(k.len[0], 30);
	ATF_CHECK_EQ(k.f[0][0], 'c');
	ATF_CHECK_EQ(k.len[1], 100);
	ATF_CHECK_EQ(k.f[1][0], 'a');
	ATF_CHECK_EQ(k.len[2], 50);
	/* Frames share END bytes: 3 frames, 4 ENDs, no escapes here. */
	ATF_CHECK_EQ(unit_stats(u)->bytes_out, 180 + 4);
	sink_clear(&k);
	slip_dec_free(&d);
	unit_free(u);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(room_and_partial_writes);
ATF_TC_BODY(room_and_partial_writes, tc)
{
	struct sink k = { .n = 0 };
	struct slip_dec d;
	struct unit *u;
	static uint8_t p[1500];
	size_t room, sent = 0, i;
	int sv[2], sz = 4096, spins;

	u = mk_unit(sv, 9600);
	ATF_REQUIRE(slip_dec_init(&d, 2000) == 0);
	ATF_REQUIRE(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)) == 0);
	room = unit_room(u);
	/* 9600 baud: a couple of seconds of line time, at least 16 KiB. */
	ATF_CHECK(room >= 16 * 1024 && room <= 64 * 1024);
	memset(p, SLIP_ESC, sizeof(p));		/* doubles on the wire */
	while (unit_enqueue(u, p, 1000, UNIT_PRIO_BULK) == 0) {
		sent++;
		ATF_CHECK_EQ(unit_room(u), room - sent * 1000);
	}
	ATF_CHECK_EQ(sent, room / 1000);
	ATF_CHECK_EQ(unit_stats(u)->drops, 1);
	ATF_CHECK_EQ(unit_enqueue(u, p, 0, UNIT_PRIO_BULK), -1);
	/* The fd takes a little at a time; nothing is lost or reordered. */
	for (spins = 0; spins < 10000 && unit_want_write(u); spins++) {
		ATF_REQUIRE_EQ(unit_flush(u), 0);
		drain(sv[1], &d, &k);
		if (k.n > 0 && unit_room(u) >= 1000 && sent < 40) {
			ATF_REQUIRE_EQ(unit_enqueue(u, p, 1000,
			    UNIT_PRIO_BULK), 0);
			sent++;
		}
		if (k.n >= MAXF - 1) {
			for (i = 0; i < k.n; i++)
				ATF_REQUIRE_EQ(k.len[i], 1000);
			sent -= k.n;
			sink_clear(&k);
		}
	}
	drain(sv[1], &d, &k);
	ATF_CHECK(!unit_want_write(u));
	ATF_CHECK_EQ(k.n, sent);
	for (i = 0; i < k.n; i++) {
		ATF_CHECK_EQ(k.len[i], 1000);
		ATF_CHECK(memcmp(k.f[i], p, 1000) == 0);
	}
	ATF_CHECK_EQ(unit_room(u), room);
	ATF_CHECK(unit_stats(u)->writes > 2);
	sink_clear(&k);
	/* A write error is reported (the engine ignores SIGPIPE too). */
	signal(SIGPIPE, SIG_IGN);
	close(sv[1]);
	ATF_REQUIRE_EQ(unit_enqueue(u, p, 10, UNIT_PRIO_BULK), 0);
	ATF_CHECK_EQ(unit_flush(u), -1);
	slip_dec_free(&d);
	unit_free(u);
	close(sv[0]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, encode_format);
	ATF_TP_ADD_TC(tp, sparse_specials);
	ATF_TP_ADD_TC(tp, round_trip_splits);
	ATF_TP_ADD_TC(tp, garbage_and_errors);
	ATF_TP_ADD_TC(tp, five_zeros);
	ATF_TP_ADD_TC(tp, input_batch);
	ATF_TP_ADD_TC(tp, output_priority);
	ATF_TP_ADD_TC(tp, room_and_partial_writes);
	return atf_no_error();
}
