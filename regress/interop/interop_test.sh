# interop_test.sh -- slirpd against dial-up clients nobody here wrote: a
# Debian Linux guest under QEMU whose second serial port is a pty served by
# "slirp -S sock" of a private slirpd.  In the guest, the kernel's own
# SLIP/CSLIP driver (slattach) or pppd brings the line up, then busybox
# pings 10.0.2.2, resolves test.slirp through 10.0.2.3 (a loopback
# dnsmasq), fetches a 1 MB file from a loopback HTTP server through
# 10.0.2.2 and uploads it to a loopback listener (see init.sh).
#
# The guest is built by mkimage.sh from Debian packages and cached under
# /var/cache/slirpd-interop (SLIRPD_INTEROP_CACHE).  QEMU uses KVM when a
# probe boot shows that it works (the verdict is cached per boot), TCG
# otherwise.
#
# A mode the server does not support yet is skipped, with the reason found
# by asking the server before booting anything (helper.py probe): the
# error the slirp front end prints for a command it refuses, or for PPP,
# that slirpd in PPP mode leaves an LCP Configure-Request unanswered.
#
# SLIRPD_INTEROP_SIZE changes the 1 MB transfer size.  By hand, as root:
#   make SAN=1 OBJ=obj-san obj-san/regress/interop/interop_test testdata
#   cd regress && kyua test --build-root=../obj-san/regress interop

IT_PASS=interop-pw-4711
IT_BAD=wrong-pw-0815
IT_SIZE=${SLIRPD_INTEROP_SIZE:-1048576}

it_head()
{
	atf_set descr "$1"
	atf_set require.user root
	atf_set timeout 420
}

# The e2e harness (process groups, dnsmasq, HTTP server, cleanup) and our
# own scripts live in the source tree; the object tree has helper.py.
it_source()
{
	_src=$(atf_get_srcdir)
	IT_SRC=$_src/../../../regress/interop
	[ -f "$IT_SRC/mkimage.sh" ] || atf_fail "no regress/interop from $_src"
	. "$_src/../../../regress/e2e/lib.sh"
	IT_HELPER=$_src/helper.py
}

it_fail()
{
	e2e_logs
	if [ -f "$WORK/console.log" ]; then
		echo "---- console (INTEROP lines)" >&2
		grep 'INTEROP' "$WORK/console.log" >&2
	fi
	atf_fail "$*"
}

it_setup()
{
	it_source
	command -v qemu-system-x86_64 >/dev/null ||
	    atf_skip "qemu-system-x86_64 missing (make deps)"
	e2e_init "$(atf_get_srcdir)/../.." || atf_fail "e2e_init failed"
	[ -x "$E2E_OBJ/slirpd" ] && [ -x "$E2E_OBJ/slirp" ] ||
	    atf_fail "slirpd or slirp not built in $E2E_OBJ"
	echo "interop: work $WORK" >&2
}

# The guest (built once, then cached): IT_IMG.
it_image()
{
	IT_IMG=$(sh "$IT_SRC/mkimage.sh" 2>"$WORK/mkimage.log") || {
		cat "$WORK/mkimage.log" >&2
		atf_fail "cannot build the guest image"
	}
	echo "interop: image $IT_IMG" >&2
}

it_teardown()
{
	it_source
	_st=$PWD/e2e.state
	if [ -f "$_st" ]; then
		grep '^user ' "$_st" | while read -r _k _u; do
			userdel "$_u" 2>/dev/null
		done
	fi
	e2e_cleanup
}

# it_kvm: "-accel kvm" when a probe boot under KVM reaches the guest's
# init within 30 s, else "-accel tcg".  A KVM that is there but unusable
# (nested, no EPT) boots slower than TCG or not at all.
it_accel()
{
	_boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	_v=${SLIRPD_INTEROP_CACHE:-/var/cache/slirpd-interop}/kvm-$_boot
	if [ ! -f "$_v" ]; then
		_ok=tcg
		if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then
			timeout 30 qemu-system-x86_64 -accel kvm -display none \
			    -no-reboot -m 256 -nic none -monitor none \
			    -kernel "$IT_IMG/vmlinuz" -initrd "$IT_IMG/initrd.gz" \
			    -append "console=ttyS0 quiet interop.mode=probe" \
			    -serial "file:$WORK/kvmprobe.log" -serial null \
			    >/dev/null 2>&1
			grep -q 'INTEROP done' "$WORK/kvmprobe.log" 2>/dev/null &&
			    _ok=kvm
		fi
		echo "$_ok" > "$_v"
	fi
	IT_ACCEL=$(cat "$_v")
}

