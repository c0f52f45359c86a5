/*
 * A slirp(1) stand-in for the slirpctl tests: it opens a pty, becomes
 * a user, hands the pty's slave side to the daemon (HELLO, GO) and
 * waits for the end of the session.  Each SIGUSR1 makes it write a
 * SLIP frame holding an IPv4 header with a wrong checksum into the pty
 * master, so the session's ip_bad_sum counter must go up by one.
 *
 *	ctlclient -S sock [-u user]
 *
 * Output: "ready" once the banner came, "sent N" after each bad frame,
 * "ended N" (the client_ended reason) or "error: TEXT" at the end.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client_imsg.h"
#include "imsg.h"

int	main(int, char *[]);

static volatile sig_atomic_t	 usr1;

static void
on_usr1(int sig)
{
	usr1++;
}

/* END, a 20-byte header (checksum 0x1234 is wrong), END. */
static const unsigned char badframe[] = {
	0xc0,
	0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x01, 0x12, 0x34, 0x0a, 0x00, 0x02, 0x0f,
	0x0a, 0x00, 0x02, 0x02,
	0xc0,
};

static void
become(const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		errx(1, "no user %s", user);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		err(1, "become %s", user);
}

static int
dial(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "path too long");
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s", path);
	return fd;
}

/* One message from the daemon; exits at the end of the session. */
static void
handle(struct imsg *imsg)
{
	struct client_ended ce;
	const char *t = imsg->data;
	size_t len = imsg_get_len(imsg);

	switch (imsg->hdr.type) {
	case IMSG_CLIENT_BANNER:
		printf("ready\n");
		break;
	case IMSG_CLIENT_ERROR:
		if (len == 0 || t[len - 1] != '\0')
			errx(1, "bad ERROR");
		printf("error: %s\n", t);
		exit(1);
	case IMSG_CLIENT_ENDED:
		if (len != sizeof(ce))
			errx(1, "bad ENDED");
		memcpy(&ce, imsg->data, sizeof(ce));
		printf("ended %u\n", ce.reason);
		exit(0);
	default:
		errx(1, "unexpected message %u", imsg->hdr.type);
	}
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	static struct imsgbuf ibuf;
	struct client_hello h;
	struct imsg imsg;
	struct pollfd pfd;
	struct termios t;
	struct sigaction sa;
	const char *sock = NULL, *user = NULL;
	int ch, master, slave, fd;
	unsigned int sent = 0;
	ssize_t n;

	while ((ch = getopt(argc, argv, "S:u:")) != -1) {
		switch (ch) {
		case 'S':
			sock = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			errx(1, "usage: ctlclient -S sock [-u user]");
		}
	}
	if (sock == NULL)
		errx(1, "-S is required");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) == -1)
		err(1, "sigaction");
	/* Raw, as slirp(1) leaves its tty: every byte reaches the engine. */
	memset(&t, 0, sizeof(t));
	cfmakeraw(&t);
	cfsetspeed(&t, B38400);
	if (openpty(&master, &slave, NULL, &t, NULL) == -1)
		err(1, "openpty");
	if (user != NULL) {
		struct passwd *opw;

		/* The user's own terminal, as login(1) leaves it. */
		if ((opw = getpwnam(user)) == NULL)
			errx(1, "no user %s", user);
		if (fchown(slave, opw->pw_uid, (gid_t)-1) == -1)
			err(1, "fchown");
		become(user);
	}
	fd = dial(sock);
	imsg_init(&ibuf, fd);
	memset(&h, 0, sizeof(h));
	h.version = CLIENT_PROTO_VERSION;
	h.unit = -1;
	if (imsg_compose(&ibuf, IMSG_CLIENT_HELLO, 0, 0, slave, &h,
	    sizeof(h)) == -1 ||
	    imsg_compose(&ibuf, IMSG_CLIENT_GO, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_flush(&ibuf) == -1)
		err(1, "send");
	for (;;) {
		while (usr1 > 0) {
			usr1--;
			if (write(master, badframe, sizeof(badframe)) !=
			    (ssize_t)sizeof(badframe))
				err(1, "write");
			printf("sent %u\n", ++sent);
			fflush(stdout);
		}
		while ((n = imsg_get(&ibuf, &imsg)) > 0) {
			handle(&imsg);
			imsg_free(&imsg);
		}
		if (n == -1)
			err(1, "imsg_get");
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if ((n = imsg_read(&ibuf)) == 0)
			errx(1, "daemon closed the connection");
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(1, "read");
	}
}
