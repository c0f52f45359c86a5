/*
 * The auth helper ("slirpd -P auth"): one PAP password check through
 * PAM, then exit.  It runs as root because pam_unix must read the
 * shadow file; it holds nothing but its channel, and the parent gives
 * it one user name and password and takes one answer.
 */
#include <sys/types.h>
#include <errno.h>
#include <poll.h>
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "auth.h"
#include "auth_imsg.h"
#include "engine_imsg.h"
#include "imsg.h"
#include "log.h"
#include "parent.h"

/* The password for every hidden prompt; the user name for a shown one. */
static int
authh_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	const struct auth_check *ac = arg;
	struct pam_response *r;
	const char *ans;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG ||
	    (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			ans = ac->password;
			break;
		case PAM_PROMPT_ECHO_ON:
			ans = ac->user;
			break;
		default:
			log_debug("%s: PAM says: %s", __func__, msg[i]->msg);
			continue;
		}
		if ((r[i].resp = strdup(ans)) == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static void
authh_check(const struct auth_check *ac, struct auth_result *res)
{
	struct pam_conv conv = { authh_conv, (void *)ac };
	pam_handle_t *ph;
	int rv;

	if ((rv = pam_start(AUTH_PAM_SERVICE, ac->user, &conv, &ph)) !=
	    PAM_SUCCESS) {
		strlcpy(res->msg, "pam_start failed", sizeof(res->msg));
		return;
	}
	if (ac->tty[0] != '\0')
		(void)pam_set_item(ph, PAM_TTY, ac->tty);
	rv = pam_authenticate(ph, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	/* A locked or expired account is refused as well. */
	if (rv == PAM_SUCCESS)
		rv = pam_acct_mgmt(ph, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	res->ok = rv == PAM_SUCCESS;
	strlcpy(res->msg, pam_strerror(ph, rv), sizeof(res->msg));
	pam_end(ph, rv);
}

int
authh_main(int debug, int verbose)
{
	struct pollfd pfd = { .fd = ENGINE_CHANNEL_FD, .events = POLLIN };
	struct imsgbuf ibuf;
	struct imsg imsg;
	struct auth_check ac;
	struct auth_result res;
	ssize_t n;

	log_init(1, LOG_AUTH);
	log_setverbose(verbose);
	log_procinit("auth");
	imsg_init(&ibuf, ENGINE_CHANNEL_FD);
	for (;;) {
		if ((n = imsg_get(&ibuf, &imsg)) == -1)
			fatalx("%s: bad message", __func__);
		if (n > 0)
			break;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("%s: poll", __func__);
		if ((n = imsg_read(&ibuf)) == 0)
			exit(0);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fatal("%s: read", __func__);
	}
	if (imsg.hdr.type != IMSG_AUTH_CHECK ||
	    imsg_get_len(&imsg) != sizeof(ac))
		fatalx("%s: unexpected message %u", __func__, imsg.hdr.type);
	memcpy(&ac, imsg.data, sizeof(ac));
	explicit_bzero(imsg.data, sizeof(ac));
	imsg_free(&imsg);
	ac.user[sizeof(ac.user) - 1] = '\0';
	ac.password[sizeof(ac.password) - 1] = '\0';
	ac.tty[sizeof(ac.tty) - 1] = '\0';
	memset(&res, 0, sizeof(res));
	authh_check(&ac, &res);
	explicit_bzero(&ac, sizeof(ac));
	if (imsg_compose(&ibuf, IMSG_AUTH_RESULT, 0, 0, -1, &res,
	    sizeof(res)) == -1 || imsg_flush(&ibuf) == -1)
		fatal("%s: result", __func__);
	return 0;
}
