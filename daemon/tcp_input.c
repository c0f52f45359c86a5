/*
 * TCP input: validate a guest segment, then run RFC 793's "SEGMENT
 * ARRIVES" steps with the later refinements: RFC 5961 RST/SYN checks,
 * RFC 7323 PAWS and RTTM, RFC 5681/6582 congestion control with NewReno,
 * RFC 1122 delayed ACKs, and out-of-order reassembly inside the
 * receive ring.
 */
#include <arpa/inet.h>
#include <string.h>

#include "tcp_var.h"

#define TSTMP_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define PAWS_IDLE	(24ULL * 24 * 3600 * 1000)	/* RFC 7323 5.5 */

/*
 * Options: every length is checked against what is left; a malformed
 * list is counted and the rest of it ignored.
 */
static void
tcp_parse_opts(struct stack *s, struct tcp_seg *sg, const uint8_t *o,
    size_t n)
{
	size_t i = 0, len;
	uint16_t v16;
	uint32_t v32;

	while (i < n) {
		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i) {
			s->st.tcp_bad_opt++;
			return;
		}
		len = o[i + 1];
		switch (o[i]) {
		case TCPOPT_MAXSEG:
			if (len != 4)
				goto bad;
			if (sg->flags & TH_SYN) {
				memcpy(&v16, o + i + 2, 2);
				sg->mss = ntohs(v16);
				sg->has_mss = 1;
			}
			break;
		case TCPOPT_WINDOW:
			if (len != 3)
				goto bad;
			if (sg->flags & TH_SYN) {
				sg->ws = o[i + 2];
				if (sg->ws > TCP_MAXWINSHIFT)
					sg->ws = TCP_MAXWINSHIFT;
				sg->has_ws = 1;
			}
			break;
		case TCPOPT_SACK_PERMITTED:
			if (len != 2)
				goto bad;
			if (sg->flags & TH_SYN)
				sg->has_sackok = 1;
			break;
		case TCPOPT_SACK:
			if (len < 10 || (len - 2) % 8 != 0)
				goto bad;
			for (sg->nsack = 0; sg->nsack < (len - 2) / 8 &&
			    sg->nsack < 4; sg->nsack++) {
				memcpy(&v32, o + i + 2 + 8 * sg->nsack, 4);
				sg->sack[sg->nsack][0] = ntohl(v32);
				memcpy(&v32, o + i + 6 + 8 * sg->nsack, 4);
				sg->sack[sg->nsack][1] = ntohl(v32);
			}
			break;
		case TCPOPT_TIMESTAMP:
			if (len != 10)
				goto bad;
			memcpy(&v32, o + i + 2, 4);
			sg->tsval = ntohl(v32);
			memcpy(&v32, o + i + 6, 4);
			sg->tsecr = ntohl(v32);
			sg->has_ts = 1;
			break;
		default:
			break;
		}
		i += len;
		continue;
bad:
		s->st.tcp_bad_opt++;
		i += len;
	}
}

/* Header, checksum and options.  Returns -1 (counted) when malformed. */
static int
tcp_parse(struct stack *s, const struct ip_pkt *pk, struct tcp_seg *sg)
{
	const uint8_t *th = pk->l4;
	size_t doff;
	uint32_t v32;
	uint16_t v16;

	memset(sg, 0, sizeof(*sg));
	sg->pk = pk;
	if (pk->l4len < TCP_HDRLEN || pk->l4len > 65535) {
		s->st.tcp_bad++;
		return -1;
	}
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_HDRLEN || doff > pk->l4len) {
		s->st.tcp_bad++;
		return -1;
	}
	if (cksum_fold(cksum_add(cksum_pseudo(pk->src, pk->dst, IPPROTO_TCP,
	    (uint16_t)pk->l4len), th, pk->l4len)) != 0) {
		s->st.tcp_bad_sum++;
		return -1;
	}
	memcpy(&sg->sport, th, 2);
	memcpy(&sg->dport, th + 2, 2);
	memcpy(&v32, th + 4, 4);
	sg->seq = ntohl(v32);
	memcpy(&v32, th + 8, 4);
	sg->ack = ntohl(v32);
	sg->flags = th[13];
	memcpy(&v16, th + 14, 2);
	sg->win = ntohs(v16);
	memcpy(&v16, th + 18, 2);
	sg->urp = ntohs(v16);
	sg->data = th + doff;
	sg->len = pk->l4len - doff;
	if ((sg->flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	    (sg->flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN)) {
		s->st.tcp_bad++;
		return -1;
	}
	tcp_parse_opts(s, sg, th + TCP_HDRLEN, doff - TCP_HDRLEN);
	return 0;
}

