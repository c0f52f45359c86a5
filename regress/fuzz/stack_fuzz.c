/*
 * libFuzzer harness: arbitrary bytes as a sequence of guest datagrams
 * into stack_input().  Each record is a 2-byte length, a 1-byte clock
 * step (100 ms units) and that many bytes, so fragments of one datagram
 * can meet in the reassembly queues and timers can fire between them.
 * When the step byte's top bit is set, the datagram is first made
 * plausible (guest source, good header and ICMP checksums, no UDP
 * checksum) so the fuzzer gets past validation into the protocols.
 * Socket requests are accepted and never answered.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stack_var.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
f_output(void *arg, const uint8_t *pkt, size_t len, int prio)
{
	volatile uint8_t x = 0;
	size_t i;

	/* Touch every byte: the sanitizers see any overrun. */
	for (i = 0; i < len; i++)
		x ^= pkt[i];
	(void)x;
	return 0;
}

static size_t
f_room(void *arg)
{
	return 1 << 20;
}

static int
f_sockreq(void *arg, uint32_t id, int proto, in_addr_t a, in_port_t p)
{
	return 0;
}

static uint8_t fbuf[65536];

static void
fixup(uint8_t *p, size_t len)
{
	in_addr_t g = htonl(0x0a00020f);
	size_t hlen, tot;
	uint16_t sum;

	if (len < 20)
		return;
	p[0] = (uint8_t)(0x40 | (p[0] & 0x0f));
	memcpy(p + 12, &g, 4);
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len)
		return;
	tot = ((size_t)p[2] << 8) | p[3];
	if (tot < hlen || tot > len)
		return;
	p[10] = p[11] = 0;
	sum = in_cksum(p, hlen);
	memcpy(p + 10, &sum, 2);
	if (p[9] == IPPROTO_ICMP && tot >= hlen + 4) {
		p[hlen + 2] = p[hlen + 3] = 0;
		sum = in_cksum(p + hlen, tot - hlen);
		memcpy(p + hlen + 2, &sum, 2);
	} else if (p[9] == IPPROTO_UDP && tot >= hlen + 8)
		p[hlen + 6] = p[hlen + 7] = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct stack_ops ops = { f_output, f_room, f_sockreq,
	    NULL };
	struct stack_config cfg;
	struct stack *s;
	uint64_t now = 1000;
	size_t len;
	int fix;

	stack_default_config(&cfg);
	cfg.reasm_max = 16 * 1024;
	cfg.mtu = 296;
	cfg.dns_upstream[0] = htonl(0x7f000001);
	cfg.ndns = 1;
	if ((s = stack_new(&cfg, &ops, NULL, now)) == NULL)
		return 0;
	while (size >= 3) {
		len = ((size_t)data[0] << 8) | data[1];
		now += (uint64_t)(data[2] & 0x7f) * 100;
		fix = data[2] & 0x80;
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		memcpy(fbuf, data, len);
		if (fix)
			fixup(fbuf, len);
		stack_set_time(s, now);
		stack_input(s, fbuf, len);
		stack_timers(s);
		data += len;
		size -= len;
	}
	stack_free(s);
	return 0;
}
