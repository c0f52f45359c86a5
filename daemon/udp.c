/*
 * UDP: one flow per (guest addr:port, destination addr:port), each a
 * connected host socket the parent creates.  Replies go back to the
 * guest from the address it sent to; refusals become ICMP errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <unistd.h>

#include "udp_var.h"

#define UDP_QMAX	16		/* datagrams held while pending */
#define UDP_QBYTES	65536
#define UDP_MAXMSG	(65535 - 20 - 8)
#define UDP_REFUSED_HOLD 10000		/* ms a refused flow is remembered */
#define UDP_READ_BATCH	32

struct qdgram {
	TAILQ_ENTRY(qdgram) entry;
	size_t		 len;
	uint8_t		 data[];
};
TAILQ_HEAD(qdgram_head, qdgram);

struct udp_flow {
	TAILQ_ENTRY(udp_flow) entry;
	in_addr_t	 gaddr, daddr;
	in_port_t	 gport, dport;
	uint32_t	 reqid;
	struct ssock	*so;
	int		 refused;
	int		 recverr;	/* IP_RECVERR: errors queued */
	uint8_t		 rcode;		/* ICMP unreachable code then */
	uint64_t	 expire;
	struct qdgram_head q;
	unsigned int	 nq;
	size_t		 qbytes;
	uint8_t		 orig[68];	/* last guest header + 8 bytes */
	size_t		 origlen;
};
TAILQ_HEAD(udp_flow_head, udp_flow);

struct udp_state {
	struct udp_flow_head flows;
	struct dns_state *dns;
	uint8_t		 rbuf[65536];
	uint8_t		 obuf[65536];
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

int
udp_init(struct stack *s)
{
	if ((s->udp = calloc(1, sizeof(*s->udp))) == NULL)
		return -1;
	TAILQ_INIT(&s->udp->flows);
	if ((s->udp->dns = dns_init(s)) == NULL) {
		free(s->udp);
		s->udp = NULL;
		return -1;
	}
	return 0;
}

static void
flow_drain(struct udp_flow *f)
{
	struct qdgram *d;

	while ((d = TAILQ_FIRST(&f->q)) != NULL) {
		TAILQ_REMOVE(&f->q, d, entry);
		free(d);
	}
	f->nq = 0;
	f->qbytes = 0;
}

static void
flow_free(struct stack *s, struct udp_flow *f)
{
	flow_drain(f);
	if (f->reqid)
		sreq_cancel(s, f->reqid);
	if (f->so)
		ssock_del(s, f->so);
	TAILQ_REMOVE(&s->udp->flows, f, entry);
	s->nflows--;
	free(f);
}

void
udp_free(struct stack *s)
{
	struct udp_flow *f;

	while ((f = TAILQ_FIRST(&s->udp->flows)) != NULL)
		flow_free(s, f);
	dns_free(s, s->udp->dns);
	free(s->udp);
	s->udp = NULL;
}

int
udp_output(struct stack *s, in_addr_t src, in_port_t sport, in_addr_t dst,
    in_port_t dport, const uint8_t *data, size_t len)
{
	uint8_t *b = s->udp->obuf;
	uint16_t ulen, sum;

	if (len > UDP_MAXMSG) {
		s->st.udp_send_drop++;
		return -1;
	}
	ulen = htons((uint16_t)(len + 8));
	memcpy(b, &sport, 2);
	memcpy(b + 2, &dport, 2);
	memcpy(b + 4, &ulen, 2);
	b[6] = b[7] = 0;
	memcpy(b + 8, data, len);
	sum = cksum_fold(cksum_add(cksum_pseudo(src, dst, IPPROTO_UDP,
	    (uint16_t)(len + 8)), b, len + 8));
	if (sum == 0)
		sum = 0xffff;	/* 0 would mean "no checksum" */
	memcpy(b + 6, &sum, 2);
	if (ip_output(s, IPPROTO_UDP, src, dst, b, len + 8, 0, 0,
	    stack_output_prio(IPPROTO_UDP, sport, dport, len)) == -1)
		return -1;
	s->st.udp_out++;
	return 0;
}

static uint64_t
udp_idle(const struct stack *s)
{
	return (uint64_t)(s->cfg.udp_idle ? s->cfg.udp_idle : 60) * 1000;
}

static uint8_t
refuse_code(int error)
{
	switch (error) {
	case ECONNREFUSED:
		return 3;	/* port unreachable */
	case EACCES:
	case EPERM:
		return 13;	/* administratively prohibited */
	case ENETUNREACH:
		return 0;
	default:
		return 1;	/* host unreachable */
	}
}

static void
flow_refuse(struct stack *s, struct udp_flow *f, int error)
{
	s->st.udp_refused++;
	icmp_error(s, f->orig, f->origlen, 3, refuse_code(error));
}

/*
 * The parent sets IP_RECVERR on our sockets (not on the DNS relay's):
 * without it the kernel reports port unreachable but never host or net
 * unreachable; with it each ICMP error waits in the error queue with
 * its type and code, and goes to the guest as it came.
 */
static int
sock_recverr(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	/* syscall: getsockopt (IP_RECVERR) */
	if (getsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, &len) == -1)
		return 0;
	return on != 0;
}

