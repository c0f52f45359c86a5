/*
 * slirpd.conf(5) grammar and lexer.
 *
 * The file is untrusted input: every token is bounded, every name and
 * path is length-checked before it is copied into the fixed-size fields
 * of struct slirpd_conf, and errors are counted rather than fatal so one
 * run reports as many of them as possible.
 */
%{
#include <sys/types.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define MAXINCLUDE	8	/* nesting depth of include "file" */
#define MAXTOKEN	4096	/* longest word or quoted string */
#define MAXVALUE	4096	/* longest macro value */
#define MAXREFS		1024	/* user/group blocks checked after the parse */
#define MAXERRORS	50	/* then the file is not worth reading on */

struct cfile {
	FILE		*fp;
	const char	*name;
	int		 lineno;
	int		 nlpending;	/* count the line once its '\n' is used */
	int		 lasttok;	/* to supply a final '\n' at EOF */
	int		 ungot[4];	/* lexer look-ahead characters */
	int		 nungot;
};

struct sym {
	struct sym	*next;
	char		*name;
	char		*value;
	int		 persist;	/* set with -D: wins over the file */
};

/* A user/group block's policy name, resolved once every policy is known. */
struct polref {
	const char	*file;
	int		 line;
	char		 policy[NAMELEN];
};

/* Every file name seen, kept until the end for late messages. */
struct fname {
	struct fname	*next;
	char		 name[];
};

static struct cfile	 files[MAXINCLUDE + 1];
static struct fname	*fnames;
static int		 lexerr;	/* the lexer already said why */
static int		 stmtpos;	/* tokens since the statement began */
static int		 stmtnext;	/* the next token begins a statement */
static char		 stmtword[NAMELEN];	/* its first bare word */
static int		 nfiles;
static struct cfile	*file;
static int		 errors;
static int		 secrecy;
static struct sym	*symhead;
static struct slirpd_conf *conf;
static struct policy	*curpol;
static struct policy_bind *curbind;
static int		 curbind_set;
static struct polref	 refs[MAXREFS];
static int		 nrefs;

typedef struct {
	union {
		long long	 number;
		char		*string;
		struct {
			in_addr_t	 addr, mask;
		} net;
		struct {
			uint16_t	 lo, hi;
		} port;
	} v;
	int lineno;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED 1

int		 yyparse(void);
static int	 yylex(void);
static void	 yyerror(const char *);
static void	 perr(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 pushfile(const char *, int);
static void	 popfile(void);
static int	 symset(const char *, const char *, int);
static const char *symget(const char *);
static void	 symclear(void);
static int	 copyname(char *, size_t, const char *, const char *, int);
static int	 parse_port(const char *, uint16_t *, uint16_t *);
static int	 parse_net(const char *, in_addr_t *, in_addr_t *);
static struct policy *new_policy(const char *);
static void	 new_bind(int, const char *);
static void	 check_refs(void);
%}

%token	SOCKET CONTROL ENGINE USER GROUP CHROOT RESOLVER PORT POLICY CHAPSECRETS
%token	HOSTALIAS LOOPBACK NONE ALLOW DENY TO ANY INCLUDE ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.string>	string
%destructor	{ free($$); } <v.string>
%type	<v.number>	action hostalias resport
%type	<v.net>		target
%type	<v.port>	portspec

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE STRING {
			int r = pushfile($2, secrecy);

			free($2);
			$2 = NULL;
			if (r == -1)
				YYERROR;
		}
		;

string		: STRING
		| NUMBER {
			if (asprintf(&$$, "%lld", $1) == -1) {
				perr("out of memory");
				YYERROR;
			}
		}
		;

varset		: STRING '=' string {
			const char *s;
			int bad = 0;

			for (s = $1; *s != '\0'; s++)
				if (!isalnum((unsigned char)*s) && *s != '_')
					bad = 1;
			if (bad || *$1 == '\0')
				perr("invalid macro name \"%s\"", $1);
			else if (symset($1, $3, 0) == -1)
				perr("cannot store macro %s", $1);
			free($1);
			$1 = NULL;
			free($3);
			$3 = NULL;
			if (bad)
				YYERROR;
		}
		;

main		: SOCKET STRING {
			copyname(conf->socket_path, sizeof(conf->socket_path),
			    "socket", $2, 1);
			free($2);
			$2 = NULL;
		}
		| CONTROL SOCKET STRING {
			copyname(conf->ctl_socket_path,
			    sizeof(conf->ctl_socket_path), "control socket", $3,
			    1);
			free($3);
			$3 = NULL;
		}
		| ENGINE USER STRING {
			copyname(conf->engine_user, sizeof(conf->engine_user),
			    "engine user", $3, 0);
			free($3);
			$3 = NULL;
		}
		| CHAPSECRETS STRING {
			copyname(conf->chap_secrets,
			    sizeof(conf->chap_secrets), "chap-secrets", $2, 1);
			free($2);
			$2 = NULL;
		}
		| CHROOT STRING {
			copyname(conf->chroot_dir, sizeof(conf->chroot_dir),
			    "chroot", $2, 1);
			free($2);
			$2 = NULL;
		}
		| RESOLVER STRING resport {
			struct in_addr ia;

			if (inet_pton(AF_INET, $2, &ia) != 1)
				perr("resolver: invalid address \"%s\"", $2);
			else if (conf->nresolvers >= MAX_RESOLVERS)
				perr("too many resolvers (max %d)",
				    MAX_RESOLVERS);
			else if ($3 != 0) {
				conf->resolvers[conf->nresolvers].addr =
				    ia.s_addr;
				conf->resolvers[conf->nresolvers].port =
				    htons((uint16_t)$3);
				conf->nresolvers++;
			}
			free($2);
			$2 = NULL;
		}
		| POLICY STRING {
			curpol = new_policy($2);
			free($2);
			$2 = NULL;
		} '{' polstmts polend '}' {
			curpol = NULL;
		}
		| USER STRING {
			new_bind(0, $2);
			free($2);
			$2 = NULL;
		} '{' bindstmts bindend '}' {
			if (!curbind_set)
				perr("user block without policy");
		}
		| GROUP STRING {
			new_bind(1, $2);
			free($2);
			$2 = NULL;
		} '{' bindstmts bindend '}' {
			if (!curbind_set)
				perr("group block without policy");
		}
		;

/* 0 after an error, so the resolver is not stored */
resport		: /* empty */	{ $$ = 53; }
		| PORT NUMBER {
			$$ = $2;
			if ($2 < 1 || $2 > 65535) {
				perr("resolver port %lld out of range 1-65535",
				    $2);
				$$ = 0;
			}
		}
		;

polstmts	: /* empty */
		| polstmts '\n'
		| polstmts polopt '\n'
		| polstmts error '\n'		{ yyerrok; }
		;

polend		: /* empty */
		| polopt
		;

polopt		: HOSTALIAS hostalias {
			if (curpol != NULL)
				curpol->host_alias = $2;
		}
		| action TO target portspec {
			struct policy_rule *r = NULL;

			if (curpol != NULL &&
			    (r = calloc(1, sizeof(*r))) == NULL)
				perr("out of memory");
			if (r != NULL) {
				r->allow = (int)$1;
				r->addr = $3.addr;
				r->mask = $3.mask;
				r->port_lo = $4.lo;
				r->port_hi = $4.hi;
				TAILQ_INSERT_TAIL(&curpol->rules, r, entry);
			}
		}
		;

hostalias	: LOOPBACK	{ $$ = HOST_ALIAS_LOOPBACK; }
		| NONE		{ $$ = HOST_ALIAS_NONE; }
		;

action		: ALLOW		{ $$ = 1; }
		| DENY		{ $$ = 0; }
		;

target		: ANY		{ $$.addr = 0; $$.mask = 0; }
		| STRING {
			if (parse_net($1, &$$.addr, &$$.mask) == -1) {
				$$.addr = 0;
				$$.mask = 0;
			}
			free($1);
			$1 = NULL;
		}
		;

portspec	: /* empty */	{ $$.lo = 0; $$.hi = 65535; }
		| PORT NUMBER {
			if ($2 < 1 || $2 > 65535) {
				perr("port %lld out of range 1-65535", $2);
				$2 = 1;
			}
			$$.lo = $$.hi = (uint16_t)$2;
		}
		| PORT STRING {
			if (parse_port($2, &$$.lo, &$$.hi) == -1) {
				$$.lo = 0;
				$$.hi = 65535;
			}
			free($2);
			$2 = NULL;
		}
		;

bindstmts	: /* empty */
		| bindstmts '\n'
		| bindstmts bindopt '\n'
		| bindstmts error '\n'		{ yyerrok; }
		;

bindend		: /* empty */
		| bindopt
		;

bindopt		: POLICY STRING {
			if (curbind_set)
				perr("policy given twice in one block");
			else if (curbind != NULL &&
			    copyname(curbind->policy, sizeof(curbind->policy),
			    "policy", $2, 0) == 0 && nrefs < MAXREFS) {
				refs[nrefs].file = file->name;
				refs[nrefs].line = file->lineno;
				memcpy(refs[nrefs].policy, curbind->policy,
				    sizeof(refs[nrefs].policy));
				nrefs++;
			} else if (nrefs >= MAXREFS)
				perr("too many user and group blocks");
			curbind_set = 1;
			free($2);
			$2 = NULL;
		}
		;

%%

/* byacc's own messages; the lexer has already explained its ERROR. */
static void
yyerror(const char *msg)
{
	if (lexerr) {
		lexerr = 0;
		return;
	}
	if (stmtword[0] != '\0' && stmtpos >= 1)
		perr("unknown keyword \"%s\"", stmtword);
	else
		perr("%s", msg);
}

static void
perr(const char *fmt, ...)
{
	va_list ap;

	if (errors++ >= MAXERRORS)
		return;
	fprintf(stderr, "%s:%d: ", file->name, file->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Copies a string into a fixed field; names and paths have rules. */
static int
copyname(char *dst, size_t len, const char *what, const char *src, int path)
{
	if (*src == '\0') {
		perr("%s: empty string", what);
		return -1;
	}
	if (strlen(src) >= len) {
		perr("%s: \"%.32s...\" too long (max %zu)", what, src,
		    len - 1);
		return -1;
	}
	if (path && src[0] != '/') {
		perr("%s: \"%s\" is not an absolute path", what, src);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* "N:M", both 1-65535, N <= M. */
static int
parse_port(const char *s, uint16_t *plo, uint16_t *phi)
{
	char buf[32], *colon, *end;
	unsigned long lo, hi;

	if (strlen(s) >= sizeof(buf) || (colon = strchr(s, ':')) == NULL) {
		perr("invalid port \"%s\"", s);
		return -1;
	}
	memcpy(buf, s, strlen(s) + 1);
	colon = buf + (colon - s);
	*colon = '\0';
	errno = 0;
	if (!isdigit((unsigned char)buf[0]) ||
	    !isdigit((unsigned char)colon[1])) {
		perr("invalid port range \"%s\"", s);
		return -1;
	}
	lo = strtoul(buf, &end, 10);
	if (*end != '\0' || errno != 0) {
		perr("invalid port range \"%s\"", s);
		return -1;
	}
	hi = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0) {
		perr("invalid port range \"%s\"", s);
		return -1;
	}
	if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
		perr("port range \"%s\" out of range 1-65535", s);
		return -1;
	}
	if (lo > hi) {
		perr("port range \"%s\": %lu > %lu", s, lo, hi);
		return -1;
	}
	*plo = (uint16_t)lo;
	*phi = (uint16_t)hi;
	return 0;
}

/* "A.B.C.D" or "A.B.C.D/N" without host bits; network order out. */
static int
parse_net(const char *s, in_addr_t *addr, in_addr_t *mask)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr ia;
	unsigned long plen = 32;
	uint32_t m, a;

	if (strlen(s) >= sizeof(buf)) {
		perr("invalid address \"%.32s\"", s);
		return -1;
	}
	memcpy(buf, s, strlen(s) + 1);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		errno = 0;
		if (!isdigit((unsigned char)*slash) ||
		    (plen = strtoul(slash, &end, 10), *end != '\0') ||
		    errno != 0 || plen > 32) {
			perr("invalid prefix length in \"%s\"", s);
			return -1;
		}
	}
	if (inet_pton(AF_INET, buf, &ia) != 1) {
		perr("invalid address \"%s\"", s);
		return -1;
	}
	m = plen == 0 ? 0 : 0xffffffffU << (32 - plen);
	a = ntohl(ia.s_addr);
	if ((a & ~m) != 0) {
		struct in_addr net;
		char nbuf[INET_ADDRSTRLEN];

		net.s_addr = htonl(a & m);
		inet_ntop(AF_INET, &net, nbuf, sizeof(nbuf));
		perr("\"%s\": host bits set (network is %s/%lu)", s, nbuf,
		    plen);
		return -1;
	}
	*addr = ia.s_addr;
	*mask = htonl(m);
	return 0;
}

static struct policy *
new_policy(const char *name)
{
	struct policy *p;
	char n[NAMELEN];

	if (copyname(n, sizeof(n), "policy", name, 0) == -1)
		return NULL;
	if (policy_find(conf, n) != NULL) {
		perr("duplicate policy \"%s\"", n);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		perr("out of memory");
		return NULL;
	}
	memcpy(p->name, n, sizeof(p->name));
	p->host_alias = HOST_ALIAS_LOOPBACK;
	TAILQ_INIT(&p->rules);
	TAILQ_INSERT_TAIL(&conf->policies, p, entry);
	return p;
}

static void
new_bind(int is_group, const char *name)
{
	struct policy_bind *b;
	const char *what = is_group ? "group" : "user";
	char n[NAMELEN];

	curbind = NULL;
	curbind_set = 0;
	if (copyname(n, sizeof(n), what, name, 0) == -1)
		return;
	TAILQ_FOREACH(b, &conf->binds, entry)
		if (b->is_group == is_group && strcmp(b->name, n) == 0) {
			perr("duplicate %s \"%s\"", what, n);
			return;
		}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		perr("out of memory");
		return;
	}
	b->is_group = is_group;
	memcpy(b->name, n, sizeof(b->name));
	TAILQ_INSERT_TAIL(&conf->binds, b, entry);
	curbind = b;
}

/* user/group blocks may name a policy defined further down. */
static void
check_refs(void)
{
	int i;

	for (i = 0; i < nrefs; i++) {
		/* "default" exists even when the file does not define it */
		if (policy_find(conf, refs[i].policy) != NULL ||
		    strcmp(refs[i].policy, "default") == 0)
			continue;
		errors++;
		fprintf(stderr, "%s:%d: unknown policy \"%s\"\n",
		    refs[i].file, refs[i].line, refs[i].policy);
	}
}

/*
 * Lexer.  Characters come from the lexer's own look-ahead, then from
 * the current file.
 */
static int
lgetc_file(void)
{
	if (file->nungot > 0)
		return file->ungot[--file->nungot];
	return getc(file->fp);
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (file->nungot < (int)(sizeof(file->ungot) /
	    sizeof(file->ungot[0])))
		file->ungot[file->nungot++] = c;
}

static int
lgetc(void)
{
	int c, next;

	c = lgetc_file();
	if (c == '\0') {
		perr("NUL byte in file");
		return ' ';
	}
	/* A backslash-newline joins lines, outside and inside quotes. */
	while (c == '\\') {
		next = lgetc_file();
		if (next != '\n') {
			if (next != EOF)
				file->ungot[file->nungot++] = next;
			break;
		}
		file->lineno++;
		c = lgetc_file();
	}
	return c;
}

static int
kwcmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct { const char *n; int t; } *)e)->n);
}

