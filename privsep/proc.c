/*
 * Spawning and supervising children.  A child is a fresh exec of this
 * binary (/proc/self/exe) with "-P role": nothing of the parent's
 * address space (configuration, other sessions' state) survives into
 * it, and it starts with only stdio and its channel at fd 3.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "engine_imsg.h"
#include "log.h"
#include "auth.h"
#include "parent.h"

const char *
proc_role(int role)
{
	return role == PROC_ENGINE ? "engine" : role == PROC_AUTH ?
	    "auth helper" : "exec helper";
}

/* The environment a child starts with: only the sanitizer settings. */
static void
child_env(int role, char **env, size_t max)
{
	static char asan[512], ubsan[512];
	const char *v;
	size_t n = 0;

	v = getenv("ASAN_OPTIONS");
	/*
	 * LeakSanitizer's exit-time check needs ptrace and clone, which
	 * the engine's seccomp filter kills; the engine is checked for
	 * leaks by the stack's unit tests instead.  The auth helper's
	 * memory is mostly PAM modules', not ours.
	 */
	/*
	 * The symbolizer is a program the runtime would exec, which the
	 * engine may not: its reports carry module+offset instead.
	 */
	snprintf(asan, sizeof(asan), "ASAN_OPTIONS=%s%sdetect_leaks=%d%s",
	    v ? v : "", v && *v ? ":" : "", role == PROC_EXEC ? 1 : 0,
	    role == PROC_ENGINE ? ":symbolize=0" : "");
	env[n++] = asan;
	if ((v = getenv("UBSAN_OPTIONS")) != NULL) {
		snprintf(ubsan, sizeof(ubsan), "UBSAN_OPTIONS=%s", v);
		env[n++] = ubsan;
	}
	if (n < max)
		env[n] = NULL;
}

__attribute__((noreturn)) static void
child_exec(int role, int fd, int errfd)
{
	char *argv[6], *env[4];
	sigset_t set;
	int i = 0, sig;

	/* The parent blocks these for its signalfd; a child starts clean. */
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* Daemon mode: the child's log lines come to us (see proc_stderr). */
	if (errfd != -1 && dup2(errfd, STDERR_FILENO) == -1)
		_exit(127);
	if (fd != ENGINE_CHANNEL_FD) {
		if (dup2(fd, ENGINE_CHANNEL_FD) == -1)
			_exit(127);
	} else if (fcntl(fd, F_SETFD, 0) == -1)
		_exit(127);
	/* Everything but stdio and the channel. */
	if (close_range(ENGINE_CHANNEL_FD + 1, ~0U, 0) == -1)
		_exit(127);
	argv[i++] = "slirpd";
	argv[i++] = "-P";
	argv[i++] = role == PROC_ENGINE ? "engine" : role == PROC_AUTH ?
	    "auth" : "exec";
	if (penv->debug)
		argv[i++] = "-d";
	if (penv->verbose)
		argv[i++] = "-v";
	argv[i] = NULL;
	child_env(role, env, 4);
	execve("/proc/self/exe", argv, env);
	_exit(127);
}

struct child *
proc_spawn(int role, struct session *s)
{
	struct child *c;
	int sp[2], ep[2] = { -1, -1 };
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("%s: socketpair", __func__);
		return NULL;
	}
	/*
	 * Without -d children log to stderr all the same, into a pipe the
	 * parent reads and sends to syslog: a sandboxed engine could not
	 * reconnect a syslog socket itself.
	 */
	if (!penv->debug && pipe2(ep, O_CLOEXEC) == -1) {
		log_warn("%s: pipe", __func__);
		close(sp[0]);
		close(sp[1]);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	switch (pid = fork()) {
	case -1:
		log_warn("%s: fork", __func__);
		free(c);
		goto fail;
	case 0:
		close(sp[0]);
		child_exec(role, sp[1], ep[1]);
	}
	close(sp[1]);
	if (ep[1] != -1)
		close(ep[1]);
	c->errfd = ep[0];
	if (ep[0] != -1 && fcntl(ep[0], F_SETFL, O_NONBLOCK) == -1)
		log_warn("%s: fcntl", __func__);
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1)
		log_warn("%s: fcntl", __func__);
	c->pid = pid;
	c->role = role;
	c->chan = sp[0];
	c->sess = s;
	imsg_init(&c->ibuf, sp[0]);
	LIST_INSERT_HEAD(&penv->children, c, entry);
	return c;
