/*
 * HDLC framing: FCS vectors, escaping with the default and negotiated
 * ACCM and extra escapes, frames split at every byte, bad FCS, runts,
 * oversize and aborted frames counted, unescaped control chars ignored.
 */
#include <atf-c.h>
#include <stdlib.h>
#include <string.h>

#include "hdlc.h"

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

	ATF_REQUIRE(k->n < MAXF);
	ATF_REQUIRE(len <= sizeof(k->f[0]));
	memcpy(k->f[k->n], p, len);
	k->len[k->n++] = len;
}

ATF_TC_WITHOUT_HEAD(fcs_vectors);
ATF_TC_BODY(fcs_vectors, tc)
{
	const uint8_t chk[] = "123456789";
	uint8_t buf[16];
	uint16_t fcs;

	/* The CRC-16/X.25 check value: the complemented FCS of "1..9". */
	fcs = hdlc_fcs(HDLC_FCS_INIT, chk, 9) ^ 0xffff;
	ATF_CHECK_EQ(fcs, 0x906e);
	/* Data followed by its FCS, LSB first, gives the good value. */
	memcpy(buf, chk, 9);
	buf[9] = fcs & 0xff;
	buf[10] = fcs >> 8;
	ATF_CHECK_EQ(hdlc_fcs(HDLC_FCS_INIT, buf, 11), HDLC_FCS_GOOD);
	buf[3] ^= 1;
	ATF_CHECK(hdlc_fcs(HDLC_FCS_INIT, buf, 11) != HDLC_FCS_GOOD);
}

/* Encode all 256 byte values, check escaping, decode back. */
static void
check_map(uint32_t accm, int extra)
{
	struct hdlc_xmap m;
	struct hdlc_dec d;
	struct sink *k;
	uint8_t data[256], out[HDLC_ENCMAX(256)];
	size_t n, i, esc = 0, want = 0;
	unsigned int c;

	ATF_REQUIRE((k = calloc(1, sizeof(*k))) != NULL);
	for (c = 0; c < 256; c++)
		data[c] = (uint8_t)c;
	hdlc_xmap_init(&m, accm);
	if (extra >= 0)
		hdlc_xmap_add(&m, (uint8_t)extra);
	for (c = 0; c < 256; c++)
		if ((c < 0x20 && (accm >> c) & 1) || c == 0x7d || c == 0x7e ||
		    (int)c == extra)
			want++;
	n = hdlc_encode(out, &m, NULL, 0, data, 256);
	ATF_CHECK_EQ(out[0], HDLC_FLAG);
	ATF_CHECK_EQ(out[n - 1], HDLC_FLAG);
	for (i = 1; i < n - 1; i++) {
		ATF_CHECK(out[i] != HDLC_FLAG);
		if (out[i] == HDLC_ESC) {
			esc++;
			i++;
		} else if (out[i] < 0x20)
			ATF_CHECK(!((accm >> out[i]) & 1));
	}
	/* The two FCS bytes may be escaped too. */
	ATF_CHECK(esc >= want && esc <= want + 2);
	ATF_REQUIRE(hdlc_dec_init(&d, 300) == 0);
	d.raccm = accm;
	hdlc_decode(&d, out, n, sink_deliver, k);
	ATF_REQUIRE_EQ(k->n, 1);
	ATF_CHECK_EQ(k->len[0], 256);
	ATF_CHECK(memcmp(k->f[0], data, 256) == 0);
	hdlc_dec_free(&d);
	free(k);
}

ATF_TC_WITHOUT_HEAD(accm_default);
ATF_TC_BODY(accm_default, tc)
{
	check_map(0xffffffff, -1);
}

ATF_TC_WITHOUT_HEAD(accm_negotiated);
ATF_TC_BODY(accm_negotiated, tc)
{
	check_map(0, -1);
	check_map(0x000a0000, -1);	/* XON/XOFF */
	check_map(0, 0xff);		/* escape 0xff */
	check_map(0x1, 0x7f);
}

ATF_TC_WITHOUT_HEAD(split_every_byte);
ATF_TC_BODY(split_every_byte, tc)
{
	struct hdlc_xmap m;
	struct hdlc_dec d;
	struct sink *k;
	uint8_t a[40], b[3] = { 0x7e, 0x7d, 0x7e }, out[512];
	size_t n, cut, i;

	ATF_REQUIRE((k = calloc(1, sizeof(*k))) != NULL);
	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 37) ^ (i & 1 ? 0x7e : 0x7d);
	hdlc_xmap_init(&m, 0);
	n = hdlc_encode(out, &m, NULL, 0, a, sizeof(a));
	/* Share the flag between frames, as senders do. */
	n += hdlc_encode(out + n - 1, &m, NULL, 0, b, sizeof(b)) - 1;
	for (cut = 0; cut <= n; cut++) {
		memset(k, 0, sizeof(*k));
		ATF_REQUIRE(hdlc_dec_init(&d, 100) == 0);
		d.raccm = 0;	/* as negotiated: control chars are data */
		hdlc_decode(&d, out, cut, sink_deliver, k);
		hdlc_decode(&d, out + cut, n - cut, sink_deliver, k);
		ATF_REQUIRE_EQ(k->n, 2);
		ATF_CHECK(k->len[0] == sizeof(a) &&
		    memcmp(k->f[0], a, sizeof(a)) == 0);
		ATF_CHECK(k->len[1] == sizeof(b) &&
		    memcmp(k->f[1], b, sizeof(b)) == 0);
		ATF_CHECK_EQ(d.frames, 2);
		hdlc_dec_free(&d);
	}
	free(k);
}

