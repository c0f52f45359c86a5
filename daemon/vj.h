/*
 * Van Jacobson TCP/IP header compression (RFC 1144), written from the
 * RFC's description.  Pure code: no fds, no time, no allocation after
 * vj_new().  CSLIP (unit.c) and PPP IPCP VJ use it.
 *
 * Packet types.  On SLIP the type is carried in the first byte's top
 * bits (VJ_TYPE_SLIP() maps a received frame's first byte to one); on
 * PPP it is the protocol number (0x0021 IP, 0x002f uncompressed TCP,
 * 0x002d compressed TCP).  vj_compress() writes the PPP form: an
 * uncompressed-TCP packet is the IP datagram with the slot in its
 * protocol field (first byte still 0x4_); a compressed packet starts
 * with the bare change mask (0x80 clear).  A SLIP sender then applies
 * VJ_SLIP_MARK() to the first byte (0x4_ -> 0x7_ for uncompressed TCP,
 * 0x80 set for compressed TCP).  vj_uncompress() accepts either form.
 */
#ifndef SLIRPD_VJ_H
#define SLIRPD_VJ_H

#include <stddef.h>
#include <stdint.h>

#define VJ_TYPE_ERROR			(-1)
#define VJ_TYPE_IP			0	/* an IP datagram, as is */
#define VJ_TYPE_UNCOMPRESSED_TCP	1	/* slot in the protocol field */
#define VJ_TYPE_COMPRESSED_TCP		2

#define VJ_SLOTS_DEFAULT	16
#define VJ_SLOTS_MIN		1	/* PPP: Max-Slot-Id 0 means one slot */
#define VJ_SLOTS_MAX		256	/* the connection id is one byte */

/* Map a SLIP frame's first byte to a VJ_TYPE_*, VJ_TYPE_ERROR if none. */
#define VJ_TYPE_SLIP(b)	(((b) & 0x80) ? VJ_TYPE_COMPRESSED_TCP :	\
	((b) & 0xf0) == 0x70 ? VJ_TYPE_UNCOMPRESSED_TCP :		\
	((b) & 0xf0) == 0x40 ? VJ_TYPE_IP : VJ_TYPE_ERROR)

/* Mark the first byte of a vj_compress() result for SLIP. */
#define VJ_SLIP_MARK(type, b)	((type) == VJ_TYPE_UNCOMPRESSED_TCP ?	\
	(uint8_t)(((b) & 0x0f) | 0x70) :				\
	(type) == VJ_TYPE_COMPRESSED_TCP ? (uint8_t)((b) | 0x80) : (uint8_t)(b))

/* Longest compressed header: change mask, cid, cksum, 6 deltas of 3. */
#define VJ_MAXHDR	(1 + 1 + 2 + 6 * 3)

struct vj_stats {
	/* Compressor. */
	uint64_t	out_packets;	/* datagrams offered to vj_compress */
	uint64_t	out_tcp;	/* of those, TCP that could compress */
	uint64_t	out_compressed;	/* sent as COMPRESSED_TCP */
	uint64_t	out_uncompressed; /* sent as UNCOMPRESSED_TCP */
	uint64_t	out_searches;	/* slot searches beyond the MRU one */
	uint64_t	out_misses;	/* searches that found no slot */
	uint64_t	out_special_i;	/* SPECIAL_I encodings sent */
	uint64_t	out_special_d;	/* SPECIAL_D encodings sent */
	uint64_t	out_saved;	/* header bytes saved */
	/* Decompressor. */
	uint64_t	in_ip;		/* VJ_TYPE_IP packets */
	uint64_t	in_uncompressed; /* UNCOMPRESSED_TCP accepted */
	uint64_t	in_compressed;	/* COMPRESSED_TCP accepted */
	uint64_t	in_errors;	/* malformed: truncated, bad cid/type */
	uint64_t	in_tossed;	/* compressed while tossing */
	uint64_t	in_lost;	/* vj_lost() calls (damaged frames) */
};

struct vj;

/* Slots per direction, VJ_SLOTS_MIN..VJ_SLOTS_MAX; NULL on bad args/ENOMEM. */
struct vj	*vj_new(unsigned int tx_slots, unsigned int rx_slots);
void		 vj_free(struct vj *);
/*
 * Compress an outgoing IP datagram.  Returns VJ_TYPE_IP (send as is),
 * VJ_TYPE_UNCOMPRESSED_TCP or VJ_TYPE_COMPRESSED_TCP, and writes the bytes
 * to send into out (outsize >= len; out may not overlap pkt), *outlen
 * set.  cid_elision: the connection id may be omitted when unchanged
 * (PPP negotiates it; SLIP allows it).  Never fails: anything it cannot
 * compress is copied and returned as VJ_TYPE_IP.
 */
int		 vj_compress(struct vj *, const uint8_t *pkt, size_t len,
		    uint8_t *out, size_t outsize, size_t *outlen,
		    int cid_elision);
/*
 * Rebuild an IP datagram from a received VJ_TYPE_* packet into out
 * (outsize >= len + 128 always suffices).  -1 on error (counted; then
 * compressed packets are tossed until resync), else 0 with *outlen.
 */
int		 vj_uncompress(struct vj *, int type, const uint8_t *in,
		    size_t len, uint8_t *out, size_t outsize, size_t *outlen);
/* A frame was damaged or lost: toss compressed packets until resync. */
void		 vj_lost(struct vj *);
const struct vj_stats *vj_stats(const struct vj *);
/* Slots per direction, as made by vj_new(). */
unsigned int	 vj_tx_slots(const struct vj *);
unsigned int	 vj_rx_slots(const struct vj *);

#endif
