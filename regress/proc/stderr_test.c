/*
 * proc_stderr: a child's stderr (daemon mode) reaches the log at most
 * CHILD_ERR_BPS bytes a second; what is dropped is counted in one line.
 */
#include <sys/types.h>

#include <atf-c.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parent.h"

/* Lines in path that contain s. */
static int
count_lines(const char *path, const char *s)
{
	char line[1024];
	FILE *f;
	int n = 0;

	ATF_REQUIRE((f = fopen(path, "r")) != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

ATF_TC_WITHOUT_HEAD(flood);
ATF_TC_BODY(flood, tc)
{
	struct child c;
	char line[101];
	int p[2], logfd, saved, i, logged;

	log_init(1, 0);
	ATF_REQUIRE(pipe2(p, O_NONBLOCK) == 0);
	memset(&c, 0, sizeof(c));
	c.pid = 4242;
	c.role = PROC_ENGINE;
	c.chan = -1;
	c.errfd = p[0];
	/* The log goes to stderr in debug mode: catch it in a file. */
	ATF_REQUIRE((logfd = open("log", O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	ATF_REQUIRE((saved = dup(STDERR_FILENO)) != -1);
	ATF_REQUIRE(dup2(logfd, STDERR_FILENO) != -1);

	/* 200 lines of 100 bytes in one go: 20000 bytes. */
	memset(line, 'x', 99);
	line[99] = '\n';
	line[100] = '\0';
	memcpy(line, "flood", 5);
	for (i = 0; i < 200; i++) {
		ATF_REQUIRE(write(p[1], line, 100) == 100);
		if (i % 40 == 39)
			proc_stderr(&c);	/* the pipe holds 64 KB */
	}
	proc_stderr(&c);
	/* A second later, one more line: the count of the dropped ones. */
	sleep(1);
	memcpy(line, "later", 5);
	ATF_REQUIRE(write(p[1], line, 100) == 100);
	proc_stderr(&c);
	dup2(saved, STDERR_FILENO);
	close(p[1]);
	close(p[0]);

	/*
	 * One second's budget, or two should the flood straddle a second
	 * boundary: far from all 200 lines either way.
	 */
	logged = count_lines("log", "flood");
	printf("%d flood lines logged\n", logged);
	ATF_CHECK(logged >= 1);
	ATF_CHECK(logged <= 2 * (CHILD_ERR_BPS / 99 + 1));
	ATF_CHECK_EQ(count_lines("log", "later"), 1);
	i = count_lines("log", "engine pid 4242: ");
	ATF_CHECK(i >= 1 && i <= 2);
	ATF_CHECK_EQ(count_lines("log", "lines suppressed"), i);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, flood);
	return atf_no_error();
}
