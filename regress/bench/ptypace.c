/*
 * ptypace -- an emulated serial line between two ptys: copies bytes both
 * ways at no more than RATE bytes per second each, in small bursts, the
 * way a UART at 115200 baud (8N1: 11520 bytes/s) would.
 *
 * usage: ptypace [-r RATE] [-b BURST] [-g GAP] [-f slip|ppp] PTY
 *
 * PTY is the guest's end (QEMU's "-chardev pty", a /dev/pts path).
 * ptypace makes a new pty pair for the server, prints "pty PATH" (its
 * slave) on stdout, and copies: what the server writes goes to the guest
 * ("down"), what the guest writes to the server ("up").  Nothing is read
 * from a side before the line has time for it, so a fast writer fills
 * its pty buffer and blocks there, as it would on a real serial port.
 *
 * Credit accrues at RATE from the monotonic clock and is capped at BURST
 * bytes (default 128, about 11 ms at 11520 bytes/s), so a late wake-up
 * costs no line time unless it is later than that; credit lost to the
 * cap while the sender had data waiting is counted ("late").  To be
 * late less often on a busy machine, ptypace asks for SCHED_FIFO (it
 * sleeps most of the time) and goes on without it when refused.
 *
 * Activity is reported in bursts: bytes in either direction after at
 * least GAP ms (default 1000) of silence open one, GAP ms of silence end
 * it, and then one line goes to stdout:
 *
 *	burst SECS down BYTES FRAMES ESCAPES IDLE LATE up BYTES FRAMES ESCAPES
 *
 * SECS from the first to the last byte of the burst, FRAMES and ESCAPES
 * counted with -f (frames: a delimiter, SLIP END or PPP flag, followed
 * by another byte; escapes: SLIP ESC or PPP control-escape bytes),
 * IDLE the bytes of line time the downstream sender left unused (credit
 * lost while it had nothing to send), LATE the bytes lost to our own
 * late wake-ups.
 */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BUFMAX	4096

struct dir {
	const char	*name;
	int		 src, dst;
	double		 credit;
	int		 backlog;	/* the last read took all we asked */
	int		 prev;		/* the last byte moved */
	unsigned char	 buf[BUFMAX];
	size_t		 off, len;	/* read, not yet written */
	/* this burst */
	uint64_t	 bytes, frames, escapes;
	double		 idle, late;
	double		 idle_then;	/* idle at the last byte moved */
};

static double	rate = 11520, burst = 128;
static int	framing;	/* 0 none, 1 SLIP, 2 PPP */

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
make_raw(int fd, const char *what)
{
	struct termios	t;

	if (tcgetattr(fd, &t) == -1)
		err(1, "tcgetattr %s", what);
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		err(1, "tcsetattr %s", what);
}

static void
set_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		err(1, "fcntl");
}

/* A frame starts where a delimiter is followed by something else. */
static void
count(struct dir *d, const unsigned char *p, size_t n)
{
	size_t	i;
	int	end = framing == 1 ? 0xc0 : 0x7e;
	int	esc = framing == 1 ? 0xdb : 0x7d;

	d->bytes += n;
	if (framing == 0)
		return;
	for (i = 0; i < n; i++) {
		if (d->prev == end && p[i] != end)
			d->frames++;
		if (p[i] == esc)
			d->escapes++;
		d->prev = p[i];
	}
}

/* Credit for dt seconds; what the cap takes is idle or late time. */
static void
accrue(struct dir *d, double dt, int busy)
{
	d->credit += dt * rate;
	if (d->credit <= burst)
		return;
	if (busy) {
		if (d->backlog || d->len > d->off)
			d->late += d->credit - burst;
		else
			d->idle += d->credit - burst;
	}
	d->credit = burst;
}

/* Move what the credit allows; returns bytes moved, -1 on EOF/error. */
static ssize_t
pump(struct dir *d)
{
	ssize_t	n, moved = 0;
	size_t	want;

	if (d->off == d->len && d->credit >= 1) {
		want = (size_t)d->credit;
		if (want > sizeof(d->buf))
			want = sizeof(d->buf);
		n = read(d->src, d->buf, want);
		if (n == 0 || (n == -1 && errno == EIO))
			return -1;
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				err(1, "read %s", d->name);
			d->backlog = 0;
			return 0;
		}
		d->backlog = (size_t)n == want;
		d->off = 0;
		d->len = (size_t)n;
		d->credit -= (double)n;
		count(d, d->buf, (size_t)n);
		moved = n;
	}
	if (d->off < d->len) {
		n = write(d->dst, d->buf + d->off, d->len - d->off);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			if (errno == EIO)
				return -1;
			err(1, "write %s", d->name);
		}
		if (n > 0)
			d->off += (size_t)n;
	}
	return moved;
}

