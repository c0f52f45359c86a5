/*
 * A session: one client's guest network, its engine and (when it has
 * exec targets) its exec helper.  Messages from children are untrusted:
 * each type has one exact payload size, and anything else kills the
 * child that sent it.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "auth_imsg.h"
#include "client_imsg.h"
#include "control.h"
#include "engine_imsg.h"
#include "exec_imsg.h"
#include "log.h"
#include "parent.h"
#include "unit.h"

#ifdef SLIRPD_TESTING
/* The test build's one exec target: echoes what it is sent. */
#define TEST_EXEC_TARGET	1
#define TEST_EXEC_CMD		"/bin/cat"
#endif

/* Returns 1 when dir has no entries but . and .., else 0 (logged). */
static int
session_chroot_empty(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(dir)) == NULL) {
		log_warn("%s: %s", __func__, dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		log_warnx("%s: chroot %s is not empty (it holds %s): an "
		    "engine must find nothing in its root", __func__, dir,
		    de->d_name);
		empty = 0;
		break;
	}
	closedir(d);
	return empty;
}

static void	 session_exec_fail(struct session *, uint32_t, int);

/* The chroot for engines: created empty and root's if missing. */
static int
session_chroot(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("%s: mkdir %s", __func__, dir);
		return -1;
	}
	if (stat(dir, &st) == -1) {
		log_warn("%s: %s", __func__, dir);
		return -1;
	}
	/* An engine must not be able to plant anything in its root. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("%s: %s must be a directory owned by root and "
		    "writable only by it", __func__, dir);
		return -1;
	}
	/* "/" or a home directory would hand the engine a filesystem. */
	if (!session_chroot_empty(dir))
		return -1;
	return 0;
}

