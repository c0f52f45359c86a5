/*
 * The configuration model: defaults, printing back, freeing, and the
 * policy decisions the parent takes for every guest connection.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define MAXGROUPS	65536	/* getgrouplist() never needs more */

struct slirpd_conf *
config_new(void)
{
	struct slirpd_conf *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	/* The defaults fit: the fields are at least as large as these. */
	strlcpy(c->socket_path, SLIRPD_SOCKET, sizeof(c->socket_path));
	strlcpy(c->ctl_socket_path, SLIRPD_CTLSOCKET,
	    sizeof(c->ctl_socket_path));
	strlcpy(c->engine_user, SLIRPD_USER, sizeof(c->engine_user));
	strlcpy(c->chroot_dir, SLIRPD_CHROOT, sizeof(c->chroot_dir));
	TAILQ_INIT(&c->policies);
	TAILQ_INIT(&c->binds);
	return c;
}

int
config_add_default(struct slirpd_conf *c)
{
	struct policy *p;
	struct policy_rule *r;

	if (policy_find(c, "default") != NULL)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		free(p);
		return -1;
	}
	strlcpy(p->name, "default", sizeof(p->name));
	p->host_alias = HOST_ALIAS_LOOPBACK;
	TAILQ_INIT(&p->rules);
	r->allow = 1;
	r->addr = r->mask = 0;
	r->port_lo = 0;
	r->port_hi = 65535;
	TAILQ_INSERT_TAIL(&p->rules, r, entry);
	TAILQ_INSERT_HEAD(&c->policies, p, entry);
	return 0;
}

void
free_config(struct slirpd_conf *c)
{
	struct policy *p;
	struct policy_rule *r;
	struct policy_bind *b;

	if (c == NULL)
		return;
	while ((p = TAILQ_FIRST(&c->policies)) != NULL) {
		TAILQ_REMOVE(&c->policies, p, entry);
		while ((r = TAILQ_FIRST(&p->rules)) != NULL) {
			TAILQ_REMOVE(&p->rules, r, entry);
			free(r);
		}
		free(p);
	}
	while ((b = TAILQ_FIRST(&c->binds)) != NULL) {
		TAILQ_REMOVE(&c->binds, b, entry);
		free(b);
	}
	free(c);
}

/* Quoted so that the lexer reads back exactly these bytes. */
static void
print_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"':
		case '\\':
			fputc('\\', fp);
			fputc(*s, fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
	fputc('"', fp);
}

static void
print_rule(FILE *fp, const struct policy_rule *r)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr ia;
	uint32_t m = ntohl(r->mask);
	int plen = 0;

	while (plen < 32 && (m & (0x80000000U >> plen)) != 0)
		plen++;
	fprintf(fp, "\t%s to ", r->allow ? "allow" : "deny");
	if (plen == 0)
		fputs("any", fp);
	else {
		ia.s_addr = r->addr & r->mask;
		inet_ntop(AF_INET, &ia, buf, sizeof(buf));
		if (plen == 32)
			fputs(buf, fp);
		else
			fprintf(fp, "%s/%d", buf, plen);
	}
	if (r->port_lo == r->port_hi)
		fprintf(fp, " port %u", r->port_lo);
	else if (r->port_lo != 0 || r->port_hi != 65535)
		fprintf(fp, " port %u:%u", r->port_lo, r->port_hi);
	fputc('\n', fp);
}

