/* The Internet checksum (RFC 1071), in 32-bit accumulators. */
#include <string.h>

#include "stack_var.h"

uint32_t
cksum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	uint32_t w;

	/* Sum 32-bit words in memory order; folding makes it byte-order neutral. */
	while (len >= 4) {
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t h = 0;

		memcpy(&h, p, 1);	/* odd byte, padded with zero */
		acc += h;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
cksum_pseudo(in_addr_t src, in_addr_t dst, uint8_t proto, uint16_t len)
{
	uint8_t ph[12];
	uint16_t nlen = htons(len);

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	memcpy(ph + 10, &nlen, 2);
	return cksum_add(0, ph, sizeof(ph));
}

uint16_t
in_cksum(const void *buf, size_t len)
{
	return cksum_fold(cksum_add(0, buf, len));
}
