/*
 * TCP: connection table, byte rings, the host socket side of each
 * connection (connect completion, reads into the send ring, writes from
 * the receive ring, half-close), teardown and the test accessor.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tcp_var.h"
#include "udp_var.h"

int
tcp_init(struct stack *s)
{
	struct tcp_state *ts;
	size_t i;

	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return -1;
	TAILQ_INIT(&ts->conns);
	for (i = 0; i < TCP_HASHSIZE; i++)
		LIST_INIT(&ts->hash[i]);
	s->tcp = ts;
	return 0;
}

void
tcp_free(struct stack *s)
{
	struct tcpcb *tp;

	if (s->tcp == NULL)
		return;
	while ((tp = TAILQ_FIRST(&s->tcp->conns)) != NULL)
		tcp_close(tp);
	free(s->tcp);
	s->tcp = NULL;
}

static unsigned int
tcp_hash(in_addr_t ga, in_port_t gp, in_addr_t ra, in_port_t rp)
{
	uint32_t h = ga ^ (ra * 2654435761u) ^ ((uint32_t)gp << 16 | rp);

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h & (TCP_HASHSIZE - 1);
}

struct tcpcb *
tcp_lookup(struct stack *s, in_addr_t ga, in_port_t gp, in_addr_t ra,
    in_port_t rp)
{
	struct tcpcb *tp;

	LIST_FOREACH(tp, &s->tcp->hash[tcp_hash(ga, gp, ra, rp)], hash)
		if (tp->gaddr == ga && tp->gport == gp && tp->raddr == ra &&
		    tp->rport == rp)
			return tp;
	return NULL;
}

unsigned int
tcp_nconns(const struct stack *s)
{
	return s->tcp->nconns;
}

/*
 * Sorted, disjoint [start, end) ranges in sequence space: the receive
 * side's out-of-order list and the sender's SACK scoreboard.  Returns
 * -1 when the range is new and the array is full.
 */
int
range_insert(struct tcp_ooo *r, unsigned int *n, unsigned int max,
    tcp_seq start, tcp_seq end)
{
	unsigned int i, j;

	for (i = 0; i < *n && SEQ_LT(r[i].end, start); i++)
		;
	if (i < *n && SEQ_LEQ(r[i].start, end)) {
		/* Overlaps or touches range i: grow it, absorb followers. */
		r[i].start = SEQ_MIN(r[i].start, start);
		r[i].end = SEQ_MAX(r[i].end, end);
		while (i + 1 < *n && SEQ_LEQ(r[i + 1].start, r[i].end)) {
			r[i].end = SEQ_MAX(r[i].end, r[i + 1].end);
			for (j = i + 1; j + 1 < *n; j++)
				r[j] = r[j + 1];
			(*n)--;
		}
		return 0;
	}
	if (*n == max)
		return -1;
	for (j = *n; j > i; j--)
		r[j] = r[j - 1];
	r[i].start = start;
	r[i].end = end;
	(*n)++;
	return 0;
}

/* Forget what lies below a new cumulative ACK. */
void
range_trim(struct tcp_ooo *r, unsigned int *n, tcp_seq below)
{
	unsigned int i = 0, j;

	while (i < *n) {
		if (SEQ_LEQ(r[i].end, below)) {
			for (j = i; j + 1 < *n; j++)
				r[j] = r[j + 1];
			(*n)--;
			continue;
		}
		if (SEQ_LT(r[i].start, below))
			r[i].start = below;
		i++;
	}
}

uint32_t
range_bytes(const struct tcp_ooo *r, unsigned int n)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += r[i].end - r[i].start;
	return sum;
}

/* Rings: offsets are from head; memory is allocated on first use. */
int
ring_alloc(struct tcp_ring *r)
{
	if (r->buf != NULL)
		return 0;
	if ((r->buf = malloc(r->cap)) == NULL)
		return -1;
	return 0;
}

void
ring_write_at(struct tcp_ring *r, size_t off, const uint8_t *p, size_t n)
{
	size_t pos = (r->head + off) % r->cap, first;

	first = r->cap - pos;
	if (first > n)
		first = n;
	memcpy(r->buf + pos, p, first);
	memcpy(r->buf, p + first, n - first);
}

