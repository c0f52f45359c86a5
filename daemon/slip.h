/*
 * SLIP framing (RFC 1055) as a pure encoder and decoder: no fds, no
 * time.  unit.c drives it; CSLIP or PPP framing can sit beside it.
 */
#ifndef SLIRPD_SLIP_H
#define SLIRPD_SLIP_H

#include <stddef.h>
#include <stdint.h>

#define SLIP_END	0xc0
#define SLIP_ESC	0xdb
#define SLIP_ESC_END	0xdc
#define SLIP_ESC_ESC	0xdd

/* Worst case encoded size of an n byte frame (both ENDs included). */
#define SLIP_ENCMAX(n)	(2 * (size_t)(n) + 2)

struct slip_dec {
	uint8_t		*buf;		/* the partial frame, mru bytes */
	size_t		 len, mru;
	int		 esc;		/* last byte was ESC */
	int		 discard;	/* dropping until the next END */
	uint64_t	 frames;	/* delivered */
	uint64_t	 too_long;	/* longer than mru, dropped */
	uint64_t	 bad_esc;	/* ESC + other byte: frame dropped */
	uint64_t	 empty;		/* END END: ignored */
};

typedef void (*slip_deliver)(void *arg, const uint8_t *frame, size_t len);

int	 slip_dec_init(struct slip_dec *, size_t mru);	/* -1: no memory */
void	 slip_dec_free(struct slip_dec *);
/* Forget the partial frame (its bytes were not a frame after all). */
void	 slip_dec_reset(struct slip_dec *);
/* Bytes held in the partial frame; SIZE_MAX inside an escape or discard. */
size_t	 slip_dec_pending(const struct slip_dec *);
/*
 * Decode n bytes; deliver() gets each complete non-empty frame (the
 * pointer is valid during the call only).  Any split across calls works.
 */
void	 slip_decode(struct slip_dec *, const uint8_t *in, size_t n,
	    slip_deliver deliver, void *arg);
/* Encode with a leading and a trailing END; out has SLIP_ENCMAX(len). */
size_t	 slip_encode(uint8_t *out, const uint8_t *pkt, size_t len);

#endif
