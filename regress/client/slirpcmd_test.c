/* The Slirp command language: every command, its bounds and messages. */
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slirpcmd.h"

static struct session_opts o;
static char err[256];

static int
apply(const char *cmd)
{
	return slirpcmd_apply(&o, cmd, err, sizeof(err));
}

static in_addr_t
addr(const char *s)
{
	struct in_addr ia;

	ATF_REQUIRE(inet_pton(AF_INET, s, &ia) == 1);
	return ia.s_addr;
}

/* The command fails and its message is exactly want. */
#define FAILS(cmd, want) do {						\
	ATF_CHECK_EQ_MSG(apply(cmd), -1, "%s accepted", cmd);		\
	ATF_CHECK_STREQ_MSG(err, want, "%s", cmd);			\
} while (0)

#define OK(cmd) do {							\
	ATF_CHECK_EQ_MSG(apply(cmd), 0, "%s: %s", cmd, err);		\
	ATF_CHECK_STREQ(err, "");					\
} while (0)

static void
reset(void)
{
	slirpcmd_defaults(&o);
	memset(err, 0, sizeof(err));
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	reset();
	ATF_CHECK_EQ(o.mtu, 1500);
	ATF_CHECK_EQ(o.mru, 1500);
	ATF_CHECK_EQ(o.baud, 0);
	ATF_CHECK_EQ(o.keepalive, 0);
	ATF_CHECK_EQ(o.ppp, 0);
	ATF_CHECK_EQ(o.special_addr, addr("10.0.2.0"));
	ATF_CHECK_EQ(o.guest_addr, addr("10.0.2.15"));
	ATF_CHECK_EQ(o.host_addr, 0);
	ATF_CHECK_EQ(o.dns_addr, 0);
}

ATF_TC_WITHOUT_HEAD(blank_and_comments);
ATF_TC_BODY(blank_and_comments, tc)
{
	struct session_opts before;

	reset();
	before = o;
	OK("");
	OK("   \t ");
	OK("\n");
	OK("\r\n");
	OK("# mtu 576");
	OK("   #comment with words");
	ATF_CHECK(memcmp(&before, &o, sizeof(o)) == 0);
}

ATF_TC_WITHOUT_HEAD(mtu_mru);
ATF_TC_BODY(mtu_mru, tc)
{
	reset();
	OK("mtu 576");
	ATF_CHECK_EQ(o.mtu, 576);
	ATF_CHECK_EQ(o.mru, 1500);
	OK("mru 296");
	ATF_CHECK_EQ(o.mru, 296);
	ATF_CHECK_EQ(o.mtu, 576);
	OK("  mtu\t128  ");
	ATF_CHECK_EQ(o.mtu, 128);
	OK("mtu 16384\r\n");
	ATF_CHECK_EQ(o.mtu, 16384);
	OK("mru 16384");
	ATF_CHECK_EQ(o.mru, 16384);
	FAILS("mtu 127", "mtu: 127 is too small (128..16384)");
	FAILS("mtu 16385", "mtu: 16385 is too large (128..16384)");
	FAILS("mru 0", "mru: 0 is too small (128..16384)");
	FAILS("mru 99999999999999999999", "mru: 99999999999999999999 is "
	    "too large (128..16384)");
	FAILS("mtu -1500", "mtu: -1500 is too small (128..16384)");
	FAILS("mtu abc", "mtu: abc is invalid (128..16384)");
	FAILS("mtu 1500x", "mtu: 1500x is invalid (128..16384)");
	FAILS("mtu", "mtu: missing argument (usage: mtu N)");
	FAILS("mtu 576 extra", "mtu: too many arguments (usage: mtu N)");
	/* A refused value leaves the setting alone. */
	ATF_CHECK_EQ(o.mtu, 16384);
	/* Keywords are lower case and whole, as in Slirp. */
	FAILS("MTU 576", "MTU: unknown command");
	FAILS("mt 576", "mt: unknown command");
}

