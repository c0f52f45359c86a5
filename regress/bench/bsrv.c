/*
 * bsrv -- loopback servers for the benchmark that are never the bottleneck.
 *
 * usage: bsrv http BYTES     HTTP/1.0: any GET gets BYTES of generated data
 *        bsrv sink           counts what each connection sends until EOF
 *
 * Binds 127.0.0.1 port 0 and prints "port N" on stdout, then serves one
 * connection at a time forever.  The sink prints "got BYTES" per
 * connection (after closing it, so a client that waits for the close,
 * like nc -N, has finished when the line appears).  Data is generated in
 * memory (a fixed pseudo-random 1 MB block) so no disk is involved.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK	(1024 * 1024)
#define REQMAX	8192

static unsigned char	data[BLOCK];

static int
listen_lo(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s, on = 1;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 16) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		close(s);
		return -1;
	}
	printf("port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	return s;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char	*q = p;
	ssize_t			 w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the request head (bounded); we answer any request the same way. */
static int
read_request(int c)
{
	char	req[REQMAX];
	size_t	len = 0;
	ssize_t	r;

	while (len < sizeof(req) - 1) {
		r = read(c, req + len, sizeof(req) - 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		len += (size_t)r;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL ||
		    strstr(req, "\n\n") != NULL)
			return 0;
	}
	return -1;
}

static void
serve_http(int c, unsigned long long total)
{
	char	hdr[256];
	size_t	n;
	int	len;

	if (read_request(c) == -1)
		return;
	len = snprintf(hdr, sizeof(hdr), "HTTP/1.0 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %llu\r\nConnection: close\r\n\r\n", total);
	if (write_all(c, hdr, (size_t)len) == -1)
		return;
	while (total > 0) {
		n = total < BLOCK ? (size_t)total : BLOCK;
		if (write_all(c, data, n) == -1)
			return;
		total -= n;
	}
}

static unsigned long long
serve_sink(int c)
{
	static unsigned char	buf[256 * 1024];
	unsigned long long	got = 0;
	ssize_t			r;

	for (;;) {
		r = read(c, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return got;
		got += (unsigned long long)r;
	}
}

int
main(int argc, char *argv[])
{
	unsigned long long	 total = 0, got;
	uint32_t		 x = 0x12345678;
	char			*end;
	int			 s, c, http;
	size_t			 i;

	if (argc == 3 && strcmp(argv[1], "http") == 0) {
		http = 1;
		total = strtoull(argv[2], &end, 10);
		if (*end != '\0')
			goto usage;
	} else if (argc == 2 && strcmp(argv[1], "sink") == 0)
		http = 0;
	else
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(data); i++) {	/* xorshift32 */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	if ((s = listen_lo()) == -1) {
		perror("bsrv: listen");
		return 1;
	}
	for (;;) {
		if ((c = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("bsrv: accept");
			return 1;
		}
		if (http) {
			serve_http(c, total);
			close(c);
		} else {
			got = serve_sink(c);
			close(c);
			printf("got %llu\n", got);
			fflush(stdout);
		}
	}
usage:
	fprintf(stderr, "usage: bsrv http BYTES | bsrv sink\n");
	return 2;
}
