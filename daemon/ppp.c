/*
 * PPP: the RFC 1661 option negotiation automaton shared by LCP and
 * IPCP, LCP's options, echo and loop detection, and IPCP's addresses.
 * Everything here is driven by frames from the line and by the caller's
 * clock; output control frames go to a bounded buffer of encoded bytes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ppp.h"
#include "ppp_auth.h"
#include "vj.h"

#define CTL_MAX		16384	/* encoded control frames waiting */
#define OPT_MAX		256	/* our requests and replies */
#define LOOP_LIMIT	5	/* own magic seen this often: looped back */
#define PPP_VJBUF	(65535 + 256)	/* a datagram and a rebuilt header */

/* Packet codes (RFC 1661 5). */
enum {
	C_CONFREQ = 1, C_CONFACK, C_CONFNAK, C_CONFREJ, C_TERMREQ, C_TERMACK,
	C_CODEREJ, C_PROTREJ, C_ECHOREQ, C_ECHOREP, C_DISCREQ
};

/* LCP options. */
enum {
	LO_MRU = 1, LO_ACCM = 2, LO_AUTH = 3, LO_MAGIC = 5, LO_PFC = 7,
	LO_ACFC = 8
};

/* IPCP options. */
enum { IO_ADDRS = 1, IO_COMP = 2, IO_ADDR = 3, IO_DNS1 = 129, IO_DNS2 = 131 };

struct fsm;

struct fsm_ops {
	size_t	(*req)(struct fsm *, uint8_t *);	/* our options */
	/* Peer's request: a C_CONF* code and the reply's options. */
	int	(*rcr)(struct fsm *, const uint8_t *, size_t, uint8_t *,
		    size_t *);
	int	(*rcn)(struct fsm *, const uint8_t *, size_t);
	int	(*rcj)(struct fsm *, const uint8_t *, size_t);
	void	(*up)(struct fsm *);
	void	(*down)(struct fsm *);
	void	(*finished)(struct fsm *);
	/* Codes beyond 7: 0 handled, -1 unknown. */
	int	(*extcode)(struct fsm *, int, int, const uint8_t *, size_t);
};

struct fsm {
	struct ppp	*ppp;
	const char	*name;
	uint16_t	 proto;
	enum ppp_state	 state;
	uint8_t		 id;		/* of our last request */
	unsigned int	 restart;	/* restart counter */
	unsigned int	 failures;	/* naks sent in a row */
	int		 timer;
	uint64_t	 deadline;
	uint8_t		 req[OPT_MAX];	/* our last Configure-Request */
	size_t		 reqlen;
	const struct fsm_ops *ops;
};

struct ppp {
	struct ppp_config cfg;
	uint64_t	 now;
	struct hdlc_dec	 dec;
	struct fsm	 lcp, ipcp;
	int		 dead;
	int		 was_open;	/* LCP reached Opened once */
	/* LCP: what we ask for, and what was agreed. */
	unsigned int	 our_mru;
	uint32_t	 our_accm, our_magic;
	int		 ask_mru, ask_accm, ask_magic, ask_pfc, ask_acfc;
	unsigned int	 peer_mru;
	uint32_t	 peer_accm, peer_magic;
	int		 peer_pfc, peer_acfc;
	unsigned int	 loops;
	/*
	 * The last request had our own magic: the line echoes (a tty not
	 * yet raw), so the Reject of it that we sent may come back too.
	 */
	int		 echoed;
	uint32_t	 old_magic[4];	/* ours before: echoes lag behind */
	/* Authentication (ppp_auth.c): the method LCP asks for. */
	struct pauth	*pa;		/* NULL: none required */
	int		 auth_method;	/* PPP_AUTH_PAP or _CHAP */
	int		 auth_ok;	/* the Network phase may start */
	int		 auth_tried;	/* methods the peer naked */
	int		 auth_refused;	/* the peer will not: close LCP */
	int		 auth_gaveup;	/* closed for that: the session ends */
	uint64_t	 auth_close;	/* refused: close LCP then (ms) */
	/* Echo. */
	uint64_t	 echo_next;
	unsigned int	 echo_out;
	uint8_t		 echo_id;
	/* IPCP. */
	int		 ask_addr;
	int		 ask_vj;	/* we offer to receive VJ */
	unsigned int	 vj_rx_slots;
	int		 vj_rx;		/* the peer acked: it may send VJ */
	int		 vj_tx, vj_cid;	/* the peer asked: we compress */
	unsigned int	 vj_tx_slots;
	struct vj	*vj;		/* while IPCP is up with VJ */
	uint8_t		*vjbuf;
	uint64_t	 errs_seen;	/* decoder errors: VJ must resync */
	/* Output. */
	struct hdlc_xmap txmap;
	uint8_t		 ctl[CTL_MAX];
	size_t		 ctllen;
	struct ppp_stats st;
};

