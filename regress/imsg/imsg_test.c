/* imsg: framing, fd passing, partial I/O and malformed input. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

static void
mkpair(int sv[2], int nonblock)
{
	int type = SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0);

	ATF_REQUIRE(socketpair(AF_UNIX, type, 0, sv) == 0);
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* Read until one message is complete (blocking socket). */
static ssize_t
get_one(struct imsgbuf *ib, struct imsg *m)
{
	ssize_t n;

	for (;;) {
		if ((n = imsg_get(ib, m)) != 0)
			return n;
		n = imsg_read(ib);
		if (n <= 0)
			return n == 0 ? -2 : -1;
	}
}

static int
is_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

ATF_TC_WITHOUT_HEAD(round_trip_sizes);
ATF_TC_BODY(round_trip_sizes, tc)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 4095, 4096,
	    IMSG_MAXPAYLOAD };
	struct imsgbuf a, b;
	struct imsg m;
	uint8_t *out, *big;
	size_t i;
	int sv[2];

	mkpair(sv, 0);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	out = malloc(MAX_IMSGSIZE);
	big = calloc(1, MAX_IMSGSIZE);
	ATF_REQUIRE(out != NULL && big != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(out, sizes[i], (unsigned)i);
		ATF_REQUIRE_EQ(imsg_compose(&a, 100 + (uint32_t)i, 7 * i, 0,
		    -1, out, sizes[i]), 1);
		ATF_REQUIRE_EQ(imsg_flush(&a), 0);
		ATF_REQUIRE_EQ(get_one(&b, &m), (ssize_t)(sizes[i] + 16));
		ATF_CHECK_EQ(m.hdr.type, 100 + i);
		ATF_CHECK_EQ(m.hdr.peerid, 7 * i);
		ATF_CHECK_EQ(m.hdr.pid, (uint32_t)getpid());
		ATF_CHECK_EQ(m.hdr.flags, 0);
		ATF_CHECK_EQ(m.fd, -1);
		ATF_CHECK_EQ(imsg_get_len(&m), sizes[i]);
		if (sizes[i] > 0)
			ATF_CHECK(memcmp(m.data, out, sizes[i]) == 0);
		imsg_free(&m);
	}
	/* Over the maximum payload: refused, nothing queued. */
	errno = 0;
	ATF_CHECK_EQ(imsg_compose(&a, 1, 0, 0, -1, big, IMSG_MAXPAYLOAD + 1),
	    -1);
	ATF_CHECK_EQ(errno, ERANGE);
	{
		struct iovec iov[2] = { { big, IMSG_MAXPAYLOAD }, { big, 1 } };

		errno = 0;
		ATF_CHECK_EQ(imsg_composev(&a, 1, 0, 0, -1, iov, 2), -1);
		ATF_CHECK_EQ(errno, ERANGE);
	}
	ATF_CHECK_EQ(imsg_queued(&a), 0);
	free(out);
	free(big);
	imsg_clear(&a);
	imsg_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(composev_gathers);
