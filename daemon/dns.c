/*
 * The DNS relay at the special DNS address, port 53.  Guest queries go
 * to the configured upstream resolvers over one connected UDP socket
 * per upstream; each query gets a fresh random id so that equal ids
 * from different guest ports never mix, and answers are matched by that
 * id before the guest's own id is put back.  A truncated (TC) answer is
 * passed through: the guest retries over TCP, which tcp*.c forwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp_var.h"

#define DNS_MAXQ	128		/* queries in flight per stack */
#define DNS_HDRLEN	12
#define DNS_MAXQUERY	4096		/* larger guest queries are refused */
#define DNS_TRY_MS	2000		/* per upstream attempt */
#define DNS_DOWN_MS	30000		/* a failed upstream is skipped */
#define DNS_MAXUP	4
#define DNS_READ_BATCH	32

struct dns_up {
	struct dns_state *d;
	int		 idx;
	uint32_t	 reqid;
	struct ssock	*so;
	uint64_t	 down_until;
};

struct dnsq {
	uint8_t		*msg;		/* NULL: slot free; id rewritten */
	size_t		 len;
	uint16_t	 id, gid;	/* ours upstream, the guest's */
	in_addr_t	 gaddr, relay;
	in_port_t	 gport;
	int		 up;		/* current upstream */
	unsigned int	 tries;
	unsigned int	 sentmask;	/* upstreams that saw this id */
	uint64_t	 expire;
};

struct dns_state {
	struct dns_up	 up[DNS_MAXUP];
	struct dnsq	 q[DNS_MAXQ];
	uint8_t		 buf[65536];
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static int
ndns(const struct stack *s)
{
	return s->cfg.ndns < 0 ? 0 :
	    s->cfg.ndns > DNS_MAXUP ? DNS_MAXUP : s->cfg.ndns;
}

struct dns_state *
dns_init(struct stack *s)
{
	struct dns_state *d;
	int i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	for (i = 0; i < DNS_MAXUP; i++) {
		d->up[i].d = d;
		d->up[i].idx = i;
	}
	return d;
}

static void
q_free(struct dnsq *q)
{
	free(q->msg);
	q->msg = NULL;
}

void
dns_free(struct stack *s, struct dns_state *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < DNS_MAXQ; i++)
		q_free(&d->q[i]);
	for (i = 0; i < DNS_MAXUP; i++) {
		if (d->up[i].reqid)
			sreq_cancel(s, d->up[i].reqid);
		if (d->up[i].so)
			ssock_del(s, d->up[i].so);
	}
	free(d);
}

static void	up_open(struct stack *, struct dns_state *, int);

/* Send q to its current upstream, or wait for that upstream's socket. */
static void
q_send(struct stack *s, struct dns_state *d, struct dnsq *q)
{
	struct dns_up *up = &d->up[q->up];

	q->expire = s->now + DNS_TRY_MS;
	if (up->so == NULL) {
		up_open(s, d, q->up);
		return;
	}
	q->sentmask |= 1u << q->up;
	/* syscall: sendto (send on the connected upstream socket) */
	if (send(up->so->fd, q->msg, q->len, MSG_DONTWAIT) == -1 &&
	    errno == ECONNREFUSED)
		up->down_until = s->now + DNS_DOWN_MS;
}

/* Try the next upstream that is not known to be down. */
static void
q_next(struct stack *s, struct dns_state *d, struct dnsq *q)
{
	int n = ndns(s), i, cand;

	q->tries++;
	if (n == 0 || q->tries >= (unsigned int)(n < 2 ? 2 : n)) {
		s->st.dns_timeout++;
		q_free(q);
		return;
	}
	cand = (q->up + 1) % n;
	for (i = 1; i <= n; i++) {
		int j = (q->up + i) % n;

		if (d->up[j].down_until <= s->now) {
			cand = j;
			break;
		}
	}
	q->up = cand;
	q_send(s, d, q);
}

/* Every query waiting on upstream idx moves on. */
static void
up_failed(struct stack *s, struct dns_state *d, int idx)
{
	int i;

	d->up[idx].down_until = s->now + DNS_DOWN_MS;
	for (i = 0; i < DNS_MAXQ; i++)
		if (d->q[i].msg != NULL && d->q[i].up == idx)
			q_next(s, d, &d->q[i]);
}

