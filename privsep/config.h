/*
 * The parsed slirpd.conf (slirpd.conf(5)).  parse.y fills it; the parent
 * reads it; print_config() writes it back for -nv.  Addresses and ports
 * are kept in network byte order.
 */
#ifndef SLIRPD_CONFIG_H
#define SLIRPD_CONFIG_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#define SLIRPD_CONF		"/etc/slirpd.conf"
#define SLIRPD_SOCKET		"/run/slirpd/slirpd.sock"
#define SLIRPD_CTLSOCKET	"/run/slirpd/slirpctl.sock"
#define SLIRPD_USER		"_slirpd"
#define SLIRPD_CHROOT		"/var/empty"
#define MAX_RESOLVERS		4
#define NAMELEN			64

/* allow/deny to ADDR/PREFIX [port N[:M]] */
struct policy_rule {
	TAILQ_ENTRY(policy_rule) entry;
	int		 allow;
	in_addr_t	 addr, mask;
	uint16_t	 port_lo, port_hi;	/* host order; 0-65535 = any */
};

enum host_alias { HOST_ALIAS_LOOPBACK, HOST_ALIAS_NONE };

struct policy {
	TAILQ_ENTRY(policy) entry;
	char		 name[NAMELEN];
	enum host_alias	 host_alias;
	TAILQ_HEAD(policy_rules, policy_rule) rules;	/* first match wins */
};

/* user NAME { policy "P" } and group NAME { policy "P" } */
struct policy_bind {
	TAILQ_ENTRY(policy_bind) entry;
	int		 is_group;
	char		 name[NAMELEN];
	char		 policy[NAMELEN];
};

struct resolver {
	in_addr_t	 addr;
	in_port_t	 port;
};

struct slirpd_conf {
	char		 socket_path[PATH_MAX];
	char		 ctl_socket_path[PATH_MAX];
	char		 engine_user[NAMELEN];
	char		 chroot_dir[PATH_MAX];
	char		 chap_secrets[PATH_MAX];	/* "": no CHAP */
	struct resolver	 resolvers[MAX_RESOLVERS];
	int		 nresolvers;
	TAILQ_HEAD(policies, policy) policies;		/* "default" always exists */
	TAILQ_HEAD(policy_binds, policy_bind) binds;
};

/*
 * Returns NULL after printing file:line: errors to stderr.  With
 * check_secrecy, the file and every included file must be owned by root
 * or the running user and be neither group/other writable nor other
 * readable.  The result always has a policy named "default".
 */
struct slirpd_conf *parse_config(const char *file, int check_secrecy);
void		 free_config(struct slirpd_conf *);
/* An empty configuration with every default set and no policy yet. */
struct slirpd_conf *config_new(void);
/* Adds the implicit "default" policy (host-alias loopback, allow to any)
 * at the head when none exists; 0 ok, -1 out of memory. */
int		 config_add_default(struct slirpd_conf *);
/* -D macro=value from the command line; 0 ok, -1 malformed. */
int		 cmdline_symset(const char *);
void		 print_config(FILE *, const struct slirpd_conf *);
struct policy	*policy_find(struct slirpd_conf *, const char *name);
/* The policy for a user (user binding, then group, then "default"). */
struct policy	*policy_for_user(struct slirpd_conf *, const char *user);
/*
 * 1 when policy allows proto (IPPROTO_TCP/UDP/ICMP) to addr:port (network
 * order), else 0.  The first matching rule decides; no match denies.  For
 * ICMP the port is ignored and only rules without a port match.
 */
int		 policy_allows(const struct policy *, int proto, in_addr_t,
		    in_port_t);

#endif
