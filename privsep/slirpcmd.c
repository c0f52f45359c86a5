/*
 * The classic Slirp command language.  One command per call: a
 * command-line argument of slirp(1) or one line of ~/.slirprc.  The text
 * comes from the user, so it is copied into a bounded buffer, split into
 * at most SC_MAXTOK words and every value is range checked.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slirpcmd.h"

#define SC_MAXTOK	8

struct sc_cmd;
typedef int (*sc_fn)(struct session_opts *, const struct sc_cmd *,
    char **, int, char *, size_t);

struct sc_cmd {
	const char	*name;		/* one or two words */
	const char	*usage;		/* arguments after the name */
	const char	*help;		/* one line, slirpd's words */
	int		 minargs;
	int		 maxargs;
	sc_fn		 fn;		/* NULL: Slirp had it, slirpd not yet */
};

static int	sc_mtu(struct session_opts *, const struct sc_cmd *, char **,
		    int, char *, size_t);
static int	sc_baud(struct session_opts *, const struct sc_cmd *, char **,
		    int, char *, size_t);
static int	sc_keepalive(struct session_opts *, const struct sc_cmd *,
		    char **, int, char *, size_t);
static int	sc_addr(struct session_opts *, const struct sc_cmd *, char **,
		    int, char *, size_t);
static int	sc_ppp(struct session_opts *, const struct sc_cmd *, char **,
		    int, char *, size_t);
static int	sc_compress(struct session_opts *, const struct sc_cmd *,
		    char **, int, char *, size_t);
static int	sc_vjslots(struct session_opts *, const struct sc_cmd *,
		    char **, int, char *, size_t);
static int	sc_help(struct session_opts *, const struct sc_cmd *, char **,
		    int, char *, size_t);
static int	sc_pppopt(struct session_opts *, const struct sc_cmd *,
		    char **, int, char *, size_t);
static int	sc_auth(struct session_opts *, const struct sc_cmd *,
		    char **, int, char *, size_t);
static int	sc_notours(struct session_opts *, const struct sc_cmd *,
		    char **, int, char *, size_t);

#define NOTYET(n, u)	{ n, u, NULL, 0, SC_MAXTOK, NULL }

