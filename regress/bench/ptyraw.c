/*
 * ptyraw -- the raw pty ceiling: bytes through a pty pair, no stack at all.
 *
 * usage: ptyraw down|up BYTES
 *
 * A child process sits on the slave side (where a Slirp server runs), the
 * parent on the master side (where the SLIP shim runs).  "down" writes
 * BYTES from the slave to the master (a download as the guest sees it),
 * "up" from the master to the slave.  Both sides are in raw mode and use
 * the same buffer size as the shim (256 KB reads and writes), blocking
 * I/O.  Prints one line:
 *
 *	BYTES SECONDS SERVER_CPU_SECONDS LINE_CPU_SECONDS
 *
 * where the server is the slave-side process and the line the master side
 * (user + system time from getrusage, over the transfer only).
 */

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BUFSZ	(256 * 1024)

static unsigned char	buf[BUFSZ];

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_self(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_bytes(int fd, unsigned long long total)
{
	size_t	n;

	while (total > 0) {
		n = total < BUFSZ ? (size_t)total : BUFSZ;
		if (write_all(fd, buf, n) == -1)
			return -1;
		total -= n;
	}
	return 0;
}

static int
recv_bytes(int fd, unsigned long long total)
{
	ssize_t	r;

	while (total > 0) {
		r = read(fd, buf, BUFSZ);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		total -= (unsigned long long)r < total ?
		    (unsigned long long)r : total;
	}
	return 0;
}

static void
rawmode(int fd)
{
	struct termios	t;

	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B4000000);
		tcsetattr(fd, TCSANOW, &t);
	}
}

/* Slave side: wait for "go", move the bytes, report CPU, wait for "end". */
static void
child(int slave, int ctl_in, int ctl_out, int down,
    unsigned long long total)
{
	double	c0, cpu;
	char	c;
	int	rv;

	if (read(ctl_in, &c, 1) != 1)
		_exit(1);
	c0 = cpu_self();
	rv = down ? send_bytes(slave, total) : recv_bytes(slave, total);
	cpu = cpu_self() - c0;
	if (write(ctl_out, &cpu, sizeof(cpu)) != sizeof(cpu))
		_exit(1);
	/* Keep the slave open until the master has read everything. */
	(void)read(ctl_in, &c, 1);
	_exit(rv == 0 ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	unsigned long long	 total;
	double			 t0, t1, c0, cpu = -1;
	char			*end;
	int			 master, slave, down, p2c[2], c2p[2], st, rv;
	pid_t			 pid;
	size_t			 i;

	if (argc != 3 || (strcmp(argv[1], "down") && strcmp(argv[1], "up"))) {
		fprintf(stderr, "usage: ptyraw down|up BYTES\n");
		return 2;
	}
	down = strcmp(argv[1], "down") == 0;
	total = strtoull(argv[2], &end, 10);
	if (*end != '\0' || total == 0) {
		fprintf(stderr, "ptyraw: bad byte count\n");
		return 2;
	}
	/* Random-looking bytes, like the payload of the other rows. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)((i * 2654435761U) >> 13);
	signal(SIGPIPE, SIG_IGN);
	if (openpty(&master, &slave, NULL, NULL, NULL) == -1 ||
	    pipe(p2c) == -1 || pipe(c2p) == -1) {
		perror("ptyraw: openpty/pipe");
		return 1;
	}
	rawmode(slave);
	rawmode(master);
	if ((pid = fork()) == -1) {
		perror("ptyraw: fork");
		return 1;
	}
	if (pid == 0) {
		close(master);
		close(p2c[1]);
		close(c2p[0]);
		child(slave, p2c[0], c2p[1], down, total);
	}
	close(slave);
	close(p2c[0]);
	close(c2p[1]);

	t0 = now();
	c0 = cpu_self();
	if (write(p2c[1], "g", 1) != 1)
		return 1;
	rv = down ? recv_bytes(master, total) : send_bytes(master, total);
	/* Up: done when the child has read it all and says so. */
	if (read(c2p[0], &cpu, sizeof(cpu)) != sizeof(cpu))
		rv = -1;
	t1 = now();
	(void)write(p2c[1], "e", 1);
	waitpid(pid, &st, 0);
	if (rv != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "ptyraw: transfer failed\n");
		return 1;
	}
	printf("%llu %.6f %.6f %.6f\n", total, t1 - t0, cpu, cpu_self() - c0);
	return 0;
}
