/*
 * The daemon socket for slirp(1): any local user may connect; who they
 * are comes from SO_PEERCRED, never from what they send.  A client
 * sends HELLO (with its tty), ARGs and GO; every message is checked
 * for its exact size, and any error drops the client.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_imsg.h"
#include "engine_imsg.h"
#include "log.h"
#include "parent.h"
#include "unixsock.h"

int
listener_open(const char *path)
{
	/* Every user may hand us a tty; SO_PEERCRED says who they are. */
	if (unixsock_listen(&penv->listen, path, 0666, 16) == -1)
		return -1;
	return 0;
}

void
listener_close(void)
{
	unixsock_close(&penv->listen);
}

/* Connections of uid that have not started a session yet. */
static int
client_pending(uid_t uid)
{
	struct client *cl;
	int n = 0;

	TAILQ_FOREACH(cl, &penv->clients, entry)
		if (cl->uid == uid && cl->sess == NULL && !cl->dead)
			n++;
	return n;
}

void
listener_accept(void)
{
	struct client *cl;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;
	int fd;

	if ((fd = accept4(penv->listen.fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("%s: accept", __func__);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred)) {
		log_warn("%s: SO_PEERCRED", __func__);
		close(fd);
		return;
	}
	if ((pw = getpwuid(cred.uid)) == NULL) {
		log_warnx("%s: uid %u has no passwd entry, refused", __func__,
		    (unsigned)cred.uid);
		close(fd);
		return;
	}
	if (client_pending(cred.uid) >= CLIENT_MAXPENDING) {
		log_warnx("%s: uid %u has too many connections starting",
		    __func__, (unsigned)cred.uid);
		close(fd);
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->uid = cred.uid;
	cl->gid = pw->pw_gid;
	cl->pid = cred.pid;
	cl->ttyfd = -1;
	cl->deadline = parent_now() + CLIENT_TIMEOUT * 1000;
	strlcpy(cl->user, pw->pw_name, sizeof(cl->user));
	imsg_init(&cl->ibuf, fd);
	slirpcmd_defaults(&cl->opts);
	TAILQ_INSERT_TAIL(&penv->clients, cl, entry);
	penv->nclients++;
	log_debug("%s: client pid %d user %s", __func__, (int)cl->pid,
	    cl->user);
}

void
client_free(struct client *cl)
{
	if (cl->sess != NULL)
		session_client_gone(cl->sess);
	TAILQ_REMOVE(&penv->clients, cl, entry);
	penv->nclients--;
	imsg_clear(&cl->ibuf);
	close(cl->fd);
	if (cl->ttyfd != -1)
		close(cl->ttyfd);
	free(cl);
}

/*
 * No more reading from cl; it is freed once what is queued for it is
 * written, or after CLIENT_LINGER seconds if it does not read.
 */
void
client_dead(struct client *cl)
{
	if (cl->dead)
		return;
	cl->dead = 1;
	cl->deadline = parent_now() + CLIENT_LINGER * 1000;
}

void
client_send_text(struct client *cl, uint32_t type, const char *text)
{
	size_t len = strlen(text) + 1;

	if (len > IMSG_MAXPAYLOAD)
		len = IMSG_MAXPAYLOAD;
	if (cl->dead)
		return;
	/* Truncated text still needs its NUL. */
	if (len == IMSG_MAXPAYLOAD) {
		char *t = strndup(text, len - 1);

		if (t != NULL)
			imsg_compose(&cl->ibuf, type, 0, 0, -1, t, len);
		free(t);
	} else
		imsg_compose(&cl->ibuf, type, 0, 0, -1, text, len);
	client_write(cl);
}

void
client_write(struct client *cl)
{
	if (imsg_write(&cl->ibuf) != 1) {
		/* Nothing more can reach it. */
		imsg_clear(&cl->ibuf);
		client_dead(cl);
	}
}

/* An error the user should see, then the client goes. */
static void
client_error(struct client *cl, const char *msg)
{
	log_info("%s: client pid %d user %s: %s", __func__, (int)cl->pid,
	    cl->user, msg);
	client_send_text(cl, IMSG_CLIENT_ERROR, msg);
	client_dead(cl);
}

/*
 * The engine gets an open file description of its own, opened here
 * non-blocking: O_NONBLOCK set on the user's description would leak
 * into the user's shell after the session.  It must be the device the
 * user passed (same st_rdev), so a path that resolves differently in
 * our mount namespace gains nothing.
 */
/*
 * Devices no user may hand us, whoever owns the node: the controlling
 * tty alias, the console, the pty multiplexer and the current VT.
 */
static int
client_tty_forbidden(dev_t rdev)
{
	unsigned int ma = major(rdev), mi = minor(rdev);

	return (ma == 5 && mi <= 2) || (ma == 4 && mi == 0);
}

/*
 * Root opens the line read-write for the engine, so the user must show
 * that right: the fd passed is a tty open read-write, and the device
 * node is the user's own (login and sshd chown a user's tty to them).
 * *why says what is wrong, for the user.
 */
static int
client_open_line(struct client *cl, int ufd, const char **why)
{
	struct stat ust, st;
	char path[PATH_MAX];
	int fd, fl;

	*why = "slirp must be run on a terminal";
	if (fstat(ufd, &ust) == -1 || !S_ISCHR(ust.st_mode) || !isatty(ufd) ||
	    ttyname_r(ufd, path, sizeof(path)) != 0)
		return -1;
	if ((fl = fcntl(ufd, F_GETFL)) == -1 || (fl & O_ACCMODE) != O_RDWR) {
		*why = "the terminal must be open for reading and writing";
		return -1;
	}
	if (client_tty_forbidden(ust.st_rdev)) {
		*why = "this terminal cannot be a slirp line";
		log_warnx("%s: client pid %d uid %u passed %s", __func__,
		    (int)cl->pid, (unsigned int)cl->uid, path);
		return -1;
	}
	*why = "slirpd cannot open the terminal";
	if ((fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_warn("%s: %s", __func__, path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != ust.st_rdev) {
		log_warnx("%s: %s is not the tty client pid %d passed",
		    __func__, path, (int)cl->pid);
		close(fd);
		return -1;
	}
	/* The node we opened: it is what root's open trusted. */
	if (cl->uid != 0 && st.st_uid != cl->uid) {
		*why = "the terminal is not yours";
		log_warnx("%s: client pid %d uid %u passed %s, owned by uid "
		    "%u", __func__, (int)cl->pid, (unsigned int)cl->uid, path,
		    (unsigned int)st.st_uid);
		close(fd);
		return -1;
	}
	strlcpy(cl->tty, strncmp(path, "/dev/", 5) == 0 ? path + 5 : path,
	    sizeof(cl->tty));
	return fd;
}

static int
client_hello(struct client *cl, struct imsg *imsg)
{
	struct client_hello h;
	const char *why;

	if (cl->hello || imsg_get_len(imsg) != sizeof(h) || imsg->fd == -1)
		return -1;
	memcpy(&h, imsg->data, sizeof(h));
	cl->hello = 1;
	if (h.version != CLIENT_PROTO_VERSION) {
		client_error(cl, "slirp and slirpd versions differ");
		return 0;
	}
	if ((cl->ttyfd = client_open_line(cl, imsg->fd, &why)) == -1) {
		client_error(cl, why);
		return 0;
	}
	if (h.unit != -1) {
		client_error(cl, "reattaching to a session (-l) is not "
		    "supported yet");
		return 0;
	}
	if (h.flags & CLIENT_F_PPP)
		cl->opts.ppp = 1;
	return 0;
}

#ifdef SLIRPD_TESTING
/* Test-build hooks, sent as "%test ..." ARGs; see regress/proc. */
static int
client_test_arg(struct client *cl, const char *arg)
{
	const char *e;
	int n;

	if (strncmp(arg, "%test ", 6) != 0)
		return 0;
	arg += 6;
	if (strcmp(arg, "syscall open") == 0)
		cl->test_syscall = TEST_SYSCALL_OPEN;
	else if (strcmp(arg, "syscall socket") == 0)
		cl->test_syscall = TEST_SYSCALL_SOCKET;
	else if (strcmp(arg, "syscall execve") == 0)
		cl->test_syscall = TEST_SYSCALL_EXECVE;
	else if (strcmp(arg, "syscall sendto") == 0)
		cl->test_syscall = TEST_SYSCALL_SENDTO;
	else if (strcmp(arg, "syscall sendmsg") == 0)
		cl->test_syscall = TEST_SYSCALL_SENDMSG;
	else if (strcmp(arg, "syscall mmapx") == 0)
		cl->test_syscall = TEST_SYSCALL_MMAPX;
	else if (strcmp(arg, "syscall sockopt") == 0)
		cl->test_syscall = TEST_SYSCALL_SOCKOPT;
	else if (strcmp(arg, "malformed") == 0)
		cl->test_malformed = 1;
	else if (strcmp(arg, "stall") == 0)
		cl->test_stall = 1;
	else if (strcmp(arg, "flood") == 0)
		cl->test_flood = 1;
	else if (strncmp(arg, "sock ", 5) == 0) {
		char a[32];
		unsigned int port, count = 1;

		/* "sock ADDR PORT [COUNT]": COUNT identical requests. */
		n = sscanf(arg + 5, "%31s %u %u", a, &port, &count);
		if (n < 2 || port > 65535 || count < 1 || count > 1000 ||
		    inet_pton(AF_INET, a, &cl->test_addr) != 1)
			return -1;
		cl->test_port = htons(port);
		cl->test_sock = count;
	} else if (strncmp(arg, "exec ", 5) == 0) {
		n = strtonum(arg + 5, 0, 1000, &e);
		if (e != NULL)
			return -1;
		cl->test_exec = n + 1;
	} else
		return -1;
	return 1;
}
#endif

static int
client_arg(struct client *cl, struct imsg *imsg)
{
	char err[256];
	const char *arg = imsg->data;
	size_t len = imsg_get_len(imsg);

	if (!cl->hello || cl->sess != NULL || len == 0 || len > CLIENT_MAXARG ||
	    arg[len - 1] != '\0' || strlen(arg) != len - 1 ||
	    ++cl->nargs > CLIENT_MAXARGS)
		return -1;
#ifdef SLIRPD_TESTING
	switch (client_test_arg(cl, arg)) {
	case 1:
		return 0;
	case -1:
		return -1;
	}
#endif
	if (slirpcmd_apply(&cl->opts, arg, err, sizeof(err)) == -1)
		client_error(cl, err);
	return 0;
}

/*
 * +pap/+chap need PPP, and CHAP needs the secrets file; "auth" (both)
 * falls back to PAP alone without it.  NULL when the options are fine.
 */
static const char *
client_auth_check(struct client *cl)
{
	struct ppp_opts *p = &cl->opts.pppo;

	if (p->auth == 0)
		return NULL;
	if (!cl->opts.ppp)
		return "+pap, +chap and auth need ppp";
	if ((p->auth & PPP_OPTS_CHAP) && penv->conf->chap_secrets[0] == '\0') {
		if (!(p->auth & PPP_OPTS_PAP))
			return "+chap: slirpd.conf names no chap-secrets file";
		p->auth &= ~PPP_OPTS_CHAP;
	}
	return NULL;
}

static int
client_go(struct client *cl, struct imsg *imsg)
{
	const char *why;

	if (!cl->hello || imsg_get_len(imsg) != 0 || cl->sess != NULL ||
	    cl->ttyfd == -1)
		return -1;
	if (session_count(cl->uid) >= SESSION_MAXPERUSER) {
		client_error(cl, "too many sessions");
		return 0;
	}
	if ((why = client_auth_check(cl)) != NULL) {
		client_error(cl, why);
		return 0;
	}
	if (session_start(cl) == NULL)
		client_error(cl, "slirpd could not start a session");
	return 0;
}

/*
 * Drop clients that did not say GO in time; returns the ms until the
 * next deadline, -1 for none.
 */
int
client_timeouts(void)
{
	struct client *cl;
	uint64_t now = parent_now();
	int64_t left, next = -1;

	TAILQ_FOREACH(cl, &penv->clients, entry) {
		if (cl->sess != NULL)
			continue;
		if (cl->deadline <= now) {
			if (cl->dead)
				imsg_clear(&cl->ibuf);	/* parent_gc frees it */
			else
				client_error(cl, "timed out");
			continue;
		}
		left = cl->deadline - now;
		if (next == -1 || left < next)
			next = left;
	}
	return (int)next;
}

void
client_dispatch(struct client *cl)
{
	struct imsg imsg;
	ssize_t n;
	int rv;

	if ((n = imsg_read(&cl->ibuf)) == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* The user's slirp is gone; so is its session. */
		log_debug("%s: client pid %d closed", __func__, (int)cl->pid);
		client_dead(cl);
		imsg_clear(&cl->ibuf);
		return;
	}
	while (!cl->dead) {
		if ((n = imsg_get(&cl->ibuf, &imsg)) == -1) {
			client_error(cl, "protocol error");
			return;
		}
		if (n == 0)
			break;
		switch (imsg.hdr.type) {
		case IMSG_CLIENT_HELLO:
			rv = client_hello(cl, &imsg);
			break;
		case IMSG_CLIENT_ARG:
			rv = client_arg(cl, &imsg);
			break;
		case IMSG_CLIENT_GO:
			rv = client_go(cl, &imsg);
			break;
		default:
			rv = -1;
		}
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg.fd = -1;
		imsg_free(&imsg);
		if (rv == -1)
			client_error(cl, "protocol error");
	}
}
