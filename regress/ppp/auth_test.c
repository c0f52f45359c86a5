/*
 * PAP and CHAP on the authenticator's side, driven by hand-made frames
 * on a fake clock: the LCP option and its naks and rejects, the
 * Authenticate phase holding IPCP back, requests handed out for the
 * parent, success and failure, retransmissions, timeouts, re-challenge,
 * stale verdicts and malformed packets.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <atf-c.h>
#include <stdlib.h>
#include <string.h>

#include "hdlc.h"
#include "ppp.h"
#include "ppp_auth.h"

#include "ppptest.h"

static void
auth_config(struct ppp_config *c, unsigned int allow)
{
	ppp_default_config(c);
	c->auth.allow = allow;
	strlcpy(c->auth.ourname, "dialhost", sizeof(c->auth.ourname));
}

/* LCP up with authentication: nothing of IPCP may follow yet. */
static struct ppp *
auth_open(struct ppp_config *c, struct out *o)
{
	struct ppp *pp = start(c, 0, o);
	struct pkt req = o->p[0];

	send_pkt(pp, 10, PPP_LCP, 1, 7, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	send_pkt(pp, 20, PPP_LCP, 2, req.id, req.data, req.len);
	ATF_REQUIRE_EQ(ppp_lcp_state(pp), PPP_OPENED);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_IPCP, 1) == NULL);
	ATF_CHECK_EQ(ppp_ipcp_state(pp), PPP_STARTING);
	ATF_CHECK(!ppp_auth_ok(pp));
	return pp;
}

/* Authenticate-Request: Peer-ID Length, Peer-Id, Passwd-Length, Password. */
static void
send_pap(struct ppp *pp, uint64_t now, int id, const char *user,
    const char *pw)
{
	uint8_t b[600];
	size_t ul = strlen(user), pl = strlen(pw);

	b[0] = (uint8_t)ul;
	memcpy(b + 1, user, ul);
	b[1 + ul] = (uint8_t)pl;
	memcpy(b + 2 + ul, pw, pl);
	send_pkt(pp, now, PPP_PAP, 1, id, b, ul + pl + 2);
}

static void
send_chap(struct ppp *pp, uint64_t now, int id, const uint8_t *val,
    size_t vl, const char *name)
{
	uint8_t b[600];
	size_t nl = strlen(name);

	b[0] = (uint8_t)vl;
	memcpy(b + 1, val, vl);
	memcpy(b + 1 + vl, name, nl);
	send_pkt(pp, now, PPP_CHAP, 2, id, b, vl + nl + 1);
}

/*
 * A refused peer is given a restart interval (3 s) to close the link
 * itself; then slirpd sends its Terminate-Request.  o holds what was
 * sent at the refusal, at time now.
 */
static void
closed_later(struct ppp *pp, struct out *o, uint64_t now)
{
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_OPENED);
	ppp_timers(pp, now + 2999);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);
	ppp_timers(pp, now + 3000);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) != NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSING);
}

