/*
 * The channel between slirpctl(8) and the parent, over the control
 * socket (conf ctl_socket_path, mode 0600).  The parent serves only
 * uid 0 (SO_PEERCRED).  Every payload has a fixed size or is NUL-
 * terminated text, and each side checks it exactly; a malformed message
 * drops that control client, never the parent.
 *
 * slirpctl -> parent, one request at a time:
 *   SHOW_SESSIONS	no payload		SESSION*, END
 *   SHOW_STATS		struct ctl_id (0: all)	STATS*, END or ERROR
 *   KILL		struct ctl_id		OK or ERROR
 *   RELOAD		no payload		OK or ERROR
 * parent -> slirpctl: SESSION, STATS (struct engine_stats, the engine's
 *   answer relayed as it came), END, OK (text), ERROR (text).
 */
#ifndef SLIRPD_CTL_IMSG_H
#define SLIRPD_CTL_IMSG_H

#include <stdint.h>

#include "engine_imsg.h"

#define CTL_NAMELEN	64
#define CTL_MAXTEXT	1024	/* OK and ERROR, NUL included */

enum ctl_imsg_type {
	IMSG_CTL_SHOW_SESSIONS = 300,	/* no payload */
	IMSG_CTL_SHOW_STATS,		/* struct ctl_id */
	IMSG_CTL_KILL,			/* struct ctl_id */
	IMSG_CTL_RELOAD,		/* no payload */
	IMSG_CTL_SESSION,		/* struct ctl_session */
	IMSG_CTL_STATS,			/* struct engine_stats */
	IMSG_CTL_END,			/* no payload */
	IMSG_CTL_OK,			/* NUL-terminated text */
	IMSG_CTL_ERROR,			/* NUL-terminated text */
};

struct ctl_id {
	uint32_t	id;		/* session id; 0 = every session */
};

struct ctl_session {
	uint32_t	id;
	int32_t		pid;		/* engine pid, 0 when none */
	uint32_t	uid;
	uint32_t	guest_addr;	/* network order */
	uint32_t	nunits;
	uint32_t	flags;
#define CTL_SF_STATS	0x01		/* the engine answered: bytes valid */
#define CTL_SF_ENDING	0x02		/* told to exit, or its engine gone */
	uint64_t	age_ms;
	uint64_t	bytes_in;	/* line bytes read, all units */
	uint64_t	bytes_out;	/* line bytes written, all units */
	char		user[CTL_NAMELEN];
	char		tty[CTL_NAMELEN];
};

#endif
