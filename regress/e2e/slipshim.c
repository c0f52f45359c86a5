/*
 * slipshim -- connect a network namespace's kernel to a SLIP server on a pty.
 *
 * usage: slipshim [-bc] [-m mtu] [-l loss_percent] [-s seed] -n NETNS
 *            -a ADDR[/PREFIX] -- command [args ...]
 *
 * A TUN device "sl0" is created inside NETNS and configured (address, mtu,
 * up, default route).  The command (a Slirp-like server: slirp-fullbolt,
 * or slirpd's slirp front end) runs in the original namespace on the slave
 * side of a fresh pty, as its stdin/stdout/stderr and controlling tty.  The
 * shim pumps IPv4 packets between the TUN device and the pty master with its
 * own RFC 1055 SLIP encoder and decoder, so the kernel of the namespace
 * becomes the SLIP client.  Bytes outside valid frames (a banner) are
 * skipped (-b shows their printable text on stderr: the server's banner).
 * -l drops that percentage of frames in each direction, chosen by
 * a seeded PRNG, for loss tests.  -c talks CSLIP: TCP sent to the line is
 * VJ-compressed (RFC 1144, slirpd's daemon/vj.c) and VJ frames from the
 * line are rebuilt; a frame dropped by -l on the way in is reported to
 * the decompressor as lost, as a real driver sees a damaged frame.
 *
 * The shim exits with the command's status when it exits (128+signal when
 * killed), or kills the command on SIGTERM/SIGINT/SIGHUP.  Counters are
 * printed to stderr at exit.
 *
 * This is test code: it trusts nothing it reads from the pty (the server is
 * the thing under test), but it does trust its command line.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <linux/if_tun.h>

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

#include "vj.h"

#define SLIP_END	0300
#define SLIP_ESC	0333
#define SLIP_ESC_END	0334
#define SLIP_ESC_ESC	0335

#define IFNAME		"sl0"
#define MAXPKT		65535
#define RDBUF		(256 * 1024)
#define OUTCAP		(512 * 1024)	/* pty-bound bytes kept at most */
#define TUN_BATCH	256		/* packets read from TUN per wakeup */

struct counters {
	unsigned long long tun_pkts, tun_bytes;	/* TUN -> line */
	unsigned long long line_frames, line_bytes; /* line -> TUN */
	unsigned long long drop_tx, drop_rx;	/* -l losses */
	unsigned long long non_ipv4;		/* TUN packets not sent */
	unsigned long long junk;		/* invalid frames from line */
	unsigned long long oversize;		/* frames > MAXPKT from line */
	unsigned long long tun_werr;		/* TUN write failures */
	unsigned long long line_reads, line_writes;
	size_t max_tx, max_rx;			/* largest packet each way */
	size_t max_rx_tcp;			/* largest TCP one from line */
	unsigned long long vj_drop;		/* -c: VJ frames not rebuilt */
};

struct decoder {
	unsigned char	buf[MAXPKT];
	size_t		len;
	int		esc;
	int		overflow;
};

static struct counters	ct;
static volatile sig_atomic_t got_term, got_chld;
static uint64_t		rng_state;
static uint32_t		loss_ppm;	/* parts per million */
static size_t		text_budget;	/* -b: junk bytes left to show */
static int		text_shown;
static struct vj	*cslip;		/* -c */
static unsigned char	 vjbuf[MAXPKT + 256];

static void	usage(void) __attribute__((noreturn));
static void	on_signal(int);
static uint64_t	rng_next(void);
static int	lose(void);
static int	tun_open(const char *);
static int	tun_config(const char *, int);
static int	if_ioctl(int, unsigned long, struct ifreq *, const char *);
static size_t	slip_encode(unsigned char *, const unsigned char *, size_t);
static void	slip_decode(struct decoder *, const unsigned char *, size_t,
		    int);
static void	frame_done(struct decoder *, int);
static void	show_text(const unsigned char *, size_t);
static pid_t	spawn(int, char **);
static int	pump(int, int, pid_t, int *);
static int	reap(pid_t, int *);
static void	stop_child(pid_t, int *);
static void	print_counters(void);

