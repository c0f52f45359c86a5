/*
 * ptyrun [-t seconds] command [arg ...]: run command on a new pty as its
 * controlling terminal (stdin, stdout and stderr all the slave), copy
 * everything it writes to our stdout, and exit with its status (128 + N
 * when signal N killed it).  After -t seconds (default 30) the command
 * is killed, so a hung test fails instead of hanging kyua.
 */
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ssize_t
copy_out(int m)
{
	char buf[4096];
	ssize_t n, w, off;

	n = read(m, buf, sizeof(buf));
	for (off = 0; n > 0 && off < n; off += w) {
		w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
		if (w <= 0)
			exit(125);
	}
	return n;
}

static void
child(int slave, char **argv)
{
	setsid();
	/* The slave becomes the child's controlling terminal. */
	if (ioctl(slave, TIOCSCTTY, 0) == -1) {
		perror("ptyrun: TIOCSCTTY");
		_exit(126);
	}
	if (dup2(slave, 0) == -1 || dup2(slave, 1) == -1 ||
	    dup2(slave, 2) == -1)
		_exit(126);
	if (slave > 2)
		close(slave);
	execvp(argv[0], argv);
	fprintf(stderr, "ptyrun: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
main(int argc, char *argv[])
{
	struct pollfd pfd;
	struct timespec now, end;
	int m, s, st = 0, ch, secs = 30, done = 0, killed = 0;
	pid_t pid;

	while ((ch = getopt(argc, argv, "+t:")) != -1) {
		if (ch != 't')
			goto usage;
		secs = atoi(optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || secs <= 0)
		goto usage;
	if (openpty(&m, &s, NULL, NULL, NULL) == -1) {
		perror("ptyrun: openpty");
		return 125;
	}
	if ((pid = fork()) == -1) {
		perror("ptyrun: fork");
		return 125;
	}
	if (pid == 0) {
		close(m);
		child(s, argv);
	}
	close(s);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	pfd.fd = m;
	pfd.events = POLLIN;
	for (;;) {
		/*
		 * Someone else (a daemon given the tty) may keep the slave
		 * open after the child is gone: stop on the child's exit once
		 * the output has drained, not on EOF.
		 */
		if (poll(&pfd, 1, done ? 100 : 50) > 0) {
			/* EIO: every slave fd is closed; not a reason to stop. */
			if ((pfd.revents & POLLIN) && copy_out(m) > 0)
				continue;
			if (done)
				break;
		} else if (done)
			break;
		/* All slaves closed: POLLHUP without data; do not spin. */
		if (!done && (pfd.revents & POLLHUP))
			usleep(10000);
		if (!done && waitpid(pid, &st, WNOHANG) == pid)
			done = 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!done && !killed && now.tv_sec >= end.tv_sec) {
			killed = 1;
			fprintf(stderr, "ptyrun: timeout, killing %s\n",
			    argv[0]);
			kill(pid, SIGKILL);
		}
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
usage:
	fprintf(stderr, "usage: ptyrun [-t seconds] command [arg ...]\n");
	return 125;
}