fail:
	close(sp[0]);
	close(sp[1]);
	if (ep[0] != -1) {
		close(ep[0]);
		close(ep[1]);
	}
	return NULL;
}

/* Lines dropped by the rate limit, noted once. */
static void
proc_logdropped(struct child *c)
{
	if (c->errdropped == 0)
		return;
	log_info("%s: %s pid %d: %u lines suppressed (more than %d bytes "
	    "a second)", __func__, proc_role(c->role), (int)c->pid,
	    c->errdropped, CHILD_ERR_BPS);
	c->errdropped = 0;
}

/*
 * One line a child wrote: untrusted, so only printable bytes pass, and
 * at most CHILD_ERR_BPS bytes a second: a child must not flood syslog.
 */
static void
proc_logline(struct child *c, char *line, size_t len)
{
	uint64_t sec = parent_now() / 1000;
	size_t i;

	if (sec != c->errsec) {
		proc_logdropped(c);
		c->errsec = sec;
		c->errbytes = 0;
	}
	if (c->errbytes + len > CHILD_ERR_BPS) {
		c->errdropped++;
		return;
	}
	c->errbytes += len;
	for (i = 0; i < len; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			line[i] = '?';
	line[len] = '\0';
	if (len > 0)
		log_info("%s", line);
}

/* The child's stderr is readable (daemon mode): log what it wrote. */
void
proc_stderr(struct child *c)
{
	char *nl;
	ssize_t n;
	size_t len;

	while (c->errfd != -1) {
		n = read(c->errfd, c->errbuf + c->errlen,
		    sizeof(c->errbuf) - 1 - c->errlen);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (c->errlen > 0)
				proc_logline(c, c->errbuf, c->errlen);
			c->errlen = 0;
			close(c->errfd);
			c->errfd = -1;
			return;
		}
		c->errlen += n;
		while ((nl = memchr(c->errbuf, '\n', c->errlen)) != NULL) {
			len = nl - c->errbuf;
			proc_logline(c, c->errbuf, len);
			c->errlen -= len + 1;
			memmove(c->errbuf, nl + 1, c->errlen);
		}
		/* A line too long for the buffer is logged in pieces. */
		if (c->errlen == sizeof(c->errbuf) - 1) {
			proc_logline(c, c->errbuf, c->errlen);
			c->errlen = 0;
		}
	}
}

/* Stop listening to a child; it is freed when reaped. */
void
proc_close_channel(struct child *c)
{
	if (c->chan == -1)
		return;
	imsg_clear(&c->ibuf);
	close(c->chan);
	c->chan = -1;
}

/* A child misbehaved or must go now: SIGKILL, reaped by proc_reap(). */
void
proc_kill(struct child *c, const char *why)
{
	if (c->killed)
		return;
	log_warnx("%s: killing %s pid %d: %s", __func__, proc_role(c->role),
	    (int)c->pid, why);
	c->killed = 1;
	/* Kill before closing: on EOF it would exit by itself, unlogged. */
	if (kill(c->pid, SIGKILL) == -1 && errno != ESRCH)
		log_warn("%s: kill %d", __func__, (int)c->pid);
	proc_close_channel(c);
}

/* The session is over: EOF on its channel, and SIGTERM to be sure. */
void
proc_stop(struct child *c)
{
	if (!c->killed && kill(c->pid, SIGTERM) == -1 && errno != ESRCH)
		log_warn("%s: kill %d", __func__, (int)c->pid);
	proc_close_channel(c);
}

