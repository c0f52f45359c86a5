/*
 * libslirp_slip -- QEMU's libslirp behind a SLIP line, for the benchmark.
 *
 * usage: libslirp_slip [-m mtu]
 *
 * Behaves like slirp on its tty: stdin/stdout are the line (put in raw
 * mode), the peer speaks RFC 1055 SLIP and is 10.0.2.15 on 10.0.2.0/24;
 * 10.0.2.2 is the host (libslirp maps it to 127.0.0.1), 10.0.2.3 the DNS.
 *
 * libslirp is an Ethernet-level stack and SLIP carries bare IPv4, so this
 * adapter plays a one-host Ethernet segment: frames from the line get an
 * Ethernet header from a made-up guest MAC, frames from libslirp lose
 * theirs, libslirp's ARP requests for the guest are answered here, and
 * anything not IPv4 is dropped.  At start a gratuitous ARP request seeds
 * libslirp's table, so the first packet to the guest is not lost.
 *
 * Back-pressure: libslirp has none towards the guest (send_packet may only
 * drop), so while the line's output queue is long this program hides
 * read readiness of libslirp's host sockets; libslirp then leaves the data
 * in the kernel and TCP slows the host side down.  The queue is bounded;
 * what does not fit is dropped and counted.
 *
 * Counters go to stderr at exit (which, on a pty, the SLIP peer skips).
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libslirp.h>

#define SLIP_END	0300
#define SLIP_ESC	0333
#define SLIP_ESC_END	0334
#define SLIP_ESC_ESC	0335

#define ETH_HLEN	14
#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define ARP_LEN		28		/* Ethernet/IPv4 ARP body */

#define MAXFRAME	65535		/* largest IPv4 packet */
#define RDBUF		(256 * 1024)
#define OUTCAP		(4 * 1024 * 1024)	/* line queue hard cap */
#define OUTHIGH		(256 * 1024)	/* stop reading host sockets */
#define MAXPOLL		1024
#define MAXTIMERS	16

struct btimer {
	int		 used;
	int		 armed;
	int64_t		 expire_ms;
	SlirpTimerId	 id;
	void		*cb_opaque;
	SlirpTimerCb	 cb;		/* old-style timers (timer_new) */
};

struct decoder {
	unsigned char	 buf[ETH_HLEN + MAXFRAME];
	size_t		 len;		/* bytes after the Ethernet header */
	int		 esc;
	int		 overflow;
};

struct counters {
	unsigned long long in_frames, in_bytes, in_junk, in_oversize;
	unsigned long long out_frames, out_bytes, out_drop_full;
	unsigned long long arp_replies, non_ipv4_out;
	unsigned long long line_reads, line_writes;
};

static Slirp		*slirp;
static struct btimer	 timers[MAXTIMERS];
static struct pollfd	 pfds[MAXPOLL];
static int		 npfds;
static int		 hide_in;	/* line queue long: mask POLLIN */
static unsigned char	*outq;
static size_t		 outlen, outoff;
static struct decoder	 dec;
static struct counters	 ct;
static struct termios	 saved_tio;
static int		 tio_saved;
static volatile sig_atomic_t got_term;

/* Made-up MACs: ours stands for the guest on the virtual segment. */
static const unsigned char guest_mac[6] = { 0x52, 0x54, 0x00, 0x0a, 0x00, 0x0f };
static unsigned char	 slirp_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const unsigned char guest_ip[4] = { 10, 0, 2, 15 };
static const unsigned char host_ip[4] = { 10, 0, 2, 2 };

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ms(void)
{
	return now_ns() / 1000000;
}

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Queue one IPv4 packet for the line, SLIP-encoded (RFC 1055). */
static void
line_queue(const unsigned char *p, size_t len)
{
	size_t	i, o;

	if (outoff > 0 && outoff == outlen)
		outlen = outoff = 0;
	/* Worst case every byte doubles, plus two ENDs. */
	if (outlen + 2 * len + 2 > OUTCAP && outoff > 0) {
		memmove(outq, outq + outoff, outlen - outoff);
		outlen -= outoff;
		outoff = 0;
	}
	if (outlen + 2 * len + 2 > OUTCAP) {
		ct.out_drop_full++;
		return;
	}
	o = outlen;
	/* A leading END flushes any line noise the peer has buffered. */
	outq[o++] = SLIP_END;
	for (i = 0; i < len; i++) {
		if (p[i] == SLIP_END) {
			outq[o++] = SLIP_ESC;
			outq[o++] = SLIP_ESC_END;
		} else if (p[i] == SLIP_ESC) {
			outq[o++] = SLIP_ESC;
			outq[o++] = SLIP_ESC_ESC;
		} else
			outq[o++] = p[i];
	}
	outq[o++] = SLIP_END;
	outlen = o;
	ct.out_frames++;
	ct.out_bytes += len;
}

