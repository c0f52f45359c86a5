/*
 * PPP authentication in the parent.  An engine sends what its peer
 * offered (eng_auth_req); the parent decides whether that name may be
 * used in this session, checks CHAP responses against the root-only
 * chap-secrets file itself (no blocking: a small local file), and hands
 * PAP passwords to a fresh auth helper that runs PAM (which may sleep).
 * The verdict goes back to the engine as eng_auth_reply.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <md5.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "auth_imsg.h"
#include "engine_imsg.h"
#include "log.h"
#include "parent.h"

#define CHAP_FILE_MAX	(1024 * 1024)	/* bytes of chap-secrets read */
#define CHAP_TOKEN_MAX	256

/*
 * A name that can be logged and looked up: printable ASCII, no blanks
 * (PAM user names and chap-secrets words alike).
 */
int
auth_name_ok(const uint8_t *name, size_t len)
{
	size_t i;

	if (len == 0 || len > PPP_AUTH_NAMEMAX)
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] <= 0x20 || name[i] >= 0x7f)
			return 0;
	return 1;
}

/* Compare without an early exit: the time says nothing about where. */
static int
auth_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

#define CHAP_BLANK	" \t\r"

/*
 * One word of a chap-secrets line: plain, or "double quoted".  NULL at
 * the end of the line; *toolong set for a word that does not fit.
 */
static char *
chap_word(char **sp, char *out, size_t outlen, int *toolong)
{
	char *s = *sp;
	size_t n = 0;
	int q = 0;

	s += strspn(s, CHAP_BLANK);
	if (*s == '\0' || *s == '#')
		return NULL;
	if (*s == '"') {
		q = 1;
		s++;
	}
	while (*s != '\0' && (q ? *s != '"' : strchr(CHAP_BLANK, *s) == NULL)) {
		if (n + 1 >= outlen) {
			*toolong = 1;
			return NULL;
		}
		out[n++] = *s++;
	}
	if (q && *s != '"')
		return NULL;		/* unterminated quote */
	if (q)
		s++;
	out[n] = '\0';
	*sp = s;
	return out;
}

