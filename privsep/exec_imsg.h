/*
 * The channel between the parent and a session's exec helper (fd
 * ENGINE_CHANNEL_FD in the helper).  The helper runs as the session's
 * user; it starts programs the parent registered, by id only: nothing
 * it runs is named by the engine.
 *
 * parent -> exec: INIT (who to become), TARGET* (register), REQ.
 * exec -> parent: READY (dropped to the user), REPLY (fd or an error).
 */
#ifndef SLIRPD_EXEC_IMSG_H
#define SLIRPD_EXEC_IMSG_H

#include <limits.h>
#include <stdint.h>

#define EXEC_MAXTARGETS		64
#define EXEC_MAXARGV		1024

enum exec_imsg_type {
	IMSG_EXEC_INIT = 200,	/* struct exec_init */
	IMSG_EXEC_TARGET,	/* struct exec_target */
	IMSG_EXEC_READY,	/* no payload */
	IMSG_EXEC_REQ,		/* struct exec_req */
	IMSG_EXEC_REPLY,	/* struct exec_reply, fd = socketpair end */
};

struct exec_init {
	uint32_t	uid, gid;
	char		user[64];	/* NUL-terminated */
	char		home[PATH_MAX];
	char		shell[PATH_MAX];
};

struct exec_target {
	uint32_t	id;
	char		cmd[EXEC_MAXARGV];	/* NUL-terminated; split on blanks, run with execv, no shell */
};

struct exec_req {
	uint32_t	id;		/* request id, echoed */
	uint32_t	target;
};

struct exec_reply {
	uint32_t	id;
	int32_t		error;		/* 0 with an fd, else an errno */
};

#endif
