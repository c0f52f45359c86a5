/*
 * slirpctl(8): the administrator's view of slirpd and control over it,
 * through the parent's root-only control socket (ctl_imsg.h).
 *
 *	slirpctl [-s socket] show sessions
 *	slirpctl [-s socket] show stats [ID]
 *	slirpctl [-s socket] kill ID
 *	slirpctl [-s socket] reload
 *
 * Replies are untrusted like any peer's: exact sizes, NUL-terminated
 * text, bounded waiting.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl_imsg.h"
#include "engine_imsg.h"
#include "imsg.h"

#define CTL_WAIT	15000	/* ms for the whole answer */

int	main(int, char *[]);

struct counter {
	const char	*name;
	size_t		 off;
};

#define SC(f)	{ #f, offsetof(struct stack_stats, f) }
static const struct counter stack_counters[] = {
	SC(ip_in), SC(ip_out), SC(ip_bad_hdr), SC(ip_bad_len),
	SC(ip_bad_sum), SC(ip_bad_ver), SC(ip_bad_addr), SC(ip_ttl0),
	SC(ip_opts), SC(ip_frag_in), SC(ip_reasm_ok), SC(ip_reasm_drop),
	SC(ip_reasm_timeout), SC(ip_frag_out), SC(ip_df_drop),
	SC(ip_noproto), SC(ip_out_drop),
	SC(icmp_in), SC(icmp_out), SC(icmp_bad), SC(icmp_echo_local),
	SC(icmp_echo_host), SC(icmp_unreach_out),
	SC(udp_in), SC(udp_out), SC(udp_bad), SC(udp_flows),
	SC(udp_refused), SC(udp_timeout), SC(dns_queries), SC(dns_answers),
	SC(dns_bad),
	SC(ip_bcast), SC(flow_limit), SC(dns_timeout), SC(icmp_timeout),
	SC(udp_send_drop),
	SC(tcp_in), SC(tcp_out), SC(tcp_bad), SC(tcp_bad_sum), SC(tcp_conn),
	SC(tcp_refused), SC(tcp_rexmt), SC(tcp_fastrexmt), SC(tcp_dup),
	SC(tcp_ooo), SC(tcp_rst_in), SC(tcp_rst_out), SC(tcp_persist),
	SC(tcp_keepalive_drop), SC(tcp_rcvwnd_drop), SC(tcp_delack),
	SC(tcp_bad_opt), SC(tcp_flow_limit), SC(tcp_timeout), SC(tcp_paws),
	SC(tcp_challenge), SC(tcp_ack_bad), SC(tcp_rexmt_sack), SC(tcp_tlp),
	SC(sock_req), SC(sock_fail), SC(icmp_foreign),
};
#undef SC
/*
 * Every field is a uint64_t, and every one is named here: a counter added
 * to the stack without a name breaks the build.
 */
_Static_assert(sizeof(stack_counters) / sizeof(stack_counters[0]) *
    sizeof(uint64_t) == sizeof(struct stack_stats) &&
    sizeof(struct stack_stats) % sizeof(uint64_t) == 0,
    "struct stack_stats must hold only uint64_t counters");

#define UC(f)	{ #f, offsetof(struct unit_stats, f) }
static const struct counter unit_counters[] = {
	UC(frames_in), UC(frames_out), UC(bytes_in), UC(bytes_out),
	UC(too_long), UC(bad_esc), UC(empty), UC(stale), UC(drops),
	UC(reads), UC(writes), UC(errors), UC(vj_refused),
	UC(vj.out_packets), UC(vj.out_tcp), UC(vj.out_compressed),
	UC(vj.out_uncompressed), UC(vj.out_searches), UC(vj.out_misses),
	UC(vj.out_special_i), UC(vj.out_special_d), UC(vj.out_saved),
	UC(vj.in_ip), UC(vj.in_uncompressed), UC(vj.in_compressed),
	UC(vj.in_errors), UC(vj.in_tossed), UC(vj.in_lost),
};
#undef UC
_Static_assert(sizeof(unit_counters) / sizeof(unit_counters[0]) *
    sizeof(uint64_t) == sizeof(struct unit_stats) &&
    sizeof(struct unit_stats) % sizeof(uint64_t) == 0,
    "struct unit_stats must hold only uint64_t counters");

static const char *sockpath = SLIRPD_CTLSOCKET;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: slirpctl [-s socket] command [argument]\n"
	    "commands: show sessions | show stats [ID] | kill ID | "
	    "reload\n");
	exit(1);
}

static uint32_t
parse_id(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v == 0 || v > UINT32_MAX)
		errx(1, "bad session id: %s", s);
	return (uint32_t)v;
}

