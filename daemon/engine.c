/*
 * The engine ("slirpd -P engine"): one per session.  It receives its
 * configuration and its first line from the parent, confines itself
 * (sandbox.c) and then only moves bytes: SLIP frames from the units
 * into the stack, the stack's datagrams back to the units, and the
 * host sockets the parent made for it.  Everything it does after
 * sandboxing must be in the seccomp allowlist; the "syscall:" comments
 * say which call needs what.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "client_imsg.h"
#include "engine.h"
#include "engine_imsg.h"
#include "imsg.h"
#include "log.h"
#include "sandbox.h"
#include "stack.h"
#include "ppp.h"
#include "unit.h"

/* Descriptors besides the stack's: stdio, the channel, the units. */
#define MAX_DNS		4	/* stack_config.dns_upstream[] */
#define ENGINE_FDSLACK	(4 + ENGINE_MAXUNITS + 16)

struct engine {
	struct imsgbuf	 ibuf;
	struct engine_config cfg;
	int		 have_cfg;
	struct unit_head units;
	unsigned int	 nunits;
	struct stack	*stack;
	uint64_t	 now;
	struct pollfd	*pfd;
	size_t		 npfd;
	struct ppp_config ppp;		/* when cfg.ppp */
	int		 have_ppp;
};

static struct engine	 eng;

__attribute__((noreturn)) static void engine_end(uint32_t);