/*
 * Out-of-order data is written straight into the receive ring at its
 * place; we only keep the list of received ranges beyond rcv_nxt.
 */
static int
tcp_ooo_insert(struct tcpcb *tp, tcp_seq start, tcp_seq end)
{
	return range_insert(tp->ooo, &tp->nooo, TCP_OOO_MAX, start, end);
}

/* Accept in-window data; returns 1 when it was in order. */
static int
tcp_reass(struct tcpcb *tp, tcp_seq seq, const uint8_t *data, size_t len)
{
	struct stack *s = tp->s;
	size_t off = seq - tp->rcv_nxt;
	unsigned int i;
	tcp_seq end;
	int filled = 0;

	if (ring_alloc(&tp->rcv) == -1)
		return 0;
	if (off != 0) {
		s->st.tcp_ooo++;
		if (tcp_ooo_insert(tp, seq, seq + (tcp_seq)len) == -1) {
			s->st.tcp_rcvwnd_drop++;
			return 0;
		}
		ring_write_at(&tp->rcv, tp->rcv.len + off, data, len);
		tp->ooo_last = seq;
		return 0;
	}
	ring_write_at(&tp->rcv, tp->rcv.len, data, len);
	tp->rcv.len += len;
	tp->rcv_nxt += (tcp_seq)len;
	/* Pull in ranges that are now contiguous. */
	while (tp->nooo > 0 && SEQ_LEQ(tp->ooo[0].start, tp->rcv_nxt)) {
		end = tp->ooo[0].end;
		if (SEQ_GT(end, tp->rcv_nxt)) {
			tp->rcv.len += end - tp->rcv_nxt;
			tp->rcv_nxt = end;
		}
		for (i = 0; i + 1 < tp->nooo; i++)
			tp->ooo[i] = tp->ooo[i + 1];
		tp->nooo--;
		filled = 1;
	}
	if (filled)
		tp->flags |= TF_ACKNOW;	/* RFC 5681 4.2: a hole filled */
	return 1;
}

/* Delayed ACK (RFC 1122 4.2.3.2): every second full segment or 100 ms. */
static void
tcp_delay_ack(struct tcpcb *tp, size_t len)
{
	tp->segs_unacked++;
	tp->bytes_unacked += len;
	if (tp->bytes_unacked >= 2 * (size_t)tp->maxseg)
		tp->flags |= TF_ACKNOW;
	else if (!(tp->flags & TF_ACKNOW)) {
		tp->flags |= TF_DELACK;
		if (tp->t_delack == 0)
			tp->t_delack = tp->s->now + TCP_DELACK;
	}
}

