/* IPv4 input validation and output (first cut: no fragments yet). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "stack_var.h"

int
ip_init(struct stack *s)
{
	return 0;
}

void
ip_free(struct stack *s)
{
}

void
ip_input(struct stack *s, const uint8_t *p, size_t len)
{
	struct ip_pkt pk;
	size_t hlen, tot;
	uint16_t off;

	s->st.ip_in++;
	if (len < 20) {
		s->st.ip_bad_len++;
		return;
	}
	if ((p[0] >> 4) != 4) {
		s->st.ip_bad_ver++;
		return;
	}
	hlen = (size_t)(p[0] & 0x0f) * 4;
	tot = ((size_t)p[2] << 8) | p[3];
	if (hlen < 20 || hlen > len || tot < hlen || tot > len) {
		s->st.ip_bad_hdr++;
		return;
	}
	if (in_cksum(p, hlen) != 0) {
		s->st.ip_bad_sum++;
		return;
	}
	off = (uint16_t)((p[6] << 8) | p[7]);
	if (off & 0x3fff) {
		s->st.ip_frag_in++;
		return;
	}
	memset(&pk, 0, sizeof(pk));
	memcpy(&pk.src, p + 12, 4);
	memcpy(&pk.dst, p + 16, 4);
	pk.proto = p[9];
	pk.tos = p[1];
	pk.ttl = p[8];
	pk.ip = p;
	pk.iplen = tot;
	pk.hlen = hlen;
	pk.l4 = p + hlen;
	pk.l4len = tot - hlen;
	switch (pk.proto) {
	case IPPROTO_TCP:
		tcp_input(s, &pk);
		break;
	case IPPROTO_UDP:
		udp_input(s, &pk);
		break;
	case IPPROTO_ICMP:
		icmp_input(s, &pk);
		break;
	default:
		s->st.ip_noproto++;
		break;
	}
}

int
ip_output(struct stack *s, uint8_t proto, in_addr_t src, in_addr_t dst,
    const uint8_t *l4, size_t l4len, uint8_t tos, int df, int prio)
{
	uint8_t pkt[65535];
	static uint16_t id;
	uint16_t v, sum;

	if (l4len + 20 > s->cfg.mtu || l4len + 20 > sizeof(pkt)) {
		s->st.ip_out_drop++;
		return -1;
	}
	pkt[0] = 0x45;
	pkt[1] = tos;
	v = htons((uint16_t)(l4len + 20));
	memcpy(pkt + 2, &v, 2);
	v = htons(id++);
	memcpy(pkt + 4, &v, 2);
	v = htons(df ? 0x4000 : 0);
	memcpy(pkt + 6, &v, 2);
	pkt[8] = 64;
	pkt[9] = proto;
	pkt[10] = pkt[11] = 0;
	memcpy(pkt + 12, &src, 4);
	memcpy(pkt + 16, &dst, 4);
	sum = in_cksum(pkt, 20);
	memcpy(pkt + 10, &sum, 2);
	memcpy(pkt + 20, l4, l4len);
	if (s->ops.output(s->arg, pkt, l4len + 20, prio) == -1) {
		s->st.ip_out_drop++;
		return -1;
	}
	s->st.ip_out++;
	return 0;
}

void
ip_timers(struct stack *s)
{
}

int64_t
ip_next_timer(const struct stack *s)
{
	return -1;
}