ATF_TC_WITHOUT_HEAD(baudrate);
ATF_TC_BODY(baudrate, tc)
{
	reset();
	OK("baudrate 14400");
	ATF_CHECK_EQ(o.baud, 14400);
	OK("-b 57600");
	ATF_CHECK_EQ(o.baud, 57600);
	OK("baudrate 300");
	ATF_CHECK_EQ(o.baud, 300);
	OK("-b 2147483647");
	ATF_CHECK_EQ(o.baud, 2147483647u);
	FAILS("baudrate 299", "baudrate: 299 is too small (300..2147483647)");
	FAILS("-b 0", "-b: 0 is too small (300..2147483647)");
	FAILS("-b 2147483648",
	    "-b: 2147483648 is too large (300..2147483647)");
	FAILS("-b", "-b: missing argument (usage: -b N)");
	FAILS("baudrate", "baudrate: missing argument (usage: baudrate N)");
	FAILS("baudrate fast", "baudrate: fast is invalid (300..2147483647)");
	ATF_CHECK_EQ(o.baud, 2147483647u);
}

ATF_TC_WITHOUT_HEAD(keepalive);
ATF_TC_BODY(keepalive, tc)
{
	reset();
	OK("keepalive");
	ATF_CHECK_EQ(o.keepalive, 75);
	OK("keepalive 5");
	ATF_CHECK_EQ(o.keepalive, 5);
	OK("keepalive 14400");
	ATF_CHECK_EQ(o.keepalive, 14400);
	OK("keepalive 600");
	ATF_CHECK_EQ(o.keepalive, 600);
	FAILS("keepalive 4", "keepalive: 4 is too small (5..14400)");
	FAILS("keepalive 14401", "keepalive: 14401 is too large (5..14400)");
	FAILS("keepalive 0", "keepalive: 0 is too small (5..14400)");
	FAILS("keepalive 5 x", "keepalive: too many arguments "
	    "(usage: keepalive [SECONDS])");
	ATF_CHECK_EQ(o.keepalive, 600);
}

ATF_TC_WITHOUT_HEAD(dns);
ATF_TC_BODY(dns, tc)
{
	reset();
	OK("dns 192.0.2.53");
	ATF_CHECK_EQ(o.dns_addr, addr("192.0.2.53"));
	FAILS("dns foo", "dns: foo is not an IPv4 address");
	FAILS("dns 1.2.3", "dns: 1.2.3 is not an IPv4 address");
	FAILS("dns 1.2.3.256", "dns: 1.2.3.256 is not an IPv4 address");
	FAILS("dns 0.0.0.0", "dns: 0.0.0.0 is not a unicast address");
	FAILS("dns 224.0.0.1", "dns: 224.0.0.1 is not a unicast address");
	FAILS("dns 255.255.255.255",
	    "dns: 255.255.255.255 is not a unicast address");
	FAILS("dns ::1", "dns: ::1 is not an IPv4 address");
	FAILS("dns", "dns: missing argument (usage: dns ADDR)");
	ATF_CHECK_EQ(o.dns_addr, addr("192.0.2.53"));
}

ATF_TC_WITHOUT_HEAD(special_addr);
ATF_TC_BODY(special_addr, tc)
{
	reset();
	OK("special addr 10.0.3.0");
	ATF_CHECK_EQ(o.special_addr, addr("10.0.3.0"));
	/* The guest follows the special network while it was .15. */
	ATF_CHECK_EQ(o.guest_addr, addr("10.0.3.15"));
	OK("special address 192.168.7.0");
	ATF_CHECK_EQ(o.special_addr, addr("192.168.7.0"));
	ATF_CHECK_EQ(o.guest_addr, addr("192.168.7.15"));
	FAILS("special addr 10.0.3.5", "special addr: 10.0.3.5 must end in .0");
	FAILS("special addr 127.0.0.0",
	    "special addr: 127.0.0.0 is a loopback network");
	FAILS("special addr x", "special addr: x is not an IPv4 address");
	FAILS("special addr", "special addr: missing argument "
	    "(usage: special addr ADDR)");
	FAILS("special 10.0.3.0", "special: unknown command");
	ATF_CHECK_EQ(o.special_addr, addr("192.168.7.0"));
	/* An address the parent assigned stays. */
	o.guest_addr = addr("192.168.7.44");
	OK("special addr 10.9.9.0");
	ATF_CHECK_EQ(o.guest_addr, addr("192.168.7.44"));
}

