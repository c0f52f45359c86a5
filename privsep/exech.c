/*
 * The exec helper ("slirpd -P exec"): one per session with exec
 * targets.  It becomes the session's user (never root), clears its
 * environment, and starts the programs the parent registered, by id,
 * each on a socketpair whose other end goes back to the parent (and on
 * to the engine).  The engine never names a program or a path.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "engine_imsg.h"
#include "exec_imsg.h"
#include "imsg.h"
#include "log.h"
#include "parent.h"
#include "sandbox.h"

struct target {
	uint32_t	 id;
	char		*argv[64];
	char		 buf[EXEC_MAXARGV];
};

/* Programs running at once; an engine cannot make us fork without end. */
#define EXEC_MAXCHILDREN	32

static struct target	*targets[EXEC_MAXTARGETS];
static unsigned int	 nchildren;
static unsigned int	 ntargets;
static struct imsgbuf	 xbuf;

/* Read one message, blocking; fatal on EOF or garbage (parent gone). */
static void
exech_get(struct imsg *imsg)
{
	struct pollfd pfd = { .fd = ENGINE_CHANNEL_FD, .events = POLLIN };
	ssize_t n;

	for (;;) {
		if ((n = imsg_get(&xbuf, imsg)) == -1)
			fatalx("%s: bad message from the parent", __func__);
		if (n > 0)
			return;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("%s: poll", __func__);
		if ((n = imsg_read(&xbuf)) == -1 && errno != EAGAIN &&
		    errno != EINTR)
			fatal("%s: read", __func__);
		if (n == 0) {
			/* The session is over. */
			exit(0);
		}
	}
}

static void
exech_become(const struct exec_init *ei)
{
	uid_t r, e, s;
	char user[sizeof(ei->user)];

	memcpy(user, ei->user, sizeof(user));
	user[sizeof(user) - 1] = '\0';
	if (ei->uid == 0 || ei->gid == 0)
		fatalx("%s: refusing to run as root", __func__);
	if (sandbox_drop_bound() == -1)
		fatalx("%s: bounding set", __func__);
	if (initgroups(user, ei->gid) == -1)
		fatal("%s: initgroups %s", __func__, user);
	if (setresgid(ei->gid, ei->gid, ei->gid) == -1)
		fatal("%s: setresgid", __func__);
	if (setresuid(ei->uid, ei->uid, ei->uid) == -1)
		fatal("%s: setresuid", __func__);
	if (getresuid(&r, &e, &s) == -1 || r != ei->uid || e != ei->uid ||
	    s != ei->uid || setuid(0) != -1)
		fatalx("%s: could not drop root", __func__);
	if (sandbox_drop_caps() == -1)
		fatalx("%s: capabilities", __func__);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("%s: no_new_privs", __func__);
}

static void
exech_environ(const struct exec_init *ei)
{
	char home[sizeof(ei->home)], shell[sizeof(ei->shell)];
	char user[sizeof(ei->user)];
	const char *asan = getenv("ASAN_OPTIONS");
	char *keep = asan ? strdup(asan) : NULL;

	memcpy(home, ei->home, sizeof(home));
	home[sizeof(home) - 1] = '\0';
	memcpy(shell, ei->shell, sizeof(shell));
	shell[sizeof(shell) - 1] = '\0';
	memcpy(user, ei->user, sizeof(user));
	user[sizeof(user) - 1] = '\0';
	if (clearenv() != 0)
		fatalx("%s: clearenv", __func__);
	if (setenv("PATH", "/usr/bin:/bin", 1) == -1 ||
	    setenv("HOME", home, 1) == -1 ||
	    setenv("USER", user, 1) == -1 ||
	    setenv("LOGNAME", user, 1) == -1 ||
	    setenv("SHELL", *shell ? shell : "/bin/sh", 1) == -1)
		fatal("%s: setenv", __func__);
#ifdef SLIRPD_TESTING
	/* The sanitizer runtime of the helper's children (test build). */
	if (keep != NULL)
		setenv("ASAN_OPTIONS", keep, 1);
#endif
	free(keep);
	if (chdir(home) == -1 && chdir("/") == -1)
		fatal("%s: chdir", __func__);
}