static void
flow_errqueue(struct stack *s, struct udp_flow *f)
{
	struct sock_extended_err ee;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	union {
		struct cmsghdr	h;
		uint8_t		b[CMSG_SPACE(sizeof(ee) +
				    sizeof(struct sockaddr_in))];
	} cbuf;
	uint8_t q[8];
	int k, got;

	for (k = 0; k < UDP_READ_BATCH; k++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = q;
		iov.iov_len = sizeof(q);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.b;
		msg.msg_controllen = sizeof(cbuf.b);
		/* syscall: recvmsg (MSG_ERRQUEUE) */
		if (recvmsg(f->so->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			return;
		got = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(ee))) {
				memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
				got = 1;
			}
		if (!got || ee.ee_origin != SO_EE_ORIGIN_ICMP) {
			s->st.udp_bad++;
			continue;
		}
		s->st.udp_refused++;
		if (ee.ee_type == 3 && ee.ee_code <= 15)
			icmp_error(s, f->orig, f->origlen, 3, ee.ee_code);
		else if (ee.ee_type == 11 && ee.ee_code <= 1)
			icmp_error(s, f->orig, f->origlen, 11, ee.ee_code);
		else
			icmp_error(s, f->orig, f->origlen, 3, 1);
	}
}

/* Hand one datagram to the host socket. */
static void
flow_send(struct stack *s, struct udp_flow *f, const uint8_t *d, size_t len)
{
	/* syscall: sendto (send on the connected UDP socket) */
	if (send(f->so->fd, d, len, MSG_DONTWAIT) == -1) {
		if (f->recverr)
			flow_errqueue(s, f);	/* the error is queued too */
		else if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH)
			flow_refuse(s, f, errno);
		else
			s->st.udp_send_drop++;
	}
}

static void
flow_read(struct stack *s, struct ssock *so, short revents)
{
	struct udp_flow *f = so->ctx;
	ssize_t n;
	int i;

	if ((revents & POLLERR) && f->recverr)
		flow_errqueue(s, f);
	for (i = 0; i < UDP_READ_BATCH; i++) {
		/* syscall: recvfrom (recv on the connected UDP socket) */
		n = recv(so->fd, s->udp->rbuf, sizeof(s->udp->rbuf),
		    MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1) {
			/* Connected sockets report the host's ICMP errors. */
			if (f->recverr)
				flow_errqueue(s, f);
			else if (errno == ECONNREFUSED ||
			    errno == EHOSTUNREACH || errno == ENETUNREACH)
				flow_refuse(s, f, errno);
			return;
		}
		f->expire = s->now + udp_idle(s);
		if ((size_t)n > UDP_MAXMSG) {
			s->st.udp_send_drop++;	/* cannot fit in IPv4 */
			continue;
		}
		udp_output(s, f->daddr, f->dport, f->gaddr, f->gport,
		    s->udp->rbuf, (size_t)n);
	}
}

static void
flow_ready(struct stack *s, void *ctx, int fd, int error)
{
	struct udp_flow *f = ctx;
	struct qdgram *d;

	f->reqid = 0;
	if (fd != -1 && (f->so = ssock_add(s, fd, POLLIN, flow_read,
	    f)) == NULL) {
		close(fd);
		fd = -1;
		error = ENOMEM;
	}
	if (fd == -1) {
		flow_drain(f);
		f->refused = 1;
		f->rcode = refuse_code(error);
		f->expire = s->now + UDP_REFUSED_HOLD;
		flow_refuse(s, f, error);
		return;
	}
	f->recverr = sock_recverr(fd);
	while ((d = TAILQ_FIRST(&f->q)) != NULL) {
		TAILQ_REMOVE(&f->q, d, entry);
		flow_send(s, f, d->data, d->len);
		free(d);
	}
	f->nq = 0;
	f->qbytes = 0;
}

static struct udp_flow *
flow_find(struct stack *s, const struct ip_pkt *p, in_port_t sport,
    in_port_t dport)
{
	struct udp_flow *f;

	TAILQ_FOREACH(f, &s->udp->flows, entry)
		if (f->gport == sport && f->dport == dport &&
		    f->daddr == p->dst && f->gaddr == p->src) {
			/* Busy flows stay near the head of the list. */
			if (f != TAILQ_FIRST(&s->udp->flows)) {
				TAILQ_REMOVE(&s->udp->flows, f, entry);
				TAILQ_INSERT_HEAD(&s->udp->flows, f, entry);
			}
			return f;
		}
	return NULL;
}