ATF_TC_WITHOUT_HEAD(host_addr);
ATF_TC_BODY(host_addr, tc)
{
	reset();
	OK("host addr 198.51.100.7");
	ATF_CHECK_EQ(o.host_addr, addr("198.51.100.7"));
	OK("host address 198.51.100.8");
	ATF_CHECK_EQ(o.host_addr, addr("198.51.100.8"));
	FAILS("host addr 198.51.100", "host addr: 198.51.100 is not an IPv4 "
	    "address");
	FAILS("host addr 239.1.1.1", "host addr: 239.1.1.1 is not a unicast "
	    "address");
	FAILS("host addr 1.2.3.4 5.6.7.8", "host addr: too many arguments "
	    "(usage: host addr ADDR)");
	FAILS("host", "host: unknown command");
	ATF_CHECK_EQ(o.host_addr, addr("198.51.100.8"));
}

ATF_TC_WITHOUT_HEAD(ppp);
ATF_TC_BODY(ppp, tc)
{
	reset();
	OK("ppp");
	ATF_CHECK_EQ(o.ppp, 1);
	reset();
	OK("-P");
	ATF_CHECK_EQ(o.ppp, 1);
	FAILS("ppp now", "ppp: too many arguments (usage: ppp)");
	FAILS("-P 1", "-P: too many arguments (usage: -P)");
}

ATF_TC_WITHOUT_HEAD(not_supported_yet);
ATF_TC_BODY(not_supported_yet, tc)
{
	reset();
	FAILS("redir 5022 21", "redir: not supported yet by slirpd");
	FAILS("redir udp 2213 10.0.2.15:2213",
	    "redir: not supported yet by slirpd");
	FAILS("redir X 10.0.2.15:0.0", "redir X: not supported yet by slirpd");
	FAILS("add exec /usr/sbin/in.nntpd:119",
	    "add exec: not supported yet by slirpd");
	FAILS("add ptyexec csh:55", "add ptyexec: not supported yet by slirpd");
	FAILS("add emu ftp 8021", "add emu: not supported yet by slirpd");
	FAILS("shell /bin/sh", "shell: not supported yet by slirpd");
	FAILS("socket", "socket: not supported yet by slirpd");
	FAILS("tty /dev/ttyS1", "tty: not supported yet by slirpd");
	FAILS("control addr 10.0.2.15",
	    "control addr: not supported yet by slirpd");
	FAILS("-vjccomp", "-vjccomp: not supported yet by slirpd");
	FAILS("bsdcomp 15", "bsdcomp: not supported yet by slirpd");
	FAILS("add", "add: unknown command");
	FAILS("add nothing", "add: unknown command");
	FAILS("frobnicate", "frobnicate: unknown command");
	FAILS("help", "help: give it on the slirp command line "
	    "(slirp \"help\")");
}

ATF_TC_WITHOUT_HEAD(ppp_auth);
ATF_TC_BODY(ppp_auth, tc)
{
	reset();
	ATF_CHECK_EQ(o.pppo.auth, 0);
	OK("+pap");
	ATF_CHECK_EQ(o.pppo.auth, PPP_OPTS_PAP);
	OK("+chap");
	ATF_CHECK_EQ(o.pppo.auth, PPP_OPTS_PAP | PPP_OPTS_CHAP);
	OK("-pap");
	ATF_CHECK_EQ(o.pppo.auth, PPP_OPTS_CHAP);
	OK("-chap");
	ATF_CHECK_EQ(o.pppo.auth, 0);
	OK("auth");
	ATF_CHECK_EQ(o.pppo.auth, PPP_OPTS_PAP | PPP_OPTS_CHAP);
	OK("pap-timeout 10");
	ATF_CHECK_EQ(o.pppo.pap_timeout, 10);
	OK("chap-restart 2");
	ATF_CHECK_EQ(o.pppo.chap_restart, 2);
	OK("chap-max-challenge 4");
	ATF_CHECK_EQ(o.pppo.chap_max, 4);
	OK("chap-interval 0");
	OK("chap-interval 600");
	ATF_CHECK_EQ(o.pppo.chap_interval, 600);
	FAILS("pap-timeout 0", "pap-timeout: 0 is too small (1..300)");
	FAILS("chap-restart 301", "chap-restart: 301 is too large (1..300)");
	FAILS("chap-max-challenge x",
	    "chap-max-challenge: x is invalid (1..100)");
	FAILS("+pap now", "+pap: too many arguments (usage: +pap)");
	FAILS("pap-restart 3", "pap-restart: slirpd is always the "
	    "authenticator and never authenticates itself");
	FAILS("pap-max-authreq 3", "pap-max-authreq: slirpd is always the "
	    "authenticator and never authenticates itself");
	FAILS("papcrypt", "papcrypt: PAP passwords are checked by PAM on "
	    "this host, not by slirpd");
}