ATF_TC_WITHOUT_HEAD(lcp_asks_for_auth);
ATF_TC_BODY(lcp_asks_for_auth, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct ppp *pp;
	const uint8_t *a;

	auth_config(&c, PPP_AUTH_PAP);
	pp = start(&c, 0, o);
	ATF_REQUIRE((a = opt(&o->p[0], 3)) != NULL);
	ATF_CHECK(a[1] == 4 && a[2] == 0xc0 && a[3] == 0x23);
	ppp_free(pp);
	/* CHAP is asked for first when both are allowed: MD5 (5). */
	auth_config(&c, PPP_AUTH_PAP | PPP_AUTH_CHAP);
	pp = start(&c, 0, o);
	ATF_REQUIRE((a = opt(&o->p[0], 3)) != NULL);
	ATF_CHECK(a[1] == 5 && a[2] == 0xc2 && a[3] == 0x23 && a[4] == 5);
	ppp_free(pp);
	/* None required: no option. */
	auth_config(&c, 0);
	pp = start(&c, 0, o);
	ATF_CHECK(opt(&o->p[0], 3) == NULL);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(pap_success);
ATF_TC_BODY(pap_success, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_auth_req r;
	struct ppp_config c;
	struct ppp *pp;
	const uint8_t ipcp[] = { 3, 6, 0, 0, 0, 0 };
	const struct pkt *k;

	auth_config(&c, PPP_AUTH_PAP);
	pp = auth_open(&c, o);
	/* IPCP before authentication is discarded, not answered. */
	send_pkt(pp, 30, PPP_IPCP, 1, 1, ipcp, sizeof(ipcp));
	drain(pp, o);
	ATF_CHECK_EQ(o->n, 0);
	ATF_CHECK(!ppp_auth_take(pp, &r));

	send_pap(pp, 40, 9, "alice", "s3cret");
	drain(pp, o);
	ATF_CHECK_EQ(o->n, 0);		/* the parent decides */
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ATF_CHECK_EQ(r.method, PPP_AUTH_PAP);
	ATF_CHECK_EQ(r.namelen, 5);
	ATF_CHECK(memcmp(r.name, "alice", 5) == 0);
	ATF_CHECK_EQ(r.secretlen, 6);
	ATF_CHECK(memcmp(r.secret, "s3cret", 6) == 0);
	ATF_CHECK(!ppp_auth_take(pp, &r));	/* handed out once */

	/* A retransmission while the parent checks: no second request,
	 * and the verdict will answer its Identifier. */
	send_pap(pp, 50, 10, "alice", "s3cret");
	ATF_CHECK(!ppp_auth_take(pp, &r));
	/* A stale verdict is ignored. */
	ppp_auth_result(pp, r.seq + 1, 1, 60);
	drain(pp, o);
	ATF_CHECK_EQ(o->n, 0);

	ppp_auth_result(pp, r.seq, 1, 70);
	drain(pp, o);
	ATF_REQUIRE((k = find(o, PPP_PAP, 2)) != NULL);
	ATF_CHECK_EQ(k->id, 10);
	ATF_CHECK(k->len >= 1 && k->data[0] == k->len - 1);
	ATF_CHECK(find(o, PPP_IPCP, 1) != NULL);	/* Network phase */
	ATF_CHECK(ppp_auth_ok(pp));

	/* Our Ack was lost: the same request gets it again. */
	send_pap(pp, 80, 9, "alice", "s3cret");
	drain(pp, o);
	ATF_CHECK(find(o, PPP_PAP, 2) != NULL);
	ATF_CHECK(!ppp_auth_take(pp, &r));
	ATF_CHECK_EQ(ppp_auth_stats(pp)->success, 1);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(pap_refused);
ATF_TC_BODY(pap_refused, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_auth_req r;
	struct ppp_config c;
	struct ppp *pp;
	const struct pkt *term;

	auth_config(&c, PPP_AUTH_PAP);
	pp = auth_open(&c, o);
	send_pap(pp, 40, 3, "alice", "wrong");
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ppp_auth_result(pp, r.seq, 0, 50);
	drain(pp, o);
	/* The Nak, and nothing of IPCP. */
	ATF_REQUIRE_EQ(o->n, 1);
	ATF_CHECK_EQ(o->p[0].proto, PPP_PAP);
	ATF_CHECK_EQ(o->p[0].code, 3);
	ATF_CHECK_EQ(o->p[0].id, 3);
	ATF_CHECK_EQ(ppp_auth_stats(pp)->failure, 1);
	/* The Nak was lost: the retransmission gets it again. */
	send_pap(pp, 60, 4, "alice", "wrong");
	ATF_CHECK(!ppp_auth_take(pp, &r));
	drain(pp, o);
	ATF_REQUIRE((term = find(o, PPP_PAP, 3)) != NULL);
	ATF_CHECK_EQ(term->id, 4);
	/* The peer does not close: slirpd does, and the session ends. */
	closed_later(pp, o, 50);
	ATF_REQUIRE((term = find(o, PPP_LCP, 5)) != NULL);
	send_pkt(pp, 3060, PPP_LCP, 6, term->id, NULL, 0);
	ATF_CHECK(ppp_dead(pp));
	ppp_free(pp);

	/* The peer closes itself, as pppd does after a Nak. */
	pp = auth_open(&c, o);
	send_pap(pp, 40, 3, "alice", "wrong");
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ppp_auth_result(pp, r.seq, 0, 50);
	send_pkt(pp, 60, PPP_LCP, 5, 0x44, NULL, 0);
	drain(pp, o);
	ATF_REQUIRE((term = find(o, PPP_LCP, 6)) != NULL);
	ATF_CHECK_EQ(term->id, 0x44);
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);
	ppp_timers(pp, 60 + 3000);
	ATF_CHECK(ppp_dead(pp));
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(pap_timeout);
ATF_TC_BODY(pap_timeout, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct ppp *pp;

	auth_config(&c, PPP_AUTH_PAP);
	c.auth.pap_timeout = 5;
	pp = auth_open(&c, o);
	ATF_CHECK_EQ(ppp_next_timer(pp, 20), 5000);
	ppp_timers(pp, 5019);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);
	ppp_timers(pp, 5020);
	drain(pp, o);
	ATF_CHECK_EQ(ppp_auth_stats(pp)->timeouts, 1);
	closed_later(pp, o, 5020);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(chap_success);
ATF_TC_BODY(chap_success, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_auth_req r;
	struct ppp_config c;
	struct ppp *pp;
	struct pkt ch;
	const struct pkt *k;
	uint8_t val[16];

	auth_config(&c, PPP_AUTH_CHAP);
	pp = start(&c, 0, o);
	ch = o->p[0];
	send_pkt(pp, 10, PPP_LCP, 1, 7, peer_lcp, sizeof(peer_lcp));
	send_pkt(pp, 20, PPP_LCP, 2, ch.id, ch.data, ch.len);
	ATF_REQUIRE_EQ(ppp_lcp_state(pp), PPP_OPENED);
	drain(pp, o);
	/* The challenge: 16 bytes and our name. */
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	ch = *k;
	ATF_REQUIRE_EQ(ch.len, 1 + 16 + strlen("dialhost"));
	ATF_CHECK_EQ(ch.data[0], 16);
	ATF_CHECK(memcmp(ch.data + 17, "dialhost", 8) == 0);
	ATF_CHECK(find(o, PPP_IPCP, 1) == NULL);

	memset(val, 0xab, sizeof(val));
	/* An answer to another challenge is ignored. */
	send_chap(pp, 30, (uint8_t)(ch.id + 1), val, 16, "bob");
	ATF_CHECK(!ppp_auth_take(pp, &r));
	send_chap(pp, 31, ch.id, val, 16, "bob");
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ATF_CHECK_EQ(r.method, PPP_AUTH_CHAP);
	ATF_CHECK_EQ(r.chap_id, ch.id);
	ATF_CHECK(memcmp(r.challenge, ch.data + 1, 16) == 0);
	ATF_CHECK_EQ(r.secretlen, 16);
	ATF_CHECK(memcmp(r.secret, val, 16) == 0);
	ATF_CHECK_EQ(r.namelen, 3);
	ATF_CHECK(memcmp(r.name, "bob", 3) == 0);

	ppp_auth_result(pp, r.seq, 1, 40);
	drain(pp, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 3)) != NULL);
	ATF_CHECK_EQ(k->id, ch.id);
	ATF_CHECK(find(o, PPP_IPCP, 1) != NULL);
	ATF_CHECK(ppp_auth_ok(pp));
	/* No re-challenge configured: no timer of ours is left. */
	ATF_CHECK_EQ(ppp_auth_stats(pp)->challenges, 1);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(chap_retransmit_and_give_up);
ATF_TC_BODY(chap_retransmit_and_give_up, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct ppp *pp;
	const struct pkt *k;
	int id;
	uint64_t t = 20;

	auth_config(&c, PPP_AUTH_CHAP);
	c.auth.chap_restart = 1;
	c.auth.chap_max = 3;
	pp = auth_open(&c, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	id = k->id;
	/* Each new challenge has a new Identifier. */
	t += 1000;
	ppp_timers(pp, t);
	drain(pp, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	ATF_CHECK(k->id != id);
	t += 1000;
	ppp_timers(pp, t);
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_CHAP, 1) != NULL);
	ATF_CHECK_EQ(ppp_auth_stats(pp)->challenges, 3);
	t += 1000;
	ppp_timers(pp, t);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_CHAP, 1) == NULL);
	ATF_CHECK_EQ(ppp_auth_stats(pp)->timeouts, 1);
	closed_later(pp, o, t);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(chap_refused_and_malformed);
