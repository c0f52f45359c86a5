# icmp_test.sh -- ICMP through slirpd to a host that is not loopback: a
# second network namespace (the "test host") reached from the root
# namespace over a veth pair, 198.18.0.1/29 (root) and 198.18.0.2 (test
# host), in the benchmark range and only in namespaces this test creates.
# The guest kernel (lib.sh harness) pings it through slirpd: the parent's
# ping socket, or its raw ICMP socket where net.ipv4.ping_group_range
# leaves root out (the host's sysctl is never changed).
#
#   make SAN=1 OBJ=obj-san obj-san/regress/e2e/icmp_test \
#       obj-san/regress/e2e/slipshim
#   cd regress && kyua test --build-root=../obj-san/regress e2e/icmp_test

TH_ADDR=198.18.0.2
TH_NOBODY=198.18.0.5		# on the link, but nobody answers ARP

e2e_source_lib()
{
	_src=$(atf_get_srcdir)
	for _l in "${E2E_LIB:-}" "$_src/lib.sh" \
	    "$_src/../../../regress/e2e/lib.sh"; do
		if [ -n "$_l" ] && [ -f "$_l" ]; then
			. "$_l"
			return 0
		fi
	done
	atf_fail "cannot find regress/e2e/lib.sh from $_src"
}

icmp_head()
{
	atf_set descr "$1"
	atf_set require.user root
	atf_set timeout 300
}

icmp_fail()
{
	e2e_logs
	atf_fail "$*"
}

# Paths, skip reasons, then the test host: its namespace and the veth
# are in the state file before they exist, so cleanup finds them.
icmp_setup()
{
	e2e_source_lib
	E2E_SERVER=slirpd
	e2e_init "$(atf_get_srcdir)/../.." || atf_fail "e2e_init failed"
	_why=$(e2e_unusable) && atf_skip "$_why"
	TH=slirpth-$$
	TH_VETH=sth$$
	echo "veth $TH_VETH" >> "$E2E_STATE"
	echo "netns $TH" >> "$E2E_STATE"
	ip netns add "$TH" || icmp_fail "cannot create $TH"
	ip link add "$TH_VETH" type veth peer name "${TH_VETH}p" ||
	    icmp_fail "cannot create the veth pair"
	ip link set "${TH_VETH}p" netns "$TH" &&
	ip addr add 198.18.0.1/29 dev "$TH_VETH" &&
	ip link set "$TH_VETH" up &&
	ip -n "$TH" link set lo up &&
	ip -n "$TH" addr add "$TH_ADDR/29" dev "${TH_VETH}p" &&
	ip -n "$TH" link set "${TH_VETH}p" up ||
	    icmp_fail "cannot configure the test host"
	e2e_wait 10 ping -n -c 1 -W 1 "$TH_ADDR" ||
	    icmp_fail "the root namespace cannot reach $TH_ADDR"
	echo "e2e: ping_group_range" \
	    "$(cat /proc/sys/net/ipv4/ping_group_range)" >&2
}

icmp_teardown()
{
	e2e_source_lib
	_st=${E2E_STATE:-$PWD/e2e.state}
	if [ -f "$_st" ]; then
		while read -r _k _v _name; do
			[ "$_k" = veth ] && ip link del "$_v" 2>/dev/null
		done < "$_st"
	fi
	e2e_cleanup
}

# Echo requests the test host's kernel has received so far.
th_inechos()
{
	ip netns exec "$TH" awk '$1 == "Icmp:" {
		if (n++) { print $c; next }
		for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i
	}' /proc/net/snmp
}

# The end of every body: stop, and no sanitizer report anywhere.
icmp_finish()
{
	e2e_link_down
	[ -n "$SLIRPD_PID" ] && e2e_stop "$SLIRPD_PID" 10
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SIGSYS' \
	    "$WORK"/*.log >&2; then
		icmp_fail "sanitizer report or sandbox kill in the logs"
	fi
}