static const struct sc_cmd sc_cmds[] = {
	{ "mtu", "N", "largest IP packet sent to you (128..16384)",
	    1, 1, sc_mtu },
	{ "mru", "N", "largest IP packet accepted from you (128..16384)",
	    1, 1, sc_mtu },
	{ "baudrate", "N", "line speed in bits/s, used to pace output "
	    "(300..2147483647)", 1, 1, sc_baud },
	{ "-b", "N", "same as baudrate N", 1, 1, sc_baud },
	{ "keepalive", "[SECONDS]", "probe idle TCP connections every "
	    "SECONDS (5..14400, default 75)", 0, 1, sc_keepalive },
	{ "dns", "ADDR", "resolver that 10.0.2.3 relays to", 1, 1, sc_addr },
	{ "special addr", "ADDR", "network of the special addresses "
	    "(default 10.0.2.0; must end in .0)", 1, 1, sc_addr },
	{ "special address", "ADDR", "same as special addr", 1, 1, sc_addr },
	{ "host addr", "ADDR", "address of this host as shown to you",
	    1, 1, sc_addr },
	{ "host address", "ADDR", "same as host addr", 1, 1, sc_addr },
	{ "ppp", "", "talk PPP instead of SLIP", 0, 0, sc_ppp },
	{ "-P", "", "same as ppp", 0, 0, sc_ppp },
	{ "compress", "", "always use CSLIP (VJ header compression); "
	    "default: switch to it when your side does", 0, 0, sc_compress },
	{ "nocompress", "", "never use VJ header compression", 0, 0,
	    sc_compress },
	{ "-vj", "", "same as nocompress (PPP: do not offer VJ)", 0, 0,
	    sc_compress },
	{ "vj-max-slots", "N", "VJ connection slots (2..16, default 16)",
	    1, 1, sc_vjslots },
	/* PPP link options (sc_pppopt). */
	{ "asyncmap", "MAP", "PPP: also escape these control characters "
	    "(32-bit hex mask)", 1, 1, sc_pppopt },
	{ "escape", "XX[,XX...]", "PPP: also escape these bytes (hex)",
	    1, 1, sc_pppopt },
	{ "-pc", "", "PPP: no protocol field compression", 0, 0, sc_pppopt },
	{ "-ac", "", "PPP: no address/control field compression", 0, 0,
	    sc_pppopt },
	{ "lcp-echo-interval", "N", "PPP: LCP echo every N seconds "
	    "(0..3600, 0: none)", 1, 1, sc_pppopt },
	{ "lcp-echo-failure", "N", "PPP: link down after N unanswered "
	    "echoes (1..100)", 1, 1, sc_pppopt },
	{ "lcp-restart", "N", "PPP: restart timer, seconds (1..60)",
	    1, 1, sc_pppopt },
	{ "lcp-max-configure", "N", "PPP: Configure-Requests before giving "
	    "up (1..100)", 1, 1, sc_pppopt },
	{ "lcp-max-terminate", "N", "PPP: Terminate-Requests sent "
	    "(1..100)", 1, 1, sc_pppopt },
	{ "lcp-max-failure", "N", "PPP: Configure-Naks before rejecting "
	    "(1..100)", 1, 1, sc_pppopt },
	/* PPP authentication of the dialer (sc_auth). */
	{ "+pap", "", "PPP: the peer must authenticate with PAP (checked "
	    "by PAM)", 0, 0, sc_auth },
	{ "+chap", "", "PPP: the peer must authenticate with CHAP-MD5 "
	    "(the chap-secrets file)", 0, 0, sc_auth },
	{ "auth", "", "PPP: the peer must authenticate (CHAP, or PAP if "
	    "it asks)", 0, 0, sc_auth },
	{ "-pap", "", "PPP: do not ask for PAP (undoes +pap)", 0, 0,
	    sc_auth },
	{ "-chap", "", "PPP: do not ask for CHAP (undoes +chap)", 0, 0,
	    sc_auth },
	{ "pap-timeout", "N", "PPP: seconds to wait for the peer's PAP "
	    "request (1..300, default 30)", 1, 1, sc_auth },
	{ "chap-restart", "N", "PPP: seconds between CHAP challenges "
	    "(1..300, default 3)", 1, 1, sc_auth },
	{ "chap-max-challenge", "N", "PPP: CHAP challenges before giving "
	    "up (1..100, default 10)", 1, 1, sc_auth },
	{ "chap-interval", "N", "PPP: challenge again every N seconds "
	    "(0..86400, 0: never)", 1, 1, sc_auth },
	{ "pap-restart", "N", "PPP: not used (slirpd never authenticates "
	    "itself)", 1, 1, sc_notours },
	{ "pap-max-authreq", "N", "PPP: not used (slirpd never "
	    "authenticates itself)", 1, 1, sc_notours },
	{ "papcrypt", "", "PPP: not used (PAP passwords are checked by "
	    "PAM)", 0, 0, sc_notours },
	{ "help", "[COMMAND]", "list the commands, or describe COMMAND",
	    0, 1, sc_help },
	{ "-h", "", "same as help", 0, 0, sc_help },
	NOTYET("redir", "[once|time] [udp|tcp] PORT [to] [ADDR:]LPORT"),
	NOTYET("redir X", "[start N] [ADDR][:DISPLAY[.SCREEN]]"),
	NOTYET("show X", ""),
	NOTYET("add exec", "PROGRAM:[ADDR:]PORT"),
	NOTYET("add ptyexec", "PROGRAM:[ADDR:]PORT"),
	NOTYET("add emu", "SERVICE[:TOS] [LPORT:]FPORT"),
	NOTYET("remove exec", "PROGRAM:[ADDR:]PORT"),
	NOTYET("remove ptyexec", "PROGRAM:[ADDR:]PORT"),
	NOTYET("control addr", "ADDR"),
	NOTYET("shell", "PROGRAM"),
	NOTYET("exec", "PROGRAM"),
	NOTYET("ptyexec", "PROGRAM"),
	NOTYET("socket", "[PORT,PASSWORD]"),
	NOTYET("log start", ""),
	NOTYET("log stats", ""),
	NOTYET("config", ""),
	NOTYET("debug", "N"),
	NOTYET("echo", "[on|off]"),
	NOTYET("kill", "N"),
	NOTYET("close", "N"),
	NOTYET("stats", "[ip|socket|tcp|vj|udp|mbuf|tty|alltty]"),
	NOTYET("unit", ""),
	NOTYET("wait", "N"),
	NOTYET("quit", ""),
	NOTYET("password", "PASSWORD"),
	NOTYET("version", ""),
	NOTYET("towrite_max", "N"),
	NOTYET("tty", "DEVICE"),
	NOTYET("nozeros", ""),
	NOTYET("ppp_exit", ""),
	NOTYET("domain", "NAME"),
	NOTYET("initiate-options", ""),
	NOTYET("name", "NAME"),
	NOTYET("user", "NAME"),
	NOTYET("usehostname", ""),
	NOTYET("remotename", "NAME"),
	NOTYET("proxyarp", ""),
	NOTYET("login", ""),
	NOTYET("bsdcomp", "N[,N]"),
	NOTYET("-bsdcomp", ""),
	NOTYET("ipcp-restart", "N"),
	NOTYET("ipcp-max-terminate", "N"),
	NOTYET("ipcp-max-configure", "N"),
	NOTYET("ipcp-max-failure", "N"),
	NOTYET("ipcp-accept-local", ""),
	NOTYET("ipcp-accept-remote", ""),
	NOTYET("-all", ""),
	NOTYET("-am", ""),
	NOTYET("-ip", ""),
	NOTYET("-mn", ""),
	NOTYET("-mru", ""),
	NOTYET("+ua", "FILE"),
	NOTYET("-vjccomp", ""),
	NOTYET("debugppp", ""),
};
#define SC_NCMDS	(sizeof(sc_cmds) / sizeof(sc_cmds[0]))

