/*
 * session.c's exec reply path, driven through session_dispatch with
 * socketpairs standing in for the exec helper and the engine: a reply
 * nobody asked for kills the helper, and an fd that cannot be queued
 * for the engine is closed, not leaked.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_imsg.h"
#include "exec_imsg.h"
#include "log.h"
#include "parent.h"

struct rig {
	struct session	 s;
	struct child	 exec, eng;
	struct imsgbuf	 xpeer;		/* the exec helper's side */
	int		 epeer;		/* the engine's side */
};

static int
nfds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	ATF_REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static pid_t
sleeper(void)
{
	pid_t pid;

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void
rig_init(struct rig *r)
{
	int sv[2], ev[2];

	log_init(1, 0);
	memset(r, 0, sizeof(*r));
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, ev) == 0);
	ATF_REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	ATF_REQUIRE(fcntl(ev[0], F_SETFL, O_NONBLOCK) == 0);
	r->s.id = 7;
	r->s.exec = &r->exec;
	r->s.engine = &r->eng;
	r->exec.role = PROC_EXEC;
	r->exec.pid = sleeper();
	r->exec.chan = sv[0];
	r->exec.errfd = -1;
	r->exec.sess = &r->s;
	r->exec.ready = 1;
	imsg_init(&r->exec.ibuf, sv[0]);
	r->eng.role = PROC_ENGINE;
	r->eng.pid = sleeper();
	r->eng.chan = ev[0];
	r->eng.errfd = -1;
	r->eng.sess = &r->s;
	r->eng.ready = 1;
	imsg_init(&r->eng.ibuf, ev[0]);
	imsg_init(&r->xpeer, sv[1]);
	r->epeer = ev[1];
}

static void
rig_free(struct rig *r)
{
	kill(r->exec.pid, SIGKILL);
	kill(r->eng.pid, SIGKILL);
	waitpid(r->exec.pid, NULL, 0);
	waitpid(r->eng.pid, NULL, 0);
	proc_close_channel(&r->exec);
	proc_close_channel(&r->eng);
	close(r->xpeer.w.fd);
	close(r->epeer);
}

/* The helper answers request id with a fresh fd. */
static void
reply_with_fd(struct rig *r, uint32_t id)
{
	struct exec_reply xr = { .id = id, .error = 0 };
	int fd;

	ATF_REQUIRE((fd = open("/dev/null", O_RDWR)) != -1);
	ATF_REQUIRE(imsg_compose(&r->xpeer, IMSG_EXEC_REPLY, 7, 0, fd, &xr,
	    sizeof(xr)) == 1);
	ATF_REQUIRE(imsg_flush(&r->xpeer) == 0);
}

ATF_TC_WITHOUT_HEAD(unmatched);
ATF_TC_BODY(unmatched, tc)
{
	struct rig r;
	int base;

	rig_init(&r);
	base = nfds();
	reply_with_fd(&r, 99);		/* nothing pending */
	session_dispatch(&r.exec);
	ATF_CHECK(r.exec.killed);
	ATF_CHECK_EQ(imsg_queued(&r.eng.ibuf), 0);
	/* Our channel end is gone with the kill, the passed fd too. */
	ATF_CHECK_EQ(nfds(), base - 1);
	rig_free(&r);
}

ATF_TC_WITHOUT_HEAD(engine_queue_full);
ATF_TC_BODY(engine_queue_full, tc)
{
	static char big[IMSG_MAXPAYLOAD];
	struct rig r;
	int base;

	rig_init(&r);
	r.s.exec_pending[0] = 5;
	r.s.nexec_pending = 1;
	/* The engine's queue at the library's byte cap. */
	while (imsg_compose(&r.eng.ibuf, IMSG_TEST_RESULT, 7, 0, -1, big,
	    sizeof(big)) == 1)
		;
	base = nfds();
	reply_with_fd(&r, 5);
	session_dispatch(&r.exec);
	ATF_CHECK(!r.exec.killed);
	ATF_CHECK_EQ(r.s.nexec_pending, 0);
	ATF_CHECK_EQ(nfds(), base);	/* the fd was closed */
	rig_free(&r);
}

ATF_TC_WITHOUT_HEAD(matched);
ATF_TC_BODY(matched, tc)
{
	struct eng_exec_reply rep;
	struct imsgbuf eb;
	struct imsg imsg;
	struct rig r;
	ssize_t n;

	rig_init(&r);
	r.s.exec_pending[0] = 6;
	r.s.nexec_pending = 1;
	reply_with_fd(&r, 6);
	session_dispatch(&r.exec);
	ATF_CHECK(!r.exec.killed);
	ATF_CHECK_EQ(r.s.nexec_pending, 0);
	ATF_REQUIRE(imsg_flush(&r.eng.ibuf) == 0);
	imsg_init(&eb, r.epeer);
	ATF_REQUIRE(imsg_read(&eb) > 0);
	ATF_REQUIRE((n = imsg_get(&eb, &imsg)) > 0);
	ATF_CHECK_EQ(imsg.hdr.type, IMSG_ENG_EXEC_REPLY);
	ATF_REQUIRE_EQ(imsg_get_len(&imsg), sizeof(rep));
	memcpy(&rep, imsg.data, sizeof(rep));
	ATF_CHECK_EQ(rep.id, 6);
	ATF_CHECK_EQ(rep.error, 0);
	ATF_CHECK(imsg.fd != -1);
	if (imsg.fd != -1)
		close(imsg.fd);
	imsg_free(&imsg);
	/* A second reply to the same request is one too many. */
	reply_with_fd(&r, 6);
	session_dispatch(&r.exec);
	ATF_CHECK(r.exec.killed);
	rig_free(&r);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, unmatched);
	ATF_TP_ADD_TC(tp, engine_queue_full);
	ATF_TP_ADD_TC(tp, matched);
	return atf_no_error();
}
