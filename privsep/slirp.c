/*
 * slirp(1): the classic Slirp user command, in front of slirpd.  It runs
 * as the user on the user's terminal, hands that terminal to slirpd
 * over the daemon socket (the parent learns who we are from
 * SO_PEERCRED), sends the user's commands and waits while the session
 * lives.  It parses none of the commands itself (the parent applies them
 * under the user's policy), apart from "help", which it answers here.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client_imsg.h"
#include "imsg.h"
#include "slirpcmd.h"

#define SLIRPD_SOCKET_DEFAULT	"/run/slirpd/slirpd.sock"
#define SLIRP_UNIT_MAX		255
/* An rc file larger than this cannot hold CLIENT_MAXARGS useful lines. */
#define RC_MAXSIZE		(CLIENT_MAXARGS * CLIENT_MAXARG)

struct args {
	char	*v[CLIENT_MAXARGS];
	int	 n;
};

static struct termios	saved_tio;
static int		tty_raw;
static volatile sig_atomic_t got_signal;

static void	usage(void) __attribute__((noreturn));
static void	die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

static void
usage(void)
{
	fprintf(stderr, "usage: slirp [-P] [-b baud] [-l unit] [-S path] "
	    "[command ...]\n       slirp \"help [command]\"\n");
	exit(1);
}

static void
tty_restore(void)
{
	if (!tty_raw)
		return;
	/* Line noise left from the framing must not reach the shell. */
	tcflush(STDIN_FILENO, TCIFLUSH);
	/* TCSANOW: draining output could wait forever on a dead line. */
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	tty_raw = 0;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	tty_restore();
	fputs("slirp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
args_add(struct args *a, const char *s, const char *where)
{
	if (a->n == CLIENT_MAXARGS)
		die("%s: more than %d commands in all", where, CLIENT_MAXARGS);
	if (strlen(s) >= CLIENT_MAXARG)
		die("%s: command longer than %d bytes", where,
		    CLIENT_MAXARG - 1);
	if ((a->v[a->n] = strdup(s)) == NULL)
		die("%s", strerror(errno));
	a->n++;
}

/* A whole rc file, bounded; NULL when it does not exist. */
static char *
rc_slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t len = 0;
	int fd;

	/* O_NONBLOCK: a FIFO planted as ~/.slirprc must not hang us. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (errno == ENOENT)
			return NULL;
		die("%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1)
		die("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	if (st.st_size > RC_MAXSIZE)
		die("%s: larger than %d bytes", path, RC_MAXSIZE);
	if ((buf = malloc(RC_MAXSIZE + 1)) == NULL)
		die("%s", strerror(errno));
	/* The size may change under us; the buffer bound is what counts. */
	while (len <= RC_MAXSIZE) {
		r = read(fd, buf + len, RC_MAXSIZE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("%s: %s", path, strerror(errno));
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > RC_MAXSIZE)
		die("%s: larger than %d bytes", path, RC_MAXSIZE);
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/*
 * One command per line.  Blank lines and '#' comments stay here (the
 * parent would ignore them anyway, and they would use up ARG slots).
 */
static void
rc_read(struct args *a, const char *path)
{
	char where[PATH_MAX + 32], *buf, *line, *next, *p;
	size_t len, lineno = 0;

	if ((buf = rc_slurp(path, &len)) == NULL)
		return;
	if (memchr(buf, '\0', len) != NULL)
		die("%s: contains a NUL byte", path);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		p = line + strlen(line);
		while (p > line && (p[-1] == '\r' || p[-1] == ' ' ||
		    p[-1] == '\t'))
			*--p = '\0';
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		args_add(a, p, where);
	}
	free(buf);
}

static const char *
home_dir(void)
{
	const char *h;
	struct passwd *pw;

	if ((h = getenv("HOME")) != NULL && *h != '\0')
		return h;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
		return pw->pw_dir;
	die("cannot find your home directory");
}

static void
rc_files(struct args *a, int unit)
{
	char path[PATH_MAX];
	const char *home = home_dir();
	int n;

	n = snprintf(path, sizeof(path), "%s/.slirprc", home);
	if (n < 0 || (size_t)n >= sizeof(path))
		die("home directory path too long");
	rc_read(a, path);
	if (unit < 0)
		return;
	n = snprintf(path, sizeof(path), "%s/.slirprc-%d", home, unit);
	if (n < 0 || (size_t)n >= sizeof(path))
		die("home directory path too long");
	rc_read(a, path);
}

/* "help" and "help TOPIC" anywhere on the command line, answered here. */
static int
is_help(const char *s, const char **topic)
{
	if (strcmp(s, "-h") == 0 || strcmp(s, "help") == 0) {
		*topic = NULL;
		return 1;
	}
	if (strncmp(s, "help", 4) == 0 && (s[4] == ' ' || s[4] == '\t')) {
		*topic = s + 4 + strspn(s + 4, " \t");
		return 1;
	}
	return 0;
}

static const char *
optarg_of(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "slirp: option %s needs an argument\n",
		    argv[*i]);
		usage();
	}
	return argv[++*i];
}

