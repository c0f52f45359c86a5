# cslip_e2e_test.sh -- CSLIP end to end: the namespace's kernel TCP talks
# to slirpd through slipshim -c, which VJ-compresses what the kernel
# sends and rebuilds what slirpd sends (regress/e2e/lib.sh is the
# harness).  The Linux slip driver (slattach -p cslip) would be the real
# peer, but this container's kernel has no SLIP line discipline (TIOCSETD
# N_SLIP is EINVAL, no modules): the QEMU interop suite covers it.
#
# Kernel TCP timestamps change every segment, so RFC 1144 would send each
# one uncompressed: they are off in the test namespace, as on the CSLIP
# links of the time.

e2e_source_lib()
{
	_src=$(atf_get_srcdir)
	for _l in "${E2E_LIB:-}" "$_src/../e2e/lib.sh" \
	    "$_src/../../../regress/e2e/lib.sh"; do
		if [ -n "$_l" ] && [ -f "$_l" ]; then
			. "$_l"
			return 0
		fi
	done
	atf_fail "cannot find regress/e2e/lib.sh from $_src"
}

cs_head()
{
	atf_set descr "$1"
	atf_set require.user root
	atf_set timeout 600
}

cs_setup()
{
	e2e_source_lib
	E2E_SERVER=slirpd
	e2e_init "$(atf_get_srcdir)/../.." || atf_fail "e2e_init failed"
	_why=$(e2e_unusable) && atf_skip "$_why"
}

cs_fail()
{
	e2e_logs
	atf_fail "$*"
}

# cs_link_up [-l LOSS] SLIRP-ARG...: a CSLIP line (shim -c) to slirpd.
cs_link_up()
{
	_loss=0
	if [ "$1" = -l ]; then
		_loss=$2
		shift 2
	fi
	e2e_netns || return 1
	e2e_ns sysctl -qw net.ipv4.tcp_timestamps=0 || return 1
	[ -n "$SLIRPD_PID" ] || e2e_slirpd_start || return 1
	e2e_bg shim "$E2E_SHIM" -b -c -m 1500 -l "$_loss" -s 7 -n "$NS" \
	    -a "$E2E_ADDR/24" -- env HOME="$WORK" "$E2E_OBJ/slirp" \
	    -S "$WORK/slirpd.sock" "mtu 1500" "$@"
	SHIM_PID=$E2E_PID
	_end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$_end" ]; do
		e2e_alive "$SHIM_PID" || return 1
		e2e_ns ping -n -q -c 1 -W 1 "$E2E_HOST" >/dev/null 2>&1 &&
		    return 0
		sleep 0.2
	done
	return 1
}

# cs_counter NAME: a counter of the shim's exit report.
cs_counter()
{
	sed -n "s/.* $1 \([0-9][0-9]*\).*/\1/p" "$WORK/shim.log" | tail -n 1
}

# cs_transfer SIZE: download and upload SIZE bytes, both byte-exact.
cs_transfer()
{
	mkdir -p "$WORK/www"
	e2e_mkfile "$WORK/www/f" "$1"
	e2e_http_start "$WORK/www" || cs_fail "http server"
	timeout 300 ip netns exec "$NS" curl -sS --max-time 280 \
	    -o "$WORK/got" "http://$E2E_HOST:$HTTP_PORT/f" ||
	    cs_fail "download failed"
	[ "$(e2e_sha "$WORK/www/f")" = "$(e2e_sha "$WORK/got")" ] ||
	    cs_fail "download differs"
	e2e_nc_listen "$WORK/recv" || cs_fail "nc listener"
	timeout 300 ip netns exec "$NS" sh -c \
	    'nc -q 1 "$1" "$2" < "$3"' sh "$E2E_HOST" "$NC_PORT" \
	    "$WORK/www/f" || cs_fail "upload failed"
	e2e_wait 30 test "$(wc -c < "$WORK/recv")" -eq "$1" ||
	    cs_fail "upload short: $(wc -c < "$WORK/recv") of $1"
	[ "$(e2e_sha "$WORK/www/f")" = "$(e2e_sha "$WORK/recv")" ] ||
	    cs_fail "upload differs"
}

cs_finish()
{
	e2e_link_down
	[ -n "$SLIRPD_PID" ] && e2e_stop "$SLIRPD_PID" 10
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$WORK"/*.log >&2; then
		cs_fail "sanitizer report"
	fi
	cat "$WORK/shim.log" | grep cslip >&2
	# Both directions really were compressed, and nothing was refused.
	[ "$(cs_counter vj-out-compressed)" -gt 100 ] ||
	    cs_fail "the shim compressed little"
	[ "$(cs_counter vj-in-compressed)" -gt 100 ] ||
	    cs_fail "slirpd compressed little"
}

atf_test_case compress cleanup
compress_head()
{
	cs_head "slirp compress: CSLIP both ways from the start, 2 MB each way"
}
compress_body()
{
	cs_setup
	cs_link_up compress || cs_fail "link did not come up"
	cs_transfer 2000000
	cs_finish
	# One: slirp's banner, text before the first frame ("slirpd: ...",
	# 's' is 0x73, an uncompressed-TCP type byte).
	[ "$(cs_counter vj-errors)" -le 1 ] || cs_fail "VJ errors"
}
compress_cleanup()
{
	e2e_source_lib
	e2e_cleanup
}

atf_test_case autodetect cleanup
autodetect_head()
{
	cs_head "default framing: slirpd switches to CSLIP when the guest does"
}
autodetect_body()
{
	cs_setup
	cs_link_up || cs_fail "link did not come up"
	cs_transfer 2000000
	cs_finish
}
autodetect_cleanup()
{
	e2e_source_lib
	e2e_cleanup
}

atf_test_case loss cleanup
loss_head()
{
	cs_head "CSLIP with 2% of frames lost each way: resync, exact data"
}
loss_body()
{
	cs_setup
	cs_link_up -l 2 compress || cs_fail "link did not come up"
	cs_transfer 1000000
	cs_finish
	[ "$(cs_counter vj-tossed)" -gt 0 ] || cs_fail "nothing tossed"
}
loss_cleanup()
{
	e2e_source_lib
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case compress
	atf_add_test_case autodetect
	atf_add_test_case loss
}
