# The process model: a private slirpd -d per test case (its own config,
# socket, chroot), a fake slirp(1) client (fakeclient) on a pty, and
# checks of what runs as whom, the sandbox, and supervision.  The test
# build's "%test ..." arguments make an engine misbehave on purpose.

OBJ=
PARENT=

common_init()
{
	OBJ="$(atf_get_srcdir)/../.."
	[ -x "$OBJ/slirpd" ] || atf_fail "slirpd not built"
	id daemon >/dev/null 2>&1 || atf_skip "needs the user daemon"
	id nobody >/dev/null 2>&1 || atf_skip "needs the user nobody"
}

# Wait up to 10 s for a command to succeed.
wait_for()
{
	_w=0
	while ! "$@" >/dev/null 2>&1; do
		_w=$((_w + 1))
		[ $_w -ge 100 ] && return 1
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

# write_conf [policy lines...]: the default policy allows everything.
write_conf()
{
	sockdir=$(cat sockdir)
	{
		echo "socket \"$sockdir/slirpd.sock\""
		echo "control socket \"$sockdir/slirpctl.sock\""
		echo "engine user \"nobody\""
		echo "chroot \"$PWD/empty\""
		echo "resolver 127.0.0.1 port 5353"
		echo "policy \"default\" {"
		echo "	host-alias loopback"
		for l in "$@"; do
			echo "	$l"
		done
		echo "	allow to any"
		echo "}"
	} > slirpd.conf.new
	chmod 600 slirpd.conf.new
	mv slirpd.conf.new slirpd.conf
}

start_slirpd()
{
	common_init
	# The socket must be reachable by the client user: not under
	# kyua's private work directory.
	mktemp -d /tmp/slirpd-proc.XXXXXX > sockdir
	chmod 755 "$(cat sockdir)"
	SOCK="$(cat sockdir)/slirpd.sock"
	mkdir -p empty
	chmod 755 empty
	write_conf "$@"
	"$OBJ/slirpd" -d -v -f "$PWD/slirpd.conf" 2> slirpd.log &
	PARENT=$!
	echo $PARENT > slirpd.pid
	wait_for test -S "$SOCK" || {
		cat slirpd.log >&2
		atf_fail "slirpd did not create its socket"
	}
}

# client NAME [args...]: a fake slirp(1) as user daemon, in the background.
client()
{
	name=$1
	shift
	"$OBJ/regress/proc/fakeclient" -S "$SOCK" -u daemon "$@" \
	    > "$name.out" 2>&1 &
	echo $! > "$name.pid"
}

client_ended()
{
	wait_for grep -q "^ended $2" "$1.out" || {
		cat "$1.out" >&2
		atf_fail "client $1 did not end with reason $2"
	}
}

engine_pid()
{
	sed -n "s/.*session $1: engine pid \([0-9]*\) sandboxed.*/\1/p" \
	    slirpd.log
}

exec_pid()
{
	sed -n "s/.*session $1: exec helper pid \([0-9]*\) .*/\1/p" slirpd.log
}

parent_alive()
{
	kill -0 "$PARENT" 2>/dev/null || {
		cat slirpd.log >&2
		atf_fail "the parent died"
	}
}

# A new session still gets a sandboxed engine.
second_session()
{
	client c2
	wait_log "session $1: engine pid [0-9]* sandboxed"
	parent_alive
}

status_field()
{
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
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

atf_test_case sandbox cleanup
sandbox_head()
{
	atf_set descr "engine: not root, no capabilities, no_new_privs," \
	    "seccomp, chroot; exec helper: the user, no_new_privs"
	atf_set require.user root
}
sandbox_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	uid=$(status_field $e Uid)
	set -- $uid
	[ "$1" != 0 ] && [ "$2" != 0 ] && [ "$3" != 0 ] && [ "$4" != 0 ] ||
	    atf_fail "engine uids: $uid"
	[ "$1" = "$(id -u nobody)" ] || atf_fail "engine is not nobody: $uid"
	set -- $(status_field $e Gid)
	[ "$1" = "$(id -g nobody)" ] || atf_fail "engine gid: $*"
	atf_check_equal "$(status_field $e CapEff)" 0000000000000000
	atf_check_equal "$(status_field $e CapPrm)" 0000000000000000
	atf_check_equal "$(status_field $e CapBnd)" 0000000000000000
	atf_check_equal "$(status_field $e NoNewPrivs)" 1
	atf_check_equal "$(status_field $e Seccomp)" 2
	atf_check_equal "$(readlink /proc/$e/root)" "$PWD/empty"
	tr '\0' ' ' < /proc/$e/cmdline | grep -q '^slirpd: engine \[daemon ' ||
	    atf_fail "engine title: $(tr '\0' ' ' < /proc/$e/cmdline)"
	# stdio, the channel and the line: nothing else.
	atf_check_equal "$(ls /proc/$e/fd | wc -l)" 5

	x=$(exec_pid 1)
	[ -n "$x" ] || atf_fail "no exec helper"
	wait_for sh -c "grep -q '^Uid:[[:space:]]*$(id -u daemon)[[:space:]]' \
	    /proc/$x/status" || atf_fail "exec helper is not daemon"
	set -- $(status_field $x Uid)
	[ "$1$2$3$4" = "$(id -u daemon)$(id -u daemon)$(id -u daemon)$(id -u daemon)" ] ||
	    atf_fail "exec helper uids: $*"
	atf_check_equal "$(status_field $x NoNewPrivs)" 1
	atf_check_equal "$(status_field $x CapEff)" 0000000000000000
	atf_check_equal "$(status_field $x CapBnd)" 0000000000000000
	tr '\0' ' ' < /proc/$x/cmdline | grep -q '^slirpd: exec \[daemon\]' ||
	    atf_fail "exec title: $(tr '\0' ' ' < /proc/$x/cmdline)"
	atf_check_equal "$(ls /proc/$x/fd | wc -l)" 4
	grep -q "SLiRP Ready" c1.out || atf_fail "no banner"
	# The parent itself.
	tr '\0' ' ' < /proc/$PARENT/cmdline | grep -q '^slirpd: parent' ||
	    atf_fail "parent title"
}
sandbox_cleanup()
{
	common_cleanup
}

atf_test_case root_client cleanup
root_client_head()
{
	atf_set descr "a session for root gets no exec helper"
	atf_set require.user root
}
root_client_body()
{
	start_slirpd
	"$OBJ/regress/proc/fakeclient" -S "$SOCK" > c1.out 2>&1 &
	echo $! > c1.pid
	wait_log "session 1: engine pid [0-9]* sandboxed"
	wait_log "session 1: no exec helper for root"
	log_has "session 1: exec helper pid" && atf_fail "exec helper for root"
	set -- $(status_field $(engine_pid 1) Uid)
	[ "$1" = "$(id -u nobody)" ] || atf_fail "engine uid $1"
}
root_client_cleanup()
{
	common_cleanup
}

atf_test_case exec_target cleanup
exec_target_head()
{
	atf_set descr "the exec helper starts a registered target by id" \
	    "and refuses unknown ids; the fd reaches the sandboxed engine"
	atf_set require.user root
}
exec_target_body()
{
	start_slirpd
	client c1 "%test exec 1"
	wait_log "session 1: test: exec: echoed ok"
	client c2 "%test exec 9"
	wait_log "session 2: test: exec: error No such file or directory"
	parent_alive
}
exec_target_cleanup()
{
	common_cleanup
}

# forbidden SYSCALL: the engine calls it after sandboxing and must die.
forbidden()
{
	start_slirpd
	client c1 "%test syscall $1"
	wait_log "session 1: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	# The kill must come from the call under test, not from before it.
	wait_log "trying forbidden syscall"
	wait_log "engine pid $e terminated by signal SIGSYS: killed by seccomp"
	log_has "forbidden syscall [0-9]* survived" &&
	    atf_fail "the call returned instead of killing the engine"
	client_ended c1 2
	wait_log "session 1: ended (failed)"
	parent_alive
	second_session 2
}

for sc in open socket execve sendto sendmsg mmapx sockopt; do
	eval "
atf_test_case seccomp_$sc cleanup
seccomp_${sc}_head()
{
	atf_set descr 'an engine calling $sc dies by SIGSYS, the parent lives'
	atf_set require.user root
}
seccomp_${sc}_body()
{
	forbidden $sc
}
seccomp_${sc}_cleanup()
{
	common_cleanup
}
"
done

atf_test_case sigkill cleanup
sigkill_head()
{
	atf_set descr "children killed with SIGKILL are survived"
	atf_set require.user root
}
sigkill_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	x=$(exec_pid 1)
	kill -KILL "$x"
	wait_log "exec helper pid $x terminated by signal SIGKILL"
	parent_alive
	e=$(engine_pid 1)
	kill -KILL "$e"
	wait_log "engine pid $e terminated by signal SIGKILL"
	client_ended c1 2
	parent_alive
	second_session 2
}
sigkill_cleanup()
{
	common_cleanup
}

