/*
 * pppprobe -- a minimal PPP peer for the real slirpd on a pty.
 *
 * usage: pppprobe [-a pap|chap:NAME:SECRET] [-u USER] -- command [args ...]
 *
 * Runs the command (slirp -S SOCK ppp) on a fresh pty and talks PPP to
 * it on the master side: acks slirpd's LCP request and sends its own
 * (ACCM 0, a magic number), then IPCP asking for 0.0.0.0 and taking the
 * address slirpd Naks back, pings 10.0.2.3, and ends with an LCP
 * Terminate-Request.  Prints each step; exits 0 when the link came up,
 * the echo reply came back, the terminate was acked and the command
 * exited (the session ended), all within 30 s.  With -a it answers
 * slirpd's PAP or CHAP-MD5 demand with NAME and SECRET before IPCP, and
 * prints the verdict ("PAP ack", "CHAP failure", ...); a refused probe
 * acks slirpd's Terminate-Request and waits for the command to exit.
 * -u runs the command as USER, owner of its pty (a user's own
 * session).  Test code: it trusts its command line, not the pty.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <md5.h>
#include <pwd.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hdlc.h"
#include "ppp.h"

static int	 mfd;
static int	 lcp_acked, lcp_sent_ack, ipcp_acked, ipcp_sent_ack;
static int	 pinged, ponged, term_sent, term_acked;
static uint8_t	 addr[4];
static uint8_t	 ipcp_id = 1;
static const char *auth_kind, *auth_name, *auth_secret;
static int	 want_pap, want_chap, auth_sent, auth_ok, auth_failed;

static void
put(uint16_t proto, int code, int id, const uint8_t *d, size_t len)
{
	static uint8_t enc[4096];
	struct hdlc_xmap m;
	uint8_t hdr[8] = { 0xff, 0x03, proto >> 8, proto & 0xff,
	    (uint8_t)code, (uint8_t)id, (uint8_t)((len + 4) >> 8),
	    (uint8_t)(len + 4) };
	size_t n, off = 0;
	ssize_t w;

	hdlc_xmap_init(&m, 0xffffffff);
	n = hdlc_encode(enc, &m, hdr, code == 0 ? 4 : 8, d, len);
	while (off < n) {
		if ((w = write(mfd, enc + off, n - off)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("pppprobe: write");
			exit(1);
		}
		off += (size_t)w;
	}
}

static void
ipcp_req(void)
{
	uint8_t o[6] = { 3, 6 };

	memcpy(o + 2, addr, 4);
	put(PPP_IPCP, 1, ++ipcp_id, o, 6);
}

static uint16_t
cksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
ping(void)
{
	uint8_t ip[20 + 8 + 32];
	uint16_t c;
	size_t i;

	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[3] = sizeof(ip);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, addr, 4);
	ip[16] = 10; ip[17] = 0; ip[18] = 2; ip[19] = 3;
	c = cksum(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	ip[20] = 8;		/* echo request */
	ip[24] = 0x12;
	ip[26] = 0x00;
	ip[27] = 0x01;
	for (i = 28; i < sizeof(ip); i++)
		ip[i] = (uint8_t)(i == 30 ? 0x7e : i == 31 ? 0x7d : i);
	c = cksum(ip + 20, sizeof(ip) - 20);
	ip[22] = c >> 8;
	ip[23] = c & 0xff;
	put(PPP_IP, 0, 0, ip, sizeof(ip));
	pinged = 1;
	printf("ping sent\n");
}

/* What slirpd's LCP request demands (option 3). */
static void
lcp_auth_seen(const uint8_t *o, size_t len)
{
	size_t i;

	for (i = 0; i + 2 <= len && o[i + 1] >= 2; i += o[i + 1])
		if (o[i] == 3 && o[i + 1] >= 4) {
			want_pap = o[i + 2] == 0xc0 && o[i + 3] == 0x23;
			want_chap = o[i + 2] == 0xc2 && o[i + 3] == 0x23;
		}
}