/* NewReno dup ACK handling.  Returns 1 when the segment is done. */
static int
tcp_dupack(struct tcpcb *tp, const struct tcp_seg *sg)
{
	struct stack *s = tp->s;
	tcp_seq onxt;
	uint32_t win;

	if (tp->t_rexmt == 0) {
		tp->dupacks = 0;
		return 0;
	}
	tp->dupacks++;
	if (tp->flags & TF_FASTRECOV) {
		/* Each dup ACK is a segment that left the network. */
		tp->cwnd += tp->maxseg;
		tcp_sack_rexmit(tp, 1);
		tcp_output(tp);
		return 1;
	}
	/*
	 * With SACK, 3 segments' worth SACKed above snd_una is a loss even
	 * when the guest sent fewer dup ACKs (Linux coalesces them).
	 */
	if (tp->dupacks < 3 && range_bytes(tp->sacked, tp->nsacked) >=
	    3 * tp->maxseg)
		tp->dupacks = 3;
	if (tp->dupacks < 3) {
		/*
		 * Limited transmit (RFC 3042): one new segment per early
		 * dup ACK keeps the ACK clock going in small windows.
		 */
		if (tp->snd_nxt == tp->snd_max) {
			uint32_t ocwnd = tp->cwnd;

			tp->cwnd = (tp->snd_max - tp->snd_una) + tp->maxseg;
			tcp_output(tp);
			tp->cwnd = ocwnd;
		}
		return 1;
	}
	/*
	 * RFC 6582 3.2: not for losses an RTO already covers, unless the
	 * ACK heuristic of its section 4.1 says these are real losses
	 * (ACKs creeping forward, not jumping over a go-back-N burst).
	 */
	if (tp->dupacks < 3 || (SEQ_LT(sg->ack, tp->snd_recover) &&
	    !(tp->cwnd > tp->maxseg &&
	    sg->ack - tp->prev_ack <= 4 * tp->maxseg)))
		return 0;
	/* Fast retransmit (RFC 5681 3.2, RFC 6582 3.2). */
	s->st.tcp_fastrexmt++;
	win = tp->snd_wnd < tp->cwnd ? tp->snd_wnd : tp->cwnd;
	win = win / 2 / tp->maxseg;
	if (win < 2)
		win = 2;
	tp->ssthresh = win * tp->maxseg;
	tp->snd_recover = tp->snd_max;
	tp->flags |= TF_FASTRECOV;
	tp->t_rexmt = 0;
	tp->rttstart = 0;
	onxt = tp->snd_nxt;
	tp->snd_nxt = sg->ack;
	tp->cwnd = tp->maxseg;
	tcp_output(tp);
	tp->rexmit_next = tp->snd_nxt;
	tp->cwnd = tp->ssthresh + 3 * tp->maxseg;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	return 1;
}

/*
 * A new ACK: RTT sample, congestion window, free acked data, timers.
 * Returns 1 when our FIN is acked.
 */
