/*
 * PPP settings from the Slirp command language, carried from the parent
 * (privsep/slirpcmd.c) to the engine inside struct engine_config: fixed
 * width fields only.  Zero means the default everywhere.
 */
#ifndef SLIRPD_PPP_OPTS_H
#define SLIRPD_PPP_OPTS_H

#include <stdint.h>

#define PPP_OPTS_RESTART_MAX	60	/* seconds */
#define PPP_OPTS_COUNT_MAX	100	/* max-* counters */
#define PPP_OPTS_ECHO_MAX	3600	/* lcp-echo-interval, seconds */
#define PPP_OPTS_AUTH_TMAX	300	/* pap-timeout, chap-restart, s */
#define PPP_OPTS_CHAPI_MAX	86400	/* chap-interval, seconds */
#define PPP_OPTS_PAP		0x01	/* +pap (as PPP_AUTH_PAP) */
#define PPP_OPTS_CHAP		0x02	/* +chap (as PPP_AUTH_CHAP) */

struct ppp_opts {
	uint32_t	asyncmap;	/* asyncmap MAP: ctrl chars to escape */
	uint32_t	has_asyncmap;
	uint32_t	escape[8];	/* escape XX,YY: more bytes to escape */
	uint32_t	no_pfc, no_acfc; /* -pc, -ac */
	uint32_t	echo_interval;	/* lcp-echo-interval, seconds */
	uint32_t	echo_failure;	/* lcp-echo-failure */
	uint32_t	restart;	/* lcp-restart, seconds */
	uint32_t	max_configure, max_terminate, max_failure;
	uint32_t	auth;		/* PPP_OPTS_PAP | PPP_OPTS_CHAP */
	uint32_t	pap_timeout;	/* seconds */
	uint32_t	chap_restart;	/* seconds */
	uint32_t	chap_max;	/* chap-max-challenge */
	uint32_t	chap_interval;	/* seconds */
};

#endif