ATF_TC_BODY(chap_refused_and_malformed, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_auth_req r;
	struct ppp_config c;
	struct ppp *pp;
	const struct pkt *k;
	uint8_t val[16] = { 0 };
	char longname[300];
	int id;

	auth_config(&c, PPP_AUTH_CHAP);
	pp = auth_open(&c, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	id = k->id;
	send_chap(pp, 30, id, val, 16, "bob");
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ppp_auth_result(pp, r.seq, 0, 40);
	drain(pp, o);
	ATF_REQUIRE(o->n >= 1);
	ATF_CHECK_EQ(o->p[0].proto, PPP_CHAP);
	ATF_CHECK_EQ(o->p[0].code, 4);
	closed_later(pp, o, 40);
	ppp_free(pp);

	/* Not an MD5 value: Failure at once, nothing for the parent. */
	pp = auth_open(&c, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	id = k->id;
	send_chap(pp, 30, id, val, 8, "bob");
	ATF_CHECK(!ppp_auth_take(pp, &r));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_CHAP, 4) != NULL);
	closed_later(pp, o, 30);
	ppp_free(pp);

	/* A name longer than PAP or CHAP can carry elsewhere: refused. */
	pp = auth_open(&c, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	id = k->id;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	send_chap(pp, 30, id, val, 16, longname);
	ATF_CHECK(!ppp_auth_take(pp, &r));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_CHAP, 4) != NULL);
	closed_later(pp, o, 30);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(chap_rechallenge);
