/*
 * A minimal slirp(1) stand-in for the process tests: opens a pty,
 * becomes a user (-u), connects to the daemon socket (-S), sends HELLO
 * with the pty's slave side, the arguments as ARGs and GO, then prints
 * the banner and waits for the end of the session.
 *
 *	fakeclient -S sock [-GNORz] [-u user] [arg ...]
 *
 * -z types five '0's on the line, one a second, after the banner.
 * -N passes a pipe instead of a tty; -G sends no HELLO (bad clients).
 * With -u the pty becomes the user's, as login would make it; -O leaves
 * it root's (someone else's tty); -R passes it opened read-only.
 * Output: the banner, then "ended N" (N: the client_ended reason) or
 * "error: TEXT" (exit 1).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client_imsg.h"
#include "imsg.h"

int	main(int, char *[]);

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
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "path too long");
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s", path);
	return fd;
}

/* Five zeros, a second apart: the classic way to end a session. */
static void
zeros(int master)
{
	int i;

	for (i = 0; i < 5; i++) {
		sleep(1);
		if (write(master, "0", 1) != 1)
			err(1, "write");
	}
}

int
main(int argc, char *argv[])
{
	struct client_hello h;
	struct client_ended ce;
	struct imsgbuf ibuf;
	struct imsg imsg;
	struct pollfd pfd;
	struct termios t;
	const char *sock = NULL, *user = NULL;
	char *text;
	int ch, master, slave, fd, z = 0, i, banner = 0, nohello = 0;
	int notty = 0, pp[2], othertty = 0, rdonly = 0;
	struct passwd *pw;
	ssize_t n;

	while ((ch = getopt(argc, argv, "GNORS:u:z")) != -1) {
		switch (ch) {
		case 'O':
			othertty = 1;
			break;
		case 'R':
			rdonly = 1;
			break;
		case 'G':
			nohello = 1;
			break;
		case 'N':
			notty = 1;
			break;
		case 'S':
			sock = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'z':
			z = 1;
			break;
		default:
			errx(1, "usage: fakeclient -S sock [-u user] [-z] "
			    "[arg ...]");
		}
	}
	argc -= optind;
	argv += optind;
	if (sock == NULL)
		errx(1, "-S is required");
	/* Raw, as slirp(1) leaves its tty: every byte reaches the engine. */
	memset(&t, 0, sizeof(t));
	cfmakeraw(&t);
	cfsetspeed(&t, B38400);
	if (openpty(&master, &slave, NULL, &t, NULL) == -1)
		err(1, "openpty");
	if (notty) {
		if (pipe(pp) == -1)
			err(1, "pipe");
		close(slave);
		slave = pp[0];
	}
	if (rdonly) {
		/* The same tty, through a read-only description. */
		if ((fd = open(ttyname(slave), O_RDONLY | O_NOCTTY)) == -1)
			err(1, "open %s", ttyname(slave));
		close(slave);
		slave = fd;
	}
	if (user != NULL && !othertty && !notty) {
		if ((pw = getpwnam(user)) == NULL)
			errx(1, "no user %s", user);
		if (fchown(slave, pw->pw_uid, (gid_t)-1) == -1)
			err(1, "fchown");
	}
	if (user != NULL)
		become(user);
	fd = connect_to(sock);
	imsg_init(&ibuf, fd);
	memset(&h, 0, sizeof(h));
	h.version = CLIENT_PROTO_VERSION;
	h.unit = -1;
	if (!nohello && imsg_compose(&ibuf, IMSG_CLIENT_HELLO, 0, 0, slave,
	    &h, sizeof(h)) == -1)
		err(1, "compose");
	for (i = 0; i < argc; i++)
		if (imsg_compose(&ibuf, IMSG_CLIENT_ARG, 0, 0, -1, argv[i],
		    strlen(argv[i]) + 1) == -1)
			err(1, "compose");
	if (imsg_compose(&ibuf, IMSG_CLIENT_GO, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_flush(&ibuf) == -1)
		err(1, "send");
	for (;;) {
		while ((n = imsg_get(&ibuf, &imsg)) > 0) {
			text = imsg.data;
			switch (imsg.hdr.type) {
			case IMSG_CLIENT_BANNER:
				if (imsg_get_len(&imsg) == 0 ||
				    text[imsg_get_len(&imsg) - 1] != '\0')
					errx(1, "bad banner");
				printf("%s", text);
				printf("\nbanner done\n");
				fflush(stdout);
				banner = 1;
				break;
			case IMSG_CLIENT_ERROR:
				if (imsg_get_len(&imsg) == 0 ||
				    text[imsg_get_len(&imsg) - 1] != '\0')
					errx(1, "bad error");
				printf("error: %s\n", text);
				exit(1);
			case IMSG_CLIENT_ENDED:
				if (imsg_get_len(&imsg) != sizeof(ce))
					errx(1, "bad ENDED");
				memcpy(&ce, imsg.data, sizeof(ce));
				printf("ended %u\n", ce.reason);
				exit(0);
			default:
				errx(1, "unexpected message %u",
				    imsg.hdr.type);
			}
			imsg_free(&imsg);
			if (banner && z) {
				z = 0;
				zeros(master);
			}
		}
		if (n == -1)
			err(1, "imsg_get");
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			err(1, "poll");
		if ((n = imsg_read(&ibuf)) == 0)
			errx(1, "daemon closed the connection");
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(1, "read");
	}
}