static int
sc_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
slirpcmd_defaults(struct session_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mtu = SLIRPCMD_MTU_DEFAULT;
	o->mru = SLIRPCMD_MTU_DEFAULT;
	o->special_addr = htonl(0x0a000200);		/* 10.0.2.0 */
	o->guest_addr = htonl(0x0a00020f);		/* 10.0.2.15 */
}

/* A decimal number in [min, max]; strtonum refuses signs, spaces, junk. */
static int
sc_number(const struct sc_cmd *c, const char *s, long long min,
    long long max, unsigned int *out, char *err, size_t errlen)
{
	const char *errstr;
	long long v;

	v = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		return sc_err(err, errlen, "%s: %s is %s (%lld..%lld)",
		    c->name, s, errstr, min, max);
	*out = (unsigned int)v;
	return 0;
}

static int
sc_mtu(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	unsigned int v = 0;

	if (sc_number(c, av[0], SLIRPCMD_MTU_MIN, SLIRPCMD_MTU_MAX, &v,
	    err, errlen) == -1)
		return -1;
	if (strcmp(c->name, "mtu") == 0)
		o->mtu = v;
	else
		o->mru = v;
	return 0;
}

static int
sc_baud(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	return sc_number(c, av[0], SLIRPCMD_BAUD_MIN, SLIRPCMD_BAUD_MAX,
	    &o->baud, err, errlen);
}

static int
sc_keepalive(struct session_opts *o, const struct sc_cmd *c, char **av,
    int ac, char *err, size_t errlen)
{
	if (ac == 0) {
		o->keepalive = SLIRPCMD_KEEP_DEFAULT;
		return 0;
	}
	return sc_number(c, av[0], SLIRPCMD_KEEP_MIN, SLIRPCMD_KEEP_MAX,
	    &o->keepalive, err, errlen);
}

/*
 * A dotted quad naming one unicast host: inet_pton takes exactly four
 * decimal parts; 0.0.0.0, 255.255.255.255 and multicast and class E are
 * never a host or a resolver.
 */
static int
sc_parse_addr(const struct sc_cmd *c, const char *s, in_addr_t *out,
    char *err, size_t errlen)
{
	struct in_addr ia;
	uint32_t h;

	if (inet_pton(AF_INET, s, &ia) != 1)
		return sc_err(err, errlen, "%s: %s is not an IPv4 address",
		    c->name, s);
	h = ntohl(ia.s_addr);
	if (h == 0 || h >= 0xe0000000)
		return sc_err(err, errlen, "%s: %s is not a unicast address",
		    c->name, s);
	*out = ia.s_addr;
	return 0;
}

