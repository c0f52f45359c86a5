/*
 * Stack core: creation, the fd registry and socket requests shared by
 * the protocol modules, and the poll/timer entry points the engine
 * drives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "stack_var.h"

void
stack_default_config(struct stack_config *c)
{
	memset(c, 0, sizeof(*c));
	c->special_addr = inet_addr("10.0.2.0");
	c->netmask = inet_addr("255.255.255.0");
	c->guest_addr = inet_addr("10.0.2.15");
	c->host_alias = 1;
	c->host_alias_addr = htonl(INADDR_LOOPBACK);
	c->mtu = 1500;
	c->mru = 1500;
	c->keepalive = 0;
	c->reasm_max = 256 * 1024;
	c->tcp_sndbuf = 128 * 1024;
	c->tcp_rcvbuf = 128 * 1024;
	c->max_flows = 1024;
	c->udp_idle = 60;
}

struct stack *
stack_new(const struct stack_config *cfg, const struct stack_ops *ops,
    void *arg, uint64_t now_ms)
{
	struct stack *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cfg = *cfg;
	s->ops = *ops;
	s->arg = arg;
	s->now = now_ms;
	s->next_reqid = 1;
	TAILQ_INIT(&s->socks);
	TAILQ_INIT(&s->dead_socks);
	TAILQ_INIT(&s->reqs);
	if (ip_init(s) == -1 || icmp_init(s) == -1 || udp_init(s) == -1 ||
	    tcp_init(s) == -1) {
		stack_free(s);
		return NULL;
	}
	return s;
}

static void
ssock_reap(struct stack *s)
{
	struct ssock *so;

	while ((so = TAILQ_FIRST(&s->dead_socks)) != NULL) {
		TAILQ_REMOVE(&s->dead_socks, so, entry);
		free(so);
	}
}

void
stack_free(struct stack *s)
{
	struct ssock *so;
	struct sreq *r;

	if (s == NULL)
		return;
	/* Modules close their own sockets; tolerate partly initialised ones. */
	if (s->tcp)
		tcp_free(s);
	if (s->udp)
		udp_free(s);
	if (s->icmp)
		icmp_free(s);
	if (s->ip)
		ip_free(s);
	while ((so = TAILQ_FIRST(&s->socks)) != NULL)
		ssock_del(s, so);
	ssock_reap(s);
	while ((r = TAILQ_FIRST(&s->reqs)) != NULL) {
		TAILQ_REMOVE(&s->reqs, r, entry);
		free(r);
	}
	free(s->pollmap);
	free(s);
}

void
stack_set_time(struct stack *s, uint64_t now_ms)
{
	if (now_ms > s->now)
		s->now = now_ms;
}

void
stack_input(struct stack *s, const uint8_t *pkt, size_t len)
{
	ip_input(s, pkt, len);
}

const struct stack_stats *
stack_stats(const struct stack *s)
{
	return &s->st;
}

struct ssock *
ssock_add(struct stack *s, int fd, short events, ssock_cb cb, void *ctx)
{
	struct ssock *so;

	if ((so = calloc(1, sizeof(*so))) == NULL)
		return NULL;
	so->fd = fd;
	so->events = events;
	so->cb = cb;
	so->ctx = ctx;
	TAILQ_INSERT_TAIL(&s->socks, so, entry);
	s->nsocks++;
	return so;
}

/*
 * Close and unlink; the memory lives until the current poll round ends
 * because the poll map may still point at it.
 */
void
ssock_del(struct stack *s, struct ssock *so)
{
	if (so == NULL || so->dead)
		return;
	if (so->fd != -1)
		close(so->fd);
	so->fd = -1;
	so->dead = 1;
	TAILQ_REMOVE(&s->socks, so, entry);
	TAILQ_INSERT_TAIL(&s->dead_socks, so, entry);
	s->nsocks--;
}

size_t
stack_pollfds(struct stack *s, struct pollfd *pfd, size_t max)
{
	struct ssock *so;
	size_t n = 0;

	ssock_reap(s);
	if (s->pollmap_size < max) {
		struct ssock **m;

		if ((m = reallocarray(s->pollmap, max, sizeof(*m))) == NULL)
			max = s->pollmap_size;
		else {
			s->pollmap = m;
			s->pollmap_size = max;
		}
	}
	TAILQ_FOREACH(so, &s->socks, entry) {
		if (n >= max)
			break;
		if (so->events == 0)
			continue;
		pfd[n].fd = so->fd;
		pfd[n].events = so->events;
		pfd[n].revents = 0;
		s->pollmap[n++] = so;
	}
	s->pollmap_len = n;
	return n;
}

