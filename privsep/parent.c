/*
 * The parent's event loop: signals (through a signalfd, so handlers
 * never race the loop), the daemon socket, clients and children.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "control.h"
#include "log.h"
#include "parent.h"

struct parent_env *penv;

static int	 parent_signal(int);
static void	 parent_gc(void);

uint64_t
parent_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("%s", __func__);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Returns 1 when the parent must shut down. */
static int
parent_signal(int sfd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	while ((n = read(sfd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			proc_reap();
			break;
		case SIGHUP:
			parent_reload();
			break;
		case SIGTERM:
		case SIGINT:
			log_info("%s: SIG%s, shutting down", __func__,
			    sigabbrev_np(si.ssi_signo));
			return 1;
		}
	}
	return 0;
}

/* What the parser cannot know: the engine user must exist, not as root. */
int
parent_conf_usable(const struct slirpd_conf *conf)
{
	struct passwd *pw;

	if ((pw = getpwnam(conf->engine_user)) == NULL) {
		log_warnx("%s: engine user %s does not exist", __func__,
		    conf->engine_user);
		return 0;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_warnx("%s: engine user %s must not be root", __func__,
		    conf->engine_user);
		return 0;
	}
	return 1;
}

/* SIGHUP: a new configuration, or the old one if the new is broken. */
int
parent_reload(void)
{
	struct slirpd_conf *nconf;

	log_info("%s: reloading %s", __func__, penv->conffile);
	if ((nconf = parse_config(penv->conffile, 1)) == NULL ||
	    !parent_conf_usable(nconf)) {
		if (nconf != NULL)
			free_config(nconf);
		log_warnx("%s: %s has errors, keeping the old configuration",
		    __func__, penv->conffile);
		return -1;
	}
	if (strcmp(nconf->socket_path, penv->conf->socket_path) != 0)
		log_warnx("%s: socket path change needs a restart; still "
		    "listening on %s", __func__, penv->listen.path);
	/* Sessions look their policy up by name on every request. */
	free_config(penv->conf);
	penv->conf = nconf;
	log_info("%s: configuration reloaded", __func__);
	return 0;
}

/* Free what the dispatchers marked dead (never inside a dispatch). */
static void
parent_gc(void)
{
	struct client *cl, *ncl;

	TAILQ_FOREACH_SAFE(cl, &penv->clients, entry, ncl)
		if (cl->dead && !imsg_pending_write(&cl->ibuf))
			client_free(cl);
}

enum pk { PK_SIGNAL, PK_LISTEN, PK_CLIENT, PK_CHILD, PK_CHILDERR };

struct pslot {
	enum pk	 kind;
	void	*ptr;
};

static size_t
parent_fill(struct pollfd *pfd, struct pslot *slot, size_t max, int sfd)
{
	struct client *cl;
	struct child *c;
	size_t n = 0;

	pfd[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	slot[n++] = (struct pslot){ PK_SIGNAL, NULL };
	if (penv->listen.fd != -1 && penv->nclients < PARENT_MAXCLIENTS) {
		pfd[n] = (struct pollfd){ .fd = penv->listen.fd,
		    .events = POLLIN };
		slot[n++] = (struct pslot){ PK_LISTEN, NULL };
	}
	TAILQ_FOREACH(cl, &penv->clients, entry) {
		if (n >= max)
			break;
		pfd[n] = (struct pollfd){ .fd = cl->fd,
		    .events = (cl->dead ? 0 : POLLIN) |
		    (imsg_pending_write(&cl->ibuf) ? POLLOUT : 0) };
		slot[n++] = (struct pslot){ PK_CLIENT, cl };
	}
	LIST_FOREACH(c, &penv->children, entry) {
		if (n + 1 >= max)
			break;
		if (c->errfd != -1) {
			pfd[n] = (struct pollfd){ .fd = c->errfd,
			    .events = POLLIN };
			slot[n++] = (struct pslot){ PK_CHILDERR, c };
		}
		if (c->chan == -1)
			continue;
		/*
		 * A child that does not read its replies is not read
		 * either until its queue drains: each request would queue
		 * one more reply (often with an fd).  Killing it instead
		 * would punish an engine that is merely slow for a moment.
		 */
		pfd[n] = (struct pollfd){ .fd = c->chan,
		    .events = (imsg_queued(&c->ibuf) < CHILD_MAXQUEUED ?
		    POLLIN : 0) |
		    (imsg_pending_write(&c->ibuf) ? POLLOUT : 0) };
		slot[n++] = (struct pslot){ PK_CHILD, c };
	}
	return n;
}

/* Is p still a live object of its kind?  Dispatch may free others. */
static int
slot_alive(const struct pslot *sl)
{
	struct client *cl;
	struct child *c;

	if (sl->kind == PK_CLIENT) {
		TAILQ_FOREACH(cl, &penv->clients, entry)
			if (cl == sl->ptr)
				return !cl->dead;
		return 0;
	}
	if (sl->kind == PK_CHILD || sl->kind == PK_CHILDERR) {
		LIST_FOREACH(c, &penv->children, entry)
			if (c == sl->ptr)
				return sl->kind == PK_CHILD ? c->chan != -1 :
				    c->errfd != -1;
		return 0;
	}
	return 1;
}

/* The nearest deadline: clients, slirpctl, auth helpers; -1 none. */
static int
parent_timeout(void)
{
	int t = control_timeout(client_timeouts()), a = auth_timeouts();

	return a >= 0 && (t < 0 || a < t) ? a : t;
}

static int
parent_loop(int sfd)
{
	/* Each client: its socket; each child: channel and stderr. */
	size_t max = 2 + PARENT_MAXCLIENTS * 5 + 32;
	struct pollfd *pfd;
	struct pslot *slot;
	size_t i, n, nc;
	int timeout;

	if ((pfd = calloc(max + CONTROL_NPFD, sizeof(*pfd))) == NULL ||
	    (slot = calloc(max, sizeof(*slot))) == NULL)
		fatal("%s", __func__);
	for (;;) {
		timeout = parent_timeout();
		parent_gc();
		n = parent_fill(pfd, slot, max, sfd);
		nc = control_fill(pfd + n, CONTROL_NPFD);
		if (poll(pfd, n + nc, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("%s: poll", __func__);
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0 || !slot_alive(&slot[i]))
				continue;
			switch (slot[i].kind) {
			case PK_SIGNAL:
				if (parent_signal(sfd)) {
					free(pfd);
					free(slot);
					return 0;
				}
				break;
			case PK_LISTEN:
				listener_accept();
				break;
			case PK_CLIENT:
				if (pfd[i].revents & POLLOUT)
					client_write(slot[i].ptr);
				if (pfd[i].revents & (POLLIN | POLLHUP |
				    POLLERR) && slot_alive(&slot[i]))
					client_dispatch(slot[i].ptr);
				break;
			case PK_CHILD:
				if (pfd[i].revents & POLLOUT &&
				    imsg_write(&((struct child *)
				    slot[i].ptr)->ibuf) == -1)
					proc_kill(slot[i].ptr, "write error");
				if (pfd[i].revents & (POLLIN | POLLHUP |
				    POLLERR) && slot_alive(&slot[i]))
					session_dispatch(slot[i].ptr);
				break;
			case PK_CHILDERR:
				proc_stderr(slot[i].ptr);
				break;
			}
		}
		control_events(pfd + n, nc);
	}
}

int
parent_main(struct slirpd_conf *conf, const char *conffile, int debug,
    int verbose)
{
	static struct parent_env env;
	struct rlimit rl;
	sigset_t set;
	int sfd;

	penv = &env;
	env.conf = conf;
	env.conffile = conffile;
	env.debug = debug;
	env.verbose = verbose;
	env.listen.fd = -1;
	env.next_sessid = 1;
	LIST_INIT(&env.children);
	TAILQ_INIT(&env.clients);
	TAILQ_INIT(&env.sessions);
	setproctitle("parent");

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("%s: sigprocmask", __func__);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("%s: signalfd", __func__);
	/* Clients, channels and sockets in flight: more than 1024. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("%s: setrlimit", __func__);
	}
	/* A client that goes away mid-write must not kill the parent. */
	signal(SIGPIPE, SIG_IGN);

	if (listener_open(conf->socket_path) == -1)
		exit(1);
	log_info("%s: started, pid %d, listening on %s", __func__,
	    (int)getpid(), penv->listen.path);
	(void)control_init(conf->ctl_socket_path);

	parent_loop(sfd);

	listener_close();
	control_close();
	proc_terminate_all();
	while (!TAILQ_EMPTY(&env.clients))
		client_free(TAILQ_FIRST(&env.clients));
	close(sfd);
	free_config(env.conf);
	log_info("%s: exiting", __func__);
	return 0;
}