static int
session_engine_config(struct session *s, struct engine_config *ec)
{
	struct slirpd_conf *conf = penv->conf;
	struct policy *pol;
	struct passwd *pw;
	int i;

	if ((pw = getpwnam(conf->engine_user)) == NULL) {
		log_warnx("%s: engine user %s does not exist", __func__,
		    conf->engine_user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_warnx("%s: engine user %s must not be root", __func__,
		    conf->engine_user);
		return -1;
	}
	if (session_chroot(conf->chroot_dir) == -1)
		return -1;
	memset(ec, 0, sizeof(*ec));
	ec->sessid = s->id;
	ec->uid = pw->pw_uid;
	ec->gid = pw->pw_gid;
	strlcpy(ec->user, s->user, sizeof(ec->user));
	strlcpy(ec->tty, s->tty, sizeof(ec->tty));
	/* CHAP's Name, and the server field of chap-secrets lines. */
	if (gethostname(s->authname, sizeof(s->authname)) == -1 ||
	    s->authname[0] == '\0')
		strlcpy(s->authname, "slirpd", sizeof(s->authname));
	s->authname[sizeof(s->authname) - 1] = '\0';
	strlcpy(ec->authname, s->authname, sizeof(ec->authname));
	strlcpy(ec->chroot, conf->chroot_dir, sizeof(ec->chroot));
	ec->mtu = s->opts.mtu;
	ec->mru = s->opts.mru;
	ec->baud = s->opts.baud;
	ec->keepalive = s->opts.keepalive;
	ec->ppp = s->opts.ppp;
	ec->framing = s->opts.compress > 0 ? UNIT_CSLIP :
	    s->opts.compress < 0 ? UNIT_SLIP : UNIT_SLIP_AUTO;
	ec->vj_slots = s->opts.vj_slots;
	ec->pppo = s->opts.pppo;
	ec->special_addr = s->opts.special_addr;
	ec->guest_addr = s->opts.guest_addr;
	ec->dns_addr = s->opts.dns_addr;
	pol = policy_for_user(conf, s->user);
	ec->host_alias = pol != NULL && pol->host_alias == HOST_ALIAS_LOOPBACK;
	for (i = 0; i < conf->nresolvers && i < 4; i++) {
		ec->res_addr[i] = conf->resolvers[i].addr;
		ec->res_port[i] = conf->resolvers[i].port;
	}
	ec->nresolvers = i;
	return 0;
}

/* The exec helper: only for a real user, never for root. */
static void
session_start_exec(struct session *s)
{
	struct exec_init ei;
	struct passwd *pw;
#ifdef SLIRPD_TESTING
	struct exec_target et;
#endif

	if (s->uid == 0) {
		log_info("%s: session %u: no exec helper for root", __func__,
		    s->id);
		return;
	}
#ifndef SLIRPD_TESTING
	/* No exec targets can be registered yet ("add exec" comes later). */
	return;
#endif
	if ((pw = getpwuid(s->uid)) == NULL)
		return;
	memset(&ei, 0, sizeof(ei));
	ei.uid = s->uid;
	ei.gid = pw->pw_gid;
	strlcpy(ei.user, pw->pw_name, sizeof(ei.user));
	strlcpy(ei.home, pw->pw_dir, sizeof(ei.home));
	strlcpy(ei.shell, pw->pw_shell, sizeof(ei.shell));
	if ((s->exec = proc_spawn(PROC_EXEC, s)) == NULL)
		return;
	imsg_compose(&s->exec->ibuf, IMSG_EXEC_INIT, s->id, 0, -1, &ei,
	    sizeof(ei));
#ifdef SLIRPD_TESTING
	memset(&et, 0, sizeof(et));
	et.id = TEST_EXEC_TARGET;
	strlcpy(et.cmd, TEST_EXEC_CMD, sizeof(et.cmd));
	imsg_compose(&s->exec->ibuf, IMSG_EXEC_TARGET, s->id, 0, -1, &et,
	    sizeof(et));
#endif
	log_info("%s: session %u: exec helper pid %d user %s", __func__, s->id,
	    (int)s->exec->pid, s->user);
}

int
session_count(uid_t uid)
{
	struct session *s;
	int n = 0;

	TAILQ_FOREACH(s, &penv->sessions, entry)
		if (s->uid == uid)
			n++;
	return n;
}

struct session *
session_start(struct client *cl)
{
	struct engine_config ec;
	struct engine_unit eu;
	struct session *s;
	char banner[4096];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	s->id = penv->next_sessid++;
	s->started = parent_now();
	s->uid = cl->uid;
	s->gid = cl->gid;
	strlcpy(s->user, cl->user, sizeof(s->user));
	s->opts = cl->opts;
	s->reason = ENDED_FAILED;
	strlcpy(s->tty, cl->tty, sizeof(s->tty));
	if (session_engine_config(s, &ec) == -1 ||
	    (s->engine = proc_spawn(PROC_ENGINE, s)) == NULL) {
		free(s);
		return NULL;
	}
	s->client = cl;
	cl->sess = s;
	TAILQ_INSERT_TAIL(&penv->sessions, s, entry);
#ifdef SLIRPD_TESTING
	s->test_syscall = cl->test_syscall;
	s->test_malformed = cl->test_malformed;
	s->test_exec = cl->test_exec;
	s->test_stall = cl->test_stall;
	s->test_flood = cl->test_flood;
	s->test_sock = cl->test_sock;
	s->test_addr = cl->test_addr;
	s->test_port = cl->test_port;
#endif
	memset(&eu, 0, sizeof(eu));
	eu.mru = s->opts.mru;
	eu.baud = s->opts.baud;
	imsg_compose(&s->engine->ibuf, IMSG_ENG_CONFIG, s->id, 0, -1, &ec,
	    sizeof(ec));
	/* The tty goes to the engine; imsg closes our copy once sent. */
	if (imsg_compose(&s->engine->ibuf, IMSG_ENG_UNIT, s->id, 0,
	    cl->ttyfd, &eu, sizeof(eu)) == -1)
		close(cl->ttyfd);	/* the engine will refuse START */
	cl->ttyfd = -1;
	imsg_compose(&s->engine->ibuf, IMSG_ENG_START, s->id, 0, -1, NULL, 0);
	if (imsg_write(&s->engine->ibuf) == -1)
		log_warn("%s: engine channel", __func__);
	log_info("%s: session %u: engine pid %d user %s tty %s", __func__,
	    s->id, (int)s->engine->pid, s->user, s->tty);
	session_start_exec(s);
	slirpcmd_banner(&s->opts, banner, sizeof(banner));
	client_send_text(cl, IMSG_CLIENT_BANNER, banner);
	return s;
}

/* Ask the engine to end the session (the client went, or shutdown). */
void
session_stop(struct session *s)
{
	if (s->engine == NULL || s->engine->chan == -1)
		return;
	imsg_compose(&s->engine->ibuf, IMSG_ENG_EXIT, s->id, 0, -1, NULL, 0);
	if (imsg_write(&s->engine->ibuf) == -1)
		proc_kill(s->engine, "cannot tell it to exit");
}

void
session_client_gone(struct session *s)
{
	s->client = NULL;
	log_info("%s: session %u: client gone, ending the session",
	    __func__, s->id);
	session_stop(s);
}

static void
session_free(struct session *s)
{
	struct client_ended ce;

	if (s->client != NULL) {
		memset(&ce, 0, sizeof(ce));
		ce.reason = s->reason;
		imsg_compose(&s->client->ibuf, IMSG_CLIENT_ENDED, 0, 0, -1,
		    &ce, sizeof(ce));
		client_write(s->client);
		s->client->sess = NULL;
		client_dead(s->client);
	}
	control_session_gone(s);
	TAILQ_REMOVE(&penv->sessions, s, entry);
	broker_denials_summary(s);
	log_info("%s: session %u: ended (%s)", __func__, s->id,
	    s->reason == ENDED_NORMAL ? "normal" :
	    s->reason == ENDED_HANGUP ? "hangup" : "failed");
	free(s);
}

/* A child of s was reaped. */
void
session_child_gone(struct child *c, int status)
{
	struct session *s = c->sess;

	c->sess = NULL;
	if (c == s->auth)
		auth_helper_gone(s);
	else if (c == s->exec) {
		s->exec = NULL;
		/* Its unanswered requests will not be answered now. */
		while (s->nexec_pending > 0)
			session_exec_fail(s,
			    s->exec_pending[--s->nexec_pending], ENOENT);
	} else if (c == s->engine) {
		s->engine = NULL;
		if (!s->ended)
			s->reason = WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0 ? ENDED_NORMAL :
			    ENDED_FAILED;
		/* No engine, no use for its helpers. */
		if (s->exec != NULL)
			proc_stop(s->exec);
		if (s->auth != NULL)
			proc_stop(s->auth);
	}
	if (s->engine == NULL && s->exec == NULL && s->auth == NULL)
		session_free(s);
}

#ifdef SLIRPD_TESTING
/*
 * The engine stops reading; then more than its socket buffer can hold
 * follows, so the parent's queue for it stays full (a stuck engine).
 */
static void
session_test_stall(struct session *s)
{
	static char fill[8192];
	int i;

	imsg_compose(&s->engine->ibuf, IMSG_TEST_STALL, s->id, 0, -1, NULL, 0);
	for (i = 0; i < 48; i++)
		imsg_compose(&s->engine->ibuf, IMSG_TEST_STALL, s->id, 0, -1,
		    fill, sizeof(fill));
}

static void
session_tests(struct session *s)
{
	struct child *e = s->engine;
	struct test_syscall ts;
	struct eng_exec_req er;
	int i;

	if (s->test_exec) {
		er.id = 1;
		er.target = s->test_exec - 1;
		imsg_compose(&e->ibuf, IMSG_TEST_EXEC, s->id, 0, -1, &er,
		    sizeof(er));
	}
	for (i = 0; i < s->test_sock; i++) {
		struct sock_req sr;

		memset(&sr, 0, sizeof(sr));
		sr.id = TEST_SOCK_ID;
		sr.proto = IPPROTO_TCP;
		sr.addr = s->test_addr;
		sr.port = s->test_port;
		imsg_compose(&e->ibuf, IMSG_TEST_SOCK, s->id, 0, -1, &sr,
		    sizeof(sr));
	}
	if (s->test_malformed)
		imsg_compose(&e->ibuf, IMSG_TEST_MALFORMED, s->id, 0, -1,
		    NULL, 0);
	if (s->test_stall)
		session_test_stall(s);
	if (s->test_flood) {
		struct sock_req sr;

		/* To 127.0.0.2:9, which the test's policy denies. */
		memset(&sr, 0, sizeof(sr));
		sr.id = TEST_SOCK_ID;
		sr.proto = IPPROTO_TCP;
		sr.addr = htonl(0x7f000002);
		sr.port = htons(9);
		imsg_compose(&e->ibuf, IMSG_TEST_FLOOD, s->id, 0, -1, &sr,
		    sizeof(sr));
	}
	if (s->test_syscall) {
		ts.which = s->test_syscall;
		imsg_compose(&e->ibuf, IMSG_TEST_SYSCALL, s->id, 0, -1, &ts,
		    sizeof(ts));
	}
	imsg_write(&e->ibuf);
}

static int
session_test_result(struct session *s, struct imsg *imsg)
{
	const char *t = imsg->data;
	size_t len = imsg_get_len(imsg);

	if (len == 0 || len > 512 || t[len - 1] != '\0' ||
	    strlen(t) != len - 1)
		return -1;
	log_info("%s: session %u: test: %s", __func__, s->id, t);
	return 0;
}
#endif

/*
 * Is id an exec request in flight?  With remove, it is no longer once
 * found: each request gets one reply.
 */
static int
session_exec_pending(struct session *s, uint32_t id, int remove)
{
	unsigned int i;

	for (i = 0; i < s->nexec_pending; i++) {
		if (s->exec_pending[i] != id)
			continue;
		if (remove)
			s->exec_pending[i] =
			    s->exec_pending[--s->nexec_pending];
		return 1;
	}
	return 0;
}

/* An exec request the engine will not get an fd for. */
static void
session_exec_fail(struct session *s, uint32_t id, int error)
{
	struct eng_exec_reply rep;

	if (s->engine == NULL || s->engine->chan == -1)
		return;
	rep.id = id;
	rep.error = error;
	imsg_compose(&s->engine->ibuf, IMSG_ENG_EXEC_REPLY, s->id, 0, -1,
	    &rep, sizeof(rep));
	imsg_write(&s->engine->ibuf);
}

/* Engine -> parent: ask the exec helper for a target's fd. */
static int
session_exec_req(struct session *s, struct imsg *imsg)
{
	struct eng_exec_req er;
	struct exec_req xr;

	if (imsg_get_len(imsg) != sizeof(er))
		return -1;
	memcpy(&er, imsg->data, sizeof(er));
	if (s->exec == NULL || s->exec->chan == -1 ||
	    s->nexec_pending >= SESSION_MAXEXEC ||
	    session_exec_pending(s, er.id, 0) ||
	    imsg_queued(&s->exec->ibuf) >= CHILD_MAXQUEUED ||
	    imsg_queued(&s->engine->ibuf) >= CHILD_MAXQUEUED) {
		session_exec_fail(s, er.id,
		    s->exec == NULL || s->exec->chan == -1 ? ENOENT : EAGAIN);
		return 0;
	}
	xr.id = er.id;
	xr.target = er.target;
	if (imsg_compose(&s->exec->ibuf, IMSG_EXEC_REQ, s->id, 0, -1, &xr,
	    sizeof(xr)) == -1) {
		session_exec_fail(s, er.id, EAGAIN);
		return 0;
	}
	/* Only replies to these are passed on (session_exec_msg). */
	s->exec_pending[s->nexec_pending++] = er.id;
	imsg_write(&s->exec->ibuf);
	return 0;
}

static int
session_engine_msg(struct session *s, struct child *c, struct imsg *imsg)
{
	struct engine_ended ee;

	switch (imsg->hdr.type) {
	case IMSG_ENG_READY:
		if (imsg_get_len(imsg) != 0 || c->ready)
			return -1;
		c->ready = 1;
		log_info("%s: session %u: engine pid %d sandboxed", __func__,
		    s->id, (int)c->pid);
#ifdef SLIRPD_TESTING
		session_tests(s);
#endif
		return 0;
	case IMSG_SOCK_REQ:
		if (!c->ready)
			return -1;
		return broker_request(s, c, imsg->data, imsg_get_len(imsg));
	case IMSG_ENG_EXEC_REQ:
		return c->ready ? session_exec_req(s, imsg) : -1;
	case IMSG_ENG_AUTH_REQ:
		return c->ready ? auth_request(s, imsg->data,
		    imsg_get_len(imsg)) : -1;
	case IMSG_ENG_STATS:
		return c->ready ? control_engine_stats(s, imsg->data,
		    imsg_get_len(imsg)) : -1;
	case IMSG_ENG_ENDED:
		if (imsg_get_len(imsg) != sizeof(ee))
			return -1;
		memcpy(&ee, imsg->data, sizeof(ee));
		if (ee.reason > ENDED_FAILED)
			return -1;
		s->reason = ee.reason;
		s->ended = 1;
		return 0;
#ifdef SLIRPD_TESTING
	case IMSG_TEST_RESULT:
		return session_test_result(s, imsg);
#endif
	}
	return -1;
}

static int
session_exec_msg(struct session *s, struct child *c, struct imsg *imsg)
{
	struct exec_reply xr;
	struct eng_exec_reply rep;

	switch (imsg->hdr.type) {
	case IMSG_EXEC_READY:
		if (imsg_get_len(imsg) != 0 || c->ready)
			return -1;
		c->ready = 1;
		return 0;
	case IMSG_EXEC_REPLY:
		if (imsg_get_len(imsg) != sizeof(xr) || !c->ready)
			return -1;
		memcpy(&xr, imsg->data, sizeof(xr));
		/* An fd with an error, or neither: the helper is confused. */
		if ((xr.error == 0) != (imsg->fd != -1))
			return -1;
		/* So is a reply nobody asked for (or a second one). */
		if (!session_exec_pending(s, xr.id, 1))
			return -1;
		if (s->engine == NULL || s->engine->chan == -1)
			return 0;	/* session_dispatch closes imsg->fd */
		rep.id = xr.id;
		rep.error = xr.error;
		/* On failure the fd stays in imsg, closed by the caller. */
		if (imsg_compose(&s->engine->ibuf, IMSG_ENG_EXEC_REPLY, s->id,
		    0, imsg->fd, &rep, sizeof(rep)) == -1) {
			log_warn("%s: session %u: exec reply", __func__, s->id);
			return 0;
		}
		imsg->fd = -1;		/* imsg closes it once sent */
		imsg_write(&s->engine->ibuf);
		return 0;
	}
	return -1;
}

static const char *
imsg_name(int role, uint32_t type)
{
	static char buf[32];

	switch (type) {
	case IMSG_ENG_READY:	return "ENG_READY";
	case IMSG_SOCK_REQ:	return "SOCK_REQ";
	case IMSG_ENG_EXEC_REQ:	return "ENG_EXEC_REQ";
	case IMSG_ENG_ENDED:	return "ENG_ENDED";
	case IMSG_TEST_RESULT:	return "TEST_RESULT";
	case IMSG_EXEC_READY:	return "EXEC_READY";
	case IMSG_EXEC_REPLY:	return "EXEC_REPLY";
	case IMSG_ENG_AUTH_REQ:	return "ENG_AUTH_REQ";
	case IMSG_AUTH_RESULT:	return "AUTH_RESULT";
	}
	snprintf(buf, sizeof(buf), "type %u", type);
	return buf;
}

void
session_dispatch(struct child *c)
{
	struct session *s = c->sess;
	struct imsg imsg;
	char why[128];
	ssize_t n;
	int rv;

	if ((n = imsg_read(&c->ibuf)) == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* It is exiting; SIGCHLD tells us how. */
		proc_close_channel(c);
		return;
	}
	while (c->chan != -1) {
		if ((n = imsg_get(&c->ibuf, &imsg)) == -1) {
			proc_kill(c, "malformed message header");
			return;
		}
		if (n == 0)
			break;
		if (s == NULL)
			rv = 0;		/* detached: ignore it */
		else if (c->role == PROC_ENGINE)
			rv = session_engine_msg(s, c, &imsg);
		else if (c->role == PROC_AUTH)
			rv = auth_helper_msg(s, c, &imsg);
		else
			rv = session_exec_msg(s, c, &imsg);
		if (rv == -1)
			snprintf(why, sizeof(why), "bad message %s, "
			    "length %zu", imsg_name(c->role, imsg.hdr.type),
			    imsg_get_len(&imsg));
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg_free(&imsg);
		if (rv == -1) {
			proc_kill(c, why);
			return;
		}
	}
}