void
stack_pollevents(struct stack *s, const struct pollfd *pfd, size_t n)
{
	size_t i;

	if (n > s->pollmap_len)
		n = s->pollmap_len;
	for (i = 0; i < n; i++) {
		struct ssock *so = s->pollmap[i];

		if (pfd[i].revents == 0 || so->dead || pfd[i].fd != so->fd)
			continue;
		so->cb(s, so, pfd[i].revents);
	}
	s->pollmap_len = 0;
	tcp_host_more(s);
	ssock_reap(s);
}

uint32_t
sreq_new(struct stack *s, int proto, in_addr_t addr, in_port_t port,
    sreq_cb cb, void *ctx)
{
	struct sreq *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return 0;
	r->id = s->next_reqid++;
	if (s->next_reqid == 0)
		s->next_reqid = 1;
	r->cb = cb;
	r->ctx = ctx;
	s->st.sock_req++;
	if (s->ops.socket_request(s->arg, r->id, proto, addr, port) == -1) {
		s->st.sock_fail++;
		free(r);
		return 0;
	}
	TAILQ_INSERT_TAIL(&s->reqs, r, entry);
	return r->id;
}

/* The flow died first; an fd that still arrives is closed on arrival. */
void
sreq_cancel(struct stack *s, uint32_t id)
{
	struct sreq *r;

	TAILQ_FOREACH(r, &s->reqs, entry)
		if (r->id == id) {
			r->cb = NULL;
			r->ctx = NULL;
			return;
		}
}

void
stack_socket_reply(struct stack *s, uint32_t id, int fd, int error)
{
	struct sreq *r;

	TAILQ_FOREACH(r, &s->reqs, entry)
		if (r->id == id)
			break;
	if (r == NULL) {
		/* Unknown or already answered: never trust the reply. */
		if (fd != -1)
			close(fd);
		return;
	}
	TAILQ_REMOVE(&s->reqs, r, entry);
	if (fd == -1)
		s->st.sock_fail++;
	if (r->cb == NULL) {
		if (fd != -1)
			close(fd);
	} else
		r->cb(s, r->ctx, fd, fd == -1 ? (error ? error : EIO) : 0);
	free(r);
}

void
stack_kick(struct stack *s)
{
	tcp_kick(s);
}

static int64_t
min_deadline(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

void
stack_timers(struct stack *s)
{
	ip_timers(s);
	icmp_timers(s);
	udp_timers(s);
	tcp_timers(s);
}

int64_t
stack_next_timer(const struct stack *s)
{
	int64_t t = -1;

	t = min_deadline(t, ip_next_timer(s));
	t = min_deadline(t, icmp_next_timer(s));
	t = min_deadline(t, udp_next_timer(s));
	t = min_deadline(t, tcp_next_timer(s));
	return t;
}

int
stack_is_special(const struct stack *s, in_addr_t a)
{
	return (a & s->cfg.netmask) == (s->cfg.special_addr & s->cfg.netmask);
}

/*
 * Where a guest's connection to addr goes on the host.  The special
 * network is not routed: .2 is the host itself (loopback) when the
 * policy allows the alias; .0, .1, .3 are served inside the engine.
 */
int
stack_host_addr(const struct stack *s, in_addr_t addr, in_addr_t *host)
{
	/* The host's loopback named directly: no more than .2 may reach. */
	if ((ntohl(addr) >> 24) == 127 && !s->cfg.host_alias)
		return -1;
	if (!stack_is_special(s, addr)) {
		*host = addr;
		return 0;
	}
	if ((ntohl(addr) & 0xff) == SPECIAL_HOST && s->cfg.host_alias) {
		*host = s->cfg.host_alias_addr;
		return 0;
	}
	return -1;
}

/*
 * Interactive first, as Slirp's fast queue did: small segments and
 * well-known interactive ports jump the bulk queue.
 */
int
stack_output_prio(uint8_t proto, in_port_t sport, in_port_t dport,
    size_t len)
{
	uint16_t sp = ntohs(sport), dp = ntohs(dport);

	if (proto == IPPROTO_ICMP)
		return STACK_PRIO_INTERACTIVE;
	if (proto == IPPROTO_UDP && (sp == 53 || dp == 53))
		return STACK_PRIO_INTERACTIVE;
	if (sp == 22 || dp == 22 || sp == 23 || dp == 23 || sp == 513 ||
	    dp == 513 || sp == 543 || dp == 543)
		return STACK_PRIO_INTERACTIVE;
	if (len <= 128)
		return STACK_PRIO_INTERACTIVE;
	return STACK_PRIO_BULK;
}