atf_test_case malformed cleanup
malformed_head()
{
	atf_set descr "an engine sending a malformed message is killed"
	atf_set require.user root
}
malformed_body()
{
	start_slirpd
	client c1 "%test malformed"
	wait_log "session 1: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	wait_log "killing engine pid $e: bad message SOCK_REQ, length 3"
	wait_log "engine pid $e terminated by signal SIGKILL"
	client_ended c1 2
	parent_alive
	second_session 2
}
malformed_cleanup()
{
	common_cleanup
}

atf_test_case broker cleanup
broker_head()
{
	atf_set descr "the parent creates sockets for the engine under policy"
	atf_set require.user root
}
broker_body()
{
	start_slirpd "deny to 127.0.0.2"
	client c1 "%test sock 127.0.0.1 9"
	wait_log "session 1: test: sock: ok"
	client c2 "%test sock 127.0.0.2 9"
	wait_log "session 2: tcp to 127.0.0.2:9 denied by policy"
	wait_log "session 2: test: sock: Permission denied"
	parent_alive
}
broker_cleanup()
{
	common_cleanup
}

atf_test_case broker_host_alias cleanup
broker_host_alias_head()
{
	atf_set descr "without the host alias no rule opens this host;" \
	    "multicast and broadcast are never opened"
	atf_set require.user root
}
broker_host_alias_body()
{
	start_slirpd "host-alias none" "deny to any"
	k=1
	for a in 127.0.0.1 127.1.2.3 0.0.0.0 224.0.0.1 255.255.255.255; do
		client c$k "%test sock $a 9"
		wait_log "session $k: tcp to $a:9 denied by policy"
		wait_log "session $k: test: sock: Permission denied"
		k=$((k + 1))
	done
	# A configured resolver is the relay's upstream, whatever the policy.
	client c$k "%test sock 127.0.0.1 5353"
	wait_log "session $k: test: sock: ok"
	parent_alive
}
broker_host_alias_cleanup()
{
	common_cleanup
}

