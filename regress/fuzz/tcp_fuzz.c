/*
 * libFuzzer harness for the TCP: every input starts from an established
 * connection (guest SYN with MSS, SACK-ok, timestamps and window scale,
 * host socket = one end of a socketpair, SYN-ACK, ACK), then the bytes
 * are a script of operations:
 *   0 segment: flags, seq and ack offsets relative to what each side
 *     last saw, window, options and payload; checksums made right so
 *     the state machine is reached
 *   1 raw: arbitrary TCP header and payload, only the checksum fixed
 *   2 advance the clock (50 ms units) and run the timers
 *   3 the host writes, 4 the host reads, 5 poll round (and answer any
 *     socket request), 6 the host half-closes or closes, 7 toggle the
 *     line room and kick
 * Output datagrams are parsed to track the stack's sequence numbers.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "stack_var.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXPEERS	8

static struct {
	struct stack	*s;
	uint64_t	 now;
	size_t		 room;
	uint32_t	 reqid;		/* unanswered request, 0: none */
	uint32_t	 stack_seq;	/* next seq the stack will use */
	uint32_t	 stack_ack;	/* what it last acked */
	int		 peers[MAXPEERS];
	int		 npeers;
} F;

static int
f_output(void *arg, const uint8_t *pkt, size_t len, int prio)
{
	size_t hl, doff;
	uint32_t v;

	if (len < 40)
		return 0;
	hl = (size_t)(pkt[0] & 0xf) * 4;
	if (hl < 20 || hl + 20 > len || pkt[9] != IPPROTO_TCP)
		return 0;
	doff = (size_t)(pkt[hl + 12] >> 4) * 4;
	if (doff < 20 || hl + doff > len)
		return 0;
	memcpy(&v, pkt + hl + 4, 4);
	F.stack_seq = ntohl(v) + (uint32_t)(len - hl - doff) +
	    ((pkt[hl + 13] & 0x03) ? 1 : 0);
	memcpy(&v, pkt + hl + 8, 4);
	F.stack_ack = ntohl(v);
	return 0;
}

static size_t
f_room(void *arg)
{
	return F.room;
}

static int
f_sockreq(void *arg, uint32_t id, int proto, in_addr_t a, in_port_t p)
{
	F.reqid = id;
	return 0;
}

