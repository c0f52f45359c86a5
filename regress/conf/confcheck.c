/*
 * Stands in for "slirpd -n [-v] [-D macro=value]... -f file" while the
 * real main is written elsewhere: the same parse, secrecy check, output
 * and exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: confcheck [-v] [-D macro=value] -f file\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct slirpd_conf *conf;
	const char *file = SLIRPD_CONF;
	int ch, verbose = 0;

	while ((ch = getopt(argc, argv, "D:f:nv")) != -1) {
		switch (ch) {
		case 'D':
			if (cmdline_symset(optarg) < 0) {
				fprintf(stderr, "could not parse macro "
				    "definition %s\n", optarg);
				return 1;
			}
			break;
		case 'f':
			file = optarg;
			break;
		case 'n':
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((conf = parse_config(file, 1)) == NULL)
		return 1;
	if (verbose)
		print_config(stdout, conf);
	fflush(stdout);
	fprintf(stderr, "configuration OK\n");
	free_config(conf);
	return 0;
}