/* Register a target: a command line split on blanks, no shell. */
static int
exech_target(const struct exec_target *et)
{
	struct target *t;
	char *p, *last;
	unsigned int i, n = 0;

	if (memchr(et->cmd, '\0', sizeof(et->cmd)) == NULL || et->cmd[0] != '/')
		return -1;
	for (i = 0; i < ntargets; i++)
		if (targets[i]->id == et->id)
			return -1;
	if (ntargets >= EXEC_MAXTARGETS ||
	    (t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->id = et->id;
	memcpy(t->buf, et->cmd, sizeof(t->buf));
	for (p = strtok_r(t->buf, " \t", &last); p != NULL && n < 63;
	    p = strtok_r(NULL, " \t", &last))
		t->argv[n++] = p;
	t->argv[n] = NULL;
	targets[ntargets++] = t;
	log_debug("%s: target %u: %s", __func__, t->id, t->argv[0]);
	return 0;
}

static struct target *
exech_find(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < ntargets; i++)
		if (targets[i]->id == id)
			return targets[i];
	return NULL;
}

/* Collect the programs that ended. */
static void
exech_reap(void)
{
	while (nchildren > 0 && waitpid(-1, NULL, WNOHANG) > 0)
		nchildren--;
}

/* Start target t on a socketpair; returns our end or -1 with errno. */
static int
exech_run(struct target *t)
{
	int sp[2], saved;
	pid_t pid;

	exech_reap();
	if (nchildren >= EXEC_MAXCHILDREN) {
		errno = EAGAIN;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	switch (pid = fork()) {
	case -1:
		saved = errno;
		close(sp[0]);
		close(sp[1]);
		errno = saved;
		return -1;
	case 0:
		signal(SIGPIPE, SIG_DFL);
		/* stdin and stdout are the connection; stderr stays ours. */
		if (dup2(sp[1], STDIN_FILENO) == -1 ||
		    dup2(sp[1], STDOUT_FILENO) == -1)
			_exit(127);
		if (close_range(STDERR_FILENO + 1, ~0U, 0) == -1)
			_exit(127);
		execv(t->argv[0], t->argv);
		_exit(127);
	}
	close(sp[1]);
	nchildren++;
	log_info("%s: target %u: %s pid %d", __func__, t->id, t->argv[0],
	    (int)pid);
	return sp[0];
}

static void
exech_request(const struct imsg *imsg)
{
	struct exec_req req;
	struct exec_reply rep;
	struct target *t;
	int fd = -1;

	memcpy(&req, imsg->data, sizeof(req));
	rep.id = req.id;
	rep.error = 0;
	if ((t = exech_find(req.target)) == NULL)
		rep.error = ENOENT;
	else if ((fd = exech_run(t)) == -1)
		rep.error = errno ? errno : EIO;
	if (imsg_compose(&xbuf, IMSG_EXEC_REPLY, imsg->hdr.peerid, 0, fd,
	    &rep, sizeof(rep)) == -1 || imsg_flush(&xbuf) == -1)
		fatal("%s: reply", __func__);
}

int
exech_main(int debug, int verbose)
{
	struct exec_init ei;
	struct exec_target et;
	struct imsg imsg;
	size_t len;

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("exec");
	imsg_init(&xbuf, ENGINE_CHANNEL_FD);

	exech_get(&imsg);
	if (imsg.hdr.type != IMSG_EXEC_INIT ||
	    imsg_get_len(&imsg) != sizeof(ei))
		fatalx("%s: expected INIT", __func__);
	memcpy(&ei, imsg.data, sizeof(ei));
	imsg_free(&imsg);
	ei.user[sizeof(ei.user) - 1] = '\0';
	exech_become(&ei);
	exech_environ(&ei);
	setproctitle("exec [%s]", ei.user);

	/* Programs that ended are reaped before the next one starts. */
	signal(SIGPIPE, SIG_IGN);

	if (imsg_compose(&xbuf, IMSG_EXEC_READY, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_flush(&xbuf) == -1)
		fatal("%s: ready", __func__);
	for (;;) {
		exech_get(&imsg);
		len = imsg_get_len(&imsg);
		switch (imsg.hdr.type) {
		case IMSG_EXEC_TARGET:
			if (len != sizeof(et))
				fatalx("%s: bad TARGET", __func__);
			memcpy(&et, imsg.data, sizeof(et));
			if (exech_target(&et) == -1)
				log_warnx("%s: target %u refused", __func__,
				    et.id);
			break;
		case IMSG_EXEC_REQ:
			if (len != sizeof(struct exec_req))
				fatalx("%s: bad REQ", __func__);
			exech_request(&imsg);
			break;
		default:
			fatalx("%s: unexpected message %u", __func__,
			    imsg.hdr.type);
		}
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg_free(&imsg);
	}
}