atf_test_case sighup cleanup
sighup_head()
{
	atf_set descr "SIGHUP reloads; a broken file keeps the old config"
	atf_set require.user root
}
sighup_body()
{
	start_slirpd
	client c1 "%test sock 127.0.0.1 9"
	wait_log "session 1: test: sock: ok"
	write_conf "deny to 127.0.0.0/8"
	kill -HUP "$PARENT"
	wait_log "parent_reload: configuration reloaded"
	client c2 "%test sock 127.0.0.1 9"
	wait_log "session 2: test: sock: Permission denied"
	echo "this is not slirpd.conf" >> slirpd.conf
	kill -HUP "$PARENT"
	wait_log "keeping the old configuration"
	write_conf
	sed 's/^engine user .*/engine user "no-such-user-here"/' slirpd.conf \
	    > c.new && chmod 600 c.new && mv c.new slirpd.conf
	kill -HUP "$PARENT"
	wait_log "engine user no-such-user-here does not exist"
	client c3 "%test sock 127.0.0.1 9"
	wait_log "session 3: test: sock: Permission denied"
	parent_alive
}
sighup_cleanup()
{
	common_cleanup
}

atf_test_case socket_in_use cleanup
socket_in_use_head()
{
	atf_set descr "a second slirpd never takes a live daemon's socket"
	atf_set require.user root
}
socket_in_use_body()
{
	start_slirpd
	# The same configuration, hence the same socket path.
	atf_check -s not-exit:0 -o ignore -e match:"served by another slirpd" \
	    timeout 10 "$OBJ/slirpd" -d -f "$PWD/slirpd.conf"
	kill -0 "$PARENT" || atf_fail "the first daemon died"
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	# A stale socket (its daemon killed) is replaced, not refused.
	kill -KILL "$PARENT"
	wait "$PARENT"
	[ -S "$SOCK" ] || atf_fail "the killed daemon's socket is gone"
	"$OBJ/slirpd" -d -v -f "$PWD/slirpd.conf" 2> slirpd2.log &
	PARENT=$!
	echo $PARENT > slirpd.pid
	wait_for grep -q "listening on" slirpd2.log || {
		cat slirpd2.log >&2
		atf_fail "the stale socket was not replaced"
	}
}
socket_in_use_cleanup()
{
	common_cleanup
}

