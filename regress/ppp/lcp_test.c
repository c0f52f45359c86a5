/*
 * LCP and IPCP driven by hand-made packets on a fake clock: the open
 * paths (Ack-Sent first and Ack-Rcvd first), restart timeouts and
 * max-configure, option naks and rejects both ways, max-failure,
 * loopback detection, echo and echo failure, terminate both ways,
 * protocol and code rejects, IPCP address and DNS assignment, IP
 * datagrams in and out with compressed headers.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <atf-c.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdlc.h"
#include "ppp.h"
#include "unit.h"
#include "vj.h"
#include "../vj/vjpkt.h"

#include "ppptest.h"

ATF_TC_WITHOUT_HEAD(lcp_request);
ATF_TC_BODY(lcp_request, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = start(NULL, 0, o);
	const uint8_t *a;

	ATF_REQUIRE((a = opt(&o->p[0], 2)) != NULL);
	ATF_CHECK(a[1] == 6 && a[2] == 0 && a[3] == 0 && a[4] == 0 &&
	    a[5] == 0);
	ATF_CHECK(opt(&o->p[0], 5) != NULL);
	ATF_CHECK(opt(&o->p[0], 7) != NULL);
	ATF_CHECK(opt(&o->p[0], 8) != NULL);
	ATF_CHECK(opt(&o->p[0], 1) == NULL);	/* MRU 1500: the default */
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(open_acksent_first);
ATF_TC_BODY(open_acksent_first, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = lcp_open(NULL, o);
	struct ppp_lcp_info li;

	ppp_lcp_info(pp, &li);
	ATF_CHECK_EQ(li.peer_accm, 0);
	ATF_CHECK_EQ(li.peer_magic, 0x12345678);
	ATF_CHECK(li.peer_pfc && li.peer_acfc);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(open_ackrcvd_first);
ATF_TC_BODY(open_ackrcvd_first, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = start(NULL, 0, o);
	struct pkt req = o->p[0];

	/* A stale id is ignored. */
	send_pkt(pp, 5, PPP_LCP, 2, req.id + 1, req.data, req.len);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	/* An ack that does not echo our request is ignored. */
	send_pkt(pp, 5, PPP_LCP, 2, req.id, req.data, req.len - 2);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	send_pkt(pp, 5, PPP_LCP, 2, req.id, req.data, req.len);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_ACKRCVD);
	/* A bad request in Ack-Rcvd: nak, stay. */
	{
		const uint8_t small[] = { 1, 4, 0, 50 };

		send_pkt(pp, 6, PPP_LCP, 1, 3, small, sizeof(small));
		drain(pp, o);
		ATF_REQUIRE(find(o, PPP_LCP, 3) != NULL);
		ATF_CHECK_EQ(find(o, PPP_LCP, 3)->data[3], 128);
		ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_ACKRCVD);
	}
	send_pkt(pp, 7, PPP_LCP, 1, 4, peer_lcp, sizeof(peer_lcp));
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_OPENED);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(restart_and_max_configure);
ATF_TC_BODY(restart_and_max_configure, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = start(NULL, 0, o);
	uint64_t t = 0;
	int i, sent = 1;

	ATF_CHECK_EQ(ppp_next_timer(pp, 0), 3000);
	ppp_timers(pp, 2999);
	drain(pp, o);
	ATF_CHECK_EQ(o->n, 0);
	for (i = 0; i < 20 && ppp_lcp_state(pp) != PPP_STOPPED; i++) {
		t += 3000;
		ppp_timers(pp, t);
		drain(pp, o);
		sent += (int)o->n;
	}
	ATF_CHECK_EQ(sent, 10);		/* max-configure */
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_STOPPED);
	/* Never up: waits for the client rather than ending. */
	ATF_CHECK(!ppp_dead(pp));
	ATF_CHECK_EQ(ppp_next_timer(pp, t), -1);
	/* Stopped + RCR: irc, scr, sca -> Ack-Sent. */
	send_pkt(pp, t + 1, PPP_LCP, 1, 9, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 1) != NULL);
	ATF_CHECK(find(o, PPP_LCP, 2) != NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_ACKSENT);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(peer_options_nak_reject);