static const char *const statenames[] = {
	"Initial", "Starting", "Closed", "Stopped", "Closing", "Stopping",
	"Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint32_t
ppp_magic(void)
{
	uint32_t m;

	/* syscall: getrandom (arc4random) */
	while ((m = arc4random()) == 0)
		;
	return m;
}

/* A new magic number; the old one is kept to recognise late echoes. */
static void
ppp_new_magic(struct ppp *p)
{
	memmove(p->old_magic + 1, p->old_magic,
	    sizeof(p->old_magic) - sizeof(p->old_magic[0]));
	p->old_magic[0] = p->our_magic;
	p->our_magic = ppp_magic();
}

static int
ppp_old_magic(const struct ppp *p, uint32_t m)
{
	size_t i;

	for (i = 0; i < sizeof(p->old_magic) / sizeof(p->old_magic[0]); i++)
		if (m != 0 && p->old_magic[i] == m)
			return 1;
	return 0;
}

/* Send a packet of proto; LCP always with full headers and all escaped. */
static void
ppp_send(struct ppp *p, uint16_t proto, int code, int id,
    const uint8_t *data, size_t len)
{
	struct hdlc_xmap all;
	const struct hdlc_xmap *m = &p->txmap;
	uint8_t hdr[8];

	if (len > 1500 - 4)
		len = 1500 - 4;
	if (p->ctllen + HDLC_ENCMAX(8 + len) > sizeof(p->ctl)) {
		p->st.ctl_drop++;
		return;
	}
	hdr[0] = 0xff;
	hdr[1] = 0x03;
	put16(hdr + 2, proto);
	hdr[4] = (uint8_t)code;
	hdr[5] = (uint8_t)id;
	put16(hdr + 6, (uint16_t)(len + 4));
	if (proto == PPP_LCP) {
		hdlc_xmap_init(&all, 0xffffffff);
		m = &all;
	}
	p->ctllen += hdlc_encode(p->ctl + p->ctllen, m, hdr, 8, data, len);
	p->st.frames_out++;
}

/* The automaton (RFC 1661 4). */

static void
fsm_state(struct fsm *f, enum ppp_state s)
{
	if (f->state != s)
		log_debug("%s: %s %s -> %s", __func__, f->name,
		    statenames[f->state], statenames[s]);
	f->state = s;
}

static void
fsm_timer(struct fsm *f)
{
	f->timer = 1;
	f->deadline = f->ppp->now + f->ppp->cfg.restart_ms;
}

static void
fsm_irc(struct fsm *f, int term)
{
	f->restart = term ? f->ppp->cfg.max_terminate :
	    f->ppp->cfg.max_configure;
}

static void
fsm_scr(struct fsm *f)
{
	f->reqlen = f->ops->req(f, f->req);
	f->id++;
	ppp_send(f->ppp, f->proto, C_CONFREQ, f->id, f->req, f->reqlen);
	if (f->restart > 0)
		f->restart--;
	fsm_timer(f);
}

static void
fsm_str(struct fsm *f)
{
	f->id++;
	ppp_send(f->ppp, f->proto, C_TERMREQ, f->id, NULL, 0);
	if (f->restart > 0)
		f->restart--;
	fsm_timer(f);
}

static void
fsm_tlu(struct fsm *f)
{
	f->timer = 0;
	f->failures = 0;
	if (f->ops->up != NULL)
		f->ops->up(f);
}

static void
fsm_tld(struct fsm *f)
{
	if (f->ops->down != NULL)
		f->ops->down(f);
}

static void
fsm_tlf(struct fsm *f)
{
	f->timer = 0;
	if (f->ops->finished != NULL)
		f->ops->finished(f);
}

static void
fsm_up(struct fsm *f)
{
	if (f->state == PPP_INITIAL)
		fsm_state(f, PPP_CLOSED);
	else if (f->state == PPP_STARTING) {
		fsm_irc(f, 0);
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
	}
}

static void
fsm_down(struct fsm *f)
{
	f->timer = 0;
	switch (f->state) {
	case PPP_CLOSED:
	case PPP_CLOSING:
		fsm_state(f, PPP_INITIAL);
		break;
	case PPP_STOPPED:
	case PPP_STOPPING:
	case PPP_REQSENT:
	case PPP_ACKRCVD:
	case PPP_ACKSENT:
		fsm_state(f, PPP_STARTING);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		fsm_state(f, PPP_STARTING);
		break;
	default:
		break;
	}
}

static void
fsm_open(struct fsm *f)
{
	switch (f->state) {
	case PPP_INITIAL:
		fsm_state(f, PPP_STARTING);
		break;
	case PPP_CLOSED:
		fsm_irc(f, 0);
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
		break;
	case PPP_CLOSING:
		fsm_state(f, PPP_STOPPING);
		break;
	default:
		break;
	}
}

static void
fsm_close(struct fsm *f)
{
	switch (f->state) {
	case PPP_STARTING:
		fsm_tlf(f);
		fsm_state(f, PPP_INITIAL);
		break;
	case PPP_STOPPED:
		fsm_state(f, PPP_CLOSED);
		break;
	case PPP_STOPPING:
		fsm_state(f, PPP_CLOSING);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		/* FALLTHROUGH */
	case PPP_REQSENT:
	case PPP_ACKRCVD:
	case PPP_ACKSENT:
		fsm_irc(f, 1);
		fsm_str(f);
		fsm_state(f, PPP_CLOSING);
		break;
	default:
		break;
	}
}

static void
fsm_timeout(struct fsm *f)
{
	f->timer = 0;
	if (f->restart > 0) {
		switch (f->state) {
		case PPP_CLOSING:
		case PPP_STOPPING:
			fsm_str(f);
			break;
		case PPP_REQSENT:
		case PPP_ACKRCVD:
			fsm_scr(f);
			fsm_state(f, PPP_REQSENT);
			break;
		case PPP_ACKSENT:
			fsm_scr(f);
			break;
		default:
			break;
		}
		return;
	}
	switch (f->state) {
	case PPP_CLOSING:
		fsm_tlf(f);
		fsm_state(f, PPP_CLOSED);
		break;
	case PPP_STOPPING:
	case PPP_REQSENT:
	case PPP_ACKRCVD:
	case PPP_ACKSENT:
		log_info("%s: %s: no answer, giving up", __func__, f->name);
		fsm_tlf(f);
		fsm_state(f, PPP_STOPPED);
		break;
	default:
		break;
	}
}

/* A peer's Configure-Request. */
static void
fsm_rcr(struct fsm *f, int id, const uint8_t *d, size_t len)
{
	uint8_t reply[OPT_MAX];
	size_t rlen = 0;
	int code, good;

	switch (f->state) {
	case PPP_CLOSED:
		ppp_send(f->ppp, f->proto, C_TERMACK, id, NULL, 0);
		return;
	case PPP_CLOSING:
	case PPP_STOPPING:
	case PPP_INITIAL:
	case PPP_STARTING:
		return;
	default:
		break;
	}
	code = f->ops->rcr(f, d, len, reply, &rlen);
	good = code == C_CONFACK;
	if (code == C_CONFNAK && ++f->failures > f->ppp->cfg.max_failure) {
		/* The peer will not converge: reject what we nak. */
		code = C_CONFREJ;
	}
	if (good)
		f->failures = 0;
	switch (f->state) {
	case PPP_STOPPED:
		fsm_irc(f, 0);
		fsm_scr(f);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		fsm_scr(f);
		break;
	default:
		break;
	}
	ppp_send(f->ppp, f->proto, code, id, reply, rlen);
	switch (f->state) {
	case PPP_ACKRCVD:
		if (good) {
			fsm_state(f, PPP_OPENED);
			fsm_tlu(f);
		}
		break;
	default:
		fsm_state(f, good ? PPP_ACKSENT : PPP_REQSENT);
		break;
	}
}

static void
fsm_rca(struct fsm *f, int id, const uint8_t *d, size_t len)
{
	/* An ack must echo our current request exactly (RFC 1661 5.2). */
	if (id != f->id || len != f->reqlen || memcmp(d, f->req, len) != 0)
		return;
	switch (f->state) {
	case PPP_CLOSED:
	case PPP_STOPPED:
		ppp_send(f->ppp, f->proto, C_TERMACK, id, NULL, 0);
		break;
	case PPP_REQSENT:
		fsm_irc(f, 0);
		f->timer = 0;
		fsm_state(f, PPP_ACKRCVD);
		break;
	case PPP_ACKRCVD:
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
		break;
	case PPP_ACKSENT:
		fsm_irc(f, 0);
		fsm_state(f, PPP_OPENED);
		fsm_tlu(f);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
		break;
	default:
		break;
	}
}

/* Configure-Nak (nak != 0) or Configure-Reject. */
static void
fsm_rcn(struct fsm *f, int id, const uint8_t *d, size_t len, int nak)
{
	if (id != f->id)
		return;
	switch (f->state) {
	case PPP_CLOSED:
	case PPP_STOPPED:
		ppp_send(f->ppp, f->proto, C_TERMACK, id, NULL, 0);
		return;
	case PPP_REQSENT:
	case PPP_ACKRCVD:
	case PPP_ACKSENT:
	case PPP_OPENED:
		break;
	default:
		return;
	}
	if ((nak ? f->ops->rcn : f->ops->rcj)(f, d, len) == -1)
		return;		/* malformed: ignore it */
	switch (f->state) {
	case PPP_REQSENT:
	case PPP_ACKSENT:
		fsm_irc(f, 0);
		fsm_scr(f);
		break;
	case PPP_ACKRCVD:
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
		break;
	default:
		break;
	}
}

static void
fsm_rtr(struct fsm *f, int id)
{
	ppp_send(f->ppp, f->proto, C_TERMACK, id, NULL, 0);
	switch (f->state) {
	case PPP_REQSENT:
	case PPP_ACKRCVD:
	case PPP_ACKSENT:
		fsm_state(f, PPP_REQSENT);
		break;
	case PPP_OPENED:
		log_info("%s: %s: peer terminates", __func__, f->name);
		fsm_tld(f);
		f->restart = 0;
		fsm_timer(f);
		fsm_state(f, PPP_STOPPING);
		break;
	default:
		break;
	}
}

static void
fsm_rta(struct fsm *f)
{
	switch (f->state) {
	case PPP_CLOSING:
		fsm_tlf(f);
		fsm_state(f, PPP_CLOSED);
		break;
	case PPP_STOPPING:
		fsm_tlf(f);
		fsm_state(f, PPP_STOPPED);
		break;
	case PPP_ACKRCVD:
		fsm_state(f, PPP_REQSENT);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		fsm_scr(f);
		fsm_state(f, PPP_REQSENT);
		break;
	default:
		break;
	}
}

/* RXJ-: something we cannot do without was rejected. */
static void
fsm_rxj_bad(struct fsm *f)
{
	switch (f->state) {
	case PPP_CLOSED:
	case PPP_STOPPED:
		fsm_tlf(f);
		break;
	case PPP_CLOSING:
		fsm_tlf(f);
		fsm_state(f, PPP_CLOSED);
		break;
	case PPP_STOPPING:
	case PPP_REQSENT:
	case PPP_ACKRCVD:
	case PPP_ACKSENT:
		fsm_tlf(f);
		fsm_state(f, PPP_STOPPED);
		break;
	case PPP_OPENED:
		fsm_tld(f);
		fsm_irc(f, 1);
		fsm_str(f);
		fsm_state(f, PPP_STOPPING);
		break;
	default:
		break;
	}
}

static void
fsm_input(struct fsm *f, const uint8_t *pkt, size_t len)
{
	size_t plen;
	int code, id;

	if (len < 4 || (plen = get16(pkt + 2)) < 4 || plen > len) {
		f->ppp->st.bad_hdr++;
		return;
	}
	/* Bytes past the length are padding (RFC 1661 5). */
	len = plen;
	code = pkt[0];
	id = pkt[1];
	if (f->state == PPP_INITIAL || f->state == PPP_STARTING)
		return;
	switch (code) {
	case C_CONFREQ:
		fsm_rcr(f, id, pkt + 4, len - 4);
		return;
	case C_CONFACK:
		fsm_rca(f, id, pkt + 4, len - 4);
		return;
	case C_CONFNAK:
	case C_CONFREJ:
		fsm_rcn(f, id, pkt + 4, len - 4, code == C_CONFNAK);
		return;
	case C_TERMREQ:
		fsm_rtr(f, id);
		return;
	case C_TERMACK:
		fsm_rta(f);
		return;
	case C_CODEREJ:
		/* Only a rejected basic code is fatal. */
		if (len >= 5 && pkt[4] >= C_CONFREQ && pkt[4] <= C_CODEREJ) {
			log_warnx("%s: %s: peer rejects code %u", __func__,
			    f->name, pkt[4]);
			fsm_rxj_bad(f);
		} else if (f->state == PPP_ACKRCVD)
			fsm_state(f, PPP_REQSENT);
		return;
	}
	if (f->ops->extcode != NULL &&
	    f->ops->extcode(f, code, id, pkt + 4, len - 4) == 0)
		return;
	/* RUC: Code-Reject, the packet as received. */
	f->id++;
	ppp_send(f->ppp, f->proto, C_CODEREJ, f->id, pkt, len);
}

static int
fsm_pending(const struct fsm *f, uint64_t now, int64_t *best)
{
	int64_t d;

	if (!f->timer)
		return 0;
	d = f->deadline > now ? (int64_t)(f->deadline - now) : 0;
	if (*best < 0 || d < *best)
		*best = d;
	return 1;
}

/* Option lists: every option has type and length >= 2 inside the list. */
static int
opts_valid(const uint8_t *d, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (len - i < 2 || d[i + 1] < 2 || d[i + 1] > len - i)
			return 0;
		i += d[i + 1];
	}
	return 1;
}

