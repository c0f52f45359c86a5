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
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine_imsg.h"
#include "log.h"
#include "parent.h"

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
		/*
		 * A ping socket: needs net.ipv4.ping_group_range to
		 * include gid 0 (slirpd.8).  The kernel writes the echo
		 * id itself, so the engine cannot spoof other flows.
		 */
		type = SOCK_DGRAM;
		port = 0;
		break;
	default:
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if ((fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    proto)) == -1)
		return -1;
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
	if (imsg_queued(&c->ibuf) >= CHILD_MAXQUEUED) {
		rep.error = EAGAIN;
		log_debug("session %u: engine not reading, request refused",
		    s->id);
	} else if (pol == NULL || !policy_allows(pol, req.proto, req.addr,
	    req.port)) {
		rep.error = EACCES;
		log_info("session %u: %s to %s:%u denied by policy", s->id,
		    proto_name(req.proto), abuf, ntohs(req.port));
	} else if ((fd = broker_socket(req.proto, req.addr, req.port)) ==
	    -1) {
		rep.error = errno;
		log_debug("session %u: %s to %s:%u: %s", s->id,
		    proto_name(req.proto), abuf, ntohs(req.port),
		    strerror(errno));
	} else
		log_debug("session %u: %s to %s:%u: fd passed", s->id,
		    proto_name(req.proto), abuf, ntohs(req.port));
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
