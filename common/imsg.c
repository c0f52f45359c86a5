/*
 * imsg: typed messages over a Unix stream socket between slirpd
 * processes.  See imsg.h for the wire format and the conventions.
 *
 * Written for slirpd from the header's contract and from sendmsg(2),
 * recvmsg(2), cmsg(3) and unix(7); no code is shared with OpenBSD.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/* Messages gathered into one sendmsg(); well below IOV_MAX. */
#define IMSG_WRITE_IOV		64
/*
 * Room for this many fds per recvmsg().  A well-behaved peer sends one
 * per message; the kernel discards (closes) fds that do not fit.
 */
#define IMSG_RECV_FDS		16

static void	 ibuf_free(struct ibuf *);
static void	 msgbuf_consume(struct msgbuf *, size_t);
static void	 imsg_take_fds(struct imsgbuf *, struct msghdr *);
static int	 imsg_pop_fd(struct imsgbuf *);

void
imsg_init(struct imsgbuf *ib, int fd)
{
	memset(ib, 0, sizeof(*ib));
	TAILQ_INIT(&ib->w.bufs);
	ib->w.fd = fd;
	ib->fd = fd;
	ib->pid = getpid();
	TAILQ_INIT(&ib->fds);
}

/* Queue the fds that came with a recvmsg(); close what we cannot hold. */
static void
imsg_take_fds(struct imsgbuf *ib, struct msghdr *msg)
{
	struct cmsghdr	*cm;
	struct imsg_fd	*ifd;
	size_t		 i, n;
	int		 fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			/* cmsg data need not be aligned for int: memcpy. */
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (fd < 0)
				continue;
			if (ib->nfds >= IMSG_MAXFDQUEUE ||
			    (ifd = malloc(sizeof(*ifd))) == NULL) {
				close(fd);
				continue;
			}
			ifd->fd = fd;
			TAILQ_INSERT_TAIL(&ib->fds, ifd, entry);
			ib->nfds++;
		}
	}
}

ssize_t
imsg_read(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(IMSG_RECV_FDS * sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	if (ib->rlen >= sizeof(ib->rbuf)) {
		/* The caller has not been taking messages out. */
		errno = ENOBUFS;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ib->rbuf + ib->rlen;
	iov.iov_len = sizeof(ib->rbuf) - ib->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(ib->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	imsg_take_fds(ib, &msg);
	ib->rlen += (size_t)n;
	return n;
}

static int
imsg_pop_fd(struct imsgbuf *ib)
{
	struct imsg_fd	*ifd;
	int		 fd;

	if ((ifd = TAILQ_FIRST(&ib->fds)) == NULL)
		return -1;
	TAILQ_REMOVE(&ib->fds, ifd, entry);
	ib->nfds--;
	fd = ifd->fd;
	free(ifd);
	return fd;
}

ssize_t
imsg_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 len, plen;
	void		*data = NULL;

	if (ib->rlen < IMSG_HEADER_SIZE)
		return 0;
	/* rbuf is a byte buffer: copy the header out, never cast it. */
	memcpy(&hdr, ib->rbuf, sizeof(hdr));
	len = hdr.len;
	if (len < IMSG_HEADER_SIZE || len > MAX_IMSGSIZE) {
		errno = EBADMSG;
		return -1;
	}
	if (ib->rlen < len)
		return 0;
	if ((hdr.flags & IMSGF_HASFD) && TAILQ_EMPTY(&ib->fds)) {
		errno = EBADMSG;
		return -1;
	}
	plen = len - IMSG_HEADER_SIZE;
	if (plen > 0) {
		if ((data = malloc(plen)) == NULL)
			return -1;
		memcpy(data, ib->rbuf + IMSG_HEADER_SIZE, plen);
	}
	imsg->hdr = hdr;
	imsg->data = data;
	imsg->fd = (hdr.flags & IMSGF_HASFD) ? imsg_pop_fd(ib) : -1;

	ib->rlen -= len;
	if (ib->rlen > 0)
		memmove(ib->rbuf, ib->rbuf + len, ib->rlen);
	return (ssize_t)len;
}

size_t
imsg_get_len(const struct imsg *imsg)
{
	if (imsg->hdr.len < IMSG_HEADER_SIZE)
		return 0;
	return imsg->hdr.len - IMSG_HEADER_SIZE;
}

void
imsg_free(struct imsg *imsg)
{
	/* The fd belongs to the caller (see imsg.h); only the copy goes. */
	free(imsg->data);
	imsg->data = NULL;
}

int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;
	size_t		 datalen = 0, total;
	int		 i;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL) {
			errno = EINVAL;
			return -1;
		}
		/* Checked one by one so the sum cannot wrap. */
		if (iov[i].iov_len > IMSG_MAXPAYLOAD ||
		    datalen + iov[i].iov_len > IMSG_MAXPAYLOAD) {
			errno = ERANGE;
			return -1;
		}
		datalen += iov[i].iov_len;
	}
	total = IMSG_HEADER_SIZE + datalen;
	if (ib->w.bytes + total > IMSG_MAXQUEUED) {
		errno = ENOBUFS;
		return -1;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	if ((b->buf = malloc(total)) == NULL) {
		free(b);
		return -1;
	}
	b->size = total;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint16_t)total;
	hdr.flags = fd >= 0 ? IMSGF_HASFD : 0;
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)(pid != 0 ? pid : ib->pid);
	memcpy(b->buf, &hdr, sizeof(hdr));
	b->wpos = IMSG_HEADER_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(b->buf + b->wpos, iov[i].iov_base, iov[i].iov_len);
		b->wpos += iov[i].iov_len;
	}
	/* Only now, on success, does the library take the fd over. */
	b->fd = fd >= 0 ? fd : -1;

	TAILQ_INSERT_TAIL(&ib->w.bufs, b, entry);
	ib->w.queued++;
	ib->w.bytes += total;
	return 1;
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	if (datalen > IMSG_MAXPAYLOAD) {
		errno = ERANGE;
		return -1;
	}
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return imsg_composev(ib, type, peerid, pid, fd, &iov,
	    datalen > 0 ? 1 : 0);
}