static size_t
opt_put(uint8_t *o, const uint8_t *opt, size_t olen)
{
	memcpy(o, opt, olen);
	return olen;
}

/* LCP. */

static size_t
lcp_req(struct fsm *f, uint8_t *o)
{
	struct ppp *p = f->ppp;
	size_t n = 0;

	if (p->ask_mru) {
		o[n] = LO_MRU;
		o[n + 1] = 4;
		put16(o + n + 2, (uint16_t)p->our_mru);
		n += 4;
	}
	if (p->ask_accm) {
		o[n] = LO_ACCM;
		o[n + 1] = 6;
		put32(o + n + 2, p->our_accm);
		n += 6;
	}
	if (p->pa != NULL) {
		/* RFC 1334 3.1, RFC 1994 3: CHAP names MD5 (5). */
		o[n] = LO_AUTH;
		o[n + 1] = p->auth_method == PPP_AUTH_CHAP ? 5 : 4;
		put16(o + n + 2, p->auth_method == PPP_AUTH_CHAP ? PPP_CHAP :
		    PPP_PAP);
		if (p->auth_method == PPP_AUTH_CHAP)
			o[n + 4] = 5;
		n += o[n + 1];
	}
	if (p->ask_magic) {
		o[n] = LO_MAGIC;
		o[n + 1] = 6;
		put32(o + n + 2, p->our_magic);
		n += 6;
	}
	if (p->ask_pfc) {
		o[n] = LO_PFC;
		o[n + 1] = 2;
		n += 2;
	}
	if (p->ask_acfc) {
		o[n] = LO_ACFC;
		o[n + 1] = 2;
		n += 2;
	}
	return n;
}

