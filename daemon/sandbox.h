/* The engine's confinement: user, chroot, capabilities, seccomp. */
#ifndef SLIRPD_SANDBOX_H
#define SLIRPD_SANDBOX_H

#include <sys/types.h>

/*
 * Become uid/gid (never 0) inside an empty chroot, drop every
 * capability (bounding set too), set no_new_privs and load the seccomp
 * allowlist.  Returns 0, or -1 after logging what failed; the caller
 * must then exit.
 */
int	sandbox_engine(uid_t uid, gid_t gid, const char *chroot_dir);
/* The bounding set (needs root, so before changing user). */
int	sandbox_drop_bound(void);
/* Effective, permitted, inheritable, ambient (after changing user). */
int	sandbox_drop_caps(void);

#endif
