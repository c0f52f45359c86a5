/*
 * TCP output: decide what a connection may send now (window, congestion
 * window, Nagle, silly window avoidance, line room) and build segments.
 */
#include <arpa/inet.h>
#include <string.h>

#include "tcp_var.h"

/*
 * SACK blocks (RFC 2018) for the out-of-order ranges we hold: the one
 * with the newest segment first, then the others, as many as fit.
 */
static unsigned int
tcp_sack_blocks(const struct tcpcb *tp)
{
	unsigned int max;

	if (!(tp->flags & TF_SACK_PERMIT) || tp->nooo == 0)
		return 0;
	max = (tp->flags & TF_REQ_TSTMP) ? 3 : 4;
	return tp->nooo < max ? tp->nooo : max;
}

/* Option bytes a segment without SYN carries beyond the base ones. */
unsigned int
tcp_sack_optlen(const struct tcpcb *tp)
{
	unsigned int nb = tcp_sack_blocks(tp);

	return nb ? 4 + 8 * nb : 0;
}

static size_t
tcp_sack_put(uint8_t *o, const struct tcp_ooo *r)
{
	uint32_t v;

	v = htonl(r->start);
	memcpy(o, &v, 4);
	v = htonl(r->end);
	memcpy(o + 4, &v, 4);
	return 8;
}

static size_t
tcp_build_sack(const struct tcpcb *tp, uint8_t *o)
{
	unsigned int nb = tcp_sack_blocks(tp), i, first = 0, k;
	size_t n = 0;

	if (nb == 0)
		return 0;
	for (i = 0; i < tp->nooo; i++)
		if (SEQ_GEQ(tp->ooo_last, tp->ooo[i].start) &&
		    SEQ_LT(tp->ooo_last, tp->ooo[i].end))
			first = i;
	o[n++] = TCPOPT_NOP;
	o[n++] = TCPOPT_NOP;
	o[n++] = TCPOPT_SACK;
	o[n++] = (uint8_t)(2 + 8 * nb);
	n += tcp_sack_put(o + n, &tp->ooo[first]);
	for (i = 0, k = 1; i < tp->nooo && k < nb; i++) {
		if (i == first)
			continue;
		n += tcp_sack_put(o + n, &tp->ooo[i]);
		k++;
	}
	return n;
}

/* Options: MSS and what the guest offered on the SYN-ACK, then TS/SACK. */
static size_t
tcp_build_opts(struct tcpcb *tp, uint8_t flags, uint8_t *o)
{
	size_t n = 0;
	uint16_t mss;
	uint32_t v;

	if (flags & TH_SYN) {
		mss = (uint16_t)(tp->s->cfg.mtu > 40 + TCP_MIN_MSS ?
		    tp->s->cfg.mtu - 40 : TCP_MIN_MSS);
		o[n++] = TCPOPT_MAXSEG;
		o[n++] = 4;
		o[n++] = (uint8_t)(mss >> 8);
		o[n++] = (uint8_t)mss;
		if (tp->flags & TF_REQ_SCALE) {
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_WINDOW;
			o[n++] = 3;
			o[n++] = tp->rcv_scale;
		}
		if (tp->flags & TF_SACK_PERMIT) {
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_SACK_PERMITTED;
			o[n++] = 2;
		}
	}
	if (tp->flags & TF_REQ_TSTMP) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_TIMESTAMP;
		o[n++] = 10;
		v = htonl(tcp_tsval(tp));
		memcpy(o + n, &v, 4);
		v = htonl(tp->ts_recent);
		memcpy(o + n + 4, &v, 4);
		n += 8;
	}
	if (!(flags & TH_SYN))
		n += tcp_build_sack(tp, o + n);
	return n;
}

/*
 * Send one segment: seq, flags, and len bytes from offset off of the
 * send ring.  Records the window and ACK we advertised.
 */
