/* The CSLIP/VJ commands: compress, nocompress, -vj, vj-max-slots. */
#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "slirpcmd.h"

static struct session_opts o;
static char err[256];

static int
apply(const char *cmd)
{
	memset(err, 0, sizeof(err));
	return slirpcmd_apply(&o, cmd, err, sizeof(err));
}

ATF_TC_WITHOUT_HEAD(compress);
ATF_TC_BODY(compress, tc)
{
	char b[1024];

	slirpcmd_defaults(&o);
	ATF_CHECK_EQ(o.compress, 0);
	ATF_CHECK_EQ(o.vj_slots, 0);
	ATF_CHECK_EQ(apply("compress"), 0);
	ATF_CHECK_EQ(o.compress, 1);
	slirpcmd_banner(&o, b, sizeof(b));
	ATF_CHECK(strstr(b, "[talking CSLIP, MTU 1500, MRU 1500]") != NULL);
	ATF_CHECK_EQ(apply("nocompress"), 0);
	ATF_CHECK_EQ(o.compress, -1);
	slirpcmd_banner(&o, b, sizeof(b));
	ATF_CHECK(strstr(b, "[talking SLIP, MTU 1500, MRU 1500]") != NULL);
	ATF_CHECK_EQ(apply("compress"), 0);
	ATF_CHECK_EQ(apply("-vj"), 0);
	ATF_CHECK_EQ(o.compress, -1);
	ATF_CHECK_EQ(apply("compress now"), -1);
	ATF_CHECK_STREQ(err, "compress: too many arguments (usage: compress)");
	ATF_CHECK_EQ(apply("-vj 3"), -1);
	ATF_CHECK_EQ(o.compress, -1);
}

ATF_TC_WITHOUT_HEAD(vj_max_slots);
ATF_TC_BODY(vj_max_slots, tc)
{
	slirpcmd_defaults(&o);
	ATF_CHECK_EQ(apply("vj-max-slots 2"), 0);
	ATF_CHECK_EQ(o.vj_slots, 2);
	ATF_CHECK_EQ(apply("vj-max-slots 16"), 0);
	ATF_CHECK_EQ(o.vj_slots, 16);
	ATF_CHECK_EQ(apply("vj-max-slots 1"), -1);
	ATF_CHECK_STREQ(err, "vj-max-slots: 1 is too small (2..16)");
	ATF_CHECK_EQ(apply("vj-max-slots 17"), -1);
	ATF_CHECK_STREQ(err, "vj-max-slots: 17 is too large (2..16)");
	ATF_CHECK_EQ(apply("vj-max-slots -3"), -1);
	ATF_CHECK_EQ(apply("vj-max-slots"), -1);
	ATF_CHECK_EQ(o.vj_slots, 16);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, compress);
	ATF_TP_ADD_TC(tp, vj_max_slots);
	return atf_no_error();
}
