# slirp(1) against a fake daemon, on a pty (ptyrun), with HOME pointed
# at the test's own directory.

bins()
{
	src=$(atf_get_srcdir)
	SLIRP=$src/../../slirp
	PTYRUN=$src/ptyrun
	FAKED=$src/fakedaemon
	export HOME=$PWD/home
	mkdir -p "$HOME"
	unset SLIRPD_SOCKET
}

# start_daemon MODE [SOCKNAME]: a fake daemon on $PWD/SOCKNAME, noting to
# daemon.out; dies by itself after 30 s so a broken client cannot hang us.
start_daemon()
{
	sock=$PWD/${2:-sock}
	rm -f "$sock"
	timeout 30 "$FAKED" "$sock" daemon.out "$1" &
	DPID=$!
	i=0
	while [ ! -S "$sock" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "fake daemon did not start"
		sleep 0.05
	done
}

wait_daemon()
{
	wait $DPID || atf_fail "fake daemon failed: $(cat daemon.out)"
}

# pty.out on one line, for atf_fail
out()
{
	tr '\n' '|' < pty.out
}

# run_pty CMD...: on a new pty; output (\r removed) in pty.out, status in $rc
run_pty()
{
	rc=0
	"$PTYRUN" -t 20 "$@" > pty.raw 2>&1 || rc=$?
	tr -d '\r' < pty.raw > pty.out
}

atf_test_case args_and_rc_in_order
args_and_rc_in_order_head()
{
	atf_set "descr" "rc lines, rc-N lines, then argv arrive in order" \
	    "with the tty; the banner is printed"
}
args_and_rc_in_order_body()
{
	bins
	printf '# my settings\n\nmtu 576\r\n   -b 14400  \n#mtu 1\n' \
	    > "$HOME/.slirprc"
	printf 'mru 296\nkeepalive\n' > "$HOME/.slirprc-3"
	printf 'mtu 999\n' > "$HOME/.slirprc-4"
	start_daemon banner
	run_pty sh -c 'tty; exec "$0" "$@"' "$SLIRP" -S "$PWD/sock" -l 3 \
	    -P "keepalive 600" -b 19200 "dns 192.0.2.53"
	wait_daemon
	[ $rc -eq 0 ] || atf_fail "exit $rc: $(out)"
	tty=$(head -1 pty.out)
	cat > expect <<EOF
peer uid=$(id -u)
hello version=1 unit=3 flags=1 tty=$tty
arg [mtu 576]
arg [-b 14400]
arg [mru 296]
arg [keepalive]
arg [-P]
arg [keepalive 600]
arg [-b 19200]
arg [dns 192.0.2.53]
go
done
EOF
	atf_check -o file:expect cat daemon.out
	for l in "IP address of Slirp host: 127.0.0.1" \
	    "IP address of your DNS(s): 10.0.2.3 (relayed to 192.0.2.53)" \
	    "Your address is 10.0.2.15" "Type five zeroes (0) to exit." \
	    "[talking PPP, MTU 576, MRU 296, 19200 baud]" "SLiRP Ready ..."; do
		grep -qxF "$l" pty.out || atf_fail "banner lacks '$l'"
	done
}

atf_test_case no_rc_plain_slip
no_rc_plain_slip_head()
{
	atf_set "descr" "without rc files or arguments: HELLO, GO, SLIP banner"
}
no_rc_plain_slip_body()
{
	bins
	start_daemon banner
	run_pty "$SLIRP" -S "$PWD/sock"
	wait_daemon
	[ $rc -eq 0 ] || atf_fail "exit $rc: $(out)"
	atf_check -o inline:"hello version=1 unit=-1 flags=0\ngo\n" \
	    sh -c "sed -n 's/ tty=.*//p; /^go/p' daemon.out"
	grep -qxF "[talking SLIP, MTU 1500, MRU 1500]" pty.out ||
	    atf_fail "no SLIP banner: $(out)"
}

atf_test_case socket_choice
socket_choice_head()
{
	atf_set "descr" "SLIRPD_SOCKET is used; -S wins over it"
}
socket_choice_body()
{
	bins
	start_daemon banner envsock
	SLIRPD_SOCKET=$PWD/envsock run_pty "$SLIRP"
	wait_daemon
	[ $rc -eq 0 ] || atf_fail "SLIRPD_SOCKET: exit $rc: $(out)"
	start_daemon banner optsock
	SLIRPD_SOCKET=$PWD/nowhere run_pty "$SLIRP" -S "$PWD/optsock"
	wait_daemon
	[ $rc -eq 0 ] || atf_fail "-S: exit $rc: $(out)"
	grep -q "SLiRP Ready" pty.out || atf_fail "no banner"
}

atf_test_case error_message
error_message_head()
{
	atf_set "descr" "ERROR from the daemon: slirp: TEXT, exit 1"
}
error_message_body()
{
	bins
	start_daemon error
	run_pty "$SLIRP" -S "$PWD/sock"
	wait_daemon
	[ $rc -eq 1 ] || atf_fail "exit $rc, want 1"
	atf_check -o inline:"checking...\nslirp: policy says no\n" cat pty.out
}

atf_test_case bad_command
bad_command_head()
{
	atf_set "descr" "a refused command comes back as the error text"
}
bad_command_body()
{
	bins
	start_daemon banner
	run_pty "$SLIRP" -S "$PWD/sock" "mtu 10"
	wait_daemon
	[ $rc -eq 1 ] || atf_fail "exit $rc, want 1"
	atf_check -o inline:"slirp: mtu: 10 is too small (128..16384)\n" \
	    cat pty.out
	start_daemon banner
	run_pty "$SLIRP" -S "$PWD/sock" "redir 5022 21"
	wait_daemon
	[ $rc -eq 1 ] || atf_fail "exit $rc, want 1"
	atf_check -o inline:"slirp: redir: not supported yet by slirpd\n" \
	    cat pty.out
}

atf_test_case no_daemon
no_daemon_head()
{
	atf_set "descr" "no socket, or nobody listening: clear message, exit 1"
}
no_daemon_body()
{
	bins
	run_pty "$SLIRP" -S "$PWD/missing"
	[ $rc -eq 1 ] || atf_fail "exit $rc, want 1"
	atf_check -o inline:"slirp: cannot reach slirpd at $PWD/missing: No such file or directory; is slirpd running?\n" \
	    cat pty.out
	# A socket left behind by a dead daemon.
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	    "$PWD/stale"
	SLIRPD_SOCKET=$PWD/stale run_pty "$SLIRP"
	[ $rc -eq 1 ] || atf_fail "exit $rc, want 1"
	atf_check -o inline:"slirp: cannot reach slirpd at $PWD/stale: Connection refused; is slirpd running?\n" \
	    cat pty.out
}

atf_test_case not_a_tty
not_a_tty_head()
{
	atf_set "descr" "stdin not a tty: exit 1 before connecting"
}
not_a_tty_body()
{
	bins
	# A listener that must never see a connection.
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); s.settimeout(1)
try:
    s.accept(); print("connected")
except socket.timeout:
    print("quiet")' "$PWD/sock" > listener.out &
	lp=$!
	while [ ! -S sock ]; do sleep 0.05; done
	atf_check -s exit:1 -e match:"^slirp: standard input is not a terminal" \
	    "$SLIRP" -S "$PWD/sock" < /dev/null
	echo | atf_check -s exit:1 -e match:"not a terminal" \
	    "$SLIRP" -S "$PWD/sock"
	wait $lp
	atf_check -o inline:"quiet\n" cat listener.out
}

