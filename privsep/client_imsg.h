/*
 * The channel between slirp(1) and the parent, over the daemon socket
 * (conf socket_path).  The parent learns the user from SO_PEERCRED,
 * never from the message.
 *
 * client -> parent: HELLO (fd: the tty), ARG* (in order: ~/.slirprc
 *   lines, ~/.slirprc-N lines, then the command-line arguments), GO.
 * parent -> client: BANNER* (text to print), then either ERROR (text;
 *   the client prints it and exits 1) or, later, ENDED (the session is
 *   over; the client restores the tty and exits 0).
 */
#ifndef SLIRPD_CLIENT_IMSG_H
#define SLIRPD_CLIENT_IMSG_H

#include <stdint.h>

#define CLIENT_PROTO_VERSION	1
#define CLIENT_MAXARG		1024	/* bytes of one ARG, NUL included */
#define CLIENT_MAXARGS		256

enum client_imsg_type {
	IMSG_CLIENT_HELLO = 1,	/* struct client_hello, fd = tty */
	IMSG_CLIENT_ARG,	/* NUL-terminated string, <= CLIENT_MAXARG */
	IMSG_CLIENT_GO,		/* no payload */
	IMSG_CLIENT_BANNER,	/* NUL-terminated text */
	IMSG_CLIENT_ERROR,	/* NUL-terminated text */
	IMSG_CLIENT_ENDED,	/* struct client_ended */
};

struct client_hello {
	uint32_t	version;	/* CLIENT_PROTO_VERSION */
	int32_t		unit;		/* -1: new session; N: slirp -l N */
	uint32_t	flags;
#define CLIENT_F_PPP	0x01		/* -P */
};

struct client_ended {
	uint32_t	reason;
#define ENDED_NORMAL	0		/* five zeros, or the client's signal */
#define ENDED_HANGUP	1		/* the line went away */
#define ENDED_FAILED	2		/* the engine died */
};

#endif
