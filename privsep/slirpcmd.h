/*
 * The classic Slirp command language (slirp(1), ~/.slirprc, the
 * command line): parsed in the parent, as the session's settings,
 * under the user's policy.
 */
#ifndef SLIRPD_SLIRPCMD_H
#define SLIRPD_SLIRPCMD_H

#include <netinet/in.h>
#include <stddef.h>

struct session_opts {
	unsigned int	mtu;		/* default 1500 */
	unsigned int	mru;		/* default 1500 */
	unsigned int	baud;		/* -b N / baudrate N; 0 = unknown */
	unsigned int	keepalive;	/* seconds; 0 = off; "keepalive" = 1800? */
	int		ppp;		/* -P / ppp */
	in_addr_t	special_addr;	/* 10.0.2.0 */
	in_addr_t	host_addr;	/* "host addr": this host's address */
	in_addr_t	dns_addr;	/* "dns ADDR": 0 = configured resolvers */
	in_addr_t	guest_addr;	/* special_addr | 15 unless assigned */
};

void	slirpcmd_defaults(struct session_opts *);
/*
 * Apply one command (a command-line argument or an rc line).  Returns
 * 0 when applied, -1 with a message in err when it is invalid or not
 * allowed.  Blank lines and '#' comments are accepted and ignored.
 */
int	slirpcmd_apply(struct session_opts *, const char *cmd, char *err,
	    size_t errlen);
/* The start-up banner slirp(1) prints, as the original did. */
size_t	slirpcmd_banner(const struct session_opts *, char *buf, size_t len);

#endif