# stty -g before, slirp, stty -g after, all on one pty.
tty_check()
{
	mode=$1 want=$2
	start_daemon "$mode"
	run_pty sh -c 'stty -g; "$0" -S "$1"; echo "rc=$?"; stty -g' \
	    "$SLIRP" "$PWD/sock"
	wait_daemon
	before=$(head -1 pty.out)
	after=$(tail -1 pty.out)
	grep -qx "rc=$want" pty.out ||
	    atf_fail "$mode: want exit $want: $(out)"
	[ -n "$before" ] && [ "$before" = "$after" ] ||
	    atf_fail "$mode: tty not restored: '$before' -> '$after'"
}

atf_test_case tty_restored
tty_restored_head()
{
	atf_set "descr" "the tty settings are the same after every way out"
}
tty_restored_body()
{
	bins
	tty_check banner 0
	tty_check error 1
	tty_check close 0
	tty_check failed 1
	grep -qx "slirp: the session failed" pty.out ||
	    atf_fail "no failure message: $(out)"
}

atf_test_case raw_while_running_and_signals
raw_while_running_and_signals_head()
{
	atf_set "descr" "raw tty during the session; SIGTERM, SIGHUP and" \
	    "SIGINT restore it, and the daemon sees the client go"
}
raw_while_running_and_signals_body()
{
	bins
	for sig in TERM:143 HUP:129 INT:130; do
		want=${sig#*:} sig=${sig%:*}
		start_daemon hold
		# No job control in sh -c: give the background slirp the tty
		# through fd 3, as stdin of & lists is /dev/null.
		run_pty sh -c 'stty -g; exec 3<&0
		    "$0" -S "$1" <&3 & p=$!
		    while ! grep -q holding daemon.out; do sleep 0.05; done
		    i=0; while [ $i -lt 100 ] &&
		        ! stty -a | tr " " "\n" | grep -qx -e -icanon; do
		        sleep 0.05; i=$((i + 1)); done
		    stty -a | tr " " "\n" | grep -x -e -icanon -e -echo
		    kill -'$sig' $p; wait $p; echo "rc=$?"; stty -g' \
		    "$SLIRP" "$PWD/sock"
		wait_daemon
		grep -qx -- -icanon pty.out && grep -qx -- -echo pty.out ||
		    atf_fail "$sig: tty not raw while running: $(out)"
		[ "$(head -1 pty.out)" = "$(tail -1 pty.out)" ] ||
		    atf_fail "$sig: tty not restored: $(out)"
		grep -qx "client closed" daemon.out ||
		    atf_fail "$sig: daemon did not see the end"
		grep -qx "rc=$want" pty.out ||
		    atf_fail "$sig: not killed by the signal: $(out)"
	done
}

atf_test_case help_local
help_local_head()
{
	atf_set "descr" "help and help CMD are answered without the daemon"
}
help_local_body()
{
	bins
	export SLIRPD_SOCKET=$PWD/missing
	atf_check -o match:"^Valid commands:" -o match:"keepalive" \
	    "$SLIRP" help < /dev/null
	atf_check -o match:"^Usage: redir \[once\|time\]" \
	    -o match:"not supported yet" "$SLIRP" "help redir" < /dev/null
	atf_check -o match:"^Usage: baudrate N" "$SLIRP" -P "help baud"
	atf_check -s exit:1 -o match:"no command starts with" \
	    "$SLIRP" "help zzz"
	atf_check -o match:"^Valid commands:" "$SLIRP" -h
}

atf_test_case usage_errors
usage_errors_head()
{
	atf_set "descr" "bad options exit 1 with a message"
}
usage_errors_body()
{
	bins
	atf_check -s exit:1 -e match:"option -l needs an argument" \
	    -e match:"^usage: slirp" "$SLIRP" -l
	atf_check -s exit:1 -e match:"option -b needs an argument" "$SLIRP" -b
	atf_check -s exit:1 -e match:"option -S needs an argument" "$SLIRP" -S
	atf_check -s exit:1 -e inline:"slirp: -l 256: unit is too large (0..255)\n" \
	    "$SLIRP" -l 256
	atf_check -s exit:1 -e inline:"slirp: -l x: unit is invalid (0..255)\n" \
	    "$SLIRP" -l x
	long=$(head -c 1024 /dev/zero | tr '\0' x)
	atf_check -s exit:1 \
	    -e inline:"slirp: command line: command longer than 1023 bytes\n" \
	    "$SLIRP" "$long"
	atf_check -s exit:1 -e inline:"slirp: -b: argument too long\n" \
	    "$SLIRP" -b "$long"
	set --
	i=0
	while [ $i -lt 257 ]; do set -- "$@" "mtu 576"; i=$((i + 1)); done
	atf_check -s exit:1 \
	    -e inline:"slirp: command line: more than 256 commands in all\n" \
	    "$SLIRP" "$@"
}

atf_test_case rc_bounds
rc_bounds_head()
{
	atf_set "descr" "oversized, odd or overfull rc files are refused" \
	    "before connecting"
}
rc_bounds_body()
{
	bins
	rcf=$HOME/.slirprc
	head -c 300000 /dev/zero | tr '\0' '#' > "$rcf"
	run_pty "$SLIRP" -S "$PWD/missing"
	[ $rc -eq 1 ] && grep -q "^slirp: $rcf: larger than 262144 bytes" pty.out ||
	    atf_fail "big rc: $(out)"
	rcf=$HOME/.slirprc
	{ printf 'mtu '; head -c 1100 /dev/zero | tr '\0' 1; echo; } > "$rcf"
	run_pty "$SLIRP" -S "$PWD/missing"
	grep -q "^slirp: $rcf:1: command longer than 1023 bytes" pty.out ||
	    atf_fail "long line: $(out)"
	i=0
	while [ $i -lt 257 ]; do echo "mtu 576"; i=$((i + 1)); done > "$rcf"
	run_pty "$SLIRP" -S "$PWD/missing"
	grep -q "^slirp: $rcf:257: more than 256 commands in all" pty.out ||
	    atf_fail "many lines: $(out)"
	printf 'mtu 576\0mru 576\n' > "$rcf"
	run_pty "$SLIRP" -S "$PWD/missing"
	grep -q "^slirp: $rcf: contains a NUL byte" pty.out ||
	    atf_fail "NUL: $(out)"
	rm "$rcf"
	mkfifo "$rcf"
	run_pty "$SLIRP" -S "$PWD/missing"
	grep -q "^slirp: $rcf: not a regular file" pty.out ||
	    atf_fail "fifo: $(out)"
	rm "$rcf"
	# 256 commands are fine: the daemon gets every one.
	i=0
	while [ $i -lt 255 ]; do echo "mtu 576"; i=$((i + 1)); done > "$rcf"
	start_daemon banner
	run_pty "$SLIRP" -S "$PWD/sock" "mru 576"
	wait_daemon
	[ $rc -eq 0 ] || atf_fail "256 commands: exit $rc: $(out)"
	[ "$(grep -c '^arg ' daemon.out)" -eq 256 ] ||
	    atf_fail "256 commands: $(grep -c '^arg ' daemon.out) arrived"
}

atf_init_test_cases()
{
	atf_add_test_case args_and_rc_in_order
	atf_add_test_case no_rc_plain_slip
	atf_add_test_case socket_choice
	atf_add_test_case error_message
	atf_add_test_case bad_command
	atf_add_test_case no_daemon
	atf_add_test_case not_a_tty
	atf_add_test_case tty_restored
	atf_add_test_case raw_while_running_and_signals
	atf_add_test_case help_local
	atf_add_test_case usage_errors
	atf_add_test_case rc_bounds
}
