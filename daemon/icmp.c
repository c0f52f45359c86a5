/*
 * ICMP: echo to the special hosts answered here, echo to other hosts
 * relayed through sockets the parent creates, and the errors the stack
 * sends back to the guest about its datagrams.
 *
 * The parent's socket is a ping socket (SOCK_DGRAM) where the host's
 * net.ipv4.ping_group_range lets root have one, else a raw ICMP socket
 * (SOCK_RAW) with a receive filter for echo replies only.  Both are
 * connected to the destination and have IP_RECVERR set, so the host's
 * ICMP errors about our echoes come through the error queue, each with
 * the echo header it quotes.  On a ping socket the kernel picks the echo
 * id and hands us ICMP messages.  On a raw socket we read whole IPv4
 * datagrams (untrusted: every header is checked), put our own random id
 * on the echoes and checksum them, and see every echo reply (and error)
 * the destination sends this host, other pingers' too: only ours (our
 * id, a sequence we sent) go to the guest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <unistd.h>

#include "stack_var.h"

#define ICMP_ECHOREPLY	0
#define ICMP_UNREACH	3
#define ICMP_ECHO	8
#define ICMP_TIMXCEED	11
#define ECHO_MAX	64		/* outstanding echoes per stack */
#define ECHO_TIMEOUT	10000		/* ms an echo waits for its reply */
#define FLOW_QMAX	4		/* echoes held while the socket comes */
#define ICMP_MAXMSG	65535

/* An echo sent to the host, waiting for its reply. */
struct echo {
	struct icmp_flow *fl;		/* NULL: slot free */
	uint16_t	 gid, gseq;	/* the guest's id and sequence */
	uint16_t	 seq;		/* ours on the ping socket */
	uint64_t	 expire;
	uint8_t		 orig[68];	/* guest header + 8, for errors */
	size_t		 origlen;
};

struct qecho {
	TAILQ_ENTRY(qecho) entry;
	int		 slot;
	size_t		 len;
	uint8_t		 msg[];
};
TAILQ_HEAD(qecho_head, qecho);

/* One ping socket per destination host. */
struct icmp_flow {
	TAILQ_ENTRY(icmp_flow) entry;
	in_addr_t	 dst;		/* as the guest sees it */
	in_addr_t	 host;		/* as the host sees it */
	uint32_t	 reqid;		/* pending socket request, or 0 */
	struct ssock	*so;
	uint16_t	 nextseq;
	uint16_t	 id;		/* our echo id (raw sockets) */
	int		 raw;		/* SOCK_RAW: IP headers, our id */
	int		 recverr;	/* IP_RECVERR: errors queued */
	uint64_t	 expire;	/* idle */
	struct qecho_head q;
	unsigned int	 nq;
};
TAILQ_HEAD(icmp_flow_head, icmp_flow);

