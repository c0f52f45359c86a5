/*
 * PAP and CHAP-MD5, the authenticator's side.  Packets come from the
 * line and are checked byte by byte; what passes is one request at a
 * time for the parent, which alone can see passwords and secrets.
 */
#include <stdlib.h>
#include <string.h>
#define LIBBSD_NETBSD_VIS
#include <vis.h>

#include "log.h"
#include "ppp.h"
#include "ppp_auth.h"

enum { PAP_REQ = 1, PAP_ACK, PAP_NAK };
enum { CHAP_CHALLENGE = 1, CHAP_RESPONSE, CHAP_SUCCESS, CHAP_FAILURE };

enum pauth_state {
	A_IDLE,		/* LCP not open, or no authentication */
	A_WAIT,		/* for the peer's request or response */
	A_CHECK,	/* the parent is verifying it */
	A_OPEN,		/* authenticated (CHAP may challenge again) */
	A_FAILED	/* refused: the link is going down */
};

static const char msg_ok[] = "Welcome to slirpd";
static const char msg_fail[] = "Authentication failed";

struct pauth {
	struct pauth_config cfg;
	const struct pauth_ops *ops;
	void		*arg;
	enum pauth_state state;
	int		 method;	/* PPP_AUTH_PAP or _CHAP */
	int		 authed;	/* succeeded once on this link */
	uint8_t		 id;		/* the request's or challenge's */
	uint8_t		 challenge[PPP_AUTH_CHALLENGE];
	unsigned int	 challenges;	/* sent in this round */
	uint64_t	 deadline;	/* ms; 0: no timer */
	uint32_t	 seq;		/* of the request in flight */
	int		 ready;		/* req waits for pauth_take() */
	struct ppp_auth_req req;
	char		 peer[PPP_AUTH_NAMEMAX * 4 + 1];	/* vis(3) */
	struct pauth_stats st;
};

static const char *
method_name(int method)
{
	return method == PPP_AUTH_CHAP ? "CHAP" : "PAP";
}

struct pauth *
pauth_new(const struct pauth_config *c, const struct pauth_ops *ops,
    void *arg)
{
	struct pauth *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->cfg = *c;
	a->cfg.ourname[sizeof(a->cfg.ourname) - 1] = '\0';
	if (a->cfg.pap_timeout == 0)
		a->cfg.pap_timeout = PPP_AUTH_PAP_TIMEOUT;
	if (a->cfg.chap_restart == 0)
		a->cfg.chap_restart = PPP_AUTH_CHAP_RESTART;
	if (a->cfg.chap_max == 0)
		a->cfg.chap_max = PPP_AUTH_CHAP_MAX;
	a->ops = ops;
	a->arg = arg;
	return a;
}

void
pauth_free(struct pauth *a)
{
	if (a == NULL)
		return;
	explicit_bzero(&a->req, sizeof(a->req));
	free(a);
}

static void
pauth_clear(struct pauth *a)
{
	explicit_bzero(&a->req, sizeof(a->req));
	a->ready = 0;
	a->deadline = 0;
}

/* A PAP Ack/Nak: Msg-Length, then the message. */
static void
pap_reply(struct pauth *a, int code, int id, const char *msg)
{
	uint8_t b[1 + 64];
	size_t n = strlen(msg);

	b[0] = (uint8_t)n;
	memcpy(b + 1, msg, n);
	a->ops->send(a->arg, PPP_PAP, code, id, b, n + 1);
}

static void
chap_reply(struct pauth *a, int code, int id, const char *msg)
{
	a->ops->send(a->arg, PPP_CHAP, code, id, (const uint8_t *)msg,
	    strlen(msg));
}