ATF_TC_BODY(chap_rechallenge, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_auth_req r;
	struct ppp_config c;
	struct ppp *pp;
	const struct pkt *k;
	uint8_t val[16] = { 1 };

	auth_config(&c, PPP_AUTH_CHAP);
	c.auth.chap_interval = 10;
	pp = auth_open(&c, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	send_chap(pp, 30, k->id, val, 16, "bob");
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ppp_auth_result(pp, r.seq, 1, 40);
	drain(pp, o);
	ATF_CHECK(ppp_auth_ok(pp));
	ATF_CHECK_EQ(ppp_next_timer(pp, 40), 3000);	/* IPCP restart */
	ppp_timers(pp, 10040);
	drain(pp, o);
	ATF_REQUIRE((k = find(o, PPP_CHAP, 1)) != NULL);
	/* The link stays up while the peer proves itself again... */
	send_chap(pp, 10050, k->id, val, 16, "bob");
	ATF_REQUIRE(ppp_auth_take(pp, &r));
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_OPENED);
	/* ...and goes down when it cannot. */
	ppp_auth_result(pp, r.seq, 0, 10060);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_CHAP, 4) != NULL);
	ATF_CHECK(find(o, PPP_LCP, 5) != NULL);
	ppp_free(pp);
	free(o);
}

/* The peer acks the Terminate-Request: a link refused ends the session. */
static void
ack_term(struct ppp *pp, struct out *o)
{
	const struct pkt *t;

	ATF_REQUIRE((t = find(o, PPP_LCP, 5)) != NULL);
	send_pkt(pp, 90, PPP_LCP, 6, t->id, NULL, 0);
	ATF_CHECK(ppp_dead(pp));
}