# A private slirpd as in the e2e harness, plus the mode's authentication
# statements (IT_CONF_EXTRA), which "slirpd -n" must accept first.
it_slirpd_start()
{
	e2e_dns_start || it_fail "dnsmasq did not start"
	mkdir -p "$WORK/empty"
	chmod 755 "$WORK/empty"
	(umask 077; cat > "$WORK/slirpd.conf" <<-EOF
	socket "$WORK/slirpd.sock"
	control socket "$WORK/slirpctl.sock"
	engine user "nobody"
	chroot "$WORK/empty"
	resolver 127.0.0.1 port $DNS_PORT
	${IT_CONF_EXTRA:-}
	policy "default" {
		host-alias loopback
		allow to any
	}
	EOF
	)
	# A refusal matters only once the mode itself is there (it_probe).
	IT_CONF_NO=
	if ! "$E2E_OBJ/slirpd" -n -f "$WORK/slirpd.conf" \
	    > "$WORK/conftest.log" 2>&1; then
		IT_CONF_NO="slirpd -n rejects '$IT_CONF_EXTRA':"
		IT_CONF_NO="$IT_CONF_NO $(head -n 1 "$WORK/conftest.log")"
		grep -v -F "$IT_CONF_EXTRA" "$WORK/slirpd.conf" \
		    > "$WORK/slirpd.conf.new"
		mv "$WORK/slirpd.conf.new" "$WORK/slirpd.conf"
		chmod 600 "$WORK/slirpd.conf"
	fi
	e2e_bg slirpd "$E2E_OBJ/slirpd" -d -f "$WORK/slirpd.conf"
	SLIRPD_PID=$E2E_PID
	e2e_wait 10 test -S "$WORK/slirpd.sock" ||
	    it_fail "slirpd did not create its socket"
}

# it_probe PPP ARGS...: skip unless the server takes this mode.
it_probe()
{
	_lcp=
	[ "$1" = ppp ] && _lcp=--lcp
	shift
	python3 "$IT_HELPER" probe 5 $_lcp -- env HOME="$WORK" \
	    "$E2E_OBJ/slirp" -S "$WORK/slirpd.sock" "$@" > "$WORK/probe.log" 2>&1
	_no=$(grep -i -m 1 'not supported\|unknown command\|invalid' \
	    "$WORK/probe.log" | sed 's/^text //')
	[ -n "$_no" ] && atf_skip "the server refuses '$*': $_no"
	if [ -n "$_lcp" ] && ! grep -q '^lcp yes' "$WORK/probe.log"; then
		_b=$(sed -n 's/^text \(\[talking.*\]\)$/\1/p' "$WORK/probe.log")
		atf_skip "slirp '$*' (banner '${_b:-none}') leaves an LCP" \
		    "Configure-Request unanswered: no PPP in this slirpd"
	fi
	[ -n "$IT_CONF_NO" ] && atf_skip "$IT_CONF_NO"
	return 0
}

# it_boot MODE ARGS...: servers, guest, and slirp on the guest's ttyS1;
# returns when the guest said "INTEROP done" (or gave up).
it_boot()
{
	_mode=$1
	shift
	mkdir -p "$WORK/www"
	e2e_mkfile "$WORK/www/file" "$IT_SIZE"
	e2e_http_start "$WORK/www" || it_fail "http server did not start"
	e2e_bg sink python3 "$IT_HELPER" sink "$WORK/sink.port" \
	    "$WORK/upload" "$IT_SIZE"
	e2e_wait 10 test -s "$WORK/sink.port" || it_fail "sink did not start"
	_up=$(cat "$WORK/sink.port")
	it_image
	it_accel
	echo "interop: mode $_mode, accel $IT_ACCEL, slirp $*" >&2
	_t0=$(date +%s)
	e2e_bg qemu qemu-system-x86_64 -accel "$IT_ACCEL" -display none \
	    -no-reboot -m 256 -nic none -monitor none \
	    -kernel "$IT_IMG/vmlinuz" -initrd "$IT_IMG/initrd.gz" \
	    -append "console=ttyS0 quiet interop.mode=$_mode \
interop.port=$HTTP_PORT interop.up=$_up interop.user=${IT_USER:-none} \
interop.pass=${IT_PW:-none}" \
	    -serial "file:$WORK/console.log" \
	    -chardev pty,id=s1 -serial chardev:s1
	QEMU_PID=$E2E_PID
	e2e_wait 20 grep -q 'redirected to /dev/pts/.*s1' "$WORK/qemu.log" ||
	    it_fail "qemu did not make its pty"
	_pty=$(sed -n 's|.*redirected to \(/dev/pts/[0-9]*\).*s1.*|\1|p' \
	    "$WORK/qemu.log" | head -n 1)
	# slirp needs the line as its terminal; its messages go to a log.
	_err=$WORK/slirp-stderr.log
	set -- "$E2E_OBJ/slirp" -S "$WORK/slirpd.sock" "$@"
	e2e_bg slirp sh -c 'h=$1 p=$2 e=$3; shift 3
	    exec env HOME="$h" "$@" <> "$p" >&0 2> "$e"' \
	    sh "$WORK" "$_pty" "$_err" "$@"
	_end=$((_t0 + ${SLIRPD_INTEROP_WAIT:-300}))
	while [ "$(date +%s)" -lt "$_end" ]; do
		grep -q 'INTEROP done' "$WORK/console.log" 2>/dev/null && break
		e2e_alive "$QEMU_PID" || break
		sleep 1
	done
	_t1=$(date +%s)
	echo "interop: guest ran $((_t1 - _t0)) s" >&2
	grep -q 'INTEROP done' "$WORK/console.log" ||
	    it_fail "the guest did not finish within the limit"
	grep 'INTEROP' "$WORK/console.log" | tr -d '\r' >&2
}