/* Answer an ARP request for the guest's address with the guest's MAC. */
static void
arp_answer(const unsigned char *arp, size_t len)
{
	unsigned char	f[ETH_HLEN + ARP_LEN];

	if (len < ARP_LEN || get16(arp) != 1 || get16(arp + 2) !=
	    ETHERTYPE_IP || arp[4] != 6 || arp[5] != 4 ||
	    get16(arp + 6) != 1)
		return;
	if (memcmp(arp + 24, guest_ip, 4) != 0)
		return;
	memcpy(slirp_mac, arp + 8, 6);
	memcpy(f, arp + 8, 6);			/* to the asker */
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, ETHERTYPE_ARP);
	put16(f + 14, 1);			/* Ethernet */
	put16(f + 16, ETHERTYPE_IP);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 2);			/* reply */
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memcpy(f + 32, arp + 8, 6);
	memcpy(f + 38, arp + 14, 4);
	ct.arp_replies++;
	slirp_input(slirp, f, sizeof(f));
}

/* libslirp's send_packet: an Ethernet frame towards the guest. */
static ssize_t
cb_send_packet(const void *buf, size_t len, void *opaque)
{
	const unsigned char	*p = buf;
	uint16_t		 type;

	if (len < ETH_HLEN)
		return (ssize_t)len;
	type = get16(p + 12);
	if (type == ETHERTYPE_IP)
		line_queue(p + ETH_HLEN, len - ETH_HLEN);
	else if (type == ETHERTYPE_ARP)
		arp_answer(p + ETH_HLEN, len - ETH_HLEN);
	else
		ct.non_ipv4_out++;
	return (ssize_t)len;
}

static void
cb_guest_error(const char *msg, void *opaque)
{
	fprintf(stderr, "libslirp_slip: guest error: %s\n", msg);
}

static int64_t
cb_clock_get_ns(void *opaque)
{
	return now_ns();
}

static struct btimer *
timer_alloc(void)
{
	int	i;

	for (i = 0; i < MAXTIMERS; i++)
		if (!timers[i].used) {
			memset(&timers[i], 0, sizeof(timers[i]));
			timers[i].used = 1;
			return &timers[i];
		}
	fprintf(stderr, "libslirp_slip: out of timers\n");
	abort();
}

static void *
cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct btimer	*t = timer_alloc();

	t->cb = cb;
	t->cb_opaque = cb_opaque;
	return t;
}

static void *
cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct btimer	*t = timer_alloc();

	t->id = id;
	t->cb_opaque = cb_opaque;
	return t;
}

static void
cb_timer_free(void *timer, void *opaque)
{
	struct btimer	*t = timer;

	t->used = 0;
}

static void
cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct btimer	*t = timer;

	t->armed = 1;
	t->expire_ms = expire_ms;
}

static void
cb_register_poll_fd(int fd, void *opaque)
{
}

static void
cb_unregister_poll_fd(int fd, void *opaque)
{
}

static void
cb_notify(void *opaque)
{
}

