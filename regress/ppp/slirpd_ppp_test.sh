# slirpd_ppp_test.sh -- the real slirpd in PPP mode: a private daemon (the
# e2e harness's regress/e2e/lib.sh starts it), "slirp ppp" on a pty, and
# pppprobe as the PPP peer on the master side: LCP and IPCP come up with
# the peer asking 0.0.0.0 and getting 10.0.2.15, a ping to 10.0.2.3
# returns, and an LCP Terminate-Request ends the session (slirp exits).
# No pppd here: this container has no /dev/ppp (see the report).

ppp_lib()
{
	_src=$(atf_get_srcdir)
	for _l in "$_src/../../../regress/e2e/lib.sh" "$_src/../e2e/lib.sh"; do
		if [ -f "$_l" ]; then
			. "$_l"
			return 0
		fi
	done
	atf_fail "cannot find regress/e2e/lib.sh from $_src"
}

atf_test_case link cleanup
link_head()
{
	atf_set descr "slirpd PPP: LCP, IPCP, ping 10.0.2.3, terminate"
	atf_set require.user root
	atf_set timeout 120
}
link_body()
{
	ppp_lib
	e2e_init "$(atf_get_srcdir)/../.." || atf_fail "e2e_init failed"
	command -v dnsmasq >/dev/null || atf_skip "dnsmasq missing"
	e2e_slirpd_start || { e2e_logs; atf_fail "slirpd did not start"; }
	if ! "$(atf_get_srcdir)/pppprobe" -- env HOME="$WORK" \
	    "$E2E_OBJ/slirp" -S "$WORK/slirpd.sock" ppp > "$WORK/probe.out" \
	    2>&1; then
		cat "$WORK/probe.out" >&2
		e2e_logs
		atf_fail "pppprobe failed"
	fi
	cat "$WORK/probe.out"
	grep -q "^IPCP up: 10.0.2.15$" "$WORK/probe.out" ||
	    atf_fail "peer not given 10.0.2.15"
	grep -q "^bad fcs 0$" "$WORK/probe.out" || atf_fail "bad FCS seen"
}
link_cleanup()
{
	ppp_lib
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case link
}