ATF_TC_BODY(peer_options_nak_reject, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = start(NULL, 0, o);
	const uint8_t auth[] = { 1, 4, 0x05, 0xdc, 3, 4, 0xc0, 0x23,
	    4, 8, 0xc0, 0x25, 0, 0, 0, 10 };
	const uint8_t badlen[] = { 1, 9, 0 };
	const uint8_t small[] = { 1, 4, 0, 10 };
	const struct pkt *r;
	int i;

	/* Auth and quality rejected, MRU not in the reject. */
	send_pkt(pp, 1, PPP_LCP, 1, 1, auth, sizeof(auth));
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_LCP, 4)) != NULL);
	ATF_CHECK_EQ(r->len, 12);
	ATF_CHECK(opt(r, 1) == NULL && opt(r, 3) != NULL &&
	    opt(r, 4) != NULL);
	/* A malformed list is rejected whole. */
	send_pkt(pp, 1, PPP_LCP, 1, 2, badlen, sizeof(badlen));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 4) != NULL);
	/* max-failure: after 5 naks, the option is rejected. */
	for (i = 0; i < 6; i++) {
		send_pkt(pp, 1, PPP_LCP, 1, 10 + i, small, sizeof(small));
		drain(pp, o);
		ATF_CHECK(find(o, PPP_LCP, i < 5 ? 3 : 4) != NULL);
	}
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(our_options_nak_reject);
ATF_TC_BODY(our_options_nak_reject, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = start(NULL, 0, o);
	struct pkt req = o->p[0];
	const uint8_t nak[] = { 2, 6, 0, 0x0a, 0, 0, 5, 6, 1, 2, 3, 4 };
	const uint8_t rej[] = { 7, 2, 8, 2 };
	const uint8_t mrunak[] = { 1, 4, 0x02, 0x40 };
	const uint8_t *a, *m0, *m1;

	m0 = opt(&req, 5);
	send_pkt(pp, 1, PPP_LCP, 3, req.id, nak, sizeof(nak));
	drain(pp, o);
	ATF_REQUIRE_EQ(o->n, 1);
	ATF_REQUIRE((a = opt(&o->p[0], 2)) != NULL);
	ATF_CHECK_EQ(a[3], 0x0a);		/* ACCM: XON/XOFF added */
	ATF_REQUIRE((m1 = opt(&o->p[0], 5)) != NULL);
	ATF_CHECK(memcmp(m0 + 2, m1 + 2, 4) != 0);	/* new magic */
	req = o->p[0];
	send_pkt(pp, 2, PPP_LCP, 4, req.id, rej, sizeof(rej));
	drain(pp, o);
	ATF_REQUIRE_EQ(o->n, 1);
	ATF_CHECK(opt(&o->p[0], 7) == NULL && opt(&o->p[0], 8) == NULL);
	ATF_CHECK(opt(&o->p[0], 2) != NULL);
	req = o->p[0];
	send_pkt(pp, 3, PPP_LCP, 3, req.id, mrunak, sizeof(mrunak));
	drain(pp, o);
	ATF_REQUIRE((a = opt(&o->p[0], 1)) != NULL);
	ATF_CHECK(a[2] == 0x02 && a[3] == 0x40);
	req = o->p[0];
	send_pkt(pp, 4, PPP_LCP, 2, req.id, req.data, req.len);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_ACKRCVD);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(loopback);
