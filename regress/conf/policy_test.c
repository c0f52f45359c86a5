/*
 * policy_allows() and policy_for_user() on parsed configurations.
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "config.h"

static struct slirpd_conf *
conf_from(const char *text)
{
	struct slirpd_conf *c;
	FILE *fp;

	ATF_REQUIRE((fp = fopen("t.conf", "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(chmod("t.conf", 0600) == 0);
	c = parse_config("t.conf", 1);
	ATF_REQUIRE_MSG(c != NULL, "config did not parse:\n%s", text);
	return c;
}

static in_addr_t
A(const char *s)
{
	struct in_addr ia;

	ATF_REQUIRE(inet_pton(AF_INET, s, &ia) == 1);
	return ia.s_addr;
}

static int
allows(struct slirpd_conf *c, const char *pol, int proto, const char *addr,
    int port)
{
	struct policy *p = policy_find(c, pol);

	ATF_REQUIRE_MSG(p != NULL, "no policy %s", pol);
	return policy_allows(p, proto, A(addr), htons((uint16_t)port));
}

ATF_TC_WITHOUT_HEAD(implicit_default);
ATF_TC_BODY(implicit_default, tc)
{
	struct slirpd_conf *c = conf_from("# nothing\n");
	struct policy *p = policy_find(c, "default");

	ATF_REQUIRE(p != NULL);
	ATF_CHECK_EQ(p->host_alias, HOST_ALIAS_LOOPBACK);
	ATF_CHECK(allows(c, "default", IPPROTO_TCP, "192.0.2.1", 80));
	ATF_CHECK(allows(c, "default", IPPROTO_UDP, "10.0.0.1", 53));
	ATF_CHECK(allows(c, "default", IPPROTO_ICMP, "127.0.0.1", 0));
	ATF_CHECK(allows(c, "default", IPPROTO_TCP, "255.255.255.255",
	    65535));
	/* no other protocol is ever allowed */
	ATF_CHECK(!allows(c, "default", IPPROTO_SCTP, "192.0.2.1", 80));
	ATF_CHECK(!allows(c, "default", 0, "192.0.2.1", 80));
	ATF_CHECK(!policy_allows(NULL, IPPROTO_TCP, A("192.0.2.1"),
	    htons(80)));
	free_config(c);
}

ATF_TC_WITHOUT_HEAD(explicit_default);
ATF_TC_BODY(explicit_default, tc)
{
	struct slirpd_conf *c = conf_from(
	    "policy \"default\" {\n\thost-alias none\n"
	    "\tallow to 192.0.2.0/24\n}\n");
	struct policy *p;

	/* the file's "default" replaces the implicit one, not added to */
	ATF_REQUIRE((p = policy_find(c, "default")) != NULL);
	ATF_CHECK_EQ(p->host_alias, HOST_ALIAS_NONE);
	ATF_CHECK_EQ(TAILQ_FIRST(&c->policies), p);
	ATF_CHECK_EQ(TAILQ_NEXT(p, entry), NULL);
	ATF_CHECK(allows(c, "default", IPPROTO_TCP, "192.0.2.200", 1));
	ATF_CHECK(!allows(c, "default", IPPROTO_TCP, "192.0.3.1", 1));
	free_config(c);
}

ATF_TC_WITHOUT_HEAD(first_match_wins);
ATF_TC_BODY(first_match_wins, tc)
{
	struct slirpd_conf *c = conf_from(
	    "policy \"p\" {\n"
	    "\tdeny to 10.0.0.0/8 port 25\n"
	    "\tallow to 10.1.0.0/16\n"
	    "\tdeny to 10.0.0.0/8\n"
	    "\tallow to any\n"
	    "}\n");

	ATF_CHECK(!allows(c, "p", IPPROTO_TCP, "10.1.2.3", 25));
	ATF_CHECK(!allows(c, "p", IPPROTO_UDP, "10.1.2.3", 25));
	ATF_CHECK(allows(c, "p", IPPROTO_TCP, "10.1.2.3", 26));
	ATF_CHECK(allows(c, "p", IPPROTO_TCP, "10.1.255.255", 24));
	ATF_CHECK(!allows(c, "p", IPPROTO_TCP, "10.2.0.0", 80));
	ATF_CHECK(!allows(c, "p", IPPROTO_TCP, "10.255.255.255", 80));
	ATF_CHECK(allows(c, "p", IPPROTO_TCP, "11.0.0.0", 25));
	ATF_CHECK(allows(c, "p", IPPROTO_TCP, "9.255.255.255", 25));
	/* ICMP skips the port rule, then meets the address rules */
	ATF_CHECK(allows(c, "p", IPPROTO_ICMP, "10.1.2.3", 25));
	ATF_CHECK(!allows(c, "p", IPPROTO_ICMP, "10.9.2.3", 0));
	free_config(c);
}

