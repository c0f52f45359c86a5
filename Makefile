# slirpd -- top-level GNU makefile.
#
#   make            build slirpd, slirp, slirpctl (hardened, no sanitizers) in obj/
#   make test       build everything with ASan+UBSan in obj-san/ and run kyua
#   make deps       install build and test dependencies (Debian 12, as root)
#   make install    PREFIX=/usr/local DESTDIR=
#   make lint       mandoc -Tlint on the man pages, cppcheck on the sources
#   make fuzz       build and run the libFuzzer harnesses briefly
#   make bench      throughput benchmarks (see regress/bench)

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	 = $(PREFIX)/sbin
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
PAMDIR	?= /etc/pam.d

CC	?= cc
YACC	 = byacc
# libpam: PAP checks (privsep/authh.c); libmd: MD5 for CHAP (libbsd's
# own dependency, so nothing new is installed for it).
PKGS	 = libseccomp libcap libmd libbsd-overlay pam
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ATF_CFLAGS := $(shell pkg-config --cflags atf-c 2>/dev/null)
ATF_LIBS   := $(shell pkg-config --libs atf-c 2>/dev/null)

SAN	?= 0
OBJ	?= obj

WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wmissing-prototypes \
	   -Wstrict-prototypes -Wformat=2 -Wno-unused-parameter
HARDEN	 = -fstack-protector-strong -fstack-clash-protection -fPIE \
	   -D_FORTIFY_SOURCE=2
OPT	?= -O2 -g
CSTD	 = -std=c17 -D_GNU_SOURCE
INCS	 = -Icommon -Idaemon -Iprivsep -I$(OBJ)/privsep
LDHARDEN = -pie -Wl,-z,relro,-z,now

ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
HARDEN	 = -fstack-protector-strong -fPIE
OPT	 = -O1 -g
TESTDEF	 = -DSLIRPD_TESTING
# ASan's crypt() interceptor finds libcrypt only if it is loaded at
# start; pam_unix, dlopen'ed later by the auth helper, would call NULL.
PKG_LIBS += -Wl,--no-as-needed -lcrypt -Wl,--as-needed
endif

