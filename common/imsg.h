/*
 * imsg: typed messages over a Unix socket between slirpd processes.
 * Written for slirpd; the wire format and the calling conventions follow
 * OpenBSD's imsg_init(3) so that the code reads as OpenBSD programmers
 * expect, but no code is shared with it.
 *
 * Wire format: a 16-byte header in host byte order, then the payload.
 *	uint32_t type;		message type (enum imsg_type of the channel)
 *	uint16_t len;		header + payload, IMSG_HEADER_SIZE..MAX_IMSGSIZE
 *	uint16_t flags;		IMSGF_HASFD when an fd travels with it
 *	uint32_t peerid;	free for the caller (session id, request id)
 *	uint32_t pid;		sender's pid
 * At most one descriptor per message, passed with SCM_RIGHTS on the
 * sendmsg() that carries the first byte of the message.
 */
#ifndef SLIRPD_IMSG_H
#define SLIRPD_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#define IMSG_HEADER_SIZE	16
#define MAX_IMSGSIZE		16384
#define IMSG_MAXPAYLOAD		(MAX_IMSGSIZE - IMSG_HEADER_SIZE)
#define IMSGF_HASFD		0x0001
/* Received fds waiting for their message; beyond this the peer is broken. */
#define IMSG_MAXFDQUEUE		64
/* Bytes queued for writing before imsg_compose() refuses (ENOBUFS). */
#define IMSG_MAXQUEUED		(4 * 1024 * 1024)

struct imsg_hdr {
	uint32_t	type;
	uint16_t	len;
	uint16_t	flags;
	uint32_t	peerid;
	uint32_t	pid;
};

/* One outgoing message, queued until written. */
struct ibuf {
	TAILQ_ENTRY(ibuf) entry;
	uint8_t		*buf;
	size_t		 size;		/* allocated */
	size_t		 wpos;		/* bytes filled */
	size_t		 rpos;		/* bytes already written */
	int		 fd;		/* to pass with the first byte, or -1 */
};

struct msgbuf {
	TAILQ_HEAD(ibuf_queue, ibuf) bufs;
	uint32_t	 queued;	/* messages queued */
	size_t		 bytes;		/* bytes queued, not yet written */
	int		 fd;
};

struct imsg_fd {
	TAILQ_ENTRY(imsg_fd) entry;
	int		 fd;
};

struct imsgbuf {
	struct msgbuf	 w;
	int		 fd;
	pid_t		 pid;
	uint8_t		 rbuf[2 * MAX_IMSGSIZE];
	size_t		 rlen;			/* valid bytes in rbuf */
	TAILQ_HEAD(imsg_fd_queue, imsg_fd) fds;		/* received, not yet claimed */
	unsigned int	 nfds;
};

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;		/* -1 if none; the caller owns it */
	void		*data;		/* payload copy, hdr.len - 16 bytes */
};

void	 imsg_init(struct imsgbuf *, int fd);
/*
 * Read what the socket has.  Returns bytes read, 0 on EOF, -1 on error
 * (errno EAGAIN when nothing was there on a non-blocking socket).
 */
ssize_t	 imsg_read(struct imsgbuf *);
/*
 * Take the next complete message.  Returns its total length, 0 when no
 * complete message is buffered, -1 on a malformed header (len below 16
 * or above MAX_IMSGSIZE; errno EBADMSG) or an fd flag with no fd (errno
 * EBADMSG).  The caller must imsg_free() a message it got.
 */
ssize_t	 imsg_get(struct imsgbuf *, struct imsg *);
/* Payload length of a message got with imsg_get(). */
size_t	 imsg_get_len(const struct imsg *);
/* Frees the payload copy only: imsg.fd stays the caller's to close. */
void	 imsg_free(struct imsg *);
/*
 * Queue a message.  fd (or -1) is passed and then closed by the library
 * once written.  Returns 1 on success, -1 on error (errno ERANGE when
 * the payload is too large, ENOBUFS when the queue is full); on error the
 * fd stays the caller's.  pid 0 means the imsgbuf's own pid.
 */
int	 imsg_compose(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const void *data, size_t datalen);
struct iovec;
int	 imsg_composev(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const struct iovec *iov, int iovcnt);
/*
 * Write what is queued.  Returns 1 when progress was made or nothing
 * was queued, 0 when the peer closed, -1 on error (EAGAIN is not an
 * error: it returns 1 with data still queued).
 */
int	 imsg_write(struct imsgbuf *);
/*
 * Write everything, polling as needed (for setup and tests).  Returns 0
 * when the queue is empty, -1 on error (errno EPIPE when the peer closed).
 */
int	 imsg_flush(struct imsgbuf *);
/* Drop everything queued and close any fds held. */
void	 imsg_clear(struct imsgbuf *);
uint32_t imsg_queued(const struct imsgbuf *);
int	 imsg_pending_write(const struct imsgbuf *);

#endif