/*
 * Slirp 1.0 mixes options and commands freely, so getopt(3) does not
 * fit.  -S and -l are ours; -P and -b are Slirp options and travel as
 * the commands "-P" and "-b N", exactly as they may appear in ~/.slirprc.
 */
static void
parse_argv(int argc, char **argv, struct args *cmds, const char **sock,
    int *unit, uint32_t *flags)
{
	char buf[CLIENT_MAXARG + 16];
	const char *a, *v, *errstr, *topic;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (is_help(a, &topic))
			exit(slirpcmd_help(stdout, topic) > 0 ? 0 : 1);
		if (strcmp(a, "-S") == 0) {
			*sock = optarg_of(argc, argv, &i);
		} else if (strcmp(a, "-l") == 0) {
			v = optarg_of(argc, argv, &i);
			*unit = (int)strtonum(v, 0, SLIRP_UNIT_MAX, &errstr);
			if (errstr != NULL)
				die("-l %s: unit is %s (0..%d)", v, errstr,
				    SLIRP_UNIT_MAX);
		} else if (strcmp(a, "-b") == 0 || strcmp(a, "-mru") == 0 ||
		    strcmp(a, "+ua") == 0) {
			/* Slirp options that take the next word. */
			v = optarg_of(argc, argv, &i);
			if (strlen(v) >= CLIENT_MAXARG)
				die("%s: argument too long", a);
			snprintf(buf, sizeof(buf), "%s %s", a, v);
			args_add(cmds, buf, "command line");
		} else if (strcmp(a, "--") == 0) {
			continue;
		} else {
			if (strcmp(a, "-P") == 0 || strcmp(a, "ppp") == 0)
				*flags |= CLIENT_F_PPP;
			args_add(cmds, a, "command line");
		}
	}
}

static int
connect_daemon(const char *path)
{
	struct sockaddr_un sun;
	int s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			die("cannot reach slirpd at %s: %s; is slirpd running?",
			    path, strerror(errno));
		die("cannot reach slirpd at %s: %s", path, strerror(errno));
	}
	return s;
}

static void
send_hello(struct imsgbuf *ib, int unit, uint32_t flags,
    const struct args *cmds)
{
	struct client_hello h;
	int fd, i;

	memset(&h, 0, sizeof(h));
	h.version = CLIENT_PROTO_VERSION;
	h.unit = unit;
	h.flags = flags;
	/* The library closes the fd it sends; stdin stays ours. */
	if ((fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		die("dup: %s", strerror(errno));
	if (imsg_compose(ib, IMSG_CLIENT_HELLO, 0, getpid(), fd, &h,
	    sizeof(h)) == -1)
		die("hello: %s", strerror(errno));
	for (i = 0; i < cmds->n; i++)
		if (imsg_compose(ib, IMSG_CLIENT_ARG, 0, getpid(), -1,
		    cmds->v[i], strlen(cmds->v[i]) + 1) == -1)
			die("arg: %s", strerror(errno));
	if (imsg_compose(ib, IMSG_CLIENT_GO, 0, getpid(), -1, NULL, 0) == -1)
		die("go: %s", strerror(errno));
	if (imsg_flush(ib) == -1)
		die("cannot talk to slirpd: %s", strerror(errno));
}

/*
 * Text from the daemon goes to the user's terminal: drop control
 * characters that could drive it, and add the CR a raw tty needs.
 */
static void
print_text(int fd, const char *s, size_t len, int raw)
{
	char out[2 * IMSG_MAXPAYLOAD];
	size_t i, n = 0;
	ssize_t w;
	unsigned char c;

	for (i = 0; i < len && s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (c == '\n') {
			if (raw)
				out[n++] = '\r';
			out[n++] = '\n';
		} else if (c == '\t' || (c >= 0x20 && c != 0x7f))
			out[n++] = (char)c;
	}
	for (i = 0; i < n; i += (size_t)w) {
		w = write(fd, out + i, n - i);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0)
			return;
	}
}

/* A NUL-terminated text payload, or the connection is broken. */
static const char *
msg_text(struct imsg *m, size_t *len)
{
	const char *s = m->data;

	*len = imsg_get_len(m);
	if (*len == 0 || s[*len - 1] != '\0')
		die("malformed message from slirpd");
	return s;
}

static void
tty_makeraw(void)
{
	struct termios t = saved_tio;

	/* The engine frames on this tty: no echo, no line discipline. */
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == -1)
		die("tcsetattr: %s", strerror(errno));
	tty_raw = 1;
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
signals_setup(sigset_t *oldmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Blocked except inside ppoll, so no signal slips in before it. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, oldmask);
}