static const char *cidr;
static int	 mtu = 1500;

static void
usage(void)
{
	fprintf(stderr, "usage: slipshim [-bc] [-m mtu] [-l loss_percent] "
	    "[-s seed] -n netns -a addr[/prefix] -- command [args ...]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

/* xorshift64*: reproducible losses for a given seed. */
static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int
lose(void)
{
	if (loss_ppm == 0)
		return 0;
	return (rng_next() >> 11) % 1000000 < loss_ppm;
}

/*
 * Create the TUN device inside the namespace: the device belongs to the
 * namespace it was created in, while our fd keeps working from anywhere.
 */
static int
tun_open(const char *netns)
{
	char		 path[256];
	struct ifreq	 ifr;
	int		 self, ns, fd = -1;

	if (snprintf(path, sizeof(path), "/var/run/netns/%s", netns) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "%s: netns name too long\n", __func__);
		return -1;
	}
	if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1) {
		perror("slipshim: /proc/self/ns/net");
		return -1;
	}
	if ((ns = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "%s: %s: %s\n", __func__, path,
		    strerror(errno));
		close(self);
		return -1;
	}
	if (setns(ns, CLONE_NEWNET) == -1) {
		perror("slipshim: setns");
		goto out;
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1) {
		perror("slipshim: /dev/net/tun");
		goto back;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, IFNAME, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		perror("slipshim: TUNSETIFF");
		close(fd);
		fd = -1;
		goto back;
	}
	/* Configure while inside: the ioctl socket lives in this netns. */
	if (tun_config(IFNAME, mtu) == -1) {
		close(fd);
		fd = -1;
	}
back:
	if (setns(self, CLONE_NEWNET) == -1) {
		perror("slipshim: setns back");
		exit(1);	/* the command must not run in the netns */
	}
out:
	close(ns);
	close(self);
	return fd;
}