atf_test_case sigterm cleanup
sigterm_head()
{
	atf_set descr "SIGTERM: sessions end, no child is left, exit 0"
	atf_set require.user root
}
sigterm_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	x=$(exec_pid 1)
	kill -TERM "$PARENT"
	wait "$PARENT"
	rv=$?
	rm -f slirpd.pid
	atf_check_equal "$rv" 0
	client_ended c1 0
	kill -0 "$e" 2>/dev/null && atf_fail "engine $e left behind"
	kill -0 "$x" 2>/dev/null && atf_fail "exec helper $x left behind"
	[ -z "$(ps -o pid= --ppid "$PARENT")" ] || atf_fail "children left"
	[ -e "$SOCK" ] && atf_fail "socket not removed"
	log_has "parent_main: exiting" || atf_fail "no exit log"
}
sigterm_cleanup()
{
	common_cleanup
}

atf_test_case sigterm_stalled cleanup
sigterm_stalled_head()
{
	atf_set descr "SIGTERM with an engine that stopped reading its" \
	    "full channel: SIGKILL after the grace, exit 0 within 10 s"
	atf_set require.user root
	atf_set timeout 60
}
sigterm_stalled_body()
{
	start_slirpd
	client c1 "%test stall"
	wait_log "session 1: engine pid [0-9]* sandboxed"
	wait_log "engine_dispatch_one: stalling"
	e=$(engine_pid 1)
	# Let the parent fill the engine's socket buffer.
	sleep 1
	kill -TERM "$PARENT"
	i=0
	while kill -0 "$PARENT" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$PARENT" 2>/dev/null; then
		cat slirpd.log >&2
		atf_fail "the parent hangs after SIGTERM"
	fi
	wait "$PARENT"
	rv=$?
	rm -f slirpd.pid
	atf_check_equal "$rv" 0
	kill -0 "$e" 2>/dev/null && atf_fail "engine $e left behind"
	[ -z "$(ps -o pid= --ppid "$PARENT")" ] || atf_fail "children left"
	log_has "killing engine pid $e: did not exit on SIGTERM" ||
	    atf_fail "the stalled engine was not killed"
	log_has "parent_main: exiting" || atf_fail "no exit log"
}
sigterm_stalled_cleanup()
{
	common_cleanup
}

atf_test_case chroot_not_empty cleanup
chroot_not_empty_head()
{
	atf_set descr "an engine chroot with entries in it is refused:" \
	    "the client gets an ERROR and the reason is logged"
	atf_set require.user root
}
chroot_not_empty_body()
{
	start_slirpd
	touch empty/planted
	atf_check -s exit:1 \
	    -o match:"^error: slirpd could not start a session" \
	    "$OBJ/regress/proc/fakeclient" -S "$SOCK" -u daemon
	wait_log "session_chroot_empty: chroot $PWD/empty is not empty (it holds planted)"
	log_has "engine pid" && atf_fail "an engine was started"
	# Emptied again, it serves.
	rm empty/planted
	client c1
	wait_log "session [0-9]*: engine pid [0-9]* sandboxed"
	parent_alive
}
chroot_not_empty_cleanup()
{
	common_cleanup
}