ALL_CFLAGS  = $(CSTD) $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) $(TESTDEF) \
	      $(INCS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(SANFLAGS) $(LDFLAGS)

# Program entry points; every other source goes into libslirpd.a.
MAINS	 = privsep/slirpd.c privsep/slirp.c privsep/slirpctl.c
YSRCS	 = $(wildcard privsep/*.y)
LIBSRCS	 = $(filter-out $(MAINS), $(wildcard common/*.c daemon/*.c privsep/*.c))
LIBOBJS	 = $(LIBSRCS:%.c=$(OBJ)/%.o) $(YSRCS:%.y=$(OBJ)/%.o)
LIB	 = $(OBJ)/libslirpd.a
PROGS	 = $(OBJ)/slirpd $(OBJ)/slirp $(OBJ)/slirpctl

# Tests: regress/AREA/NAME_test.c (atf-c), regress/AREA/NAME_test.sh
# (atf-sh), and helper programs regress/AREA/NAME.c; fuzz and bench
# have their own targets.
TDIRS	 = $(filter-out regress/fuzz regress/bench, $(wildcard regress/*))
T_CSRCS	 = $(wildcard $(TDIRS:%=%/*_test.c))
T_SHS	 = $(wildcard $(TDIRS:%=%/*_test.sh))
T_HELP	 = $(filter-out $(T_CSRCS), $(wildcard $(TDIRS:%=%/*.c)))
T_PROGS	 = $(T_CSRCS:%.c=$(OBJ)/%) $(T_SHS:%.sh=$(OBJ)/%) \
	   $(T_HELP:%.c=$(OBJ)/%)
T_DATA	 = $(filter-out %.c %.sh %.h %Kyuafile, $(wildcard $(TDIRS:%=%/*)))

MANS	 = $(wildcard man/*.[158])

.PHONY: all test check deps install lint fuzz bench bench-line demo clean
.SUFFIXES:
# Keep the byacc output: it is a prerequisite of every object.
.SECONDARY: $(YSRCS:%.y=$(OBJ)/%.c)

all: $(PROGS)

$(OBJ)/%.o: %.c $(wildcard common/*.h daemon/*.h privsep/*.h) $(YSRCS:%.y=$(OBJ)/%.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(OBJ)/privsep/%.c: privsep/%.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

$(OBJ)/privsep/%.o: $(OBJ)/privsep/%.c
	$(CC) $(ALL_CFLAGS) -Wno-unused-but-set-variable -c -o $@ $<

$(LIB): $(LIBOBJS)
	rm -f $@
	ar rcs $@ $^

$(OBJ)/slirpd: $(OBJ)/privsep/slirpd.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(OBJ)/slirp: $(OBJ)/privsep/slirp.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(OBJ)/slirpctl: $(OBJ)/privsep/slirpctl.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OBJ)/regress/%_test: regress/%_test.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ATF_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    regress/sandefaults.c $(LIB) \
	    $(PKG_LIBS) $(ATF_LIBS)
$(OBJ)/regress/%_test: regress/%_test.sh
	@mkdir -p $(@D)
	{ echo '#! /usr/bin/atf-sh'; cat $<; } > $@ && chmod 755 $@
$(OBJ)/regress/%: regress/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lutil

# Test data (golden files, configs) is copied beside the programs.
testdata: $(T_DATA)
	@for f in $(T_DATA); do mkdir -p $(OBJ)/$$(dirname $$f); \
	    cp -Rp $$f $(OBJ)/$$f; done

deps:
	sh regress/deps.sh

# The README's first command (as root): dependencies, a build, then a
# kernel client fetching pages through a private slirpd (regress/demo.sh).
demo:
	sh regress/deps.sh
	@$(MAKE) --no-print-directory all $(OBJ)/regress/e2e/slipshim
	sh regress/demo.sh $(OBJ)

# Throughput, as root: raw pty, libslirp, slirp-fullbolt and slirpd side by
# side (regress/bench/run.sh; BENCH_RUNS, BENCH_MB, BENCH_ROWS), after the
# paced 115200-baud line with QEMU guests (regress/bench/line.sh; BENCH_LINE,
# BENCH_LINE_KB; `make bench-line` runs only that).  Bench helpers are
# built with normal optimisation into obj-bench/; a tree whose slirpd does
# not build still benchmarks the other rows.
BENCH	 = obj-bench
BENCH_CF = -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	   -Wno-unused-parameter
BENCH_PROGS = $(BENCH)/libslirp_slip $(BENCH)/ptyraw $(BENCH)/bsrv \
	   $(BENCH)/slipshim $(BENCH)/ptypace

bench:
	sh regress/deps.sh
	-@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(BENCH_PROGS)
	sh regress/bench/run.sh $(OBJ) $(BENCH)

# Only the paced 115200-baud line section (BENCH_ROWS=line).
bench-line:
	sh regress/deps.sh
	-@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(BENCH_PROGS)
	BENCH_ROWS=line sh regress/bench/run.sh $(OBJ) $(BENCH)

$(BENCH)/libslirp_slip: regress/bench/libslirp_slip.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CF) -I/usr/include/slirp -o $@ $< -lslirp
$(BENCH)/ptyraw: regress/bench/ptyraw.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CF) -o $@ $< -lutil
$(BENCH)/ptypace: regress/bench/ptypace.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CF) -o $@ $< -lutil
$(BENCH)/bsrv: regress/bench/bsrv.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CF) -o $@ $<
# The shim's CSLIP side (-c) uses the library's VJ code.
$(BENCH)/slipshim: regress/e2e/slipshim.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CF) $(INCS) $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) \
	    -lutil

# The test suite always runs the sanitizer build.
test: deps
	@$(MAKE) --no-print-directory SAN=1 OBJ=obj-san check

check: $(PROGS) $(T_PROGS) testdata
	rm -f $(OBJ)/results.db
	-cd regress && kyua test --build-root=../$(OBJ)/regress \
	    --results-file=../$(OBJ)/results.db
	cd regress && kyua report --results-file=../$(OBJ)/results.db \
	    --verbose --results-filter=broken,failed > ../$(OBJ)/report.txt \
	    || true
	sh regress/summary.sh $(OBJ)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(OBJ)/slirpd $(OBJ)/slirpctl $(DESTDIR)$(SBINDIR)
	install -m 755 $(OBJ)/slirp $(DESTDIR)$(BINDIR)
	for m in $(MANS); do s=$${m##*.}; \
	    install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	# PAP's PAM service; an administrator's own file is kept.
	install -d $(DESTDIR)$(PAMDIR)
	[ -e $(DESTDIR)$(PAMDIR)/slirpd ] || \
	    install -m 644 etc/pam.d/slirpd $(DESTDIR)$(PAMDIR)/slirpd

lint:
	mandoc -Tlint -Wwarning $(MANS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -D__linux__ \
	    --include=/usr/include/$$(gcc -dumpmachine)/sys/queue.h -Icommon -Idaemon -Iprivsep \
	    common daemon privsep

# Fuzzing: each regress/fuzz/NAME_fuzz.c becomes obj-fuzz/NAME_fuzz, linked
# with a clang copy of the library, and runs for FUZZTIME seconds.
FUZZCC	 ?= clang
FUZZTIME ?= 30
FUZZBASE = -std=c17 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer \
	    -DSLIRPD_TESTING -Icommon -Idaemon -Iprivsep -Iobj-fuzz/privsep \
	    $(PKG_CFLAGS)
# The library is instrumented without libFuzzer's main; the harness links it.
FUZZLIBFLAGS = $(FUZZBASE) -fsanitize=fuzzer-no-link,address,undefined
FUZZFLAGS = $(FUZZBASE) -fsanitize=fuzzer,address,undefined
F_SRCS	 = $(wildcard regress/fuzz/*_fuzz.c)
F_PROGS	 = $(F_SRCS:regress/fuzz/%.c=obj-fuzz/%)
F_LIBOBJS = $(LIBSRCS:%.c=obj-fuzz/%.o) $(YSRCS:%.y=obj-fuzz/%.o)

obj-fuzz/%.o: %.c $(wildcard common/*.h daemon/*.h privsep/*.h) $(YSRCS:%.y=obj-fuzz/%.c)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZLIBFLAGS) -c -o $@ $<
obj-fuzz/privsep/%.c: privsep/%.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<
obj-fuzz/privsep/%.o: obj-fuzz/privsep/%.c
	$(FUZZCC) $(FUZZLIBFLAGS) -c -o $@ $<
obj-fuzz/libslirpd.a: $(F_LIBOBJS)
	rm -f $@
	ar rcs $@ $^
obj-fuzz/%_fuzz: regress/fuzz/%_fuzz.c obj-fuzz/libslirpd.a
	$(FUZZCC) $(FUZZFLAGS) -o $@ $< obj-fuzz/libslirpd.a $(PKG_LIBS)

fuzz: $(F_PROGS)
	@for f in $(F_PROGS); do \
	    mkdir -p $$f.corpus && \
	    echo "fuzz: $$f for $(FUZZTIME)s" && \
	    $$f -max_total_time=$(FUZZTIME) -print_final_stats=1 \
	    $$f.corpus || exit 1; done

clean:
	rm -rf obj obj-san obj-fuzz obj-bench