static void
pap_request(void)
{
	uint8_t b[520];
	size_t nl = strlen(auth_name), sl = strlen(auth_secret);

	b[0] = (uint8_t)nl;
	memcpy(b + 1, auth_name, nl);
	b[1 + nl] = (uint8_t)sl;
	memcpy(b + 2 + nl, auth_secret, sl);
	put(PPP_PAP, 1, 0x31, b, nl + sl + 2);
	auth_sent = 1;
	printf("PAP request sent\n");
}

/* Response = MD5(Identifier || secret || challenge), then our name. */
static void
chap_response(const uint8_t *f, size_t plen)
{
	uint8_t b[1 + MD5_DIGEST_LENGTH + 256], id = f[1];
	size_t vl = f[4], nl = strlen(auth_name);
	MD5_CTX ctx;

	if (plen < 5 || vl + 5 > plen)
		return;
	MD5Init(&ctx);
	MD5Update(&ctx, &id, 1);
	MD5Update(&ctx, (const uint8_t *)auth_secret, strlen(auth_secret));
	MD5Update(&ctx, f + 5, vl);
	b[0] = MD5_DIGEST_LENGTH;
	MD5Final(b + 1, &ctx);
	memcpy(b + 1 + MD5_DIGEST_LENGTH, auth_name, nl);
	put(PPP_CHAP, 2, id, b, 1 + MD5_DIGEST_LENGTH + nl);
	auth_sent = 1;
	printf("CHAP response sent\n");
}

static void
auth_frame(uint16_t proto, const uint8_t *f, size_t plen)
{
	if (auth_kind == NULL)
		return;
	if (proto == PPP_CHAP && f[0] == 1) {
		chap_response(f, plen);
		return;
	}
	if ((proto == PPP_PAP && f[0] == 2) || (proto == PPP_CHAP &&
	    f[0] == 3)) {
		printf("%s\n", proto == PPP_PAP ? "PAP ack" : "CHAP success");
		if (!auth_ok)
			ipcp_req();
		auth_ok = 1;
	} else if ((proto == PPP_PAP && f[0] == 3) || (proto == PPP_CHAP &&
	    f[0] == 4)) {
		printf("%s\n", proto == PPP_PAP ? "PAP nak" : "CHAP failure");
		auth_failed = 1;
	}
}

static void
frame(void *arg, const uint8_t *f, size_t len)
{
	uint16_t proto;
	size_t plen;

	if (len >= 2 && f[0] == 0xff && f[1] == 0x03) {
		f += 2;
		len -= 2;
	}
	if (len >= 1 && (f[0] & 1)) {
		proto = f[0];
		f++;
		len--;
	} else if (len >= 2) {
		proto = (uint16_t)(f[0] << 8 | f[1]);
		f += 2;
		len -= 2;
	} else
		return;
	if (proto == PPP_IP) {
		if (len >= 28 && f[9] == 1 && f[20] == 0 && f[24] == 0x12 &&
		    f[12] == 10 && f[15] == 3 && !ponged) {
			ponged = 1;
			printf("echo reply from 10.0.2.3\n");
		}
		return;
	}
	if (len < 4 || (plen = (size_t)(f[2] << 8 | f[3])) < 4 || plen > len)
		return;
	if (proto == PPP_LCP) {
		switch (f[0]) {
		case 1:		/* ack all: ACCM, magic, PFC, ACFC */
			lcp_auth_seen(f + 4, plen - 4);
			put(PPP_LCP, 2, f[1], f + 4, plen - 4);
			if (!lcp_sent_ack) {
				static const uint8_t o[] = { 2, 6, 0, 0, 0, 0,
				    5, 6, 0x50, 0x50, 0x50, 0x50 };

				put(PPP_LCP, 1, 1, o, sizeof(o));
			}
			lcp_sent_ack = 1;
			break;
		case 2:
			if (!lcp_acked)
				printf("LCP up\n");
			lcp_acked = 1;
			if (want_pap && auth_kind != NULL && !auth_sent)
				pap_request();
			else if (!want_pap && !want_chap)
				ipcp_req();
			break;
		case 5:
			printf("terminate request from slirpd\n");
			put(PPP_LCP, 6, f[1], NULL, 0);
			break;
		case 6:
			term_acked = 1;
			printf("terminate acked\n");
			break;
		case 9:		/* echo request */
			put(PPP_LCP, 10, f[1], f + 4, plen - 4);
			break;
		}
	} else if (proto == PPP_PAP || proto == PPP_CHAP) {
		auth_frame(proto, f, plen);
	} else if (proto == PPP_IPCP) {
		switch (f[0]) {
		case 1:
			put(PPP_IPCP, 2, f[1], f + 4, plen - 4);
			ipcp_sent_ack = 1;
			break;
		case 3:		/* Nak: take the address given */
			if (plen >= 10 && f[4] == 3 && f[5] == 6)
				memcpy(addr, f + 6, 4);
			ipcp_req();
			break;
		case 2:
			if (!ipcp_acked)
				printf("IPCP up: %u.%u.%u.%u\n", addr[0],
				    addr[1], addr[2], addr[3]);
			ipcp_acked = 1;
			break;
		}
	}
}

