/*
 * Units: SLIP over a line fd.  Reads are large (many frames per read),
 * output is encoded into one buffer and written with as few write(2)
 * calls as the fd allows; interactive datagrams are encoded first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ppp.h"
#include "unit.h"
#include "vj.h"

#define UNIT_VJBUF	(65535 + 256)	/* a datagram and a rebuilt header */
#define UNIT_WSIZE	(SLIP_ENCMAX(65535) + 1024)
#define UNIT_QMAX_FAST	(256 * 1024)	/* baud unknown: a pty */
#define UNIT_QMAX_MIN	(16 * 1024)

struct upkt {
	TAILQ_ENTRY(upkt) entry;
	size_t		 len;
	uint8_t		 data[];
};

struct unit *
unit_new(int fd, unsigned int mru, unsigned int baud)
{
	struct unit *u;
	size_t bps;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->fd = fd;
	u->mru = mru ? mru : 1500;
	u->baud = baud;
	TAILQ_INIT(&u->q[0]);
	TAILQ_INIT(&u->q[1]);
	u->wsize = UNIT_WSIZE;
	if (slip_dec_init(&u->dec, u->mru) == -1 ||
	    (u->rbuf = malloc(UNIT_RBUF)) == NULL ||
	    (u->wbuf = malloc(u->wsize)) == NULL) {
		unit_free(u);
		return NULL;
	}
	/* Queue ~2 s of line time; refill the write buffer by ~200 ms. */
	if (baud == 0) {
		u->qmax = UNIT_QMAX_FAST;
		u->wfill = 64 * 1024;
	} else {
		bps = baud / 10;
		u->qmax = bps * 2;
		if (u->qmax < UNIT_QMAX_MIN)
			u->qmax = UNIT_QMAX_MIN;
		if (u->qmax > UNIT_QMAX_FAST)
			u->qmax = UNIT_QMAX_FAST;
		u->wfill = bps / 5;
		if (u->wfill < 1024)
			u->wfill = 1024;
		if (u->wfill > 64 * 1024)
			u->wfill = 64 * 1024;
	}
	return u;
}

void
unit_free(struct unit *u)
{
	struct upkt *p;
	int i;

	if (u == NULL)
		return;
	for (i = 0; i < 2; i++)
		while ((p = TAILQ_FIRST(&u->q[i])) != NULL) {
			TAILQ_REMOVE(&u->q[i], p, entry);
			free(p);
		}
	slip_dec_free(&u->dec);
	ppp_free(u->ppp);
	vj_free(u->vj);
	free(u->vjbuf);
	free(u->rbuf);
	free(u->wbuf);
	free(u);
}

/*
 * The five-keystroke rule (see unit.h).  Keystrokes are also fed to the
 * decoder as ordinary bytes: a frame never starts with '0' or '1' (IPv4
 * starts with 0x45), so at worst they make a garbage frame that IP drops.
 */
static int
unit_keys(struct unit *u, uint64_t now, const uint8_t *b, size_t n)
{
	size_t pend = slip_dec_pending(&u->dec);
	uint64_t gap = now - u->klast;

	if (n != 1 || (b[0] != '0' && b[0] != '1')) {
		u->kcount = 0;
		return UNIT_OK;
	}
	if (u->kcount > 0 && b[0] == u->kchar && pend == u->kcount &&
	    gap >= UNIT_KEY_MINGAP && gap <= UNIT_KEY_MAXGAP)
		u->kcount++;
	else {
		/* Earlier keystrokes held as a "frame" are junk now. */
		if (u->kcount > 0 && pend == u->kcount)
			slip_dec_reset(&u->dec);
		else if (pend != 0) {
			u->kcount = 0;
			return UNIT_OK;
		}
		u->kcount = 1;
		u->kchar = b[0];
	}
	u->klast = now;
	if (u->kcount < UNIT_KEY_COUNT)
		return UNIT_OK;
	u->kcount = 0;
	return u->kchar == '0' ? UNIT_ZEROS : UNIT_ONES;
}