void
ring_read_at(const struct tcp_ring *r, size_t off, uint8_t *p, size_t n)
{
	size_t pos = (r->head + off) % r->cap, first;

	first = r->cap - pos;
	if (first > n)
		first = n;
	memcpy(p, r->buf + pos, first);
	memcpy(p + first, r->buf, n - first);
}

void
ring_consume(struct tcp_ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->head = (r->head + n) % r->cap;
	r->len -= n;
}

void
ring_free(struct tcp_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->head = r->len = 0;
}

/* The two pieces of [off, off + n) in the ring, for readv/writev. */
static int
ring_iov(const struct tcp_ring *r, size_t off, size_t n, struct iovec *iov)
{
	size_t pos = (r->head + off) % r->cap, first;

	first = r->cap - pos;
	if (first > n)
		first = n;
	iov[0].iov_base = r->buf + pos;
	iov[0].iov_len = first;
	if (n == first)
		return 1;
	iov[1].iov_base = r->buf;
	iov[1].iov_len = n - first;
	return 2;
}

/*
 * The window we can offer: free receive ring space, no silly small
 * windows (RFC 1122 4.2.3.3), never shrinking an edge already offered.
 */
uint32_t
tcp_rcv_space(const struct tcpcb *tp)
{
	size_t space = tp->rcv.cap - tp->rcv.len;
	uint32_t adv = 0, max = (uint32_t)TCP_MAXWIN << tp->rcv_scale;

	if (TCPS_HAVERCVDFIN(tp->state))
		space = 0;
	if (space < tp->rcv.cap / 4 && space < tp->maxseg)
		space = 0;
	if (space > max)
		space = max;
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt))
		adv = tp->rcv_adv - tp->rcv_nxt;
	return (uint32_t)space > adv ? (uint32_t)space : adv;
}

uint32_t
tcp_tsval(const struct tcpcb *tp)
{
	return (uint32_t)tp->s->now + tp->ts_offset;
}

/* A new connection for a guest SYN; NULL when memory is short. */
struct tcpcb *
tcp_newcb(struct stack *s, const struct tcp_seg *sg)
{
	const struct ip_pkt *pk = sg->pk;
	struct tcpcb *tp;
	unsigned int ours, peer, iw;
	size_t n;

	if ((tp = calloc(1, sizeof(*tp))) == NULL)
		return NULL;
	tp->s = s;
	tp->state = TCPS_SYN_PENDING;
	tp->gaddr = pk->src;
	tp->raddr = pk->dst;
	tp->gport = sg->sport;
	tp->rport = sg->dport;
	tp->tos = pk->tos & 0xfc;
	n = pk->hlen + 8;
	if (n > pk->iplen)
		n = pk->iplen;
	if (n > sizeof(tp->syn_ip))
		n = sizeof(tp->syn_ip);
	memcpy(tp->syn_ip, pk->ip, n);
	tp->syn_iplen = n;

	/* syscall: getrandom (arc4random seeds from the kernel) */
	tp->iss = arc4random();
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_recover = tp->iss;
	tp->irs = sg->seq;
	tp->rcv_nxt = tp->rcv_adv = tp->last_ack_sent = sg->seq + 1;
	tp->snd_wnd = sg->win;		/* a SYN's window is never scaled */
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = sg->seq;
	tp->snd_wl2 = tp->iss;

	tp->snd.cap = s->cfg.tcp_sndbuf ? s->cfg.tcp_sndbuf : 65536;
	tp->rcv.cap = s->cfg.tcp_rcvbuf ? s->cfg.tcp_rcvbuf : 65536;
	if (sg->has_ws) {
		tp->flags |= TF_REQ_SCALE;
		tp->snd_scale = sg->ws;
		while (tp->rcv_scale < TCP_MAXWINSHIFT &&
		    ((size_t)TCP_MAXWIN << tp->rcv_scale) < tp->rcv.cap)
			tp->rcv_scale++;
	}
	if (sg->has_sackok)
		tp->flags |= TF_SACK_PERMIT;
	if (sg->has_ts && (s->ops.hdr_compress == NULL ||
	    !s->ops.hdr_compress(s->arg))) {
		tp->flags |= TF_REQ_TSTMP;
		tp->ts_recent = sg->tsval;
		tp->ts_recent_age = s->now;
		tp->ts_offset = arc4random();
	}
	/* RFC 6691: the MSS excludes options; we pay for ours. */
	ours = s->cfg.mtu > 40 + TCP_MIN_MSS ? s->cfg.mtu - 40 : TCP_MIN_MSS;
	peer = sg->has_mss ? sg->mss : TCP_DEFAULT_MSS;
	if (peer < TCP_MIN_MSS)
		peer = TCP_MIN_MSS;
	tp->peer_mss = peer;
	tp->maxseg = ours < peer ? ours : peer;
	if (tp->flags & TF_REQ_TSTMP)
		tp->maxseg -= 12;
	/* Initial window, RFC 5681 3.1. */
	iw = 4 * tp->maxseg;
	if (iw > 4380 && 4380 > 2 * tp->maxseg)
		iw = 4380;
	else if (iw > 4380)
		iw = 2 * tp->maxseg;
	tp->cwnd = iw;
	tp->ssthresh = 0x3fffffff;
	tp->rto = TCP_RTO_INIT;
	tp->t_idle = s->now;
	tp->t_keep = s->now + TCP_CONNECT_TIMEO;

	TAILQ_INSERT_TAIL(&s->tcp->conns, tp, entry);
	LIST_INSERT_HEAD(&s->tcp->hash[tcp_hash(tp->gaddr, tp->gport,
	    tp->raddr, tp->rport)], tp, hash);
	s->tcp->nconns++;
	s->nflows++;
	return tp;
}

