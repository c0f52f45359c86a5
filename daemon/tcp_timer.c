/*
 * TCP timers on the stack's clock (ms): retransmission with exponential
 * backoff, persist, delayed ACK, keepalive and connect timeout,
 * TIME_WAIT, and the linger of a closed connection whose host reader
 * has not taken all our data yet.  RTT estimation lives here too.
 */
#include <errno.h>

#include "tcp_var.h"

/* The current retransmission timeout with backoff applied. */
uint32_t
tcp_rexmt_value(const struct tcpcb *tp)
{
	uint64_t t = (uint64_t)tp->rto << tp->rxtshift;

	return t > TCP_RTO_MAX ? TCP_RTO_MAX : (uint32_t)t;
}

/* RFC 6298 section 2, with srtt scaled by 8 and rttvar by 4. */
void
tcp_xmit_timer(struct tcpcb *tp, uint32_t rtt)
{
	int32_t r = (int32_t)rtt, delta;
	uint32_t rto, var;

	if (!tp->have_srtt) {
		tp->srtt = r << 3;
		tp->rttvar = r << 1;		/* R/2, scaled by 4 */
		tp->have_srtt = 1;
	} else {
		delta = r - (tp->srtt >> 3);
		tp->srtt += delta;
		if (tp->srtt < 0)
			tp->srtt = 0;
		if (delta < 0)
			delta = -delta;
		tp->rttvar += delta - (tp->rttvar >> 2);
		if (tp->rttvar < 0)
			tp->rttvar = 0;
	}
	/* RTO = SRTT + max(4 * RTTVAR, floor); see tcp_var.h. */
	var = (uint32_t)tp->rttvar;	/* already 4 * RTTVAR */
	if (var < TCP_RTTVAR_MIN)
		var = TCP_RTTVAR_MIN;
	rto = (uint32_t)(tp->srtt >> 3) + var;
	if (rto < TCP_RTO_MIN)
		rto = TCP_RTO_MIN;
	if (rto > TCP_RTO_MAX)
		rto = TCP_RTO_MAX;
	tp->rto = rto;
	tp->rxtshift = 0;
}

void
tcp_canceltimers(struct tcpcb *tp)
{
	tp->t_rexmt = tp->t_persist = tp->t_delack = tp->t_keep = 0;
	tp->t_2msl = 0;
}

/* (Re)arm keepalive after activity from the guest. */
void
tcp_set_keep(struct tcpcb *tp)
{
	struct stack *s = tp->s;

	tp->keepprobes = 0;
	if (s->cfg.keepalive == 0 || !TCPS_HAVEESTABLISHED(tp->state) ||
	    tp->state == TCPS_TIME_WAIT) {
		if (tp->state != TCPS_SYN_PENDING)
			tp->t_keep = 0;
		return;
	}
	tp->t_keep = s->now + (uint64_t)s->cfg.keepalive * 1000;
}

/* Returns 1 when tp was freed. */
static int
tcp_timer_rexmt(struct tcpcb *tp)
{
	struct stack *s = tp->s;
	uint32_t win;

	if (++tp->rxtshift > TCP_MAXRXTSHIFT) {
		tp->rxtshift = TCP_MAXRXTSHIFT;
		s->st.tcp_timeout++;
		tcp_drop(tp);
		return 1;
	}
	s->st.tcp_rexmt++;
	/* Karn: a retransmitted segment gives no RTT sample. */
	tp->rttstart = 0;
	if (tp->state == TCPS_SYN_RECEIVED)
		tp->snd_nxt = tp->iss;
	else
		tp->snd_nxt = tp->snd_una;
	/* RFC 5681 3.1 eq. 4 and loss window; RFC 6582 recover. */
	win = tp->snd_wnd < tp->cwnd ? tp->snd_wnd : tp->cwnd;
	win = win / 2 / tp->maxseg;
	if (win < 2)
		win = 2;
	tp->ssthresh = win * tp->maxseg;
	tp->cwnd = tp->maxseg;
	tp->snd_recover = tp->snd_max;
	tp->flags &= ~TF_FASTRECOV;
	tp->dupacks = 0;
	/* RFC 6675 5.1: the receiver may have reneged; start afresh. */
	tp->nsacked = 0;
	tcp_output(tp);
	return 0;
}