static int
tcp_send_seg(struct tcpcb *tp, tcp_seq seq, uint8_t flags, size_t off,
    size_t len)
{
	struct stack *s = tp->s;
	uint8_t pkt[TCP_HDRLEN + TCP_MAXOLEN + 65536];
	size_t olen, hlen;
	uint32_t win, v;
	uint16_t w, sum;

	if (len > 65536)
		return -1;
	olen = tcp_build_opts(tp, flags, pkt + TCP_HDRLEN);
	hlen = TCP_HDRLEN + olen;
	win = tcp_rcv_space(tp);
	if (flags & TH_SYN)
		w = (uint16_t)(win > TCP_MAXWIN ? TCP_MAXWIN : win);
	else {
		win >>= tp->rcv_scale;
		w = (uint16_t)(win > TCP_MAXWIN ? TCP_MAXWIN : win);
	}
	memcpy(pkt, &tp->rport, 2);
	memcpy(pkt + 2, &tp->gport, 2);
	v = htonl(seq);
	memcpy(pkt + 4, &v, 4);
	v = htonl(tp->rcv_nxt);
	memcpy(pkt + 8, &v, 4);
	pkt[12] = (uint8_t)((hlen / 4) << 4);
	pkt[13] = flags;
	w = htons(w);
	memcpy(pkt + 14, &w, 2);
	memset(pkt + 16, 0, 4);		/* checksum, urgent pointer */
	if (len > 0)
		ring_read_at(&tp->snd, off, pkt + hlen, len);
	sum = cksum_fold(cksum_add(cksum_pseudo(tp->raddr, tp->gaddr,
	    IPPROTO_TCP, (uint16_t)(hlen + len)), pkt, hlen + len));
	memcpy(pkt + 16, &sum, 2);

	if (flags & TH_ACK) {
		win = (uint32_t)ntohs(w) << ((flags & TH_SYN) ? 0 :
		    tp->rcv_scale);
		if (SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
			tp->rcv_adv = tp->rcv_nxt + win;
		tp->last_ack_sent = tp->rcv_nxt;
		tp->flags &= ~(TF_ACKNOW | TF_DELACK);
		tp->t_delack = 0;
		tp->segs_unacked = 0;
		tp->bytes_unacked = 0;
	}
	s->st.tcp_out++;
	if (flags & TH_RST)
		s->st.tcp_rst_out++;
	return ip_output(s, IPPROTO_TCP, tp->raddr, tp->gaddr, pkt, hlen + len,
	    tp->tos, 0, stack_output_prio(IPPROTO_TCP, tp->rport, tp->gport,
	    hlen + len));
}

void
tcp_send_rst(struct tcpcb *tp)
{
	(void)tcp_send_seg(tp, tp->snd_max, TH_RST | TH_ACK, 0, 0);
}

/* A keepalive (no data, seq - 1) or a window probe (one byte). */
void
tcp_send_probe(struct tcpcb *tp, tcp_seq seq, size_t len)
{
	if (len > tp->snd.len)
		len = tp->snd.len;
	(void)tcp_send_seg(tp, seq, TH_ACK, 0, len);
	if (len > 0 && SEQ_GT(seq + (tcp_seq)len, tp->snd_max))
		tp->snd_max = seq + (tcp_seq)len;
}

void
tcp_setpersist(struct tcpcb *tp)
{
	uint64_t t = tcp_rexmt_value(tp);

	if (t < TCP_PERSMIN)
		t = TCP_PERSMIN;
	if (t > TCP_PERSMAX)
		t = TCP_PERSMAX;
	tp->t_persist = tp->s->now + t;
	if (tp->rxtshift < TCP_MAXRXTSHIFT)
		tp->rxtshift++;
}

/*
 * In recovery with a scoreboard: resend up to maxsegs segments from the
 * holes below the highest SACKed byte (RFC 6675 NextSeg, rule 1),
 * each hole once per recovery.
 */
void
tcp_sack_rexmit(struct tcpcb *tp, unsigned int maxsegs)
{
	tcp_seq h, top;
	unsigned int i;
	size_t len, seglim;

	if (tp->nsacked == 0 || !(tp->flags & TF_FASTRECOV))
		return;
	top = tp->sacked[tp->nsacked - 1].end;
	seglim = tp->maxseg - tcp_sack_optlen(tp);
	h = SEQ_MAX(tp->rexmit_next, tp->snd_una);
	while (maxsegs > 0) {
		for (i = 0; i < tp->nsacked; i++) {
			if (SEQ_LT(h, tp->sacked[i].start))
				break;
			if (SEQ_LT(h, tp->sacked[i].end))
				h = tp->sacked[i].end;
		}
		if (i == tp->nsacked || !SEQ_LT(h, top))
			break;		/* no hole below the top */
		len = tp->sacked[i].start - h;
		if (len > seglim)
			len = seglim;
		if (h - tp->snd_una + len > tp->snd.len)
			break;
		if (tp->s->ops.output_room(tp->s->arg) < 60 + TCP_MAXOLEN + len)
			break;
		(void)tcp_send_seg(tp, h, TH_ACK, h - tp->snd_una, len);
		tp->s->st.tcp_rexmt_sack++;
		h += (tcp_seq)len;
		tp->rexmit_next = h;
		if (tp->t_rexmt == 0)
			tp->t_rexmt = tp->s->now + tcp_rexmt_value(tp);
		maxsegs--;
	}
}

/* Worth a pure window update?  RFC 1122 4.2.3.3 receiver SWS. */
static int
tcp_want_winupdate(const struct tcpcb *tp)
{
	uint32_t adv = tcp_rcv_space(tp), cur = 0;

	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt))
		cur = tp->rcv_adv - tp->rcv_nxt;
	if (adv <= cur)
		return 0;
	adv -= cur;
	return adv >= 2 * tp->maxseg || 2 * (size_t)adv >= tp->rcv.cap;
}

static int
tcp_fin_state(enum tcps st)
{
	return st == TCPS_ESTABLISHED || st == TCPS_CLOSE_WAIT ||
	    st == TCPS_FIN_WAIT_1 || st == TCPS_CLOSING || st == TCPS_LAST_ACK;
}

