/* Logging shared by every slirpd process. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_debug_mode;
static int	 log_verbose;
static const char *log_procname = "slirpd";

void
log_init(int debug, int facility)
{
	log_debug_mode = debug;
	log_verbose = debug;
	if (!debug)
		openlog("slirpd", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_procname = procname;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	int saved_errno = errno;

	if (log_debug_mode) {
		/* One write per line, so lines of concurrent processes do not mix. */
		char buf[1024];
		int n;

		n = snprintf(buf, sizeof(buf), "%s[%d]: ", log_procname,
		    (int)getpid());
		if (n < 0 || (size_t)n >= sizeof(buf))
			n = 0;
		vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
		n = strlen(buf);
		if ((size_t)n < sizeof(buf) - 1)
			buf[n++] = '\n';
		else
			buf[sizeof(buf) - 2] = '\n';
		if (write(STDERR_FILENO, buf, n) == -1)
			(void)0;	/* nowhere left to report it */
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

static void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* Log fmt followed by the text of errno. */
static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char msg[768];
	int saved_errno = errno;

	if (fmt == NULL) {
		logit(pri, "%s", strerror(saved_errno));
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		logit(pri, "%s: %s", msg, strerror(saved_errno));
	}
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