/* What unit_slip_frame() needs to hand a frame on. */
struct unit_rx {
	struct unit	*u;
	void		(*deliver)(void *, const uint8_t *, size_t);
	void		*arg;
};

/* VJ state and its scratch buffer, for CSLIP or for SLIP_AUTO to try. */
static int
unit_vj_alloc(struct unit *u)
{
	unsigned int n = u->vjslots ? u->vjslots : VJ_SLOTS_DEFAULT;

	if (u->vj == NULL && (u->vj = vj_new(n, n)) == NULL)
		return -1;
	if (u->vjbuf == NULL && (u->vjbuf = malloc(UNIT_VJBUF)) == NULL)
		return -1;
	return 0;
}

/*
 * A frame lost on the line (bad escape, too long, abandoned) leaves the
 * peer's compressor ahead of us: the decompressor must resynchronise.
 */
static void
unit_vj_damage(struct unit *u)
{
	uint64_t d = u->dec.too_long + u->dec.bad_esc + u->st.stale;

	if (d != u->vjdamage) {
		u->vjdamage = d;
		if (u->vj != NULL)
			vj_lost(u->vj);
	}
}

/*
 * One SLIP frame.  The top bits of its first byte tell CSLIP's packet
 * types apart (RFC 1144): 0x4_ IP, 0x7_ uncompressed TCP, 0x80 set
 * compressed TCP.  SLIP_AUTO stays plain SLIP until a VJ frame really
 * decompresses (a stray 0x80 byte of line noise must not switch a plain
 * SLIP guest to CSLIP: it could not read our output any more); a frame
 * that does not is handed on as plain SLIP would, and IP drops it.
 */
static void
unit_slip_frame(void *arg, const uint8_t *p, size_t len)
{
	struct unit_rx *rx = arg;
	struct unit *u = rx->u;
	int type = VJ_TYPE_SLIP(p[0]);
	size_t n;

	unit_vj_damage(u);
	switch (u->framing) {
	case UNIT_CSLIP:
		if (vj_uncompress(u->vj, type, p, len, u->vjbuf, UNIT_VJBUF,
		    &n) == 0)
			rx->deliver(rx->arg, u->vjbuf, n);
		return;
	case UNIT_SLIP:
		if (type == VJ_TYPE_UNCOMPRESSED_TCP ||
		    type == VJ_TYPE_COMPRESSED_TCP) {
			u->st.vj_refused++;
			return;
		}
		break;
	case UNIT_SLIP_AUTO:
		if ((type == VJ_TYPE_UNCOMPRESSED_TCP ||
		    type == VJ_TYPE_COMPRESSED_TCP) && unit_vj_alloc(u) == 0 &&
		    vj_uncompress(u->vj, type, p, len, u->vjbuf, UNIT_VJBUF,
		    &n) == 0) {
			u->framing = UNIT_CSLIP;
			rx->deliver(rx->arg, u->vjbuf, n);
			return;
		}
		break;
	default:
		break;
	}
	rx->deliver(rx->arg, p, len);
}

static void
unit_sync_stats(struct unit *u)
{
	u->st.frames_in = u->dec.frames;
	u->st.too_long = u->dec.too_long;
	u->st.bad_esc = u->dec.bad_esc;
	u->st.empty = u->dec.empty;
	if (u->vj != NULL)
		u->st.vj = *vj_stats(u->vj);
}

/* PPP: the frames go to ppp.c, which delivers IP datagrams. */
static int
unit_ppp_input(struct unit *u, uint64_t now, size_t n,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	const struct ppp_stats *ps;

	ppp_input(u->ppp, u->rbuf, n, now, deliver, arg);
	/* The SLIP counters' nearest PPP meaning (ppp_stats() has all). */
	ps = ppp_stats(u->ppp);
	u->st.frames_in = ps->frames_in;
	u->st.too_long = ps->too_long;
	u->st.bad_esc = ps->bad_fcs + ps->aborts;
	u->st.empty = ps->runts;
	return ppp_dead(u->ppp) ? UNIT_EOF : UNIT_OK;
}