static int
tcp_newack(struct tcpcb *tp, const struct tcp_seg *sg)
{
	struct stack *s = tp->s;
	uint32_t acked = sg->ack - tp->snd_una, rtt, incr;
	int finacked = 0;
	tcp_seq onxt;

	/* RTT: timestamps (RFC 7323 4) or the one timed segment. */
	if ((tp->flags & TF_REQ_TSTMP) && sg->has_ts && sg->tsecr != 0) {
		rtt = tcp_tsval(tp) - sg->tsecr;
		if (rtt < 600000)
			tcp_xmit_timer(tp, rtt);
	} else if (tp->rttstart != 0 && SEQ_GT(sg->ack, tp->rtseq)) {
		tcp_xmit_timer(tp, (uint32_t)(s->now - tp->rttstart));
		tp->rttstart = 0;
	}

	if (tp->flags & TF_FASTRECOV) {
		if (SEQ_LT(sg->ack, tp->snd_recover)) {
			/* Partial ACK: resend the next hole at once. */
			onxt = tp->snd_nxt;
			tp->snd_nxt = sg->ack;
			incr = tp->cwnd;
			tp->cwnd = tp->maxseg;
			tp->t_rexmt = 0;
			tp->snd_una = sg->ack;
			ring_consume(&tp->snd, acked);
			range_trim(tp->sacked, &tp->nsacked, tp->snd_una);
			if (tp->nsacked > 0) {
				/* The scoreboard knows the holes. */
				tp->snd_nxt = onxt;
				tcp_sack_rexmit(tp, 2);
				if (tp->t_rexmt == 0)
					tp->t_rexmt = s->now +
					    tcp_rexmt_value(tp);
			} else
				tcp_output(tp);
			tp->cwnd = incr > acked ? incr - acked : 0;
			if (acked >= tp->maxseg)
				tp->cwnd += tp->maxseg;
			if (tp->cwnd < tp->maxseg)
				tp->cwnd = tp->maxseg;
			if (SEQ_GT(onxt, tp->snd_nxt))
				tp->snd_nxt = onxt;
			tp->dupacks = 0;
			return 0;
		}
		/* Full ACK: leave recovery with a deflated window. */
		incr = tp->snd_max - sg->ack;
		tp->cwnd = tp->ssthresh < incr + tp->maxseg ? tp->ssthresh :
		    incr + tp->maxseg;
		tp->flags &= ~TF_FASTRECOV;
	} else if (tp->cwnd <= tp->ssthresh) {
		incr = acked < tp->maxseg ? acked : tp->maxseg;
		tp->cwnd += incr;		/* slow start */
	} else {
		incr = tp->maxseg * tp->maxseg / tp->cwnd;
		tp->cwnd += incr ? incr : 1;	/* congestion avoidance */
	}
	if (tp->cwnd > (1U << 30))
		tp->cwnd = 1U << 30;
	tp->dupacks = 0;

	tp->prev_ack = tp->snd_una;
	if (acked > tp->snd.len) {
		finacked = (tp->flags & TF_SENTFIN) != 0;
		ring_consume(&tp->snd, tp->snd.len);
	} else
		ring_consume(&tp->snd, acked);
	tp->snd_una = sg->ack;
	range_trim(tp->sacked, &tp->nsacked, tp->snd_una);
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	if (tp->snd_una == tp->snd_max)
		tp->t_rexmt = 0;
	else if (tp->t_persist == 0)
		tp->t_rexmt = s->now + tcp_rexmt_value(tp);
	return finacked;
}

static void	tcp_update_window(struct tcpcb *, const struct tcp_seg *,
		    uint32_t);

/* Record the guest's SACK blocks (RFC 2018) that make sense. */
static void
tcp_sack_update(struct tcpcb *tp, const struct tcp_seg *sg)
{
	unsigned int i;
	tcp_seq a, b;

	if (!(tp->flags & TF_SACK_PERMIT))
		return;
	for (i = 0; i < sg->nsack; i++) {
		a = sg->sack[i][0];
		b = sg->sack[i][1];
		/* D-SACKs, stale or invented blocks: ignored. */
		if (!SEQ_LT(a, b) || !SEQ_GT(a, sg->ack) ||
		    !SEQ_GT(a, tp->snd_una) || SEQ_GT(b, tp->snd_max))
			continue;
		(void)range_insert(tp->sacked, &tp->nsacked, TCP_OOO_MAX, a,
		    b);
	}
}

/* Step 4 of RFC 793 for synchronized states.  Returns -1 to stop. */
static int
tcp_ack(struct tcpcb *tp, const struct tcp_seg *sg, uint32_t tiwin)
{
	struct stack *s = tp->s;

	if (SEQ_GT(sg->ack, tp->snd_max)) {
		/* Acks what we never sent: ACK back and drop (RFC 5961 5). */
		s->st.tcp_ack_bad++;
		tp->flags |= TF_ACKNOW;
		return -1;
	}
	if (SEQ_LT(sg->ack, tp->snd_una - (tp->max_sndwnd ? tp->max_sndwnd :
	    1))) {
		/* Far too old to be real: challenge (RFC 5961 5.2). */
		s->st.tcp_ack_bad++;
		tp->flags |= TF_ACKNOW;
		return -1;
	}
	tcp_sack_update(tp, sg);
	if (SEQ_LEQ(sg->ack, tp->snd_una)) {
		/*
		 * A duplicate ACK.  RFC 5681 also wants an unchanged window,
		 * but a receiver without SACK (we offer none) charges each
		 * out-of-order segment to its window and Linux autotunes it
		 * at the same time: the window moves with every dup ACK.
		 * Its window is taken first.  (In persist there is no
		 * retransmit timer, so window probes' answers never count.)
		 */
		if (sg->len == 0 && !(sg->flags & (TH_SYN | TH_FIN)) &&
		    sg->ack == tp->snd_una && tp->snd_max != tp->snd_una) {
			tcp_update_window(tp, sg, tiwin);
			return tcp_dupack(tp, sg) ? -1 : 0;
		}
		tp->dupacks = 0;
		return 0;
	}
	if (!tcp_newack(tp, sg))
		return 0;
	/* Our FIN is acked. */
	switch (tp->state) {
	case TCPS_FIN_WAIT_1:
		tp->state = TCPS_FIN_WAIT_2;
		break;
	case TCPS_CLOSING:
		tp->state = TCPS_TIME_WAIT;
		tcp_canceltimers(tp);
		tp->t_2msl = s->now + 2 * TCP_MSL;
		break;
	case TCPS_LAST_ACK:
		tcp_canceltimers(tp);
		tp->state = TCPS_CLOSED;
		break;
	default:
		break;
	}
	return 0;
}

