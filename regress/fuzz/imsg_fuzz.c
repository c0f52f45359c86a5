/*
 * libFuzzer harness for the imsg reader: the input is what a hostile
 * peer wrote on the socket before closing it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "imsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Feed the peer's bytes in; the socket buffer may not hold them all. */
static int
feed(int fd, const uint8_t **p, size_t *left)
{
	ssize_t n;

	while (*left > 0) {
		n = write(fd, *p, *left);
		if (n == -1)
			return -1;	/* EAGAIN: let the reader drain */
		*p += n;
		*left -= (size_t)n;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imsgbuf ib;	/* 32 KiB rbuf: keep it off the stack */
	struct imsg m;
	ssize_t n;
	int sv[2], wfd;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 0;
	wfd = sv[0];
	if (fcntl(wfd, F_SETFL, O_NONBLOCK) == -1)
		abort();
	imsg_init(&ib, sv[1]);
	for (;;) {
		if (wfd != -1 && feed(wfd, &data, &size) == 0) {
			close(wfd);
			wfd = -1;
		}
		if ((n = imsg_read(&ib)) <= 0)
			break;
		while ((n = imsg_get(&ib, &m)) > 0) {
			if ((size_t)n != imsg_get_len(&m) + IMSG_HEADER_SIZE)
				abort();
			if (m.fd != -1)
				close(m.fd);
			imsg_free(&m);
		}
		if (n == -1)
			break;
	}
	imsg_clear(&ib);
	if (wfd != -1)
		close(wfd);
	close(sv[1]);
	return 0;
}