struct icmp_state {
	struct icmp_flow_head flows;
	struct echo	 echo[ECHO_MAX];
	uint8_t		 buf[ICMP_MAXMSG];
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

static void
icmp_sum(uint8_t *m, size_t len)
{
	uint16_t sum;

	m[2] = m[3] = 0;
	sum = in_cksum(m, len);
	memcpy(m + 2, &sum, 2);
}

int
icmp_init(struct stack *s)
{
	if ((s->icmp = calloc(1, sizeof(*s->icmp))) == NULL)
		return -1;
	TAILQ_INIT(&s->icmp->flows);
	return 0;
}

static uint64_t
flow_idle(const struct stack *s)
{
	return (uint64_t)(s->cfg.udp_idle ? s->cfg.udp_idle : 60) * 1000;
}

static void
flow_free(struct stack *s, struct icmp_flow *fl)
{
	struct qecho *qe;
	int i;

	for (i = 0; i < ECHO_MAX; i++)
		if (s->icmp->echo[i].fl == fl)
			s->icmp->echo[i].fl = NULL;
	while ((qe = TAILQ_FIRST(&fl->q)) != NULL) {
		TAILQ_REMOVE(&fl->q, qe, entry);
		free(qe);
	}
	if (fl->reqid)
		sreq_cancel(s, fl->reqid);
	if (fl->so)
		ssock_del(s, fl->so);
	TAILQ_REMOVE(&s->icmp->flows, fl, entry);
	s->nflows--;
	free(fl);
}

void
icmp_free(struct stack *s)
{
	struct icmp_flow *fl;

	while ((fl = TAILQ_FIRST(&s->icmp->flows)) != NULL)
		flow_free(s, fl);
	free(s->icmp);
	s->icmp = NULL;
}

/* Destinations we never send errors about (RFC 1812 4.3.2.7). */
static int
no_error_to(const struct stack *s, in_addr_t src, in_addr_t dst)
{
	uint32_t h = ntohl(dst);

	if (src != s->cfg.guest_addr)
		return 1;
	if (h == 0xffffffff || (h >> 28) >= 0xe)
		return 1;
	return stack_is_special(s, dst) &&
	    (dst & ~s->cfg.netmask) == ~s->cfg.netmask;
}

void
icmp_error(struct stack *s, const uint8_t *orig, size_t origlen,
    uint8_t type, uint8_t code)
{
	uint8_t m[8 + 60 + 8];
	size_t hlen, n;
	in_addr_t src, dst, esrc;
	uint8_t t;

	if (origlen < 20 || (orig[0] >> 4) != 4)
		return;
	hlen = (size_t)(orig[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > origlen)
		return;
	if (get16(orig + 6) & 0x1fff)
		return;		/* only about the first fragment */
	memcpy(&src, orig + 12, 4);
	memcpy(&dst, orig + 16, 4);
	if (no_error_to(s, src, dst))
		return;
	if (orig[9] == IPPROTO_ICMP) {
		/* Never an error about an error (or an unreadable one). */
		if (origlen <= hlen)
			return;
		t = orig[hlen];
		if (t != ICMP_ECHO && t != ICMP_ECHOREPLY && t != 13 &&
		    t != 14 && t != 15 && t != 16 && t != 17 && t != 18)
			return;
	}
	n = origlen < hlen + 8 ? origlen : hlen + 8;
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, orig, n);
	icmp_sum(m, 8 + n);
	/* TTL expiry comes from the "router" (.2); others from the target. */
	esrc = dst;
	if (type == ICMP_TIMXCEED && code == 0)
		esrc = (s->cfg.special_addr & s->cfg.netmask) |
		    htonl(SPECIAL_HOST);
	if (ip_output(s, IPPROTO_ICMP, esrc, src, m, 8 + n, 0, 0,
	    STACK_PRIO_INTERACTIVE) == 0) {
		s->st.icmp_out++;
		if (type == ICMP_UNREACH)
			s->st.icmp_unreach_out++;
	}
}

static void
echo_local(struct stack *s, const struct ip_pkt *p)
{
	uint8_t *m = s->icmp->buf;

	memcpy(m, p->l4, p->l4len);
	m[0] = ICMP_ECHOREPLY;
	icmp_sum(m, p->l4len);
	s->st.icmp_echo_local++;
	if (ip_output(s, IPPROTO_ICMP, p->dst, p->src, m, p->l4len, p->tos,
	    0, STACK_PRIO_INTERACTIVE) == 0)
		s->st.icmp_out++;
}

/* Map a socket error to the unreachable code the guest should see. */
static uint8_t
unreach_code(int error)
{
	switch (error) {
	case EACCES:
	case EPERM:
		return 13;	/* communication administratively prohibited */
	case ENETUNREACH:
		return 0;
	default:
		return 1;
	}
}

/* The echo a held message belongs to is still outstanding. */
static int
qe_live(struct stack *s, struct icmp_flow *fl, const struct qecho *qe)
{
	const struct echo *e = &s->icmp->echo[qe->slot];

	return e->fl == fl && e->seq == get16(qe->msg + 6);
}

static void
echo_send(struct stack *s, struct icmp_flow *fl, struct qecho *qe)
{
	struct echo *e = &s->icmp->echo[qe->slot];

	if (!qe_live(s, fl, qe))
		return;		/* timed out or evicted meanwhile */
	/*
	 * A ping socket replaces the id (and the checksum); a raw socket
	 * sends what we give it, so the id and checksum must be right.
	 */
	put16(qe->msg + 4, fl->id);
	icmp_sum(qe->msg, qe->len);
	/* syscall: sendto (send on the connected ping or raw socket) */
	if (send(fl->so->fd, qe->msg, qe->len, MSG_DONTWAIT) == -1) {
		icmp_error(s, e->orig, e->origlen, ICMP_UNREACH,
		    unreach_code(errno));
		e->fl = NULL;
		return;
	}
	s->st.icmp_echo_host++;
}

/* The outstanding echo of fl with our sequence seq, or NULL. */
static struct echo *
echo_find(struct stack *s, struct icmp_flow *fl, uint16_t seq)
{
	int i;

	for (i = 0; i < ECHO_MAX; i++)
		if (s->icmp->echo[i].fl == fl && s->icmp->echo[i].seq == seq)
			return &s->icmp->echo[i];
	return NULL;
}

/*
 * A socket error (the kernel's report of an ICMP error from the host
 * side) says nothing about which echo it was: tell the oldest.
 */
static void
flow_sockerr(struct stack *s, struct icmp_flow *fl, int error)
{
	struct echo *e;
	int i, oldest = -1;

	for (i = 0; i < ECHO_MAX; i++)
		if (s->icmp->echo[i].fl == fl && (oldest == -1 ||
		    s->icmp->echo[i].expire < s->icmp->echo[oldest].expire))
			oldest = i;
	if (oldest == -1)
		return;
	e = &s->icmp->echo[oldest];
	icmp_error(s, e->orig, e->origlen, ICMP_UNREACH, unreach_code(error));
	e->fl = NULL;
}

/*
 * The IPv4 header of a datagram read from a raw socket: the ICMP
 * message it carries (*len bytes), or NULL when it is not a well-formed
 * unfragmented ICMP datagram from the flow's host.
 */
static uint8_t *
raw_strip(const struct icmp_flow *fl, uint8_t *m, size_t n, size_t *len)
{
	size_t hlen;
	in_addr_t src;

	if (n < 20 || (m[0] >> 4) != 4)
		return NULL;
	hlen = (size_t)(m[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > n || get16(m + 2) != n)
		return NULL;
	if (m[9] != IPPROTO_ICMP || (get16(m + 6) & 0x3fff) != 0)
		return NULL;
	memcpy(&src, m + 12, 4);
	if (src != fl->host)
		return NULL;
	*len = n - hlen;
	return m + hlen;
}

/* Relay an error the kernel reported about one of our echoes. */
static void
echo_error(struct stack *s, struct echo *e, uint8_t type, uint8_t code)
{
	if (type == ICMP_TIMXCEED && code <= 1)
		icmp_error(s, e->orig, e->origlen, ICMP_TIMXCEED, code);
	else if (type == ICMP_UNREACH && code <= 15)
		icmp_error(s, e->orig, e->origlen, ICMP_UNREACH, code);
	else
		icmp_error(s, e->orig, e->origlen, ICMP_UNREACH, 1);
	e->fl = NULL;
}

/*
 * The parent sets IP_RECVERR on our socket: every ICMP error about our
 * echoes (host and net unreachable too, which a plain socket never
 * reports) waits in the error queue with its type and code and the
 * quoted echo header, so it goes back to the guest about the right
 * echo.  Returns how many were read; 0 when the queue was empty (or
 * this is no such socket).
 */
static int
flow_errqueue(struct stack *s, struct icmp_flow *fl)
{
	struct sock_extended_err ee;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	struct echo *e;
	union {
		struct cmsghdr	h;
		uint8_t		b[CMSG_SPACE(sizeof(ee) +
				    sizeof(struct sockaddr_in))];
	} cbuf;
	uint8_t q[64] = { 0 };	/* recvmsg fills it; cppcheck cannot see */
	ssize_t n;
	int k, got;

	for (k = 0; k < 16; k++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = q;
		iov.iov_len = sizeof(q);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.b;
		msg.msg_controllen = sizeof(cbuf.b);
		/* syscall: recvmsg (MSG_ERRQUEUE) */
		if ((n = recvmsg(fl->so->fd, &msg, MSG_ERRQUEUE |
		    MSG_DONTWAIT)) == -1)
			return k;
		got = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(ee))) {
				memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
				got = 1;
			}
		/* The quoted message is our echo request's header. */
		if (!got || ee.ee_origin != SO_EE_ORIGIN_ICMP || n < 8 ||
		    q[0] != ICMP_ECHO) {
			s->st.icmp_bad++;
			continue;
		}
		if ((fl->raw && get16(q + 4) != fl->id) ||
		    (e = echo_find(s, fl, get16(q + 6))) == NULL) {
			s->st.icmp_foreign++;	/* another pinger's, or late */
			continue;
		}
		echo_error(s, e, ee.ee_type, ee.ee_code);
	}
	return k;
}

