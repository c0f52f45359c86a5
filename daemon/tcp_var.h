/*
 * The user-space TCP: internals shared by tcp_subr.c, tcp_input.c,
 * tcp_output.c and tcp_timer.c, plus a read-only accessor for tests.
 *
 * The guest is always the active opener: it sends a SYN, we ask the
 * parent for a host socket, and answer the SYN only once the host side
 * connected (so a refused port gives the guest an immediate RST, as
 * Slirp did).  Each connection then relays between the guest's segments
 * and its host socket through two bounded rings.
 */
#ifndef SLIRPD_TCP_VAR_H
#define SLIRPD_TCP_VAR_H

#include <sys/queue.h>

#include "stack_var.h"

typedef uint32_t tcp_seq;

/* Sequence arithmetic modulo 2^32 (RFC 793 section 3.3). */
#define SEQ_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((a) - (b)) >= 0)
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))

/* Header flags. */
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PUSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TH_ECE	0x40
#define TH_CWR	0x80

/* Options (RFC 793, 7323, 2018). */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MAXSEG		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERMITTED	4
#define TCPOPT_SACK		5
#define TCPOPT_TIMESTAMP	8

#define TCP_HDRLEN		20
#define TCP_MAXOLEN		40
#define TCP_MAXWINSHIFT		14	/* RFC 7323 2.3 */
#define TCP_MAXWIN		65535
#define TCP_DEFAULT_MSS		536	/* RFC 1122 4.2.2.6 without an option */
#define TCP_MIN_MSS		64	/* a tiny MSS is a segment flood */

/* Timers and limits, ms. */
#define TCP_RTO_INIT		1000	/* RFC 6298 2.1 */
/*
 * RTO = SRTT + max(4 * RTTVAR, TCP_RTTVAR_MIN), as Linux does, rather
 * than RFC 6298's 1 s floor.  The variance floor covers the guest's
 * delayed ACK (up to 200 ms on Linux) so a lone segment is not resent
 * spuriously, and a lost tail is recovered in SRTT + 200 ms instead of
 * a full second (measured: a 20 MB download at 2% loss took 89 s with
 * the 1 s floor, 10 s with this).  The initial RTO stays 1 s.
 */
#define TCP_RTO_MIN		200
#define TCP_RTTVAR_MIN		200
#define TCP_RTO_MAX		64000	/* brief: 64 s cap */
#define TCP_MAXRXTSHIFT		12	/* give up after this many */
#define TCP_PERSMIN		5000	/* persist interval bounds (BSD values) */
#define TCP_PERSMAX		60000
#define TCP_DELACK		100	/* RFC 1122 4.2.3.2: under 500 ms */
#define TCP_WCDELACK		200	/* the guest's worst delayed ACK */
#define TCP_PTO_MIN		10	/* tail loss probe floor */
/*
 * MSL 15 s, so TIME_WAIT lasts 30 s.  The guest sits one serial hop
 * away: an old duplicate can only live as long as the line queue holds
 * it (seconds), not the 2 minutes RFC 793 assumes for the Internet, and
 * each TIME_WAIT entry holds a flow slot of the session.
 */
#define TCP_MSL			15000
#define TCP_CONNECT_TIMEO	75000	/* host connect in progress */
#define TCP_KEEPINTVL		75000	/* between keepalive probes */
#define TCP_KEEPCNT		8	/* missed probes before the drop */
#define TCP_LINGER		120000	/* closed, host still reading */
#define TCP_OOO_MAX		16	/* out-of-order intervals kept */

enum tcps {
	TCPS_CLOSED,
	TCPS_SYN_PENDING,	/* guest SYN seen, host connect under way */
	TCPS_SYN_RECEIVED,	/* SYN-ACK sent */
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,	/* guest FIN received */
	TCPS_FIN_WAIT_1,	/* our FIN sent (host EOF), guest still open */
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT
};
#define TCPS_HAVERCVDSYN(s)	((s) >= TCPS_SYN_RECEIVED)
#define TCPS_HAVEESTABLISHED(s)	((s) >= TCPS_ESTABLISHED)
#define TCPS_HAVERCVDFIN(s)	((s) == TCPS_CLOSE_WAIT || \
	(s) == TCPS_CLOSING || (s) == TCPS_LAST_ACK || (s) == TCPS_TIME_WAIT)

