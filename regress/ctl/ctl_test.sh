# slirpctl(8) against a private slirpd -d (its own config, sockets and
# chroot), with sessions opened by ctlclient, a fake slirp(1) that can
# put a bad SLIP frame on its line on SIGUSR1.

OBJ=
PARENT=
SOCK=
CTL=

common_init()
{
	OBJ="$(atf_get_srcdir)/../.."
	[ -x "$OBJ/slirpd" ] || atf_fail "slirpd not built"
	[ -x "$OBJ/slirpctl" ] || atf_fail "slirpctl not built"
	id daemon >/dev/null 2>&1 || atf_skip "needs the user daemon"
	id nobody >/dev/null 2>&1 || atf_skip "needs the user nobody"
}

# Wait up to 10 s for a command to succeed.
wait_for()
{
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge 100 ] && return 1
		sleep 0.1
	done
	return 0
}

log_has()
{
	grep -q -- "$1" slirpd.log
}

wait_log()
{
	wait_for log_has "$1" || {
		cat slirpd.log >&2
		atf_fail "no log line matching '$1'"
	}
}

write_conf()
{
	sockdir=$(cat sockdir)
	{
		echo "socket \"$sockdir/slirpd.sock\""
		echo "control socket \"$sockdir/ctl/slirpctl.sock\""
		echo "engine user \"nobody\""
		echo "chroot \"$PWD/empty\""
		echo "policy \"default\" {"
		echo "	host-alias loopback"
		echo "	allow to any"
		echo "}"
	} > slirpd.conf.new
	chmod 600 slirpd.conf.new
	mv slirpd.conf.new slirpd.conf
}

start_slirpd()
{
	common_init
	# Reachable by the client user: not under kyua's work directory.
	mktemp -d /tmp/slirpd-ctl.XXXXXX > sockdir
	chmod 755 "$(cat sockdir)"
	SOCK="$(cat sockdir)/slirpd.sock"
	CTL="$(cat sockdir)/ctl/slirpctl.sock"
	mkdir -p empty
	chmod 755 empty
	write_conf
	"$OBJ/slirpd" -d -v -f "$PWD/slirpd.conf" 2> slirpd.log &
	PARENT=$!
	echo $PARENT > slirpd.pid
	wait_for test -S "$CTL" || {
		cat slirpd.log >&2
		atf_fail "slirpd did not create its control socket"
	}
}

# client NAME: a session for user daemon, in the background.
client()
{
	"$OBJ/regress/ctl/ctlclient" -S "$SOCK" -u daemon > "$1.out" 2>&1 &
	echo $! > "$1.pid"
	wait_for grep -q '^ready' "$1.out" || {
		cat "$1.out" slirpd.log >&2
		atf_fail "client $1 got no banner"
	}
}

engine_pid()
{
	sed -n "s/.*session $1: engine pid \([0-9]*\) sandboxed.*/\1/p" \
	    slirpd.log
}

ctl()
{
	"$OBJ/slirpctl" -s "$CTL" "$@"
}

# counter ID NAME: one counter of session ID.
counter()
{
	ctl show stats "$1" | sed -n "s/^$2 //p"
}

parent_alive()
{
	kill -0 "$PARENT" 2>/dev/null || {
		cat slirpd.log >&2
		atf_fail "the parent died"
	}
}

common_cleanup()
{
	if [ -f slirpd.pid ]; then
		kill -TERM "$(cat slirpd.pid)" 2>/dev/null
		sleep 0.5
		kill -KILL "$(cat slirpd.pid)" 2>/dev/null
	fi
	for f in *.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	[ -f sockdir ] && rm -rf "$(cat sockdir)"
	return 0
}

atf_test_case socket cleanup
socket_head()
{
	atf_set descr "the control socket is root's, mode 0600, and goes" \
	    "away with the daemon"
	atf_set require.user root
}
socket_body()
{
	start_slirpd
	atf_check_equal "$(stat -c '%a %U %F' "$CTL")" "600 root socket"
	kill -TERM "$PARENT"
	wait "$PARENT"
	rm -f slirpd.pid
	[ -e "$CTL" ] && atf_fail "control socket left behind"
	atf_check -s exit:1 -e match:"is slirpd running" \
	    "$OBJ/slirpctl" -s "$CTL" show sessions
}
socket_cleanup()
{
	common_cleanup
}

