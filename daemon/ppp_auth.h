/*
 * PPP authentication, slirpd as the authenticator: PAP (RFC 1334) and
 * CHAP with MD5 (RFC 1994).  The engine holds no passwords or secrets:
 * it collects what the peer sent and hands it out (pauth_take) for the
 * parent to verify (PAM for PAP, the CHAP secrets file for CHAP); the
 * verdict comes back through pauth_result.  Until then the link stays in
 * the Authenticate phase and no network protocol may start.
 */
#ifndef SLIRPD_PPP_AUTH_H
#define SLIRPD_PPP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define PPP_AUTH_PAP		0x01	/* methods, as bits */
#define PPP_AUTH_CHAP		0x02	/* CHAP with MD5 only */
#define PPP_AUTH_NAMEMAX	255	/* PAP and CHAP carry one length byte */
#define PPP_AUTH_CHALLENGE	16	/* our CHAP challenge, bytes */
#define PPP_AUTH_MD5LEN		16
#define PPP_AUTH_OURNAME	64	/* CHAP Name of the authenticator */

/* Defaults of the timers (slirp(1) pap-timeout, chap-restart, ...). */
#define PPP_AUTH_PAP_TIMEOUT	30	/* s for the peer's request */
#define PPP_AUTH_CHAP_RESTART	3	/* s between challenges */
#define PPP_AUTH_CHAP_MAX	10	/* challenges before giving up */
#define PPP_AUTH_CHECK_TIMEOUT	30	/* s for the parent's verdict */

/* What the parent verifies: fixed width, carried as it is by imsg. */
struct ppp_auth_req {
	uint32_t	seq;		/* echoed by pauth_result() */
	uint32_t	method;		/* PPP_AUTH_PAP or PPP_AUTH_CHAP */
	uint32_t	namelen;	/* <= PPP_AUTH_NAMEMAX */
	uint32_t	secretlen;	/* PAP password; CHAP: PPP_AUTH_MD5LEN */
	uint8_t		chap_id, pad[3];
	uint8_t		name[PPP_AUTH_NAMEMAX + 1];
	uint8_t		secret[PPP_AUTH_NAMEMAX + 1];
	uint8_t		challenge[PPP_AUTH_CHALLENGE];
};

struct pauth_config {
	unsigned int	allow;		/* PPP_AUTH_* bits; 0: none */
	char		ourname[PPP_AUTH_OURNAME];	/* NUL-terminated */
	unsigned int	pap_timeout;	/* s; 0: the default */
	unsigned int	chap_restart;	/* s */
	unsigned int	chap_max;	/* challenges */
	unsigned int	chap_interval;	/* s between re-challenges; 0: none */
};

struct pauth_stats {
	uint64_t	pap_requests, chap_responses, challenges;
	uint64_t	success, failure, timeouts;
	uint64_t	bad;		/* malformed, out of turn, wrong id */
};

struct pauth_ops {
	/* Send an authentication packet (code, id, data). */
	void	(*send)(void *, uint16_t proto, int code, int id,
		    const uint8_t *, size_t);
	/* The verdict: 1 authenticated, 0 refused (the link must end). */
	void	(*done)(void *, int ok);
};

struct pauth;

struct pauth *pauth_new(const struct pauth_config *, const struct pauth_ops *,
	    void *arg);
void	 pauth_free(struct pauth *);
/* LCP chose method (PPP_AUTH_PAP or _CHAP) and opened: start. */
void	 pauth_start(struct pauth *, int method, uint64_t now);
/* LCP went down: forget everything in flight. */
void	 pauth_stop(struct pauth *);
/* A PAP or CHAP packet (code onwards) from the peer. */
void	 pauth_input(struct pauth *, uint16_t proto, const uint8_t *, size_t,
	    uint64_t now);
/* A request for the parent is waiting: copy it out (once); 1 if so. */
int	 pauth_take(struct pauth *, struct ppp_auth_req *);
/* The parent's verdict on request seq; others are stale and ignored. */
void	 pauth_result(struct pauth *, uint32_t seq, int ok, uint64_t now);
void	 pauth_timers(struct pauth *, uint64_t now);
int64_t	 pauth_next_timer(const struct pauth *, uint64_t now);
int	 pauth_done(const struct pauth *);	/* authenticated */
const char *pauth_peer(const struct pauth *);	/* its name, once done */
const struct pauth_stats *pauth_stats(const struct pauth *);

#endif
