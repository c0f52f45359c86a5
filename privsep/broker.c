/*
 * The socket broker: engines cannot create sockets (seccomp), so they
 * ask the parent, which checks the session user's policy, creates the
 * socket as root, starts a non-blocking connect and passes the fd.
 * The policy is looked up by user on every request, so a SIGHUP reload
 * applies to running sessions too.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/icmp.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine_imsg.h"
#include "log.h"
#include "parent.h"

/*
 * ICMP echo for the engine.  A ping socket (SOCK_DGRAM) first: the
 * kernel lets it send echo requests only, writes the echo id itself and
 * hands back only the replies to it.  It needs the host's
 * net.ipv4.ping_group_range to include gid 0, which Debian's default
 * ("1 0") does not; then socket() fails with EACCES and we fall back to
 * a raw ICMP socket (we are root, with CAP_NET_RAW).  The engine reads
 * whole IP datagrams from it and must pick its own id; the filter below
 * keeps everything but echo replies out of its queue.  The
 * sandbox lets the engine set SOL_SOCKET options only, so it cannot
 * turn on IP_HDRINCL or change the filter (sandbox.c).
 */
static int
broker_raw_icmp(void)
{
	static int told;
	struct icmp_filter filt;
	int fd, saved;

	if (!told) {
		log_info("%s: no ping sockets for gid 0 "
		    "(net.ipv4.ping_group_range): raw ICMP sockets", __func__);
		told = 1;
	}

	if ((fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP)) == -1)
		return -1;
	/*
	 * A set bit drops that type: echo replies only.  Errors about our
	 * echoes come through the error queue (IP_RECVERR, below), with
	 * the other ICMP sockets'.
	 */
	filt.data = ~(1U << ICMP_ECHOREPLY);
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Returns a connected (or connecting) socket, or -1 with errno set. */
int
broker_socket(int proto, in_addr_t addr, in_port_t port)
{
	struct sockaddr_in sin;
	int fd, type, saved;

	switch (proto) {
	case IPPROTO_TCP:
		type = SOCK_STREAM;
		break;
	case IPPROTO_UDP:
		type = SOCK_DGRAM;
		break;
	case IPPROTO_ICMP:
		type = SOCK_DGRAM;
		port = 0;
		break;
	default:
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if ((fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    proto)) == -1 && (proto != IPPROTO_ICMP || errno != EACCES ||
	    (fd = broker_raw_icmp()) == -1))
		return -1;
	/*
	 * Without IP_RECVERR the kernel reports only "hard" ICMP errors
	 * on an ICMP socket, never host or net unreachable; with it the
	 * engine reads each from the error queue, with type, code and the
	 * echo it was about (icmp.c).
	 */
	if (proto == IPPROTO_ICMP && setsockopt(fd, IPPROTO_IP, IP_RECVERR,
	    &(int){ 1 }, sizeof(int)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	sin.sin_port = port;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Addresses no policy rule can open: 0.0.0.0/8 and 127.0.0.0/8 (this
 * host, reached only through the host alias, so never when the policy
 * turns it off), multicast and broadcast.
 */
static int
broker_martian(const struct policy *pol, in_addr_t addr)
{
	uint32_t a = ntohl(addr);

	if ((a >> 24) == 0 || (a >> 24) == 127)
		return pol->host_alias == HOST_ALIAS_NONE;
	return (a >> 28) == 0xe || a == 0xffffffffu;
}

/*
 * The configured resolvers are the DNS relay's upstreams: the
 * administrator chose them, so no user policy stands between.
 */
static int
broker_resolver(int proto, in_addr_t addr, in_port_t port)
{
	struct slirpd_conf *conf = penv->conf;
	int i;

	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return 0;
	for (i = 0; i < conf->nresolvers && i < MAX_RESOLVERS; i++)
		if (conf->resolvers[i].addr == addr &&
		    conf->resolvers[i].port == port)
			return 1;
	return 0;
}

static const char *
proto_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:	return "tcp";
	case IPPROTO_UDP:	return "udp";
	case IPPROTO_ICMP:	return "icmp";
	}
	return "?";
}

/*
 * A guest can make denied requests as fast as it likes: the first
 * BROKER_DENY_LOGGED are logged one by one, then one line a minute
 * counts the rest (and session_free the remainder).  Returns 1 when
 * this denial is to be logged itself.
 */
int
broker_log_denial(struct session *s)
{
	uint64_t now = parent_now();

	if (s->denials_logged < BROKER_DENY_LOGGED) {
		if (++s->denials_logged == BROKER_DENY_LOGGED)
			s->denials_next = now + BROKER_DENY_INTERVAL;
		return 1;
	}
	s->denials_suppressed++;
	if (now >= s->denials_next) {
		broker_denials_summary(s);
		s->denials_next = now + BROKER_DENY_INTERVAL;
	}
	return 0;
}

/* The denials not logged one by one, as one line. */
void
broker_denials_summary(struct session *s)
{
	if (s->denials_suppressed == 0)
		return;
	log_info("%s: session %u: %u more requests denied by policy "
	    "(not logged each)", __func__, s->id, s->denials_suppressed);
	s->denials_suppressed = 0;
}

int
broker_request(struct session *s, struct child *c, const void *data,
    size_t len)
{
	struct sock_req req;
	struct sock_reply rep;
	struct policy *pol;
	char abuf[INET_ADDRSTRLEN];
	int fd = -1;

	if (len != sizeof(req))
		return -1;
	memcpy(&req, data, sizeof(req));
	if (req.proto != IPPROTO_TCP && req.proto != IPPROTO_UDP &&
	    req.proto != IPPROTO_ICMP)
		return -1;
	inet_ntop(AF_INET, &req.addr, abuf, sizeof(abuf));
	rep.id = req.id;
	rep.error = 0;
	pol = policy_for_user(penv->conf, s->user);
	/*
	 * The parent stops reading an engine whose queue is at the bound
	 * (parent_fill), so this only refuses the rest of one read's
	 * worth of requests: the queue stays within a read buffer of it.
	 */
	if (imsg_queued(&c->ibuf) >= CHILD_MAXQUEUED) {
		rep.error = EAGAIN;
		log_debug("%s: session %u: engine not reading, request "
		    "refused", __func__, s->id);
	} else if (!broker_resolver(req.proto, req.addr, req.port) &&
	    (pol == NULL || broker_martian(pol, req.addr) ||
	    !policy_allows(pol, req.proto, req.addr, req.port))) {
		rep.error = EACCES;
		if (broker_log_denial(s))
			log_info("%s: session %u: %s to %s:%u denied by "
			    "policy", __func__, s->id, proto_name(req.proto),
			    abuf, ntohs(req.port));
	} else if ((fd = broker_socket(req.proto, req.addr, req.port)) ==
	    -1) {
		rep.error = errno;
		log_debug("%s: session %u: %s to %s:%u: %s", __func__, s->id,
		    proto_name(req.proto), abuf, ntohs(req.port),
		    strerror(errno));
	} else if (req.proto == IPPROTO_UDP &&
	    !broker_resolver(req.proto, req.addr, req.port) &&
	    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &(int){ 1 },
	    sizeof(int)) == -1) {
		/*
		 * The guest's UDP: host and net unreachable reach udp.c
		 * only through the error queue (the DNS relay's upstream
		 * sockets do without: dns.c reads no error queue).
		 */
		rep.error = errno;
		close(fd);
		fd = -1;
		log_warn("%s: session %u: IP_RECVERR", __func__, s->id);
	} else
		log_debug("%s: session %u: %s to %s:%u: fd passed", __func__,
		    s->id, proto_name(req.proto), abuf, ntohs(req.port));
	if (imsg_compose(&c->ibuf, IMSG_SOCK_REPLY, s->id, 0, fd, &rep,
	    sizeof(rep)) == -1) {
		if (fd != -1)
			close(fd);
		log_warn("%s: session %u", __func__, s->id);
		return 0;
	}
	if (imsg_write(&c->ibuf) == -1)
		log_warn("%s: session %u: write", __func__, s->id);
	return 0;
}
