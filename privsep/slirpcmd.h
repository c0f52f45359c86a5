/*
 * The classic Slirp command language (slirp(1), ~/.slirprc, the
 * command line): parsed in the parent, as the session's settings,
 * under the user's policy.  slirp(1) uses the same table for its local
 * "help" so both sides agree on the command names.
 */
#ifndef SLIRPD_SLIRPCMD_H
#define SLIRPD_SLIRPCMD_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>

#include "ppp_opts.h"

/* Bounds, as Slirp 1.0 enforced them (mtu 128..16384, keepalive 5..14400). */
#define SLIRPCMD_MTU_MIN	128
#define SLIRPCMD_MTU_MAX	16384
#define SLIRPCMD_MTU_DEFAULT	1500
#define SLIRPCMD_BAUD_MIN	300
#define SLIRPCMD_BAUD_MAX	2147483647
#define SLIRPCMD_KEEP_MIN	5
#define SLIRPCMD_KEEP_MAX	14400
#define SLIRPCMD_KEEP_DEFAULT	75	/* "keepalive" alone, as Slirp did */
#define SLIRPCMD_VJ_MIN		2	/* vj-max-slots, as pppd bounds it */
#define SLIRPCMD_VJ_MAX		16
#define SLIRPCMD_MAXLINE	1024	/* bytes of one command, NUL included */

/* Addresses are in network byte order (as inet_pton(3) gives them). */
struct session_opts {
	unsigned int	mtu;		/* default 1500 */
	unsigned int	mru;		/* default 1500 */
	unsigned int	baud;		/* -b N / baudrate N; 0 = unknown */
	unsigned int	keepalive;	/* seconds; 0 = off; "keepalive" = 75 */
	int		ppp;		/* -P / ppp */
	int		compress;	/* 1 compress, -1 nocompress/-vj, 0 auto */
	unsigned int	vj_slots;	/* vj-max-slots; 0 = 16 */
	in_addr_t	special_addr;	/* 10.0.2.0 */
	in_addr_t	host_addr;	/* "host addr": this host's address; 0 = unset */
	in_addr_t	dns_addr;	/* "dns ADDR": 0 = configured resolvers */
	in_addr_t	guest_addr;	/* special_addr | 15 unless assigned */
	struct ppp_opts	pppo;		/* asyncmap, escape, -pc, lcp-... */
};

void	slirpcmd_defaults(struct session_opts *);
/*
 * Apply one command (a command-line argument or an rc line).  Returns
 * 0 when applied, -1 with a message in err when it is invalid or not
 * allowed.  Blank lines and '#' comments are accepted and ignored.
 * Commands that Slirp had but slirpd does not do yet fail with
 * "NAME: not supported yet"; anything else with "NAME: unknown command".
 * "special addr" moves guest_addr along when it still is special | 15.
 */
int	slirpcmd_apply(struct session_opts *, const char *cmd, char *err,
	    size_t errlen);
/*
 * The start-up banner slirp(1) prints, as the original did ("\n" line
 * ends; the tty is still cooked when the client prints it).  Returns
 * the length of the whole text like snprintf(3): >= len means cut.
 */
size_t	slirpcmd_banner(const struct session_opts *, char *buf, size_t len);
/*
 * "help" (topic NULL or empty: the command list) and "help TOPIC" (every
 * command whose name starts with TOPIC).  Returns the number of commands
 * described, 0 when TOPIC matches none (a message is printed then too).
 */
int	slirpcmd_help(FILE *, const char *topic);

#endif
