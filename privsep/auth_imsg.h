/*
 * The channel between the parent and an auth helper ("slirpd -P auth",
 * fd ENGINE_CHANNEL_FD), one helper per PAP check: the parent sends
 * CHECK, the helper runs PAM and answers RESULT, then exits.  PAM may
 * sleep (a failure delay) or block on a module; the parent must not.
 */
#ifndef SLIRPD_AUTH_IMSG_H
#define SLIRPD_AUTH_IMSG_H

#include <stdint.h>

#include "ppp_auth.h"

#define AUTH_PAM_SERVICE	"slirpd"	/* /etc/pam.d/slirpd */
#define AUTH_HELPER_TIMEOUT	30		/* seconds for a verdict */

enum auth_imsg_type {
	IMSG_AUTH_CHECK = 300,	/* struct auth_check */
	IMSG_AUTH_RESULT,	/* struct auth_result */
};

struct auth_check {
	char		user[PPP_AUTH_NAMEMAX + 1];	/* NUL-terminated */
	char		password[PPP_AUTH_NAMEMAX + 1];	/* NUL-terminated */
	char		tty[64];			/* PAM_TTY */
};

struct auth_result {
	uint32_t	ok;		/* 1: PAM said yes to both steps */
	char		msg[128];	/* pam_strerror(), NUL-terminated */
};

#endif