static struct udp_flow *
flow_new(struct stack *s, const struct ip_pkt *p, in_port_t sport,
    in_port_t dport, in_addr_t host)
{
	struct udp_flow *f;

	if (s->nflows >= s->cfg.max_flows) {
		s->st.flow_limit++;
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->gaddr = p->src;
	f->gport = sport;
	f->daddr = p->dst;
	f->dport = dport;
	f->expire = s->now + udp_idle(s);
	TAILQ_INIT(&f->q);
	TAILQ_INSERT_HEAD(&s->udp->flows, f, entry);
	s->nflows++;
	s->st.udp_flows++;
	if ((f->reqid = sreq_new(s, IPPROTO_UDP, host, dport, flow_ready,
	    f)) == 0) {
		flow_free(s, f);
		return NULL;
	}
	return f;
}

static void
flow_queue(struct stack *s, struct udp_flow *f, const uint8_t *d,
    size_t len)
{
	struct qdgram *q;

	if (f->nq >= UDP_QMAX || f->qbytes + len > UDP_QBYTES ||
	    (q = malloc(sizeof(*q) + len)) == NULL) {
		s->st.udp_send_drop++;
		return;
	}
	q->len = len;
	memcpy(q->data, d, len);
	TAILQ_INSERT_TAIL(&f->q, q, entry);
	f->nq++;
	f->qbytes += len;
}

/* To the special network: the DNS relay, the host alias, or nobody. */
static int
udp_special(struct stack *s, const struct ip_pkt *p, in_port_t sport,
    in_port_t dport, const uint8_t *d, size_t len, in_addr_t *host)
{
	uint32_t last = ntohl(p->dst) & ~ntohl(s->cfg.netmask);

	if (last == SPECIAL_DNS && dport == htons(DNS_PORT)) {
		dns_input(s, s->udp->dns, p, sport, d, len);
		return 1;
	}
	if (stack_host_addr(s, p->dst, host) == 0)
		return 0;
	icmp_error(s, p->ip, p->iplen, 3, last == SPECIAL_HOST ? 13 : 3);
	return 1;
}

void
udp_input(struct stack *s, const struct ip_pkt *p)
{
	struct udp_flow *f;
	in_port_t sport, dport;
	in_addr_t host = p->dst;
	size_t ulen;

	s->st.udp_in++;
	if (p->l4len < 8) {
		s->st.udp_bad++;
		return;
	}
	ulen = get16(p->l4 + 4);
	if (ulen < 8 || ulen > p->l4len) {
		s->st.udp_bad++;
		return;
	}
	if ((p->l4[6] || p->l4[7]) && cksum_fold(cksum_add(cksum_pseudo(
	    p->src, p->dst, IPPROTO_UDP, (uint16_t)ulen), p->l4, ulen)) != 0) {
		s->st.udp_bad++;
		return;
	}
	memcpy(&sport, p->l4, 2);
	memcpy(&dport, p->l4 + 2, 2);
	if (sport == 0 || dport == 0) {
		s->st.udp_bad++;
		return;
	}
	if (stack_is_special(s, p->dst)) {
		if (udp_special(s, p, sport, dport, p->l4 + 8, ulen - 8,
		    &host))
			return;
	} else if (stack_host_addr(s, p->dst, &host) == -1) {
		icmp_error(s, p->ip, p->iplen, 3, 13);
		return;
	}
	if ((f = flow_find(s, p, sport, dport)) == NULL &&
	    (f = flow_new(s, p, sport, dport, host)) == NULL) {
		icmp_error(s, p->ip, p->iplen, 3, 1);
		return;
	}
	f->origlen = p->iplen < p->hlen + 8 ? p->iplen : p->hlen + 8;
	memcpy(f->orig, p->ip, f->origlen);
	if (f->refused) {
		icmp_error(s, f->orig, f->origlen, 3, f->rcode);
		s->st.udp_refused++;
		return;
	}
	f->expire = s->now + udp_idle(s);
	if (f->so != NULL)
		flow_send(s, f, p->l4 + 8, ulen - 8);
	else
		flow_queue(s, f, p->l4 + 8, ulen - 8);
}

void
udp_timers(struct stack *s)
{
	struct udp_flow *f, *next;

	for (f = TAILQ_FIRST(&s->udp->flows); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (f->expire > s->now)
			continue;
		if (!f->refused)
			s->st.udp_timeout++;
		flow_free(s, f);
	}
	dns_timers(s, s->udp->dns);
}

int
dns_upstream_pick(const struct stack *s, in_addr_t *addr, in_port_t *port)
{
	return dns_pick(s, s->udp->dns, addr, port);
}

int64_t
udp_next_timer(const struct stack *s)
{
	const struct udp_flow *f;
	uint64_t t = UINT64_MAX;
	int64_t d;

	TAILQ_FOREACH(f, &s->udp->flows, entry)
		if (f->expire < t)
			t = f->expire;
	d = t == UINT64_MAX ? -1 : t <= s->now ? 0 : (int64_t)(t - s->now);
	t = (uint64_t)dns_next_timer(s, s->udp->dns);
	if ((int64_t)t >= 0 && (d < 0 || (int64_t)t < d))
		d = (int64_t)t;
	return d;
}