ATF_TC_BODY(composev_gathers, tc)
{
	struct imsgbuf a, b;
	struct imsg m;
	struct iovec iov[3];
	int sv[2];

	mkpair(sv, 0);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	iov[0].iov_base = (void *)"abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = (void *)"defg";
	iov[2].iov_len = 4;
	ATF_REQUIRE_EQ(imsg_composev(&a, 9, 1, 4242, -1, iov, 3), 1);
	ATF_REQUIRE_EQ(imsg_flush(&a), 0);
	ATF_REQUIRE_EQ(get_one(&b, &m), 23);
	ATF_CHECK_EQ(m.hdr.pid, 4242);
	ATF_CHECK(memcmp(m.data, "abcdefg", 7) == 0);
	imsg_free(&m);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(fd_passing);
ATF_TC_BODY(fd_passing, tc)
{
	struct imsgbuf a, b;
	struct imsg m;
	struct stat s1, s2;
	char tmpl[] = "imsgfd.XXXXXX";
	int sv[2], p[2], tfd, pr, i;
	char c;

	mkpair(sv, 0);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE((tfd = mkstemp(tmpl)) != -1);
	unlink(tmpl);
	ATF_REQUIRE(fstat(p[1], &s1) == 0);
	pr = p[1];
	/* Plain message, pipe fd, plain, file fd: each fd with its own. */
	ATF_REQUIRE_EQ(imsg_compose(&a, 1, 0, 0, -1, "x", 1), 1);
	ATF_REQUIRE_EQ(imsg_compose(&a, 2, 0, 0, p[1], "pipe", 4), 1);
	ATF_REQUIRE_EQ(imsg_compose(&a, 3, 0, 0, -1, NULL, 0), 1);
	ATF_REQUIRE_EQ(imsg_compose(&a, 4, 0, 0, tfd, NULL, 0), 1);
	ATF_REQUIRE(fstat(tfd, &s2) == 0);
	ATF_REQUIRE_EQ(imsg_flush(&a), 0);
	/* The library closed the sender's copies once written. */
	ATF_CHECK(is_closed(pr));
	ATF_CHECK(is_closed(tfd));

	for (i = 1; i <= 4; i++) {
		struct stat st;

		ATF_REQUIRE(get_one(&b, &m) > 0);
		ATF_CHECK_EQ(m.hdr.type, (uint32_t)i);
		if (i == 2 || i == 4) {
			ATF_CHECK(m.hdr.flags & IMSGF_HASFD);
			ATF_REQUIRE(m.fd >= 0);
			ATF_REQUIRE(fstat(m.fd, &st) == 0);
			ATF_CHECK_EQ(st.st_dev, i == 2 ? s1.st_dev : s2.st_dev);
			ATF_CHECK_EQ(st.st_ino, i == 2 ? s1.st_ino : s2.st_ino);
			/* Received with MSG_CMSG_CLOEXEC. */
			ATF_CHECK(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
			if (i == 2) {
				ATF_REQUIRE(write(m.fd, "z", 1) == 1);
				ATF_REQUIRE(read(p[0], &c, 1) == 1);
				ATF_CHECK_EQ(c, 'z');
			}
			close(m.fd);
		} else
			ATF_CHECK_EQ(m.fd, -1);
		imsg_free(&m);
	}
	ATF_CHECK_EQ(b.nfds, 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static int
count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* Send one raw byte with an fd attached, as a hostile peer could. */
static void
send_raw_fd(int sock, int fd)
{
	union {
		struct cmsghdr hdr;
		uint8_t buf[CMSG_SPACE(sizeof(int))];
	} cb;
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	char c = 0;

	memset(&msg, 0, sizeof(msg));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cb.buf;
	msg.msg_controllen = sizeof(cb.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ATF_REQUIRE(sendmsg(sock, &msg, 0) == 1);
}

ATF_TC_WITHOUT_HEAD(fd_queue_bounded);
ATF_TC_BODY(fd_queue_bounded, tc)
{
	struct imsgbuf b;
	int sv[2], p[2], before, i;
	ssize_t n, total = 0;

	mkpair(sv, 1);
	imsg_init(&b, sv[1]);
	ATF_REQUIRE(pipe(p) == 0);
	before = count_fds();
	/* Twice the queue's worth of unclaimed fds. */
	for (i = 0; i < 2 * IMSG_MAXFDQUEUE; i++)
		send_raw_fd(sv[0], p[0]);
	while ((n = imsg_read(&b)) > 0)
		total += n;
	ATF_REQUIRE_EQ(errno, EAGAIN);
	ATF_CHECK_EQ(total, 2 * IMSG_MAXFDQUEUE);
	ATF_CHECK_EQ(b.nfds, IMSG_MAXFDQUEUE);
	/* The extras were closed, not leaked. */
	ATF_CHECK_EQ(count_fds(), before + IMSG_MAXFDQUEUE);
	/* imsg_clear closes the ones held. */
	imsg_clear(&b);
	ATF_CHECK_EQ(b.nfds, 0);
	ATF_CHECK_EQ(count_fds(), before);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(partial_writes);
ATF_TC_BODY(partial_writes, tc)
{
	enum { N = 400 };
	struct imsgbuf a, b;
	struct imsg m;
	uint8_t *out;
	size_t len;
	int sv[2], sz = 4096, i, got = 0, fdsent = 0, rounds = 0;
	int p[2];

	mkpair(sv, 1);
	ATF_REQUIRE(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)) == 0);
	ATF_REQUIRE(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz,
	    sizeof(sz)) == 0);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	out = malloc(MAX_IMSGSIZE);
	ATF_REQUIRE(out != NULL);
	for (i = 0; i < N; i++) {
		len = (size_t)(i * 997) % (IMSG_MAXPAYLOAD + 1);
		fill(out, len, (unsigned)i);
		p[1] = -1;
		if (i % 50 == 0) {
			ATF_REQUIRE(pipe(p) == 0);
			close(p[0]);
			fdsent++;
		}
		ATF_REQUIRE_EQ(imsg_compose(&a, (uint32_t)i, 0, 0, p[1],
		    out, len), 1);
	}
	while (got < N) {
		ATF_REQUIRE(rounds++ < 1000000);
		ATF_REQUIRE_EQ(imsg_write(&a), 1);
		if (imsg_read(&b) == -1) {
			ATF_REQUIRE_EQ(errno, EAGAIN);
			continue;
		}
		while (got < N) {
			ssize_t n = imsg_get(&b, &m);

			ATF_REQUIRE(n >= 0);
			if (n == 0)
				break;
			len = (size_t)(got * 997) % (IMSG_MAXPAYLOAD + 1);
			fill(out, len, (unsigned)got);
			ATF_REQUIRE_EQ(m.hdr.type, (uint32_t)got);
			ATF_REQUIRE_EQ(imsg_get_len(&m), len);
			if (len > 0)
				ATF_REQUIRE(memcmp(m.data, out, len) == 0);
			if (got % 50 == 0) {
				ATF_REQUIRE(m.fd >= 0);
				close(m.fd);
			} else
				ATF_REQUIRE_EQ(m.fd, -1);
			imsg_free(&m);
			got++;
		}
	}
	ATF_CHECK_EQ(imsg_queued(&a), 0);
	ATF_CHECK_EQ(a.w.bytes, 0);
	ATF_CHECK(rounds > 10);	/* it really was split up */
	free(out);
	close(sv[0]);
	close(sv[1]);
}

static void
put_hdr(uint8_t *p, uint32_t type, uint16_t len, uint16_t flags)
{
	struct imsg_hdr h = { type, len, flags, 5, 6 };

	memcpy(p, &h, sizeof(h));
}

ATF_TC_WITHOUT_HEAD(partial_reads);
ATF_TC_BODY(partial_reads, tc)
{
	struct imsgbuf b;
	struct imsg m;
	uint8_t raw[16 + 40];
	size_t i;
	int sv[2];

	mkpair(sv, 0);
	imsg_init(&b, sv[1]);
	put_hdr(raw, 77, sizeof(raw), 0);
	fill(raw + 16, 40, 3);
	for (i = 0; i < sizeof(raw); i++) {
		ATF_REQUIRE_EQ(imsg_get(&b, &m), 0);
		ATF_REQUIRE(write(sv[0], raw + i, 1) == 1);
		ATF_REQUIRE_EQ(imsg_read(&b), 1);
	}
	ATF_REQUIRE_EQ(imsg_get(&b, &m), (ssize_t)sizeof(raw));
	ATF_CHECK_EQ(m.hdr.type, 77);
	ATF_CHECK_EQ(m.hdr.peerid, 5);
	ATF_CHECK_EQ(m.hdr.pid, 6);
	ATF_CHECK(memcmp(m.data, raw + 16, 40) == 0);
	imsg_free(&m);
	ATF_CHECK_EQ(imsg_get(&b, &m), 0);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(several_in_one_read);
ATF_TC_BODY(several_in_one_read, tc)
{
	struct imsgbuf b;
	struct imsg m;
	uint8_t raw[16 + 16 + 3 + 16 + 10];
	int sv[2];

	mkpair(sv, 0);
	imsg_init(&b, sv[1]);
	put_hdr(raw, 1, 16, 0);
	put_hdr(raw + 16, 2, 19, 0);
	memcpy(raw + 32, "abc", 3);
	put_hdr(raw + 35, 3, 26, 0);	/* 16 of its 26 bytes sent */
	ATF_REQUIRE(write(sv[0], raw, 51) == 51);
	ATF_REQUIRE_EQ(imsg_read(&b), 51);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 16);
	ATF_CHECK_EQ(m.hdr.type, 1);
	ATF_CHECK(m.data == NULL);
	imsg_free(&m);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 19);
	ATF_CHECK_EQ(m.hdr.type, 2);
	ATF_CHECK(memcmp(m.data, "abc", 3) == 0);
	imsg_free(&m);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 0);
	memcpy(raw + 51, "0123456789", 10);
	ATF_REQUIRE(write(sv[0], raw + 51, 10) == 10);
	ATF_REQUIRE_EQ(imsg_read(&b), 10);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 26);
	ATF_CHECK_EQ(m.hdr.type, 3);
	ATF_CHECK(memcmp(m.data, "0123456789", 10) == 0);
	imsg_free(&m);
	close(sv[0]);
	close(sv[1]);
}