/* Sort one option into the ack, nak or reject list. */
struct verdict {
	uint8_t		 nak[OPT_MAX], rej[OPT_MAX];
	size_t		 naklen, rejlen;
};

static void
verdict_nak(struct verdict *v, const uint8_t *opt, size_t olen)
{
	if (v->naklen + olen <= sizeof(v->nak))
		v->naklen += opt_put(v->nak + v->naklen, opt, olen);
}

static void
verdict_rej(struct verdict *v, const uint8_t *opt, size_t olen)
{
	if (v->rejlen + olen <= sizeof(v->rej))
		v->rejlen += opt_put(v->rej + v->rejlen, opt, olen);
}

static int
verdict_reply(struct verdict *v, const uint8_t *d, size_t len, uint8_t *out,
    size_t *olen)
{
	if (v->rejlen > 0) {
		memcpy(out, v->rej, v->rejlen);
		*olen = v->rejlen;
		return C_CONFREJ;
	}
	if (v->naklen > 0) {
		memcpy(out, v->nak, v->naklen);
		*olen = v->naklen;
		return C_CONFNAK;
	}
	if (len > OPT_MAX)
		len = OPT_MAX;
	memcpy(out, d, len);
	*olen = len;
	return C_CONFACK;
}

static int
lcp_rcr(struct fsm *f, const uint8_t *d, size_t len, uint8_t *out,
    size_t *olen)
{
	struct ppp *p = f->ppp;
	struct verdict v;
	uint8_t fix[6];
	size_t i, ol;
	unsigned int mru = PPP_MRU_DEFAULT;
	uint32_t accm = 0xffffffff, magic = 0;
	int pfc = 0, acfc = 0, looped = 0;

	memset(&v, 0, sizeof(v));
	if (len > OPT_MAX || !opts_valid(d, len)) {
		/* Reject the whole malformed list. */
		if (len > OPT_MAX)
			len = OPT_MAX;
		memcpy(out, d, len);
		*olen = len;
		return C_CONFREJ;
	}
	for (i = 0; i < len; i += ol) {
		ol = d[i + 1];
		switch (d[i]) {
		case LO_MRU:
			if (ol != 4) {
				verdict_rej(&v, d + i, ol);
				break;
			}
			mru = get16(d + i + 2);
			if (mru < PPP_MRU_MIN) {
				fix[0] = LO_MRU;
				fix[1] = 4;
				put16(fix + 2, PPP_MRU_MIN);
				verdict_nak(&v, fix, 4);
			}
			break;
		case LO_ACCM:
			if (ol != 6)
				verdict_rej(&v, d + i, ol);
			else
				accm = get32(d + i + 2);
			break;
		case LO_MAGIC:
			if (ol != 6) {
				verdict_rej(&v, d + i, ol);
				break;
			}
			magic = get32(d + i + 2);
			if (p->ask_magic && ppp_old_magic(p, magic))
				looped = 1;	/* an older request of ours */
			if (p->ask_magic && magic == p->our_magic) {
				/* Maybe our own request looped back. */
				looped = 1;
				if (++p->loops >= LOOP_LIMIT) {
					log_warnx("%s: the line is looped back",
					    __func__);
					p->dead = 1;
				}
				fix[0] = LO_MAGIC;
				fix[1] = 6;
				put32(fix + 2, ppp_magic());
				verdict_nak(&v, fix, 6);
				ppp_new_magic(p);
			}
			break;
		case LO_PFC:
		case LO_ACFC:
			if (ol != 2 || (d[i] == LO_PFC ? p->cfg.no_pfc :
			    p->cfg.no_acfc))
				verdict_rej(&v, d + i, ol);
			else if (d[i] == LO_PFC)
				pfc = 1;
			else
				acfc = 1;
			break;
		default:
			/* Auth (we are the server), quality, callback... */
			verdict_rej(&v, d + i, ol);
			break;
		}
	}
	p->echoed = looped;
	if (v.rejlen == 0 && v.naklen == 0) {
		p->peer_mru = mru;
		p->peer_accm = accm;
		p->peer_magic = magic;
		p->peer_pfc = pfc;
		p->peer_acfc = acfc;
	}
	return verdict_reply(&v, d, len, out, olen);
}

/*
 * The peer naks our method: take its suggestion if we may and have not
 * tried it, else another method not tried yet (a dialer that proposes
 * MS-CHAP may still do PAP), else give up.
 */
static void
lcp_auth_nak(struct ppp *p, const uint8_t *opt, size_t ol)
{
	unsigned int allow = p->cfg.auth.allow, left;
	uint16_t proto;
	int want = 0;

	if (p->pa == NULL || p->echoed)
		return;		/* none asked, or our own Nak echoed */
	p->auth_tried |= p->auth_method;
	left = allow & ~(unsigned int)p->auth_tried;
	proto = ol >= 4 ? get16(opt + 2) : 0;
	if (proto == PPP_CHAP && ol == 5 && opt[4] == 5)
		want = PPP_AUTH_CHAP;
	else if (proto == PPP_PAP && ol == 4)
		want = PPP_AUTH_PAP;
	if (want != 0 && (left & (unsigned int)want))
		p->auth_method = want;
	else if (left & PPP_AUTH_CHAP)
		p->auth_method = PPP_AUTH_CHAP;
	else if (left & PPP_AUTH_PAP)
		p->auth_method = PPP_AUTH_PAP;
	else {
		log_warnx("%s: the peer will not authenticate with %s "
		    "(it offers protocol %04x)", __func__,
		    allow == PPP_AUTH_PAP ? "PAP" : allow == PPP_AUTH_CHAP ?
		    "CHAP" : "PAP or CHAP", proto);
		p->auth_refused = 1;
	}
}