atf_test_case deny_flood cleanup
deny_flood_head()
{
	atf_set descr "200 requests denied by policy: the first ones are" \
	    "logged, the rest summed up in one line"
	atf_set require.user root
}
deny_flood_body()
{
	start_slirpd "deny to 127.0.0.2"
	client c1 "%test sock 127.0.0.2 9 200"
	wait_for sh -c "[ \$(grep -c 'session 1: test: sock: Permission denied' slirpd.log) -ge 200 ]" || {
		cat slirpd.log >&2
		atf_fail "not all 200 requests were answered"
	}
	n=$(grep -c "denied by policy" slirpd.log)
	[ "$n" -eq 10 ] || {
		cat slirpd.log >&2
		atf_fail "$n denial lines for 200 denials (want 10)"
	}
	# The rest is summed up at the end of the session.
	kill -TERM "$(cat c1.pid)"
	wait_log "session 1: 190 more requests denied by policy"
	[ "$(grep -c "denied by policy" slirpd.log)" -lt 15 ] ||
	    atf_fail "too many log lines about denials"
	parent_alive
}
deny_flood_cleanup()
{
	common_cleanup
}

atf_test_case backpressure cleanup
backpressure_head()
{
	atf_set descr "an engine that floods requests and reads no replies" \
	    "is not read either once its queue is at the bound"
	atf_set require.user root
	atf_set timeout 60
}
backpressure_body()
{
	start_slirpd "deny to 127.0.0.2"
	client c1 "%test flood"
	wait_log "session 1: engine pid [0-9]* sandboxed"
	engine_pid 1 > e.pid
	wait_log "engine_test_flood: flooding"
	# Until the parent has stopped answering.
	prev=-1
	while :; do
		sleep 1
		n=$(grep -c "session 1: engine not reading" slirpd.log)
		[ "$n" = "$prev" ] && break
		prev=$n
	done
	# The parent serves others meanwhile.
	second_session 2
	kill -KILL "$(cat e.pid)"
	client_ended c1 2
	wait_log "session 1: ended"
	# The engine sent 20000 requests: the queued replies stay near
	# CHILD_MAXQUEUED, refusals within about a read buffer's worth,
	# and most requests were never read at all.
	d=$(grep -c "session 1: tcp to 127.0.0.2:9 denied" slirpd.log)
	s=$(sed -n 's/.*session 1: \([0-9]*\) more requests denied.*/\1/p' \
	    slirpd.log | awk '{ t += $1 } END { print t + 0 }')
	echo "refused $n, denied $d + $s" >&2
	[ "$n" -lt 2000 ] || atf_fail "$n requests refused with EAGAIN"
	[ $((n + d + s)) -lt 10000 ] ||
	    atf_fail "the parent read $((n + d + s)) requests"
}
backpressure_cleanup()
{
	common_cleanup
}

atf_test_case client_gone cleanup
client_gone_head()
{
	atf_set descr "when slirp(1) goes away its session ends"
	atf_set require.user root
}
client_gone_body()
{
	start_slirpd
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	e=$(engine_pid 1)
	kill -KILL "$(cat c1.pid)"
	wait_log "session 1: client gone"
	wait_log "engine pid $e exited normally"
	wait_log "session 1: ended"
	parent_alive
}
client_gone_cleanup()
{
	common_cleanup
}

atf_test_case five_zeros cleanup
five_zeros_head()
{
	atf_set descr "five zeros typed on the line end the session"
	atf_set require.user root
	atf_set timeout 60
}
five_zeros_body()
{
	start_slirpd
	client c1 -z
	wait_log "session 1: engine pid [0-9]* sandboxed"
	i=0
	while ! grep -q "^ended" c1.out && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	client_ended c1 0
	wait_log "session 1: ended (normal)"
}
five_zeros_cleanup()
{
	common_cleanup
}

