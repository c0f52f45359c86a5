/*
 * The parent's CHAP check (privsep/auth.c): chap-secrets parsing and
 * matching, the file's ownership and mode, and MD5(id || secret ||
 * challenge) against a digest computed elsewhere (Python's hashlib).
 */
#include <sys/stat.h>
#include <atf-c.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"

/* MD5(0x07 || "open sesame" || 00 01 ... 0f) */
static const uint8_t good[16] = {
	0xb9, 0xc9, 0x61, 0x06, 0x0c, 0x54, 0xd3, 0x9c,
	0x25, 0x61, 0xe9, 0xe8, 0x5d, 0x32, 0x3b, 0x02
};

static uint8_t chal[16];

static void
secrets(const char *text, mode_t mode)
{
	int fd;

	unlink("secrets");
	ATF_REQUIRE((fd = open("secrets", O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	ATF_REQUIRE(fchmod(fd, mode) == 0);
	close(fd);
}

static int
check(const char *server, const char *name, const uint8_t *resp, char *why)
{
	char path[1024];
	size_t i;

	for (i = 0; i < sizeof(chal); i++)
		chal[i] = (uint8_t)i;
	ATF_REQUIRE(getcwd(path, sizeof(path) - 16) != NULL);
	strlcat(path, "/secrets", sizeof(path));
	return chap_verify(path, server, name, 7, chal, sizeof(chal), resp,
	    why, 256);
}

ATF_TC(match);
ATF_TC_HEAD(match, tc)
{
	atf_tc_set_md_var(tc, "descr", "names, wildcards, quotes, comments");
	atf_tc_set_md_var(tc, "require.user", "root");
}
ATF_TC_BODY(match, tc)
{
	char why[256];
	uint8_t bad[16];

	memcpy(bad, good, 16);
	bad[15] ^= 1;
	secrets("# client server secret addresses\n"
	    "\n"
	    "carol * other\n"
	    "alice dialhost \"open sesame\" *\n"
	    "alice * wrong\n", 0600);
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 1);
	ATF_CHECK_EQ(check("dialhost", "alice", bad, why), 0);
	ATF_CHECK_STREQ(why, "wrong secret");
	/* Another server name: the wildcard line after it is used. */
	ATF_CHECK_EQ(check("elsewhere", "alice", good, why), 0);
	ATF_CHECK_EQ(check("dialhost", "bob", good, why), 0);
	ATF_CHECK(strstr(why, "no secret for this name") != NULL);

	/* "*" as client; a broken line (open quote) is skipped. */
	secrets("alice * \"open sesame\n"
	    "* \"*\" \"open sesame\"\n", 0600);
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 1);
	/* Too few words: not a secret line. */
	secrets("alice *\n", 0600);
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 0);
	/* No newline at the end, tabs between words. */
	secrets("alice\t*\t\"open sesame\"", 0600);
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 1);
	/* CRLF line ends are not part of the secret. */
	secrets("alice * \"open sesame\"\r\n", 0600);
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 1);
	/* A word too long stops the search before a later wildcard. */
	{
		char t[600];

		memset(t, 'z', sizeof(t));
		memcpy(t, "alice * ", 8);
		snprintf(t + 300, sizeof(t) - 300,
		    "\n* * \"open sesame\"\n");
		secrets(t, 0600);
	}
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 0);
	ATF_CHECK_STREQ(why, "line 1: a word longer than 255 bytes");
	/* Not text: a NUL byte. */
	secrets("alice * x\n", 0600);
	{
		int fd = open("secrets", O_WRONLY | O_APPEND);

		ATF_REQUIRE(fd != -1 && write(fd, "\0", 1) == 1);
		close(fd);
	}
	ATF_CHECK_EQ(check("dialhost", "alice", good, why), 0);
	ATF_CHECK(strstr(why, "cannot be read as text") != NULL);
}

ATF_TC(file_checks);
ATF_TC_HEAD(file_checks, tc)
{
	atf_tc_set_md_var(tc, "descr", "mode, owner, symlinks, no file");
	atf_tc_set_md_var(tc, "require.user", "root");
}
ATF_TC_BODY(file_checks, tc)
{
	char why[256];

	secrets("alice * \"open sesame\"\n", 0640);
	ATF_CHECK_EQ(check("h", "alice", good, why), 0);
	ATF_CHECK(strstr(why, "owned by root, mode 0600") != NULL);
	secrets("alice * \"open sesame\"\n", 0604);
	ATF_CHECK_EQ(check("h", "alice", good, why), 0);
	secrets("alice * \"open sesame\"\n", 0600);
	ATF_REQUIRE(chown("secrets", 1, 1) == 0);
	ATF_CHECK_EQ(check("h", "alice", good, why), 0);
	ATF_REQUIRE(chown("secrets", 0, 0) == 0);
	ATF_CHECK_EQ(check("h", "alice", good, why), 1);
	/* A link to a good file is not followed. */
	ATF_REQUIRE(rename("secrets", "real") == 0);
	ATF_REQUIRE(symlink("real", "secrets") == 0);
	ATF_CHECK_EQ(check("h", "alice", good, why), 0);
	unlink("secrets");
	ATF_CHECK_EQ(check("h", "alice", good, why), 0);
	ATF_CHECK(strstr(why, "No such file") != NULL);
	ATF_CHECK_EQ(chap_verify("", "h", "alice", 7, chal, 16, good, why,
	    sizeof(why)), 0);
	ATF_CHECK_STREQ(why, "no chap-secrets file configured");
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	ATF_CHECK(auth_name_ok((const uint8_t *)"alice", 5));
	ATF_CHECK(auth_name_ok((const uint8_t *)"a.b-c_d@e", 9));
	ATF_CHECK(!auth_name_ok((const uint8_t *)"", 0));
	ATF_CHECK(!auth_name_ok((const uint8_t *)"a b", 3));
	ATF_CHECK(!auth_name_ok((const uint8_t *)"a\0b", 3));
	ATF_CHECK(!auth_name_ok((const uint8_t *)"a\nb", 3));
	ATF_CHECK(!auth_name_ok((const uint8_t *)"\x80", 1));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, match);
	ATF_TP_ADD_TC(tp, file_checks);
	ATF_TP_ADD_TC(tp, names);
	return 0;
}