ATF_TC_WITHOUT_HEAD(bad_frames);
ATF_TC_BODY(bad_frames, tc)
{
	struct hdlc_xmap m;
	struct hdlc_dec d;
	struct sink *k;
	uint8_t big[200], out[1024], runt[] = { 0x7e, 0x41, 0x42, 0x7e },
	    abort_[] = { 0x7e, 0x41, 0x42, 0x43, 0x44, 0x7d, 0x7e };
	size_t n;

	ATF_REQUIRE((k = calloc(1, sizeof(*k))) != NULL);
	memset(big, 0x55, sizeof(big));
	hdlc_xmap_init(&m, 0);
	ATF_REQUIRE(hdlc_dec_init(&d, 100) == 0);
	/* Over the maximum. */
	n = hdlc_encode(out, &m, NULL, 0, big, sizeof(big));
	hdlc_decode(&d, out, n, sink_deliver, k);
	ATF_CHECK_EQ(d.too_long, 1);
	/* Exactly the maximum is fine. */
	n = hdlc_encode(out, &m, NULL, 0, big, 100);
	hdlc_decode(&d, out, n, sink_deliver, k);
	ATF_CHECK_EQ(k->n, 1);
	/* Bad FCS. */
	n = hdlc_encode(out, &m, NULL, 0, big, 10);
	out[3] ^= 0x01;
	hdlc_decode(&d, out, n, sink_deliver, k);
	ATF_CHECK_EQ(d.bad_fcs, 1);
	hdlc_decode(&d, runt, sizeof(runt), sink_deliver, k);
	ATF_CHECK_EQ(d.runts, 1);
	hdlc_decode(&d, abort_, sizeof(abort_), sink_deliver, k);
	ATF_CHECK_EQ(d.aborts, 1);
	/* Empty frames (flag flag) are not errors. */
	hdlc_decode(&d, runt, 1, sink_deliver, k);
	hdlc_decode(&d, runt, 1, sink_deliver, k);
	ATF_CHECK_EQ(k->n, 1);
	ATF_CHECK_EQ(d.runts + d.bad_fcs + d.aborts + d.too_long, 4);
	/* The decoder still works afterwards. */
	n = hdlc_encode(out, &m, NULL, 0, big, 10);
	hdlc_decode(&d, out, n, sink_deliver, k);
	ATF_CHECK_EQ(k->n, 2);
	hdlc_dec_free(&d);
	free(k);
}

ATF_TC_WITHOUT_HEAD(raccm_ignore);
ATF_TC_BODY(raccm_ignore, tc)
{
	struct hdlc_xmap m;
	struct hdlc_dec d;
	struct sink *k;
	uint8_t data[8] = "abcdefg", out[64], noisy[80];
	size_t n, i, j = 0;

	ATF_REQUIRE((k = calloc(1, sizeof(*k))) != NULL);
	hdlc_xmap_init(&m, 0xffffffff);
	n = hdlc_encode(out, &m, NULL, 0, data, sizeof(data));
	/* A modem's XON/XOFF inserted unescaped is not data. */
	for (i = 0; i < n; i++) {
		noisy[j++] = out[i];
		if (i == 3)
			noisy[j++] = 0x11;
		if (i == 5)
			noisy[j++] = 0x13;
	}
	ATF_REQUIRE(hdlc_dec_init(&d, 100) == 0);
	hdlc_decode(&d, noisy, j, sink_deliver, k);
	ATF_CHECK_EQ(k->n, 1);
	ATF_CHECK_EQ(d.ignored, 2);
	/* With a zero receive ACCM, they are data: the FCS fails. */
	d.raccm = 0;
	hdlc_decode(&d, noisy, j, sink_deliver, k);
	ATF_CHECK_EQ(k->n, 1);
	ATF_CHECK_EQ(d.bad_fcs, 1);
	hdlc_dec_free(&d);
	free(k);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fcs_vectors);
	ATF_TP_ADD_TC(tp, accm_default);
	ATF_TP_ADD_TC(tp, accm_negotiated);
	ATF_TP_ADD_TC(tp, split_every_byte);
	ATF_TP_ADD_TC(tp, bad_frames);
	ATF_TP_ADD_TC(tp, raccm_ignore);
	return atf_no_error();
}