/* Restore the terminal, then die of the signal as the shell expects. */
static void
signal_exit(int sig)
{
	sigset_t s;

	tty_restore();
	signal(sig, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* One message; returns -1 to go on, else the exit status. */
static int
dispatch(struct imsg *m)
{
	struct client_ended e;
	const char *s;
	size_t len;

	if (m->fd != -1) {
		close(m->fd);
		m->fd = -1;
	}
	switch (m->hdr.type) {
	case IMSG_CLIENT_BANNER:
		s = msg_text(m, &len);
		print_text(STDOUT_FILENO, s, len, tty_raw);
		return -1;
	case IMSG_CLIENT_ERROR:
		s = msg_text(m, &len);
		tty_restore();
		fputs("slirp: ", stderr);
		fflush(stderr);
		print_text(STDERR_FILENO, s, len, 0);
		fputc('\n', stderr);
		return 1;
	case IMSG_CLIENT_ENDED:
		if (imsg_get_len(m) != sizeof(e))
			die("malformed message from slirpd");
		memcpy(&e, m->data, sizeof(e));
		tty_restore();
		if (e.reason == ENDED_FAILED) {
			fprintf(stderr, "slirp: the session failed\n");
			return 1;
		}
		return 0;
	default:
		die("unexpected message %u from slirpd", m->hdr.type);
	}
}

static int
session_wait(struct imsgbuf *ib, const sigset_t *waitmask)
{
	struct pollfd pfd;
	struct imsg m;
	ssize_t n;
	int rv;

	for (;;) {
		if (got_signal)
			signal_exit(got_signal);
		pfd.fd = ib->fd;
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, NULL, waitmask) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		n = imsg_read(ib);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1)
			die("read from slirpd: %s", strerror(errno));
		if (n == 0) {
			/* The daemon went away: the session is over. */
			tty_restore();
			return 0;
		}
		for (;;) {
			n = imsg_get(ib, &m);
			if (n == -1)
				die("malformed message from slirpd");
			if (n == 0)
				break;
			rv = dispatch(&m);
			imsg_free(&m);
			if (rv != -1)
				return rv;
		}
	}
}

int
main(int argc, char *argv[])
{
	struct args cmds, all;
	struct imsgbuf ib;
	sigset_t waitmask;
	const char *sock = NULL;
	uint32_t flags = 0;
	int unit = -1, s, i, rv;

	memset(&cmds, 0, sizeof(cmds));
	memset(&all, 0, sizeof(all));
	parse_argv(argc, argv, &cmds, &sock, &unit, &flags);
	if (!isatty(STDIN_FILENO))
		die("standard input is not a terminal; run slirp on the line "
		    "your SLIP/PPP software dials in on");
	if (tcgetattr(STDIN_FILENO, &saved_tio) == -1)
		die("tcgetattr: %s", strerror(errno));
	if (sock == NULL && (sock = getenv("SLIRPD_SOCKET")) != NULL &&
	    *sock == '\0')
		sock = NULL;
	if (sock == NULL)
		sock = SLIRPD_SOCKET_DEFAULT;

	/* rc lines first, then the command line: later settings win. */
	rc_files(&all, unit);
	for (i = 0; i < cmds.n; i++)
		args_add(&all, cmds.v[i], "command line");

	s = connect_daemon(sock);
	imsg_init(&ib, s);
	signals_setup(&waitmask);
	send_hello(&ib, unit, flags, &all);
	fflush(stdout);
	tty_makeraw();
	rv = session_wait(&ib, &waitmask);
	tty_restore();
	imsg_clear(&ib);
	close(s);
	for (i = 0; i < cmds.n; i++)
		free(cmds.v[i]);
	for (i = 0; i < all.n; i++)
		free(all.v[i]);
	return rv;
}
