/*
 * Listening Unix sockets for the parent: the one slirp(1) connects to
 * and the control socket.  Both refuse to steal a path a running slirpd
 * serves (tests run private daemons beside a real one) and remove only
 * what they bound.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unixsock.h"

/* Create the socket's directory (0755, root's) if it does not exist. */
static int
unixsock_mkdir(const char *path)
{
	char dir[PATH_MAX], *p;
	struct stat st;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		return -1;
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return 0;
	*p = '\0';
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("%s: mkdir %s", __func__, dir);
		return -1;
	}
	return 0;
}

/* 1: a live socket answers there; 0: free (a stale one removed); -1. */
static int
unixsock_in_use(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rv;

	if (lstat(sun->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode))
		return -1;	/* not ours to remove */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rv = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (!rv && unlink(sun->sun_path) == -1 && errno != ENOENT)
		return -1;
	return rv;
}

int
unixsock_listen(struct unixsock *us, const char *path, mode_t mode,
    int backlog)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, rv;

	us->fd = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path[0] != '/' || strlcpy(sun.sun_path, path,
	    sizeof(sun.sun_path)) >= sizeof(sun.sun_path) ||
	    strlen(path) >= sizeof(us->path)) {
		log_warnx("%s: bad socket path \"%s\"", __func__, path);
		return -1;
	}
	if (unixsock_mkdir(path) == -1) {
		log_warnx("%s: no directory for %s", __func__, path);
		return -1;
	}
	if ((rv = unixsock_in_use(&sun)) != 0) {
		log_warnx("%s: %s %s", __func__, path, rv == 1 ?
		    "is served by another slirpd" :
		    "exists and is not a stale socket");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	/* The final mode from the first moment: no window for others. */
	old = umask(~mode & 0777);
	rv = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rv == -1 || chmod(path, mode) == -1 || listen(fd, backlog) == -1 ||
	    stat(path, &st) == -1) {
		log_warn("%s: %s", __func__, path);
		close(fd);
		if (rv == 0)
			unlink(path);
		return -1;
	}
	us->fd = fd;
	us->dev = st.st_dev;
	us->ino = st.st_ino;
	strlcpy(us->path, path, sizeof(us->path));
	return 0;
}

void
unixsock_close(struct unixsock *us)
{
	struct stat st;

	if (us->fd == -1)
		return;
	close(us->fd);
	us->fd = -1;
	/* Another daemon may have taken the path since: leave its socket. */
	if (stat(us->path, &st) == 0 && st.st_dev == us->dev &&
	    st.st_ino == us->ino && unlink(us->path) == -1)
		log_warn("%s: unlink %s", __func__, us->path);
}