static void
ibuf_free(struct ibuf *b)
{
	if (b->fd != -1)
		close(b->fd);
	free(b->buf);
	free(b);
}

/* Account for n bytes the kernel took from the head of the queue. */
static void
msgbuf_consume(struct msgbuf *w, size_t n)
{
	struct ibuf	*b;
	size_t		 left, k;

	while (n > 0 && (b = TAILQ_FIRST(&w->bufs)) != NULL) {
		/* Whatever was sent, this message's first byte went with it. */
		if (b->fd != -1) {
			close(b->fd);
			b->fd = -1;
		}
		left = b->wpos - b->rpos;
		k = n < left ? n : left;
		b->rpos += k;
		w->bytes -= k;
		n -= k;
		if (b->rpos == b->wpos) {
			TAILQ_REMOVE(&w->bufs, b, entry);
			w->queued--;
			ibuf_free(b);
		}
	}
}

int
imsg_write(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct iovec	 iov[IMSG_WRITE_IOV];
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct ibuf	*b, *head;
	ssize_t		 n;
	int		 cnt;

	while ((head = TAILQ_FIRST(&ib->w.bufs)) != NULL) {
		memset(&msg, 0, sizeof(msg));
		cnt = 0;
		for (b = head; b != NULL; b = TAILQ_NEXT(b, entry)) {
			/* An fd must ride with its own message's first byte. */
			if (cnt > 0 && b->fd != -1)
				break;
			if (cnt == IMSG_WRITE_IOV)
				break;
			iov[cnt].iov_base = b->buf + b->rpos;
			iov[cnt].iov_len = b->wpos - b->rpos;
			cnt++;
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)cnt;
		if (head->fd != -1) {
			/* fd is cleared once its first byte went, so rpos 0. */
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &head->fd, sizeof(int));
		}
		/* MSG_NOSIGNAL: a gone peer is an error code, not SIGPIPE. */
		n = sendmsg(ib->w.fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			if (errno == EPIPE || errno == ECONNRESET)
				return 0;
			return -1;
		}
		msgbuf_consume(&ib->w, (size_t)n);
	}
	return 1;
}

int
imsg_flush(struct imsgbuf *ib)
{
	struct pollfd	 pfd;
	int		 r;

	while (ib->w.queued > 0) {
		if ((r = imsg_write(ib)) == -1)
			return -1;
		if (r == 0) {
			errno = EPIPE;
			return -1;
		}
		if (ib->w.queued == 0)
			break;
		pfd.fd = ib->w.fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

void
imsg_clear(struct imsgbuf *ib)
{
	struct ibuf	*b;
	int		 fd;

	while ((b = TAILQ_FIRST(&ib->w.bufs)) != NULL) {
		TAILQ_REMOVE(&ib->w.bufs, b, entry);
		ibuf_free(b);
	}
	ib->w.queued = 0;
	ib->w.bytes = 0;
	while ((fd = imsg_pop_fd(ib)) != -1)
		close(fd);
	ib->rlen = 0;
}

uint32_t
imsg_queued(const struct imsgbuf *ib)
{
	return ib->w.queued;
}

int
imsg_pending_write(const struct imsgbuf *ib)
{
	return ib->w.queued > 0;
}
