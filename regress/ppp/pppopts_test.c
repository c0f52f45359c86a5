/*
 * The classic PPP option names in the command language: accepted with
 * their values, bounded, and refused with a clear message otherwise.
 */
#include <atf-c.h>
#include <string.h>

#include "slirpcmd.h"

static struct session_opts o;
static char err[256];

static int
apply(const char *cmd)
{
	err[0] = '\0';
	return slirpcmd_apply(&o, cmd, err, sizeof(err));
}

ATF_TC_WITHOUT_HEAD(accepted);
ATF_TC_BODY(accepted, tc)
{
	slirpcmd_defaults(&o);
	ATF_CHECK_EQ(apply("asyncmap 000a0000"), 0);
	ATF_CHECK_EQ(o.pppo.asyncmap, 0x000a0000);
	ATF_CHECK(o.pppo.has_asyncmap);
	ATF_CHECK_EQ(apply("escape 11,13,ff"), 0);
	ATF_CHECK_EQ(o.pppo.escape[0], (1U << 0x11) | (1U << 0x13));
	ATF_CHECK_EQ(o.pppo.escape[7], 1U << 31);
	ATF_CHECK_EQ(apply("-pc"), 0);
	ATF_CHECK_EQ(apply("-ac"), 0);
	ATF_CHECK(o.pppo.no_pfc && o.pppo.no_acfc);
	ATF_CHECK_EQ(apply("lcp-echo-interval 30"), 0);
	ATF_CHECK_EQ(apply("lcp-echo-failure 4"), 0);
	ATF_CHECK_EQ(apply("lcp-restart 2"), 0);
	ATF_CHECK_EQ(apply("lcp-max-configure 20"), 0);
	ATF_CHECK_EQ(apply("lcp-max-terminate 3"), 0);
	ATF_CHECK_EQ(apply("lcp-max-failure 7"), 0);
	ATF_CHECK(o.pppo.echo_interval == 30 && o.pppo.echo_failure == 4 &&
	    o.pppo.restart == 2 && o.pppo.max_configure == 20 &&
	    o.pppo.max_terminate == 3 && o.pppo.max_failure == 7);
}

ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	slirpcmd_defaults(&o);
	ATF_CHECK_EQ(apply("asyncmap xyz"), -1);
	ATF_CHECK(strstr(err, "asyncmap: xyz is not a 32-bit hex mask") !=
	    NULL);
	ATF_CHECK_EQ(apply("asyncmap 100000000"), -1);
	ATF_CHECK_EQ(apply("asyncmap -1"), -1);
	ATF_CHECK_EQ(apply("escape 100"), -1);
	ATF_CHECK(strstr(err, "escape: 100 is not a hex byte") != NULL);
	ATF_CHECK_EQ(apply("escape 11,,zz"), -1);
	ATF_CHECK_EQ(apply("lcp-restart 0"), -1);
	ATF_CHECK_EQ(apply("lcp-restart 61"), -1);
	ATF_CHECK_EQ(apply("lcp-echo-interval 3601"), -1);
	ATF_CHECK_EQ(apply("lcp-max-configure 101"), -1);
	ATF_CHECK_EQ(apply("-pc extra"), -1);
	ATF_CHECK_EQ(o.pppo.restart, 0);
	ATF_CHECK_EQ(o.pppo.escape[0], 0);
	ATF_CHECK_EQ(o.pppo.escape[3], 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, accepted);
	ATF_TP_ADD_TC(tp, refused);
	return atf_no_error();
}
