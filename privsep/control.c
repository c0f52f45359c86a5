/*
 * The control socket: slirpctl(8), for root only.  Requests come one at
 * a time per connection; "show" asks every engine concerned for its
 * counters (IMSG_ENG_STATS_REQ) and answers once all have replied, their
 * sessions have ended, or CONTROL_TIMEOUT has passed, so a stuck engine
 * delays slirpctl but never the parent.  "kill" asks the engine to exit
 * and sends SIGKILL if it is still there CONTROL_KILLWAIT later.
 * Anything malformed drops the connection that sent it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "ctl_imsg.h"
#include "engine_imsg.h"
#include "log.h"
#include "parent.h"
#include "unixsock.h"

enum ctl_op { OP_NONE, OP_SESSIONS, OP_STATS };
enum row_state { ROW_WAIT, ROW_GOT, ROW_NONE, ROW_GONE };

struct ctl_row {
	struct ctl_session	 cs;
	struct engine_stats	 st;
	enum row_state		 state;
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn) entry;
	int		 fd;
	struct imsgbuf	 ibuf;
	uid_t		 uid;
	pid_t		 pid;
	int		 dead;		/* no more requests; free once written */
	int		 broken;	/* free now */
	enum ctl_op	 op;
	uint32_t	 want;		/* OP_STATS: the session, 0 = all */
	struct ctl_row	*rows;
	size_t		 nrows, nwait;
	uint64_t	 deadline;	/* ms, while op != OP_NONE */
};
TAILQ_HEAD(ctl_conns, ctl_conn);

/* A session slirpctl killed: SIGKILL for its engine if it lingers. */
struct ctl_kill {
	TAILQ_ENTRY(ctl_kill) entry;
	uint32_t	 id;
	uint64_t	 deadline;	/* ms */
};
TAILQ_HEAD(ctl_kills, ctl_kill);

static struct {
	struct unixsock	 us;
	struct ctl_conns conns;
	unsigned int	 nconns;
	struct ctl_kills kills;		/* one per live session at most */
	/* What control_fill() put in each slot; NULL is the listener. */
	struct ctl_conn	*slot[CONTROL_NPFD];
} ctl = { .us.fd = -1, .conns = TAILQ_HEAD_INITIALIZER(ctl.conns),
    .kills = TAILQ_HEAD_INITIALIZER(ctl.kills) };

static void	 ctl_finish(struct ctl_conn *);

static void
ctl_drop(struct ctl_conn *c, const char *why)
{
	if (why != NULL)
		log_warnx("control: pid %d: %s, dropped", (int)c->pid, why);
	c->dead = c->broken = 1;
}