static int
sc_addr(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	in_addr_t a = 0;
	uint32_t h;

	if (sc_parse_addr(c, av[0], &a, err, errlen) == -1)
		return -1;
	if (strcmp(c->name, "dns") == 0) {
		o->dns_addr = a;
		return 0;
	}
	if (strncmp(c->name, "host", 4) == 0) {
		o->host_addr = a;
		return 0;
	}
	/* special addr: the guest lives at .15 of a /24 ending in .0. */
	h = ntohl(a);
	if ((h & 0xff) != 0)
		return sc_err(err, errlen, "%s: %s must end in .0",
		    c->name, av[0]);
	if ((h >> 24) == 127)
		return sc_err(err, errlen, "%s: %s is a loopback network",
		    c->name, av[0]);
	if (o->guest_addr == (o->special_addr | htonl(15)))
		o->guest_addr = a | htonl(15);
	o->special_addr = a;
	return 0;
}

static int
sc_ppp(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	o->ppp = 1;
	return 0;
}

/* "escape 11,13,ff": hex bytes, comma separated. */
static int
sc_escape(struct ppp_opts *p, const struct sc_cmd *c, const char *s,
    char *err, size_t errlen)
{
	char buf[SLIRPCMD_MAXLINE], *tok, *last, *end;
	uint32_t add[8] = { 0 };
	unsigned long v;
	int i;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return sc_err(err, errlen, "%s: too long", c->name);
	for (tok = strtok_r(buf, ",", &last); tok != NULL;
	    tok = strtok_r(NULL, ",", &last)) {
		if (tok[0] == '\0' || strlen(tok) > 2)
			return sc_err(err, errlen, "%s: %s is not a hex byte",
			    c->name, tok);
		v = strtoul(tok, &end, 16);
		if (*end != '\0')
			return sc_err(err, errlen, "%s: %s is not a hex byte",
			    c->name, tok);
		add[v >> 5] |= 1U << (v & 31);
	}
	/* All or nothing. */
	for (i = 0; i < 8; i++)
		p->escape[i] |= add[i];
	return 0;
}

static int
sc_pppopt(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	struct ppp_opts *p = &o->pppo;
	const char *n = c->name;
	unsigned long long v;
	char *end;

	if (strcmp(n, "-pc") == 0)
		p->no_pfc = 1;
	else if (strcmp(n, "-ac") == 0)
		p->no_acfc = 1;
	else if (strcmp(n, "escape") == 0)
		return sc_escape(p, c, av[0], err, errlen);
	else if (strcmp(n, "asyncmap") == 0) {
		v = strtoull(av[0], &end, 16);
		if (av[0][0] == '\0' || av[0][0] == '-' || *end != '\0' ||
		    v > 0xffffffffULL)
			return sc_err(err, errlen, "%s: %s is not a 32-bit hex "
			    "mask", n, av[0]);
		p->asyncmap = (uint32_t)v;
		p->has_asyncmap = 1;
	} else if (strcmp(n, "lcp-echo-interval") == 0)
		return sc_number(c, av[0], 0, PPP_OPTS_ECHO_MAX,
		    &p->echo_interval, err, errlen);
	else if (strcmp(n, "lcp-echo-failure") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_COUNT_MAX,
		    &p->echo_failure, err, errlen);
	else if (strcmp(n, "lcp-restart") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_RESTART_MAX,
		    &p->restart, err, errlen);
	else if (strcmp(n, "lcp-max-configure") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_COUNT_MAX,
		    &p->max_configure, err, errlen);
	else if (strcmp(n, "lcp-max-terminate") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_COUNT_MAX,
		    &p->max_terminate, err, errlen);
	else if (strcmp(n, "lcp-max-failure") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_COUNT_MAX,
		    &p->max_failure, err, errlen);
	return 0;
}

/* +pap, +chap, auth and their timers. */
static int
sc_auth(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	struct ppp_opts *p = &o->pppo;
	const char *n = c->name;

	if (strcmp(n, "+pap") == 0)
		p->auth |= PPP_OPTS_PAP;
	else if (strcmp(n, "+chap") == 0)
		p->auth |= PPP_OPTS_CHAP;
	else if (strcmp(n, "auth") == 0)
		p->auth |= PPP_OPTS_PAP | PPP_OPTS_CHAP;
	else if (strcmp(n, "-pap") == 0)
		p->auth &= ~PPP_OPTS_PAP;
	else if (strcmp(n, "-chap") == 0)
		p->auth &= ~PPP_OPTS_CHAP;
	else if (strcmp(n, "pap-timeout") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_AUTH_TMAX,
		    &p->pap_timeout, err, errlen);
	else if (strcmp(n, "chap-restart") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_AUTH_TMAX,
		    &p->chap_restart, err, errlen);
	else if (strcmp(n, "chap-max-challenge") == 0)
		return sc_number(c, av[0], 1, PPP_OPTS_COUNT_MAX,
		    &p->chap_max, err, errlen);
	else if (strcmp(n, "chap-interval") == 0)
		return sc_number(c, av[0], 0, PPP_OPTS_CHAPI_MAX,
		    &p->chap_interval, err, errlen);
	return 0;
}