static int
if_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what)
{
	if (ioctl(s, req, ifr) == -1) {
		fprintf(stderr, "slipshim: %s %s: %s\n", IFNAME, what,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
tun_config(const char *ifname, int ifmtu)
{
	struct ifreq		 ifr;
	struct rtentry		 rt;
	struct sockaddr_in	 sin;
	struct in_addr		 addr;
	char			 abuf[64], *slash;
	int			 s, prefix = 24, rv = -1;
	uint32_t		 mask;
	FILE			*f;

	if (strlen(cidr) >= sizeof(abuf))
		return -1;
	strcpy(abuf, cidr);
	if ((slash = strchr(abuf, '/')) != NULL) {
		*slash++ = '\0';
		prefix = atoi(slash);
		if (prefix < 1 || prefix > 32) {
			fprintf(stderr, "slipshim: bad prefix %s\n", slash);
			return -1;
		}
	}
	if (inet_pton(AF_INET, abuf, &addr) != 1) {
		fprintf(stderr, "slipshim: bad address %s\n", abuf);
		return -1;
	}
	mask = prefix == 32 ? 0xffffffffU : ~(0xffffffffU >> prefix);

	/* The link carries IPv4 only; keep the kernel's IPv6 chatter off. */
	if ((f = fopen("/proc/sys/net/ipv6/conf/" IFNAME "/disable_ipv6",
	    "w")) != NULL) {
		fputs("1\n", f);
		fclose(f);
	}

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("slipshim: socket");
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	sin.sin_addr = addr;
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (if_ioctl(s, SIOCSIFADDR, &ifr, "address") == -1)
		goto out;
	sin.sin_addr.s_addr = htonl(mask);
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	if (if_ioctl(s, SIOCSIFNETMASK, &ifr, "netmask") == -1)
		goto out;
	ifr.ifr_mtu = ifmtu;
	if (if_ioctl(s, SIOCSIFMTU, &ifr, "mtu") == -1)
		goto out;
	if (if_ioctl(s, SIOCGIFFLAGS, &ifr, "get flags") == -1)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (if_ioctl(s, SIOCSIFFLAGS, &ifr, "up") == -1)
		goto out;

	/* Default route out of the point-to-point link. */
	memset(&rt, 0, sizeof(rt));
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	memcpy(&rt.rt_dst, &sin, sizeof(sin));
	memcpy(&rt.rt_genmask, &sin, sizeof(sin));
	rt.rt_flags = RTF_UP;
	rt.rt_dev = (char *)ifname;
	if (ioctl(s, SIOCADDRT, &rt) == -1 && errno != EEXIST) {
		perror("slipshim: default route");
		goto out;
	}
	rv = 0;
out:
	close(s);
	return rv;
}

/* RFC 1055 framing with a leading END to flush line noise. */
static size_t
slip_encode(unsigned char *out, const unsigned char *p, size_t len)
{
	size_t	 i, o = 0;

	out[o++] = SLIP_END;
	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case SLIP_END:
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_END;
			break;
		case SLIP_ESC:
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_ESC;
			break;
		default:
			out[o++] = p[i];
		}
	}
	out[o++] = SLIP_END;
	return o;
}

/*
 * A frame is handed to the kernel only when it looks like an IPv4 packet
 * whose total length fits the frame: this is how a server's banner text
 * and other bytes outside frames are skipped.
 */
static void
frame_done(struct decoder *d, int tun)
{
	const unsigned char	*p = d->buf;
	size_t			 ihl, tot, n;

	if (d->overflow) {
		ct.oversize++;
		goto reset;
	}
	if (d->len == 0)
		goto reset;
	if (cslip != NULL && (p[0] & 0xf0) != 0x40 && d->len >= 3 &&
	    VJ_TYPE_SLIP(p[0]) != VJ_TYPE_ERROR) {
		if (lose()) {
			ct.drop_rx++;
			vj_lost(cslip);
			goto reset;
		}
		if (vj_uncompress(cslip, VJ_TYPE_SLIP(p[0]), p, d->len, vjbuf,
		    sizeof(vjbuf), &n) == -1) {
			ct.vj_drop++;
			show_text(p, d->len);	/* or the server's banner */
			goto reset;
		}
		p = vjbuf;
		d->len = n;
	}
	if (d->len < 20 || (p[0] >> 4) != 4) {
		ct.junk++;
		show_text(p, d->len);
		goto reset;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = (size_t)p[2] << 8 | p[3];
	if (ihl < 20 || tot < ihl || tot > d->len) {
		ct.junk++;
		show_text(p, d->len);
		goto reset;
	}
	if (lose()) {
		ct.drop_rx++;
		goto reset;
	}
	ct.line_frames++;
	ct.line_bytes += tot;
	if (tot > ct.max_rx)
		ct.max_rx = tot;
	if (p[9] == IPPROTO_TCP && tot > ct.max_rx_tcp)
		ct.max_rx_tcp = tot;
	/* syscall: write (one packet per write on a TUN device) */
	if (write(tun, p, tot) != (ssize_t)tot)
		ct.tun_werr++;
reset:
	d->len = 0;
	d->esc = 0;
	d->overflow = 0;
}

/* Print what the server wrote outside frames, made safe for a terminal. */
static void
show_text(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && text_budget > 0; i++, text_budget--) {
		text_shown = 1;
		if (p[i] == '\n' || (p[i] >= 0x20 && p[i] < 0x7f))
			fputc(p[i], stderr);
		else if (p[i] == '\t')
			fputc(' ', stderr);
	}
	fflush(stderr);
}

static void
slip_decode(struct decoder *d, const unsigned char *p, size_t n, int tun)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == SLIP_END) {
			frame_done(d, tun);
			continue;
		}
		if (d->esc) {
			d->esc = 0;
			if (c == SLIP_ESC_END)
				c = SLIP_END;
			else if (c == SLIP_ESC_ESC)
				c = SLIP_ESC;
			/* RFC 1055: anything else after ESC is kept as is. */
		} else if (c == SLIP_ESC) {
			d->esc = 1;
			continue;
		}
		if (d->len >= sizeof(d->buf)) {
			d->overflow = 1;
			continue;
		}
		d->buf[d->len++] = c;
	}
}

