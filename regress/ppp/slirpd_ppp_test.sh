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

# Authentication: a throw-away account for PAP (PAM, /etc/pam.d/other
# when there is no /etc/pam.d/slirpd) and a chap-secrets file.
AUTH_PW=probe-pw-8152

auth_start()
{
	ppp_lib
	e2e_init "$(atf_get_srcdir)/../.." || atf_fail "e2e_init failed"
	command -v dnsmasq >/dev/null || atf_skip "dnsmasq missing"
	command -v useradd >/dev/null || atf_skip "useradd missing"
	AUTH_USER=slirpa$$
	echo "user $AUTH_USER" >> "$E2E_STATE"
	useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$AUTH_USER" ||
	    atf_fail "useradd failed"
	echo "$AUTH_USER:$AUTH_PW" | chpasswd || atf_fail "chpasswd failed"
	(umask 077; printf '# name server secret\n%s * "%s"\n' \
	    "$AUTH_USER" "$AUTH_PW" > "$WORK/chap-secrets")
	E2E_CONF_EXTRA="chap-secrets \"$WORK/chap-secrets\""
	e2e_slirpd_start || { e2e_logs; atf_fail "slirpd did not start"; }
}

# probe [pppprobe options] -- slirp arguments: 0 when the link came up.
probe()
{
	_o=
	while [ "$1" != -- ]; do
		_o="$_o $1"
		shift
	done
	shift
	"$(atf_get_srcdir)/pppprobe" $_o -- env HOME=/nonexistent \
	    "$E2E_OBJ/slirp" -S "$WORK/slirpd.sock" ppp "$@" \
	    > "$WORK/probe.out" 2>&1
	_rv=$?
	cat "$WORK/probe.out"
	return $_rv
}

# The peer was refused: the verdict, LCP torn down, slirp gone, logged.
refused()
{
	grep -q "^$1\$" "$WORK/probe.out" || atf_fail "no '$1' from slirpd"
	grep -q "^IPCP up" "$WORK/probe.out" &&
	    atf_fail "IPCP came up without authentication"
	grep -q "^terminate request from slirpd" "$WORK/probe.out" ||
	    atf_fail "slirpd did not end the link"
	grep -q "^command exited" "$WORK/probe.out" ||
	    atf_fail "the session did not end"
	e2e_wait 5 grep -q "$2" "$WORK/slirpd.log" ||
	    { e2e_logs; atf_fail "slirpd did not log '$2'"; }
}

atf_test_case pap cleanup
pap_head()
{
	atf_set descr "slirpd PPP +pap: PAM accepts the right password"
	atf_set require.user root
	atf_set timeout 120
}
pap_body()
{
	auth_start
	probe -a "pap:$AUTH_USER:$AUTH_PW" -- +pap ||
	    { e2e_logs; atf_fail "the link did not come up"; }
	grep -q "^PAP ack$" "$WORK/probe.out" || atf_fail "no PAP ack"
	grep -q "^IPCP up: 10.0.2.15$" "$WORK/probe.out" ||
	    atf_fail "no IPCP after PAP"
	grep -q "PAP accepted \"$AUTH_USER\"" "$WORK/slirpd.log" ||
	    atf_fail "the acceptance was not logged"
}
pap_cleanup() { ppp_lib; e2e_cleanup; }

atf_test_case pap_bad cleanup
pap_bad_head()
{
	atf_set descr "slirpd PPP +pap: a wrong password is refused, logged"
	atf_set require.user root
	atf_set timeout 120
}
pap_bad_body()
{
	auth_start
	probe -a "pap:$AUTH_USER:not-$AUTH_PW" -- +pap &&
	    atf_fail "the probe got through"
	refused "PAP nak" "PAP refused for \"$AUTH_USER\": Authentication failure"
}
pap_bad_cleanup() { ppp_lib; e2e_cleanup; }