ATF_TC_BODY(loopback, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = start(NULL, 0, o);
	struct pkt req = o->p[0];
	int i;

	/* The line echoes everything: we see our own requests. */
	for (i = 0; i < 10 && !ppp_dead(pp); i++) {
		send_pkt(pp, 1, PPP_LCP, 1, req.id, req.data, req.len);
		drain(pp, o);
		if (find(o, PPP_LCP, 3) != NULL) {
			const struct pkt *n = find(o, PPP_LCP, 3);

			ATF_CHECK(opt(n, 5) != NULL);
			/* Our nak loops back too. */
			send_pkt(pp, 1, PPP_LCP, 3, n->id, n->data, n->len);
		}
		drain(pp, o);
		if (find(o, PPP_LCP, 1) != NULL)
			req = *find(o, PPP_LCP, 1);
	}
	ATF_CHECK(ppp_dead(pp));
	ATF_CHECK(i <= 5);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(ipcp_assign);
ATF_TC_BODY(ipcp_assign, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = lcp_open(NULL, o);
	struct pkt ireq = *find(o, PPP_IPCP, 1);
	const uint8_t ask[] = { 3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0,
	    131, 6, 0, 0, 0, 0, 2, 6, 0, 0x2d, 15, 1, 130, 6, 0, 0, 0, 0 };
	const uint8_t ask2[] = { 3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0,
	    131, 6, 0, 0, 0, 0 };
	const uint8_t good[] = { 3, 6, 10, 0, 2, 15, 129, 6, 10, 0, 2, 3,
	    131, 6, 10, 0, 2, 3 };
	const uint8_t ip[20] = { 0x45, 0, 0, 20 };
	const struct pkt *r;
	const uint8_t *a;
	uint8_t enc[PPP_ENCMAX(20)];
	size_t n;

	ATF_REQUIRE((a = opt(&ireq, 3)) != NULL);
	ATF_CHECK(a[2] == 10 && a[3] == 0 && a[4] == 2 && a[5] == 2);
	/* IP before IPCP is up: dropped both ways. */
	send_raw(pp, 30, PPP_IP, ip, sizeof(ip));
	ATF_CHECK_EQ(sink.n, 0);
	ATF_CHECK_EQ(ppp_encode_ip(pp, enc, ip, sizeof(ip)), 0);
	/* NBNS is rejected (VJ is fine). */
	send_pkt(pp, 30, PPP_IPCP, 1, 1, ask, sizeof(ask));
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_IPCP, 4)) != NULL);
	ATF_CHECK_EQ(r->len, 6);
	ATF_CHECK_EQ(r->data[0], 130);
	send_pkt(pp, 31, PPP_IPCP, 1, 2, ask2, sizeof(ask2));
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_IPCP, 3)) != NULL);
	ATF_CHECK_EQ(r->len, sizeof(good));
	ATF_CHECK(memcmp(r->data, good, sizeof(good)) == 0);
	send_pkt(pp, 32, PPP_IPCP, 1, 3, good, sizeof(good));
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_IPCP, 2)) != NULL);
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_ACKSENT);
	send_pkt(pp, 33, PPP_IPCP, 2, ireq.id, ireq.data, ireq.len);
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_OPENED);
	ATF_CHECK(ppp_ip_up(pp));
	/* IP in and out; out with ACFC and PFC as the peer asked. */
	send_raw(pp, 34, PPP_IP, ip, sizeof(ip));
	ATF_CHECK_EQ(sink.n, 1);
	ATF_CHECK(sink.len == 20 && memcmp(sink.last, ip, 20) == 0);
	n = ppp_encode_ip(pp, enc, ip, sizeof(ip));
	ATF_REQUIRE(n > 0);
	ATF_CHECK_EQ(enc[1], 0x21);
	ATF_CHECK_EQ(n, 1 + 1 + 20 + 2 + 1);	/* flags, proto, fcs */
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(echo);
ATF_TC_BODY(echo, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct ppp *pp;
	const struct pkt *r;
	const uint8_t ereq[] = { 0x12, 0x34, 0x56, 0x78, 'h', 'i' };
	uint64_t t = 20;
	int i;

	ppp_default_config(&c);
	c.echo_interval = 10;
	c.echo_failure = 3;
	pp = lcp_open(&c, o);
	/* The peer's echo is answered with our magic and its data. */
	send_pkt(pp, 21, PPP_LCP, 9, 42, ereq, sizeof(ereq));
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_LCP, 10)) != NULL);
	ATF_CHECK_EQ(r->id, 42);
	ATF_CHECK(r->len == 6 && r->data[4] == 'h');
	/* Answered echoes keep the link. */
	for (i = 0; i < 5; i++) {
		t += 10000;
		ppp_timers(pp, t);
		drain(pp, o);
		ATF_REQUIRE((r = find(o, PPP_LCP, 9)) != NULL);
		send_pkt(pp, t, PPP_LCP, 10, r->id, ereq, 4);
	}
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_OPENED);
	/* Unanswered: three sent, then Terminate-Request. */
	for (i = 0; i < 3; i++) {
		t += 10000;
		/* IPCP's restart timer may come first. */
		ATF_CHECK(ppp_next_timer(pp, t - 10000) > 0 &&
		    ppp_next_timer(pp, t - 10000) <= 10000);
		ppp_timers(pp, t);
		drain(pp, o);
		ATF_CHECK(find(o, PPP_LCP, 9) != NULL);
	}
	t += 10000;
	ppp_timers(pp, t);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) != NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSING);
	/* max-terminate 2: one more, then Closed, dead. */
	ppp_timers(pp, t + 3000);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) != NULL);
	ATF_CHECK(!ppp_dead(pp));
	ppp_timers(pp, t + 6000);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSED);
	ATF_CHECK(ppp_dead(pp));
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(peer_terminates);
ATF_TC_BODY(peer_terminates, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = lcp_open(NULL, o);

	send_pkt(pp, 100, PPP_LCP, 5, 77, NULL, 0);
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_LCP, 6) != NULL);
	ATF_CHECK_EQ(find(o, PPP_LCP, 6)->id, 77);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_STOPPING);
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_STARTING);
	ATF_CHECK(!ppp_dead(pp));
	ppp_timers(pp, 3100);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_STOPPED);
	ATF_CHECK(ppp_dead(pp));
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(we_terminate);
ATF_TC_BODY(we_terminate, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = lcp_open(NULL, o);
	const struct pkt *r;

	ppp_close(pp, 100);
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_LCP, 5)) != NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSING);
	/* Requests in Closing are ignored. */
	send_pkt(pp, 101, PPP_LCP, 1, 7, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	ATF_CHECK_EQ(o->n, 0);
	send_pkt(pp, 102, PPP_LCP, 6, r->id, NULL, 0);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSED);
	ATF_CHECK(ppp_dead(pp));
	/* Closed: a request gets Terminate-Ack. */
	send_pkt(pp, 103, PPP_LCP, 1, 8, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 6) != NULL);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(rejects);