static pid_t
spawn(int slave, char **argv)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		perror("slipshim: fork");
		return -1;
	}
	if (pid != 0)
		return pid;

	/* Child: new session with the pty slave as controlling tty. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (setsid() == -1 || ioctl(slave, TIOCSCTTY, 0) == -1) {
		perror("slipshim: controlling tty");
		_exit(127);
	}
	if (dup2(slave, 0) == -1 || dup2(slave, 1) == -1 ||
	    dup2(slave, 2) == -1) {
		perror("slipshim: dup2");
		_exit(127);
	}
	if (slave > 2)
		close(slave);
	execvp(argv[0], argv);
	/* stderr is the pty now; the shim skips this as junk. */
	_exit(127);
}

static int
reap(pid_t pid, int *status)
{
	pid_t	r;

	r = waitpid(pid, status, WNOHANG);
	return r == pid;
}

static void
stop_child(pid_t pid, int *status)
{
	int	i;

	kill(pid, SIGTERM);
	for (i = 0; i < 40; i++) {	/* 2 s, then no more mercy */
		if (reap(pid, status))
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
}

/*
 * Move bytes until the command exits or we are told to stop.  Packets
 * from TUN are encoded into one output buffer that is written to the pty
 * in large writes; TUN is not read while that buffer is full, so the
 * kernel's queue (and then TCP) feels the line's back-pressure.
 */
static int
pump(int tun, int master, pid_t pid, int *status)
{
	static unsigned char	 in[RDBUF], pkt[MAXPKT];
	static unsigned char	 out[OUTCAP + 2 * MAXPKT + 2];
	static struct decoder	 dec;
	size_t			 olen = 0, ooff = 0;
	struct pollfd		 pfd[2];
	sigset_t		 empty;
	ssize_t			 n;
	int			 i, line_ok = 1;

	sigemptyset(&empty);
	for (;;) {
		if (got_chld && reap(pid, status))
			return 0;
		if (got_term)
			return 1;
		pfd[0].fd = tun;
		pfd[0].events = (line_ok && olen < OUTCAP) ? POLLIN : 0;
		pfd[1].fd = line_ok ? master : -1;
		pfd[1].events = POLLIN | (olen > ooff ? POLLOUT : 0);
		if (ppoll(pfd, 2, NULL, &empty) == -1) {
			if (errno == EINTR)
				continue;
			perror("slipshim: ppoll");
			return 1;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(master, in, sizeof(in));
			if (n > 0) {
				ct.line_reads++;
				slip_decode(&dec, in, (size_t)n, tun);
			} else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				/* EIO: every slave fd closed; wait for exit */
				line_ok = 0;
			}
		}
		if (line_ok && (pfd[1].revents & POLLOUT) && olen > ooff) {
			n = write(master, out + ooff, olen - ooff);
			if (n > 0) {
				ct.line_writes++;
				ooff += (size_t)n;
				if (ooff == olen)
					olen = ooff = 0;
			} else if (n == -1 && errno != EAGAIN &&
			    errno != EINTR)
				line_ok = 0;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (ooff > 0) {		/* compact before appending */
			memmove(out, out + ooff, olen - ooff);
			olen -= ooff;
			ooff = 0;
		}
		for (i = 0; i < TUN_BATCH && olen < OUTCAP; i++) {
			n = read(tun, pkt, sizeof(pkt));
			if (n <= 0)
				break;
			if ((pkt[0] >> 4) != 4) {
				ct.non_ipv4++;
				continue;
			}
			if (lose()) {
				ct.drop_tx++;
				continue;
			}
			ct.tun_pkts++;
			ct.tun_bytes += (size_t)n;
			if ((size_t)n > ct.max_tx)
				ct.max_tx = (size_t)n;
			if (cslip != NULL) {
				size_t	cl;
				int	ty;

				ty = vj_compress(cslip, pkt, (size_t)n, vjbuf,
				    sizeof(vjbuf), &cl, 1);
				vjbuf[0] = VJ_SLIP_MARK(ty, vjbuf[0]);
				olen += slip_encode(out + olen, vjbuf, cl);
			} else
				olen += slip_encode(out + olen, pkt, (size_t)n);
		}
		if (!line_ok)
			olen = ooff = 0;
	}
}

static void
print_counters(void)
{
	if (text_shown)
		fputc('\n', stderr);
	fprintf(stderr, "slipshim: to line %llu pkts %llu bytes in %llu "
	    "writes; from line %llu frames %llu bytes in %llu reads; "
	    "lost %llu/%llu (tx/rx); non-ipv4 %llu junk %llu oversize %llu "
	    "tun-write-errors %llu; max-tx %zu max-rx %zu max-rx-tcp %zu\n",
	    ct.tun_pkts, ct.tun_bytes, ct.line_writes, ct.line_frames,
	    ct.line_bytes, ct.line_reads, ct.drop_tx, ct.drop_rx,
	    ct.non_ipv4, ct.junk, ct.oversize, ct.tun_werr, ct.max_tx,
	    ct.max_rx, ct.max_rx_tcp);
	if (cslip != NULL) {
		const struct vj_stats *v = vj_stats(cslip);

		fprintf(stderr, "slipshim: cslip vj-out-compressed %llu "
		    "vj-out-uncompressed %llu vj-in-compressed %llu "
		    "vj-in-uncompressed %llu vj-tossed %llu vj-errors %llu "
		    "vj-drop %llu\n",
		    (unsigned long long)v->out_compressed,
		    (unsigned long long)v->out_uncompressed,
		    (unsigned long long)v->in_compressed,
		    (unsigned long long)v->in_uncompressed,
		    (unsigned long long)v->in_tossed,
		    (unsigned long long)v->in_errors, ct.vj_drop);
	}
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct termios		 t;
	sigset_t		 block;
	const char		*netns = NULL;
	char			*end;
	double			 loss = 0;
	unsigned long long	 seed = 1;
	int			 ch, tun, master, slave, status = 0, termed;
	pid_t			 pid;

	while ((ch = getopt(argc, argv, "+a:bcl:m:n:s:")) != -1) {
		switch (ch) {
		case 'a':
			cidr = optarg;
			break;
		case 'b':
			text_budget = 16384;
			break;
		case 'c':
			if ((cslip = vj_new(VJ_SLOTS_DEFAULT,
			    VJ_SLOTS_DEFAULT)) == NULL)
				usage();
			break;
		case 'l':
			loss = strtod(optarg, &end);
			if (*end != '\0' || loss < 0 || loss > 100)
				usage();
			break;
		case 'm':
			mtu = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || mtu < 68 || mtu > MAXPKT)
				usage();
			break;
		case 'n':
			netns = optarg;
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end != '\0')
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (netns == NULL || cidr == NULL || argc < 1)
		usage();
	loss_ppm = (uint32_t)(loss * 10000.0 + 0.5);
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;

	/* Signals are only delivered inside ppoll (or while waiting). */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((tun = tun_open(netns)) == -1)
		return 1;
	if (openpty(&master, &slave, NULL, NULL, NULL) == -1) {
		perror("slipshim: openpty");
		return 1;
	}
	/*
	 * Raw both ways: the line carries binary frames, not text.  The
	 * fastest speed the termios API knows, so a server that paces
	 * itself by the line's baud rate does not throttle the tests.
	 */
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B4000000);
		tcsetattr(slave, TCSANOW, &t);
	}
	if (tcgetattr(master, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(master, TCSANOW, &t);
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	fcntl(tun, F_SETFL, fcntl(tun, F_GETFL) | O_NONBLOCK);

	if ((pid = spawn(slave, argv)) == -1)
		return 1;
	close(slave);

	termed = pump(tun, master, pid, &status);
	if (termed)
		stop_child(pid, &status);
	print_counters();
	close(master);
	close(tun);
	if (termed)
		return 143;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}