# it_line WHAT: the detail of "INTEROP WHAT ok DETAIL", or fail.
it_ok()
{
	_l=$(grep "^INTEROP $1 " "$WORK/console.log" | tr -d '\r' | head -n 1)
	case $_l in
	"INTEROP $1 ok"*) echo "${_l#INTEROP $1 ok}" | sed 's/^ *//; s/ *$//';;
	*) it_fail "$1: ${_l:-no report}";;
	esac
}

# Every service check of a guest whose link came up.
it_check()
{
	_link=$(it_ok link) || exit 1
	_ping=$(it_ok ping) || exit 1
	[ "$_ping" = 3 ] || it_fail "ping: $_ping of 3 echo replies"
	_dns=$(it_ok dns) || exit 1
	[ "$_dns" = 192.0.2.7 ] || it_fail "dns: test.slirp is '$_dns'"
	_f=$(it_ok fetch) || exit 1
	[ "$_f" = "$(e2e_sha "$WORK/www/file") $IT_SIZE" ] ||
	    it_fail "fetch: guest got '$_f'"
	it_ok upload >/dev/null || exit 1
	e2e_wait 10 test "$(wc -c < "$WORK/upload")" -eq "$IT_SIZE"
	[ "$(e2e_sha "$WORK/upload")" = "$(e2e_sha "$WORK/www/file")" ] ||
	    it_fail "upload: $(wc -c < "$WORK/upload") bytes, digest differs"
	echo "$_link"
}

# PPP adds: the server assigned 10.0.2.15 and stated 10.0.2.2 (pppd had
# no address options), offered 10.0.2.3 as DNS, and hung up cleanly.
it_check_ppp()
{
	_f=$(grep -a '^INTEROP pppd fail' "$WORK/console.log" | tr -d '\r')
	[ -n "$_f" ] && it_fail "the link did not come up: $_f"
	_link=$(it_check) || exit 1
	[ "$_link" = "ppp0 10.0.2.15 10.0.2.2" ] ||
	    it_fail "ppp addresses: '$_link'"
	_d=$(it_ok peerdns) || exit 1
	case " $_d " in
	*" 10.0.2.3 "*) ;;
	*) it_fail "peer DNS addresses '$_d' lack 10.0.2.3";;
	esac
	it_ok hangup >/dev/null || exit 1
}

# it_auth pap|chap: a throw-away account for PAP (PAM) and a CHAP secrets
# file, both for user IT_USER with password IT_PASS.
it_auth()
{
	IT_USER=slirpit$$
	case $1 in
	pap)
		command -v useradd >/dev/null || atf_skip "no useradd"
		echo "user $IT_USER" >> "$E2E_STATE"
		useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$IT_USER" ||
		    atf_fail "useradd failed"
		echo "$IT_USER:$IT_PASS" | chpasswd || atf_fail "chpasswd failed"
		IT_CONF_EXTRA=
		;;
	chap)
		(umask 077; printf '%s * %s *\n' "$IT_USER" "$IT_PASS" \
		    > "$WORK/chap-secrets")
		IT_CONF_EXTRA="chap-secrets \"$WORK/chap-secrets\""
		;;
	esac
}