ATF_TC_BODY(rejects, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = lcp_open(NULL, o);
	const uint8_t junk[] = { 1, 2, 3, 4, 5 };
	const uint8_t pr_ipcp[] = { 0x80, 0x21, 1, 1, 0, 4 };
	const uint8_t cr_basic[] = { 1, 1, 0, 4 };
	const struct pkt *r;

	/* Unknown protocol: Protocol-Reject. */
	send_raw(pp, 30, 0x1235, junk, sizeof(junk));
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_LCP, 8)) != NULL);
	ATF_CHECK(r->len == 7 && r->data[0] == 0x12 && r->data[1] == 0x35);
	ATF_CHECK_EQ(ppp_stats(pp)->proto_rej, 1);
	/* Unknown code: Code-Reject with the packet. */
	send_pkt(pp, 31, PPP_LCP, 99, 5, junk, 2);
	drain(pp, o);
	ATF_REQUIRE((r = find(o, PPP_LCP, 7)) != NULL);
	ATF_CHECK(r->len == 6 && r->data[0] == 99);
	/* Discard-Request: nothing. */
	send_pkt(pp, 31, PPP_LCP, 11, 5, junk, 4);
	drain(pp, o);
	ATF_CHECK_EQ(o->n, 0);
	/* Truncated and padded packets. */
	send_raw(pp, 31, PPP_LCP, junk, 3);
	ATF_CHECK_EQ(ppp_stats(pp)->bad_hdr, 1);
	/* The peer rejects IPCP: IPCP stops, LCP stays. */
	send_pkt(pp, 32, PPP_LCP, 8, 6, pr_ipcp, sizeof(pr_ipcp));
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_STOPPED);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_OPENED);
	/* A rejected basic code is fatal to LCP. */
	send_pkt(pp, 33, PPP_LCP, 7, 6, cr_basic, sizeof(cr_basic));
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_STOPPING);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(renegotiate);
ATF_TC_BODY(renegotiate, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = lcp_open(NULL, o);

	/* Opened + RCR: tld, scr, sca -> Ack-Sent; IPCP goes down. */
	send_pkt(pp, 50, PPP_LCP, 1, 20, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 1) != NULL);
	ATF_CHECK(find(o, PPP_LCP, 2) != NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_ACKSENT);
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_STARTING);
	/* Opened + Terminate-Ack: renegotiate. */
	send_pkt(pp, 51, PPP_LCP, 2, find(o, PPP_LCP, 1)->id,
	    find(o, PPP_LCP, 1)->data, find(o, PPP_LCP, 1)->len);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_OPENED);
	send_pkt(pp, 52, PPP_LCP, 6, 1, NULL, 0);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	ppp_free(pp);
	free(o);
}