ATF_TC_WITHOUT_HEAD(hostile_input);
ATF_TC_BODY(hostile_input, tc)
{
	char big[SLIRPCMD_MAXLINE + 16], tiny[8];
	size_t i;

	reset();
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	FAILS(big, "command longer than 1023 bytes");
	/* Exactly the longest accepted: parsed, and unknown. */
	big[SLIRPCMD_MAXLINE - 1] = '\0';
	ATF_CHECK_EQ(apply(big), -1);
	ATF_CHECK(strstr(err, ": unknown command") != NULL);
	ATF_CHECK(strlen(err) < 100);
	FAILS("mtu\x1b[2J 576", "command contains a control character");
	FAILS("mtu 576\nmru 576", "command contains a control character");
	FAILS("a b c d e f g h i", "command has more than 8 words");
	for (i = 0; i < 64; i++)
		big[i] = (i % 2) ? ' ' : 'x';
	big[64] = '\0';
	FAILS(big, "command has more than 8 words");
	/* A short error buffer is cut, never overrun. */
	memset(tiny, 'Z', sizeof(tiny));
	ATF_CHECK_EQ(slirpcmd_apply(&o, "mtu 1", tiny, 4), -1);
	ATF_CHECK_STREQ(tiny, "mtu");
	ATF_CHECK_EQ(tiny[4], 'Z');
	ATF_CHECK_EQ(slirpcmd_apply(&o, "mtu 1", NULL, 0), -1);
}

static char *
banner(const struct session_opts *so)
{
	static char buf[2048];
	size_t n;

	n = slirpcmd_banner(so, buf, sizeof(buf));
	ATF_REQUIRE(n > 0 && n < sizeof(buf));
	ATF_CHECK_EQ(strlen(buf), n);
	return buf;
}

ATF_TC_WITHOUT_HEAD(banner_slip);
ATF_TC_BODY(banner_slip, tc)
{
	const char *b;

	reset();
	o.host_addr = addr("192.0.2.1");
	b = banner(&o);
	ATF_CHECK(strstr(b, "\nIP address of Slirp host: 192.0.2.1\n"));
	ATF_CHECK(strstr(b, "\nIP address of your DNS(s): 10.0.2.3\n"));
	ATF_CHECK(strstr(b, "\nYour address is 10.0.2.15\n"));
	ATF_CHECK(strstr(b, "\nType five zeroes (0) to exit.\n"));
	ATF_CHECK(strstr(b, "\n[talking SLIP, MTU 1500, MRU 1500]\n"));
	ATF_CHECK(strstr(b, "\nSLiRP Ready ...\n"));
	/* The order the original printed its lines in. */
	ATF_CHECK(strstr(b, "Slirp host") < strstr(b, "Your address"));
	ATF_CHECK(strstr(b, "Your address") < strstr(b, "five zeroes"));
	ATF_CHECK(strstr(b, "five zeroes") < strstr(b, "[talking"));
	ATF_CHECK(strstr(b, "[talking") < strstr(b, "SLiRP Ready"));
}