static int
ctl_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "socket path too long: %s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			errx(1, "%s: %s (is slirpd running?)", sockpath,
			    strerror(errno));
		if (errno == EACCES || errno == EPERM)
			errx(1, "%s: %s (slirpctl is for root)", sockpath,
			    strerror(errno));
		err(1, "%s", sockpath);
	}
	return fd;
}

/* Text payloads: NUL-terminated, no other NUL, printable enough. */
static const char *
ctl_textarg(const struct imsg *imsg)
{
	const char *t = imsg->data;
	size_t len = imsg_get_len(imsg);

	if (len == 0 || len > CTL_MAXTEXT || t[len - 1] != '\0' ||
	    strlen(t) != len - 1)
		errx(1, "malformed reply from slirpd");
	return t;
}

/* The next message, or exit on EOF, error or CTL_WAIT. */
static void
ctl_next(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct pollfd pfd = { .fd = ibuf->fd, .events = POLLIN };
	ssize_t n;
	int rv;

	for (;;) {
		if ((n = imsg_get(ibuf, imsg)) == -1)
			errx(1, "malformed reply from slirpd");
		if (n > 0)
			break;
		if ((rv = poll(&pfd, 1, CTL_WAIT)) == -1 && errno != EINTR)
			err(1, "poll");
		if (rv == 0)
			errx(1, "no answer from slirpd");
		if ((n = imsg_read(ibuf)) == 0)
			errx(1, "slirpd closed the connection");
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(1, "read");
	}
	if (imsg->fd != -1) {
		close(imsg->fd);
		errx(1, "unexpected descriptor from slirpd");
	}
	if (imsg->hdr.type == IMSG_CTL_ERROR)
		errx(1, "%s", ctl_textarg(imsg));
}

static void
ctl_send(struct imsgbuf *ibuf, uint32_t type, const void *data, size_t len)
{
	struct imsg imsg;

	if (imsg_compose(ibuf, type, 0, 0, -1, data, len) == -1)
		err(1, "send to slirpd");
	if (imsg_flush(ibuf) == -1) {
		if (errno != EPIPE && errno != ECONNRESET)
			err(1, "send to slirpd");
		/* It refused us before reading: the ERROR says why. */
		ctl_next(ibuf, &imsg);
		errx(1, "slirpd closed the connection");
	}
}

static void
fmt_age(char *buf, size_t len, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
		    s % 86400 / 3600);
	else
		snprintf(buf, len, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
		    s / 3600, s % 3600 / 60, s % 60);
}

static void
show_session(const struct ctl_session *cs)
{
	struct in_addr in;
	char user[CTL_NAMELEN], tty[CTL_NAMELEN], age[32], bin[24], bout[24];
	char guest[INET_ADDRSTRLEN], pid[16];

	memcpy(user, cs->user, sizeof(user));
	user[sizeof(user) - 1] = '\0';
	memcpy(tty, cs->tty, sizeof(tty));
	tty[sizeof(tty) - 1] = '\0';
	in.s_addr = cs->guest_addr;
	if (inet_ntop(AF_INET, &in, guest, sizeof(guest)) == NULL)
		strlcpy(guest, "-", sizeof(guest));
	fmt_age(age, sizeof(age), cs->age_ms);
	if (cs->pid > 0)
		snprintf(pid, sizeof(pid), "%d", (int)cs->pid);
	else
		strlcpy(pid, "-", sizeof(pid));
	if (cs->flags & CTL_SF_STATS) {
		snprintf(bin, sizeof(bin), "%" PRIu64, cs->bytes_in);
		snprintf(bout, sizeof(bout), "%" PRIu64, cs->bytes_out);
	} else {
		strlcpy(bin, "-", sizeof(bin));
		strlcpy(bout, "-", sizeof(bout));
	}
	printf("%-5u %-12s %-10s %-15s %9s %7s %12s %12s%s\n", cs->id,
	    user[0] ? user : "-", tty[0] ? tty : "-", guest, age, pid, bin,
	    bout, cs->flags & CTL_SF_ENDING ? " ending" : "");
}

static void
show_sessions(struct imsgbuf *ibuf)
{
	struct ctl_session cs;
	struct imsg imsg;
	int header = 0;

	ctl_send(ibuf, IMSG_CTL_SHOW_SESSIONS, NULL, 0);
	for (;;) {
		ctl_next(ibuf, &imsg);
		/* Only after an answer: a refusal prints nothing here. */
		if (!header++)
			printf("%-5s %-12s %-10s %-15s %9s %7s %12s %12s\n",
			    "ID", "USER", "TTY", "GUEST", "AGE", "PID",
			    "BYTES-IN", "BYTES-OUT");
		if (imsg.hdr.type == IMSG_CTL_END && imsg_get_len(&imsg) == 0)
			break;
		if (imsg.hdr.type != IMSG_CTL_SESSION ||
		    imsg_get_len(&imsg) != sizeof(cs))
			errx(1, "unexpected reply from slirpd");
		memcpy(&cs, imsg.data, sizeof(cs));
		show_session(&cs);
		imsg_free(&imsg);
	}
	imsg_free(&imsg);
}