/* IPCP with VJ: peer asks 8 slots, no cid elision; we offer 16. */
static struct ppp *
vj_open(struct out *o, int vj)
{
	struct ppp_config c;
	struct ppp *pp;
	struct pkt ireq;
	const uint8_t ask[] = { 3, 6, 10, 0, 2, 15, 2, 6, 0, 0x2d, 7, 0 };
	const uint8_t *a;

	ppp_default_config(&c);
	c.vj = vj;
	pp = lcp_open(&c, o);
	ireq = *find(o, PPP_IPCP, 1);
	a = opt(&ireq, 2);
	if (!vj) {
		ATF_CHECK(a == NULL);
		send_pkt(pp, 30, PPP_IPCP, 1, 1, ask, sizeof(ask));
		drain(pp, o);
		ATF_CHECK(find(o, PPP_IPCP, 4) != NULL);
		ATF_CHECK(find(o, PPP_IPCP, 4)->data[0] == 2);
		return pp;
	}
	ATF_REQUIRE(a != NULL);
	ATF_CHECK(a[1] == 6 && a[2] == 0 && a[3] == 0x2d && a[4] == 15 &&
	    a[5] == 1);
	send_pkt(pp, 30, PPP_IPCP, 1, 1, ask, sizeof(ask));
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_IPCP, 2) != NULL);
	send_pkt(pp, 31, PPP_IPCP, 2, ireq.id, ireq.data, ireq.len);
	ATF_REQUIRE(ppp_ip_up(pp));
	return pp;
}

