/*
 * The user-space TCP/IP stack: the guest's IPv4 datagrams in, host
 * sockets out.  It owns no event loop: the engine (or a unit test)
 * feeds it datagrams, polls the fds it lists, and calls its timers.
 * All time comes from stack_set_time(), so tests run on a fake clock.
 * Addresses and ports in this interface are in network byte order.
 */
#ifndef SLIRPD_STACK_H
#define SLIRPD_STACK_H

#include <sys/types.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct stack;

/* Output priorities: interactive traffic is sent to the line first. */
#define STACK_PRIO_BULK		0
#define STACK_PRIO_INTERACTIVE	1

struct stack_ops {
	/*
	 * Queue an IPv4 datagram for the guest.  Returns 0 when queued,
	 * -1 when the unit queue is full (the datagram is dropped).
	 */
	int	(*output)(void *arg, const uint8_t *pkt, size_t len, int prio);
	/*
	 * Bytes the unit queues can still take; TCP does not send beyond
	 * it.  When room comes back, the engine calls stack_kick().
	 */
	size_t	(*output_room)(void *arg);
	/*
	 * Ask for a host socket of proto (IPPROTO_TCP: connected, or
	 * connecting, stream; IPPROTO_UDP: connected datagram socket;
	 * IPPROTO_ICMP: ping socket connected to addr) to addr:port as
	 * the host sees it (10.0.2.2 already mapped).  The answer comes
	 * later through stack_socket_reply() with the same id.  Returns
	 * 0 when the request was sent, -1 when it cannot be.
	 */
	int	(*socket_request)(void *arg, uint32_t id, int proto,
		    in_addr_t addr, in_port_t port);
	/*
	 * Optional (NULL: no): nonzero when the line compresses TCP/IP
	 * headers (CSLIP, PPP with VJ).  A new TCP connection then declines
	 * the guest's timestamps, whose change in every segment makes RFC
	 * 1144 send each header uncompressed (RFC 1144 3.2.2, RFC 7323 7).
	 */
	int	(*hdr_compress)(void *arg);
};

struct stack_config {
	in_addr_t	special_addr;	/* 10.0.2.0 */
	in_addr_t	netmask;	/* 255.255.255.0 */
	in_addr_t	guest_addr;	/* 10.0.2.15 */
	int		host_alias;	/* .2 maps to loopback when set */
	in_addr_t	host_alias_addr; /* 127.0.0.1 */
	in_addr_t	dns_upstream[4]; /* resolvers for the .3 relay */
	in_port_t	dns_upstream_port[4];
	int		ndns;
	unsigned int	mtu;		/* guest-bound datagrams (default 1500) */
	unsigned int	mru;		/* largest datagram accepted */
	unsigned int	keepalive;	/* seconds, 0 = off */
	size_t		reasm_max;	/* reassembly memory cap, bytes */
	size_t		tcp_sndbuf;	/* per-connection buffers, bytes */
	size_t		tcp_rcvbuf;
	unsigned int	max_flows;	/* tcp + udp + icmp flows */
	unsigned int	udp_idle;	/* seconds */
};

/* Counters; every dropped or malformed input has one. */
struct stack_stats {
	uint64_t	ip_in, ip_out, ip_bad_hdr, ip_bad_len, ip_bad_sum,
			ip_bad_ver, ip_bad_addr, ip_ttl0, ip_opts,
			ip_frag_in, ip_reasm_ok, ip_reasm_drop, ip_reasm_timeout,
			ip_frag_out, ip_df_drop, ip_noproto, ip_out_drop;
	uint64_t	icmp_in, icmp_out, icmp_bad, icmp_echo_local,
			icmp_echo_host, icmp_unreach_out;
	uint64_t	udp_in, udp_out, udp_bad, udp_flows, udp_refused,
			udp_timeout, dns_queries, dns_answers, dns_bad;
	/* Broadcast/multicast/martian destinations, flows refused at
	 * max_flows, DNS queries no upstream answered, echoes unanswered,
	 * guest datagrams a host socket did not take. */
	uint64_t	ip_bcast, flow_limit, dns_timeout, icmp_timeout,
			udp_send_drop;
	uint64_t	tcp_in, tcp_out, tcp_bad, tcp_bad_sum, tcp_conn,
			tcp_refused, tcp_rexmt, tcp_fastrexmt, tcp_dup,
			tcp_ooo, tcp_rst_in, tcp_rst_out, tcp_persist,
			tcp_keepalive_drop, tcp_rcvwnd_drop, tcp_delack;
	uint64_t	tcp_bad_opt, tcp_flow_limit, tcp_timeout, tcp_paws,
			tcp_challenge, tcp_ack_bad, tcp_rexmt_sack,
			tcp_tlp;
	uint64_t	sock_req, sock_fail;
	/* Raw ICMP sockets: other pingers' replies and errors, dropped. */
	uint64_t	icmp_foreign;
};

void	 stack_default_config(struct stack_config *);
struct stack *stack_new(const struct stack_config *, const struct stack_ops *,
	    void *arg, uint64_t now_ms);
void	 stack_free(struct stack *);
void	 stack_set_time(struct stack *, uint64_t now_ms);
/* One IPv4 datagram from the guest; the stack copies what it keeps. */
void	 stack_input(struct stack *, const uint8_t *pkt, size_t len);
/* Answer to ops->socket_request(); fd -1 with error an errno value. */
void	 stack_socket_reply(struct stack *, uint32_t id, int fd, int error);
/* The unit queues have room again. */
void	 stack_kick(struct stack *);
/*
 * Fill pfd with the host fds to poll; returns how many were filled
 * (at most max).  stack_pollevents() takes the same array back after
 * poll(2).
 */
size_t	 stack_pollfds(struct stack *, struct pollfd *pfd, size_t max);
void	 stack_pollevents(struct stack *, const struct pollfd *pfd, size_t n);
/* Run expired timers; the next deadline in ms from now, -1 for none. */
void	 stack_timers(struct stack *);
int64_t	 stack_next_timer(const struct stack *);
const struct stack_stats *stack_stats(const struct stack *);

#endif