ATF_TC_WITHOUT_HEAD(lcp_nak_and_reject);
ATF_TC_BODY(lcp_nak_and_reject, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct ppp *pp;
	struct pkt req;
	const uint8_t pap[] = { 3, 4, 0xc0, 0x23 };
	const uint8_t chap5[] = { 3, 5, 0xc2, 0x23, 5 };
	const uint8_t chap81[] = { 3, 5, 0xc2, 0x23, 0x81 };
	const uint8_t *a;

	/* Both allowed: a Nak suggesting PAP switches to PAP. */
	auth_config(&c, PPP_AUTH_PAP | PPP_AUTH_CHAP);
	pp = start(&c, 0, o);
	req = o->p[0];
	send_pkt(pp, 10, PPP_LCP, 3, req.id, pap, sizeof(pap));
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_LCP, 1) != NULL);
	ATF_REQUIRE((a = opt(find(o, PPP_LCP, 1), 3)) != NULL);
	ATF_CHECK(a[1] == 4 && a[2] == 0xc0 && a[3] == 0x23);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	/* Both tried and naked: no loop between them, the link ends. */
	req = *find(o, PPP_LCP, 1);
	send_pkt(pp, 20, PPP_LCP, 3, req.id, chap5, sizeof(chap5));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 1) == NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSING);
	ack_term(pp, o);
	ppp_free(pp);

	/* MS-CHAP (0x81) is not verified here: PAP is asked for instead. */
	pp = start(&c, 0, o);
	req = o->p[0];
	send_pkt(pp, 10, PPP_LCP, 3, req.id, chap81, sizeof(chap81));
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_LCP, 1) != NULL);
	ATF_REQUIRE((a = opt(find(o, PPP_LCP, 1), 3)) != NULL);
	ATF_CHECK(a[1] == 4 && a[2] == 0xc0 && a[3] == 0x23);
	ppp_free(pp);

	/* CHAP only: a Nak for PAP cannot be taken. */
	auth_config(&c, PPP_AUTH_CHAP);
	pp = start(&c, 0, o);
	req = o->p[0];
	send_pkt(pp, 10, PPP_LCP, 3, req.id, pap, sizeof(pap));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 1) == NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSING);
	ack_term(pp, o);
	ppp_free(pp);

	/* A peer that rejects authentication outright. */
	auth_config(&c, PPP_AUTH_PAP);
	pp = start(&c, 0, o);
	req = o->p[0];
	send_pkt(pp, 10, PPP_LCP, 4, req.id, pap, sizeof(pap));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 1) == NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_CLOSING);
	ack_term(pp, o);
	ppp_free(pp);
	free(o);
}

/*
 * A tty that still echoes (the PC's line before pppd sets it raw) sends
 * our request back; we reject its auth option, and that Reject comes
 * back too.  It must not count as the peer refusing to authenticate.
 */
ATF_TC_WITHOUT_HEAD(echoed_line);
ATF_TC_BODY(echoed_line, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_config c;
	struct ppp *pp;
	struct pkt req, rej, first;
	const uint8_t pap[] = { 3, 4, 0xc0, 0x23 };

	auth_config(&c, PPP_AUTH_PAP);
	pp = start(&c, 0, o);
	req = first = o->p[0];
	send_pkt(pp, 10, PPP_LCP, 1, req.id, req.data, req.len);
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_LCP, 4) != NULL);	/* we reject "auth" */
	rej = *find(o, PPP_LCP, 4);
	send_pkt(pp, 20, PPP_LCP, 4, rej.id, rej.data, rej.len);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	ATF_REQUIRE(find(o, PPP_LCP, 1) != NULL);
	req = *find(o, PPP_LCP, 1);
	ATF_CHECK(opt(&req, 3) != NULL);	/* still asking */
	/* A late echo of the first request, whose magic we have changed. */
	send_pkt(pp, 22, PPP_LCP, 1, first.id, first.data, first.len);
	drain(pp, o);
	ATF_REQUIRE(find(o, PPP_LCP, 4) != NULL);
	rej = *find(o, PPP_LCP, 4);
	rej.id = req.id;	/* as if it answered the current request */
	send_pkt(pp, 24, PPP_LCP, 4, rej.id, rej.data, rej.len);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);
	ATF_CHECK_EQ(ppp_lcp_state(pp), PPP_REQSENT);
	ATF_REQUIRE(find(o, PPP_LCP, 1) != NULL);
	req = *find(o, PPP_LCP, 1);
	/* The real peer speaks, and then really rejects: that ends it. */
	send_pkt(pp, 30, PPP_LCP, 1, 7, peer_lcp, sizeof(peer_lcp));
	drain(pp, o);
	send_pkt(pp, 40, PPP_LCP, 4, req.id, pap, sizeof(pap));
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) != NULL);
	ppp_free(pp);
	free(o);
}