int
unit_input(struct unit *u, uint64_t now,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	struct unit_rx rx = { u, deliver, arg };
	ssize_t n;
	int ev;

	/* syscall: read */
	n = read(u->fd, u->rbuf, UNIT_RBUF);
	if (n == 0)
		return UNIT_EOF;
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return UNIT_OK;
		u->st.errors++;
		return UNIT_ERR;
	}
	u->st.reads++;
	u->st.bytes_in += (size_t)n;
	if (u->framing == UNIT_PPP)
		return unit_ppp_input(u, now, (size_t)n, deliver, arg);
	/* A SLIP sender never pauses mid-frame for seconds: drop the rest. */
	if (now - u->lastin > UNIT_KEY_MAXGAP && slip_dec_pending(&u->dec)
	    != 0) {
		slip_dec_reset(&u->dec);
		u->st.stale++;
	}
	u->lastin = now;
	ev = unit_keys(u, now, u->rbuf, (size_t)n);
	slip_decode(&u->dec, u->rbuf, (size_t)n, unit_slip_frame, &rx);
	if (ev != UNIT_OK)
		slip_dec_reset(&u->dec);
	unit_sync_stats(u);
	unit_vj_damage(u);
	return ev;
}

int
unit_enqueue(struct unit *u, const uint8_t *pkt, size_t len, int prio)
{
	struct upkt *p;

	if (len == 0 || len > 65535 || len > u->qmax - u->qbytes ||
	    (p = malloc(sizeof(*p) + len)) == NULL) {
		u->st.drops++;
		return -1;
	}
	p->len = len;
	memcpy(p->data, pkt, len);
	TAILQ_INSERT_TAIL(&u->q[prio == UNIT_PRIO_INTERACTIVE], p, entry);
	u->qbytes += len;
	return 0;
}

size_t
unit_room(const struct unit *u)
{
	return u->qmax - u->qbytes;
}

/* PPP: control frames first, then datagrams as unit_fill() does. */
static int
unit_ppp_fill(struct unit *u)
{
	struct upkt *p;
	int i;

	u->wlen += ppp_ctl_take(u->ppp, u->wbuf + u->wlen, u->wsize - u->wlen);
	for (;;) {
		i = TAILQ_EMPTY(&u->q[1]) ? 0 : 1;
		if ((p = TAILQ_FIRST(&u->q[i])) == NULL)
			break;
		if (u->wlen > 0 && u->wlen + PPP_ENCMAX(p->len) > u->wfill)
			break;
		/* Back to back frames share one flag (RFC 1662 4.2). */
		if (u->wlen > 0 && u->wbuf[u->wlen - 1] == HDLC_FLAG)
			u->wlen--;
		u->wlen += ppp_encode_ip(u->ppp, u->wbuf + u->wlen, p->data,
		    p->len);
		if (u->wlen > 0 && u->wbuf[u->wlen - 1] != HDLC_FLAG)
			u->wbuf[u->wlen++] = HDLC_FLAG;	/* dropped: restore */
		u->qbytes -= p->len;
		u->st.frames_out++;
		TAILQ_REMOVE(&u->q[i], p, entry);
		free(p);
	}
	return u->wlen > 0;
}