/*
 * One message from the host socket: m is the ICMP message (a raw
 * socket's IP header already stripped).  An echo reply to one of our
 * echoes goes to the guest with its id and sequence back.
 */
static void
flow_msg(struct stack *s, struct icmp_flow *fl, uint8_t *m, size_t n)
{
	struct echo *e;

	/* The kernel checked a ping socket's checksum, not a raw one's. */
	if (n < 8 || (fl->raw && in_cksum(m, n) != 0)) {
		s->st.icmp_bad++;
		return;
	}
	if (m[0] != ICMP_ECHOREPLY || m[1] != 0) {
		if (fl->raw)
			s->st.icmp_foreign++;
		else
			s->st.icmp_bad++;
		return;
	}
	if (fl->raw && get16(m + 4) != fl->id) {
		s->st.icmp_foreign++;	/* another pinger's reply */
		return;
	}
	if ((e = echo_find(s, fl, get16(m + 6))) == NULL) {
		s->st.icmp_bad++;	/* late or never asked */
		return;
	}
	put16(m + 4, e->gid);
	put16(m + 6, e->gseq);
	icmp_sum(m, n);
	e->fl = NULL;
	if (ip_output(s, IPPROTO_ICMP, fl->dst, s->cfg.guest_addr, m, n, 0, 0,
	    STACK_PRIO_INTERACTIVE) == 0)
		s->st.icmp_out++;
}