/* Send raw bytes, read them, and expect imsg_get to fail EBADMSG. */
static void
expect_bad(const uint8_t *raw, size_t len)
{
	struct imsgbuf b;
	struct imsg m;
	int sv[2];

	mkpair(sv, 0);
	imsg_init(&b, sv[1]);
	ATF_REQUIRE(write(sv[0], raw, len) == (ssize_t)len);
	ATF_REQUIRE_EQ(imsg_read(&b), (ssize_t)len);
	errno = 0;
	ATF_CHECK_EQ(imsg_get(&b, &m), -1);
	ATF_CHECK_EQ(errno, EBADMSG);
	imsg_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(reject_bad_headers);
ATF_TC_BODY(reject_bad_headers, tc)
{
	uint8_t raw[64];
	size_t i;

	memset(raw, 0, sizeof(raw));
	put_hdr(raw, 1, 8, 0);
	expect_bad(raw, 16);
	put_hdr(raw, 1, 20000, 0);
	expect_bad(raw, 16);
	put_hdr(raw, 1, 0, 0);
	expect_bad(raw, 16);
	put_hdr(raw, 1, 15, 0);
	expect_bad(raw, 16);
	/* Garbage: 0xff everywhere, len 65535. */
	memset(raw, 0xff, sizeof(raw));
	expect_bad(raw, sizeof(raw));
	/* HASFD with no fd having come. */
	memset(raw, 0, sizeof(raw));
	put_hdr(raw, 1, 20, IMSGF_HASFD);
	expect_bad(raw, 20);
	/* Pseudo-random garbage with a bad length in front. */
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 151 + 89);
	put_hdr(raw, 0xdeadbeef, MAX_IMSGSIZE + 1, 0x5a5a);
	expect_bad(raw, sizeof(raw));
}