/* RFC 793 step 5: the window, if this segment is newer (wl1/wl2). */
static void
tcp_update_window(struct tcpcb *tp, const struct tcp_seg *sg, uint32_t tiwin)
{
	if (SEQ_LT(tp->snd_wl1, sg->seq) || (tp->snd_wl1 == sg->seq &&
	    (SEQ_LT(tp->snd_wl2, sg->ack) || (tp->snd_wl2 == sg->ack &&
	    tiwin > tp->snd_wnd)))) {
		if (tiwin > 0 && tp->snd_wnd == 0 && tp->t_persist) {
			tp->t_persist = 0;
			tp->rxtshift = 0;
		}
		tp->snd_wnd = tiwin;
		tp->snd_wl1 = sg->seq;
		tp->snd_wl2 = sg->ack;
		if (tiwin > tp->max_sndwnd)
			tp->max_sndwnd = tiwin;
	}
}

/* The guest's FIN, in sequence.  RFC 793 step 8. */
static void
tcp_fin(struct tcpcb *tp)
{
	struct stack *s = tp->s;

	if (!TCPS_HAVERCVDFIN(tp->state)) {
		tp->rcv_nxt++;
		tp->flags |= TF_ACKNOW;
	}
	switch (tp->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tp->state = TCPS_CLOSE_WAIT;
		break;
	case TCPS_FIN_WAIT_1:
		tp->state = TCPS_CLOSING;
		break;
	case TCPS_FIN_WAIT_2:
		tp->state = TCPS_TIME_WAIT;
		tcp_canceltimers(tp);
		tp->t_2msl = s->now + 2 * TCP_MSL;
		break;
	case TCPS_TIME_WAIT:
		tp->t_2msl = s->now + 2 * TCP_MSL;
		tp->flags |= TF_ACKNOW;
		break;
	default:
		break;
	}
}

/* RFC 5961 3: a RST must hit rcv_nxt exactly; in window: challenge. */
static int
tcp_rst(struct tcpcb *tp, const struct tcp_seg *sg, uint32_t rwin)
{
	struct stack *s = tp->s;

	s->st.tcp_rst_in++;
	if (sg->seq == tp->rcv_nxt) {
		tcp_abort_host(tp);
		tcp_close(tp);
		return -1;
	}
	if (SEQ_GT(sg->seq, tp->rcv_nxt) &&
	    SEQ_LT(sg->seq, tp->rcv_nxt + (rwin ? rwin : 1))) {
		s->st.tcp_challenge++;
		tp->flags |= TF_ACKNOW;
		tcp_output(tp);
	}
	return 0;
}

/*
 * Trim the segment to the receive window (RFC 793 3.9 "first check
 * sequence number").  Returns -1 when nothing is left to process.
 */