static void
answer(void)
{
	int sv[2];

	if (F.reqid == 0 || F.npeers == MAXPEERS ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		return;
	F.peers[F.npeers++] = sv[1];
	stack_socket_reply(F.s, F.reqid, sv[0], 0);
	F.reqid = 0;
}

static void
pump(void)
{
	struct pollfd pfd[32];
	size_t n;

	n = stack_pollfds(F.s, pfd, 32);
	if (n > 0 && poll(pfd, n, 0) > 0)
		stack_pollevents(F.s, pfd, n);
}

/* A guest datagram around a TCP segment; the checksums made right. */
static void
send_tcp(uint8_t *seg, size_t seglen)
{
	static uint8_t pkt[20 + 65535];
	in_addr_t g = inet_addr("10.0.2.15"), r = inet_addr("10.0.2.2");
	uint16_t v, sum;

	if (seglen > 1480)
		seglen = 1480;
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	v = htons((uint16_t)(20 + seglen));
	memcpy(pkt + 2, &v, 2);
	pkt[8] = 64;
	pkt[9] = IPPROTO_TCP;
	memcpy(pkt + 12, &g, 4);
	memcpy(pkt + 16, &r, 4);
	sum = in_cksum(pkt, 20);
	memcpy(pkt + 10, &sum, 2);
	memcpy(pkt + 20, seg, seglen);
	if (seglen >= 20) {
		pkt[36] = pkt[37] = 0;
		sum = cksum_fold(cksum_add(cksum_pseudo(g, r, IPPROTO_TCP,
		    (uint16_t)seglen), pkt + 20, seglen));
		memcpy(pkt + 36, &sum, 2);
	}
	stack_input(F.s, pkt, 20 + seglen);
}

static uint32_t guest_seq;

static void
segment(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
    const uint8_t *opt, size_t ol, const uint8_t *data, size_t len)
{
	static uint8_t seg[60 + 1500];
	uint16_t sp = htons(40000), dp = htons(80), v;
	uint32_t w;

	if (len > 1400)
		len = 1400;
	memset(seg, 0, 20);
	memcpy(seg, &sp, 2);
	memcpy(seg + 2, &dp, 2);
	w = htonl(seq);
	memcpy(seg + 4, &w, 4);
	w = htonl(ack);
	memcpy(seg + 8, &w, 4);
	seg[12] = (uint8_t)(((20 + ol) / 4) << 4);
	seg[13] = flags;
	v = htons(win);
	memcpy(seg + 14, &v, 2);
	if (ol > 0)
		memcpy(seg + 20, opt, ol);
	if (len > 0)
		memcpy(seg + 20 + ol, data, len);
	send_tcp(seg, 20 + ol + len);
}

static void
setup(void)
{
	struct stack_config c;
	struct stack_ops ops = { f_output, f_room, f_sockreq, NULL };
	static const uint8_t synopt[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
	    0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };

	memset(&F, 0, sizeof(F));
	stack_default_config(&c);
	c.tcp_sndbuf = 16384;
	c.tcp_rcvbuf = 16384;
	c.keepalive = 30;
	c.max_flows = 4;
	F.now = 1000;
	F.room = 1 << 20;
	F.s = stack_new(&c, &ops, NULL, F.now);
	guest_seq = 1000;
	segment(0x02, guest_seq, 0, 65535, synopt, 20, NULL, 0);
	guest_seq++;
	answer();
	pump();
	segment(0x10, guest_seq, F.stack_seq, 65535, NULL, 0, NULL, 0);
}

static void
teardown(void)
{
	int i;

	stack_free(F.s);
	for (i = 0; i < F.npeers; i++)
		close(F.peers[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint8_t junk[4096];
	size_t i = 0, len, ol;
	uint8_t op, flags;
	int16_t so, ao;
	uint16_t win;
	ssize_t r;

	setup();
	while (i < n && F.s != NULL) {
		op = d[i++] & 7;
		switch (op) {
		case 0:
			if (n - i < 9)
				goto out;
			flags = d[i];
			so = (int16_t)(d[i + 1] << 8 | d[i + 2]);
			ao = (int16_t)(d[i + 3] << 8 | d[i + 4]);
			win = (uint16_t)(d[i + 5] << 8 | d[i + 6]);
			ol = d[i + 7] & 0x28;	/* 0, 8, 32 or 40 */
			len = d[i + 8];
			i += 9;
			if (n - i < ol)
				goto out;
			if (len > n - i - ol)
				len = n - i - ol;
			segment(flags, F.stack_ack + (uint32_t)(int32_t)so,
			    F.stack_seq + (uint32_t)(int32_t)ao, win, d + i, ol,
			    d + i + ol, len);
			i += ol + len;
			break;
		case 1:
			if (n - i < 1)
				goto out;
			len = d[i++];
			if (len > n - i)
				len = n - i;
			memcpy(junk, d + i, len);
			send_tcp(junk, len);
			i += len;
			break;
		case 2:
			if (n - i < 1)
				goto out;
			F.now += (uint64_t)d[i++] * 50;
			stack_set_time(F.s, F.now);
			stack_timers(F.s);
			break;
		case 3:
			if (n - i < 1 || F.npeers == 0)
				goto out;
			memset(junk, d[i], sizeof(junk));
			(void)send(F.peers[0], junk, (size_t)d[i++] * 16, MSG_NOSIGNAL);
			break;
		case 4:
			if (F.npeers > 0)
				while ((r = read(F.peers[0], junk,
				    sizeof(junk))) > 0)
					;
			break;
		case 5:
			answer();
			pump();
			break;
		case 6:
			if (n - i < 1 || F.npeers == 0)
				goto out;
			if (d[i++] & 1)
				(void)shutdown(F.peers[0], SHUT_WR);
			else
				(void)shutdown(F.peers[0], SHUT_RDWR);
			break;
		case 7:
			F.room = F.room ? 0 : 1 << 20;
			stack_kick(F.s);
			break;
		}
	}
out:
	teardown();
	return 0;
}