/* Encode queued datagrams, interactive first, up to the fill mark. */
static int
unit_fill(struct unit *u)
{
	struct upkt *p;
	size_t n;
	int i, type;

	if (u->framing == UNIT_PPP)
		return unit_ppp_fill(u);
	for (;;) {
		i = TAILQ_EMPTY(&u->q[1]) ? 0 : 1;
		if ((p = TAILQ_FIRST(&u->q[i])) == NULL)
			break;
		if (u->wlen > 0 && u->wlen + SLIP_ENCMAX(p->len) > u->wfill)
			break;
		/*
		 * Back to back frames share one END: the new frame's leading
		 * END overwrites the previous frame's trailing one.
		 */
		if (u->wlen > 0)
			u->wlen--;
		if (u->framing == UNIT_CSLIP) {
			/* Never larger than the datagram (vj.h). */
			type = vj_compress(u->vj, p->data, p->len, u->vjbuf,
			    UNIT_VJBUF, &n, 1);
			u->vjbuf[0] = VJ_SLIP_MARK(type, u->vjbuf[0]);
			n = slip_encode(u->wbuf + u->wlen, u->vjbuf, n);
		} else
			n = slip_encode(u->wbuf + u->wlen, p->data, p->len);
		u->wlen += n;
		u->qbytes -= p->len;
		u->st.frames_out++;
		TAILQ_REMOVE(&u->q[i], p, entry);
		free(p);
	}
	if (u->vj != NULL)
		u->st.vj = *vj_stats(u->vj);
	return u->wlen > 0;
}

int
unit_flush(struct unit *u)
{
	ssize_t n;

	for (;;) {
		if (u->woff == u->wlen) {
			u->woff = u->wlen = 0;
			if (!unit_fill(u))
				return 0;
		}
		/* syscall: write */
		n = write(u->fd, u->wbuf + u->woff, u->wlen - u->woff);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			u->st.errors++;
			return -1;
		}
		u->st.writes++;
		u->st.bytes_out += (size_t)n;
		u->woff += (size_t)n;
		if (u->woff < u->wlen)
			return 0;	/* the fd is full; the rest waits */
	}
}

int
unit_blocked(const struct unit *u)
{
	return u->woff < u->wlen;
}

int
unit_want_write(const struct unit *u)
{
	return u->woff < u->wlen || !TAILQ_EMPTY(&u->q[0]) ||
	    !TAILQ_EMPTY(&u->q[1]) ||
	    (u->ppp != NULL && ppp_ctl_len(u->ppp) > 0);
}

const struct unit_stats *
unit_stats(const struct unit *u)
{
	return &u->st;
}

int
unit_hdr_compress(const struct unit *u)
{
	struct ppp_lcp_info li;

	if (u->framing == UNIT_CSLIP)
		return 1;
	if (u->framing != UNIT_PPP || u->ppp == NULL)
		return 0;
	ppp_lcp_info(u->ppp, &li);
	return li.vj_tx || li.vj_rx;
}

int
unit_set_framing(struct unit *u, enum unit_framing f)
{
	switch (f) {
	case UNIT_CSLIP:
		if (unit_vj_alloc(u) == -1)
			return -1;
		u->framing = f;
		return 0;
	case UNIT_SLIP_AUTO:
	case UNIT_SLIP:
		u->framing = f;
		return 0;
	case UNIT_PPP:
		return unit_set_ppp(u, NULL, u->lastin);
	}
	return -1;
}

int
unit_set_ppp(struct unit *u, const struct ppp_config *c, uint64_t now)
{
	struct ppp_config dc;

	if (c == NULL) {
		ppp_default_config(&dc);
		c = &dc;
	}
	ppp_free(u->ppp);
	if ((u->ppp = ppp_new(c, now)) == NULL)
		return -1;
	u->framing = UNIT_PPP;
	return 0;
}

int
unit_timers(struct unit *u, uint64_t now)
{
	if (u->ppp == NULL)
		return UNIT_OK;
	ppp_timers(u->ppp, now);
	return ppp_dead(u->ppp) ? UNIT_EOF : UNIT_OK;
}

int64_t
unit_next_timer(const struct unit *u, uint64_t now)
{
	return u->ppp == NULL ? -1 : ppp_next_timer(u->ppp, now);
}

int
unit_set_vj_slots(struct unit *u, unsigned int n)
{
	if (n > VJ_SLOTS_MAX || u->vj != NULL)
		return -1;
	u->vjslots = n;
	return 0;
}
