/*
 * PPP on a unit: async HDLC framing (hdlc.h), LCP (RFC 1661) and IPCP
 * (RFC 1332, RFC 1877 DNS addresses).  slirpd is the server end: it
 * states its own address and gives the peer the session's, so a pppd
 * with no address options comes up.  Both ends open at once.
 *
 * The owner (daemon/unit.c) feeds line bytes to ppp_input(), which
 * delivers IP datagrams; it encodes the stack's datagrams with
 * ppp_encode_ip() and writes the control frames ppp_ctl_take() hands
 * out.  Timers run on the caller's clock: ppp_timers() when
 * ppp_next_timer() says so.  ppp_dead(): the link is down for good.
 */
#ifndef SLIRPD_PPP_H
#define SLIRPD_PPP_H

#include <stddef.h>
#include <stdint.h>

#include "hdlc.h"
#include "ppp_auth.h"

#define PPP_IP		0x0021
#define PPP_VJC		0x002d	/* VJ compressed TCP */
#define PPP_VJUC	0x002f	/* VJ uncompressed TCP */
#define PPP_IPCP	0x8021
#define PPP_LCP		0xc021
#define PPP_PAP		0xc023
#define PPP_CHAP	0xc223

#define PPP_MRU_DEFAULT	1500
#define PPP_MRU_MIN	128

/* Worst-case line bytes for a datagram of n bytes. */
#define PPP_ENCMAX(n)	HDLC_ENCMAX((size_t)(n) + 4)

struct ppp_config {
	uint32_t	our_addr;	/* network order: 10.0.2.2 */
	uint32_t	peer_addr;	/* 10.0.2.15 */
	uint32_t	dns_addr;	/* 10.0.2.3 */
	unsigned int	mru;		/* ours; 0: 1500 */
	uint32_t	asyncmap;	/* our receive ACCM to ask for */
	struct hdlc_xmap escape;	/* escape these always (`escape`) */
	int		no_pfc, no_acfc; /* -pc, -ac */
	int		vj;		/* offer/accept VJ (-vj: 0) */
	unsigned int	vj_slots;
	unsigned int	restart_ms;	/* 3000 */
	unsigned int	max_configure;	/* 10 */
	unsigned int	max_terminate;	/* 2 */
	unsigned int	max_failure;	/* 5 */
	unsigned int	echo_interval;	/* s; 0: no echoes */
	unsigned int	echo_failure;	/* unanswered echoes: link down */
	uint32_t	magic;		/* first magic number; 0: random */
	struct pauth_config auth;	/* +pap, +chap: the peer must */
};

struct ppp_stats {
	uint64_t	frames_in, frames_out;
	uint64_t	bad_fcs, runts, too_long, aborts;
	uint64_t	bad_hdr;	/* address/control or protocol wrong */
	uint64_t	proto_rej;	/* unknown protocols rejected */
	uint64_t	ip_in, ip_out, ip_drop;	/* IP not up: dropped */
	uint64_t	ctl_drop;	/* control output buffer full */
	uint64_t	echo_sent, echo_lost;
};

/* FSM states (RFC 1661 4.2). */
enum ppp_state {
	PPP_INITIAL, PPP_STARTING, PPP_CLOSED, PPP_STOPPED, PPP_CLOSING,
	PPP_STOPPING, PPP_REQSENT, PPP_ACKRCVD, PPP_ACKSENT, PPP_OPENED
};

struct ppp;
struct vj;

void	 ppp_default_config(struct ppp_config *);
/* The line is up: LCP starts (sends its Configure-Request). */
struct ppp *ppp_new(const struct ppp_config *, uint64_t now);
void	 ppp_free(struct ppp *);
void	 ppp_input(struct ppp *, const uint8_t *, size_t, uint64_t now,
	    void (*deliver)(void *, const uint8_t *, size_t), void *arg);
size_t	 ppp_pending(const struct ppp *);	/* partial frame bytes */
/*
 * Encode an IP datagram into out (PPP_ENCMAX(len) bytes); 0 when IPCP is
 * not open (the datagram is dropped and counted).
 */
size_t	 ppp_encode_ip(struct ppp *, uint8_t *out, const uint8_t *pkt,
	    size_t len);
/* Encoded control frames waiting; ppp_ctl_take() copies up to room. */
size_t	 ppp_ctl_len(const struct ppp *);
size_t	 ppp_ctl_take(struct ppp *, uint8_t *out, size_t room);
void	 ppp_timers(struct ppp *, uint64_t now);
/* ms until ppp_timers() has work, -1 for none. */
int64_t	 ppp_next_timer(const struct ppp *, uint64_t now);
int	 ppp_dead(const struct ppp *);
int	 ppp_ip_up(const struct ppp *);
enum ppp_state ppp_lcp_state(const struct ppp *);
enum ppp_state ppp_ipcp_state(const struct ppp *);
const struct ppp_stats *ppp_stats(const struct ppp *);
/* Administrative close (session end): LCP Terminate-Request. */
void	 ppp_close(struct ppp *, uint64_t now);
/* What LCP agreed: the peer's MRU, its ACCM, our magic, compression. */
struct ppp_lcp_info {
	unsigned int	peer_mru;
	uint32_t	peer_accm, our_accm, our_magic, peer_magic;
	int		peer_pfc, peer_acfc;	/* we may compress when sending */
	int		pfc, acfc;		/* the peer may send compressed */
	int		vj_tx;			/* we compress for the peer */
	unsigned int	vj_tx_slots;
	int		vj_rx;			/* the peer compresses */
	unsigned int	vj_rx_slots;
};
void	 ppp_lcp_info(const struct ppp *, struct ppp_lcp_info *);
/*
 * Authentication: a request for the parent to verify (1 when one was
 * waiting), and its verdict.  ppp_auth_ok(): the peer is authenticated
 * or none was required.
 */
int	 ppp_auth_take(struct ppp *, struct ppp_auth_req *);
void	 ppp_auth_result(struct ppp *, uint32_t seq, int ok, uint64_t now);
const struct pauth_stats *ppp_auth_stats(const struct ppp *);
int	 ppp_auth_ok(const struct ppp *);

#endif