static uint64_t
engine_clock(void)
{
	struct timespec ts;

	/* syscall: clock_gettime (vDSO normally) */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("%s", __func__);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Tell the parent why, then go.  exit(0): the parent reads the reason. */
static void
engine_end(uint32_t reason)
{
	struct engine_ended ee = { .reason = reason };
	struct unit *u;

	log_debug("%s: session %u ends (%u)", __func__, eng.cfg.sessid,
	    reason);
	/* The last frames (a Terminate-Ack) still go, if the line takes them. */
	TAILQ_FOREACH(u, &eng.units, entry)
		(void)unit_flush(u);	/* syscall: write */
	/* syscall: sendmsg, poll (imsg_flush) */
	if (imsg_compose(&eng.ibuf, IMSG_ENG_ENDED, eng.cfg.sessid, 0, -1,
	    &ee, sizeof(ee)) != -1)
		(void)imsg_flush(&eng.ibuf);
	/* syscall: exit_group */
	exit(0);
}

/* Stack output: one unit for now; the list is there for balancing. */
static int
engine_output(void *arg, const uint8_t *pkt, size_t len, int prio)
{
	struct unit *u = TAILQ_FIRST(&eng.units);

	if (u == NULL)
		return -1;
	return unit_enqueue(u, pkt, len, prio);
}

static size_t
engine_room(void *arg)
{
	struct unit *u = TAILQ_FIRST(&eng.units);

	return u == NULL ? 0 : unit_room(u);
}

static int
engine_sockreq(void *arg, uint32_t id, int proto, in_addr_t addr,
    in_port_t port)
{
	struct sock_req req;

	memset(&req, 0, sizeof(req));
	req.id = id;
	req.proto = proto;
	req.addr = addr;
	req.port = port;
	/* Written by the event loop (syscall: sendmsg). */
	return imsg_compose(&eng.ibuf, IMSG_SOCK_REQ, eng.cfg.sessid, 0, -1,
	    &req, sizeof(req)) == -1 ? -1 : 0;
}

static int
engine_hdr_compress(void *arg)
{
	struct unit *u = TAILQ_FIRST(&eng.units);

	return u != NULL && unit_hdr_compress(u);
}

static const struct stack_ops engine_ops = {
	.output = engine_output,
	.output_room = engine_room,
	.socket_request = engine_sockreq,
	.hdr_compress = engine_hdr_compress,
};

static void
engine_add_unit(const struct imsg *imsg)
{
	struct engine_unit eu;
	struct unit *u;
	int fd = imsg->fd, fl;

	if (imsg_get_len(imsg) != sizeof(eu) || fd == -1)
		fatalx("%s: bad UNIT", __func__);
	if (eng.nunits >= ENGINE_MAXUNITS)
		fatalx("%s: too many units", __func__);
	memcpy(&eu, imsg->data, sizeof(eu));
	/* syscall: fcntl (F_GETFL, F_SETFL) */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("%s: fcntl", __func__);
	if ((u = unit_new(fd, eu.mru, eu.baud)) == NULL)
		fatal("%s: unit_new", __func__);
	/* SLIP, CSLIP or autodetect (the parent checked the options). */
	if (!eng.cfg.ppp && (unit_set_vj_slots(u, eng.cfg.vj_slots) == -1 ||
	    unit_set_framing(u, eng.cfg.framing) == -1))
		fatalx("%s: bad framing %u or vj slots %u", __func__,
		    eng.cfg.framing, eng.cfg.vj_slots);
	/* A line added after the start talks PPP too (syscall: getrandom). */
	if (eng.have_ppp && unit_set_ppp(u, &eng.ppp, eng.now) == -1)
		fatal("%s: unit_set_ppp", __func__);
	TAILQ_INSERT_TAIL(&eng.units, u, entry);
	eng.nunits++;
}

#ifdef SLIRPD_TESTING
static void
engine_test_result(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
engine_test_result(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	imsg_compose(&eng.ibuf, IMSG_TEST_RESULT, eng.cfg.sessid, 0, -1,
	    buf, strlen(buf) + 1);
}

/* The test build's forbidden calls: each must kill us with SIGSYS. */
static void
engine_test_syscall(const struct imsg *imsg)
{
	struct test_syscall ts;
	struct sockaddr_in sin;
	struct msghdr msg;
	char *argv[] = { "/bin/true", NULL };
	int one = 1;

	if (imsg_get_len(imsg) != sizeof(ts))
		fatalx("%s: bad length", __func__);
	memcpy(&ts, imsg->data, sizeof(ts));
	log_info("%s: trying forbidden syscall %u", __func__, ts.which);
	switch (ts.which) {
	case TEST_SYSCALL_OPEN:
		(void)open("/", O_RDONLY);
		break;
	case TEST_SYSCALL_SOCKET:
		(void)socket(AF_INET, SOCK_STREAM, 0);
		break;
	case TEST_SYSCALL_EXECVE:
		(void)execve(argv[0], argv, argv + 1);
		break;
	case TEST_SYSCALL_SENDTO:
		/* Re-aim a socket we hold: the channel will do. */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(9);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		(void)sendto(ENGINE_CHANNEL_FD, "x", 1, 0,
		    (struct sockaddr *)&sin, sizeof(sin));
		break;
	case TEST_SYSCALL_SENDMSG:
		memset(&msg, 0, sizeof(msg));
		(void)sendmsg(ENGINE_CHANNEL_FD + 1, &msg, 0);
		break;
	case TEST_SYSCALL_MMAPX:
		(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case TEST_SYSCALL_SOCKOPT:
		(void)setsockopt(ENGINE_CHANNEL_FD, IPPROTO_IP, IP_TTL, &one,
		    sizeof(one));
		break;
	}
	engine_test_result("forbidden syscall %u survived", ts.which);
}

/*
 * Requests without end and no reading of the replies: the parent must
 * stop reading us rather than queue replies without bound.
 */
static void
engine_test_flood(const struct imsg *imsg)
{
	int i;

	if (imsg_get_len(imsg) != sizeof(struct sock_req))
		fatalx("%s: bad length", __func__);
	for (i = 0; i < TEST_FLOOD_COUNT; i++)
		if (imsg_compose(&eng.ibuf, IMSG_SOCK_REQ, eng.cfg.sessid, 0,
		    -1, imsg->data, sizeof(struct sock_req)) == -1)
			fatal("%s: compose", __func__);
	log_info("%s: flooding", __func__);
	/* syscall: sendmsg, poll (imsg_flush; blocks once the parent stops) */
	(void)imsg_flush(&eng.ibuf);
	/* syscall: poll (no fds: a ten minute sleep) */
	(void)poll(NULL, 0, 600 * 1000);
}

/* Talk to an exec target through the fd the exec helper made. */
static void
engine_test_exec(const struct imsg *imsg)
{
	struct eng_exec_reply rep;
	struct pollfd pfd;
	char buf[64];
	const char msg[] = "slirpd exec test\n";
	ssize_t n;
	size_t got = 0;

	if (imsg_get_len(imsg) != sizeof(rep))
		fatalx("%s: bad length", __func__);
	memcpy(&rep, imsg->data, sizeof(rep));
	if (rep.error != 0 || imsg->fd == -1) {
		engine_test_result("exec: error %s", strerror(rep.error));
		return;
	}
	if (write(imsg->fd, msg, sizeof(msg) - 1) != sizeof(msg) - 1) {
		engine_test_result("exec: write failed");
		return;
	}
	pfd.fd = imsg->fd;
	pfd.events = POLLIN;
	while (got < sizeof(msg) - 1 && poll(&pfd, 1, 5000) == 1) {
		if ((n = read(imsg->fd, buf + got, sizeof(buf) - got)) <= 0)
			break;
		got += n;
	}
	engine_test_result("exec: echoed %s",
	    got == sizeof(msg) - 1 && memcmp(buf, msg, got) == 0 ?
	    "ok" : "wrong");
}
#endif

/* What PPP peers sent to authenticate goes to the parent to check. */
static void
engine_auth_poll(void)
{
	struct eng_auth_req ar;
	struct unit *u;
	uint32_t i = 0;

	TAILQ_FOREACH(u, &eng.units, entry) {
		memset(&ar, 0, sizeof(ar));
		ar.unit = i++;
		if (u->ppp == NULL || !ppp_auth_take(u->ppp, &ar.r))
			continue;
		/* Written by the event loop (syscall: sendmsg). */
		if (imsg_compose(&eng.ibuf, IMSG_ENG_AUTH_REQ, eng.cfg.sessid,
		    0, -1, &ar, sizeof(ar)) == -1)
			log_warn("%s: compose", __func__);
		explicit_bzero(&ar, sizeof(ar));
	}
}

static void
engine_auth_reply(const struct imsg *imsg)
{
	struct eng_auth_reply rep;
	struct unit *u;
	uint32_t i = 0;

	if (imsg_get_len(imsg) != sizeof(rep))
		fatalx("%s: bad AUTH_REPLY", __func__);
	memcpy(&rep, imsg->data, sizeof(rep));
	TAILQ_FOREACH(u, &eng.units, entry)
		if (i++ == rep.unit && u->ppp != NULL)
			ppp_auth_result(u->ppp, rep.seq, rep.ok == 1, eng.now);
}

/* slirpctl(8) asked the parent for our counters. */
static void
engine_stats(const struct imsg *imsg)
{
	struct engine_stats es;
	struct unit *u;

	if (imsg_get_len(imsg) != 0 || eng.stack == NULL)
		fatalx("%s: bad STATS_REQ", __func__);
	memset(&es, 0, sizeof(es));
	es.sessid = eng.cfg.sessid;
	es.stack = *stack_stats(eng.stack);
	TAILQ_FOREACH(u, &eng.units, entry)
		if (es.nunits < ENGINE_MAXUNITS)
			es.unit[es.nunits++] = *unit_stats(u);
	/* Written by the event loop (syscall: sendmsg). */
	(void)imsg_compose(&eng.ibuf, IMSG_ENG_STATS, eng.cfg.sessid, 0, -1,
	    &es, sizeof(es));
}

/* One message from the parent (trusted, but still checked). */
static void
engine_dispatch_one(struct imsg *imsg)
{
	struct sock_reply rep;
	int fl;
#ifdef SLIRPD_TESTING
	struct eng_exec_req er;
#endif

	switch (imsg->hdr.type) {
	case IMSG_SOCK_REPLY:
		if (imsg_get_len(imsg) != sizeof(rep) || eng.stack == NULL)
			fatalx("%s: bad SOCK_REPLY", __func__);
		memcpy(&rep, imsg->data, sizeof(rep));
		if ((rep.error == 0) != (imsg->fd != -1))
			fatalx("%s: SOCK_REPLY without fd", __func__);
#ifdef SLIRPD_TESTING
		if (rep.id == TEST_SOCK_ID) {
			engine_test_result("sock: %s", rep.error == 0 ?
			    "ok" : strerror(rep.error));
			break;	/* the caller closes the fd */
		}
#endif
		/* The stack never blocks (syscall: fcntl F_GETFL/F_SETFL). */
		if (imsg->fd != -1 && ((fl = fcntl(imsg->fd, F_GETFL)) == -1 ||
		    fcntl(imsg->fd, F_SETFL, fl | O_NONBLOCK) == -1))
			fatal("%s: fcntl", __func__);
		stack_socket_reply(eng.stack, rep.id, imsg->fd, rep.error);
		imsg->fd = -1;	/* the stack owns it now */
		break;
	case IMSG_ENG_UNIT:
		engine_add_unit(imsg);
		imsg->fd = -1;
		break;
	case IMSG_ENG_EXIT:
		engine_end(ENDED_NORMAL);
	case IMSG_ENG_STATS_REQ:
		engine_stats(imsg);
		break;
	case IMSG_ENG_AUTH_REPLY:
		engine_auth_reply(imsg);
		break;
#ifdef SLIRPD_TESTING
	case IMSG_TEST_SYSCALL:
		engine_test_syscall(imsg);
		break;
	case IMSG_TEST_MALFORMED:
		/* A SOCK_REQ three bytes long: the parent must kill us. */
		imsg_compose(&eng.ibuf, IMSG_SOCK_REQ, eng.cfg.sessid, 0, -1,
		    "bad", 3);
		break;
	case IMSG_TEST_SOCK:
		if (imsg_get_len(imsg) != sizeof(struct sock_req))
			fatalx("%s: bad TEST_SOCK", __func__);
		imsg_compose(&eng.ibuf, IMSG_SOCK_REQ, eng.cfg.sessid, 0, -1,
		    imsg->data, sizeof(struct sock_req));
		break;
	case IMSG_TEST_EXEC:
		if (imsg_get_len(imsg) != sizeof(er))
			fatalx("%s: bad TEST_EXEC", __func__);
		memcpy(&er, imsg->data, sizeof(er));
		imsg_compose(&eng.ibuf, IMSG_ENG_EXEC_REQ, eng.cfg.sessid, 0,
		    -1, &er, sizeof(er));
		break;
	case IMSG_ENG_EXEC_REPLY:
		engine_test_exec(imsg);
		break;
	case IMSG_TEST_FLOOD:
		engine_test_flood(imsg);
		break;
	case IMSG_TEST_STALL:
		/*
		 * An engine that stops reading its channel (regress/proc
		 * sigterm_stalled): the parent must not wait for it.
		 */
		log_info("%s: stalling", __func__);
		/* syscall: poll (no fds: a ten minute sleep) */
		(void)poll(NULL, 0, 600 * 1000);
		break;
#else
	case IMSG_ENG_EXEC_REPLY:
		/* Nothing asks for exec targets yet ("add exec" is later). */
		break;
#endif
	default:
		fatalx("%s: unexpected message %u", __func__, imsg->hdr.type);
	}
}

static void
engine_dispatch(void)
{
	struct imsg imsg;
	ssize_t n;

	/* syscall: recvmsg (imsg_read, with the fds the parent passes) */
	if ((n = imsg_read(&eng.ibuf)) == -1 && errno == EAGAIN)
		return;
	if (n == -1)
		fatal("%s: read", __func__);
	if (n == 0) {
		/* The parent is gone: so is everything we could do. */
		exit(0);
	}
	for (;;) {
		if ((n = imsg_get(&eng.ibuf, &imsg)) == -1)
			fatalx("%s: bad message from the parent", __func__);
		if (n == 0)
			break;
		engine_dispatch_one(&imsg);
		if (imsg.fd != -1)
			close(imsg.fd);	/* syscall: close */
		imsg_free(&imsg);
	}
}

/* Before the sandbox: CONFIG, UNITs, then START. */
static void
engine_setup(void)
{
	struct pollfd pfd = { .fd = ENGINE_CHANNEL_FD, .events = POLLIN };
	struct imsg imsg;
	ssize_t n;

	for (;;) {
		if ((n = imsg_get(&eng.ibuf, &imsg)) == -1)
			fatalx("%s: bad message", __func__);
		if (n == 0) {
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				fatal("%s: poll", __func__);
			if ((n = imsg_read(&eng.ibuf)) == 0)
				exit(0);
			if (n == -1 && errno != EAGAIN && errno != EINTR)
				fatal("%s: read", __func__);
			continue;
		}
		switch (imsg.hdr.type) {
		case IMSG_ENG_CONFIG:
			if (imsg_get_len(&imsg) != sizeof(eng.cfg) ||
			    eng.have_cfg)
				fatalx("%s: bad CONFIG", __func__);
			memcpy(&eng.cfg, imsg.data, sizeof(eng.cfg));
			eng.cfg.chroot[sizeof(eng.cfg.chroot) - 1] = '\0';
			eng.cfg.user[sizeof(eng.cfg.user) - 1] = '\0';
			eng.cfg.tty[sizeof(eng.cfg.tty) - 1] = '\0';
			eng.cfg.authname[sizeof(eng.cfg.authname) - 1] = '\0';
			eng.have_cfg = 1;
			break;
		case IMSG_ENG_UNIT:
			engine_add_unit(&imsg);
			imsg.fd = -1;
			break;
		case IMSG_ENG_START:
			if (!eng.have_cfg || eng.nunits == 0)
				fatalx("%s: START too early", __func__);
			imsg_free(&imsg);
			return;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg.hdr.type);
		}
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg_free(&imsg);
	}
}

/* The session's PPP options; the parent bounded them, bound them again. */
static void
engine_ppp_opts(struct ppp_config *pc, const struct ppp_opts *o)
{
	unsigned int i;

	if (eng.cfg.mru >= PPP_MRU_MIN && eng.cfg.mru <= PPP_MRU_DEFAULT)
		pc->mru = eng.cfg.mru;
	if (o->has_asyncmap)
		pc->asyncmap = o->asyncmap;
	for (i = 0; i < 8; i++)
		pc->escape.bits[i] = o->escape[i];
	pc->no_pfc = o->no_pfc != 0;
	/* +pap, +chap: the parent verifies, we only ask (ppp_auth.c). */
	pc->auth.allow = o->auth & (PPP_AUTH_PAP | PPP_AUTH_CHAP);
	strlcpy(pc->auth.ourname, eng.cfg.authname, sizeof(pc->auth.ourname));
	if (o->pap_timeout <= PPP_OPTS_AUTH_TMAX)
		pc->auth.pap_timeout = o->pap_timeout;
	if (o->chap_restart <= PPP_OPTS_AUTH_TMAX)
		pc->auth.chap_restart = o->chap_restart;
	if (o->chap_max <= PPP_OPTS_COUNT_MAX)
		pc->auth.chap_max = o->chap_max;
	if (o->chap_interval <= PPP_OPTS_CHAPI_MAX)
		pc->auth.chap_interval = o->chap_interval;
	pc->no_acfc = o->no_acfc != 0;
	if (o->echo_interval <= PPP_OPTS_ECHO_MAX)
		pc->echo_interval = o->echo_interval;
	if (o->echo_failure > 0 && o->echo_failure <= PPP_OPTS_COUNT_MAX)
		pc->echo_failure = o->echo_failure;
	if (o->restart > 0 && o->restart <= PPP_OPTS_RESTART_MAX)
		pc->restart_ms = o->restart * 1000;
	if (o->max_configure > 0 && o->max_configure <= PPP_OPTS_COUNT_MAX)
		pc->max_configure = o->max_configure;
	if (o->max_terminate > 0 && o->max_terminate <= PPP_OPTS_COUNT_MAX)
		pc->max_terminate = o->max_terminate;
	if (o->max_failure > 0 && o->max_failure <= PPP_OPTS_COUNT_MAX)
		pc->max_failure = o->max_failure;
}

/* PPP units: the host is .2, the guest gets its address, DNS is .3. */
static void
engine_ppp(const struct stack_config *sc)
{
	struct ppp_config *pc = &eng.ppp;
	struct unit *u;

	ppp_default_config(pc);
	pc->our_addr = sc->special_addr | htonl(2);
	pc->peer_addr = sc->guest_addr;
	pc->dns_addr = sc->special_addr | htonl(3);
	engine_ppp_opts(pc, &eng.cfg.pppo);
	/* -vj / nocompress: no VJ in IPCP; vj-max-slots: its slots. */
	pc->vj = eng.cfg.framing != UNIT_SLIP;
	if (eng.cfg.vj_slots != 0)
		pc->vj_slots = eng.cfg.vj_slots;
	eng.have_ppp = 1;
	TAILQ_FOREACH(u, &eng.units, entry)
		if (unit_set_ppp(u, pc, eng.now) == -1)
			fatal("%s: unit_set_ppp", __func__);
}

static void
engine_stack(void)
{
	struct stack_config sc;
	struct engine_config *c = &eng.cfg;
	struct rlimit rl;
	uint32_t i;

	stack_default_config(&sc);
	if (c->special_addr != 0)
		sc.special_addr = c->special_addr;
	if (c->guest_addr != 0)
		sc.guest_addr = c->guest_addr;
	if (c->mtu != 0)
		sc.mtu = c->mtu;
	if (c->mru != 0)
		sc.mru = c->mru;
	sc.keepalive = c->keepalive;
	sc.host_alias = c->host_alias != 0;
	sc.host_alias_addr = htonl(INADDR_LOOPBACK);
	if (c->dns_addr != 0) {
		/* "dns ADDR": the user's upstream (still under policy). */
		sc.dns_upstream[0] = c->dns_addr;
		sc.dns_upstream_port[0] = htons(53);
		sc.ndns = 1;
	} else {
		for (i = 0; i < c->nresolvers && i < 4; i++) {
			sc.dns_upstream[i] = c->res_addr[i];
			sc.dns_upstream_port[i] = c->res_port[i];
		}
		sc.ndns = i;
	}
	if ((eng.stack = stack_new(&sc, &engine_ops, NULL, eng.now)) == NULL)
		fatal("%s: stack_new", __func__);
	if (c->ppp)
		engine_ppp(&sc);
	/* One slot per flow the stack may have, and ours. */
	eng.npfd = sc.max_flows + MAX_DNS + ENGINE_FDSLACK;
	if ((eng.pfd = calloc(eng.npfd, sizeof(*eng.pfd))) == NULL)
		fatal("%s", __func__);
	/*
	 * Every flow holds a socket; recvmsg(2) drops an fd that does not
	 * fit under the limit, which would break the channel.
	 */
	rl.rlim_cur = rl.rlim_max = eng.npfd;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("%s: setrlimit", __func__);
}

static void
engine_deliver(void *arg, const uint8_t *pkt, size_t len)
{
	stack_input(eng.stack, pkt, len);
}

/*
 * Write what the line takes; when its queue drains, TCP may send, and
 * what it sends goes out now unless the line is already full.
 */
static void
engine_flush(struct unit *u)
{
	size_t room;

	do {
		room = unit_room(u);
		/* syscall: write (unit_flush) */
		if (unit_flush(u) == -1)
			engine_end(ENDED_HANGUP);
		if (unit_room(u) <= room)
			break;
		stack_kick(eng.stack);
	} while (!unit_blocked(u) && unit_want_write(u));
}

static void
engine_unit_event(struct unit *u, short revents)
{
	int rv;

	/*
	 * POLLOUT needs nothing here: the loop writes once per round, after
	 * the line and the sockets were read, so that one write(2) carries
	 * everything this round produced (a pty takes a few KB per wakeup;
	 * a write per event would double the writes and their wakeups).
	 */
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	/* syscall: read (unit_input) */
	rv = unit_input(u, eng.now, engine_deliver, NULL);
	switch (rv) {
	case UNIT_EOF:
	case UNIT_ERR:
		engine_end(ENDED_HANGUP);
	case UNIT_ZEROS:
		engine_end(ENDED_NORMAL);
	case UNIT_ONES:
		/* Detaching needs link resumption, which is not there yet. */
		log_info("%s: session %u: detach is not supported yet",
		    __func__, eng.cfg.sessid);
		break;
	}
}

static void
engine_loop(void)
{
	struct unit *u;
	size_t n, nu, ns, i;
	int64_t next;
	int timeout;

	for (;;) {
		eng.now = engine_clock();
		stack_set_time(eng.stack, eng.now);
		stack_timers(eng.stack);
		/* Write what the stack queued before sleeping. */
		TAILQ_FOREACH(u, &eng.units, entry) {
			if (unit_timers(u, eng.now) != UNIT_OK)
				engine_end(ENDED_HANGUP);
			if (unit_want_write(u))
				engine_flush(u);
		}
		engine_auth_poll();
		if (imsg_pending_write(&eng.ibuf) &&
		    imsg_write(&eng.ibuf) == 0)
			exit(0);

		n = 0;
		eng.pfd[n++] = (struct pollfd){ .fd = ENGINE_CHANNEL_FD,
		    .events = POLLIN |
		    (imsg_pending_write(&eng.ibuf) ? POLLOUT : 0) };
		TAILQ_FOREACH(u, &eng.units, entry)
			eng.pfd[n++] = (struct pollfd){ .fd = u->fd,
			    .events = POLLIN |
			    (unit_want_write(u) ? POLLOUT : 0) };
		nu = n - 1;
		ns = stack_pollfds(eng.stack, eng.pfd + n, eng.npfd - n);
		next = stack_next_timer(eng.stack);
		TAILQ_FOREACH(u, &eng.units, entry) {
			int64_t un = unit_next_timer(u, eng.now);

			if (un >= 0 && (next < 0 || un < next))
				next = un;
		}
		timeout = next < 0 ? -1 : next > 60000 ? 60000 : (int)next;
		/* syscall: poll */
		if (poll(eng.pfd, n + ns, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("%s: poll", __func__);
		}
		eng.now = engine_clock();
		stack_set_time(eng.stack, eng.now);
		if (eng.pfd[0].revents & POLLOUT &&
		    imsg_write(&eng.ibuf) != 1)
			exit(0);
		if (eng.pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			engine_dispatch();
		i = 1;
		TAILQ_FOREACH(u, &eng.units, entry) {
			if (i > nu)
				break;
			if (eng.pfd[i].revents)
				engine_unit_event(u, eng.pfd[i].revents);
			i++;
		}
		stack_pollevents(eng.stack, eng.pfd + 1 + nu, ns);
	}
}

int
engine_main(int debug, int verbose)
{
	/* stderr: the parent's, or a pipe to it (proc_stderr()). */
	log_init(1, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("engine");
	/* A vanished socket peer is an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	TAILQ_INIT(&eng.units);
	imsg_init(&eng.ibuf, ENGINE_CHANNEL_FD);

	engine_setup();
	setproctitle("engine [%s %s]", eng.cfg.user, eng.cfg.tty);
	eng.now = engine_clock();
	/* Allocate what we can before the sandbox closes. */
	engine_stack();
	if (sandbox_engine(eng.cfg.uid, eng.cfg.gid, eng.cfg.chroot) == -1)
		fatalx("%s: cannot sandbox the engine", __func__);
	log_debug("%s: session %u sandboxed", __func__, eng.cfg.sessid);
	if (imsg_compose(&eng.ibuf, IMSG_ENG_READY, eng.cfg.sessid, 0, -1,
	    NULL, 0) == -1 || imsg_flush(&eng.ibuf) == -1)
		fatal("%s: ready", __func__);
	engine_loop();
	return 0;
}