static void
log_status(struct child *c, int status)
{
	int sig;

	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 0)
			log_info("%s: %s pid %d exited normally", __func__,
			    proc_role(c->role), (int)c->pid);
		else
			log_warnx("%s: %s pid %d exited with status %d", __func__,
			    proc_role(c->role), (int)c->pid,
			    WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		log_warnx("%s: %s pid %d terminated by signal SIG%s%s", __func__,
		    proc_role(c->role), (int)c->pid,
		    sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
		    sig == SIGSYS ?
		    ": killed by seccomp (forbidden syscall)" : "");
	}
}

static void
proc_reaped(pid_t pid, int status)
{
	struct child *c;

	LIST_FOREACH(c, &penv->children, entry)
		if (c->pid == pid)
			break;
	if (c == NULL)
		return;		/* not ours (should not happen) */
	/*
	 * Its last words first, then how it ended.  An auth helper's answer
	 * may still sit in the channel when SIGCHLD comes first; it is
	 * dead already, so nothing may signal its pid any more.
	 */
	c->killed = 1;
	if (c->role == PROC_AUTH && c->sess != NULL && c->chan != -1)
		session_dispatch(c);
	proc_stderr(c);
	proc_logdropped(c);
	log_status(c, status);
	LIST_REMOVE(c, entry);
	proc_close_channel(c);
	/* Its programs may hold the pipe still; we stop listening. */
	if (c->errfd != -1)
		close(c->errfd);
	if (c->sess != NULL)
		session_child_gone(c, status);
	free(c);
}

/* SIGCHLD: collect every child that ended. */
void
proc_reap(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		proc_reaped(pid, status);
}

/*
 * During the grace period: push what is still queued for the engines
 * (their EXIT), never blocking; one that does not read is killed later.
 */
static void
proc_write_all(void)
{
	struct child *c;

	LIST_FOREACH(c, &penv->children, entry)
		if (c->chan != -1 && !c->killed &&
		    imsg_pending_write(&c->ibuf) &&
		    imsg_write(&c->ibuf) != 1)
			proc_close_channel(c);
}

/* SIGTERM: ask every child to go, then make sure. */
void
proc_terminate_all(void)
{
	struct child *c;
	pid_t pid;
	int i, status;

	/*
	 * Engines end their sessions (clients hear ENDED_NORMAL).  The
	 * channels are non-blocking and nothing here waits for a write:
	 * an engine that stopped reading must not hold up the shutdown.
	 */
	LIST_FOREACH(c, &penv->children, entry) {
		if (c->role == PROC_ENGINE && c->sess != NULL &&
		    c->chan != -1)
			session_stop(c->sess);
		else
			kill(c->pid, SIGTERM);
	}
	/* Five seconds of grace, then SIGKILL: we leave no child behind. */
	for (i = 0; i < 50 && !LIST_EMPTY(&penv->children); i++) {
		proc_write_all();
		proc_reap();
		if (!LIST_EMPTY(&penv->children))
			usleep(100 * 1000);
	}
	LIST_FOREACH(c, &penv->children, entry)
		proc_kill(c, "did not exit on SIGTERM");
	while (!LIST_EMPTY(&penv->children)) {
		if ((pid = waitpid(-1, &status, 0)) == -1) {
			if (errno == EINTR)
				continue;
			/* ECHILD: nothing left to wait for; forget them. */
			while ((c = LIST_FIRST(&penv->children)) != NULL) {
				LIST_REMOVE(c, entry);
				free(c);
			}
			break;
		}
		proc_reaped(pid, status);
	}
}

int
proc_child_main(const char *role, int debug, int verbose)
{
	if (strcmp(role, "engine") == 0)
		return engine_main(debug, verbose);
	if (strcmp(role, "exec") == 0)
		return exech_main(debug, verbose);
	if (strcmp(role, "auth") == 0)
		return authh_main(debug, verbose);
	fprintf(stderr, "slirpd: unknown role %s\n", role);
	return 1;
}