static void
flow_read(struct stack *s, struct ssock *so, short revents)
{
	struct icmp_flow *fl = so->ctx;
	uint8_t *m = s->icmp->buf, *l4;
	size_t len;
	ssize_t n;
	int k;

	if ((revents & POLLERR) && fl->recverr && flow_errqueue(s, fl) > 0)
		fl->expire = s->now + flow_idle(s);
	for (k = 0; k < 16; k++) {
		/* syscall: recvfrom (recv on the ping or raw socket) */
		n = recv(so->fd, m, ICMP_MAXMSG, MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/*
			 * With IP_RECVERR the error queue has the same
			 * error and says which echo it was about.
			 */
			if (fl->recverr)
				flow_errqueue(s, fl);
			else
				flow_sockerr(s, fl, errno);
			return;
		}
		fl->expire = s->now + flow_idle(s);
		if (n > ICMP_MAXMSG) {
			s->st.icmp_bad++;	/* truncated: cannot be IPv4 */
			continue;
		}
		if (!fl->raw) {
			flow_msg(s, fl, m, (size_t)n);
			continue;
		}
		if ((l4 = raw_strip(fl, m, (size_t)n, &len)) == NULL) {
			s->st.icmp_bad++;
			continue;
		}
		flow_msg(s, fl, l4, len);
	}
}

/* The parent set IP_RECVERR (a socketpair in a unit test has none). */
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

/*
 * What the parent gave us.  Weak, so a unit test can make a socketpair
 * play a raw socket.
 */
int	icmp_sock_is_raw(int);

__attribute__((weak)) int
icmp_sock_is_raw(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	/* syscall: getsockopt (SO_TYPE) */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return 0;
	return type == SOCK_RAW;
}

static void
flow_ready(struct stack *s, void *ctx, int fd, int error)
{
	struct icmp_flow *fl = ctx;
	struct qecho *qe;
	struct echo *e;

	fl->reqid = 0;
	if (fd != -1 && (fl->so = ssock_add(s, fd, POLLIN, flow_read,
	    fl)) == NULL) {
		close(fd);
		fd = -1;
		error = ENOMEM;
	}
	if (fd != -1) {
		fl->raw = icmp_sock_is_raw(fd);
		fl->recverr = sock_recverr(fd);
	}
	while ((qe = TAILQ_FIRST(&fl->q)) != NULL) {
		TAILQ_REMOVE(&fl->q, qe, entry);
		e = &s->icmp->echo[qe->slot];
		if (fd == -1 && qe_live(s, fl, qe)) {
			icmp_error(s, e->orig, e->origlen, ICMP_UNREACH,
			    unreach_code(error));
			e->fl = NULL;
		} else if (fd != -1)
			echo_send(s, fl, qe);
		free(qe);
	}
	fl->nq = 0;
	if (fd == -1)
		flow_free(s, fl);
}

static struct icmp_flow *
flow_get(struct stack *s, in_addr_t dst)
{
	struct icmp_flow *fl;
	in_addr_t host;

	TAILQ_FOREACH(fl, &s->icmp->flows, entry)
		if (fl->dst == dst)
			return fl;
	if (stack_host_addr(s, dst, &host) == -1)
		return NULL;
	if (s->nflows >= s->cfg.max_flows) {
		s->st.flow_limit++;
		return NULL;
	}
	if ((fl = calloc(1, sizeof(*fl))) == NULL)
		return NULL;
	fl->dst = dst;
	fl->host = host;
	/* syscall: getrandom (arc4random): other pingers use other ids. */
	fl->id = (uint16_t)arc4random();
	fl->expire = s->now + flow_idle(s);
	TAILQ_INIT(&fl->q);
	TAILQ_INSERT_TAIL(&s->icmp->flows, fl, entry);
	s->nflows++;
	if ((fl->reqid = sreq_new(s, IPPROTO_ICMP, host, 0, flow_ready,
	    fl)) == 0) {
		flow_free(s, fl);
		return NULL;
	}
	return fl;
}