static int
lookup(const char *s)
{
	/* Sorted for bsearch. */
	static const struct { const char *n; int t; } kw[] = {
		{ "allow",	ALLOW },
		{ "any",	ANY },
		{ "chap-secrets", CHAPSECRETS },
		{ "chroot",	CHROOT },
		{ "control",	CONTROL },
		{ "deny",	DENY },
		{ "engine",	ENGINE },
		{ "group",	GROUP },
		{ "host-alias",	HOSTALIAS },
		{ "include",	INCLUDE },
		{ "loopback",	LOOPBACK },
		{ "none",	NONE },
		{ "policy",	POLICY },
		{ "port",	PORT },
		{ "resolver",	RESOLVER },
		{ "socket",	SOCKET },
		{ "to",		TO },
		{ "user",	USER },
	};
	const struct { const char *n; int t; } *p;

	p = bsearch(s, kw, sizeof(kw) / sizeof(kw[0]), sizeof(kw[0]), kwcmp);
	return p != NULL ? p->t : STRING;
}

static int
wordchar(int c)
{
	return isalnum(c) || (c != EOF && strchr("-_.:/@+%", c) != NULL &&
	    c != '\0');
}

static int
lex_quoted(int q)
{
	char buf[MAXTOKEN];
	size_t n = 0;
	int c, next, start = file->lineno;

	for (;;) {
		/* Macros are not expanded inside quotes. */
		c = lgetc();
		if (c == EOF || c == '\n') {
			fprintf(stderr, "%s:%d: unterminated quoted string\n",
			    file->name, start);
			errors++;
			if (c == '\n')
				lungetc(c);
			return ERROR;
		}
		if (c == q)
			break;
		if (c == '\\') {
			next = lgetc();
			if (next == q || next == '\\')
				c = next;
			else if (next == 'n')
				c = '\n';
			else if (next == 't')
				c = '\t';
			else {
				perr("unknown escape \\%c in string",
				    isprint(next) ? next : '?');
				c = next == EOF || next == '\n' ? ' ' : next;
				if (next == '\n' || next == EOF)
					lungetc(next);
			}
		}
		if (n >= sizeof(buf) - 1) {
			perr("string too long");
			return ERROR;
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if ((yylval.v.string = strdup(buf)) == NULL) {
		perr("out of memory");
		return ERROR;
	}
	return STRING;
}

/* A word is a number, a keyword or a string. */
static int
classify(const char *buf)
{
	size_t i, n = strlen(buf);
	int tok;

	for (i = 0; i < n && isdigit((unsigned char)buf[i]); i++)
		;
	if (i == n && n > 0) {
		if (n > 10 || strtoll(buf, NULL, 10) > INT_MAX) {
			perr("number \"%s\" too large", buf);
			return ERROR;
		}
		yylval.v.number = strtoll(buf, NULL, 10);
		return NUMBER;
	}
	tok = lookup(buf);
	if (tok == STRING && (yylval.v.string = strdup(buf)) == NULL) {
		perr("out of memory");
		return ERROR;
	}
	return tok;
}

/*
 * $name stands for exactly one word: the macro's value, whatever it
 * holds, so names with blanks or quotes need no second quoting.
 */
static int
lex_macro(void)
{
	char name[NAMELEN];
	const char *val;
	size_t n = 0;
	int c;

	while ((c = lgetc()) != EOF && (isalnum(c) || c == '_')) {
		if (n >= sizeof(name) - 1) {
			perr("macro name too long");
			return ERROR;
		}
		name[n++] = (char)c;
	}
	lungetc(c);
	name[n] = '\0';
	if (n == 0) {
		perr("'$' without a macro name");
		return ERROR;
	}
	if ((val = symget(name)) == NULL) {
		perr("macro '%s' not defined", name);
		return ERROR;
	}
	return classify(val);
}

static int
lex_word(int c)
{
	char buf[MAXTOKEN];
	size_t n = 0;
	int tok;

	do {
		if (n >= sizeof(buf) - 1) {
			perr("word too long");
			return ERROR;
		}
		buf[n++] = (char)c;
	} while ((c = lgetc()) != EOF && wordchar(c));
	lungetc(c);
	buf[n] = '\0';
	tok = classify(buf);
	if (tok == STRING && stmtpos == 0 && n < sizeof(stmtword))
		memcpy(stmtword, buf, n + 1);
	return tok;
}

static int
yylex_one(void)
{
	int c;

	if (file->nlpending) {
		file->nlpending = 0;
		file->lineno++;
	}
	while ((c = lgetc()) == ' ' || c == '\t' || c == '\r')
		;
	yylval.lineno = file->lineno;
	if (c == '#')
		while ((c = lgetc()) != '\n' && c != EOF)
			;
	switch (c) {
	case EOF:
		return 0;
	case '\n':
		file->nlpending = 1;
		return '\n';
	case '"':
	case '\'':
		return lex_quoted(c);
	case '$':
		return lex_macro();
	case '{':
	case '}':
	case '=':
		return c;
	}
	if (wordchar(c))
		return lex_word(c);
	perr("unexpected character '%c'", isprint(c) ? c : '?');
	return ERROR;
}

static int
yylex(void)
{
	int tok;

	if (stmtnext) {
		stmtnext = 0;
		stmtpos = 0;
		stmtword[0] = '\0';
	}
	if (errors >= MAXERRORS) {
		if (errors++ == MAXERRORS)
			fprintf(stderr, "%s:%d: too many errors, giving up\n",
			    file->name, file->lineno);
		return 0;
	}
	for (;;) {
		tok = yylex_one();
		if (tok != 0)
			break;
		/* EOF: end the last line, then go back to the includer. */
		if (file->lasttok != '\n' && file->lasttok != 0) {
			tok = '\n';
			break;
		}
		if (nfiles == 1) {
			file->lasttok = 0;
			return 0;
		}
		popfile();
		/* the include line's '\n' is lexed next in the includer */
	}
	file->lasttok = tok;
	/* byacc reports ERROR as soon as it is the look-ahead */
	lexerr = tok == ERROR;
	/* for "unknown keyword": a bare word then anything but '=' */
	if (tok == '\n' || tok == '{' || tok == '}')
		stmtnext = 1;
	else if (tok == '=' && stmtpos == 1)
		stmtword[0] = '\0';
	stmtpos++;
	return tok;
}

static int
check_file_secrecy(int fd, const char *fname)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		fprintf(stderr, "%s: cannot stat: %s\n", fname,
		    strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != getuid()) {
		fprintf(stderr, "%s: owner or permissions insecure "
		    "(owned by uid %u, not root or uid %u)\n", fname,
		    (unsigned)st.st_uid, (unsigned)getuid());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH | S_IROTH)) != 0) {
		fprintf(stderr, "%s: owner or permissions insecure "
		    "(mode %04o: writable by group/others or readable by "
		    "others)\n", fname, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Relative include paths are taken from the including file's directory. */
static char *
include_path(const char *name)
{
	const char *slash;
	char *p;

	if (name[0] == '/' || file == NULL ||
	    (slash = strrchr(file->name, '/')) == NULL)
		return strdup(name);
	if (asprintf(&p, "%.*s/%s", (int)(slash - file->name), file->name,
	    name) == -1)
		return NULL;
	return p;
}

static int
pushfile(const char *name, int check)
{
	struct cfile *f;
	struct fname *fn;
	struct stat st, ost;
	char *path;
	int i, fd;

	if (nfiles >= MAXINCLUDE + 1) {
		perr("include \"%s\": nested too deep (max %d)", name,
		    MAXINCLUDE);
		return -1;
	}
	if ((path = include_path(name)) == NULL ||
	    (fn = malloc(sizeof(*fn) + strlen(path) + 1)) == NULL) {
		free(path);
		perr("out of memory");
		return -1;
	}
	memcpy(fn->name, path, strlen(path) + 1);
	free(path);
	fn->next = fnames;
	fnames = fn;
	f = &files[nfiles];
	memset(f, 0, sizeof(*f));
	/* Non-blocking, so a FIFO in its place cannot hang the parent. */
	if ((fd = open(fn->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    (f->fp = fdopen(fd, "r")) == NULL) {
		if (fd != -1)
			close(fd);
		if (nfiles == 0)
			fprintf(stderr, "%s: %s\n", fn->name, strerror(errno));
		else
			perr("include \"%s\": %s", fn->name, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f->fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		if (nfiles == 0)
			fprintf(stderr, "%s: not a regular file\n", fn->name);
		else
			perr("include \"%s\": not a regular file", fn->name);
		fclose(f->fp);
		return -1;
	}
	for (i = 0; i < nfiles; i++)
		if (fstat(fileno(files[i].fp), &ost) == 0 &&
		    ost.st_dev == st.st_dev && ost.st_ino == st.st_ino) {
			perr("include \"%s\": include loop", fn->name);
			fclose(f->fp);
			return -1;
		}
	if (check && check_file_secrecy(fileno(f->fp), fn->name) == -1) {
		errors++;
		fclose(f->fp);
		return -1;
	}
	f->name = fn->name;
	f->lineno = 1;
	if (nfiles > 0) {
		/*
		 * The grammar wants the include line's '\n' now; the
		 * included file supplies it (and counts it as line 0).
		 */
		f->ungot[f->nungot++] = '\n';
		f->lineno = 0;
	}
	nfiles++;
	file = f;
	return 0;
}

static void
popfile(void)
{
	fclose(file->fp);
	nfiles--;
	file = &files[nfiles - 1];
}

static int
symset(const char *name, const char *value, int persist)
{
	struct sym *s;
	char *v;

	for (s = symhead; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			break;
	if (s != NULL && s->persist && !persist)
		return 0;	/* -D wins over the file */
	if (strlen(value) >= MAXVALUE)
		return -1;
	if ((v = strdup(value)) == NULL)
		return -1;
	if (s != NULL) {
		free(s->value);
		s->value = v;
		s->persist = persist;
		return 0;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->name = strdup(name)) == NULL) {
		free(s);
		free(v);
		return -1;
	}
	s->value = v;
	s->persist = persist;
	s->next = symhead;
	symhead = s;
	return 0;
}

static const char *
symget(const char *name)
{
	struct sym *s;

	for (s = symhead; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s->value;
	return NULL;
}

/* Macros set by the file end with its parse; -D ones stay. */
static void
symclear(void)
{
	struct sym **sp, *s;

	for (sp = &symhead; (s = *sp) != NULL; ) {
		if (s->persist) {
			sp = &s->next;
			continue;
		}
		*sp = s->next;
		free(s->name);
		free(s->value);
		free(s);
	}
}

int
cmdline_symset(const char *s)
{
	const char *eq, *p;
	char *name;
	int r;

	if ((eq = strchr(s, '=')) == NULL || eq == s)
		return -1;
	for (p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return -1;
	if ((name = strndup(s, eq - s)) == NULL)
		return -1;
	r = symset(name, eq + 1, 1);
	free(name);
	return r;
}

struct slirpd_conf *
parse_config(const char *filename, int check_secrecy)
{
	struct slirpd_conf *c;
	struct fname *fn;

	if ((c = config_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", __func__);
		return NULL;
	}
	conf = c;
	errors = 0;
	nfiles = 0;
	nrefs = 0;
	file = NULL;
	lexerr = stmtpos = 0;
	stmtnext = 1;
	curpol = NULL;
	curbind = NULL;
	secrecy = check_secrecy;
	if (pushfile(filename, check_secrecy) == 0) {
		yyparse();
		check_refs();
		while (nfiles > 1)
			popfile();
		fclose(files[0].fp);
	} else
		errors++;
	nfiles = 0;
	while ((fn = fnames) != NULL) {
		fnames = fn->next;
		free(fn);
	}
	symclear();
	conf = NULL;
	file = NULL;
	if (errors > 0) {
		free_config(c);
		return NULL;
	}
	config_add_default(c);
	return c;
}