static uint64_t
counter(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)base + off, sizeof(v));
	return v;
}

/* Every counter, zeros included: scripts may rely on each line. */
static void
print_counters(const char *prefix, const void *base, size_t size,
    const struct counter *names, size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		printf("%s%s %" PRIu64 "\n", prefix, names[i].name,
		    counter(base, names[i].off));
	for (i = nnames; i < size / sizeof(uint64_t); i++)
		printf("%sunnamed.%zu %" PRIu64 "\n", prefix, i,
		    counter(base, i * sizeof(uint64_t)));
}

static void
print_stats(const struct engine_stats *es)
{
	char prefix[32];
	uint32_t u;

	print_counters("", &es->stack, sizeof(es->stack), stack_counters,
	    sizeof(stack_counters) / sizeof(stack_counters[0]));
	for (u = 0; u < es->nunits; u++) {
		snprintf(prefix, sizeof(prefix), "unit%u.", u);
		print_counters(prefix, &es->unit[u], sizeof(es->unit[u]),
		    unit_counters,
		    sizeof(unit_counters) / sizeof(unit_counters[0]));
	}
}

static void
show_stats(struct imsgbuf *ibuf, uint32_t id)
{
	struct ctl_id ci = { .id = id };
	struct engine_stats es;
	struct imsg imsg;
	int first = 1;

	ctl_send(ibuf, IMSG_CTL_SHOW_STATS, &ci, sizeof(ci));
	for (;;) {
		ctl_next(ibuf, &imsg);
		if (imsg.hdr.type == IMSG_CTL_END && imsg_get_len(&imsg) == 0)
			break;
		if (imsg.hdr.type != IMSG_CTL_STATS ||
		    imsg_get_len(&imsg) != sizeof(es))
			errx(1, "unexpected reply from slirpd");
		memcpy(&es, imsg.data, sizeof(es));
		if (es.nunits > ENGINE_MAXUNITS || (id != 0 && es.sessid != id))
			errx(1, "malformed reply from slirpd");
		if (id == 0)
			printf("%ssession %u\n", first ? "" : "\n", es.sessid);
		first = 0;
		print_stats(&es);
		imsg_free(&imsg);
	}
	imsg_free(&imsg);
}

/* KILL and RELOAD: one OK or ERROR. */
static void
simple(struct imsgbuf *ibuf, uint32_t type, const void *data, size_t len)
{
	struct imsg imsg;

	ctl_send(ibuf, type, data, len);
	ctl_next(ibuf, &imsg);
	if (imsg.hdr.type != IMSG_CTL_OK)
		errx(1, "unexpected reply from slirpd");
	printf("%s\n", ctl_textarg(&imsg));
	imsg_free(&imsg);
}

int
main(int argc, char *argv[])
{
	/* Holds a 32 KiB read buffer: static, not on the stack. */
	static struct imsgbuf ibuf_store;
	struct imsgbuf *ibuf = &ibuf_store;
	struct ctl_id ci;
	int ch;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	/* A daemon that hangs up is an error message, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* Check the command before bothering the daemon. */
	if (strcmp(argv[0], "show") == 0) {
		if (argc == 2 && strcmp(argv[1], "sessions") == 0)
			ci.id = UINT32_MAX;
		else if (argc >= 2 && argc <= 3 &&
		    strcmp(argv[1], "stats") == 0)
			ci.id = argc == 3 ? parse_id(argv[2]) : 0;
		else
			usage();
	} else if (strcmp(argv[0], "kill") == 0) {
		if (argc != 2)
			usage();
		ci.id = parse_id(argv[1]);
	} else if (strcmp(argv[0], "reload") == 0) {
		if (argc != 1)
			usage();
	} else
		usage();

	imsg_init(ibuf, ctl_connect());
	if (strcmp(argv[0], "show") == 0 && strcmp(argv[1], "sessions") == 0)
		show_sessions(ibuf);
	else if (strcmp(argv[0], "show") == 0)
		show_stats(ibuf, ci.id);
	else if (strcmp(argv[0], "kill") == 0)
		simple(ibuf, IMSG_CTL_KILL, &ci, sizeof(ci));
	else
		simple(ibuf, IMSG_CTL_RELOAD, NULL, 0);
	imsg_clear(ibuf);
	close(ibuf->fd);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return 0;
}