static int
tcp_trim(struct tcpcb *tp, struct tcp_seg *sg, uint32_t rwin)
{
	struct stack *s = tp->s;
	int32_t todrop;

	todrop = (int32_t)(tp->rcv_nxt - sg->seq);
	if (todrop > 0) {
		if ((size_t)todrop > sg->len ||
		    ((size_t)todrop == sg->len && !(sg->flags & TH_FIN))) {
			/* All old: ACK it (a keepalive or lost ACK). */
			if (sg->len > 0 || (sg->flags & TH_FIN))
				s->st.tcp_dup++;
			tp->flags |= TF_ACKNOW;
			sg->flags &= ~TH_FIN;
			todrop = (int32_t)sg->len;
		} else
			s->st.tcp_dup++;
		sg->data += todrop;
		sg->len -= (size_t)todrop;
		sg->seq += (tcp_seq)todrop;
	}
	todrop = (int32_t)((sg->seq + (tcp_seq)sg->len) - (tp->rcv_nxt + rwin));
	if (todrop > 0) {
		s->st.tcp_rcvwnd_drop++;
		if ((size_t)todrop >= sg->len) {
			tp->flags |= TF_ACKNOW;
			/* A zero window probe still carries a useful ACK. */
			if (!(rwin == 0 && sg->seq == tp->rcv_nxt))
				return -1;
			sg->len = 0;
		} else
			sg->len -= (size_t)todrop;
		sg->flags &= ~(TH_FIN | TH_PUSH);
	}
	return 0;
}

