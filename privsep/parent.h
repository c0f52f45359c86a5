/*
 * The privileged parent: its processes, sessions and clients.
 * parent.c runs the event loop and signals, proc.c spawns and reaps
 * children, listener.c serves slirp(1) clients, session.c ties a client
 * to its engine and exec helper, broker.c creates sockets for engines.
 */
#ifndef SLIRPD_PARENT_H
#define SLIRPD_PARENT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stdint.h>

#include "imsg.h"
#include "config.h"
#include "unixsock.h"
#include "slirpcmd.h"

#define PARENT_MAXCLIENTS	256
#define CLIENT_MAXPENDING	4	/* per uid, before GO */
#define CLIENT_TIMEOUT		30	/* seconds from connect to GO */
#define CLIENT_LINGER		5	/* seconds for a closing client to read */
#define SESSION_MAXPERUSER	16
#define SESSION_MAXEXEC		16	/* exec requests in flight */
/*
 * Replies (most with an fd) queued for a child that is not reading:
 * beyond this its requests are refused, so a stuck or hostile engine
 * cannot make the parent hold descriptors without bound.
 */
#define CHILD_MAXQUEUED		64
/* Policy denials logged per session, then a summary per interval. */
#define BROKER_DENY_LOGGED	10
#define BROKER_DENY_INTERVAL	60000	/* ms */
/* A child's stderr (daemon mode): bytes logged per second at most. */
#define CHILD_ERR_BPS		4096
#define PROC_ENGINE		1
#define PROC_EXEC		2
#define PROC_AUTH		3	/* one PAM check (authh.c) */

struct session;

struct child {
	LIST_ENTRY(child) entry;
	pid_t		 pid;
	int		 role;		/* PROC_* */
	struct imsgbuf	 ibuf;
	int		 chan;		/* channel fd, -1 once closed */
	struct session	*sess;		/* NULL once detached */
	int		 killed;	/* SIGKILL sent: do not talk to it */
	int		 errfd;		/* its stderr, daemon mode; else -1 */
	char		 errbuf[512];	/* a partial line */
	size_t		 errlen;
	uint64_t	 errsec;	/* the second errbytes counts */
	size_t		 errbytes;	/* logged in that second */
	unsigned int	 errdropped;	/* lines suppressed, not yet noted */
	int		 ready;		/* READY seen */
};
LIST_HEAD(child_head, child);

struct client {
	TAILQ_ENTRY(client) entry;
	int		 fd;
	struct imsgbuf	 ibuf;
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	char		 user[64];
	char		 tty[64];	/* "pts/3" */
	uint64_t	 deadline;	/* ms (monotonic): GO, or gone if dead */
	int		 ttyfd;		/* ours, opened at HELLO, for the engine */
	int		 hello;
	unsigned int	 nargs;
	struct session_opts opts;
	struct session	*sess;
	int		 dead;		/* close once the queue is written */
#ifdef SLIRPD_TESTING
	uint32_t	 test_syscall;
	int		 test_malformed;
	int		 test_exec;	/* target id + 1, 0 = none */
	int		 test_stall;
	int		 test_flood;
	int		 test_sock;
	in_addr_t	 test_addr;
	in_port_t	 test_port;
#endif
};
TAILQ_HEAD(client_head, client);

struct session {
	TAILQ_ENTRY(session) entry;
	uint32_t	 id;
	uint64_t	 started;	/* parent_now() at start (slirpctl) */
	char		 user[64];
	uid_t		 uid;
	gid_t		 gid;
	char		 tty[64];
	struct client	*client;
	struct child	*engine;
	struct child	*exec;
	struct child	*auth;		/* a PAP check running, or NULL */
	uint32_t	 auth_unit, auth_seq;	/* its request; seq 0: none */
	char		 auth_name[256];
	uint64_t	 auth_deadline;	/* ms: kill the helper then */
	char		 authname[64];	/* our CHAP Name: the host name */
	uint32_t	 reason;	/* ENDED_* for the client */
	int		 ended;		/* engine said ENDED */
	struct session_opts opts;
	uint32_t	 exec_pending[SESSION_MAXEXEC]; /* request ids */
	unsigned int	 nexec_pending;
	unsigned int	 denials_logged;	/* one by one, up to the limit */
	unsigned int	 denials_suppressed;	/* since the last summary */
	uint64_t	 denials_next;		/* ms: next summary due */
#ifdef SLIRPD_TESTING
	uint32_t	 test_syscall;
	int		 test_malformed;
	int		 test_exec;
	int		 test_stall;
	int		 test_flood;
	int		 test_sock;
	in_addr_t	 test_addr;
	in_port_t	 test_port;
#endif
};
TAILQ_HEAD(session_head, session);

struct parent_env {
	struct slirpd_conf *conf;
	const char	*conffile;
	int		 debug, verbose;
	struct unixsock	 listen;	/* slirp(1) connects here */
	struct child_head children;
	struct client_head clients;
	struct session_head sessions;
	unsigned int	 nclients;
	uint32_t	 next_sessid;
};

extern struct parent_env *penv;

/* parent.c */
int	 parent_main(struct slirpd_conf *, const char *conffile, int debug,
	    int verbose);
int	 parent_conf_usable(const struct slirpd_conf *);


/* proc.c */
struct child *proc_spawn(int role, struct session *);
void	 proc_kill(struct child *, const char *why);
void	 proc_stop(struct child *);
void	 proc_close_channel(struct child *);
void	 proc_reap(void);
void	 proc_stderr(struct child *);
void	 proc_terminate_all(void);
const char *proc_role(int);
int	 proc_child_main(const char *role, int debug, int verbose);

/* parent.c */
uint64_t parent_now(void);
int	 parent_reload(void);	/* SIGHUP, slirpctl reload; -1: kept old */

/* listener.c */
int	 client_timeouts(void);
int	 listener_open(const char *path);
void	 listener_close(void);
void	 listener_accept(void);
void	 client_dispatch(struct client *);
void	 client_write(struct client *);
void	 client_free(struct client *);
void	 client_dead(struct client *);
void	 client_send_text(struct client *, uint32_t type, const char *);

/* session.c */
struct session *session_start(struct client *);
int	 session_count(uid_t);
void	 session_dispatch(struct child *);
void	 session_child_gone(struct child *, int status);
void	 session_client_gone(struct session *);
void	 session_stop(struct session *);

/* broker.c */
int	 broker_request(struct session *, struct child *, const void *,
	    size_t);
int	 broker_socket(int proto, in_addr_t addr, in_port_t port);
int	 broker_log_denial(struct session *);
void	 broker_denials_summary(struct session *);

/* exech.c */
int	 exech_main(int debug, int verbose);

#endif
