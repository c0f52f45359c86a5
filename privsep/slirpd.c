/*
 * slirpd: the dial-in daemon.  This is the entry point of all three
 * roles: the parent, and (hidden -P, re-executed by the parent) the
 * engine and the exec helper.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "parent.h"

__attribute__((noreturn)) static void usage(void);
int	main(int, char *[], char *[]);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: slirpd [-dnv] [-D macro=value] [-f file]\n");
	exit(1);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct slirpd_conf *conf;
	const char *conffile = SLIRPD_CONF, *role = NULL;
	int ch, debug = 0, noaction = 0, verbose = 0;

	/* Before anything touches argv or environ: it may move them. */
	setproctitle_init(argc, argv, envp);

	while ((ch = getopt(argc, argv, "dD:f:nP:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'D':
			if (cmdline_symset(optarg) < 0)
				errx(1, "could not parse macro definition %s",
				    optarg);
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			role = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc > 0)
		usage();

	if (role != NULL)
		return proc_child_main(role, debug, verbose);

	log_init(1, LOG_DAEMON);	/* stderr until we daemonize */
	log_setverbose(verbose);

	if (!noaction && geteuid() != 0)
		errx(1, "need root privileges");

	if ((conf = parse_config(conffile, 1)) == NULL)
		exit(1);
	if (noaction) {
		if (verbose)
			print_config(stdout, conf);
		fflush(stdout);
		fprintf(stderr, "configuration OK\n");
		free_config(conf);
		exit(0);
	}

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("parent");
	if (!debug && daemon(0, 0) == -1)
		err(1, "daemon");
	return parent_main(conf, conffile, debug, verbose);
}
