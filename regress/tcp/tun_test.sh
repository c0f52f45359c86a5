# Interoperability of the user-space TCP with a real one: tunrelay puts
# the stack behind a TUN device that the test moves into a network
# namespace of its own; that namespace's Linux kernel is the guest and
# talks to services on the root namespace's loopback through 10.0.2.2.
# Needs root (namespaces, TUN).  Traffic never leaves this machine.

tun_skip_unless_able()
{
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root (network namespace, TUN)"
	[ -c /dev/net/tun ] || atf_skip "/dev/net/tun is missing"
	for t in ip curl nc python3 sha256sum; do
		command -v $t >/dev/null 2>&1 || atf_skip "$t is missing"
	done
}

# tun_up [MTU [LOSS]]: namespace, relay, addresses; state in ./tun.state
tun_up()
{
	ns=slirptcp$$
	tun=stcp$$
	echo "ns $ns" > tun.state
	ip netns add $ns || atf_fail "ip netns add"
	"$(atf_get_srcdir)/tunrelay" $tun ${1:-1500} ${2:-0} \
	    > relay.out 2> relay.err &
	echo "pid $!" >> tun.state
	i=0
	while ! grep -q ready relay.out 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || atf_fail "tunrelay did not start: $(cat relay.err)"
		sleep 0.1
	done
	ip link set $tun netns $ns || atf_fail "moving $tun"
	ip -n $ns link set lo up
	ip -n $ns link set $tun mtu ${1:-1500}
	ip -n $ns addr add 10.0.2.15/24 dev $tun
	ip -n $ns link set $tun up
	ip -n $ns route add default dev $tun
}

tun_ns()
{
	ip netns exec $ns "$@"
}

free_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