static int
lcp_rcn(struct fsm *f, const uint8_t *d, size_t len)
{
	struct ppp *p = f->ppp;
	size_t i, ol;
	unsigned int mru;

	if (!opts_valid(d, len))
		return -1;
	for (i = 0; i < len; i += ol) {
		ol = d[i + 1];
		switch (d[i]) {
		case LO_MRU:
			if (ol != 4)
				break;
			mru = get16(d + i + 2);
			/* Our decoder takes up to 1500 bytes anyway. */
			if (mru >= PPP_MRU_MIN && mru <= PPP_MRU_DEFAULT) {
				p->our_mru = mru;
				p->ask_mru = mru != PPP_MRU_DEFAULT;
			} else
				p->ask_mru = 0;
			break;
		case LO_ACCM:
			if (ol == 6)
				p->our_accm |= get32(d + i + 2);
			break;
		case LO_MAGIC:
			if (ol != 6)
				break;
			if (++p->loops >= LOOP_LIMIT) {
				log_warnx("%s: the line is looped back",
				    __func__);
				p->dead = 1;
			}
			ppp_new_magic(p);
			break;
		case LO_AUTH:
			lcp_auth_nak(p, d + i, ol);
			break;
		case LO_PFC:
			p->ask_pfc = 0;
			break;
		case LO_ACFC:
			p->ask_acfc = 0;
			break;
		}
	}
	/* No new request when the link is about to close. */
	return p->auth_refused ? -1 : 0;
}

static int
lcp_rcj(struct fsm *f, const uint8_t *d, size_t len)
{
	struct ppp *p = f->ppp;
	size_t i, ol;

	if (!opts_valid(d, len))
		return -1;
	for (i = 0; i < len; i += ol) {
		ol = d[i + 1];
		switch (d[i]) {
		case LO_MRU:
			p->ask_mru = 0;
			p->our_mru = PPP_MRU_DEFAULT;
			break;
		case LO_ACCM:
			p->ask_accm = 0;
			p->our_accm = 0xffffffff;
			break;
		case LO_MAGIC:
			p->ask_magic = 0;
			break;
		case LO_AUTH:
			/*
			 * Authentication is required, not negotiable; but
			 * a Reject of our own echoed request is no answer.
			 */
			if (p->pa != NULL && !p->echoed) {
				log_warnx("%s: the peer refuses to "
				    "authenticate", __func__);
				p->auth_refused = 1;
			}
			break;
		case LO_PFC:
			p->ask_pfc = 0;
			break;
		case LO_ACFC:
			p->ask_acfc = 0;
			break;
		}
	}
	return p->auth_refused ? -1 : 0;
}

static void
ppp_txmap(struct ppp *p, uint32_t accm)
{
	size_t i;

	hdlc_xmap_init(&p->txmap, accm);
	for (i = 0; i < 8; i++)
		p->txmap.bits[i] |= p->cfg.escape.bits[i];
}

static void
lcp_up(struct fsm *f)
{
	struct ppp *p = f->ppp;

	log_info("%s: LCP up: peer MRU %u, ACCM %08x/%08x%s%s", __func__,
	    p->peer_mru, p->peer_accm, p->our_accm,
	    p->peer_pfc ? ", PFC" : "", p->peer_acfc ? ", ACFC" : "");
	p->was_open = 1;
	ppp_txmap(p, p->peer_accm);
	p->dec.raccm = p->ask_accm ? p->our_accm : 0xffffffff;
	p->loops = 0;
	p->echo_out = 0;
	if (p->cfg.echo_interval > 0)
		p->echo_next = p->now + p->cfg.echo_interval * 1000ULL;
	/* The Authenticate phase comes before any network protocol. */
	p->auth_ok = p->pa == NULL;
	if (p->pa != NULL)
		pauth_start(p->pa, p->auth_method, p->now);
	else
		fsm_up(&p->ipcp);
}

static void
lcp_down(struct fsm *f)
{
	struct ppp *p = f->ppp;

	ppp_txmap(p, 0xffffffff);
	p->dec.raccm = 0xffffffff;
	p->peer_pfc = p->peer_acfc = 0;
	p->echo_next = 0;
	if (p->pa != NULL)
		pauth_stop(p->pa);
	p->auth_ok = 0;
	p->auth_close = 0;
	fsm_down(&p->ipcp);
}

static void
lcp_finished(struct fsm *f)
{
	/*
	 * A link that was up and is finished ends the session.  One that
	 * never came up waits (Stopped) for the user to start the client.
	 */
	if (f->ppp->was_open || f->ppp->auth_gaveup)
		f->ppp->dead = 1;
}

static int
lcp_extcode(struct fsm *f, int code, int id, const uint8_t *d, size_t len)
{
	struct ppp *p = f->ppp;
	uint8_t rep[1500];

	switch (code) {
	case C_PROTREJ:
		if (f->state != PPP_OPENED || len < 2)
			return 0;
		if (get16(d) == PPP_IPCP) {
			log_warnx("%s: peer rejects IPCP", __func__);
			fsm_rxj_bad(&p->ipcp);
		}
		return 0;
	case C_ECHOREQ:
		if (f->state != PPP_OPENED || len < 4)
			return 0;
		if (p->ask_magic && get32(d) == p->our_magic && p->our_magic)
			log_warnx("%s: echo carries our magic: looped back?",
			    __func__);
		if (len > sizeof(rep))
			len = sizeof(rep);
		memcpy(rep, d, len);
		put32(rep, p->ask_magic ? p->our_magic : 0);
		ppp_send(p, PPP_LCP, C_ECHOREP, id, rep, len);
		return 0;
	case C_ECHOREP:
		if (f->state == PPP_OPENED && len >= 4 &&
		    (!p->ask_magic || get32(d) != p->our_magic))
			p->echo_out = 0;
		return 0;
	case C_DISCREQ:
		return 0;
	}
	return -1;
}

static const struct fsm_ops lcp_ops = {
	lcp_req, lcp_rcr, lcp_rcn, lcp_rcj, lcp_up, lcp_down, lcp_finished,
	lcp_extcode
};

/* IPCP. */

static size_t
ipcp_req(struct fsm *f, uint8_t *o)
{
	struct ppp *p = f->ppp;

	size_t n = 0;

	if (p->ask_vj) {
		o[n] = IO_COMP;
		o[n + 1] = 6;
		put16(o + n + 2, PPP_VJC);
		o[n + 4] = (uint8_t)(p->vj_rx_slots - 1);	/* Max-Slot-Id */
		o[n + 5] = 1;		/* we take an elided slot id */
		n += 6;
	}
	if (p->ask_addr) {
		o[n] = IO_ADDR;
		o[n + 1] = 6;
		/* Network order already. */
		memcpy(o + n + 2, &p->cfg.our_addr, 4);
		n += 6;
	}
	return n;
}

/* The peer's IP-Compression-Protocol: what it can receive. */
static void
ipcp_vj(struct ppp *p, struct verdict *v, const uint8_t *opt, size_t ol)
{
	uint8_t fix[6];

	if (!p->cfg.vj) {
		verdict_rej(v, opt, ol);
		return;
	}
	if (ol == 6 && get16(opt + 2) == PPP_VJC && opt[5] <= 1) {
		p->vj_tx = 1;
		p->vj_tx_slots = (unsigned int)opt[4] + 1;
		p->vj_cid = opt[5];
		return;
	}
	fix[0] = IO_COMP;
	fix[1] = 6;
	put16(fix + 2, PPP_VJC);
	fix[4] = (uint8_t)(p->cfg.vj_slots - 1);
	fix[5] = 1;
	verdict_nak(v, fix, 6);
}

