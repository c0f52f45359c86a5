/*
 * The channel between the parent and one engine (fd ENGINE_CHANNEL_FD
 * in the engine).  Every payload has a fixed size; dispatchers on both
 * sides check it exactly before copying.
 *
 * parent -> engine: CONFIG, UNIT* (fd: a line), START (sandbox and run),
 *   SOCK_REPLY (fd: the socket, or none with an error), EXEC_REPLY,
 *   EXIT (end the session now), TEST_* (SLIRPD_TESTING builds only).
 * engine -> parent: READY (sandboxed), SOCK_REQ, EXEC_REQ, ENDED (the
 *   reason, just before exit(0)), TEST_RESULT (testing builds),
 *   AUTH_REQ (what a PPP peer sent, for the parent to verify; the
 *   verdict comes back in AUTH_REPLY).
 */
#ifndef SLIRPD_ENGINE_IMSG_H
#define SLIRPD_ENGINE_IMSG_H

#include <limits.h>
#include <stdint.h>

#include "ppp_auth.h"
#include "ppp_opts.h"
#include "stack.h"
#include "unit.h"

#define ENGINE_CHANNEL_FD	3	/* where a child finds its channel */
#define ENGINE_MAXUNITS		8
#define ENGINE_NAMELEN		64

enum engine_imsg_type {
	IMSG_ENG_CONFIG = 100,	/* struct engine_config */
	IMSG_ENG_UNIT,		/* struct engine_unit, fd = the line */
	IMSG_ENG_START,		/* no payload */
	IMSG_ENG_READY,		/* no payload */
	IMSG_SOCK_REQ,		/* struct sock_req */
	IMSG_SOCK_REPLY,	/* struct sock_reply, fd = socket or none */
	IMSG_ENG_EXEC_REQ,	/* struct eng_exec_req */
	IMSG_ENG_EXEC_REPLY,	/* struct eng_exec_reply, fd or none */
	IMSG_ENG_EXIT,		/* no payload */
	IMSG_ENG_ENDED,		/* struct engine_ended */
	IMSG_TEST_SYSCALL,	/* struct test_syscall (testing builds) */
	IMSG_TEST_MALFORMED,	/* no payload: send a bad message back */
	IMSG_TEST_EXEC,		/* struct eng_exec_req: try an exec target */
	IMSG_TEST_RESULT,	/* NUL-terminated text, logged by the parent */
	IMSG_TEST_SOCK,		/* struct sock_req: ask the broker for it */
	IMSG_TEST_STALL,	/* any payload: stop reading the channel */
	IMSG_TEST_FLOOD,	/* struct sock_req: many, then stop reading */
	IMSG_ENG_STATS_REQ = 150, /* no payload (slirpctl show) */
	IMSG_ENG_STATS,		/* struct engine_stats, the answer */
	IMSG_ENG_AUTH_REQ = 160, /* struct eng_auth_req */
	IMSG_ENG_AUTH_REPLY,	/* struct eng_auth_reply */
};

struct engine_config {
	uint32_t	sessid;
	uint32_t	uid, gid;		/* engine user */
	char		user[ENGINE_NAMELEN];	/* session user, for the title */
	char		tty[ENGINE_NAMELEN];	/* first line's name */
	char		authname[ENGINE_NAMELEN]; /* CHAP: our Name */
	char		chroot[PATH_MAX];	/* NUL-terminated */
	uint32_t	mtu, mru, baud, keepalive, ppp;
	uint32_t	framing;		/* enum unit_framing for SLIP */
	uint32_t	vj_slots;		/* vj-max-slots; 0 = 16 */
	uint32_t	special_addr, guest_addr, dns_addr; /* network order */
	uint32_t	host_alias;		/* .2 maps to 127.0.0.1 */
	uint32_t	nresolvers;
	uint32_t	res_addr[4];		/* network order */
	uint16_t	res_port[4];		/* network order */
	struct ppp_opts	pppo;			/* when ppp */
};

struct engine_unit {
	uint32_t	mru, baud;
};

struct sock_req {
	uint32_t	id;
	int32_t		proto;		/* IPPROTO_TCP, _UDP, _ICMP */
	uint32_t	addr;		/* network order */
	uint16_t	port;		/* network order; 0 for ICMP */
	uint16_t	pad;
};

struct sock_reply {
	uint32_t	id;
	int32_t		error;		/* 0 with an fd, else an errno */
};

struct eng_exec_req {
	uint32_t	id;		/* request id, echoed back */
	uint32_t	target;		/* exec target id */
};

struct eng_exec_reply {
	uint32_t	id;
	int32_t		error;
};

/* A PPP peer's credentials (daemon/ppp_auth.h) from unit number unit. */
struct eng_auth_req {
	uint32_t	unit;
	uint32_t	pad;
	struct ppp_auth_req r;
};

struct eng_auth_reply {
	uint32_t	unit, seq;
	uint32_t	ok;		/* 1: authenticated */
};

struct engine_ended {
	uint32_t	reason;		/* ENDED_* of client_imsg.h */
};

/* The session's counters, for slirpctl(8); relayed to it unchanged. */
struct engine_stats {
	uint32_t	sessid;
	uint32_t	nunits;			/* unit[] entries in use */
	struct stack_stats stack;
	struct unit_stats unit[ENGINE_MAXUNITS];
};

#define TEST_SYSCALL_OPEN	1
#define TEST_SYSCALL_SOCKET	2
#define TEST_SYSCALL_EXECVE	3
#define TEST_SYSCALL_SENDTO	4	/* send(2) with a destination */
#define TEST_SYSCALL_SENDMSG	5	/* sendmsg(2) off the channel */
#define TEST_SYSCALL_MMAPX	6	/* mmap(PROT_EXEC) */
#define TEST_SYSCALL_SOCKOPT	7	/* setsockopt(IPPROTO_IP, IP_TTL) */
#define TEST_SOCK_ID		0xfffffff0u	/* the test's SOCK_REQ id */
#define TEST_FLOOD_COUNT	20000	/* SOCK_REQs sent for TEST_FLOOD */
struct test_syscall {
	uint32_t	which;
};

#endif