/* A byte ring; the memory comes on first use. */
struct tcp_ring {
	uint8_t		*buf;
	size_t		 cap, head, len;
};

struct tcp_ooo {
	tcp_seq		 start, end;	/* [start, end) already in the ring */
};

/* Connection flags. */
#define TF_ACKNOW	0x0001	/* send an ACK at once */
#define TF_DELACK	0x0002	/* an ACK is owed; delack timer runs */
#define TF_HOSTEOF	0x0004	/* read() on the host socket gave 0 */
#define TF_SENTFIN	0x0008
#define TF_SHUTWR	0x0010	/* shutdown(SHUT_WR) done on the host side */
#define TF_REQ_TSTMP	0x0020	/* timestamps agreed */
#define TF_REQ_SCALE	0x0040	/* window scaling agreed */
#define TF_FASTRECOV	0x0080	/* in NewReno fast recovery */
#define TF_FORCE	0x0100	/* persist probe: send one byte */
#define TF_CONNECTING	0x0200	/* host socket connect in progress */
#define TF_HOSTERR	0x0400	/* host socket failed; reset pending */
#define TF_BLOCKED	0x0800	/* output room ran out */
#define TF_SACK_PERMIT	0x1000	/* the guest takes SACK blocks (RFC 2018) */
#define TF_TLP		0x2000	/* t_rexmt is a tail loss probe timeout */
#define TF_HOSTMORE	0x4000	/* the last read filled the send ring */

struct tcpcb {
	TAILQ_ENTRY(tcpcb)	 entry;		/* all connections */
	LIST_ENTRY(tcpcb)	 hash;
	struct stack		*s;
	enum tcps		 state;
	unsigned int		 flags;

	/* The guest side of the 4-tuple (network order). */
	in_addr_t		 gaddr, raddr;	/* guest, remote it reached */
	in_port_t		 gport, rport;
	uint8_t			 tos;

	/* Host side. */
	struct ssock		*so;
	uint32_t		 reqid;		/* pending socket request */
	uint8_t			 syn_ip[60 + 8];	/* for icmp_error */
	size_t			 syn_iplen;

	/* Send sequence space (us -> guest). */
	tcp_seq			 iss, snd_una, snd_nxt, snd_max;
	tcp_seq			 snd_wl1, snd_wl2, snd_recover;
	tcp_seq			 prev_ack;	/* snd_una before the last advance */
	uint32_t		 snd_wnd, max_sndwnd;
	uint32_t		 cwnd, ssthresh;
	unsigned int		 dupacks;
	/* Receive sequence space (guest -> us). */
	tcp_seq			 irs, rcv_nxt, rcv_adv;
	tcp_seq			 last_ack_sent;
	unsigned int		 segs_unacked;
	size_t			 bytes_unacked;

	unsigned int		 maxseg;	/* payload per segment */
	unsigned int		 peer_mss;
	uint8_t			 snd_scale, rcv_scale;
	uint32_t		 ts_recent, ts_offset;
	uint64_t		 ts_recent_age;

	/* RTT estimation (RFC 6298), ms; srtt/rttvar scaled by 8 and 4. */
	int32_t			 srtt, rttvar;
	int			 have_srtt;
	uint32_t		 rto;
	int			 rxtshift;
	tcp_seq			 rtseq;		/* timed segment (no TS) */
	uint64_t		 rttstart;	/* 0: none timed */

	/* Timers: absolute ms, 0 = off. */
	uint64_t		 t_rexmt, t_persist, t_delack, t_keep,
				 t_2msl, t_linger;
	uint64_t		 t_idle;	/* last segment from the guest */
	unsigned int		 keepprobes;

	struct tcp_ring		 snd;		/* host data for the guest */
	struct tcp_ring		 rcv;		/* guest data for the host */
	struct tcp_ooo		 ooo[TCP_OOO_MAX];
	unsigned int		 nooo;
	tcp_seq			 ooo_last;	/* newest out-of-order segment */
	/* Sender scoreboard: what the guest SACKed above snd_una. */
	struct tcp_ooo		 sacked[TCP_OOO_MAX];
	unsigned int		 nsacked;
	tcp_seq			 rexmit_next;	/* recovery: next hole to resend */
};

TAILQ_HEAD(tcpcb_head, tcpcb);
LIST_HEAD(tcpcb_list, tcpcb);

#define TCP_HASHSIZE	512
struct tcp_state {
	struct tcpcb_head	 conns;
	struct tcpcb_list	 hash[TCP_HASHSIZE];
	unsigned int		 nconns;
};