ATF_TC_WITHOUT_HEAD(queue_accounting);
ATF_TC_BODY(queue_accounting, tc)
{
	struct imsgbuf a, b;
	struct imsg m;
	int sv[2];

	mkpair(sv, 1);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	ATF_CHECK_EQ(imsg_queued(&a), 0);
	ATF_CHECK_EQ(imsg_pending_write(&a), 0);
	ATF_CHECK_EQ(imsg_write(&a), 1);	/* nothing queued is fine */
	ATF_REQUIRE_EQ(imsg_compose(&a, 1, 0, 0, -1, "hello", 5), 1);
	ATF_CHECK_EQ(imsg_queued(&a), 1);
	ATF_CHECK_EQ(a.w.bytes, 21);
	ATF_REQUIRE_EQ(imsg_compose(&a, 2, 0, 0, -1, NULL, 0), 1);
	ATF_CHECK_EQ(imsg_queued(&a), 2);
	ATF_CHECK_EQ(a.w.bytes, 37);
	ATF_CHECK_EQ(imsg_pending_write(&a), 1);
	ATF_REQUIRE_EQ(imsg_write(&a), 1);
	ATF_CHECK_EQ(imsg_queued(&a), 0);
	ATF_CHECK_EQ(a.w.bytes, 0);
	ATF_CHECK_EQ(imsg_pending_write(&a), 0);
	ATF_REQUIRE_EQ(imsg_read(&b), 37);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 21);
	imsg_free(&m);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 16);
	imsg_free(&m);
	/* imsg_clear drops the queue and closes its fds. */
	{
		int p[2];

		ATF_REQUIRE(pipe(p) == 0);
		ATF_REQUIRE_EQ(imsg_compose(&a, 3, 0, 0, p[0], NULL, 0), 1);
		imsg_clear(&a);
		ATF_CHECK_EQ(imsg_queued(&a), 0);
		ATF_CHECK_EQ(a.w.bytes, 0);
		ATF_CHECK(is_closed(p[0]));
		close(p[1]);
	}
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(enobufs);
ATF_TC_BODY(enobufs, tc)
{
	struct imsgbuf a;
	uint8_t *big;
	size_t n = 0;
	int sv[2], p[2];

	mkpair(sv, 1);
	imsg_init(&a, sv[0]);
	big = calloc(1, IMSG_MAXPAYLOAD);
	ATF_REQUIRE(big != NULL);
	while (imsg_compose(&a, 1, 0, 0, -1, big, IMSG_MAXPAYLOAD) == 1)
		ATF_REQUIRE(++n <= IMSG_MAXQUEUED / MAX_IMSGSIZE);
	ATF_CHECK_EQ(errno, ENOBUFS);
	ATF_CHECK_EQ(n, IMSG_MAXQUEUED / MAX_IMSGSIZE);
	ATF_CHECK(a.w.bytes <= IMSG_MAXQUEUED);
	/* A failed compose leaves the fd with the caller. */
	ATF_REQUIRE(pipe(p) == 0);
	ATF_CHECK_EQ(imsg_compose(&a, 1, 0, 0, p[0], big, IMSG_MAXPAYLOAD),
	    -1);
	ATF_CHECK(!is_closed(p[0]));
	close(p[0]);
	close(p[1]);
	imsg_clear(&a);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(eof);
ATF_TC_BODY(eof, tc)
{
	struct imsgbuf a, b;
	struct imsg m;
	int sv[2];

	mkpair(sv, 0);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	ATF_REQUIRE_EQ(imsg_compose(&a, 1, 0, 0, -1, "x", 1), 1);
	ATF_REQUIRE_EQ(imsg_flush(&a), 0);
	close(sv[0]);
	ATF_REQUIRE_EQ(imsg_read(&b), 17);
	ATF_REQUIRE_EQ(imsg_read(&b), 0);
	ATF_REQUIRE_EQ(imsg_get(&b, &m), 17);
	imsg_free(&m);
	/* Writing to the closed peer: 0 from imsg_write, no SIGPIPE. */
	ATF_REQUIRE_EQ(imsg_compose(&b, 1, 0, 0, -1, "y", 1), 1);
	ATF_CHECK_EQ(imsg_write(&b), 0);
	imsg_clear(&b);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip_sizes);
	ATF_TP_ADD_TC(tp, composev_gathers);
	ATF_TP_ADD_TC(tp, fd_passing);
	ATF_TP_ADD_TC(tp, fd_queue_bounded);
	ATF_TP_ADD_TC(tp, partial_writes);
	ATF_TP_ADD_TC(tp, partial_reads);
	ATF_TP_ADD_TC(tp, several_in_one_read);
	ATF_TP_ADD_TC(tp, reject_bad_headers);
	ATF_TP_ADD_TC(tp, queue_accounting);
	ATF_TP_ADD_TC(tp, enobufs);
	ATF_TP_ADD_TC(tp, eof);
	return atf_no_error();
}