atf_test_case bad_clients cleanup
bad_clients_head()
{
	atf_set descr "clients without a tty, without HELLO, or too many" \
	    "idle ones are refused; the parent carries on"
	atf_set require.user root
}
bad_clients_body()
{
	start_slirpd
	fc="$OBJ/regress/proc/fakeclient"
	atf_check -s exit:1 -o match:"^error: slirp must be run on a terminal" \
	    "$fc" -S "$SOCK" -u daemon -N
	atf_check -s exit:1 -o match:"^error: protocol error" \
	    "$fc" -S "$SOCK" -u daemon -G
	atf_check -s exit:1 -o match:"^error: protocol error" \
	    "$fc" -S "$SOCK" -u daemon "%test no such hook"
	# Connections that never say GO: four per user at a time.
	for i in 1 2 3 4 5; do
		setpriv --reuid=daemon --regid=daemon --clear-groups \
		    nc -U "$SOCK" < /dev/null > /dev/null 2>&1 &
		echo $! > nc$i.pid
		sleep 0.2
	done
	wait_log "uid $(id -u daemon) has too many connections starting"
	# Others still get in.
	"$fc" -S "$SOCK" -u nobody > c1.out 2>&1 &
	echo $! > c1.pid
	wait_log "session 1: engine pid [0-9]* sandboxed"
	log_has "session 1: engine pid [0-9]* user nobody" ||
	    atf_fail "session 1 is not nobody's"
	parent_alive
}
bad_clients_cleanup()
{
	common_cleanup
}

atf_test_case bad_tty cleanup
bad_tty_head()
{
	atf_set descr "a tty owned by someone else, or passed read-only," \
	    "is refused with a clear error"
	atf_set require.user root
}
bad_tty_body()
{
	start_slirpd
	fc="$OBJ/regress/proc/fakeclient"
	atf_check -s exit:1 -o match:"^error: the terminal is not yours" \
	    "$fc" -S "$SOCK" -u daemon -O
	wait_log "client_open_line: client pid [0-9]* uid $(id -u daemon) passed /dev/pts/[0-9]*, owned by uid 0"
	atf_check -s exit:1 \
	    -o match:"^error: the terminal must be open for reading and writing" \
	    "$fc" -S "$SOCK" -u daemon -R
	log_has "engine pid" && atf_fail "an engine was started"
	# The user's own tty, read-write, still works.
	client c1
	wait_log "session 1: engine pid [0-9]* sandboxed"
	parent_alive
}
bad_tty_cleanup()
{
	common_cleanup
}

atf_test_case daemonize cleanup
daemonize_head()
{
	atf_set descr "without -d slirpd detaches and still serves"
	atf_set require.user root
}
daemonize_body()
{
	common_init
	mktemp -d /tmp/slirpd-proc.XXXXXX > sockdir
	chmod 755 "$(cat sockdir)"
	SOCK="$(cat sockdir)/slirpd.sock"
	mkdir -p empty
	write_conf
	atf_check -s exit:0 -o empty -e empty "$OBJ/slirpd" -f "$PWD/slirpd.conf"
	wait_for test -S "$SOCK" || atf_fail "no socket"
	pid=$(ss -xlpn | sed -n "s|.*$SOCK .*pid=\([0-9]*\).*|\1|p" | head -1)
	[ -n "$pid" ] || atf_fail "no process listens on $SOCK"
	echo "$pid" > slirpd.pid
	PARENT=$pid
	tr '\0' ' ' < /proc/$pid/cmdline | grep -q '^slirpd: parent' ||
	    atf_fail "listener is not a slirpd parent"
	atf_check_equal "$(readlink /proc/$pid/cwd)" /
	"$OBJ/regress/proc/fakeclient" -S "$SOCK" -u daemon > c1.out 2>&1 &
	echo $! > c1.pid
	wait_for grep -q "SLiRP Ready" c1.out || atf_fail "no banner"
	kill -TERM "$pid"
	client_ended c1 0
	wait_for sh -c "! kill -0 $pid" || atf_fail "daemon did not exit"
	[ -e "$SOCK" ] && atf_fail "socket left behind"
	rm -f slirpd.pid
}
daemonize_cleanup()
{
	common_cleanup
}