/* Send what may be sent now.  Never frees tp. */
int
tcp_output(struct tcpcb *tp)
{
	struct stack *s = tp->s;
	size_t avail, off, len, room;
	uint32_t win, seglim;
	tcp_seq fin_seq, start;
	int sendfin, send, idle;
	uint8_t flags;

	if (tp->state == TCPS_CLOSED || tp->state == TCPS_SYN_PENDING)
		return 0;
	if (tp->state == TCPS_SYN_RECEIVED) {
		if (tp->snd_nxt == tp->iss) {
			(void)tcp_send_seg(tp, tp->iss, TH_SYN | TH_ACK, 0, 0);
			tp->snd_nxt = tp->iss + 1;
			tp->snd_max = tp->snd_nxt;
			if (tp->t_rexmt == 0)
				tp->t_rexmt = s->now + tcp_rexmt_value(tp);
		} else if (tp->flags & TF_ACKNOW)
			(void)tcp_send_seg(tp, tp->snd_nxt, TH_ACK, 0, 0);
		return 0;
	}
	for (;;) {
		idle = tp->snd_max == tp->snd_una;
		avail = tp->snd.len;
		off = tp->snd_nxt - tp->snd_una;
		win = tp->snd_wnd < tp->cwnd ? tp->snd_wnd : tp->cwnd;
		len = 0;
		if (off < avail && off < win) {
			len = avail - off;
			if (len > win - off)
				len = win - off;
		}
		if (tp->snd_wnd == 0 && off > 0 && off <= avail) {
			/*
			 * The window closed under data in flight: pull back
			 * and probe it instead of retransmitting into it.
			 */
			tp->snd_nxt = tp->snd_una;
			off = 0;
			len = 0;
			tp->t_rexmt = 0;
			tp->rxtshift = 0;
			if (tp->t_persist == 0)
				tcp_setpersist(tp);
		}
		seglim = tp->maxseg - tcp_sack_optlen(tp);
		if (len > seglim)
			len = seglim;
		fin_seq = tp->snd_una + (tcp_seq)avail;
		sendfin = (tp->flags & TF_HOSTEOF) && tcp_fin_state(tp->state) &&
		    tp->snd_nxt + (tcp_seq)len == fin_seq;

		send = 0;
		if (len > 0) {
			if (len == seglim)
				send = 1;
			else if (idle && off + len == avail)
				send = 1;	/* Nagle: nothing in flight */
			else if (tp->max_sndwnd > 0 &&
			    len >= tp->max_sndwnd / 2)
				send = 1;
			else if (SEQ_LT(tp->snd_nxt, tp->snd_max))
				send = 1;	/* retransmission */
			else if (sendfin || (tp->flags & TF_FORCE))
				send = 1;
		}
		if (sendfin && len == 0)
			send = 1;
		if (!send) {
			/* Data waits for a window: make sure a probe comes. */
			if (avail > off && tp->t_rexmt == 0 &&
			    tp->t_persist == 0) {
				tp->rxtshift = 0;
				tcp_setpersist(tp);
			}
			if (!(tp->flags & TF_ACKNOW) && !tcp_want_winupdate(tp))
				return 0;
			len = 0;
			sendfin = 0;
		}
		room = s->ops.output_room(s->arg);
		if (len > 0 && room < 60 + TCP_MAXOLEN + len) {
			/* The line queue is full; tcp_kick() resumes. */
			tp->flags |= TF_BLOCKED;
			if (!(tp->flags & TF_ACKNOW) && !tcp_want_winupdate(tp))
				return 0;
			len = 0;
			sendfin = 0;
		}
		flags = TH_ACK;
		if (len > 0 && off + len == avail)
			flags |= TH_PUSH;
		if (sendfin)
			flags |= TH_FIN;
		start = tp->snd_nxt;
		(void)tcp_send_seg(tp, start, flags, off, len);
		if (len == 0 && !sendfin)
			return 0;
		tp->snd_nxt += (tcp_seq)len + (sendfin ? 1 : 0);
		if (sendfin && !(tp->flags & TF_SENTFIN)) {
			tp->flags |= TF_SENTFIN;
			if (tp->state == TCPS_ESTABLISHED)
				tp->state = TCPS_FIN_WAIT_1;
			else if (tp->state == TCPS_CLOSE_WAIT)
				tp->state = TCPS_LAST_ACK;
		}
		if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
			tp->snd_max = tp->snd_nxt;
			/* Time this one unless timestamps do it (Karn). */
			if (tp->rttstart == 0 && !(tp->flags & TF_REQ_TSTMP)) {
				tp->rttstart = s->now ? s->now : 1;
				tp->rtseq = start;
			}
		}
		if (tp->t_rexmt == 0 && tp->snd_nxt != tp->snd_una) {
			tp->t_rexmt = s->now + tcp_rexmt_value(tp);
			if (tp->t_persist) {
				tp->t_persist = 0;
				tp->rxtshift = 0;
			}
		}
		if (sendfin)
			return 0;
	}
}
