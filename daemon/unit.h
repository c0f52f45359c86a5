/*
 * A unit: one line fd running SLIP, with its decoder, two output
 * queues (interactive before bulk) and a large write buffer.  A session
 * keeps its units in a TAILQ (struct unit_head) from the start, so load
 * balancing over several lines needs no change of shape later.
 *
 * unit_free() does not close the fd: the engine got it from the parent
 * and decides when the line is hung up (it may reattach it elsewhere).
 *
 * Engine glue (see regress/stack/glue_test.c): poll the fd for POLLIN,
 * and POLLOUT while unit_want_write(); on POLLIN call unit_input() with
 * a deliver() that calls stack_input(); stack_ops.output calls
 * unit_enqueue() (STACK_PRIO_* and UNIT_PRIO_* are the same values),
 * stack_ops.output_room returns unit_room(); call unit_flush() after each
 * round of stack work and on POLLOUT, then stack_kick() if room grew.
 * SIGPIPE must be ignored: a hung-up line fails write(2) with EPIPE.
 */
#ifndef SLIRPD_UNIT_H
#define SLIRPD_UNIT_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include "slip.h"
#include "vj.h"

/* unit_input() results. */
#define UNIT_ERR	(-1)	/* read error: treat as hangup */
#define UNIT_OK		0
#define UNIT_EOF	1	/* the line closed */
#define UNIT_ZEROS	2	/* five '0's typed: end the session */
#define UNIT_ONES	3	/* five '1's typed: detach the session */

/* unit_enqueue() priorities (the same values as STACK_PRIO_*). */
#define UNIT_PRIO_BULK		0
#define UNIT_PRIO_INTERACTIVE	1

/*
 * Five keystrokes end or detach a session (slirp manual, section 4:
 * "five 0's (zeroes), with a 1 second gap between each zero").  A
 * keystroke counts when it is the only byte a read returned, no frame
 * is in progress, and it follows the previous one by UNIT_KEY_MINGAP to
 * UNIT_KEY_MAXGAP ms: line noise or a burst of data never qualifies.
 */
#define UNIT_KEY_COUNT	5
#define UNIT_KEY_MINGAP	400
#define UNIT_KEY_MAXGAP	3000

#define UNIT_RBUF	65536	/* one read(2) */

struct unit_stats {
	uint64_t	frames_in, frames_out;	/* SLIP frames */
	uint64_t	bytes_in, bytes_out;	/* raw line bytes */
	uint64_t	too_long;	/* frames over the MRU, dropped */
	uint64_t	bad_esc;	/* bad escapes, frame dropped */
	uint64_t	empty;		/* empty frames, ignored */
	uint64_t	stale;		/* partial frames abandoned */
	uint64_t	drops;		/* enqueue refused: queue full */
	uint64_t	reads, writes;	/* syscalls */
	uint64_t	errors;		/* read/write errors */
	uint64_t	vj_refused;	/* VJ frames on a plain SLIP unit */
	struct vj_stats	vj;		/* CSLIP: a copy of the VJ counters */
};

struct upkt;
TAILQ_HEAD(upkt_head, upkt);
struct vj;
struct ppp;

/*
 * Framing of a unit.  SLIP_AUTO is plain SLIP that switches to CSLIP when
 * the guest's first compressed packet arrives (as Slirp did).
 */
enum unit_framing {
	UNIT_SLIP_AUTO = 0,
	UNIT_SLIP,		/* -vj / nocompress: never compress */
	UNIT_CSLIP,		/* compress: from the start */
	UNIT_PPP,
};

struct unit {
	TAILQ_ENTRY(unit) entry;	/* the session's list; free for it */
	void		*ctx;		/* free for the engine */
	int		 fd;
	unsigned int	 mru, baud;
	enum unit_framing framing;
	struct vj	*vj;		/* CSLIP (and PPP VJ) state, or NULL */
	struct ppp	*ppp;		/* PPP state when framing is UNIT_PPP */
	uint8_t		*vjbuf;		/* CSLIP: one packet, UNIT_VJBUF */
	unsigned int	 vjslots;	/* CSLIP slots each way (0: 16) */
	uint64_t	 vjdamage;	/* decoder errors already told to vj */
	struct slip_dec	 dec;
	uint8_t		*rbuf;
	uint64_t	 lastin;	/* ms of the last read */
	int		 kchar;		/* keystroke being counted */
	unsigned int	 kcount;
	uint64_t	 klast;
	struct upkt_head q[2];		/* by priority */
	size_t		 qbytes, qmax;
	uint8_t		*wbuf;		/* encoded, not yet written */
	size_t		 wsize, woff, wlen, wfill;
	struct unit_stats st;
};
TAILQ_HEAD(unit_head, unit);

/*
 * fd is non-blocking.  mru: largest frame accepted (0: 1500).  baud: the
 * line speed, 0 when unknown (a pty); it sizes the queues so that an
 * interactive packet never waits behind more than ~200 ms of bulk.
 */
struct unit *unit_new(int fd, unsigned int mru, unsigned int baud);
void	 unit_free(struct unit *);
/*
 * Choose the framing before the first unit_input(); 0, or -1.  CSLIP
 * (and SLIP_AUTO once it switches) keeps its VJ state in u->vj, freed by
 * unit_free(); it compresses outgoing TCP when a datagram is encoded, so
 * the VJ state follows the order the line really carries.
 */
int	 unit_set_framing(struct unit *, enum unit_framing);
/* CSLIP slots per direction (vj-max-slots), 0 for 16; before framing. */
int	 unit_set_vj_slots(struct unit *, unsigned int);
/*
 * One read(2) of up to UNIT_RBUF bytes; deliver() gets each decoded
 * frame (valid during the call).  Returns UNIT_OK (also on EAGAIN),
 * UNIT_EOF, UNIT_ZEROS, UNIT_ONES or UNIT_ERR.
 */
int	 unit_input(struct unit *, uint64_t now_ms,
	    void (*deliver)(void *, const uint8_t *, size_t), void *arg);
/* Queue a datagram (copied); 0, or -1 when it does not fit (counted). */
int	 unit_enqueue(struct unit *, const uint8_t *pkt, size_t len, int prio);
/* Datagram bytes the queues still take. */
size_t	 unit_room(const struct unit *);
/* Write what the fd takes; 0 (also when partial), -1 on a write error. */
int	 unit_flush(struct unit *);
/* The fd took less than offered last time: wait for POLLOUT. */
int	 unit_blocked(const struct unit *);
/* Something is left to write: poll the fd for POLLOUT. */
int	 unit_want_write(const struct unit *);
const struct unit_stats *unit_stats(const struct unit *);
/* TCP/IP headers are VJ-compressed either way (CSLIP, PPP with VJ). */
int	 unit_hdr_compress(const struct unit *);
/*
 * PPP framing with a configuration (NULL: defaults); the link starts
 * at once (LCP Configure-Request queued).  0, or -1.
 */
struct ppp_config;
int	 unit_set_ppp(struct unit *, const struct ppp_config *, uint64_t now);
/* Run the unit's timers (PPP); UNIT_OK, or UNIT_EOF: the link is done. */
int	 unit_timers(struct unit *, uint64_t now);
/* ms until unit_timers() has work, -1 for none. */
int64_t	 unit_next_timer(const struct unit *, uint64_t now);

#endif