atf_test_case sessions cleanup
sessions_head()
{
	atf_set descr "show sessions: one line per session with its user," \
	    "tty, guest address, age, engine pid and line bytes"
	atf_set require.user root
}
sessions_body()
{
	start_slirpd
	atf_check -o inline:"ID    USER         TTY        GUEST                 AGE     PID     BYTES-IN    BYTES-OUT\n" \
	    "$OBJ/slirpctl" -s "$CTL" show sessions
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	client c2
	wait_log "session 2: engine pid [0-9]* sandboxed"
	ctl show sessions > out || atf_fail "show sessions failed"
	cat out
	atf_check_equal "$(wc -l < out)" 3
	for id in 1 2; do
		set -- $(grep "^$id " out)
		atf_check_equal "$2" daemon
		case $3 in pts/*) ;; *) atf_fail "tty $3" ;; esac
		atf_check_equal "$4" 10.0.2.15
		case $5 in 00:00:[0-9][0-9]) ;; *) atf_fail "age $5" ;; esac
		atf_check_equal "$6" "$(engine_pid $id)"
		atf_check_equal "$7" 0
		atf_check_equal "$8" 0
	done
	# The line bytes of session 1 move, session 2's do not.
	kill -USR1 "$(cat c1.pid)"
	wait_for grep -q '^sent 1' c1.out || atf_fail "no bad frame sent"
	wait_for sh -c "'$OBJ/slirpctl' -s '$CTL' show sessions |
	    grep -q '^1 .* 22 *0\$'" || {
		ctl show sessions >&2
		atf_fail "bytes in of session 1 did not become 22"
	}
	ctl show sessions | grep -q '^2 .* 0 *0$' ||
	    atf_fail "session 2 counted bytes"
	parent_alive
}
sessions_cleanup()
{
	common_cleanup
}

atf_test_case stats cleanup
stats_head()
{
	atf_set descr "show stats: every counter, named, one per line;" \
	    "a bad IP header on the line moves ip_bad_sum and unit0's"
	atf_set require.user root
}
stats_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	ctl show stats 1 > before || atf_fail "show stats failed"
	# Every counter has a name (slirpctl.c lists them).
	grep unnamed before && atf_fail "counters without a name in slirpctl.c"
	# Every stack counter (62 or more) and unit counter (28: 13, VJ 15), zeros too.
	[ "$(wc -l < before)" -ge 74 ] || atf_fail "$(wc -l < before) lines"
	atf_check_equal "$(grep -c '^unit0\.' before)" 28
	grep -Eqv '^[a-z0-9_.]+ [0-9]+$' before && atf_fail "bad line format"
	for c in ip_in ip_bad_sum ip_bad_ver tcp_rexmt_sack sock_fail \
	    unit0.frames_in unit0.bytes_in unit0.errors; do
		grep -q "^$c 0\$" before || atf_fail "no '$c 0' in before"
	done
	kill -USR1 "$(cat c1.pid)"
	wait_for grep -q '^sent 1' c1.out || atf_fail "no bad frame sent"
	wait_for sh -c "[ \"\$('$OBJ/slirpctl' -s '$CTL' show stats 1 |
	    sed -n 's/^ip_bad_sum //p')\" = 1 ]" || {
		ctl show stats 1 >&2
		atf_fail "ip_bad_sum did not move"
	}
	atf_check_equal "$(counter 1 ip_in)" 1
	atf_check_equal "$(counter 1 ip_bad_ver)" 0
	atf_check_equal "$(counter 1 unit0.frames_in)" 1
	atf_check_equal "$(counter 1 unit0.bytes_in)" 22
	kill -USR1 "$(cat c1.pid)"
	wait_for grep -q '^sent 2' c1.out || atf_fail "no second frame"
	wait_for sh -c "[ \"\$('$OBJ/slirpctl' -s '$CTL' show stats 1 |
	    sed -n 's/^ip_bad_sum //p')\" = 2 ]" ||
	    atf_fail "ip_bad_sum did not reach 2"
	# Without an id: each session under a "session N" line.
	client c2
	wait_log "session 2: engine pid [0-9]* sandboxed"
	ctl show stats > all || atf_fail "show stats (all) failed"
	atf_check_equal "$(grep -c '^session [12]$' all)" 2
	atf_check_equal "$(grep -c '^ip_bad_sum' all)" 2
	atf_check_equal "$(sed -n '/^session 2$/,$s/^ip_bad_sum //p' all)" 0
	parent_alive
}
stats_cleanup()
{
	common_cleanup
}

atf_test_case kill cleanup
kill_head()
{
	atf_set descr "kill ID ends that session only; its client gets ENDED"
	atf_set require.user root
}
kill_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	client c2
	wait_log "session 2: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	atf_check -o inline:"session 1: ending\n" "$OBJ/slirpctl" -s "$CTL" \
	    kill 1
	wait_log "control: session 1: killed by slirpctl"
	wait_for grep -q '^ended 0' c1.out || {
		cat c1.out slirpd.log >&2
		atf_fail "client 1 did not get ENDED"
	}
	wait "$(cat c1.pid)" || atf_fail "client 1 exited non-zero"
	wait_log "session 1: ended (normal)"
	wait_for sh -c "! kill -0 $e" || atf_fail "engine $e still runs"
	ctl show sessions > out
	grep -q '^1 ' out && atf_fail "session 1 still listed"
	grep -q '^2 .*daemon' out || atf_fail "session 2 gone too"
	grep -q ended c2.out && atf_fail "client 2 ended"
	atf_check -s exit:1 -e inline:"slirpctl: no session 1\n" \
	    "$OBJ/slirpctl" -s "$CTL" kill 1
	parent_alive
}
kill_cleanup()
{
	common_cleanup
}

atf_test_case unknown cleanup
unknown_head()
{
	atf_set descr "unknown sessions and bad ids are errors (exit 1)"
	atf_set require.user root
}
unknown_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	atf_check -s exit:1 -e inline:"slirpctl: no session 9\n" \
	    "$OBJ/slirpctl" -s "$CTL" kill 9
	atf_check -s exit:1 -e inline:"slirpctl: no session 9\n" \
	    "$OBJ/slirpctl" -s "$CTL" show stats 9
	atf_check -s exit:1 -e match:"bad session id" \
	    "$OBJ/slirpctl" -s "$CTL" kill 1x
	atf_check -s exit:1 -e match:"bad session id" \
	    "$OBJ/slirpctl" -s "$CTL" kill 0
	atf_check -s exit:1 -e match:usage "$OBJ/slirpctl" -s "$CTL" frob
	atf_check -s exit:1 -e match:usage "$OBJ/slirpctl" -s "$CTL" show
	atf_check -s exit:1 -e match:"is slirpd running" \
	    "$OBJ/slirpctl" -s "$(cat sockdir)/nonexistent" show sessions
	# Nothing happened to the session.
	grep -q ended c1.out && atf_fail "client ended"
	ctl show sessions | grep -q '^1 .*daemon' || atf_fail "session gone"
	parent_alive
}
unknown_cleanup()
{
	common_cleanup
}

atf_test_case reload cleanup
reload_head()
{
	atf_set descr "reload is SIGHUP: logged, and a broken file is" \
	    "reported and the old configuration kept"
	atf_set require.user root
}
reload_body()
{
	start_slirpd
	atf_check -o inline:"configuration reloaded\n" \
	    "$OBJ/slirpctl" -s "$CTL" reload
	wait_log "control: reload requested by slirpctl"
	wait_log "parent_reload: configuration reloaded"
	echo "this is not slirpd.conf" >> slirpd.conf
	atf_check -s exit:1 -e match:"has errors, keeping the old" \
	    "$OBJ/slirpctl" -s "$CTL" reload
	wait_log "keeping the old configuration"
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	parent_alive
}
reload_cleanup()
{
	common_cleanup
}

atf_test_case notroot cleanup
notroot_head()
{
	atf_set descr "non-root: the socket mode refuses; with the mode" \
	    "opened up, the parent's SO_PEERCRED check refuses"
	atf_set require.user root
}
notroot_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	# The directory is root's 0755: nobody may reach the socket itself.
	atf_check -s exit:1 -e match:"Permission denied" \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$OBJ/slirpctl" -s "$CTL" show sessions
	chmod 666 "$CTL"
	for cmd in "show sessions" "kill 1" "reload"; do
		atf_check -s exit:1 -e match:"slirpctl is for root only" \
		    setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$OBJ/slirpctl" -s "$CTL" $cmd
	done
	wait_log "uid $(id -u nobody) pid [0-9]* refused: not root"
	log_has "killed by slirpctl" && atf_fail "nobody killed a session"
	log_has "reload requested" && atf_fail "nobody reloaded"
	grep -q ended c1.out && atf_fail "client ended"
	ctl show sessions | grep -q '^1 .*daemon' || atf_fail "session gone"
	parent_alive
}
notroot_cleanup()
{
	common_cleanup
}

atf_test_case malformed cleanup
malformed_head()
{
	atf_set descr "a malformed control message drops that client only"
	atf_set require.user root
}
malformed_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	# SHOW_STATS (301) with 3 bytes; KILL (302) with none; type 999;
	# a header claiming 8 bytes in all.
	for m in "301 3" "302 0" "999 0" "bad 0"; do
		set -- $m
		/usr/bin/python3 - "$CTL" "$1" "$2" <<'PY' || atf_fail "send $m"
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
if sys.argv[2] == "bad":
    s.sendall(struct.pack("=IHHII", 301, 8, 0, 0, 0))
else:
    n = int(sys.argv[3])
    s.sendall(struct.pack("=IHHII", int(sys.argv[2]), 16 + n, 0, 0, 0)
        + b"x" * n)
s.settimeout(10)
# The parent must hang up on us, without an answer.
sys.exit(0 if s.recv(100) == b"" else 1)
PY
	done
	wait_log "control: pid [0-9]*: bad message type 301, length 3, dropped"
	wait_log "control: pid [0-9]*: bad message type 302, length 0, dropped"
	wait_log "control: pid [0-9]*: bad message type 999, length 0, dropped"
	wait_log "control: pid [0-9]*: malformed message header, dropped"
	parent_alive
	grep -q ended c1.out && atf_fail "client ended"
	ctl show sessions | grep -q '^1 .*daemon' || atf_fail "session gone"
	atf_check -o match:"^ip_in 0" "$OBJ/slirpctl" -s "$CTL" show stats 1
}
malformed_cleanup()
{
	common_cleanup
}

atf_test_case stuck cleanup
stuck_head()
{
	atf_set descr "a stopped engine delays show by 3 s, never the" \
	    "parent; kill SIGKILLs it when it does not exit"
	atf_set require.user root
}
stuck_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	client c2
	wait_log "session 2: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	echo "$e" > engine.pid
	kill -STOP "$e"
	ctl show sessions > out || atf_fail "show sessions failed"
	cat out
	grep -q "^1 .* $e *- *-\$" out || atf_fail "no '-' bytes for 1"
	grep -q '^2 .* 0 *0$' out || atf_fail "session 2 not answered"
	atf_check -s exit:1 -e match:"session 1: its engine did not answer" \
	    "$OBJ/slirpctl" -s "$CTL" show stats 1
	atf_check -o match:"^ip_in 0" "$OBJ/slirpctl" -s "$CTL" show stats 2
	atf_check -o inline:"session 1: ending\n" "$OBJ/slirpctl" -s "$CTL" \
	    kill 1
	wait_log "killing engine pid $e: did not exit after slirpctl kill"
	wait_log "engine pid $e terminated by signal SIGKILL"
	wait_for grep -q '^ended 2' c1.out || atf_fail "client 1 not ended"
	grep -q ended c2.out && atf_fail "client 2 ended"
	parent_alive
}
stuck_cleanup()
{
	[ -f engine.pid ] && kill -CONT "$(cat engine.pid)" 2>/dev/null
	common_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case socket
	atf_add_test_case sessions
	atf_add_test_case stats
	atf_add_test_case kill
	atf_add_test_case unknown
	atf_add_test_case reload
	atf_add_test_case notroot
	atf_add_test_case malformed
	atf_add_test_case stuck
}