/* A fresh Identifier and value each time (RFC 1994 4.1). */
static void
chap_challenge(struct pauth *a, uint64_t now)
{
	uint8_t b[1 + PPP_AUTH_CHALLENGE + PPP_AUTH_OURNAME];
	size_t nl = strlen(a->cfg.ourname);

	a->id++;
	/* syscall: getrandom (arc4random_buf) */
	arc4random_buf(a->challenge, sizeof(a->challenge));
	b[0] = PPP_AUTH_CHALLENGE;
	memcpy(b + 1, a->challenge, PPP_AUTH_CHALLENGE);
	memcpy(b + 1 + PPP_AUTH_CHALLENGE, a->cfg.ourname, nl);
	a->ops->send(a->arg, PPP_CHAP, CHAP_CHALLENGE, a->id, b,
	    1 + PPP_AUTH_CHALLENGE + nl);
	a->challenges++;
	a->st.challenges++;
	a->state = A_WAIT;
	a->deadline = now + a->cfg.chap_restart * 1000ULL;
}

void
pauth_start(struct pauth *a, int method, uint64_t now)
{
	pauth_clear(a);
	a->method = method;
	a->authed = 0;
	a->challenges = 0;
	a->peer[0] = '\0';
	if (method == PPP_AUTH_CHAP)
		chap_challenge(a, now);
	else {
		a->state = A_WAIT;
		a->deadline = now + a->cfg.pap_timeout * 1000ULL;
	}
}

void
pauth_stop(struct pauth *a)
{
	pauth_clear(a);
	a->state = A_IDLE;
	a->authed = 0;
}

static void
pauth_fail(struct pauth *a, const char *why)
{
	log_warnx("%s: %s authentication failed: %s%s%s", __func__,
	    method_name(a->method), why, a->peer[0] ? " for " : "", a->peer);
	a->st.failure++;
	pauth_clear(a);
	a->state = A_FAILED;
	a->ops->done(a->arg, 0);
}

/* Queue a verification of name/secret for the parent. */
static void
pauth_check(struct pauth *a, int id, const uint8_t *name, size_t nl,
    const uint8_t *secret, size_t sl, uint64_t now)
{
	struct ppp_auth_req *r = &a->req;

	explicit_bzero(r, sizeof(*r));
	r->seq = ++a->seq;
	r->method = (uint32_t)a->method;
	r->namelen = (uint32_t)nl;
	r->secretlen = (uint32_t)sl;
	r->chap_id = (uint8_t)id;
	memcpy(r->name, name, nl);
	memcpy(r->secret, secret, sl);
	if (a->method == PPP_AUTH_CHAP)
		memcpy(r->challenge, a->challenge, sizeof(r->challenge));
	/* For the log: the name as the peer sent it, made printable. */
	(void)strnvisx(a->peer, sizeof(a->peer), (const char *)name, nl,
	    VIS_SAFE | VIS_OCTAL);
	a->id = (uint8_t)id;
	a->ready = 1;
	a->state = A_CHECK;
	a->deadline = now + PPP_AUTH_CHECK_TIMEOUT * 1000ULL;
}

/* Authenticate-Request: Peer-ID Length, Peer-Id, Passwd-Length, Password. */
static void
pap_input(struct pauth *a, int code, int id, const uint8_t *d, size_t len,
    uint64_t now)
{
	size_t nl, pl;

	if (code != PAP_REQ || len < 2 || (nl = d[0]) + 2 > len ||
	    (pl = d[1 + nl]) + nl + 2 > len) {
		a->st.bad++;
		return;
	}
	a->st.pap_requests++;
	switch (a->state) {
	case A_WAIT:
		pauth_check(a, id, d + 1, nl, d + 2 + nl, pl, now);
		return;
	case A_OPEN:
		/* Our Ack was lost: the peer asks again. */
		pap_reply(a, PAP_ACK, id, msg_ok);
		return;
	case A_FAILED:
		pap_reply(a, PAP_NAK, id, msg_fail);
		return;
	default:
		/*
		 * A_CHECK: a retransmission while the parent decides; the
		 * verdict answers the newest Identifier (RFC 1334 2.2.2).
		 */
		a->id = (uint8_t)id;
		return;
	}
}