atf_test_case ping_far cleanup
ping_far_head()
{
	icmp_head "ping a host in another namespace through slirpd"
}
ping_far_body()
{
	icmp_setup
	e2e_link_up -b || icmp_fail "link did not come up"
	_before=$(th_inechos)
	timeout 30 ip netns exec "$NS" ping -n -c 3 -i 0.2 -W 2 "$TH_ADDR" \
	    > "$WORK/ping.out" 2>&1 || icmp_fail "ping: $(tail -n 3 \
	    "$WORK/ping.out")"
	grep -q '3 received, 0% packet loss' "$WORK/ping.out" ||
	    icmp_fail "ping lost replies: $(grep loss "$WORK/ping.out")"
	for _s in 1 2 3; do
		grep -q "from $TH_ADDR: icmp_seq=$_s " "$WORK/ping.out" ||
		    icmp_fail "no reply for icmp_seq=$_s"
	done
	# The test host answered them itself (nothing faked on the way).
	_after=$(th_inechos)
	[ $((_after - _before)) -ge 3 ] ||
	    icmp_fail "test host saw $((_after - _before)) echo requests"
	# Full size, the payload echoed whole.
	timeout 30 ip netns exec "$NS" ping -n -c 2 -i 0.2 -W 2 -s 1400 \
	    -p a5c3 "$TH_ADDR" > "$WORK/ping.out" 2>&1 ||
	    icmp_fail "ping -s 1400: $(tail -n 3 "$WORK/ping.out")"
	[ "$(grep -c '^1408 bytes from' "$WORK/ping.out")" -eq 2 ] ||
	    icmp_fail "ping -s 1400: not every full-size reply came"
	# Root outside ping_group_range: the parent fell back to raw.
	read -r _lo _hi < /proc/sys/net/ipv4/ping_group_range
	if [ "$_lo" -gt 0 ] || [ "$_hi" -lt 0 ]; then
		grep -q 'broker_raw_icmp: no ping sockets' "$WORK/slirpd.log" ||
		    icmp_fail "no raw ICMP fallback logged"
	fi
	icmp_finish
}
ping_far_cleanup()
{
	icmp_teardown
}

atf_test_case ping_two cleanup
ping_two_head()
{
	icmp_head "two pingers to one host: each gets its own replies only"
}
ping_two_body()
{
	icmp_setup
	e2e_link_up -b || icmp_fail "link did not come up"
	# A pinger on the host itself, to the same host, at the same time:
	# on a raw socket the engine sees its replies too and must drop them.
	ping -n -c 20 -i 0.05 -W 2 "$TH_ADDR" > "$WORK/hostping.out" 2>&1 &
	_hp=$!
	timeout 30 ip netns exec "$NS" ping -n -c 10 -i 0.1 -W 2 "$TH_ADDR" \
	    > "$WORK/ping.out" 2>&1 || icmp_fail "ping: $(tail -n 3 \
	    "$WORK/ping.out")"
	wait "$_hp" || icmp_fail "the host's own ping failed"
	grep -q '10 received, 0% packet loss' "$WORK/ping.out" ||
	    icmp_fail "guest: $(grep loss "$WORK/ping.out")"
	grep -q '20 received, 0% packet loss' "$WORK/hostping.out" ||
	    icmp_fail "host: $(grep loss "$WORK/hostping.out")"
	# No duplicates: the host's replies did not reach the guest.
	if grep -q 'DUP!' "$WORK/ping.out"; then
		icmp_fail "duplicate replies reached the guest"
	fi
	icmp_finish
}
ping_two_cleanup()
{
	icmp_teardown
}