atf_test_case bad_engine_user
bad_engine_user_head()
{
	atf_set descr "slirpd will not start with a missing or root engine user"
	atf_set require.user root
}
bad_engine_user_body()
{
	common_init
	mktemp -d /tmp/slirpd-proc.XXXXXX > sockdir
	write_conf
	sed 's/^engine user .*/engine user "no-such-user-here"/' slirpd.conf \
	    > c.conf && chmod 600 c.conf
	atf_check -s exit:1 -e match:"engine user no-such-user-here does not exist" \
	    "$OBJ/slirpd" -d -f "$PWD/c.conf"
	sed 's/^engine user .*/engine user "root"/' slirpd.conf \
	    > c.conf && chmod 600 c.conf
	atf_check -s exit:1 -e match:"engine user root must not be root" \
	    "$OBJ/slirpd" -d -f "$PWD/c.conf"
	[ -e "$(cat sockdir)/slirpd.sock" ] && atf_fail "it listened anyway"
	rm -rf "$(cat sockdir)"
}

atf_test_case nonroot
nonroot_head()
{
	atf_set descr "slirpd refuses to run without root (but -n works)"
	atf_set require.user root
}
nonroot_body()
{
	common_init
	echo 'socket "/tmp/x.sock"' > c.conf
	chmod 644 c.conf
	atf_check -s exit:1 -e match:"need root privileges" \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$OBJ/slirpd" -d -f "$PWD/c.conf"
}

atf_test_case check_config
check_config_head()
{
	atf_set descr "-n and -nv on a good and a bad file"
	atf_set require.user root
}
check_config_body()
{
	common_init
	mktemp -d /tmp/slirpd-proc.XXXXXX > sockdir
	write_conf
	atf_check -s exit:0 -e inline:"configuration OK\n" -o empty \
	    "$OBJ/slirpd" -n -f "$PWD/slirpd.conf"
	atf_check -s exit:0 -e inline:"configuration OK\n" \
	    -o match:"^socket \"$(cat sockdir)/slirpd.sock\"" \
	    "$OBJ/slirpd" -nv -f "$PWD/slirpd.conf"
	printf 'socket "/tmp/x"\nnonsense here\n' > bad.conf
	chmod 600 bad.conf
	atf_check -s exit:1 -e match:"bad.conf:2:" -o empty \
	    "$OBJ/slirpd" -n -f "$PWD/bad.conf"
	atf_check -s exit:1 -e match:"bad.conf:2:" -o empty \
	    "$OBJ/slirpd" -nv -f "$PWD/bad.conf"
	rm -rf "$(cat sockdir)"
}

atf_init_test_cases()
{
	atf_add_test_case sandbox
	atf_add_test_case root_client
	atf_add_test_case exec_target
	atf_add_test_case seccomp_open
	atf_add_test_case seccomp_socket
	atf_add_test_case seccomp_execve
	atf_add_test_case seccomp_sendto
	atf_add_test_case seccomp_sendmsg
	atf_add_test_case seccomp_mmapx
	atf_add_test_case seccomp_sockopt
	atf_add_test_case sigkill
	atf_add_test_case malformed
	atf_add_test_case broker
	atf_add_test_case broker_host_alias
	atf_add_test_case sighup
	atf_add_test_case sigterm
	atf_add_test_case socket_in_use
	atf_add_test_case sigterm_stalled
	atf_add_test_case chroot_not_empty
	atf_add_test_case deny_flood
	atf_add_test_case backpressure
	atf_add_test_case client_gone
	atf_add_test_case five_zeros
	atf_add_test_case bad_clients
	atf_add_test_case bad_tty
	atf_add_test_case daemonize
	atf_add_test_case bad_engine_user
	atf_add_test_case nonroot
	atf_add_test_case check_config
}