void
tcp_close(struct tcpcb *tp)
{
	struct stack *s = tp->s;

	if (tp->reqid != 0)
		sreq_cancel(s, tp->reqid);
	if (tp->so != NULL)
		ssock_del(s, tp->so);	/* syscall: close */
	ring_free(&tp->snd);
	ring_free(&tp->rcv);
	LIST_REMOVE(tp, hash);
	TAILQ_REMOVE(&s->tcp->conns, tp, entry);
	s->tcp->nconns--;
	s->nflows--;
	free(tp);
}

/* Reset the guest side (when it is synchronized) and free everything. */
void
tcp_drop(struct tcpcb *tp)
{
	if (TCPS_HAVERCVDSYN(tp->state) && tp->state != TCPS_TIME_WAIT)
		tcp_send_rst(tp);
	tcp_abort_host(tp);
	tcp_close(tp);
}

/* Make the coming close() reset the host peer instead of a FIN. */
void
tcp_abort_host(struct tcpcb *tp)
{
	struct linger l = { 1, 0 };

	if (tp->so == NULL || (tp->flags & TF_CONNECTING))
		return;
	/* syscall: setsockopt (fails harmlessly on a pty or pipe) */
	(void)setsockopt(tp->so->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* The host side refused or failed before the guest was answered. */
void
tcp_refuse(struct tcpcb *tp, int error)
{
	struct stack *s = tp->s;

	s->st.tcp_refused++;
	tcp_respond(s, tp->raddr, tp->gaddr, tp->rport, tp->gport, 0,
	    tp->rcv_nxt, TH_RST | TH_ACK);
	if (error == ENETUNREACH)
		icmp_error(s, tp->syn_ip, tp->syn_iplen, 3, 0);
	else if (error == EHOSTUNREACH)
		icmp_error(s, tp->syn_ip, tp->syn_iplen, 3, 1);
	tcp_close(tp);
}

/*
 * Free the connection once both sides are done; close the host socket
 * as soon as nothing more can pass through it.  Returns 1 when freed.
 */
int
tcp_maybe_free(struct tcpcb *tp)
{
	if (tp->so != NULL && (tp->flags & TF_HOSTEOF) &&
	    (tp->flags & TF_SHUTWR) && tp->rcv.len == 0) {
		ssock_del(tp->s, tp->so);	/* syscall: close */
		tp->so = NULL;
	}
	if (tp->state != TCPS_CLOSED)
		return 0;
	if (tp->so == NULL || tp->rcv.len == 0) {
		tcp_close(tp);
		return 1;
	}
	/* TCP is done but the host reader still has our data to take. */
	if (tp->t_linger == 0)
		tp->t_linger = tp->s->now + TCP_LINGER;
	return 0;
}

void
tcp_update_events(struct tcpcb *tp)
{
	short ev = 0;

	if (tp->so == NULL)
		return;
	if (tp->flags & TF_CONNECTING)
		ev = POLLOUT;
	else {
		if (!(tp->flags & (TF_HOSTEOF | TF_HOSTERR)) &&
		    tp->snd.len < tp->snd.cap &&
		    (tp->state == TCPS_SYN_RECEIVED ||
		    tp->state == TCPS_ESTABLISHED ||
		    tp->state == TCPS_CLOSE_WAIT))
			ev |= POLLIN;
		if (tp->rcv.len > 0)
			ev |= POLLOUT;
	}
	tp->so->events = ev;
}

/*
 * Write what the guest sent to the host socket, then half-close it once
 * the guest's FIN is reached.  Returns -1 when tp was freed.
 */
int
tcp_host_flush(struct tcpcb *tp)
{
	struct iovec iov[2];
	ssize_t n;
	int niov, wrote = 0;

	while (tp->so != NULL && tp->rcv.len > 0) {
		niov = ring_iov(&tp->rcv, 0, tp->rcv.len, iov);
		/*
		 * syscall: sendto (send(2) with no address: the sandbox keeps
		 * sendmsg for the parent channel).  MSG_NOSIGNAL: no SIGPIPE.
		 * One segment of the ring per call; the loop takes the rest.
		 */
		n = send(tp->so->fd, iov[0].iov_base, iov[0].iov_len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == ENOTSOCK)	/* pty or pipe */
			/* syscall: writev */
			n = writev(tp->so->fd, iov, niov);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			/* The host peer is gone: tell the guest. */
			tp->flags |= TF_HOSTERR;
			tcp_drop(tp);
			return -1;
		}
		if (n == 0)
			break;
		ring_consume(&tp->rcv, (size_t)n);
		wrote = 1;
	}
	if (tp->so != NULL && tp->rcv.len == 0 &&
	    TCPS_HAVERCVDFIN(tp->state) && !(tp->flags & TF_SHUTWR)) {
		tp->flags |= TF_SHUTWR;
		/* syscall: shutdown (fails harmlessly on a pty or pipe) */
		(void)shutdown(tp->so->fd, SHUT_WR);
	}
	if (wrote)
		tcp_output(tp);		/* maybe a window update */
	tcp_update_events(tp);
	return tcp_maybe_free(tp) ? -1 : 0;
}

/* Read host data into the send ring.  Returns -1 when tp was freed. */
static int
tcp_host_read(struct tcpcb *tp)
{
	struct iovec iov[2];
	size_t room = tp->snd.cap - tp->snd.len;
	ssize_t n;
	int cnt;

	if (room == 0 || (tp->flags & TF_HOSTEOF))
		return 0;
	if (ring_alloc(&tp->snd) == -1)
		return 0;
	cnt = ring_iov(&tp->snd, tp->snd.len, room, iov);
	/* syscall: readv */
	n = readv(tp->so->fd, iov, cnt);
	tp->flags &= ~TF_HOSTMORE;
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		tp->flags |= TF_HOSTERR;
		tcp_drop(tp);
		return -1;
	}
	if (n == 0)
		tp->flags |= TF_HOSTEOF;
	else {
		tp->snd.len += (size_t)n;
		if ((size_t)n == room)
			tp->flags |= TF_HOSTMORE;
	}
	tcp_output(tp);
	tcp_update_events(tp);
	return tcp_maybe_free(tp) ? -1 : 0;
}

