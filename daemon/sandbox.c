/*
 * The engine sandbox.  Order matters: chroot needs CAP_SYS_CHROOT and
 * dropping the bounding set needs CAP_SETPCAP, so both happen while we
 * are still root; then the user changes (which empties the effective
 * and permitted sets), what is left is cleared explicitly, and
 * no_new_privs and the seccomp filter come last, so the filter need not
 * allow any of the set-up calls.
 *
 * The seccomp allowlist.  Everything else kills the whole process
 * (SCMP_ACT_KILL_PROCESS), which the parent logs as SIGSYS.  Each entry
 * names who needs it ("syscall:" comments mark the call sites):
 *   read, readv		unit_input (the line), tcp (host sockets),
 *				imsg_read is recvmsg
 *   write, writev		unit_flush (the line), tcp, logging (-d)
 *   recvmsg, sendmsg		imsg: the parent channel, fds passed in;
 *				tcp_subr sendmsg(MSG_NOSIGNAL); icmp, udp:
 *				recvmsg(MSG_ERRQUEUE) for ICMP errors
 *   recvfrom, sendto		udp, dns, icmp on sockets the parent made;
 *				syslog(3) sends on its pre-opened socket
 *   poll, ppoll		the event loop, imsg_flush
 *   close			sockets the stack closes, fds we received
 *   getsockopt		tcp: SO_ERROR after a non-blocking connect;
 *				icmp: SO_TYPE (ping or raw socket); icmp, udp:
 *				IP_RECVERR
 *   setsockopt		tcp: SO_LINGER for resets; levels SOL_SOCKET and
 *				IPPROTO_TCP only: never IP_HDRINCL on a raw
 *				ICMP socket from the parent (source spoofing),
 *				nor its ICMP_FILTER (SOL_RAW)
 *   shutdown		tcp: half close (FIN from the guest)
 *   fcntl			F_GETFL/F_SETFL/F_GETFD/F_SETFD only (O_NONBLOCK)
 *   clock_gettime,
 *   gettimeofday		the monotonic ms clock of the stack; syslog's
 *				time stamp (normally vDSO, no syscall)
 *   getrandom		arc4random: IP ids, TCP ISNs, DNS ids
 *   brk, mmap, munmap,
 *   mremap, madvise	malloc
 *   mprotect		malloc (glibc heap growth), never PROT_EXEC
 *   getpid, gettid		log lines, abort(3)
 *   rt_sigprocmask,
 *   tgkill			abort(3) on an internal error: SIGABRT, not
 *				SIGSYS, so the parent logs the real cause;
 *				tgkill only to our own process
 *   rt_sigreturn		signal return
 *   exit, exit_group	exit
 * Test build (ASan): sigaltstack, which the runtime calls at exit.  A
 * sanitizer report from inside the sandbox still ends in SIGSYS (the
 * runtime reads /proc/self/cmdline for its header); the stack's unit
 * tests run the same code unsandboxed, where reports work.
 * Not allowed: open/openat, socket, connect, bind, listen, accept,
 * execve, fork/clone, ptrace, ioctl (DCD monitoring is the parent's:
 * it owns the line's modem control), kill of other processes.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "log.h"
#include "sandbox.h"

/* The bounding set: needs CAP_SETPCAP, so call it while still root. */
int
sandbox_drop_bound(void)
{
	cap_value_t c;

	for (c = 0; c <= CAP_LAST_CAP + 32; c++) {
		if (cap_get_bound(c) < 0)
			break;	/* past the kernel's last capability */
		if (cap_drop_bound(c) == -1) {
			log_warn("%s: cap_drop_bound %d", __func__, c);
			return -1;
		}
	}
	return 0;
}

/* Effective, permitted, inheritable and ambient: all empty. */
int
sandbox_drop_caps(void)
{
	cap_t caps;
	int rv = 0;

	if (cap_reset_ambient() == -1 && errno != EINVAL)
		log_warn("%s: cap_reset_ambient", __func__);
	if ((caps = cap_init()) == NULL) {
		log_warn("%s: cap_init", __func__);
		return -1;
	}
	if (cap_clear(caps) == -1 || cap_set_proc(caps) == -1) {
		log_warn("%s: cap_set_proc", __func__);
		rv = -1;
	}
	cap_free(caps);
	return rv;
}

static int
allow(scmp_filter_ctx ctx, int nr)
{
	int rc;

	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

static int
sandbox_seccomp(void)
{
	scmp_filter_ctx ctx;
	static const int plain[] = {
		SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(write),
		SCMP_SYS(writev), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
		SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(poll),
		SCMP_SYS(ppoll), SCMP_SYS(close), SCMP_SYS(getsockopt),
		SCMP_SYS(shutdown),
		SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
		SCMP_SYS(getrandom), SCMP_SYS(brk), SCMP_SYS(mmap),
		SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
		SCMP_SYS(getpid), SCMP_SYS(gettid),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
		SCMP_SYS(exit), SCMP_SYS(exit_group),
#ifdef __SANITIZE_ADDRESS__
		/*
		 * The ASan runtime (test build only) removes its alternate
		 * signal stack when the process exits.
		 */
		SCMP_SYS(sigaltstack),
#endif
	};
	static const int fcntls[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD };
	static const int sockopt_levels[] = { SOL_SOCKET, IPPROTO_TCP };
	size_t i;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		log_warnx("%s: seccomp_init", __func__);
		return -1;
	}
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (allow(ctx, plain[i]) == -1)
			goto fail;
	for (i = 0; i < sizeof(fcntls) / sizeof(fcntls[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_EQ,
		    (scmp_datum_t)fcntls[i]))) < 0) {
			errno = -rc;
			goto fail;
		}
	for (i = 0; i < sizeof(sockopt_levels) / sizeof(sockopt_levels[0]);
	    i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(setsockopt), 1, SCMP_A1(SCMP_CMP_EQ,
		    (scmp_datum_t)sockopt_levels[i]))) < 0) {
			errno = -rc;
			goto fail;
		}
	/* mprotect, but never to make memory executable. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
	    1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0) {
		errno = -rc;
		goto fail;
	}
	/* abort(3): a signal to ourselves only. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill),
	    1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()))) < 0) {
		errno = -rc;
		goto fail;
	}
	if ((rc = seccomp_load(ctx)) < 0) {
		errno = -rc;
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	log_warn("%s", __func__);
	seccomp_release(ctx);
	return -1;
}

int
sandbox_engine(uid_t uid, gid_t gid, const char *chroot_dir)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (uid == 0 || gid == 0) {
		log_warnx("%s: refusing to run the engine as root", __func__);
		return -1;
	}
	if (chroot(chroot_dir) == -1 || chdir("/") == -1) {
		log_warn("%s: chroot %s", __func__, chroot_dir);
		return -1;
	}
	/* Bounding set first: it needs CAP_SETPCAP, which setresuid ends. */
	if (sandbox_drop_bound() == -1)
		return -1;
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_warn("%s: cannot become %u:%u", __func__, (unsigned)uid,
		    (unsigned)gid);
		return -1;
	}
	if (getresuid(&r, &e, &s) == -1 || r != uid || e != uid ||
	    s != uid || getresgid(&gr, &ge, &gs) == -1 || gr != gid ||
	    ge != gid || gs != gid) {
		log_warnx("%s: still privileged", __func__);
		return -1;
	}
	/* setresuid cleared them; make sure (and the ambient set too). */
	if (sandbox_drop_caps() == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("%s: no_new_privs", __func__);
		return -1;
	}
	return sandbox_seccomp();
}