http_start()
{
	hport=$(free_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$1" $hport \
	    > http.log 2>&1 &
	echo "pid $!" >> tun.state
	i=0
	while ! curl -s -o /dev/null http://127.0.0.1:$hport/; do
		i=$((i + 1))
		[ $i -lt 50 ] || atf_fail "http server did not start"
		sleep 0.1
	done
}

mkfile()
{
	head -c $2 /dev/urandom > $1
}

sha()
{
	sha256sum "$1" | cut -d' ' -f1
}

# Stop the relay and check its counters: nothing malformed came in.
relay_down()
{
	pid=$(sed -n 's/^pid //p' tun.state | head -1)
	kill $pid 2>/dev/null
	i=0
	while kill -0 $pid 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || break
		sleep 0.1
	done
	cat relay.err >&2
	grep -q 'tcp_bad 0 tcp_bad_sum 0 ' relay.err ||
	    atf_fail "malformed segments from the kernel: $(cat relay.err)"
}

tun_cleanup()
{
	[ -f tun.state ] || return 0
	for p in $(sed -n 's/^pid //p' tun.state); do
		kill $p 2>/dev/null
	done
	n=$(sed -n 's/^ns //p' tun.state)
	[ -n "$n" ] && ip netns del $n 2>/dev/null
	rm -f tun.state
	return 0
}

atf_test_case download cleanup
download_head()
{
	atf_set descr "Linux fetches 20 MB through the user-space TCP"
	atf_set timeout 300
}
download_body()
{
	tun_skip_unless_able
	mkdir www
	mkfile www/f 20000000
	tun_up
	http_start www
	tun_ns curl -s -S -m 120 -o got http://10.0.2.2:$hport/f ||
	    atf_fail "curl failed"
	atf_check_equal "$(sha www/f)" "$(sha got)"
	relay_down
	grep -q 'tcp_conn 1 ' relay.err || atf_fail "not one connection"
}
download_cleanup()
{
	tun_cleanup
}

atf_test_case upload cleanup
upload_head()
{
	atf_set descr "Linux sends 20 MB through the user-space TCP (nc)"
	atf_set timeout 300
}
upload_body()
{
	tun_skip_unless_able
	mkfile f 20000000
	tun_up
	port=$(free_port)
	nc -l 127.0.0.1 $port > got &
	echo "pid $!" >> tun.state
	sleep 0.3
	tun_ns timeout 120 nc -N 10.0.2.2 $port < f || atf_fail "nc failed"
	i=0
	while [ "$(stat -c %s got)" -lt 20000000 ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	atf_check_equal "$(sha f)" "$(sha got)"
	relay_down
}
upload_cleanup()
{
	tun_cleanup
}

atf_test_case refused cleanup
refused_head()
{
	atf_set descr "A closed host port is refused at once (RST)"
	atf_set timeout 60
}
refused_body()
{
	tun_skip_unless_able
	tun_up
	port=$(free_port)
	start=$(date +%s)
	tun_ns curl -s -m 20 http://10.0.2.2:$port/
	rc=$?
	end=$(date +%s)
	atf_check_equal 7 $rc		# curl: couldn't connect
	[ $((end - start)) -le 2 ] || atf_fail "refusal took $((end - start)) s"
	relay_down
	grep -q 'tcp_refused 1 ' relay.err || atf_fail "not counted"
}
refused_cleanup()
{
	tun_cleanup
}

atf_test_case parallel cleanup
parallel_head()
{
	atf_set descr "20 parallel downloads, all byte-exact"
	atf_set timeout 300
}
parallel_body()
{
	tun_skip_unless_able
	mkdir www
	mkfile www/f 2000000
	tun_up
	http_start www
	pids=
	for i in $(seq 1 20); do
		tun_ns curl -s -m 120 -o got$i http://10.0.2.2:$hport/f &
		pids="$pids $!"
	done
	for p in $pids; do
		wait $p || atf_fail "a curl failed"
	done
	want=$(sha www/f)
	for i in $(seq 1 20); do
		atf_check_equal "$want" "$(sha got$i)"
	done
	relay_down
	grep -q 'tcp_conn 20 ' relay.err || atf_fail "not 20 connections"
}
parallel_cleanup()
{
	tun_cleanup
}

atf_test_case loss cleanup
loss_head()
{
	atf_set descr "2% datagram loss both ways: still byte-exact"
	atf_set timeout 300
}
loss_body()
{
	tun_skip_unless_able
	mkdir www
	mkfile www/f 4000000
	tun_up 1500 20
	http_start www
	tun_ns curl -s -S -m 200 -o got http://10.0.2.2:$hport/f ||
	    atf_fail "curl failed"
	atf_check_equal "$(sha www/f)" "$(sha got)"
	port=$(free_port)
	nc -l 127.0.0.1 $port > up &
	echo "pid $!" >> tun.state
	sleep 0.3
	tun_ns timeout 200 nc -N 10.0.2.2 $port < www/f || atf_fail "nc failed"
	i=0
	while [ "$(stat -c %s up)" -lt 4000000 ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	atf_check_equal "$(sha www/f)" "$(sha up)"
	relay_down
	grep -q 'tcp_fastrexmt 0 ' relay.err && atf_fail "no fast retransmit"
	grep -q 'tcp_ooo 0 ' relay.err && atf_fail "no reassembly"
	return 0
}
loss_cleanup()
{
	tun_cleanup
}

atf_test_case mtu296 cleanup
mtu296_head()
{
	atf_set descr "MTU 296: MSS 256 both ways"
	atf_set timeout 300
}
mtu296_body()
{
	tun_skip_unless_able
	mkdir www
	mkfile www/f 2000000
	tun_up 296
	http_start www
	tun_ns curl -s -S -m 120 -o got http://10.0.2.2:$hport/f ||
	    atf_fail "curl failed"
	atf_check_equal "$(sha www/f)" "$(sha got)"
	port=$(free_port)
	nc -l 127.0.0.1 $port > up &
	echo "pid $!" >> tun.state
	sleep 0.3
	tun_ns timeout 120 nc -N 10.0.2.2 $port < www/f || atf_fail "nc failed"
	i=0
	while [ "$(stat -c %s up)" -lt 2000000 ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	atf_check_equal "$(sha www/f)" "$(sha up)"
	relay_down
}
mtu296_cleanup()
{
	tun_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case download
	atf_add_test_case upload
	atf_add_test_case refused
	atf_add_test_case parallel
	atf_add_test_case loss
	atf_add_test_case mtu296
}
