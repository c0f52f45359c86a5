/*
 * tunrelay: the stack between a TUN device and real host sockets, with
 * no framing, no privilege separation and no sandbox.  A test moves the
 * TUN device into a network namespace whose kernel then talks TCP to
 * our TCP: interoperability with a real stack (Linux) and throughput.
 *
 *	tunrelay TUNNAME [MTU [LOSS]]
 *
 * LOSS drops that many datagrams per thousand, in both directions
 * (a fixed-seed PRNG, so runs repeat).
 *
 * Prints "ready" once the device exists; on SIGTERM prints the TCP
 * counters to stderr and exits.  Socket requests are served in-process
 * (connect to the mapped address, 10.0.2.2 = 127.0.0.1).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stack.h"

#define MAXREQ	256
#define MAXPFD	1024

static int tunfd = -1;
static volatile sig_atomic_t quit;
static struct {
	uint32_t	 id;
	int		 proto;
	in_addr_t	 addr;
	in_port_t	 port;
} reqs[MAXREQ];
static int nreqs;
static unsigned int loss;	/* per mille */
static uint64_t rng = 88172645463325252ULL, ndrop;

static int
lose(void)
{
	if (loss == 0)
		return 0;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	if (rng % 1000 < loss) {
		ndrop++;
		return 1;
	}
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
r_output(void *arg, const uint8_t *pkt, size_t len, int prio)
{
	if (lose())
		return 0;
	if (write(tunfd, pkt, len) != (ssize_t)len)
		return -1;
	return 0;
}

static size_t
r_room(void *arg)
{
	return 1 << 20;
}

static int
r_sockreq(void *arg, uint32_t id, int proto, in_addr_t addr, in_port_t port)
{
	if (nreqs == MAXREQ)
		return -1;
	reqs[nreqs].id = id;
	reqs[nreqs].proto = proto;
	reqs[nreqs].addr = addr;
	reqs[nreqs].port = port;
	nreqs++;
	return 0;
}

static void
serve_requests(struct stack *s)
{
	struct sockaddr_in sin;
	int i, fd, n = nreqs;

	nreqs = 0;
	for (i = 0; i < n; i++) {
		if (reqs[i].proto != IPPROTO_TCP) {
			stack_socket_reply(s, reqs[i].id, -1, EPROTONOSUPPORT);
			continue;
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd == -1) {
			stack_socket_reply(s, reqs[i].id, -1, errno);
			continue;
		}
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = reqs[i].addr;
		sin.sin_port = reqs[i].port;
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
		    errno != EINPROGRESS) {
			int e = errno;

			close(fd);
			stack_socket_reply(s, reqs[i].id, -1, e);
			continue;
		}
		stack_socket_reply(s, reqs[i].id, fd, 0);
	}
}

static void
on_term(int sig)
{
	quit = 1;
}

int
main(int argc, char *argv[])
{
	struct stack_config cfg;
	struct stack_ops ops = { r_output, r_room, r_sockreq, NULL };
	struct pollfd pfd[MAXPFD];
	struct ifreq ifr;
	struct stack *s;
	const struct stack_stats *st;
	static uint8_t buf[65536];
	size_t n;
	int64_t t;
	ssize_t r;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: tunrelay TUNNAME [MTU]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if ((tunfd = open("/dev/net/tun", O_RDWR | O_NONBLOCK)) == -1) {
		perror("tunrelay: /dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(tunfd, TUNSETIFF, &ifr) == -1) {
		perror("tunrelay: TUNSETIFF");
		return 1;
	}
	stack_default_config(&cfg);
	if (argc > 2)
		cfg.mtu = cfg.mru = (unsigned int)atoi(argv[2]);
	if (argc > 3)
		loss = (unsigned int)atoi(argv[3]);
	if ((s = stack_new(&cfg, &ops, NULL, now_ms())) == NULL)
		return 1;
	printf("ready\n");
	fflush(stdout);
	while (!quit) {
		pfd[0].fd = tunfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n = stack_pollfds(s, pfd + 1, MAXPFD - 1);
		t = stack_next_timer(s);
		if (t < 0 || t > 500)
			t = 500;
		if (poll(pfd, n + 1, (int)t) == -1 && errno != EINTR)
			break;
		stack_set_time(s, now_ms());
		if (pfd[0].revents & POLLIN) {
			for (i = 0; i < 256; i++) {
				r = read(tunfd, buf, sizeof(buf));
				if (r <= 0)
					break;
				if (!lose())
					stack_input(s, buf, (size_t)r);
			}
		}
		stack_pollevents(s, pfd + 1, n);
		stack_timers(s);
		serve_requests(s);
	}
	st = stack_stats(s);
	fprintf(stderr, "tcp_in %ju tcp_out %ju tcp_bad %ju tcp_bad_sum %ju "
	    "tcp_conn %ju tcp_refused %ju tcp_rexmt %ju tcp_fastrexmt %ju "
	    "tcp_dup %ju tcp_ooo %ju tcp_rst_in %ju tcp_rst_out %ju "
	    "tcp_timeout %ju tcp_bad_opt %ju dropped %ju ip_out_drop %ju tcp_paws %ju tcp_rexmt_sack %ju tcp_tlp %ju\n",
	    (uintmax_t)st->tcp_in, (uintmax_t)st->tcp_out,
	    (uintmax_t)st->tcp_bad, (uintmax_t)st->tcp_bad_sum,
	    (uintmax_t)st->tcp_conn, (uintmax_t)st->tcp_refused,
	    (uintmax_t)st->tcp_rexmt, (uintmax_t)st->tcp_fastrexmt,
	    (uintmax_t)st->tcp_dup, (uintmax_t)st->tcp_ooo,
	    (uintmax_t)st->tcp_rst_in, (uintmax_t)st->tcp_rst_out,
	    (uintmax_t)st->tcp_timeout, (uintmax_t)st->tcp_bad_opt,
	    (uintmax_t)ndrop, (uintmax_t)st->ip_out_drop, (uintmax_t)st->tcp_paws, (uintmax_t)st->tcp_rexmt_sack, (uintmax_t)st->tcp_tlp);
	stack_free(s);
	close(tunfd);
	return 0;
}
