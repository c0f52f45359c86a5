# lib.sh -- end-to-end harness for slirpd: a network namespace whose
# kernel is the SLIP client, a Slirp-like server on a pty, and services on
# the root namespace's loopback.  Sourced by e2e_test.sh (atf-sh) and by
# regress/demo.sh; plain POSIX sh, no atf calls in here.
#
#   e2e_init OBJDIR          set up paths, a private work dir and the state
#   e2e_unusable             print why the harness cannot run here, if so
#   e2e_mkfile PATH BYTES    random file of that size
#   e2e_http_start DIR       python3 http.server on 127.0.0.1 -> HTTP_PORT
#   e2e_nc_listen OUTFILE    one-shot nc listener on 127.0.0.1 -> NC_PORT
#   e2e_dns_start            dnsmasq on 127.0.0.1 -> DNS_PORT
#                            (test.slirp A 192.0.2.7, host.test.slirp A
#                            192.0.2.8, big.test.slirp TXT: 6 strings, too
#                            big for UDP; nothing upstream)
#   e2e_bigtxt [SEP]         big.test.slirp's strings joined by SEP
#   e2e_free_port            a loopback TCP port nobody listens on
#   e2e_link_up [-b] [-m MTU] [-l LOSS] [-s SEED]
#                            namespace + shim + server, wait for the link
#                            (-b: the server's banner text into shim.log)
#   e2e_link_down            stop the shim (its counters end in shim.log)
#   e2e_ns CMD ...           run CMD in the namespace
#   e2e_sha FILE             SHA-256 of FILE
#   e2e_logs                 dump every log of this run to stderr
#   e2e_cleanup              kill everything started, delete the namespace
#
# E2E_SERVER (from SLIRPD_E2E_SERVER, default slirpd) picks the server:
#   slirpd    a private "slirpd -d -f $WORK/slirpd.conf" and, on the pty,
#             "$OBJ/slirp -S $WORK/slirpd.sock [mtu N]"
#   fullbolt  the original Slirp, "/usr/bin/slirp-fullbolt [mtu N]"
#
# Everything that was started is written to $E2E_STATE as it happens, so
# e2e_cleanup works from a fresh shell (atf's cleanup part) even after the
# body failed half-way.  Every wait is bounded.

E2E_ADDR=10.0.2.15
E2E_HOST=10.0.2.2
E2E_DNS=10.0.2.3
E2E_FULLBOLT=${E2E_FULLBOLT:-/usr/bin/slirp-fullbolt}

e2e_log()
{
	echo "e2e: $*" >&2
}

# e2e_init OBJDIR: OBJDIR holds slirpd, slirp and regress/e2e/slipshim.
e2e_init()
{
	E2E_OBJ=$(cd "$1" && pwd)
	E2E_SHIM=$E2E_OBJ/regress/e2e/slipshim
	E2E_SERVER=${E2E_SERVER:-${SLIRPD_E2E_SERVER:-slirpd}}
	E2E_STATE=${E2E_STATE:-$PWD/e2e.state}
	# A short path of our own: the daemon's socket path must fit
	# sun_path, and the chroot must be owned by root.  E2E_TMPDIR moves
	# it (e.g. to a root-only parent, should slirpd insist on one).
	WORK=$(mktemp -d "${E2E_TMPDIR:-/tmp}/slirpe2e.XXXXXX") || return 1
	: > "$E2E_STATE"
	echo "work $WORK" >> "$E2E_STATE"
	E2E_NSSEQ=0
	NS=
	HTTP_PORT= NC_PORT= NC_PID= DNS_PORT= SHIM_PID= SLIRPD_PID=
}

# Print a reason and return 0 when this machine cannot run the harness.
e2e_unusable()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (network namespaces, TUN)"
	elif [ ! -c /dev/net/tun ]; then
		echo "/dev/net/tun is missing"
	elif [ ! -x "$E2E_SHIM" ]; then
		echo "slipshim not built at $E2E_SHIM"
	else
		case $E2E_SERVER in
		fullbolt)
			[ -x "$E2E_FULLBOLT" ] && return 1
			echo "$E2E_FULLBOLT missing (apt-get install slirp)";;
		slirpd)
			[ -x "$E2E_OBJ/slirpd" ] && [ -x "$E2E_OBJ/slirp" ] &&
			    return 1
			echo "slirpd or slirp not built in $E2E_OBJ";;
		*)
			echo "unknown server '$E2E_SERVER' (slirpd or fullbolt)";;
		esac
	fi
	return 0
}

