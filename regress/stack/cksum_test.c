/* The Internet checksum against RFC 1071's worked example. */
#include <atf-c.h>
#include <string.h>

#include "stack_var.h"

ATF_TC_WITHOUT_HEAD(rfc1071_example);
ATF_TC_BODY(rfc1071_example, tc)
{
	/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = cksum_fold(cksum_add(0, b, sizeof(b)));
	uint8_t out[2];

	memcpy(out, &c, 2);
	ATF_CHECK_EQ(out[0], (uint8_t)~0xdd);
	ATF_CHECK_EQ(out[1], (uint8_t)~0xf2);
}

ATF_TC_WITHOUT_HEAD(odd_length_and_verify);
ATF_TC_BODY(odd_length_and_verify, tc)
{
	uint8_t b[21];
	uint16_t c;
	size_t i;

	for (i = 0; i < 20; i++)
		b[i] = (uint8_t)(i * 37 + 1);
	b[10] = b[11] = 0;
	c = in_cksum(b, 20);
	memcpy(b + 10, &c, 2);
	ATF_CHECK_EQ(in_cksum(b, 20), 0);
	/* An odd trailing byte counts as the high byte of a padded word. */
	b[20] = 0x5a;
	ATF_CHECK(in_cksum(b, 21) != in_cksum(b, 20));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc1071_example);
	ATF_TP_ADD_TC(tp, odd_length_and_verify);
	return atf_no_error();
}