# it_refused pap|chap: the guest's pppd gave up authenticating to the
# peer (exit 19), no link came up, and slirpd logged the refusal.
it_refused()
{
	grep -q '^INTEROP link ok' "$WORK/console.log" &&
	    it_fail "the link came up with a wrong password"
	grep -q '^INTEROP pppd fail exit 19' "$WORK/console.log" ||
	    it_fail "pppd did not fail authentication:" \
	    "$(grep '^INTEROP pppd' "$WORK/console.log")"
	grep -i "$1" "$WORK/slirpd.log" |
	    grep -q -i 'fail\|refus\|reject\|denied\|bad\|wrong' ||
	    it_fail "slirpd logged no $1 refusal"
}

# it_mode MODE PPP? ARGS...: the whole case.
it_mode()
{
	_m=$1 _p=$2
	shift 2
	it_setup
	it_slirpd_start
	it_probe "$_p" "$@"
	it_boot "$_m" "$@"
}

atf_test_case slip cleanup
slip_head() { it_head "SLIP: Linux slattach -p slip"; }
slip_body()
{
	it_mode slip slip
	it_check > /dev/null
}
slip_cleanup() { it_teardown; }

atf_test_case cslip cleanup
cslip_head() { it_head "CSLIP: Linux slattach -p cslip, slirp compress"; }
cslip_body()
{
	it_mode cslip slip compress
	it_check > /dev/null
}
cslip_cleanup() { it_teardown; }

atf_test_case cslip_auto cleanup
cslip_auto_head()
{
	it_head "CSLIP: slattach -p cslip, slirp autodetecting (its default)"
}
cslip_auto_body()
{
	it_setup
	it_slirpd_start
	# Nothing to ask the server to do here, so ask what it knows.
	_h=$(env HOME="$WORK" "$E2E_OBJ/slirp" "help compress" 2>&1 |
	    grep -i -m 1 'not supported')
	[ -n "$_h" ] && atf_skip "slirp \"help compress\":$_h"
	it_boot cslip
	it_check > /dev/null
}
cslip_auto_cleanup() { it_teardown; }

atf_test_case ppp cleanup
ppp_head() { it_head "PPP: pppd with its defaults (no address options)"; }
ppp_body()
{
	it_mode ppp ppp ppp
	it_check_ppp
}
ppp_cleanup() { it_teardown; }

atf_test_case ppp_novj cleanup
ppp_novj_head() { it_head "PPP: pppd novj (rejects slirpd's VJ offer)"; }
ppp_novj_body()
{
	it_mode ppp-novj ppp ppp
	it_check_ppp
}
ppp_novj_cleanup() { it_teardown; }

atf_test_case pap cleanup
pap_head() { it_head "PPP with PAP against PAM (slirp +pap)"; }
pap_body()
{
	it_setup
	it_auth pap
	IT_PW=$IT_PASS
	it_slirpd_start
	it_probe ppp ppp +pap
	it_boot pap ppp +pap
	it_check_ppp
}
pap_cleanup() { it_teardown; }

atf_test_case chap cleanup
chap_head() { it_head "PPP with CHAP-MD5 against a secrets file (+chap)"; }
chap_body()
{
	it_setup
	it_auth chap
	IT_PW=$IT_PASS
	it_slirpd_start
	it_probe ppp ppp +chap
	it_boot chap ppp +chap
	it_check_ppp
}
chap_cleanup() { it_teardown; }

atf_test_case pap_bad cleanup
pap_bad_head() { it_head "PPP: a wrong PAP password is refused and logged"; }
pap_bad_body()
{
	it_setup
	it_auth pap
	IT_PW=$IT_BAD
	it_slirpd_start
	it_probe ppp ppp +pap
	it_boot pap-bad ppp +pap
	it_refused pap
}
pap_bad_cleanup() { it_teardown; }

atf_test_case chap_bad cleanup
chap_bad_head() { it_head "PPP: a wrong CHAP secret is refused and logged"; }
chap_bad_body()
{
	it_setup
	it_auth chap
	IT_PW=$IT_BAD
	it_slirpd_start
	it_probe ppp ppp +chap
	it_boot chap-bad ppp +chap
	it_refused chap
}
chap_bad_cleanup() { it_teardown; }

atf_init_test_cases()
{
	atf_add_test_case slip
	atf_add_test_case cslip
	atf_add_test_case cslip_auto
	atf_add_test_case ppp
	atf_add_test_case ppp_novj
	atf_add_test_case pap
	atf_add_test_case chap
	atf_add_test_case pap_bad
	atf_add_test_case chap_bad
}