/* An address option: ack want, nak anything else with want. */
static void
ipcp_addr(struct verdict *v, const uint8_t *opt, size_t ol, uint32_t want)
{
	uint8_t fix[6];

	if (ol != 6) {
		verdict_rej(v, opt, ol);
		return;
	}
	if (memcmp(opt + 2, &want, 4) == 0)
		return;
	fix[0] = opt[0];
	fix[1] = 6;
	memcpy(fix + 2, &want, 4);
	verdict_nak(v, fix, 6);
}

static int
ipcp_rcr(struct fsm *f, const uint8_t *d, size_t len, uint8_t *out,
    size_t *olen)
{
	struct ppp *p = f->ppp;
	struct verdict v;
	size_t i, ol;

	memset(&v, 0, sizeof(v));
	if (len > OPT_MAX || !opts_valid(d, len)) {
		if (len > OPT_MAX)
			len = OPT_MAX;
		memcpy(out, d, len);
		*olen = len;
		return C_CONFREJ;
	}
	p->vj_tx = 0;
	for (i = 0; i < len; i += ol) {
		ol = d[i + 1];
		switch (d[i]) {
		case IO_COMP:
			ipcp_vj(p, &v, d + i, ol);
			break;
		case IO_ADDR:
			ipcp_addr(&v, d + i, ol, p->cfg.peer_addr);
			break;
		case IO_DNS1:
		case IO_DNS2:
			ipcp_addr(&v, d + i, ol, p->cfg.dns_addr);
			break;
		default:
			/* IP-Addresses, NBNS... */
			verdict_rej(&v, d + i, ol);
			break;
		}
	}
	return verdict_reply(&v, d, len, out, olen);
}

static int
ipcp_rcn(struct fsm *f, const uint8_t *d, size_t len)
{
	struct ppp *p = f->ppp;
	size_t i;

	if (!opts_valid(d, len))
		return -1;
	/* Our address is the host's: it is not up for negotiation. */
	for (i = 0; i < len; i += d[i + 1]) {
		if (d[i] != IO_COMP)
			continue;
		/* Fewer slots, or no VJ at all. */
		if (d[i + 1] == 6 && get16(d + i + 2) == PPP_VJC &&
		    d[i + 4] + 1U < p->vj_rx_slots)
			p->vj_rx_slots = d[i + 4] + 1U;
		else if (d[i + 1] != 6 || get16(d + i + 2) != PPP_VJC)
			p->ask_vj = 0;
	}
	return 0;
}

static int
ipcp_rcj(struct fsm *f, const uint8_t *d, size_t len)
{
	size_t i;

	if (!opts_valid(d, len))
		return -1;
	for (i = 0; i < len; i += d[i + 1]) {
		if (d[i] == IO_ADDR)
			f->ppp->ask_addr = 0;
		if (d[i] == IO_COMP)
			f->ppp->ask_vj = 0;
	}
	return 0;
}

static void
ipcp_vj_free(struct ppp *p)
{
	vj_free(p->vj);
	free(p->vjbuf);
	p->vj = NULL;
	p->vjbuf = NULL;
}

static void
ipcp_up(struct fsm *f)
{
	struct ppp *p = f->ppp;
	struct in_addr a;

	p->vj_rx = p->ask_vj;
	ipcp_vj_free(p);
	if (p->vj_rx || p->vj_tx) {
		p->vj = vj_new(p->vj_tx ? p->vj_tx_slots : 1,
		    p->vj_rx ? p->vj_rx_slots : 1);
		p->vjbuf = malloc(PPP_VJBUF);
		if (p->vj == NULL || p->vjbuf == NULL) {
			log_warnx("%s: no memory for VJ", __func__);
			ipcp_vj_free(p);
			p->vj_rx = p->vj_tx = 0;
		}
		p->errs_seen = p->dec.bad_fcs + p->dec.aborts +
		    p->dec.too_long;
	}
	memcpy(&a, &p->cfg.peer_addr, 4);
	log_info("%s: IPCP up: peer %s, VJ in %s, out %s", __func__,
	    inet_ntoa(a), p->vj_rx ? "on" : "off", p->vj_tx ? "on" : "off");
}

static void
ipcp_down(struct fsm *f)
{
	ipcp_vj_free(f->ppp);
	f->ppp->vj_rx = 0;
	log_info("%s: IPCP down", __func__);
}

static const struct fsm_ops ipcp_ops = {
	ipcp_req, ipcp_rcr, ipcp_rcn, ipcp_rcj, ipcp_up, ipcp_down, NULL, NULL
};

/* Authentication (ppp_auth.c) talks through these. */

static void
auth_send(void *arg, uint16_t proto, int code, int id, const uint8_t *d,
    size_t len)
{
	ppp_send(arg, proto, code, id, d, len);
}

static void
auth_done(void *arg, int ok)
{
	struct ppp *p = arg;

	if (p->lcp.state != PPP_OPENED)
		return;
	if (!ok) {
		/*
		 * A refused peer gets the Nak, then the link ends.  A peer
		 * that never got in is given a restart interval to close the
		 * link itself (pppd does, and then reports the refusal, not
		 * a hangup); one that fails a re-challenge loses it now.
		 */
		p->auth_gaveup = 1;
		if (p->auth_ok) {
			p->auth_ok = 0;
			fsm_close(&p->lcp);
		} else
			p->auth_close = p->now + p->cfg.restart_ms;
		return;
	}
	p->auth_ok = 1;
	fsm_up(&p->ipcp);
}

static const struct pauth_ops ppp_auth_ops = { auth_send, auth_done };

/* The public side. */

void
ppp_default_config(struct ppp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->our_addr = inet_addr("10.0.2.2");
	c->peer_addr = inet_addr("10.0.2.15");
	c->dns_addr = inet_addr("10.0.2.3");
	c->mru = PPP_MRU_DEFAULT;
	c->asyncmap = 0;
	c->vj = 1;
	c->vj_slots = VJ_SLOTS_DEFAULT;
	c->restart_ms = 3000;
	c->max_configure = 10;
	c->max_terminate = 2;
	c->max_failure = 5;
	c->echo_failure = 4;
}

static void
fsm_init(struct fsm *f, struct ppp *p, const char *name, uint16_t proto,
    const struct fsm_ops *ops)
{
	f->ppp = p;
	f->name = name;
	f->proto = proto;
	f->ops = ops;
	f->state = PPP_INITIAL;
}