/* pppd options for the side that authenticates itself: never slirpd. */
static int
sc_notours(struct session_opts *o, const struct sc_cmd *c, char **av,
    int ac, char *err, size_t errlen)
{
	return sc_err(err, errlen, "%s: %s", c->name,
	    strcmp(c->name, "papcrypt") == 0 ? "PAP passwords are checked "
	    "by PAM on this host, not by slirpd" : "slirpd is always the "
	    "authenticator and never authenticates itself");
}

static int
sc_compress(struct session_opts *o, const struct sc_cmd *c, char **av,
    int ac, char *err, size_t errlen)
{
	o->compress = strcmp(c->name, "compress") == 0 ? 1 : -1;
	return 0;
}

static int
sc_vjslots(struct session_opts *o, const struct sc_cmd *c, char **av,
    int ac, char *err, size_t errlen)
{
	return sc_number(c, av[0], SLIRPCMD_VJ_MIN, SLIRPCMD_VJ_MAX,
	    &o->vj_slots, err, errlen);
}

static int
sc_help(struct session_opts *o, const struct sc_cmd *c, char **av, int ac,
    char *err, size_t errlen)
{
	/* Help is printed by slirp(1) itself and never reaches a session. */
	return sc_err(err, errlen, "%s: give it on the slirp command line "
	    "(slirp \"help\")", c->name);
}

/* Split s in place on blanks; returns the word count or -1 if too many. */
static int
sc_split(char *s, char **av, int max)
{
	int ac = 0;
	char *p;

	while ((p = strsep(&s, " \t")) != NULL) {
		if (*p == '\0')
			continue;
		if (ac == max)
			return -1;
		av[ac++] = p;
	}
	return ac;
}

/* Does the command's name equal the first words of av? Returns the count. */
static int
sc_match(const struct sc_cmd *c, char **av, int ac)
{
	const char *sp;
	size_t n;

	sp = strchr(c->name, ' ');
	if (sp == NULL)
		return strcmp(c->name, av[0]) == 0 ? 1 : 0;
	n = (size_t)(sp - c->name);
	if (ac < 2 || strlen(av[0]) != n || strncmp(c->name, av[0], n) != 0 ||
	    strcmp(sp + 1, av[1]) != 0)
		return 0;
	return 2;
}

/* The entry naming the most leading words ("redir X" before "redir"). */
static const struct sc_cmd *
sc_lookup(char **av, int ac, int *nwords)
{
	const struct sc_cmd *best = NULL;
	size_t i;
	int n;

	*nwords = 0;
	for (i = 0; i < SC_NCMDS; i++) {
		n = sc_match(&sc_cmds[i], av, ac);
		if (n > *nwords) {
			*nwords = n;
			best = &sc_cmds[i];
		}
	}
	return best;
}