static void
report(struct dir *dn, struct dir *up, double secs)
{
	printf("burst %.4f down %llu %llu %llu %.0f %.0f up %llu %llu %llu\n",
	    secs, (unsigned long long)dn->bytes,
	    (unsigned long long)dn->frames, (unsigned long long)dn->escapes,
	    dn->idle_then, dn->late, (unsigned long long)up->bytes,
	    (unsigned long long)up->frames, (unsigned long long)up->escapes);
	fflush(stdout);
	dn->bytes = dn->frames = dn->escapes = 0;
	up->bytes = up->frames = up->escapes = 0;
	dn->idle = dn->late = up->idle = up->late = 0;
	dn->idle_then = up->idle_then = 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ptypace [-r rate] [-b burst] [-g gap_ms] "
	    "[-f slip|ppp] pty\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct dir	 dn = { .name = "down", .prev = -1 },
			 up = { .name = "up", .prev = -1 };
	struct pollfd	 pfd[2];
	struct sched_param sp;
	double		 gap = 1.0, t, last, first = 0, lastbyte = 0;
	int		 ch, guest, m, s, timeout, inburst = 0;
	ssize_t		 a, b;
	char		 name[64];

	while ((ch = getopt(argc, argv, "b:f:g:r:")) != -1) {
		switch (ch) {
		case 'b':
			burst = atof(optarg);
			break;
		case 'f':
			if (strcmp(optarg, "slip") == 0)
				framing = 1;
			else if (strcmp(optarg, "ppp") == 0)
				framing = 2;
			else
				usage();
			break;
		case 'g':
			gap = atof(optarg) / 1000;
			break;
		case 'r':
			rate = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || rate < 1 || burst < 1 || gap <= 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	sp.sched_priority = 10;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
		warn("SCHED_FIFO (going on without)");
	if ((guest = open(argv[optind], O_RDWR | O_NOCTTY)) == -1)
		err(1, "%s", argv[optind]);
	make_raw(guest, "guest");
	if (openpty(&m, &s, name, NULL, NULL) == -1)
		err(1, "openpty");
	make_raw(s, "server");
	set_nonblock(guest);
	set_nonblock(m);
	/* We keep s open: the server may come and go without an EIO here. */
	printf("pty %s\n", name);
	fflush(stdout);

	dn.src = m;
	dn.dst = guest;
	up.src = guest;
	up.dst = m;
	last = now();
	for (;;) {
		t = now();
		accrue(&dn, t - last, inburst);
		accrue(&up, t - last, inburst);
		last = t;
		if ((a = pump(&dn)) == -1 || (b = pump(&up)) == -1)
			break;
		if (a > 0 || b > 0) {
			if (!inburst) {
				inburst = 1;
				first = t;
			}
			lastbyte = t;
			/* The silence that ends a burst is no idle time. */
			dn.idle_then = dn.idle;
			up.idle_then = up.idle;
		} else if (inburst && t - lastbyte >= gap) {
			inburst = 0;
			report(&dn, &up, lastbyte - first);
		}
		/*
		 * Wake for input only while there is credit for it, else
		 * when the next bytes' worth of credit has accrued (1 ms).
		 */
		pfd[0].fd = m;
		pfd[0].events = 0;
		pfd[1].fd = guest;
		pfd[1].events = 0;
		timeout = inburst ? (int)(gap * 1000) : -1;
		if (dn.off < dn.len)
			pfd[1].events |= POLLOUT;
		else if (dn.credit >= 1)
			pfd[0].events |= POLLIN;
		if (up.off < up.len)
			pfd[0].events |= POLLOUT;
		else if (up.credit >= 1)
			pfd[1].events |= POLLIN;
		if (dn.credit < burst || up.credit < burst)
			timeout = 1;
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR)
			err(1, "poll");
	}
	if (inburst)
		report(&dn, &up, lastbyte - first);
	return 0;
}
