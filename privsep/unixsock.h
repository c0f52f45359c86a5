/* The parent's listening Unix sockets (the daemon and control sockets). */
#ifndef SLIRPD_UNIXSOCK_H
#define SLIRPD_UNIXSOCK_H

#include <sys/types.h>

struct unixsock {
	int	 fd;
	dev_t	 dev;		/* what we bound, so that we remove only it */
	ino_t	 ino;
	char	 path[108];
};

/*
 * Bind and listen on path with mode (set through umask from the first
 * moment), creating its directory (0755) if needed.  A live socket
 * another slirpd serves is never taken over; a stale one is replaced.
 * Returns 0, or -1 after logging why.
 */
int	 unixsock_listen(struct unixsock *, const char *path, mode_t mode,
	    int backlog);
/* Close, and unlink the path if it is still the socket we bound. */
void	 unixsock_close(struct unixsock *);

#endif