/* Response: Value-Size, Value, Name (the rest). */
static void
chap_input(struct pauth *a, int code, int id, const uint8_t *d, size_t len,
    uint64_t now)
{
	size_t vl, nl;

	if (code != CHAP_RESPONSE || len < 1 || (vl = d[0]) + 1 > len) {
		a->st.bad++;
		return;
	}
	nl = len - 1 - vl;
	if (id != a->id) {
		a->st.bad++;	/* an answer to an older challenge */
		return;
	}
	a->st.chap_responses++;
	switch (a->state) {
	case A_WAIT:
		if (vl != PPP_AUTH_MD5LEN || nl > PPP_AUTH_NAMEMAX) {
			a->st.bad++;
			chap_reply(a, CHAP_FAILURE, id, msg_fail);
			pauth_fail(a, "malformed response");
			return;
		}
		pauth_check(a, id, d + 1 + vl, nl, d + 1, vl, now);
		return;
	case A_OPEN:
		chap_reply(a, CHAP_SUCCESS, id, msg_ok);
		return;
	case A_FAILED:
		chap_reply(a, CHAP_FAILURE, id, msg_fail);
		return;
	default:
		return;
	}
}

void
pauth_input(struct pauth *a, uint16_t proto, const uint8_t *d, size_t len,
    uint64_t now)
{
	size_t plen;

	if (a->state == A_IDLE ||
	    proto != (a->method == PPP_AUTH_CHAP ? PPP_CHAP : PPP_PAP) ||
	    len < 4 || (plen = (size_t)(d[2] << 8 | d[3])) < 4 || plen > len) {
		a->st.bad++;
		return;
	}
	/* Bytes past Length are padding (RFC 1661 5). */
	if (proto == PPP_PAP)
		pap_input(a, d[0], d[1], d + 4, plen - 4, now);
	else
		chap_input(a, d[0], d[1], d + 4, plen - 4, now);
}

int
pauth_take(struct pauth *a, struct ppp_auth_req *r)
{
	if (!a->ready)
		return 0;
	*r = a->req;
	explicit_bzero(&a->req, sizeof(a->req));
	a->ready = 0;
	return 1;
}

void
pauth_result(struct pauth *a, uint32_t seq, int ok, uint64_t now)
{
	if (a->state != A_CHECK || seq != a->seq) {
		a->st.bad++;
		return;
	}
	if (!ok) {
		if (a->method == PPP_AUTH_CHAP)
			chap_reply(a, CHAP_FAILURE, a->id, msg_fail);
		else
			pap_reply(a, PAP_NAK, a->id, msg_fail);
		pauth_fail(a, "refused");
		return;
	}
	if (a->method == PPP_AUTH_CHAP)
		chap_reply(a, CHAP_SUCCESS, a->id, msg_ok);
	else
		pap_reply(a, PAP_ACK, a->id, msg_ok);
	a->st.success++;
	pauth_clear(a);
	a->state = A_OPEN;
	if (a->method == PPP_AUTH_CHAP && a->cfg.chap_interval > 0)
		a->deadline = now + a->cfg.chap_interval * 1000ULL;
	if (!a->authed) {
		log_info("%s: %s: peer %s authenticated", __func__,
		    method_name(a->method), a->peer);
		a->authed = 1;
		a->ops->done(a->arg, 1);
	}
}

void
pauth_timers(struct pauth *a, uint64_t now)
{
	if (a->deadline == 0 || now < a->deadline)
		return;
	a->deadline = 0;
	switch (a->state) {
	case A_WAIT:
		if (a->method == PPP_AUTH_CHAP &&
		    a->challenges < a->cfg.chap_max) {
			chap_challenge(a, now);
			return;
		}
		a->st.timeouts++;
		pauth_fail(a, "no answer from the peer");
		return;
	case A_CHECK:
		a->st.timeouts++;
		pauth_fail(a, "no verdict in time");
		return;
	case A_OPEN:
		/* chap-interval: prove it again. */
		a->challenges = 0;
		chap_challenge(a, now);
		return;
	default:
		return;
	}
}

int64_t
pauth_next_timer(const struct pauth *a, uint64_t now)
{
	if (a->deadline == 0)
		return -1;
	return a->deadline > now ? (int64_t)(a->deadline - now) : 0;
}

int
pauth_done(const struct pauth *a)
{
	return a->authed;
}

const char *
pauth_peer(const struct pauth *a)
{
	return a->peer;
}

const struct pauth_stats *
pauth_stats(const struct pauth *a)
{
	return &a->st;
}