/* slirp_pollfds_fill's add_poll: our pollfd array, indices after ours. */
static int
cb_add_poll(int fd, int events, void *opaque)
{
	short	ev = 0;

	if (npfds >= MAXPOLL) {
		fprintf(stderr, "libslirp_slip: too many fds\n");
		abort();
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	/* Line queue long: do not wake up for data we could not send. */
	if (hide_in)
		ev &= ~(POLLIN | POLLPRI);
	pfds[npfds].fd = fd;
	pfds[npfds].events = ev;
	pfds[npfds].revents = 0;
	return npfds++;
}

static int
cb_get_revents(int idx, void *opaque)
{
	short	re;
	int	ev = 0;

	if (idx < 0 || idx >= npfds)
		return 0;
	re = pfds[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

/* A complete SLIP frame: hand it to libslirp if it looks like IPv4. */
static void
frame_done(void)
{
	unsigned char	*p = dec.buf + ETH_HLEN;
	size_t		 tot;

	if (dec.overflow) {
		ct.in_oversize++;
		goto reset;
	}
	if (dec.len == 0)
		goto reset;
	if (dec.len < 20 || (p[0] >> 4) != 4) {
		ct.in_junk++;
		goto reset;
	}
	tot = get16(p + 2);
	if (tot < 20 || tot > dec.len) {
		ct.in_junk++;
		goto reset;
	}
	memcpy(dec.buf, slirp_mac, 6);
	memcpy(dec.buf + 6, guest_mac, 6);
	put16(dec.buf + 12, ETHERTYPE_IP);
	ct.in_frames++;
	ct.in_bytes += tot;
	slirp_input(slirp, dec.buf, (int)(ETH_HLEN + tot));
reset:
	dec.len = 0;
	dec.esc = 0;
	dec.overflow = 0;
}

static void
slip_decode(const unsigned char *p, size_t n)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == SLIP_END) {
			frame_done();
			continue;
		}
		if (dec.esc) {
			dec.esc = 0;
			if (c == SLIP_ESC_END)
				c = SLIP_END;
			else if (c == SLIP_ESC_ESC)
				c = SLIP_ESC;
			/* RFC 1055: other bytes after ESC are kept as is. */
		} else if (c == SLIP_ESC) {
			dec.esc = 1;
			continue;
		}
		if (dec.len >= MAXFRAME) {
			dec.overflow = 1;
			continue;
		}
		dec.buf[ETH_HLEN + dec.len++] = c;
	}
}

/* Tell libslirp who we are before any packet needs delivering. */
static void
arp_seed(void)
{
	unsigned char	f[ETH_HLEN + ARP_LEN];

	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, ETHERTYPE_ARP);
	put16(f + 14, 1);
	put16(f + 16, ETHERTYPE_IP);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);			/* request */
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, host_ip, 4);
	slirp_input(slirp, f, sizeof(f));
}

static void
run_timers(void)
{
	int64_t	now = now_ms();
	int	i;

	for (i = 0; i < MAXTIMERS; i++) {
		if (!timers[i].used || !timers[i].armed ||
		    timers[i].expire_ms > now)
			continue;
		timers[i].armed = 0;
		if (timers[i].cb != NULL)
			timers[i].cb(timers[i].cb_opaque);
		else
			slirp_handle_timer(slirp, timers[i].id,
			    timers[i].cb_opaque);
	}
}

/* Clip libslirp's poll timeout to the earliest armed timer. */
static uint32_t
timer_clip(uint32_t timeout)
{
	int64_t	now = now_ms(), d;
	int	i;

	for (i = 0; i < MAXTIMERS; i++) {
		if (!timers[i].used || !timers[i].armed)
			continue;
		d = timers[i].expire_ms - now;
		if (d < 0)
			d = 0;
		if ((uint64_t)d < timeout)
			timeout = (uint32_t)d;
	}
	return timeout;
}

static void
on_term(int sig)
{
	got_term = 1;
}

static void
restore_tty(void)
{
	if (tio_saved)
		tcsetattr(0, TCSADRAIN, &saved_tio);
}

static void
print_counters(void)
{
	fprintf(stderr, "libslirp_slip: from line %llu frames %llu bytes in "
	    "%llu reads, junk %llu oversize %llu; to line %llu frames %llu "
	    "bytes in %llu writes, dropped (queue full) %llu, non-ipv4 %llu; "
	    "arp replies %llu\n", ct.in_frames, ct.in_bytes, ct.line_reads,
	    ct.in_junk, ct.in_oversize, ct.out_frames, ct.out_bytes,
	    ct.line_writes, ct.out_drop_full, ct.non_ipv4_out,
	    ct.arp_replies);
}