/* A free echo slot; the oldest outstanding echo gives way when full. */
static int
echo_slot(struct stack *s)
{
	int i, old = 0;

	for (i = 0; i < ECHO_MAX; i++) {
		if (s->icmp->echo[i].fl == NULL)
			return i;
		if (s->icmp->echo[i].expire < s->icmp->echo[old].expire)
			old = i;
	}
	s->st.icmp_timeout++;
	return old;
}

static void
echo_host(struct stack *s, const struct ip_pkt *p)
{
	struct icmp_flow *fl;
	struct qecho *qe;
	struct echo *e;
	int slot;

	if ((fl = flow_get(s, p->dst)) == NULL) {
		icmp_error(s, p->ip, p->iplen, ICMP_UNREACH, 1);
		return;
	}
	fl->expire = s->now + flow_idle(s);
	if (fl->so == NULL && fl->nq >= FLOW_QMAX) {
		s->st.icmp_timeout++;	/* dropped while the socket comes */
		return;
	}
	if ((qe = malloc(sizeof(*qe) + p->l4len)) == NULL)
		return;
	slot = echo_slot(s);
	e = &s->icmp->echo[slot];
	e->fl = fl;
	e->gid = get16(p->l4 + 4);
	e->gseq = get16(p->l4 + 6);
	e->seq = fl->nextseq++;
	e->expire = s->now + ECHO_TIMEOUT;
	e->origlen = p->iplen < p->hlen + 8 ? p->iplen : p->hlen + 8;
	memcpy(e->orig, p->ip, e->origlen);
	qe->slot = slot;
	qe->len = p->l4len;
	memcpy(qe->msg, p->l4, p->l4len);
	/* The seq is ours; echo_send() sets the id and the checksum. */
	put16(qe->msg + 6, e->seq);
	if (fl->so != NULL) {
		echo_send(s, fl, qe);
		free(qe);
		return;
	}
	TAILQ_INSERT_TAIL(&fl->q, qe, entry);
	fl->nq++;
}

static int
icmp_valid(const uint8_t *m, size_t len)
{
	if (len < 8 || in_cksum(m, len) != 0)
		return 0;
	switch (m[0]) {
	case ICMP_ECHOREPLY:
	case ICMP_ECHO:
	case 13: case 14: case 15: case 16: case 17: case 18:
		return m[1] == 0;
	case ICMP_UNREACH:
		return m[1] <= 15;
	case ICMP_TIMXCEED:
		return m[1] <= 1;
	case 4: case 5: case 12:
		return 1;
	default:
		return 0;
	}
}

void
icmp_input(struct stack *s, const struct ip_pkt *p)
{
	uint32_t last;

	s->st.icmp_in++;
	if (!icmp_valid(p->l4, p->l4len)) {
		s->st.icmp_bad++;
		return;
	}
	/* Only echo requests need an answer; the rest is information. */
	if (p->l4[0] != ICMP_ECHO)
		return;
	if (!stack_is_special(s, p->dst)) {
		echo_host(s, p);
		return;
	}
	last = ntohl(p->dst) & ~ntohl(s->cfg.netmask);
	if ((last == SPECIAL_HOST && s->cfg.host_alias) ||
	    last == SPECIAL_DNS)
		echo_local(s, p);
	else
		icmp_error(s, p->ip, p->iplen, ICMP_UNREACH,
		    last == SPECIAL_HOST ? 13 : 1);
}

void
icmp_timers(struct stack *s)
{
	struct icmp_flow *fl, *next;
	int i;

	for (i = 0; i < ECHO_MAX; i++)
		if (s->icmp->echo[i].fl != NULL &&
		    s->icmp->echo[i].expire <= s->now) {
			s->icmp->echo[i].fl = NULL;
			s->st.icmp_timeout++;
		}
	for (fl = TAILQ_FIRST(&s->icmp->flows); fl != NULL; fl = next) {
		next = TAILQ_NEXT(fl, entry);
		if (fl->expire <= s->now)
			flow_free(s, fl);
	}
}

int64_t
icmp_next_timer(const struct stack *s)
{
	const struct icmp_flow *fl;
	uint64_t t = UINT64_MAX;
	int i;

	for (i = 0; i < ECHO_MAX; i++)
		if (s->icmp->echo[i].fl != NULL && s->icmp->echo[i].expire < t)
			t = s->icmp->echo[i].expire;
	TAILQ_FOREACH(fl, &s->icmp->flows, entry)
		if (fl->expire < t)
			t = fl->expire;
	if (t == UINT64_MAX)
		return -1;
	return t <= s->now ? 0 : (int64_t)(t - s->now);
}