ATF_TC_WITHOUT_HEAD(no_match_denies);
ATF_TC_BODY(no_match_denies, tc)
{
	struct slirpd_conf *c = conf_from(
	    "policy \"web\" {\n"
	    "\tallow to 192.0.2.0/24 port 80\n"
	    "\tallow to 198.51.100.7 port 1000:2000\n"
	    "}\n"
	    "policy \"empty\" {\n}\n");

	ATF_CHECK(allows(c, "web", IPPROTO_TCP, "192.0.2.5", 80));
	ATF_CHECK(allows(c, "web", IPPROTO_UDP, "192.0.2.5", 80));
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "192.0.2.5", 81));
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "192.0.2.5", 79));
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "198.51.100.1", 80));
	/* only port-less rules match ICMP */
	ATF_CHECK(!allows(c, "web", IPPROTO_ICMP, "192.0.2.5", 80));
	/* range edges; a /32 is one host */
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "198.51.100.7", 999));
	ATF_CHECK(allows(c, "web", IPPROTO_TCP, "198.51.100.7", 1000));
	ATF_CHECK(allows(c, "web", IPPROTO_TCP, "198.51.100.7", 2000));
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "198.51.100.7", 2001));
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "198.51.100.8", 1500));
	ATF_CHECK(!allows(c, "web", IPPROTO_TCP, "198.51.100.6", 1500));
	/* a policy without rules denies everything */
	ATF_CHECK(!allows(c, "empty", IPPROTO_TCP, "192.0.2.5", 80));
	ATF_CHECK(!allows(c, "empty", IPPROTO_ICMP, "192.0.2.5", 0));
	ATF_CHECK_EQ(policy_find(c, "nope"), NULL);
	free_config(c);
}

/* Rules built by hand: the evaluator does not depend on the parser. */
ATF_TC_WITHOUT_HEAD(hand_built);
ATF_TC_BODY(hand_built, tc)
{
	struct policy p;
	struct policy_rule r1, r2;

	memset(&p, 0, sizeof(p));
	TAILQ_INIT(&p.rules);
	memset(&r1, 0, sizeof(r1));
	r1.allow = 1;
	r1.addr = A("127.0.0.0");
	r1.mask = A("255.0.0.0");
	r1.port_lo = 0;
	r1.port_hi = 65535;
	memset(&r2, 0, sizeof(r2));
	r2.allow = 0;
	r2.addr = A("0.0.0.0");
	r2.mask = A("0.0.0.0");
	r2.port_lo = 0;
	r2.port_hi = 65535;
	TAILQ_INSERT_TAIL(&p.rules, &r1, entry);
	TAILQ_INSERT_TAIL(&p.rules, &r2, entry);
	ATF_CHECK(policy_allows(&p, IPPROTO_TCP, A("127.0.0.1"), htons(22)));
	ATF_CHECK(policy_allows(&p, IPPROTO_ICMP, A("127.9.9.9"), 0));
	ATF_CHECK(!policy_allows(&p, IPPROTO_TCP, A("128.0.0.1"), htons(22)));
	/* the rule's own address bits outside its mask do not matter */
	r1.addr = A("127.1.2.3");
	ATF_CHECK(policy_allows(&p, IPPROTO_UDP, A("127.200.0.1"), htons(1)));
	/* the port is compared in host order */
	r1.port_lo = r1.port_hi = 0x0102;
	ATF_CHECK(policy_allows(&p, IPPROTO_UDP, A("127.0.0.1"),
	    htons(0x0102)));
	ATF_CHECK(!policy_allows(&p, IPPROTO_UDP, A("127.0.0.1"),
	    htons(0x0201)));
}

