/*
 * Async HDLC-like framing for PPP (RFC 1662): flag 0x7e, control escape
 * 0x7d with the next byte XORed with 0x20, a 16-bit FCS at the end.
 * The decoder works on any split of the line bytes; each good frame is
 * delivered without its FCS, address/control and protocol left for the
 * PPP layer (either may be compressed).
 */
#ifndef SLIRPD_HDLC_H
#define SLIRPD_HDLC_H

#include <stddef.h>
#include <stdint.h>

#define HDLC_FLAG	0x7e
#define HDLC_ESC	0x7d
#define HDLC_XOR	0x20
#define HDLC_FCS_INIT	0xffff
#define HDLC_FCS_GOOD	0xf0b8	/* the FCS over a frame and its FCS */
#define HDLC_MINFRAME	4	/* shorter frames are runts (RFC 1662 4.3) */

/* Worst case: every byte escaped, FCS too, and two flags. */
#define HDLC_ENCMAX(n)	(2 * ((size_t)(n) + 2) + 2)

/* Bytes to escape: 256 bits; ctrl chars per the ACCM, flag and escape. */
struct hdlc_xmap {
	uint32_t	 bits[8];
};

struct hdlc_dec {
	uint8_t		*buf;
	size_t		 len, max;
	int		 esc;		/* the last byte was an escape */
	int		 toss;		/* the frame is bad: wait for a flag */
	uint32_t	 raccm;		/* ignore these control chars unescaped */
	uint64_t	 frames, bad_fcs, runts, too_long, aborts, ignored;
};

uint16_t hdlc_fcs(uint16_t fcs, const uint8_t *p, size_t n);
/* The map escaping flag, escape and the control chars set in accm. */
void	 hdlc_xmap_init(struct hdlc_xmap *, uint32_t accm);
void	 hdlc_xmap_add(struct hdlc_xmap *, uint8_t c);
int	 hdlc_xmap_has(const struct hdlc_xmap *, uint8_t c);

/* max: the largest frame, FCS excluded; 0 or -1 (ENOMEM). */
int	 hdlc_dec_init(struct hdlc_dec *, size_t max);
void	 hdlc_dec_free(struct hdlc_dec *);
void	 hdlc_dec_reset(struct hdlc_dec *);
size_t	 hdlc_dec_pending(const struct hdlc_dec *);
void	 hdlc_decode(struct hdlc_dec *, const uint8_t *in, size_t n,
	    void (*deliver)(void *, const uint8_t *, size_t), void *arg);
/*
 * Encode hdr then data (one frame) between two flags, escaping per the
 * map; out has HDLC_ENCMAX(hlen + dlen) bytes.  Returns the length.
 */
size_t	 hdlc_encode(uint8_t *out, const struct hdlc_xmap *,
	    const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t dlen);

#endif
