/* Shared by udp.c and its DNS relay (dns.c); not for other modules. */
#ifndef SLIRPD_UDP_VAR_H
#define SLIRPD_UDP_VAR_H

#include "stack_var.h"

#define DNS_PORT	53

/* A UDP datagram to the guest; 0 when queued, -1 when dropped. */
int	 udp_output(struct stack *, in_addr_t src, in_port_t sport,
	    in_addr_t dst, in_port_t dport, const uint8_t *, size_t);

struct dns_state;
struct dns_state *dns_init(struct stack *);
void	 dns_free(struct stack *, struct dns_state *);
/* A query from the guest's sport to the relay (p->dst, port 53). */
void	 dns_input(struct stack *, struct dns_state *, const struct ip_pkt *,
	    in_port_t sport, const uint8_t *msg, size_t len);
void	 dns_timers(struct stack *, struct dns_state *);
/*
 * For TCP to the relay (port 53, e.g. after a truncated answer): the
 * upstream to connect to, the first not known to be down.  -1: none.
 */
int	 dns_upstream_pick(const struct stack *, in_addr_t *, in_port_t *);
int	 dns_pick(const struct stack *, const struct dns_state *, in_addr_t *,
	    in_port_t *);
int64_t	 dns_next_timer(const struct stack *, const struct dns_state *);

#endif