int
slirpcmd_apply(struct session_opts *o, const char *cmd, char *err,
    size_t errlen)
{
	char buf[SLIRPCMD_MAXLINE], *av[SC_MAXTOK];
	const struct sc_cmd *c;
	size_t len, i;
	int ac, nw;

	if (errlen > 0)
		err[0] = '\0';
	len = strnlen(cmd, sizeof(buf));
	if (len == sizeof(buf))
		return sc_err(err, errlen, "command longer than %d bytes",
		    SLIRPCMD_MAXLINE - 1);
	memcpy(buf, cmd, len + 1);
	/* rc files may come with DOS line ends. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return sc_err(err, errlen,
			    "command contains a control character");
	ac = sc_split(buf, av, SC_MAXTOK);
	if (ac == -1)
		return sc_err(err, errlen, "command has more than %d words",
		    SC_MAXTOK);
	if (ac == 0 || av[0][0] == '#')
		return 0;
	c = sc_lookup(av, ac, &nw);
	if (c == NULL)
		return sc_err(err, errlen, "%.64s: unknown command", av[0]);
	if (c->fn == NULL)
		return sc_err(err, errlen, "%s: not supported yet by slirpd",
		    c->name);
	ac -= nw;
	if (ac < c->minargs)
		return sc_err(err, errlen, "%s: missing argument (usage: %s %s)",
		    c->name, c->name, c->usage);
	if (ac > c->maxargs)
		return sc_err(err, errlen, "%s: too many arguments (usage: "
		    "%s%s%s)", c->name, c->name, c->usage[0] ? " " : "",
		    c->usage);
	return c->fn(o, c, av + nw, ac, err, errlen);
}

static const char *
sc_ntoa(in_addr_t a, char *buf, size_t len)
{
	struct in_addr ia;

	ia.s_addr = a;
	if (inet_ntop(AF_INET, &ia, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

size_t
slirpcmd_banner(const struct session_opts *o, char *buf, size_t len)
{
	char host[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];
	char relay[INET_ADDRSTRLEN + 32], guest[INET_ADDRSTRLEN];
	char frame[128], baud[32];
	int n;

	if (o->host_addr != 0)
		sc_ntoa(o->host_addr, host, sizeof(host));
	else
		snprintf(host, sizeof(host), "127.0.0.1");
	sc_ntoa(o->special_addr | htonl(3), dns, sizeof(dns));
	relay[0] = '\0';
	if (o->dns_addr != 0) {
		char a[INET_ADDRSTRLEN];

		snprintf(relay, sizeof(relay), " (relayed to %s)",
		    sc_ntoa(o->dns_addr, a, sizeof(a)));
	}
	sc_ntoa(o->guest_addr, guest, sizeof(guest));
	baud[0] = '\0';
	if (o->baud != 0)
		snprintf(baud, sizeof(baud), ", %u baud", o->baud);
	snprintf(frame, sizeof(frame), "[talking %s, MTU %u, MRU %u%s]",
	    o->ppp ? "PPP" : o->compress == 1 ? "CSLIP" : "SLIP", o->mtu, o->mru, baud);
	n = snprintf(buf, len,
	    "slirpd: Slirp 1.0 compatible TCP/IP emulator\n"
	    "\n"
	    "IP address of Slirp host: %s\n"
	    "IP address of your DNS(s): %s%s\n"
	    "Your address is %s\n"
	    "(or anything else you want)\n"
	    "\n"
	    "Type five zeroes (0) to exit.\n"
	    "\n"
	    "%s\n"
	    "\n"
	    "SLiRP Ready ...\n",
	    host, dns, relay, guest, frame);
	return n < 0 ? 0 : (size_t)n;
}

static int
sc_prefix(const char *name, const char *topic)
{
	return strncmp(name, topic, strlen(topic)) == 0;
}

static void
sc_describe(FILE *fp, const struct sc_cmd *c)
{
	fprintf(fp, "Command: \"%s\"\n", c->name);
	fprintf(fp, "Usage: %s%s%s\n", c->name, c->usage[0] ? " " : "",
	    c->usage);
	if (c->fn == NULL)
		fprintf(fp, "\tnot supported yet by slirpd\n\n");
	else
		fprintf(fp, "\t%s\n\n", c->help);
}

int
slirpcmd_help(FILE *fp, const char *topic)
{
	size_t i, col = 0;
	int n = 0;

	if (topic == NULL || topic[0] == '\0') {
		fprintf(fp, "Valid commands:\n");
		for (i = 0; i < SC_NCMDS; i++) {
			fprintf(fp, "%-21s", sc_cmds[i].name);
			if (++col % 3 == 0)
				fputc('\n', fp);
		}
		if (col % 3 != 0)
			fputc('\n', fp);
		fprintf(fp, "\nFor more help type \"help COMMAND\", where "
		    "COMMAND is one of the above\nor the start of one.\n");
		return (int)SC_NCMDS;
	}
	for (i = 0; i < SC_NCMDS; i++) {
		if (!sc_prefix(sc_cmds[i].name, topic))
			continue;
		sc_describe(fp, &sc_cmds[i]);
		n++;
	}
	if (n == 0)
		fprintf(fp, "help: no command starts with \"%s\"\n", topic);
	return n;
}