atf_test_case pap_other_user cleanup
pap_other_user_head()
{
	atf_set descr "slirpd PPP +pap: a user's session proves only that user"
	atf_set require.user root
	atf_set timeout 120
}
pap_other_user_body()
{
	auth_start
	chmod 711 "$WORK"	# daemon's slirp must reach the socket
	# The account's own password, but from daemon's session.
	probe -a "pap:$AUTH_USER:$AUTH_PW" -u daemon -- +pap &&
	    atf_fail "the probe got through"
	refused "PAP nak" "not the session's user daemon"
}
pap_other_user_cleanup() { ppp_lib; e2e_cleanup; }

atf_test_case chap cleanup
chap_head()
{
	atf_set descr "slirpd PPP +chap: the secret from chap-secrets"
	atf_set require.user root
	atf_set timeout 120
}
chap_body()
{
	auth_start
	probe -a "chap:$AUTH_USER:$AUTH_PW" -- +chap ||
	    { e2e_logs; atf_fail "the link did not come up"; }
	grep -q "^CHAP success$" "$WORK/probe.out" || atf_fail "no success"
	grep -q "^IPCP up: 10.0.2.15$" "$WORK/probe.out" ||
	    atf_fail "no IPCP after CHAP"
}
chap_cleanup() { ppp_lib; e2e_cleanup; }

atf_test_case chap_bad cleanup
chap_bad_head()
{
	atf_set descr "slirpd PPP +chap: a wrong secret, or an unsafe file"
	atf_set require.user root
	atf_set timeout 180
}
chap_bad_body()
{
	auth_start
	probe -a "chap:$AUTH_USER:wrong" -- +chap &&
	    atf_fail "the probe got through with a wrong secret"
	refused "CHAP failure" "CHAP refused for \"$AUTH_USER\": wrong secret"
	# A name the file does not have.
	probe -a "chap:nobody-here:$AUTH_PW" -- +chap &&
	    atf_fail "the probe got through with an unknown name"
	refused "CHAP failure" "no secret for this name"
	# A secrets file others can read is not used at all.
	chmod 644 "$WORK/chap-secrets"
	probe -a "chap:$AUTH_USER:$AUTH_PW" -- +chap &&
	    atf_fail "a world-readable chap-secrets was used"
	refused "CHAP failure" "must be a regular file owned by root"
}
chap_bad_cleanup() { ppp_lib; e2e_cleanup; }

atf_test_case auth_options cleanup
auth_options_head()
{
	atf_set descr "slirpd PPP: +pap without ppp, +chap without a file"
	atf_set require.user root
	atf_set timeout 60
}
auth_options_body()
{
	ppp_lib
	e2e_init "$(atf_get_srcdir)/../.." || atf_fail "e2e_init failed"
	command -v dnsmasq >/dev/null || atf_skip "dnsmasq missing"
	e2e_slirpd_start || { e2e_logs; atf_fail "slirpd did not start"; }
	for _a in "+pap" "ppp +chap"; do
		# slirp's message: ptyrun shows what it prints on its tty.
		"$(atf_get_srcdir)/../client/ptyrun" -t 20 env \
		    HOME=/nonexistent "$E2E_OBJ/slirp" -S "$WORK/slirpd.sock" \
		    $_a > "$WORK/probe.out" 2>&1 &&
		    atf_fail "slirp $_a: exit 0"
		cat "$WORK/probe.out"
		case $_a in
		+pap) _w="need ppp";;
		*) _w="names no chap-secrets file";;
		esac
		grep -q "$_w" "$WORK/probe.out" ||
		    atf_fail "slirp $_a: no '$_w'"
		grep -q "Your address is" "$WORK/probe.out" &&
		    atf_fail "slirp $_a: a session started"
	done
	return 0
}
auth_options_cleanup() { ppp_lib; e2e_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case link
	atf_add_test_case pap
	atf_add_test_case pap_bad
	atf_add_test_case pap_other_user
	atf_add_test_case chap
	atf_add_test_case chap_bad
	atf_add_test_case auth_options
}