ATF_TC_WITHOUT_HEAD(malformed);
ATF_TC_BODY(malformed, tc)
{
	struct out *o = calloc(1, sizeof(*o));
	struct ppp_auth_req r;
	struct ppp_config c;
	struct ppp *pp;
	const uint8_t *bad[] = {
		(const uint8_t *)"\x01\x05\x00\x04",		/* no fields */
		(const uint8_t *)"\x01\x05\x00\x06\x09\x41",	/* id too long */
		(const uint8_t *)"\x01\x05\x00\x07\x01\x41\x05", /* pw too long */
		(const uint8_t *)"\x01\x05\x00\x09\x01\x41\x00",	/* len > pkt */
		(const uint8_t *)"\x02\x05\x00\x05\x00",	/* an Ack to us */
		(const uint8_t *)"\x01\x05\x00\x02\x00",	/* len < 4 */
	};
	const size_t blen[] = { 4, 6, 7, 7, 5, 5 };
	size_t i;
	uint64_t bad0;

	/* Without authentication, PAP is an unknown protocol. */
	auth_config(&c, 0);
	pp = lcp_open(&c, o);
	send_pap(pp, 30, 1, "a", "b");
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 8) != NULL);
	ATF_CHECK(ppp_auth_stats(pp) == NULL);
	ppp_free(pp);

	auth_config(&c, PPP_AUTH_PAP);
	pp = start(&c, 0, o);
	/* Before LCP is open, PAP is ignored. */
	send_pap(pp, 5, 1, "a", "b");
	ATF_CHECK(!ppp_auth_take(pp, &r));
	ppp_free(pp);
	pp = auth_open(&c, o);
	bad0 = ppp_auth_stats(pp)->bad;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send_raw(pp, 30, PPP_PAP, bad[i], blen[i]);
		ATF_CHECK_MSG(!ppp_auth_take(pp, &r), "case %zu", i);
	}
	ATF_CHECK_EQ(ppp_auth_stats(pp)->bad, bad0 + 6);
	/* CHAP on a PAP link is out of turn too. */
	send_raw(pp, 30, PPP_CHAP, bad[0], 4);
	ATF_CHECK_EQ(ppp_auth_stats(pp)->bad, bad0 + 7);
	drain(pp, o);
	ATF_CHECK(find(o, PPP_LCP, 5) == NULL);	/* still waiting */
	/* A good request still works after all that. */
	send_pap(pp, 40, 2, "alice", "pw");
	ATF_CHECK(ppp_auth_take(pp, &r));
	ppp_free(pp);
	free(o);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lcp_asks_for_auth);
	ATF_TP_ADD_TC(tp, pap_success);
	ATF_TP_ADD_TC(tp, pap_refused);
	ATF_TP_ADD_TC(tp, pap_timeout);
	ATF_TP_ADD_TC(tp, chap_success);
	ATF_TP_ADD_TC(tp, chap_retransmit_and_give_up);
	ATF_TP_ADD_TC(tp, chap_refused_and_malformed);
	ATF_TP_ADD_TC(tp, chap_rechallenge);
	ATF_TP_ADD_TC(tp, lcp_nak_and_reject);
	ATF_TP_ADD_TC(tp, echoed_line);
	ATF_TP_ADD_TC(tp, malformed);
	return 0;
}