ATF_TC_WITHOUT_HEAD(ipcp_vj_rejected);
ATF_TC_BODY(ipcp_vj_rejected, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = vj_open(o, 0);

	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(ipcp_vj);
ATF_TC_BODY(ipcp_vj, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp *pp = vj_open(o, 1);
	struct ppp_lcp_info li;
	struct tconn tc0 = { { 10, 0, 2, 2 }, { 10, 0, 2, 15 }, 80, 1234,
	    1000, 5000, 8192, 1, 0, 0, 64 };
	struct vj *peer;
	uint8_t pkt[4][200], enc[PPP_ENCMAX(200)], cbuf[400], dbuf[400];
	size_t len[4], n, cl, dl;
	int i, type;

	ppp_lcp_info(pp, &li);
	ATF_CHECK(li.vj_tx && li.vj_tx_slots == 8);
	ATF_CHECK(li.vj_rx && li.vj_rx_slots == 16);
	for (i = 0; i < 4; i++) {
		len[i] = tp_build(pkt[i], &tc0, 0x18, NULL, 0, NULL, 0,
		    (const uint8_t *)"0123456789abcdef", 16);
		tc0.seq += 16;
		tc0.id++;
	}
	/* Out: the first is uncompressed TCP, the rest compressed. */
	ATF_REQUIRE((peer = vj_new(16, 8)) != NULL);
	for (i = 0; i < 4; i++) {
		o->n = 0;
		n = ppp_encode_ip(pp, enc, pkt[i], len[i]);
		ATF_REQUIRE(n > 0);
		{
			struct hdlc_dec d;

			ATF_REQUIRE(hdlc_dec_init(&d, 2000) == 0);
			d.raccm = 0;
			hdlc_decode(&d, enc, n, out_frame, o);
			hdlc_dec_free(&d);
		}
		ATF_REQUIRE_EQ(o->n, 1);
		ATF_CHECK_EQ(o->p[0].proto, i == 0 ? PPP_VJUC : PPP_VJC);
		ATF_REQUIRE(vj_uncompress(peer, o->p[0].proto == PPP_VJC ?
		    VJ_TYPE_COMPRESSED_TCP : VJ_TYPE_UNCOMPRESSED_TCP,
		    o->p[0].data, o->p[0].len, dbuf, sizeof(dbuf), &dl) == 0);
		ATF_CHECK(dl == len[i] && memcmp(dbuf, pkt[i], dl) == 0);
	}
	/* In: the peer compresses toward us (cid elision allowed). */
	sink.n = 0;
	for (i = 0; i < 4; i++) {
		type = vj_compress(peer, pkt[i], len[i], cbuf, sizeof(cbuf),
		    &cl, 1);
		ATF_REQUIRE(type == (i == 0 ? VJ_TYPE_UNCOMPRESSED_TCP :
		    VJ_TYPE_COMPRESSED_TCP));
		if (i == 2) {
			/* Lost on the line: a bad FCS, then toss. */
			n = enc_raw(enc, PPP_VJC, cbuf, cl);
			enc[3] ^= 0x40;
			ppp_input(pp, enc, n, 40, ip_deliver, &sink);
			ATF_CHECK_EQ(ppp_stats(pp)->bad_fcs, 1);
			continue;
		}
		send_raw(pp, 40, type == VJ_TYPE_COMPRESSED_TCP ? PPP_VJC :
		    PPP_VJUC, cbuf, cl);
		if (i < 2) {
			ATF_CHECK_EQ(sink.n, (size_t)i + 1);
			ATF_CHECK(sink.len == len[i] &&
			    memcmp(sink.last, pkt[i], len[i]) == 0);
		}
	}
	/* The packet after the loss was tossed, not delivered wrong. */
	ATF_CHECK_EQ(sink.n, 2);
	vj_free(peer);
	ppp_free(pp);
	free(o);
}

/* Read what the unit wrote and decode it. */
static void
line_read(int fd, struct out *o)
{
	static uint8_t buf[65536];
	struct hdlc_dec d;
	ssize_t n;

	o->n = 0;
	n = read(fd, buf, sizeof(buf));
	ATF_REQUIRE(n > 0);
	ATF_REQUIRE(hdlc_dec_init(&d, 2000) == 0);
	d.raccm = 0;
	hdlc_decode(&d, buf, (size_t)n, out_frame, o);
	ATF_CHECK_EQ(d.bad_fcs + d.runts, 0);
	hdlc_dec_free(&d);
}

static void
line_write(int fd, const uint8_t *b, size_t n)
{
	ATF_REQUIRE_EQ(write(fd, b, n), (ssize_t)n);
}

/* The whole path through unit.c over a socketpair. */
ATF_TC_WITHOUT_HEAD(unit_path);
ATF_TC_BODY(unit_path, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct unit *u;
	struct pkt req, ireq;
	uint8_t b[8192], ip[40] = { 0x45, 0x7e, 0x7d, 0 };
	const uint8_t good[] = { 3, 6, 10, 0, 2, 15 };
	size_t n;
	int sv[2], i;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE((u = unit_new(sv[0], 0, 0)) != NULL);
	ppp_default_config(&c);
	c.magic = 0x11223344;
	ATF_REQUIRE(unit_set_ppp(u, &c, 0) == 0);
	ATF_CHECK(unit_want_write(u));
	ATF_REQUIRE(unit_flush(u) == 0);
	line_read(sv[1], o);
	ATF_REQUIRE(o->n == 1 && o->p[0].code == 1);
	req = o->p[0];
	/* Both LCP packets in one read. */
	n = enc_pkt(b, PPP_LCP, 1, 1, peer_lcp, sizeof(peer_lcp));
	n += enc_pkt(b + n, PPP_LCP, 2, req.id, req.data, req.len);
	line_write(sv[1], b, n);
	ATF_CHECK_EQ(unit_input(u, 10, ip_deliver, &sink), UNIT_OK);
	ATF_REQUIRE(unit_flush(u) == 0);
	line_read(sv[1], o);
	ATF_REQUIRE(find(o, PPP_LCP, 2) != NULL);
	ATF_REQUIRE(find(o, PPP_IPCP, 1) != NULL);
	ireq = *find(o, PPP_IPCP, 1);
	n = enc_pkt(b, PPP_IPCP, 1, 1, good, sizeof(good));
	n += enc_pkt(b + n, PPP_IPCP, 2, ireq.id, ireq.data, ireq.len);
	line_write(sv[1], b, n);
	ATF_CHECK_EQ(unit_input(u, 20, ip_deliver, &sink), UNIT_OK);
	ATF_REQUIRE(unit_flush(u) == 0);
	line_read(sv[1], o);
	ATF_CHECK(find(o, PPP_IPCP, 2) != NULL);
	/* Datagrams out, with flag and escape bytes inside. */
	for (i = 0; i < 3; i++) {
		ip[10] = (uint8_t)i;
		ATF_REQUIRE(unit_enqueue(u, ip, sizeof(ip), 0) == 0);
	}
	ATF_REQUIRE(unit_flush(u) == 0);
	line_read(sv[1], o);
	ATF_REQUIRE_EQ(o->n, 3);
	for (i = 0; i < 3; i++) {
		ATF_CHECK_EQ(o->p[i].proto, PPP_IP);
		ATF_CHECK(o->p[i].len == sizeof(ip) && o->p[i].data[10] == i &&
		    o->p[i].data[1] == 0x7e);
	}
	/* A datagram in. */
	sink.n = 0;
	n = enc_raw(b, PPP_IP, ip, sizeof(ip));
	line_write(sv[1], b, n);
	ATF_CHECK_EQ(unit_input(u, 30, ip_deliver, &sink), UNIT_OK);
	ATF_CHECK_EQ(sink.n, 1);
	/* Peer terminates: ack, then after the restart time, EOF. */
	n = enc_pkt(b, PPP_LCP, 5, 9, NULL, 0);
	line_write(sv[1], b, n);
	ATF_CHECK_EQ(unit_input(u, 40, ip_deliver, &sink), UNIT_OK);
	ATF_REQUIRE(unit_flush(u) == 0);
	line_read(sv[1], o);
	ATF_CHECK(find(o, PPP_LCP, 6) != NULL);
	ATF_CHECK(unit_next_timer(u, 40) > 0);
	ATF_CHECK_EQ(unit_timers(u, 1000), UNIT_OK);
	ATF_CHECK_EQ(unit_timers(u, 3100), UNIT_EOF);
	unit_free(u);
	close(sv[0]);
	close(sv[1]);
	free(o);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, unit_path);
	ATF_TP_ADD_TC(tp, ipcp_vj);
	ATF_TP_ADD_TC(tp, ipcp_vj_rejected);
	ATF_TP_ADD_TC(tp, lcp_request);
	ATF_TP_ADD_TC(tp, open_acksent_first);
	ATF_TP_ADD_TC(tp, open_ackrcvd_first);
	ATF_TP_ADD_TC(tp, restart_and_max_configure);
	ATF_TP_ADD_TC(tp, peer_options_nak_reject);
	ATF_TP_ADD_TC(tp, our_options_nak_reject);
	ATF_TP_ADD_TC(tp, loopback);
	ATF_TP_ADD_TC(tp, ipcp_assign);
	ATF_TP_ADD_TC(tp, echo);
	ATF_TP_ADD_TC(tp, peer_terminates);
	ATF_TP_ADD_TC(tp, we_terminate);
	ATF_TP_ADD_TC(tp, rejects);
	ATF_TP_ADD_TC(tp, renegotiate);
	return atf_no_error();
}
