/*
 * fakedaemon SOCKPATH OUTFILE MODE: a stand-in for the slirpd parent's
 * client socket.  It accepts one client, checks SO_PEERCRED, receives
 * HELLO (which must carry a tty), the ARGs and GO, writes what it got
 * to OUTFILE, then answers by MODE:
 *   banner   apply the ARGs with slirpcmd_apply (ERROR with its message
 *            on the first bad one), else BANNER (slirpcmd_banner), ENDED
 *   error    BANNER "checking...", then ERROR "policy says no"
 *   failed   BANNER, then ENDED with ENDED_FAILED
 *   close    BANNER, then close the connection without ENDED
 *   hold     BANNER, then wait for the client to go away
 * Every step is written to OUTFILE as a line, so a test can see how far
 * it came.  The socket appears (by rename) only once it listens.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_imsg.h"
#include "imsg.h"
#include "slirpcmd.h"

static FILE	*out;

static void
note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

static void
bail(const char *what)
{
	note("fail %s", what);
	exit(2);
}

static int
listen_at(const char *path)
{
	struct sockaddr_un sun;
	char tmp[sizeof(sun.sun_path)];
	int s;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		bail("path too long");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, tmp, strlen(tmp) + 1);
	unlink(tmp);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 1) == -1 || rename(tmp, path) == -1)
		bail("listen");
	return s;
}

/* Wait for one message; exits when the client goes away. */
static void
next_msg(struct imsgbuf *ib, struct imsg *m)
{
	ssize_t n;

	for (;;) {
		if ((n = imsg_get(ib, m)) == -1)
			bail("imsg_get");
		if (n > 0)
			return;
		if ((n = imsg_read(ib)) == -1 && errno != EAGAIN)
			bail("imsg_read");
		if (n == 0) {
			note("client closed");
			exit(0);
		}
	}
}

static void
send_text(struct imsgbuf *ib, uint32_t type, const char *s)
{
	if (imsg_compose(ib, type, 0, getpid(), -1, s, strlen(s) + 1) == -1 ||
	    imsg_flush(ib) == -1)
		bail("send");
}

static void
send_ended(struct imsgbuf *ib, uint32_t reason)
{
	struct client_ended e;

	memset(&e, 0, sizeof(e));
	e.reason = reason;
	if (imsg_compose(ib, IMSG_CLIENT_ENDED, 0, getpid(), -1, &e,
	    sizeof(e)) == -1 || imsg_flush(ib) == -1)
		bail("send");
}

static void
recv_hello(struct imsgbuf *ib)
{
	struct client_hello h;
	struct imsg m;
	const char *name;

	next_msg(ib, &m);
	if (m.hdr.type != IMSG_CLIENT_HELLO || imsg_get_len(&m) != sizeof(h))
		bail("hello expected");
	memcpy(&h, m.data, sizeof(h));
	if (m.fd == -1 || !isatty(m.fd))
		bail("hello without a tty");
	name = ttyname(m.fd);
	note("hello version=%u unit=%d flags=%u tty=%s", h.version, h.unit,
	    h.flags, name ? name : "?");
	close(m.fd);
	imsg_free(&m);
}

/* ARGs until GO; in banner mode, applied as the parent would. */
static int
recv_args(struct imsgbuf *ib, struct session_opts *o, char *err,
    size_t errlen)
{
	struct imsg m;
	const char *s;
	size_t len;
	int bad = 0;

	for (;;) {
		next_msg(ib, &m);
		if (m.fd != -1)
			bail("fd on a message other than hello");
		if (m.hdr.type == IMSG_CLIENT_GO) {
			if (imsg_get_len(&m) != 0)
				bail("go with a payload");
			imsg_free(&m);
			note("go");
			return bad;
		}
		if (m.hdr.type != IMSG_CLIENT_ARG)
			bail("arg or go expected");
		s = m.data;
		len = imsg_get_len(&m);
		if (len == 0 || len > CLIENT_MAXARG || s[len - 1] != '\0' ||
		    strlen(s) != len - 1)
			bail("malformed arg");
		note("arg [%s]", s);
		if (!bad && slirpcmd_apply(o, s, err, errlen) == -1)
			bad = 1;
		imsg_free(&m);
	}
}

int
main(int argc, char *argv[])
{
	struct session_opts o;
	struct imsgbuf ib;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct imsg m;
	char err[256], banner[2048];
	const char *mode;
	int ls, s, bad;

	if (argc != 4) {
		fprintf(stderr, "usage: fakedaemon sockpath outfile mode\n");
		return 2;
	}
	if ((out = fopen(argv[2], "w")) == NULL)
		return 2;
	mode = argv[3];
	ls = listen_at(argv[1]);
	if ((s = accept(ls, NULL, NULL)) == -1)
		bail("accept");
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
	    crlen != sizeof(cr))
		bail("SO_PEERCRED");
	note("peer uid=%u", (unsigned)cr.uid);
	imsg_init(&ib, s);
	recv_hello(&ib);
	slirpcmd_defaults(&o);
	bad = recv_args(&ib, &o, err, sizeof(err));

	if (strcmp(mode, "banner") == 0) {
		if (bad) {
			note("error [%s]", err);
			send_text(&ib, IMSG_CLIENT_ERROR, err);
			return 0;
		}
		slirpcmd_banner(&o, banner, sizeof(banner));
		send_text(&ib, IMSG_CLIENT_BANNER, banner);
		send_ended(&ib, ENDED_NORMAL);
	} else if (strcmp(mode, "error") == 0) {
		send_text(&ib, IMSG_CLIENT_BANNER, "checking...\n");
		send_text(&ib, IMSG_CLIENT_ERROR, "policy says no");
	} else if (strcmp(mode, "failed") == 0) {
		send_text(&ib, IMSG_CLIENT_BANNER, "starting\n");
		send_ended(&ib, ENDED_FAILED);
	} else if (strcmp(mode, "close") == 0) {
		send_text(&ib, IMSG_CLIENT_BANNER, "starting\n");
	} else if (strcmp(mode, "hold") == 0) {
		send_text(&ib, IMSG_CLIENT_BANNER, "holding\n");
		note("holding");
		next_msg(&ib, &m);	/* exits with "client closed" */
		bail("unexpected message");
	} else
		bail("unknown mode");
	note("done");
	imsg_clear(&ib);
	close(s);
	return 0;
}