ATF_TC_WITHOUT_HEAD(banner_ppp_and_settings);
ATF_TC_BODY(banner_ppp_and_settings, tc)
{
	char small[32];
	const char *b;
	size_t n;

	reset();
	ATF_REQUIRE_EQ(apply("-P"), 0);
	ATF_REQUIRE_EQ(apply("mtu 576"), 0);
	ATF_REQUIRE_EQ(apply("mru 296"), 0);
	ATF_REQUIRE_EQ(apply("-b 14400"), 0);
	ATF_REQUIRE_EQ(apply("dns 192.0.2.53"), 0);
	ATF_REQUIRE_EQ(apply("special addr 10.1.2.0"), 0);
	b = banner(&o);
	ATF_CHECK(strstr(b, "\nIP address of Slirp host: 127.0.0.1\n"));
	ATF_CHECK(strstr(b, "\nIP address of your DNS(s): 10.1.2.3 "
	    "(relayed to 192.0.2.53)\n"));
	ATF_CHECK(strstr(b, "\nYour address is 10.1.2.15\n"));
	ATF_CHECK(strstr(b, "\n[talking PPP, MTU 576, MRU 296, 14400 baud]\n"));
	/* Cut like snprintf: the full length is returned. */
	memset(small, 'Z', sizeof(small));
	n = slirpcmd_banner(&o, small, 16);
	ATF_CHECK_EQ(n, strlen(b));
	ATF_CHECK_EQ(strlen(small), 15);
	ATF_CHECK_EQ(small[16], 'Z');
}

static char *
help(const char *topic, int *n)
{
	static char *buf;
	size_t len;
	FILE *fp;

	free(buf);
	buf = NULL;
	fp = open_memstream(&buf, &len);
	ATF_REQUIRE(fp != NULL);
	*n = slirpcmd_help(fp, topic);
	ATF_REQUIRE(fclose(fp) == 0);
	return buf;
}

ATF_TC_WITHOUT_HEAD(help_text);
ATF_TC_BODY(help_text, tc)
{
	const char *h;
	int n;

	h = help(NULL, &n);
	ATF_CHECK(n > 50);
	ATF_CHECK(strncmp(h, "Valid commands:\n", 16) == 0);
	ATF_CHECK(strstr(h, "mtu "));
	ATF_CHECK(strstr(h, "keepalive "));
	ATF_CHECK(strstr(h, "redir "));
	h = help("mt", &n);
	ATF_CHECK_EQ(n, 1);
	ATF_CHECK(strstr(h, "Command: \"mtu\"\nUsage: mtu N\n"));
	h = help("redir", &n);
	ATF_CHECK_EQ(n, 2);
	ATF_CHECK(strstr(h, "Usage: redir [once|time] [udp|tcp] PORT"));
	ATF_CHECK(strstr(h, "not supported yet by slirpd"));
	h = help("keepalive", &n);
	ATF_CHECK_EQ(n, 1);
	ATF_CHECK(strstr(h, "Usage: keepalive [SECONDS]\n"));
	ATF_CHECK(strstr(h, "not supported yet") == NULL);
	h = help("zzz", &n);
	ATF_CHECK_EQ(n, 0);
	ATF_CHECK_STREQ(h, "help: no command starts with \"zzz\"\n");
	free(help("", &n));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, blank_and_comments);
	ATF_TP_ADD_TC(tp, mtu_mru);
	ATF_TP_ADD_TC(tp, baudrate);
	ATF_TP_ADD_TC(tp, keepalive);
	ATF_TP_ADD_TC(tp, dns);
	ATF_TP_ADD_TC(tp, special_addr);
	ATF_TP_ADD_TC(tp, host_addr);
	ATF_TP_ADD_TC(tp, ppp);
	ATF_TP_ADD_TC(tp, not_supported_yet);
	ATF_TP_ADD_TC(tp, hostile_input);
	ATF_TP_ADD_TC(tp, banner_ppp_and_settings);
	ATF_TP_ADD_TC(tp, banner_slip);
	ATF_TP_ADD_TC(tp, help_text);
	ATF_TP_ADD_TC(tp, ppp_auth);
	return atf_no_error();
}