/* The banner slirp prints before PPP starts is not a frame: skip it. */
static void
input(struct hdlc_dec *d, const uint8_t *b, size_t n)
{
	static int synced;
	const uint8_t *f;

	if (!synced) {
		if ((f = memchr(b, HDLC_FLAG, n)) == NULL)
			return;
		synced = 1;
		n -= (size_t)(f - b);
		b = f;
	}
	hdlc_decode(d, b, n, frame, NULL);
}

int
main(int argc, char *argv[])
{
	struct hdlc_dec d;
	struct pollfd pfd;
	uint8_t buf[8192];
	time_t end;
	pid_t pid;
	ssize_t n;
	int st = 0, done = 0;
	char *a;
	struct passwd *runas = NULL;

	if (argc >= 3 && strcmp(argv[1], "-a") == 0) {
		a = argv[2];
		auth_kind = strsep(&a, ":");
		auth_name = strsep(&a, ":");
		auth_secret = a;
		if (auth_name == NULL || auth_secret == NULL)
			auth_kind = NULL;
		argv += 2;
		argc -= 2;
	}
	if (argc >= 3 && strcmp(argv[1], "-u") == 0) {
		if ((runas = getpwnam(argv[2])) == NULL) {
			fprintf(stderr, "pppprobe: no user %s\n", argv[2]);
			return 2;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc < 3 || strcmp(argv[1], "--") != 0) {
		fprintf(stderr, "usage: pppprobe [-a pap|chap:NAME:SECRET] "
		    "[-u USER] -- command [args ...]\n");
		return 2;
	}
	if ((pid = forkpty(&mfd, NULL, NULL, NULL)) == -1) {
		perror("pppprobe: forkpty");
		return 1;
	}
	if (pid == 0) {
		if (runas != NULL && (fchown(STDIN_FILENO, runas->pw_uid,
		    (gid_t)-1) == -1 || setgroups(0, NULL) == -1 ||
		    setgid(runas->pw_gid) == -1 ||
		    setuid(runas->pw_uid) == -1))
			_exit(126);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (hdlc_dec_init(&d, 2000) == -1)
		return 1;
	d.raccm = 0;
	end = time(NULL) + 30;
	while (time(NULL) < end && !done) {
		if (ipcp_acked && ipcp_sent_ack && !pinged)
			ping();
		if (ponged && !term_sent) {
			put(PPP_LCP, 5, 0x77, NULL, 0);
			term_sent = 1;
		}
		pfd.fd = mfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 500) == -1 && errno != EINTR)
			break;
		if (pfd.revents & POLLIN) {
			n = read(mfd, buf, sizeof(buf));
			if (n > 0)
				input(&d, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				pfd.revents |= POLLHUP;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			done = 1;
		else if (pfd.revents & POLLHUP && !(pfd.revents & POLLIN)) {
			/* The slave closed: wait for the exit. */
			if (waitpid(pid, &st, 0) == pid)
				done = 1;
		}
	}
	if (!done) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
		printf("command still running at the deadline\n");
	} else
		printf("command exited: %d\n", WIFEXITED(st) ?
		    WEXITSTATUS(st) : 128 + WTERMSIG(st));
	printf("bad fcs %llu\n", (unsigned long long)d.bad_fcs);
	hdlc_dec_free(&d);
	return lcp_acked && ipcp_acked && ponged && term_acked && done ? 0 : 1;
}