# e2e_wait SECONDS CMD ...: retry CMD every 0.1 s until it succeeds.
e2e_wait()
{
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# e2e_bg NAME CMD ...: start CMD in its own process group, output to
# $WORK/NAME.log; its pid (== its group) is in E2E_PID and the state.
e2e_bg()
{
	_name=$1
	shift
	setsid "$@" > "$WORK/$_name.log" 2>&1 < /dev/null &
	E2E_PID=$!
	echo "pid $E2E_PID $_name" >> "$E2E_STATE"
}

# Alive and not a zombie (our own children linger until reaped).
e2e_alive()
{
	[ -r "/proc/$1/stat" ] || return 1
	_ps=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_ps" ] && [ "$_ps" != Z ] && [ "$_ps" != X ]
}

# e2e_stop PID [SECONDS]: TERM the process group, KILL after a while.
e2e_stop()
{
	e2e_alive "$1" || return 0
	kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null
	e2e_wait "${2:-5}" e2e_dead "$1" && return 0
	kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
	e2e_wait 2 e2e_dead "$1"
}

e2e_dead()
{
	! e2e_alive "$1"
}

e2e_mkfile()
{
	head -c "$2" /dev/urandom > "$1"
}

e2e_sha()
{
	sha256sum < "$1" | cut -d' ' -f1
}

# A port that was free a moment ago; servers that can bind port 0
# themselves are preferred, this is for the rest.
e2e_free_port()
{
	python3 -c 'import socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", p)); print(p)'
}

# e2e_http_start DIR: serve DIR on 127.0.0.1; the server picks its port
# (port 0), so parallel runs never collide.
e2e_http_start()
{
	e2e_bg http sh -c 'cd "$1" && exec python3 -u -m http.server \
	    --bind 127.0.0.1 0' sh "$1"
	HTTP_PID=$E2E_PID
	if ! e2e_wait 15 grep -q ' port [0-9]' "$WORK/http.log"; then
		e2e_log "http server did not start"
		return 1
	fi
	HTTP_PORT=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' \
	    "$WORK/http.log" | head -n 1)
	e2e_wait 10 curl -s -o /dev/null --max-time 1 \
	    "http://127.0.0.1:$HTTP_PORT/"
}

# e2e_nc_listen OUTFILE: accept one connection, store what it sends.
e2e_nc_listen()
{
	_out=$1
	for _try in 1 2 3 4 5; do
		NC_PORT=$(e2e_free_port)
		e2e_bg nc sh -c 'exec nc -l 127.0.0.1 "$1" > "$2"' sh \
		    "$NC_PORT" "$_out"
		NC_PID=$E2E_PID
		e2e_wait 5 e2e_listening "$NC_PORT" && return 0
		e2e_stop "$NC_PID" 1
	done
	e2e_log "nc listener did not start"
	return 1
}

e2e_listening()
{
	ss -Hltn "sport = :$1" | grep -q LISTEN
}

# The TXT strings of big.test.slirp: "00xxx..." to "05xxx...", 250 bytes
# each, so the answer (about 1.5 kB) is truncated over UDP.
e2e_bigtxt()
{
	_x=$(printf '%248s' '' | tr ' ' x)
	for _i in 00 01 02 03 04; do
		printf '%s%s%s' "$_i" "$_x" "${1:-}"
	done
	printf '05%s\n' "$_x"
}

# dnsmasq answering test.slirp from the command line only: no
# resolv.conf, no /etc/hosts, no upstream server, no DHCP.
e2e_dns_start()
{
	for _try in 1 2 3 4 5; do
		DNS_PORT=$(e2e_free_port)
		e2e_bg dns dnsmasq --keep-in-foreground --conf-file=/dev/null \
		    --no-resolv --no-hosts --no-poll --pid-file= \
		    --listen-address=127.0.0.1 --bind-interfaces \
		    --port="$DNS_PORT" --address=/test.slirp/192.0.2.7 \
		    --host-record=host.test.slirp,192.0.2.8 \
		    --txt-record=big.test.slirp,"$(e2e_bigtxt ,)" --log-queries \
		    --log-facility=-
		DNS_PID=$E2E_PID
		if e2e_wait 5 dig @127.0.0.1 -p "$DNS_PORT" +time=1 +tries=1 \
		    +short test.slirp A; then
			return 0
		fi
		e2e_stop "$DNS_PID" 1
	done
	e2e_log "dnsmasq did not start"
	return 1
}

# A private slirpd for this run: its own socket, config, chroot.
e2e_slirpd_start()
{
	[ -n "$DNS_PORT" ] || e2e_dns_start || return 1
	mkdir -p "$WORK/empty"
	chmod 755 "$WORK/empty"
	(umask 077; cat > "$WORK/slirpd.conf" <<-EOF
	socket "$WORK/slirpd.sock"
	control socket "$WORK/slirpctl.sock"
	engine user "nobody"
	chroot "$WORK/empty"
	resolver 127.0.0.1 port $DNS_PORT
	${E2E_CONF_EXTRA:-}
	policy "default" {
		host-alias loopback
		allow to any
	}
	EOF
	)
	chown 0:0 "$WORK/slirpd.conf"
	chmod 600 "$WORK/slirpd.conf"
	e2e_bg slirpd "$E2E_OBJ/slirpd" -d -f "$WORK/slirpd.conf"
	SLIRPD_PID=$E2E_PID
	if ! e2e_wait 10 test -S "$WORK/slirpd.sock"; then
		e2e_log "slirpd did not create $WORK/slirpd.sock"
		return 1
	fi
	e2e_alive "$SLIRPD_PID"
}

# Create this run's namespace: slirpe2e-PID-N, loopback up.
e2e_netns()
{
	E2E_NSSEQ=$((E2E_NSSEQ + 1))
	NS=slirpe2e-$$-$E2E_NSSEQ
	echo "netns $NS" >> "$E2E_STATE"
	ip netns add "$NS" || return 1
	ip -n "$NS" link set lo up
}

e2e_ns()
{
	ip netns exec "$NS" "$@"
}

# e2e_link_up [-b] [-m MTU] [-l LOSS_PERCENT] [-s SEED]: a new namespace
# whose sl0 is the SLIP line to the server; returns once 10.0.2.2 answers.
e2e_link_up()
{
	_mtu=1500 _loss=0 _seed=1 _b=
	OPTIND=1
	while getopts bm:l:s: _o; do
		case $_o in
		b) _b=-b;;
		m) _mtu=$OPTARG;;
		l) _loss=$OPTARG;;
		s) _seed=$OPTARG;;
		*) return 1;;
		esac
	done
	e2e_netns || return 1
	case $E2E_SERVER in
	slirpd)
		[ -n "$SLIRPD_PID" ] || e2e_slirpd_start || return 1
		# HOME: keep the invoking user's ~/.slirprc out of it.
		set -- env HOME="$WORK" "$E2E_OBJ/slirp" -S "$WORK/slirpd.sock" \
		    "mtu $_mtu";;
	fullbolt)
		set -- env HOME="$WORK" "$E2E_FULLBOLT" "mtu $_mtu";;
	esac
	e2e_bg shim "$E2E_SHIM" $_b -m "$_mtu" -l "$_loss" -s "$_seed" \
	    -n "$NS" -a "$E2E_ADDR/24" -- "$@"
	SHIM_PID=$E2E_PID
	# The server prints its banner first; the link is up at the first
	# echo reply (bounded: 30 s).
	_end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$_end" ]; do
		if ! e2e_alive "$SHIM_PID"; then
			e2e_log "shim exited before the link came up"
			return 1
		fi
		e2e_ns ping -n -q -c 1 -W 1 "$E2E_HOST" >/dev/null 2>&1 &&
		    return 0
		sleep 0.2
	done
	e2e_log "no echo reply from $E2E_HOST within 30 s"
	return 1
}