struct ppp *
ppp_new(const struct ppp_config *c, uint64_t now)
{
	struct ppp *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->cfg = *c;
	if (p->cfg.mru == 0)
		p->cfg.mru = PPP_MRU_DEFAULT;
	if (p->cfg.mru < PPP_MRU_MIN)
		p->cfg.mru = PPP_MRU_MIN;
	if (p->cfg.restart_ms == 0)
		p->cfg.restart_ms = 3000;
	if (p->cfg.max_configure == 0)
		p->cfg.max_configure = 10;
	if (p->cfg.max_terminate == 0)
		p->cfg.max_terminate = 2;
	p->now = now;
	/* Room for 1500 always: LCP must get through (RFC 1661 6.1). */
	if (hdlc_dec_init(&p->dec, (p->cfg.mru > PPP_MRU_DEFAULT ?
	    p->cfg.mru : PPP_MRU_DEFAULT) + 4) == -1) {
		free(p);
		return NULL;
	}
	p->our_mru = p->cfg.mru > PPP_MRU_DEFAULT ? PPP_MRU_DEFAULT :
	    p->cfg.mru;
	p->ask_mru = p->our_mru != PPP_MRU_DEFAULT;
	p->our_accm = p->cfg.asyncmap;
	p->ask_accm = p->our_accm != 0xffffffff;
	/* A fixed first magic lets tests and fuzzers complete LCP. */
	p->our_magic = p->cfg.magic != 0 ? p->cfg.magic : ppp_magic();
	p->ask_magic = 1;
	p->ask_pfc = !p->cfg.no_pfc;
	p->ask_acfc = !p->cfg.no_acfc;
	p->peer_mru = PPP_MRU_DEFAULT;
	p->peer_accm = 0xffffffff;
	p->ask_addr = 1;
	if (p->cfg.vj_slots < VJ_SLOTS_MIN || p->cfg.vj_slots > VJ_SLOTS_MAX)
		p->cfg.vj_slots = VJ_SLOTS_DEFAULT;
	p->ask_vj = p->cfg.vj;
	p->vj_rx_slots = p->cfg.vj_slots;
	ppp_txmap(p, 0xffffffff);
	p->cfg.auth.allow &= PPP_AUTH_PAP | PPP_AUTH_CHAP;
	if (p->cfg.auth.allow != 0) {
		if ((p->pa = pauth_new(&p->cfg.auth, &ppp_auth_ops, p)) ==
		    NULL) {
			hdlc_dec_free(&p->dec);
			free(p);
			return NULL;
		}
		/* CHAP first: the password never crosses the line. */
		p->auth_method = (p->cfg.auth.allow & PPP_AUTH_CHAP) ?
		    PPP_AUTH_CHAP : PPP_AUTH_PAP;
	}
	fsm_init(&p->lcp, p, "LCP", PPP_LCP, &lcp_ops);
	fsm_init(&p->ipcp, p, "IPCP", PPP_IPCP, &ipcp_ops);
	fsm_open(&p->ipcp);
	fsm_open(&p->lcp);
	fsm_up(&p->lcp);
	return p;
}

void
ppp_free(struct ppp *p)
{
	if (p == NULL)
		return;
	hdlc_dec_free(&p->dec);
	ipcp_vj_free(p);
	pauth_free(p->pa);
	free(p);
}

struct ppp_in {
	struct ppp	*p;
	void		(*deliver)(void *, const uint8_t *, size_t);
	void		*arg;
};

static void
ppp_vj_input(struct ppp *p, struct ppp_in *in, uint16_t proto,
    const uint8_t *f, size_t len)
{
	uint64_t errs = p->dec.bad_fcs + p->dec.aborts + p->dec.too_long;
	size_t n;

	/* A frame was lost since the last one: VJ must resync. */
	if (errs != p->errs_seen) {
		p->errs_seen = errs;
		vj_lost(p->vj);
	}
	if (len > p->our_mru || vj_uncompress(p->vj, proto == PPP_VJC ?
	    VJ_TYPE_COMPRESSED_TCP : VJ_TYPE_UNCOMPRESSED_TCP, f, len,
	    p->vjbuf, PPP_VJBUF, &n) == -1) {
		p->st.ip_drop++;
		return;
	}
	p->st.ip_in++;
	in->deliver(in->arg, p->vjbuf, n);
}

/* One frame from the decoder, FCS removed. */
static void
ppp_frame(void *arg, const uint8_t *f, size_t len)
{
	struct ppp_in *in = arg;
	struct ppp *p = in->p;
	uint16_t proto;
	uint8_t rej[1500];
	size_t n;

	if (len >= 2 && f[0] == 0xff) {
		if (f[1] != 0x03) {
			p->st.bad_hdr++;
			return;
		}
		f += 2;
		len -= 2;
	}
	/* Protocol: odd last byte; one byte when compressed (PFC). */
	if (len >= 1 && (f[0] & 1)) {
		proto = f[0];
		f++;
		len--;
	} else if (len >= 2 && (f[1] & 1)) {
		proto = get16(f);
		f += 2;
		len -= 2;
	} else {
		p->st.bad_hdr++;
		return;
	}
	p->st.frames_in++;
	switch (proto) {
	case PPP_LCP:
		fsm_input(&p->lcp, f, len);
		if (p->auth_refused) {
			p->auth_refused = 0;
			p->auth_gaveup = 1;
			fsm_close(&p->lcp);
		}
		return;
	case PPP_PAP:
	case PPP_CHAP:
		if (p->pa == NULL)
			break;		/* Protocol-Reject: we never asked */
		if (p->lcp.state == PPP_OPENED)
			pauth_input(p->pa, proto, f, len, p->now);
		return;
	case PPP_IPCP:
		/* Before authentication, silently discarded (RFC 1661 3.5). */
		if (p->lcp.state == PPP_OPENED && p->auth_ok)
			fsm_input(&p->ipcp, f, len);
		return;
	case PPP_IP:
		if (p->ipcp.state != PPP_OPENED) {
			p->st.ip_drop++;
			return;
		}
		if (len > p->our_mru) {
			p->st.too_long++;
			return;
		}
		p->st.ip_in++;
		in->deliver(in->arg, f, len);
		return;
	case PPP_VJC:
	case PPP_VJUC:
		if (p->ipcp.state == PPP_OPENED && p->vj_rx) {
			ppp_vj_input(p, in, proto, f, len);
			return;
		}
		break;
	}
	/* Unknown (or unnegotiated) protocol: Protocol-Reject it. */
	if (p->lcp.state != PPP_OPENED)
		return;
	p->st.proto_rej++;
	put16(rej, proto);
	n = len > sizeof(rej) - 2 ? sizeof(rej) - 2 : len;
	if (n > p->peer_mru - 6)
		n = p->peer_mru - 6;
	memcpy(rej + 2, f, n);
	p->lcp.id++;
	ppp_send(p, PPP_LCP, C_PROTREJ, p->lcp.id, rej, n + 2);
}