static void
up_read(struct stack *s, struct ssock *so, short revents)
{
	struct dns_up *up = so->ctx;
	struct dns_state *d = up->d;
	uint8_t *b = d->buf;
	struct dnsq *q;
	ssize_t n;
	int i, k;

	for (k = 0; k < DNS_READ_BATCH; k++) {
		/* syscall: recvfrom (recv on the upstream socket) */
		n = recv(so->fd, b, sizeof(d->buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1) {
			if (errno == ECONNREFUSED)
				up_failed(s, d, up->idx);
			return;
		}
		if (n < DNS_HDRLEN || (size_t)n > sizeof(d->buf) ||
		    (b[2] & 0x80) == 0) {
			s->st.dns_bad++;
			continue;
		}
		q = NULL;
		for (i = 0; i < DNS_MAXQ; i++)
			if (d->q[i].msg != NULL && d->q[i].id == get16(b) &&
			    (d->q[i].sentmask & (1u << up->idx))) {
				q = &d->q[i];
				break;
			}
		if (q == NULL) {
			s->st.dns_bad++;	/* late, spoofed or unknown */
			continue;
		}
		d->up[up->idx].down_until = 0;
		put16(b, q->gid);
		if (udp_output(s, q->relay, htons(DNS_PORT), q->gaddr, q->gport,
		    b, (size_t)n) == 0)
			s->st.dns_answers++;
		q_free(q);
	}
}

static void
up_ready(struct stack *s, void *ctx, int fd, int error)
{
	struct dns_up *up = ctx;
	struct dns_state *d = up->d;
	int i;

	up->reqid = 0;
	if (fd != -1 && (up->so = ssock_add(s, fd, POLLIN, up_read,
	    up)) == NULL)
		close(fd);
	if (up->so == NULL) {
		up_failed(s, d, up->idx);
		return;
	}
	for (i = 0; i < DNS_MAXQ; i++)
		if (d->q[i].msg != NULL && d->q[i].up == up->idx)
			q_send(s, d, &d->q[i]);
}

static void
up_open(struct stack *s, struct dns_state *d, int idx)
{
	struct dns_up *up = &d->up[idx];
	in_port_t port = s->cfg.dns_upstream_port[idx];

	if (up->reqid != 0)
		return;		/* already asked */
	if (port == 0)
		port = htons(DNS_PORT);
	up->reqid = sreq_new(s, IPPROTO_UDP, s->cfg.dns_upstream[idx], port,
	    up_ready, up);
	/* A failed request leaves the query to time out and move on. */
}

/* A fresh id no query in flight uses. */
static uint16_t
new_id(const struct dns_state *d)
{
	uint16_t id;
	int i, again;

	do {
		/* syscall: getrandom (arc4random) */
		id = (uint16_t)arc4random();
		again = 0;
		for (i = 0; i < DNS_MAXQ; i++)
			if (d->q[i].msg != NULL && d->q[i].id == id)
				again = 1;
	} while (again);
	return id;
}

void
dns_input(struct stack *s, struct dns_state *d, const struct ip_pkt *p,
    in_port_t sport, const uint8_t *msg, size_t len)
{
	struct dnsq *q = NULL;
	int i, old = 0;

	s->st.dns_queries++;
	if (len < DNS_HDRLEN || len > DNS_MAXQUERY || (msg[2] & 0x80)) {
		s->st.dns_bad++;
		return;
	}
	if (ndns(s) == 0) {
		icmp_error(s, p->ip, p->iplen, 3, 3);
		return;
	}
	for (i = 0; i < DNS_MAXQ; i++) {
		if (d->q[i].msg == NULL) {
			q = &d->q[i];
			break;
		}
		if (d->q[i].expire < d->q[old].expire)
			old = i;
	}
	if (q == NULL) {
		/* Full: the query closest to giving up makes room. */
		q = &d->q[old];
		q_free(q);
		s->st.dns_timeout++;
	}
	if ((q->msg = malloc(len)) == NULL)
		return;
	memcpy(q->msg, msg, len);
	q->len = len;
	q->gid = get16(msg);
	q->id = new_id(d);
	put16(q->msg, q->id);
	q->gaddr = p->src;
	q->relay = p->dst;
	q->gport = sport;
	q->tries = 0;
	q->sentmask = 0;
	q->up = 0;
	for (i = 0; i < ndns(s); i++)
		if (d->up[i].down_until <= s->now) {
			q->up = i;
			break;
		}
	q_send(s, d, q);
}

void
dns_timers(struct stack *s, struct dns_state *d)
{
	int i;

	for (i = 0; i < DNS_MAXQ; i++)
		if (d->q[i].msg != NULL && d->q[i].expire <= s->now)
			q_next(s, d, &d->q[i]);
}

int64_t
dns_next_timer(const struct stack *s, const struct dns_state *d)
{
	uint64_t t = UINT64_MAX;
	int i;

	for (i = 0; i < DNS_MAXQ; i++)
		if (d->q[i].msg != NULL && d->q[i].expire < t)
			t = d->q[i].expire;
	if (t == UINT64_MAX)
		return -1;
	return t <= s->now ? 0 : (int64_t)(t - s->now);
}

int
dns_pick(const struct stack *s, const struct dns_state *d, in_addr_t *addr,
    in_port_t *port)
{
	int i, n = ndns(s), best = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (d->up[i].down_until <= s->now) {
			best = i;
			break;
		}
	*addr = s->cfg.dns_upstream[best];
	*port = s->cfg.dns_upstream_port[best] ? s->cfg.dns_upstream_port[best] :
	    htons(DNS_PORT);
	return 0;
}
