/*
 * Internals shared by the stack's protocol modules (ip.c, icmp.c,
 * udp.c, dns.c, tcp*.c).  Not for the engine: it uses stack.h only.
 * Each module keeps its own state behind an opaque pointer in struct
 * stack and exports init/free/input/timer hooks called from stack.c.
 */
#ifndef SLIRPD_STACK_VAR_H
#define SLIRPD_STACK_VAR_H

#include <sys/queue.h>

#include "stack.h"

/* A host fd the stack polls for one of its modules. */
struct ssock;
typedef void (*ssock_cb)(struct stack *, struct ssock *, short revents);
struct ssock {
	TAILQ_ENTRY(ssock) entry;
	int		 fd;
	short		 events;	/* module sets POLLIN/POLLOUT as needed */
	ssock_cb	 cb;
	void		*ctx;
	int		 dead;
};
TAILQ_HEAD(ssock_head, ssock);

/* The answer to a socket request: fd >= 0, or fd -1 and an errno. */
typedef void (*sreq_cb)(struct stack *, void *ctx, int fd, int error);
struct sreq {
	TAILQ_ENTRY(sreq) entry;
	uint32_t	 id;
	sreq_cb		 cb;
	void		*ctx;
};
TAILQ_HEAD(sreq_head, sreq);

/* A validated (and reassembled) datagram from the guest. */
struct ip_pkt {
	in_addr_t	 src, dst;	/* network order */
	uint8_t		 proto, tos, ttl;
	const uint8_t	*ip;		/* whole datagram */
	size_t		 iplen;		/* total length */
	size_t		 hlen;		/* IP header length with options */
	const uint8_t	*l4;		/* ip + hlen */
	size_t		 l4len;		/* iplen - hlen */
};

struct ip_state;
struct icmp_state;
struct udp_state;
struct tcp_state;

struct stack {
	struct stack_config	 cfg;
	struct stack_ops	 ops;
	void			*arg;
	uint64_t		 now;		/* ms, from stack_set_time() */
	struct stack_stats	 st;

	struct ssock_head	 socks;
	struct ssock_head	 dead_socks;	/* freed after pollevents */
	unsigned int		 nsocks;
	struct ssock		**pollmap;	/* index -> ssock, last fill */
	size_t			 pollmap_len, pollmap_size;

	struct sreq_head	 reqs;
	uint32_t		 next_reqid;

	unsigned int		 nflows;	/* tcp + udp + icmp */

	struct ip_state		*ip;
	struct icmp_state	*icmp;
	struct udp_state	*udp;
	struct tcp_state	*tcp;
};

/* Well-known hosts on the special network (last octet). */
#define SPECIAL_CONSOLE	0
#define SPECIAL_EXEC	1
#define SPECIAL_HOST	2
#define SPECIAL_DNS	3

/* stack.c */
struct ssock	*ssock_add(struct stack *, int fd, short events, ssock_cb,
		    void *ctx);
void		 ssock_del(struct stack *, struct ssock *);	/* closes fd */
uint32_t	 sreq_new(struct stack *, int proto, in_addr_t, in_port_t,
		    sreq_cb, void *ctx);	/* 0 when it failed */
void		 sreq_cancel(struct stack *, uint32_t id);
int		 stack_is_special(const struct stack *, in_addr_t);
/* Map a guest destination to the host's address; -1 when refused. */
int		 stack_host_addr(const struct stack *, in_addr_t, in_addr_t *);
int		 stack_output_prio(uint8_t proto, in_port_t sport,
		    in_port_t dport, size_t len);

/* cksum.c: the Internet checksum (RFC 1071). */
uint32_t	 cksum_add(uint32_t sum, const void *, size_t);
uint16_t	 cksum_fold(uint32_t sum);
uint32_t	 cksum_pseudo(in_addr_t src, in_addr_t dst, uint8_t proto,
		    uint16_t len);
uint16_t	 in_cksum(const void *, size_t);

/* ip.c */
int		 ip_init(struct stack *);
void		 ip_free(struct stack *);
void		 ip_input(struct stack *, const uint8_t *, size_t);
/*
 * Send an l4 payload to the guest, fragmenting at the MTU unless df.
 * Returns 0 when queued, -1 when dropped (queue full, too big with DF).
 */
int		 ip_output(struct stack *, uint8_t proto, in_addr_t src,
		    in_addr_t dst, const uint8_t *l4, size_t l4len, uint8_t tos,
		    int df, int prio);
void		 ip_timers(struct stack *);
int64_t		 ip_next_timer(const struct stack *);	/* ms, -1 none */

/* icmp.c */
int		 icmp_init(struct stack *);
void		 icmp_free(struct stack *);
void		 icmp_input(struct stack *, const struct ip_pkt *);
/* An ICMP error about the guest's datagram orig (RFC 1812 4.3.2). */
void		 icmp_error(struct stack *, const uint8_t *orig, size_t origlen,
		    uint8_t type, uint8_t code);
void		 icmp_timers(struct stack *);
int64_t		 icmp_next_timer(const struct stack *);

/* udp.c (and the DNS relay in dns.c) */
int		 udp_init(struct stack *);
void		 udp_free(struct stack *);
void		 udp_input(struct stack *, const struct ip_pkt *);
void		 udp_timers(struct stack *);
int64_t		 udp_next_timer(const struct stack *);

/* tcp*.c */
int		 tcp_init(struct stack *);
void		 tcp_free(struct stack *);
void		 tcp_input(struct stack *, const struct ip_pkt *);
void		 tcp_timers(struct stack *);
int64_t		 tcp_next_timer(const struct stack *);
void		 tcp_kick(struct stack *);	/* output room is back */
void		 tcp_host_more(struct stack *);	/* read hosts that had more */

#endif