ATF_TC_WITHOUT_HEAD(for_user);
ATF_TC_BODY(for_user, tc)
{
	struct slirpd_conf *c;
	struct group *gr;
	char grname[NAMELEN], text[1024];

	/* root's primary group, whatever it is called here */
	ATF_REQUIRE((gr = getgrgid(0)) != NULL);
	ATF_REQUIRE(strlen(gr->gr_name) < sizeof(grname));
	strlcpy(grname, gr->gr_name, sizeof(grname));
	ATF_REQUIRE(getpwnam("root") != NULL);
	ATF_REQUIRE(getpwnam("nobody") != NULL);
	snprintf(text, sizeof(text),
	    "policy \"u\" { deny to any }\n"
	    "policy \"g1\" { deny to any }\n"
	    "policy \"g2\" { deny to any }\n"
	    "user \"alice\" { policy \"u\" }\n"
	    "group \"no-such-group-xyz\" { policy \"u\" }\n"
	    "group \"%s\" { policy \"g1\" }\n"
	    "group \"%s\" { policy \"g2\" }\n",
	    grname, getgrgid(getpwnam("nobody")->pw_gid)->gr_name);
	c = conf_from(text);
	/* a user block, even for a user not in the passwd file */
	ATF_CHECK_STREQ(policy_for_user(c, "alice")->name, "u");
	/* root through its group, nobody through its own */
	ATF_CHECK_STREQ(policy_for_user(c, "root")->name, "g1");
	ATF_CHECK_STREQ(policy_for_user(c, "nobody")->name, "g2");
	/* unknown users, and users in no bound group, get "default" */
	ATF_CHECK_STREQ(policy_for_user(c, "no-such-user-xyz")->name,
	    "default");
	ATF_CHECK_STREQ(policy_for_user(c, "")->name, "default");
	free_config(c);

	/* the user block beats the group block, wherever they stand */
	snprintf(text, sizeof(text),
	    "group \"%s\" { policy \"g\" }\n"
	    "user \"root\" { policy \"u\" }\n"
	    "policy \"u\" { allow to any }\n"
	    "policy \"g\" { deny to any }\n", grname);
	c = conf_from(text);
	ATF_CHECK_STREQ(policy_for_user(c, "root")->name, "u");
	ATF_CHECK_STREQ(policy_for_user(c, "nobody")->name, "default");
	free_config(c);
}

/* print_config() output parses back to the same configuration. */
ATF_TC_WITHOUT_HEAD(print_parse);
ATF_TC_BODY(print_parse, tc)
{
	struct slirpd_conf *c1, *c2;
	char *b1 = NULL, *b2 = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *m1, *m2;

	c1 = conf_from("resolver 127.0.0.9 port 99\n"
	    "policy \"x\" { deny to 10.0.0.0/8 port 1:2 }\n"
	    "group \"g\" { policy \"x\" }\n");
	ATF_REQUIRE((m1 = open_memstream(&b1, &n1)) != NULL);
	print_config(m1, c1);
	ATF_REQUIRE(fclose(m1) == 0);
	c2 = conf_from(b1);
	ATF_REQUIRE((m2 = open_memstream(&b2, &n2)) != NULL);
	print_config(m2, c2);
	ATF_REQUIRE(fclose(m2) == 0);
	ATF_CHECK_STREQ(b1, b2);
	ATF_CHECK_EQ(c2->nresolvers, 1);
	ATF_CHECK_EQ(c2->resolvers[0].addr, A("127.0.0.9"));
	ATF_CHECK_EQ(c2->resolvers[0].port, htons(99));
	ATF_CHECK(!allows(c2, "x", IPPROTO_TCP, "10.0.0.1", 2));
	free(b1);
	free(b2);
	free_config(c1);
	free_config(c2);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, implicit_default);
	ATF_TP_ADD_TC(tp, explicit_default);
	ATF_TP_ADD_TC(tp, first_match_wins);
	ATF_TP_ADD_TC(tp, no_match_denies);
	ATF_TP_ADD_TC(tp, hand_built);
	ATF_TP_ADD_TC(tp, for_user);
	ATF_TP_ADD_TC(tp, print_parse);
	return atf_no_error();
}