/* The file must be root's alone, as pppd wants of its own. */
static int
chap_open(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd;

	/* Non-blocking: a FIFO must not hang the parent (S_ISREG next). */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 ||
	    st.st_size > CHAP_FILE_MAX) {
		snprintf(why, whylen, "%s: must be a regular file owned by "
		    "root, mode 0600 or stricter, at most %d bytes", path,
		    CHAP_FILE_MAX);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read the whole file into a NUL-terminated buffer the caller wipes;
 * NULL on a read error or a NUL byte (the file is not text).
 */
static char *
chap_read(int fd, size_t *lenp)
{
	char *buf;
	size_t len = 0;
	ssize_t n;

	if ((buf = malloc(CHAP_FILE_MAX + 1)) == NULL)
		return NULL;
	while (len < CHAP_FILE_MAX &&
	    (n = read(fd, buf + len, CHAP_FILE_MAX - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		len += (size_t)n;
	}
	if (memchr(buf, '\0', len) != NULL)
		goto fail;
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	explicit_bzero(buf, len);
	free(buf);
	return NULL;
}

/*
 * The secret of the first line naming client (or *) and server (or *):
 * 0, or -1 with why.  A word too long stops the search: skipping that
 * line could let a later wildcard line stand in for it.
 */
static int
chap_lookup(char *buf, const char *client, const char *server, char *secret,
    size_t slen, char *why, size_t whylen)
{
	char c[CHAP_TOKEN_MAX], s[CHAP_TOKEN_MAX], *line, *p, *next;
	int lineno = 0, toolong = 0;

	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		p = line;
		if (chap_word(&p, c, sizeof(c), &toolong) == NULL ||
		    chap_word(&p, s, sizeof(s), &toolong) == NULL ||
		    chap_word(&p, secret, slen, &toolong) == NULL) {
			if (!toolong)
				continue;	/* blank, comment, short */
			snprintf(why, whylen, "line %d: a word longer than "
			    "%d bytes", lineno, CHAP_TOKEN_MAX - 1);
			break;
		}
		if ((strcmp(c, "*") == 0 || strcmp(c, client) == 0) &&
		    (strcmp(s, "*") == 0 || strcmp(s, server) == 0)) {
			explicit_bzero(c, sizeof(c));
			explicit_bzero(s, sizeof(s));
			return 0;
		}
	}
	if (!toolong)
		snprintf(why, whylen, "no secret for this name");
	explicit_bzero(secret, slen);
	return -1;
}

/*
 * Is resp MD5(id || secret || challenge) for the secret of name?
 * 1 yes, 0 no; why says what went wrong for the log.
 */
int
chap_verify(const char *path, const char *server, const char *name,
    uint8_t id, const uint8_t *chal, size_t chlen, const uint8_t *resp,
    char *why, size_t whylen)
{
	uint8_t want[MD5_DIGEST_LENGTH];
	char secret[CHAP_TOKEN_MAX], *buf;
	MD5_CTX ctx;
	size_t len;
	int fd, ok;

	snprintf(why, whylen, "wrong secret");
	if (path == NULL || path[0] == '\0') {
		snprintf(why, whylen, "no chap-secrets file configured");
		return 0;
	}
	if ((fd = chap_open(path, why, whylen)) == -1)
		return 0;
	buf = chap_read(fd, &len);
	close(fd);
	if (buf == NULL) {
		snprintf(why, whylen, "%s: cannot be read as text", path);
		return 0;
	}
	if (chap_lookup(buf, name, server, secret, sizeof(secret), why,
	    whylen) == -1) {
		explicit_bzero(buf, len);
		free(buf);
		return 0;
	}
	explicit_bzero(buf, len);
	free(buf);
	MD5Init(&ctx);
	MD5Update(&ctx, &id, 1);
	MD5Update(&ctx, (const uint8_t *)secret, strlen(secret));
	MD5Update(&ctx, chal, chlen);
	MD5Final(want, &ctx);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(&ctx, sizeof(ctx));
	ok = auth_equal(want, resp, sizeof(want));
	explicit_bzero(want, sizeof(want));
	return ok;
}

static void
auth_reply(struct session *s, uint32_t unit, uint32_t seq, int ok)
{
	struct eng_auth_reply rep;

	if (s->engine == NULL || s->engine->chan == -1)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.unit = unit;
	rep.seq = seq;
	rep.ok = ok ? 1 : 0;
	imsg_compose(&s->engine->ibuf, IMSG_ENG_AUTH_REPLY, s->id, 0, -1,
	    &rep, sizeof(rep));
	imsg_write(&s->engine->ibuf);
}

static void
auth_refuse(struct session *s, const struct eng_auth_req *ar,
    const char *name, const char *why)
{
	log_warnx("%s: session %u user %s: %s refused for \"%s\": %s",
	    __func__, s->id, s->user,
	    ar->r.method == PPP_AUTH_CHAP ? "CHAP" : "PAP", name, why);
	auth_reply(s, ar->unit, ar->r.seq, 0);
}

static void
auth_accept(struct session *s, const struct eng_auth_req *ar,
    const char *name)
{
	log_info("%s: session %u user %s: %s accepted \"%s\"", __func__,
	    s->id, s->user, ar->r.method == PPP_AUTH_CHAP ? "CHAP" : "PAP",
	    name);
	auth_reply(s, ar->unit, ar->r.seq, 1);
}

/* PAP: a helper runs PAM; its answer arrives in auth_helper_msg(). */
static void
auth_pap(struct session *s, const struct eng_auth_req *ar, const char *name)
{
	struct auth_check ac;

	if (s->auth != NULL) {
		auth_refuse(s, ar, name, "a check is already running");
		return;
	}
	if (ar->r.secretlen == 0 || memchr(ar->r.secret, '\0',
	    ar->r.secretlen) != NULL) {
		auth_refuse(s, ar, name, "empty or unusable password");
		return;
	}
	if ((s->auth = proc_spawn(PROC_AUTH, s)) == NULL) {
		auth_refuse(s, ar, name, "cannot start the auth helper");
		return;
	}
	memset(&ac, 0, sizeof(ac));
	strlcpy(ac.user, name, sizeof(ac.user));
	memcpy(ac.password, ar->r.secret, ar->r.secretlen);
	strlcpy(ac.tty, s->tty, sizeof(ac.tty));
	s->auth_unit = ar->unit;
	s->auth_seq = ar->r.seq;
	strlcpy(s->auth_name, name, sizeof(s->auth_name));
	s->auth_deadline = parent_now() + AUTH_HELPER_TIMEOUT * 1000ULL;
	imsg_compose(&s->auth->ibuf, IMSG_AUTH_CHECK, s->id, 0, -1, &ac,
	    sizeof(ac));
	explicit_bzero(&ac, sizeof(ac));
	imsg_write(&s->auth->ibuf);
}

/* Engine -> parent: AUTH_REQ.  -1 only for a malformed message. */
int
auth_request(struct session *s, const void *data, size_t len)
{
	struct eng_auth_req ar;
	char name[PPP_AUTH_NAMEMAX + 1], why[PATH_MAX + 128];
	const char *server = s->authname;
	struct passwd *pw;
	int ok;

	if (len != sizeof(ar))
		return -1;
	memcpy(&ar, data, sizeof(ar));
	if ((ar.r.method != PPP_AUTH_PAP && ar.r.method != PPP_AUTH_CHAP) ||
	    ar.r.namelen > PPP_AUTH_NAMEMAX ||
	    ar.r.secretlen > PPP_AUTH_NAMEMAX || ar.unit >= ENGINE_MAXUNITS ||
	    ar.r.seq == 0) {
		explicit_bzero(&ar, sizeof(ar));
		return -1;
	}
	if (!auth_name_ok(ar.r.name, ar.r.namelen)) {
		auth_refuse(s, &ar, "(unprintable)", "unusable name");
		goto done;
	}
	memcpy(name, ar.r.name, ar.r.namelen);
	name[ar.r.namelen] = '\0';
	/* The engine asks only for what the user's options required. */
	if ((s->opts.pppo.auth & ar.r.method) == 0) {
		auth_refuse(s, &ar, name, "method not enabled");
		goto done;
	}
	/*
	 * A user's own session may only prove that user's name: anything
	 * else would make slirpd a password oracle for other accounts.
	 * Root's sessions (a line served by root) take any name.
	 */
	if (s->uid != 0 && ((pw = getpwuid(s->uid)) == NULL ||
	    strcmp(name, pw->pw_name) != 0)) {
		snprintf(why, sizeof(why), "not the session's user %s",
		    s->user);
		auth_refuse(s, &ar, name, why);
		goto done;
	}
	if (ar.r.method == PPP_AUTH_PAP) {
		auth_pap(s, &ar, name);
		goto done;
	}
	if (ar.r.secretlen != PPP_AUTH_MD5LEN) {
		auth_refuse(s, &ar, name, "not an MD5 response");
		goto done;
	}
	ok = chap_verify(penv->conf->chap_secrets, server, name, ar.r.chap_id,
	    ar.r.challenge, sizeof(ar.r.challenge), ar.r.secret, why,
	    sizeof(why));
	if (ok)
		auth_accept(s, &ar, name);
	else
		auth_refuse(s, &ar, name, why);
done:
	explicit_bzero(&ar, sizeof(ar));
	return 0;
}

/* The helper's one answer. */
int
auth_helper_msg(struct session *s, struct child *c, struct imsg *imsg)
{
	struct auth_result res;
	struct eng_auth_req ar;

	if (imsg->hdr.type != IMSG_AUTH_RESULT ||
	    imsg_get_len(imsg) != sizeof(res) || c != s->auth ||
	    s->auth_seq == 0)
		return -1;
	memcpy(&res, imsg->data, sizeof(res));
	res.msg[sizeof(res.msg) - 1] = '\0';
	memset(&ar, 0, sizeof(ar));
	ar.unit = s->auth_unit;
	ar.r.seq = s->auth_seq;
	ar.r.method = PPP_AUTH_PAP;
	s->auth_seq = 0;
	/* Its work is done: it exits alone, and the slot is free again. */
	c->sess = NULL;
	s->auth = NULL;
	if (res.ok == 1)
		auth_accept(s, &ar, s->auth_name);
	else
		auth_refuse(s, &ar, s->auth_name, res.msg);
	return 0;
}

/* The helper is gone; if it never answered, the answer is no. */
void
auth_helper_gone(struct session *s)
{
	struct eng_auth_req ar;

	s->auth = NULL;
	if (s->auth_seq == 0)
		return;
	memset(&ar, 0, sizeof(ar));
	ar.unit = s->auth_unit;
	ar.r.seq = s->auth_seq;
	ar.r.method = PPP_AUTH_PAP;
	s->auth_seq = 0;
	auth_refuse(s, &ar, s->auth_name, "the auth helper died");
}

/* A helper past its time is killed (its death answers the engine). */
int
auth_timeouts(void)
{
	struct session *s;
	uint64_t now = parent_now();
	int64_t next = -1, d;

	TAILQ_FOREACH(s, &penv->sessions, entry) {
		if (s->auth == NULL || s->auth_seq == 0)
			continue;
		if (now >= s->auth_deadline) {
			if (!s->auth->killed)
				proc_kill(s->auth, "no PAM verdict in time");
			continue;
		}
		d = (int64_t)(s->auth_deadline - now);
		if (next < 0 || d < next)
			next = d;
	}
	return next > INT32_MAX ? INT32_MAX : (int)next;
}