atf_test_case ping_denied cleanup
ping_denied_head()
{
	icmp_head "deny to 198.18.0.0/15: prohibited, logged, nothing sent"
}
ping_denied_body()
{
	icmp_setup
	e2e_link_up -b || icmp_fail "link did not come up"
	# The policy is looked up on every request: a reload is enough.
	sed -i 's|^\([[:space:]]*\)allow to any|\1deny to 198.18.0.0/15\
\1allow to any|' "$WORK/slirpd.conf"
	grep -q 'deny to 198.18.0.0/15' "$WORK/slirpd.conf" ||
	    icmp_fail "cannot edit slirpd.conf"
	kill -HUP "$SLIRPD_PID"
	e2e_wait 10 grep -q 'configuration reloaded' "$WORK/slirpd.log" ||
	    icmp_fail "slirpd did not reload"
	_before=$(th_inechos)
	if timeout 30 ip netns exec "$NS" ping -n -c 2 -i 0.3 -W 2 \
	    "$TH_ADDR" > "$WORK/ping.out" 2>&1; then
		icmp_fail "ping through a deny rule succeeded"
	fi
	grep -q ' 0 received' "$WORK/ping.out" ||
	    icmp_fail "replies through a deny rule: $(grep loss \
	    "$WORK/ping.out")"
	# iputils prints code 13 (communication administratively
	# prohibited) as "Packet filtered".
	grep -q "From $TH_ADDR icmp_seq=1 Packet filtered" "$WORK/ping.out" ||
	    icmp_fail "no admin-prohibited error: $(head -n 4 \
	    "$WORK/ping.out")"
	grep -q 'icmp to 198.18.0.2:0 denied by policy' "$WORK/slirpd.log" ||
	    icmp_fail "the parent did not log the denial"
	[ "$(th_inechos)" -eq "$_before" ] ||
	    icmp_fail "an echo reached the test host despite the policy"
	# The rest of the world still works.
	timeout 30 ip netns exec "$NS" ping -n -c 1 -W 2 "$E2E_HOST" \
	    > /dev/null 2>&1 || icmp_fail "ping $E2E_HOST failed"
	icmp_finish
}
ping_denied_cleanup()
{
	icmp_teardown
}

atf_test_case ping_unreachable cleanup
ping_unreachable_head()
{
	icmp_head "no neighbour on the link: the guest gets host unreachable"
}
ping_unreachable_body()
{
	icmp_setup
	e2e_link_up -b || icmp_fail "link did not come up"
	timeout 30 ip netns exec "$NS" ping -n -c 1 -W 8 "$TH_NOBODY" \
	    > "$WORK/ping.out" 2>&1
	grep -q "From $TH_NOBODY icmp_seq=1 Destination Host Unreachable" \
	    "$WORK/ping.out" || icmp_fail "no host unreachable: $(head -n 4 \
	    "$WORK/ping.out")"
	icmp_finish
}
ping_unreachable_cleanup()
{
	icmp_teardown
}

atf_test_case udp_errors cleanup
udp_errors_head()
{
	icmp_head "UDP: port and host unreachable reach the guest's socket"
}
udp_errors_body()
{
	icmp_setup
	e2e_link_up -b || icmp_fail "link did not come up"
	# The guest's socket has IP_RECVERR, so host unreachable (a soft
	# error) shows too; prints the errno name, or data/timeout.
	cat > "$WORK/udpprobe.py" <<-'EOF'
	import errno, socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.IPPROTO_IP, 11, 1)	# IP_RECVERR
	s.connect((sys.argv[1], 9))
	s.settimeout(float(sys.argv[2]))
	s.send(b"slirpd")
	try:
	    s.recv(100)
	    print("data")
	except socket.timeout:
	    print("timeout")
	except OSError as e:
	    print(errno.errorcode.get(e.errno, e.errno))
	EOF
	_r=$(timeout 30 ip netns exec "$NS" python3 "$WORK/udpprobe.py" \
	    "$TH_ADDR" 5)
	[ "$_r" = ECONNREFUSED ] ||
	    icmp_fail "closed port on $TH_ADDR: $_r, not ECONNREFUSED"
	_r=$(timeout 30 ip netns exec "$NS" python3 "$WORK/udpprobe.py" \
	    "$TH_NOBODY" 10)
	[ "$_r" = EHOSTUNREACH ] ||
	    icmp_fail "$TH_NOBODY: $_r, not EHOSTUNREACH"
	icmp_finish
}
udp_errors_cleanup()
{
	icmp_teardown
}

atf_init_test_cases()
{
	atf_add_test_case ping_far
	atf_add_test_case ping_two
	atf_add_test_case ping_denied
	atf_add_test_case ping_unreachable
	atf_add_test_case udp_errors
}