void
ppp_input(struct ppp *p, const uint8_t *b, size_t n, uint64_t now,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	struct ppp_in in = { p, deliver, arg };

	p->now = now;
	hdlc_decode(&p->dec, b, n, ppp_frame, &in);
	p->st.bad_fcs = p->dec.bad_fcs;
	p->st.runts = p->dec.runts;
	p->st.aborts = p->dec.aborts;
	p->st.too_long = p->dec.too_long;
}

size_t
ppp_pending(const struct ppp *p)
{
	return hdlc_dec_pending(&p->dec);
}

size_t
ppp_encode_ip(struct ppp *p, uint8_t *out, const uint8_t *pkt, size_t len)
{
	uint8_t hdr[4];
	size_t h = 0;
	uint16_t proto;
	int type;

	if (p->ipcp.state != PPP_OPENED || len > p->peer_mru) {
		p->st.ip_drop++;
		return 0;
	}
	if (!p->peer_acfc) {
		hdr[h++] = 0xff;
		hdr[h++] = 0x03;
	}
	proto = PPP_IP;
	if (p->vj_tx && p->vj != NULL) {
		type = vj_compress(p->vj, pkt, len, p->vjbuf, PPP_VJBUF, &len,
		    p->vj_cid);
		pkt = p->vjbuf;
		if (type == VJ_TYPE_COMPRESSED_TCP)
			proto = PPP_VJC;
		else if (type == VJ_TYPE_UNCOMPRESSED_TCP)
			proto = PPP_VJUC;
	}
	if (!p->peer_pfc)
		hdr[h++] = 0x00;
	hdr[h++] = (uint8_t)proto;
	p->st.ip_out++;
	p->st.frames_out++;
	return hdlc_encode(out, &p->txmap, hdr, h, pkt, len);
}

size_t
ppp_ctl_len(const struct ppp *p)
{
	return p->ctllen;
}

size_t
ppp_ctl_take(struct ppp *p, uint8_t *out, size_t room)
{
	size_t n = p->ctllen < room ? p->ctllen : room;

	memcpy(out, p->ctl, n);
	memmove(p->ctl, p->ctl + n, p->ctllen - n);
	p->ctllen -= n;
	return n;
}

static void
ppp_echo(struct ppp *p)
{
	uint8_t d[4];

	if (p->echo_out >= p->cfg.echo_failure && p->cfg.echo_failure > 0) {
		log_warnx("%s: %u echoes unanswered: link down", __func__,
		    p->echo_out);
		p->st.echo_lost += p->echo_out;
		p->echo_next = 0;
		fsm_close(&p->lcp);
		return;
	}
	put32(d, p->ask_magic ? p->our_magic : 0);
	ppp_send(p, PPP_LCP, C_ECHOREQ, ++p->echo_id, d, 4);
	p->echo_out++;
	p->st.echo_sent++;
	p->echo_next = p->now + p->cfg.echo_interval * 1000ULL;
}

void
ppp_timers(struct ppp *p, uint64_t now)
{
	p->now = now;
	if (p->lcp.timer && now >= p->lcp.deadline)
		fsm_timeout(&p->lcp);
	if (p->ipcp.timer && now >= p->ipcp.deadline)
		fsm_timeout(&p->ipcp);
	if (p->pa != NULL && p->lcp.state == PPP_OPENED)
		pauth_timers(p->pa, now);
	if (p->auth_close != 0 && now >= p->auth_close) {
		p->auth_close = 0;
		if (p->lcp.state == PPP_OPENED)
			fsm_close(&p->lcp);
	}
	if (p->echo_next != 0 && p->lcp.state == PPP_OPENED &&
	    now >= p->echo_next)
		ppp_echo(p);
}

int64_t
ppp_next_timer(const struct ppp *p, uint64_t now)
{
	int64_t best = -1;

	fsm_pending(&p->lcp, now, &best);
	fsm_pending(&p->ipcp, now, &best);
	if (p->pa != NULL && p->lcp.state == PPP_OPENED) {
		int64_t d = pauth_next_timer(p->pa, now);

		if (d >= 0 && (best < 0 || d < best))
			best = d;
	}
	if (p->auth_close != 0) {
		int64_t d = p->auth_close > now ?
		    (int64_t)(p->auth_close - now) : 0;

		if (best < 0 || d < best)
			best = d;
	}
	if (p->echo_next != 0 && p->lcp.state == PPP_OPENED) {
		int64_t d = p->echo_next > now ?
		    (int64_t)(p->echo_next - now) : 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}

int
ppp_dead(const struct ppp *p)
{
	return p->dead;
}

int
ppp_ip_up(const struct ppp *p)
{
	return p->ipcp.state == PPP_OPENED;
}

enum ppp_state
ppp_lcp_state(const struct ppp *p)
{
	return p->lcp.state;
}

enum ppp_state
ppp_ipcp_state(const struct ppp *p)
{
	return p->ipcp.state;
}

const struct ppp_stats *
ppp_stats(const struct ppp *p)
{
	return &p->st;
}

void
ppp_close(struct ppp *p, uint64_t now)
{
	p->now = now;
	fsm_close(&p->lcp);
}

void
ppp_lcp_info(const struct ppp *p, struct ppp_lcp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->peer_mru = p->peer_mru;
	i->peer_accm = p->peer_accm;
	i->our_accm = p->our_accm;
	i->our_magic = p->our_magic;
	i->peer_magic = p->peer_magic;
	i->peer_pfc = p->peer_pfc;
	i->peer_acfc = p->peer_acfc;
	i->vj_tx = p->vj_tx && p->vj != NULL;
	i->vj_tx_slots = p->vj_tx_slots;
	i->vj_rx = p->vj_rx && p->vj != NULL;
	i->vj_rx_slots = p->vj_rx_slots;
}

int
ppp_auth_take(struct ppp *p, struct ppp_auth_req *r)
{
	return p->pa != NULL && pauth_take(p->pa, r);
}

void
ppp_auth_result(struct ppp *p, uint32_t seq, int ok, uint64_t now)
{
	p->now = now;
	if (p->pa != NULL)
		pauth_result(p->pa, seq, ok, now);
}

const struct pauth_stats *
ppp_auth_stats(const struct ppp *p)
{
	return p->pa != NULL ? pauth_stats(p->pa) : NULL;
}

int
ppp_auth_ok(const struct ppp *p)
{
	return p->auth_ok;
}