static Slirp *
setup_slirp(int mtu)
{
	static SlirpCb		cb;
	SlirpConfig		cfg;

	memset(&cb, 0, sizeof(cb));
	cb.send_packet = cb_send_packet;
	cb.guest_error = cb_guest_error;
	cb.clock_get_ns = cb_clock_get_ns;
	cb.timer_new = cb_timer_new;
	cb.timer_free = cb_timer_free;
	cb.timer_mod = cb_timer_mod;
	cb.register_poll_fd = cb_register_poll_fd;
	cb.unregister_poll_fd = cb_unregister_poll_fd;
	cb.notify = cb_notify;
	cb.timer_new_opaque = cb_timer_new_opaque;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = SLIRP_CONFIG_VERSION_MAX < 4 ? SLIRP_CONFIG_VERSION_MAX :
	    4;
	cfg.restricted = 0;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	cfg.in6_enabled = false;
	cfg.vhostname = "bench";
	cfg.if_mtu = (size_t)mtu;
	cfg.if_mru = (size_t)mtu;
	cfg.disable_host_loopback = false;
	cfg.enable_emu = false;
	return slirp_new(&cfg, &cb, NULL);
}

static void
line_setup(void)
{
	struct termios	t;

	if (tcgetattr(0, &t) == 0) {
		saved_tio = t;
		tio_saved = 1;
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &t);
	}
	/* stdin and stdout share the tty's file description. */
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
}

/* One pass: returns -1 when the line is gone. */
static int
loop_once(unsigned char *rbuf)
{
	uint32_t	timeout = UINT32_MAX;
	ssize_t		n;
	int		rv, linein, lineout;

	hide_in = outlen - outoff > OUTHIGH;
	npfds = 0;
	linein = cb_add_poll(0, SLIRP_POLL_IN, NULL);
	pfds[linein].events = POLLIN;		/* never hidden */
	lineout = cb_add_poll(1, 0, NULL);
	pfds[lineout].events = outlen > outoff ? POLLOUT : 0;
	slirp_pollfds_fill(slirp, &timeout, cb_add_poll, NULL);
	timeout = timer_clip(timeout);
	rv = poll(pfds, (nfds_t)npfds, timeout == UINT32_MAX ? -1 :
	    (int)(timeout > INT32_MAX ? INT32_MAX : timeout));
	if (rv == -1 && errno != EINTR) {
		perror("libslirp_slip: poll");
		return -1;
	}
	if (rv > 0 && (pfds[linein].revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(0, rbuf, RDBUF);
		if (n > 0) {
			ct.line_reads++;
			slip_decode(rbuf, (size_t)n);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
	}
	slirp_pollfds_poll(slirp, rv == -1, cb_get_revents, NULL);
	run_timers();
	/* Write after libslirp ran: its output is queued by now. */
	if (outlen > outoff) {
		n = write(1, outq + outoff, outlen - outoff);
		if (n > 0) {
			ct.line_writes++;
			outoff += (size_t)n;
			if (outoff == outlen)
				outlen = outoff = 0;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static unsigned char	 rbuf[RDBUF];
	struct sigaction	 sa;
	char			*end;
	int			 ch, mtu = 1500;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		switch (ch) {
		case 'm':
			mtu = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || mtu < 68 || mtu > MAXFRAME) {
				fprintf(stderr, "libslirp_slip: bad mtu\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: libslirp_slip [-m mtu]\n");
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((outq = malloc(OUTCAP)) == NULL) {
		perror("libslirp_slip: malloc");
		return 1;
	}
	if ((slirp = setup_slirp(mtu)) == NULL) {
		fprintf(stderr, "libslirp_slip: slirp_new failed\n");
		return 1;
	}
	fprintf(stderr, "libslirp_slip: libslirp %s, SLIP, mtu %d, "
	    "your address is 10.0.2.15\r\n", slirp_version_string(), mtu);
	line_setup();
	arp_seed();
	while (!got_term)
		if (loop_once(rbuf) == -1)
			break;
	restore_tty();
	print_counters();
	slirp_cleanup(slirp);
	free(outq);
	return 0;
}