/* A segment for an existing connection. */
static void
tcp_segment(struct tcpcb *tp, struct tcp_seg *sg)
{
	struct stack *s = tp->s;
	uint32_t tiwin = sg->win, rwin;
	int fin;

	if (tp->state == TCPS_SYN_PENDING) {
		/* Not answered yet: only a RST at the SYN's place matters. */
		if ((sg->flags & TH_RST) && sg->seq == tp->rcv_nxt) {
			s->st.tcp_rst_in++;
			tcp_close(tp);
		}
		return;
	}
	if (tp->state == TCPS_CLOSED)
		return;
	if (!(sg->flags & TH_SYN))
		tiwin <<= tp->snd_scale;
	rwin = (uint32_t)(tp->rcv.cap - tp->rcv.len);
	if (TCPS_HAVERCVDFIN(tp->state) || tp->state == TCPS_TIME_WAIT)
		rwin = 0;

	if (tp->state == TCPS_SYN_RECEIVED) {
		if ((sg->flags & (TH_SYN | TH_ACK)) == TH_SYN &&
		    sg->seq == tp->irs) {
			/* Our SYN-ACK was lost: send it again. */
			tp->snd_nxt = tp->iss;
			tcp_output(tp);
			return;
		}
		if ((sg->flags & TH_ACK) && !(sg->flags & TH_RST) &&
		    (SEQ_LEQ(sg->ack, tp->iss) ||
		    SEQ_GT(sg->ack, tp->snd_max))) {
			s->st.tcp_ack_bad++;
			tcp_respond(s, tp->raddr, tp->gaddr, tp->rport,
			    tp->gport, sg->ack, 0, TH_RST);
			return;
		}
	}
	/* PAWS (RFC 7323 5.3). */
	if ((tp->flags & TF_REQ_TSTMP) && sg->has_ts && !(sg->flags & TH_RST) &&
	    TSTMP_LT(sg->tsval, tp->ts_recent)) {
		if (s->now - tp->ts_recent_age > PAWS_IDLE)
			tp->ts_recent = 0;
		else {
			s->st.tcp_paws++;
			tp->flags |= TF_ACKNOW;
			tcp_output(tp);
			return;
		}
	}
	if (sg->flags & TH_RST) {
		(void)tcp_rst(tp, sg, rwin);
		return;
	}
	if (sg->flags & TH_SYN) {
		if (tp->state == TCPS_TIME_WAIT && !(sg->flags & TH_ACK) &&
		    SEQ_GT(sg->seq, tp->rcv_nxt)) {
			/* RFC 1122 4.2.2.13: a new incarnation. */
			tcp_close(tp);
			tcp_no_conn(s, sg);
			return;
		}
		/* RFC 5961 4: challenge ACK, never a reset. */
		s->st.tcp_challenge++;
		tp->flags |= TF_ACKNOW;
		tcp_output(tp);
		return;
	}
	tp->t_idle = s->now;
	tcp_set_keep(tp);
	fin = (sg->flags & TH_FIN) != 0;
	if (tcp_trim(tp, sg, rwin) == -1) {
		tcp_output(tp);
		return;
	}
	if (tp->state == TCPS_TIME_WAIT && fin)
		tp->t_2msl = s->now + 2 * TCP_MSL;
	if (!(sg->flags & TH_ACK)) {
		if (tp->flags & TF_ACKNOW)
			tcp_output(tp);
		return;
	}
	if (tp->state == TCPS_SYN_RECEIVED) {
		tp->state = TCPS_ESTABLISHED;
		s->st.tcp_conn++;
		tp->snd_una++;			/* our SYN */
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		if (tp->snd_una == tp->snd_max) {
			tp->t_rexmt = 0;
			tp->rxtshift = 0;
		}
		if ((tp->flags & TF_REQ_TSTMP) && sg->has_ts && sg->tsecr != 0 &&
		    tcp_tsval(tp) - sg->tsecr < 600000)
			tcp_xmit_timer(tp, tcp_tsval(tp) - sg->tsecr);
		tp->snd_wl1 = sg->seq - 1;	/* take this window */
		tcp_set_keep(tp);
	}
	/* RFC 7323 4.3: remember the guest's clock for the echo. */
	if ((tp->flags & TF_REQ_TSTMP) && sg->has_ts &&
	    SEQ_LEQ(sg->seq, tp->last_ack_sent) &&
	    SEQ_LT(tp->last_ack_sent, sg->seq + (tcp_seq)sg->len +
	    ((sg->flags & TH_FIN) ? 1 : 0) + 1)) {
		tp->ts_recent = sg->tsval;
		tp->ts_recent_age = s->now;
	}
	if (tcp_ack(tp, sg, tiwin) == -1) {
		tcp_output(tp);
		return;
	}
	if (tp->state == TCPS_CLOSED) {
		(void)tcp_host_flush(tp);
		return;
	}
	tcp_update_window(tp, sg, tiwin);

	/* Urgent data is delivered inline; the pointer is never trusted. */
	if (sg->len > 0 && (tp->state == TCPS_ESTABLISHED ||
	    tp->state == TCPS_FIN_WAIT_1 || tp->state == TCPS_FIN_WAIT_2)) {
		if (tcp_reass(tp, sg->seq, sg->data, sg->len)) {
			if (!fin)
				tcp_delay_ack(tp, sg->len);
		} else {
			tp->flags |= TF_ACKNOW;	/* dup ACK for the guest */
			sg->flags &= ~TH_FIN;	/* it will come again */
		}
	}
	if ((sg->flags & TH_FIN) && sg->seq + (tcp_seq)sg->len ==
	    tp->rcv_nxt && tp->nooo == 0)
		tcp_fin(tp);
	else if ((sg->flags & TH_FIN) && TCPS_HAVERCVDFIN(tp->state))
		tp->flags |= TF_ACKNOW;
	tcp_output(tp);
	tcp_update_events(tp);
	if (tp->rcv.len > 0 || TCPS_HAVERCVDFIN(tp->state))
		(void)tcp_host_flush(tp);
}

void
tcp_input(struct stack *s, const struct ip_pkt *pk)
{
	struct tcp_seg sg;
	struct tcpcb *tp;

	s->st.tcp_in++;
	if (tcp_parse(s, pk, &sg) == -1)
		return;
	tp = tcp_lookup(s, pk->src, sg.sport, pk->dst, sg.dport);
	if (tp == NULL)
		tcp_no_conn(s, &sg);
	else
		tcp_segment(tp, &sg);
}
