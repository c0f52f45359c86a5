/*
 * The parent's control socket for slirpctl(8) (control.c).  The parent
 * loop calls control_fill() after its own slots and control_events()
 * with the same slice of the pollfd array after poll(2); control.c
 * frees its connections only inside control_fill(), so the session
 * hooks may run at any point in between.
 */
#ifndef SLIRPD_CONTROL_H
#define SLIRPD_CONTROL_H

#include <poll.h>
#include <stddef.h>

#define CONTROL_MAXCONN		8
#define CONTROL_NPFD		(1 + CONTROL_MAXCONN)
#define CONTROL_TIMEOUT		3000	/* ms an engine has to answer */
#define CONTROL_KILLWAIT	5000	/* ms to exit after "kill", or SIGKILL */

struct session;

/* 0, or -1 (logged) when there is no control socket; slirpd runs on. */
int	 control_init(const char *path);
void	 control_close(void);
/* Fill at most max (>= CONTROL_NPFD) slots; returns how many. */
size_t	 control_fill(struct pollfd *, size_t max);
void	 control_events(const struct pollfd *, size_t n);
/* The poll timeout in ms, lowered to control's next deadline. */
int	 control_timeout(int timeout);
/* An engine's IMSG_ENG_STATS; -1 when malformed (kill the engine). */
int	 control_engine_stats(struct session *, const void *, size_t);
/* The session is being freed: nobody waits for its engine any more. */
void	 control_session_gone(struct session *);

#endif