static void
tcp_timer_persist(struct tcpcb *tp)
{
	struct stack *s = tp->s;

	if (tp->snd.len == 0)
		return;		/* nothing left to probe with */
	s->st.tcp_persist++;
	if (tp->snd_wnd == 0) {
		tcp_send_probe(tp, tp->snd_una, 1);
		tcp_setpersist(tp);
		return;
	}
	/* A small window held by sender SWS avoidance: send what fits. */
	tp->flags |= TF_FORCE;
	tcp_output(tp);
	tp->flags &= ~TF_FORCE;
}

/* Returns 1 when tp was freed. */
static int
tcp_timer_keep(struct tcpcb *tp)
{
	struct stack *s = tp->s;
	uint64_t intvl;

	if (tp->state == TCPS_SYN_PENDING) {
		/* The host connect never finished. */
		s->st.tcp_timeout++;
		tcp_refuse(tp, ETIMEDOUT);
		return 1;
	}
	if (s->cfg.keepalive == 0 || !TCPS_HAVEESTABLISHED(tp->state) ||
	    tp->state == TCPS_TIME_WAIT)
		return 0;
	if (tp->keepprobes >= TCP_KEEPCNT) {
		s->st.tcp_keepalive_drop++;
		tcp_drop(tp);
		return 1;
	}
	/* An old sequence number makes any live guest answer with an ACK. */
	tcp_send_probe(tp, tp->snd_una - 1, 0);
	tp->keepprobes++;
	intvl = (uint64_t)s->cfg.keepalive * 1000;
	if (intvl > TCP_KEEPINTVL)
		intvl = TCP_KEEPINTVL;
	tp->t_keep = s->now + intvl;
	return 0;
}

static void
tcp_timers_conn(struct tcpcb *tp)
{
	uint64_t now = tp->s->now;

	if (tp->t_delack && now >= tp->t_delack) {
		tp->t_delack = 0;
		tp->flags |= TF_ACKNOW;
		tp->s->st.tcp_delack++;
		tcp_output(tp);
	}
	if (tp->t_rexmt && now >= tp->t_rexmt) {
		tp->t_rexmt = 0;
		if (tcp_timer_rexmt(tp))
			return;
	}
	if (tp->t_persist && now >= tp->t_persist) {
		tp->t_persist = 0;
		tcp_timer_persist(tp);
	}
	if (tp->t_keep && now >= tp->t_keep) {
		tp->t_keep = 0;
		if (tcp_timer_keep(tp))
			return;
	}
	if (tp->t_2msl && now >= tp->t_2msl) {
		tp->t_2msl = 0;
		tp->state = TCPS_CLOSED;
		if (tcp_maybe_free(tp))
			return;
	}
	if (tp->t_linger && now >= tp->t_linger) {
		tcp_close(tp);
		return;
	}
}

void
tcp_timers(struct stack *s)
{
	struct tcpcb *tp, *next;

	for (tp = TAILQ_FIRST(&s->tcp->conns); tp != NULL; tp = next) {
		next = TAILQ_NEXT(tp, entry);
		tcp_timers_conn(tp);
	}
}

static uint64_t
tmin(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

int64_t
tcp_next_timer(const struct stack *s)
{
	const struct tcpcb *tp;
	uint64_t t = 0;

	TAILQ_FOREACH(tp, &s->tcp->conns, entry) {
		t = tmin(t, tp->t_rexmt);
		t = tmin(t, tp->t_persist);
		t = tmin(t, tp->t_delack);
		t = tmin(t, tp->t_keep);
		t = tmin(t, tp->t_2msl);
		t = tmin(t, tp->t_linger);
	}
	if (t == 0)
		return -1;
	return t <= s->now ? 0 : (int64_t)(t - s->now);
}