void
print_config(FILE *fp, const struct slirpd_conf *c)
{
	const struct policy *p;
	const struct policy_rule *r;
	const struct policy_bind *b;
	char buf[INET_ADDRSTRLEN];
	struct in_addr ia;
	int i;

	fputs("socket ", fp);
	print_string(fp, c->socket_path);
	fputs("\ncontrol socket ", fp);
	print_string(fp, c->ctl_socket_path);
	fputs("\nengine user ", fp);
	print_string(fp, c->engine_user);
	fputs("\nchroot ", fp);
	print_string(fp, c->chroot_dir);
	fputc('\n', fp);
	if (c->chap_secrets[0] != '\0') {
		fputs("chap-secrets ", fp);
		print_string(fp, c->chap_secrets);
		fputc('\n', fp);
	}
	for (i = 0; i < c->nresolvers && i < MAX_RESOLVERS; i++) {
		ia.s_addr = c->resolvers[i].addr;
		inet_ntop(AF_INET, &ia, buf, sizeof(buf));
		fprintf(fp, "resolver %s port %u\n", buf,
		    ntohs(c->resolvers[i].port));
	}
	TAILQ_FOREACH(p, &c->policies, entry) {
		fputs("\npolicy ", fp);
		print_string(fp, p->name);
		fprintf(fp, " {\n\thost-alias %s\n",
		    p->host_alias == HOST_ALIAS_NONE ? "none" : "loopback");
		TAILQ_FOREACH(r, &p->rules, entry)
			print_rule(fp, r);
		fputs("}\n", fp);
	}
	if (!TAILQ_EMPTY(&c->binds))
		fputc('\n', fp);
	TAILQ_FOREACH(b, &c->binds, entry) {
		fputs(b->is_group ? "group " : "user ", fp);
		print_string(fp, b->name);
		fputs(" { policy ", fp);
		print_string(fp, b->policy);
		fputs(" }\n", fp);
	}
}

struct policy *
policy_find(struct slirpd_conf *c, const char *name)
{
	struct policy *p;

	TAILQ_FOREACH(p, &c->policies, entry)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/*
 * The user's groups from the group database, primary group included.
 * Returns a malloc'd array and its length, or NULL when the user is
 * unknown or memory is short.
 */
static gid_t *
user_groups(const char *user, int *ngroups)
{
	struct passwd *pw;
	gid_t *g, *ng, pgid;
	int n = 16;

	if ((pw = getpwnam(user)) == NULL)
		return NULL;
	pgid = pw->pw_gid;
	if ((g = calloc(n, sizeof(*g))) == NULL)
		return NULL;
	/* getgrouplist() says how many it needs when n is too small. */
	while (getgrouplist(user, pgid, g, &n) == -1) {
		if (n <= 0 || n > MAXGROUPS ||
		    (ng = reallocarray(g, n, sizeof(*g))) == NULL) {
			free(g);
			return NULL;
		}
		g = ng;
	}
	*ngroups = n;
	return g;
}

struct policy *
policy_for_user(struct slirpd_conf *c, const char *user)
{
	struct policy_bind *b;
	struct group *gr;
	gid_t *groups;
	int i, n = 0;

	TAILQ_FOREACH(b, &c->binds, entry)
		if (!b->is_group && strcmp(b->name, user) == 0)
			return policy_find(c, b->policy);
	/* The first group block, in file order, the user is a member of. */
	if ((groups = user_groups(user, &n)) != NULL) {
		TAILQ_FOREACH(b, &c->binds, entry) {
			if (!b->is_group || (gr = getgrnam(b->name)) == NULL)
				continue;
			for (i = 0; i < n; i++)
				if (groups[i] == gr->gr_gid) {
					free(groups);
					return policy_find(c, b->policy);
				}
		}
		free(groups);
	}
	return policy_find(c, "default");
}

static int
rule_matches(const struct policy_rule *r, int proto, in_addr_t addr,
    in_port_t port)
{
	uint16_t p;

	if ((addr & r->mask) != (r->addr & r->mask))
		return 0;
	if (proto == IPPROTO_ICMP)
		return r->port_lo == 0 && r->port_hi == 65535;
	p = ntohs(port);
	return p >= r->port_lo && p <= r->port_hi;
}

int
policy_allows(const struct policy *p, int proto, in_addr_t addr,
    in_port_t port)
{
	const struct policy_rule *r;

	if (p == NULL || (proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_ICMP))
		return 0;
	TAILQ_FOREACH(r, &p->rules, entry)
		if (rule_matches(r, proto, addr, port))
			return r->allow;
	return 0;
}
