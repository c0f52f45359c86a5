/*
 * PPP authentication in the parent (auth.c) and the PAM helper process
 * (authh.c).
 */
#ifndef SLIRPD_AUTH_H
#define SLIRPD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

struct session;
struct child;

int	 auth_name_ok(const uint8_t *, size_t);
int	 chap_verify(const char *path, const char *server, const char *name,
	    uint8_t id, const uint8_t *chal, size_t chlen, const uint8_t *resp,
	    char *why, size_t whylen);
int	 auth_request(struct session *, const void *, size_t);
int	 auth_helper_msg(struct session *, struct child *, struct imsg *);
void	 auth_helper_gone(struct session *);
/* ms until a helper's time is up, or -1; kills the late ones. */
int	 auth_timeouts(void);
int	 authh_main(int debug, int verbose);

#endif