/* A parsed segment from the guest. */
struct tcp_seg {
	const struct ip_pkt	*pk;
	in_port_t		 sport, dport;	/* network order */
	tcp_seq			 seq, ack;
	uint8_t			 flags;
	uint32_t		 win;		/* unscaled */
	uint16_t		 urp;
	const uint8_t		*data;
	size_t			 len;		/* payload bytes */
	/* options */
	int			 has_mss, has_ws, has_ts, has_sackok;
	uint16_t		 mss;
	uint8_t			 ws;
	uint32_t		 tsval, tsecr;
	unsigned int		 nsack;
	tcp_seq			 sack[4][2];
};

/* tcp_subr.c */
struct tcpcb	*tcp_lookup(struct stack *, in_addr_t, in_port_t, in_addr_t,
		    in_port_t);
struct tcpcb	*tcp_newcb(struct stack *, const struct tcp_seg *);
void		 tcp_close(struct tcpcb *);
void		 tcp_drop(struct tcpcb *);
int		 tcp_maybe_free(struct tcpcb *);	/* 1: freed */
void		 tcp_abort_host(struct tcpcb *);
void		 tcp_refuse(struct tcpcb *, int error);
void		 tcp_no_conn(struct stack *, const struct tcp_seg *);
void		 tcp_update_events(struct tcpcb *);
int		 tcp_host_flush(struct tcpcb *);	/* -1: tp freed */
void		 tcp_respond(struct stack *, in_addr_t src, in_addr_t dst,
		    in_port_t sport, in_port_t dport, tcp_seq seq, tcp_seq ack,
		    uint8_t flags);
uint32_t	 tcp_rcv_space(const struct tcpcb *);
uint32_t	 tcp_tsval(const struct tcpcb *);
int		 range_insert(struct tcp_ooo *, unsigned int *, unsigned int max,
		    tcp_seq start, tcp_seq end);
void		 range_trim(struct tcp_ooo *, unsigned int *, tcp_seq below);
uint32_t	 range_bytes(const struct tcp_ooo *, unsigned int);
int		 ring_alloc(struct tcp_ring *);
void		 ring_write_at(struct tcp_ring *, size_t off, const uint8_t *,
		    size_t);
void		 ring_read_at(const struct tcp_ring *, size_t off, uint8_t *,
		    size_t);
void		 ring_consume(struct tcp_ring *, size_t);
void		 ring_free(struct tcp_ring *);

/* tcp_output.c */
int		 tcp_output(struct tcpcb *);
void		 tcp_send_rst(struct tcpcb *);
void		 tcp_send_probe(struct tcpcb *, tcp_seq seq, size_t len);
void		 tcp_setpersist(struct tcpcb *);
unsigned int	 tcp_sack_optlen(const struct tcpcb *);
void		 tcp_sack_rexmit(struct tcpcb *, unsigned int maxsegs);
void		 tcp_send_tlp(struct tcpcb *);

/* tcp_timer.c */
void		 tcp_xmit_timer(struct tcpcb *, uint32_t rtt);
void		 tcp_canceltimers(struct tcpcb *);
void		 tcp_set_keep(struct tcpcb *);
uint32_t	 tcp_rexmt_value(const struct tcpcb *);
void		 tcp_arm_rexmt(struct tcpcb *);

/* For tests: a snapshot of the connection to guest port gport. */
struct tcp_debug {
	int		 state;
	unsigned int	 flags;
	int32_t		 srtt, rttvar;	/* ms, unscaled */
	uint32_t	 rto;
	int		 rxtshift;
	uint32_t	 cwnd, ssthresh, snd_wnd, maxseg;
	uint32_t	 rcv_wnd;	/* what we would advertise now */
	tcp_seq		 snd_una, snd_nxt, snd_max, rcv_nxt, iss, irs;
	size_t		 snd_len, rcv_len, snd_cap, rcv_cap;
	unsigned int	 nooo, nsacked;
	uint32_t	 sacked_bytes;
	uint8_t		 snd_scale, rcv_scale;
	int		 hostfd;
	uint64_t	 t_rexmt, t_persist, t_delack, t_keep, t_2msl;
};
int		 tcp_debug_info(struct stack *, in_port_t gport,
		    struct tcp_debug *);
unsigned int	 tcp_nconns(const struct stack *);

#endif