/* The host connect finished: answer the guest's SYN either way. */
static void
tcp_host_connected(struct tcpcb *tp)
{
	int err = 0;
	socklen_t len = sizeof(err);

	/* syscall: getsockopt */
	if (getsockopt(tp->so->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno == ENOTSOCK ? 0 : errno;	/* pty, pipe */
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		tcp_refuse(tp, err);
		return;
	}
	tp->flags &= ~TF_CONNECTING;
	tp->state = TCPS_SYN_RECEIVED;
	tp->t_keep = 0;
	tcp_output(tp);		/* the SYN-ACK */
	tcp_update_events(tp);
}

static void
tcp_sock_cb(struct stack *s, struct ssock *so, short revents)
{
	struct tcpcb *tp = so->ctx;
	int err = 0;
	socklen_t len = sizeof(err);

	if (tp->flags & TF_CONNECTING) {
		tcp_host_connected(tp);
		return;
	}
	if ((revents & POLLERR) && !(revents & POLLIN)) {
		/* syscall: getsockopt */
		if (getsockopt(so->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err != 0) {
			tp->flags |= TF_HOSTERR;
			tcp_drop(tp);
			return;
		}
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
	    (so->events & POLLIN)) {
		if (tcp_host_read(tp) == -1)
			return;
	}
	if ((revents & (POLLOUT | POLLERR | POLLHUP)) && tp->rcv.len > 0)
		(void)tcp_host_flush(tp);
}

/* The parent answered our socket request. */
static void
tcp_sreq_cb(struct stack *s, void *ctx, int fd, int error)
{
	struct tcpcb *tp = ctx;

	tp->reqid = 0;
	if (fd == -1) {
		tcp_refuse(tp, error);
		return;
	}
	if ((tp->so = ssock_add(s, fd, POLLOUT, tcp_sock_cb, tp)) == NULL) {
		close(fd);	/* syscall: close */
		tcp_refuse(tp, ENOMEM);
		return;
	}
	tp->flags |= TF_CONNECTING;
}

/* Reap the TIME_WAIT entry closest to expiry to make room. */
static int
tcp_reap_timewait(struct stack *s)
{
	struct tcpcb *tp, *best = NULL;

	TAILQ_FOREACH(tp, &s->tcp->conns, entry)
		if (tp->state == TCPS_TIME_WAIT && tp->so == NULL &&
		    (best == NULL || tp->t_2msl < best->t_2msl))
			best = tp;
	if (best == NULL)
		return -1;
	tcp_close(best);
	return 0;
}

static int
tcp_addr_ok(in_addr_t a)
{
	uint32_t h = ntohl(a);

	/* No connections from or to multicast, broadcast or "this net". */
	return h != 0 && h != 0xffffffff && (h >> 28) != 0xe &&
	    (h >> 24) != 0;
}

/* TCP to 10.0.2.3:53 (a guest retrying a truncated answer). */
static int
tcp_dns_relay(const struct stack *s, in_addr_t dst, in_port_t dport)
{
	return stack_is_special(s, dst) &&
	    (ntohl(dst) & 0xff) == SPECIAL_DNS && ntohs(dport) == 53;
}

/*
 * A segment for no connection: a SYN opens one (RFC 793 LISTEN
 * behaviour), anything else but a RST is answered with a RST.
 */
void
tcp_no_conn(struct stack *s, const struct tcp_seg *sg)
{
	const struct ip_pkt *pk = sg->pk;
	struct tcpcb *tp;
	in_addr_t host;
	in_port_t port;
	tcp_seq ack;

	if (sg->flags & TH_RST)
		return;
	if ((sg->flags & (TH_SYN | TH_ACK | TH_FIN)) != TH_SYN) {
		if (sg->flags & TH_ACK)
			tcp_respond(s, pk->dst, pk->src, sg->dport, sg->sport,
			    sg->ack, 0, TH_RST);
		else {
			ack = sg->seq + (tcp_seq)sg->len +
			    ((sg->flags & TH_SYN) ? 1 : 0) +
			    ((sg->flags & TH_FIN) ? 1 : 0);
			tcp_respond(s, pk->dst, pk->src, sg->dport, sg->sport,
			    0, ack, TH_RST | TH_ACK);
		}
		return;
	}
	if (!tcp_addr_ok(pk->src) || !tcp_addr_ok(pk->dst) ||
	    sg->sport == 0 || sg->dport == 0) {
		s->st.tcp_bad++;
		return;
	}
	ack = sg->seq + 1;
	port = sg->dport;
	if (tcp_dns_relay(s, pk->dst, sg->dport)) {
		/* The relay's TCP side: bytes go to an upstream unchanged. */
		if (dns_upstream_pick(s, &host, &port) == -1) {
			s->st.tcp_refused++;
			tcp_respond(s, pk->dst, pk->src, sg->dport, sg->sport,
			    0, ack, TH_RST | TH_ACK);
			return;
		}
	} else if (stack_host_addr(s, pk->dst, &host) == -1) {
		s->st.tcp_refused++;
		tcp_respond(s, pk->dst, pk->src, sg->dport, sg->sport, 0, ack,
		    TH_RST | TH_ACK);
		return;
	}
	if (s->nflows >= s->cfg.max_flows && tcp_reap_timewait(s) == -1) {
		s->st.tcp_flow_limit++;
		s->st.flow_limit++;
		tcp_respond(s, pk->dst, pk->src, sg->dport, sg->sport, 0, ack,
		    TH_RST | TH_ACK);
		return;
	}
	if ((tp = tcp_newcb(s, sg)) == NULL)
		return;
	tp->reqid = sreq_new(s, IPPROTO_TCP, host, port, tcp_sreq_cb, tp);
	if (tp->reqid == 0)
		tcp_refuse(tp, ECONNREFUSED);
}

/* A bare control segment with no connection behind it. */
void
tcp_respond(struct stack *s, in_addr_t src, in_addr_t dst, in_port_t sport,
    in_port_t dport, tcp_seq seq, tcp_seq ack, uint8_t flags)
{
	uint8_t th[TCP_HDRLEN];
	uint32_t v;
	uint16_t sum;

	memset(th, 0, sizeof(th));
	memcpy(th, &sport, 2);
	memcpy(th + 2, &dport, 2);
	v = htonl(seq);
	memcpy(th + 4, &v, 4);
	v = htonl(ack);
	memcpy(th + 8, &v, 4);
	th[12] = (TCP_HDRLEN / 4) << 4;
	th[13] = flags;
	sum = cksum_fold(cksum_add(cksum_pseudo(src, dst, IPPROTO_TCP,
	    TCP_HDRLEN), th, sizeof(th)));
	memcpy(th + 16, &sum, 2);
	s->st.tcp_out++;
	if (flags & TH_RST)
		s->st.tcp_rst_out++;
	(void)ip_output(s, IPPROTO_TCP, src, dst, th, sizeof(th), 0, 0,
	    STACK_PRIO_INTERACTIVE);
}

/*
 * A host that filled the send ring last time most likely has more: read
 * it as soon as ACKs made room, in the same loop round, rather than
 * poll once more first (a bulk download then needs a round per ACK, not
 * two).  A wrong guess costs one readv(2) that fails with EAGAIN.
 */
void
tcp_host_more(struct stack *s)
{
	struct tcpcb *tp, *next;

	for (tp = TAILQ_FIRST(&s->tcp->conns); tp != NULL; tp = next) {
		next = TAILQ_NEXT(tp, entry);
		if (!(tp->flags & TF_HOSTMORE) || tp->so == NULL)
			continue;
		tcp_update_events(tp);
		if ((tp->so->events & POLLIN) && tp->snd.len < tp->snd.cap)
			(void)tcp_host_read(tp);
	}
}

void
tcp_kick(struct stack *s)
{
	struct tcpcb *tp;

	TAILQ_FOREACH(tp, &s->tcp->conns, entry) {
		tp->flags &= ~TF_BLOCKED;
		tcp_output(tp);
	}
}

int
tcp_debug_info(struct stack *s, in_port_t gport, struct tcp_debug *d)
{
	struct tcpcb *tp;

	TAILQ_FOREACH(tp, &s->tcp->conns, entry)
		if (tp->gport == gport)
			break;
	if (tp == NULL)
		return -1;
	memset(d, 0, sizeof(*d));
	d->state = tp->state;
	d->flags = tp->flags;
	d->srtt = tp->srtt >> 3;
	d->rttvar = tp->rttvar >> 2;
	d->rto = tp->rto;
	d->rxtshift = tp->rxtshift;
	d->cwnd = tp->cwnd;
	d->ssthresh = tp->ssthresh;
	d->snd_wnd = tp->snd_wnd;
	d->maxseg = tp->maxseg;
	d->rcv_wnd = tcp_rcv_space(tp);
	d->snd_una = tp->snd_una;
	d->snd_nxt = tp->snd_nxt;
	d->snd_max = tp->snd_max;
	d->rcv_nxt = tp->rcv_nxt;
	d->iss = tp->iss;
	d->irs = tp->irs;
	d->snd_len = tp->snd.len;
	d->rcv_len = tp->rcv.len;
	d->snd_cap = tp->snd.cap;
	d->rcv_cap = tp->rcv.cap;
	d->nooo = tp->nooo;
	d->nsacked = tp->nsacked;
	d->sacked_bytes = range_bytes(tp->sacked, tp->nsacked);
	d->snd_scale = tp->snd_scale;
	d->rcv_scale = tp->rcv_scale;
	d->hostfd = tp->so ? tp->so->fd : -1;
	d->t_rexmt = tp->t_rexmt;
	d->t_persist = tp->t_persist;
	d->t_delack = tp->t_delack;
	d->t_keep = tp->t_keep;
	d->t_2msl = tp->t_2msl;
	return 0;
}