e2e_link_down()
{
	[ -n "$SHIM_PID" ] && e2e_stop "$SHIM_PID" 5
	SHIM_PID=
}

e2e_logs()
{
	for _f in "$WORK"/*.log; do
		[ -f "$_f" ] || continue
		echo "---- $(basename "$_f")" >&2
		tail -n 40 "$_f" >&2
	done
}

# Kill what the state file lists (shims first: they stop their server),
# then anything left in our namespaces, then the namespaces and files.
e2e_cleanup()
{
	_st=${E2E_STATE:-$PWD/e2e.state}
	[ -f "$_st" ] || return 0
	for _kind in shim other; do
		while read -r _k _v _name; do
			[ "$_k" = pid ] || continue
			if [ "$_kind" = shim ] && [ "$_name" != shim ]; then
				continue
			fi
			e2e_stop "$_v" 5
		done < "$_st"
	done
	while read -r _k _v _name; do
		[ "$_k" = netns ] || continue
		ip netns list 2>/dev/null | grep -q "^$_v\\b" || continue
		for _p in $(ip netns pids "$_v" 2>/dev/null); do
			kill -KILL "$_p" 2>/dev/null
		done
		ip netns del "$_v" 2>/dev/null
	done < "$_st"
	while read -r _k _v _name; do
		case $_k in
		user)
			# A throw-away account a test made (PAP).
			userdel "$_v" 2>/dev/null;;
		work)
			case $_v in
			*/slirpe2e.??????) rm -rf "$_v";;
			esac;;
		esac
	done < "$_st"
	rm -f "$_st"
}