static void
ctl_text(struct ctl_conn *c, uint32_t type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ctl_text(struct ctl_conn *c, uint32_t type, const char *fmt, ...)
{
	char buf[CTL_MAXTEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (imsg_compose(&c->ibuf, type, 0, 0, -1, buf, strlen(buf) + 1)
	    == -1)
		ctl_drop(c, "cannot queue a reply");
}

static void
ctl_free(struct ctl_conn *c)
{
	TAILQ_REMOVE(&ctl.conns, c, entry);
	ctl.nconns--;
	imsg_clear(&c->ibuf);
	close(c->fd);
	free(c->rows);
	free(c);
}

int
control_init(const char *path)
{
	/* Root's only from the first moment (SO_PEERCRED checks again). */
	if (unixsock_listen(&ctl.us, path, 0600, 8) == -1) {
		log_warnx("%s: no control socket", __func__);
		return -1;
	}
	log_info("%s: control socket %s", __func__, path);
	return 0;
}

static void
ctl_kill_forget(uint32_t id)
{
	struct ctl_kill *k;

	TAILQ_FOREACH(k, &ctl.kills, entry)
		if (k->id == id) {
			TAILQ_REMOVE(&ctl.kills, k, entry);
			free(k);
			return;
		}
}

/* Engines told to exit that did not: a stuck engine is killed. */
static void
ctl_kill_expire(uint64_t now)
{
	struct ctl_kill *k, *nk;
	struct session *s;

	for (k = TAILQ_FIRST(&ctl.kills); k != NULL; k = nk) {
		nk = TAILQ_NEXT(k, entry);
		if (now < k->deadline)
			continue;
		TAILQ_FOREACH(s, &penv->sessions, entry)
			if (s->id == k->id)
				break;
		if (s != NULL && s->engine != NULL)
			proc_kill(s->engine, "did not exit after slirpctl kill");
		TAILQ_REMOVE(&ctl.kills, k, entry);
		free(k);
	}
}

void
control_close(void)
{
	while (!TAILQ_EMPTY(&ctl.conns))
		ctl_free(TAILQ_FIRST(&ctl.conns));
	while (!TAILQ_EMPTY(&ctl.kills))
		ctl_kill_forget(TAILQ_FIRST(&ctl.kills)->id);
	unixsock_close(&ctl.us);
}

static void
ctl_accept(void)
{
	struct ctl_conn *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	if ((fd = accept4(ctl.us.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1) {
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
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	c->fd = fd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	imsg_init(&c->ibuf, fd);
	TAILQ_INSERT_TAIL(&ctl.conns, c, entry);
	ctl.nconns++;
	if (cred.uid != 0) {
		log_warnx("%s: uid %u pid %d refused: not root", __func__,
		    (unsigned)cred.uid, (int)cred.pid);
		ctl_text(c, IMSG_CTL_ERROR, "permission denied: "
		    "slirpctl is for root only");
		c->dead = 1;
		if (imsg_write(&c->ibuf) != 1)
			c->broken = 1;
		return;
	}
	log_debug("%s: slirpctl pid %d", __func__, (int)cred.pid);
}

static struct session *
ctl_session(uint32_t id)
{
	struct session *s;

	TAILQ_FOREACH(s, &penv->sessions, entry)
		if (s->id == id)
			return s;
	return NULL;
}

static int
ctl_engine_alive(const struct session *s)
{
	return s->engine != NULL && s->engine->chan != -1 &&
	    !s->engine->killed;
}

/* One row of a "show", and the engine asked for its counters. */
static void
ctl_row_init(struct ctl_conn *c, struct ctl_row *r, struct session *s,
    uint64_t now)
{
	struct child *e = s->engine;

	r->cs.id = s->id;
	r->cs.pid = e != NULL ? (int32_t)e->pid : 0;
	r->cs.uid = s->uid;
	r->cs.guest_addr = s->opts.guest_addr;
	r->cs.age_ms = now - s->started;
	strlcpy(r->cs.user, s->user, sizeof(r->cs.user));
	strlcpy(r->cs.tty, s->tty, sizeof(r->cs.tty));
	r->state = ROW_NONE;
	if (!ctl_engine_alive(s)) {
		r->cs.flags |= CTL_SF_ENDING;
		return;
	}
	/* Not sandboxed yet, or not reading: it cannot answer now. */
	if (!e->ready || imsg_queued(&e->ibuf) >= CHILD_MAXQUEUED)
		return;
	if (imsg_compose(&e->ibuf, IMSG_ENG_STATS_REQ, s->id, 0, -1, NULL,
	    0) == -1)
		return;
	r->state = ROW_WAIT;
	c->nwait++;
}

static void
ctl_show(struct ctl_conn *c, enum ctl_op op, uint32_t want)
{
	struct session *s;
	uint64_t now = parent_now();
	size_t n = 0;

	TAILQ_FOREACH(s, &penv->sessions, entry)
		if (want == 0 || s->id == want)
			n++;
	if (want != 0 && n == 0) {
		ctl_text(c, IMSG_CTL_ERROR, "no session %u", want);
		return;
	}
	if ((c->rows = calloc(n == 0 ? 1 : n, sizeof(*c->rows))) == NULL) {
		ctl_text(c, IMSG_CTL_ERROR, "out of memory");
		return;
	}
	c->op = op;
	c->want = want;
	c->nrows = c->nwait = 0;
	c->deadline = now + CONTROL_TIMEOUT;
	TAILQ_FOREACH(s, &penv->sessions, entry)
		if (want == 0 || s->id == want)
			ctl_row_init(c, &c->rows[c->nrows++], s, now);
	if (c->nwait == 0)
		ctl_finish(c);
}

static void
ctl_finish_sessions(struct ctl_conn *c)
{
	struct ctl_row *r;
	uint32_t u;
	size_t i;

	for (i = 0; i < c->nrows; i++) {
		r = &c->rows[i];
		if (r->state == ROW_GOT) {
			r->cs.flags |= CTL_SF_STATS;
			r->cs.nunits = r->st.nunits;
			for (u = 0; u < r->st.nunits; u++) {
				r->cs.bytes_in += r->st.unit[u].bytes_in;
				r->cs.bytes_out += r->st.unit[u].bytes_out;
			}
		} else if (r->state == ROW_GONE)
			r->cs.flags |= CTL_SF_ENDING;
		if (imsg_compose(&c->ibuf, IMSG_CTL_SESSION, 0, 0, -1, &r->cs,
		    sizeof(r->cs)) == -1) {
			ctl_drop(c, "cannot queue a reply");
			return;
		}
	}
	imsg_compose(&c->ibuf, IMSG_CTL_END, 0, 0, -1, NULL, 0);
}

static void
ctl_finish_stats(struct ctl_conn *c)
{
	struct ctl_row *r;
	size_t i;

	if (c->want != 0 && c->rows[0].state != ROW_GOT) {
		ctl_text(c, IMSG_CTL_ERROR, c->rows[0].state == ROW_GONE ?
		    "session %u ended" : "session %u: its engine did not "
		    "answer", c->want);
		return;
	}
	for (i = 0; i < c->nrows; i++) {
		r = &c->rows[i];
		if (r->state != ROW_GOT)
			continue;
		if (imsg_compose(&c->ibuf, IMSG_CTL_STATS, 0, 0, -1, &r->st,
		    sizeof(r->st)) == -1) {
			ctl_drop(c, "cannot queue a reply");
			return;
		}
	}
	imsg_compose(&c->ibuf, IMSG_CTL_END, 0, 0, -1, NULL, 0);
}

/* Every engine answered, ended or ran out of time: reply. */
static void
ctl_finish(struct ctl_conn *c)
{
	size_t i;

	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].state == ROW_WAIT)
			c->rows[i].state = ROW_NONE;
	if (c->op == OP_SESSIONS)
		ctl_finish_sessions(c);
	else
		ctl_finish_stats(c);
	free(c->rows);
	c->rows = NULL;
	c->nrows = c->nwait = 0;
	c->op = OP_NONE;
}

static void
ctl_kill(struct ctl_conn *c, uint32_t id)
{
	struct ctl_kill *k;
	struct session *s;

	if ((s = ctl_session(id)) == NULL) {
		ctl_text(c, IMSG_CTL_ERROR, "no session %u", id);
		return;
	}
	if (!ctl_engine_alive(s)) {
		ctl_text(c, IMSG_CTL_ERROR, "session %u is already ending",
		    id);
		return;
	}
	log_info("control: session %u: killed by slirpctl", id);
	session_stop(s);
	ctl_kill_forget(id);
	if ((k = calloc(1, sizeof(*k))) != NULL) {
		k->id = id;
		k->deadline = parent_now() + CONTROL_KILLWAIT;
		TAILQ_INSERT_TAIL(&ctl.kills, k, entry);
	}
	ctl_text(c, IMSG_CTL_OK, "session %u: ending", id);
}

static void
ctl_reload(struct ctl_conn *c)
{
	log_info("control: reload requested by slirpctl");
	if (parent_reload() == -1)
		ctl_text(c, IMSG_CTL_ERROR, "%s has errors, keeping the old "
		    "configuration (see the log)", penv->conffile);
	else
		ctl_text(c, IMSG_CTL_OK, "configuration reloaded");
}

/* One request; -1 when it is malformed. */
static int
ctl_request(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_id ci;
	size_t len = imsg_get_len(imsg);

	/* One request at a time, and never a descriptor. */
	if (c->op != OP_NONE || imsg->fd != -1)
		return -1;
	switch (imsg->hdr.type) {
	case IMSG_CTL_SHOW_SESSIONS:
		if (len != 0)
			return -1;
		ctl_show(c, OP_SESSIONS, 0);
		return 0;
	case IMSG_CTL_SHOW_STATS:
		if (len != sizeof(ci))
			return -1;
		memcpy(&ci, imsg->data, sizeof(ci));
		ctl_show(c, OP_STATS, ci.id);
		return 0;
	case IMSG_CTL_KILL:
		if (len != sizeof(ci))
			return -1;
		memcpy(&ci, imsg->data, sizeof(ci));
		ctl_kill(c, ci.id);
		return 0;
	case IMSG_CTL_RELOAD:
		if (len != 0)
			return -1;
		ctl_reload(c);
		return 0;
	}
	return -1;
}

static void
ctl_dispatch(struct ctl_conn *c)
{
	struct imsg imsg;
	char why[96];
	ssize_t n;
	int rv;

	if ((n = imsg_read(&c->ibuf)) == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		ctl_drop(c, NULL);	/* slirpctl is done */
		return;
	}
	while (!c->dead) {
		if ((n = imsg_get(&c->ibuf, &imsg)) == -1) {
			ctl_drop(c, "malformed message header");
			return;
		}
		if (n == 0)
			break;
		rv = ctl_request(c, &imsg);
		if (rv == -1)
			snprintf(why, sizeof(why), "bad message type %u, "
			    "length %zu", imsg.hdr.type, imsg_get_len(&imsg));
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg_free(&imsg);
		if (rv == -1) {
			ctl_drop(c, why);
			return;
		}
	}
	if (imsg_pending_write(&c->ibuf) && imsg_write(&c->ibuf) != 1)
		ctl_drop(c, NULL);
}

int
control_timeout(int timeout)
{
	struct ctl_conn *c;
	struct ctl_kill *k;
	uint64_t now = parent_now();
	int64_t left;

	TAILQ_FOREACH(c, &ctl.conns, entry) {
		if (c->op == OP_NONE)
			continue;
		left = c->deadline > now ? (int64_t)(c->deadline - now) : 0;
		if (timeout < 0 || left < timeout)
			timeout = (int)left;
	}
	TAILQ_FOREACH(k, &ctl.kills, entry) {
		left = k->deadline > now ? (int64_t)(k->deadline - now) : 0;
		if (timeout < 0 || left < timeout)
			timeout = (int)left;
	}
	return timeout;
}

size_t
control_fill(struct pollfd *pfd, size_t max)
{
	struct ctl_conn *c, *nc;
	uint64_t now = parent_now();
	size_t n = 0;

	ctl_kill_expire(now);
	for (c = TAILQ_FIRST(&ctl.conns); c != NULL; c = nc) {
		nc = TAILQ_NEXT(c, entry);
		if (c->op != OP_NONE && now >= c->deadline)
			ctl_finish(c);
		if (c->broken ||
		    (c->dead && !imsg_pending_write(&c->ibuf)))
			ctl_free(c);
	}
	if (max > CONTROL_NPFD)
		max = CONTROL_NPFD;
	if (ctl.us.fd != -1 && ctl.nconns < CONTROL_MAXCONN && n < max) {
		pfd[n] = (struct pollfd){ .fd = ctl.us.fd, .events = POLLIN };
		ctl.slot[n++] = NULL;
	}
	TAILQ_FOREACH(c, &ctl.conns, entry) {
		if (n >= max)
			break;
		pfd[n] = (struct pollfd){ .fd = c->fd,
		    .events = (c->dead ? 0 : POLLIN) |
		    (imsg_pending_write(&c->ibuf) ? POLLOUT : 0) };
		ctl.slot[n++] = c;
	}
	return n;
}

void
control_events(const struct pollfd *pfd, size_t n)
{
	struct ctl_conn *c;
	size_t i;

	for (i = 0; i < n && i < CONTROL_NPFD; i++) {
		if (pfd[i].revents == 0)
			continue;
		if ((c = ctl.slot[i]) == NULL) {
			ctl_accept();
			continue;
		}
		if (c->broken)
			continue;
		if (pfd[i].revents & POLLOUT && imsg_write(&c->ibuf) != 1) {
			ctl_drop(c, NULL);
			continue;
		}
		if (c->dead) {
			if (pfd[i].revents & (POLLHUP | POLLERR))
				c->broken = 1;
			continue;
		}
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			ctl_dispatch(c);
	}
}

int
control_engine_stats(struct session *s, const void *data, size_t len)
{
	struct engine_stats es;
	struct ctl_conn *c;
	size_t i;

	if (len != sizeof(es))
		return -1;
	memcpy(&es, data, sizeof(es));
	if (es.sessid != s->id || es.nunits > ENGINE_MAXUNITS)
		return -1;
	TAILQ_FOREACH(c, &ctl.conns, entry) {
		if (c->op == OP_NONE)
			continue;
		for (i = 0; i < c->nrows; i++) {
			if (c->rows[i].cs.id != s->id ||
			    c->rows[i].state != ROW_WAIT)
				continue;
			c->rows[i].st = es;
			c->rows[i].state = ROW_GOT;
			c->nwait--;
		}
		if (c->nwait == 0)
			ctl_finish(c);
	}
	return 0;
}

void
control_session_gone(struct session *s)
{
	struct ctl_conn *c;
	size_t i;

	ctl_kill_forget(s->id);
	TAILQ_FOREACH(c, &ctl.conns, entry) {
		if (c->op == OP_NONE)
			continue;
		for (i = 0; i < c->nrows; i++) {
			if (c->rows[i].cs.id != s->id ||
			    c->rows[i].state != ROW_WAIT)
				continue;
			c->rows[i].state = ROW_GONE;
			c->nwait--;
		}
		if (c->nwait == 0)
			ctl_finish(c);
	}
}
