# run.sh -- slirpd throughput against the raw pty, libslirp and the
# original Slirp, side by side in one run (`make bench`, as root).
#
# usage: sh regress/bench/run.sh [OBJDIR [BENCHDIR]]
#	BENCH_RUNS	runs per row and direction (default 5; median shown)
#	BENCH_MB	megabytes (10^6 bytes) per transfer (default 100)
#	BENCH_ROWS	rows to run (default "raw libslirp fullbolt slirpd
#			line")
#
# Rows:
#   raw       bytes through a pty pair, no stack (BENCHDIR/ptyraw)
#   libslirp  QEMU's libslirp behind BENCHDIR/libslirp_slip on the pty
#   fullbolt  /usr/bin/slirp-fullbolt on the pty
#   slirpd    a private "OBJDIR/slirpd -d -f conf", "OBJDIR/slirp -S sock"
#             on the pty ("not built" when OBJDIR has no slirpd)
#   line      the paced 115200-baud line section, run first and on its
#             own: real Linux SLIP/CSLIP/PPP clients in QEMU (line.sh,
#             BENCH_LINE*); `make bench-line` runs only this
# Each stack row is a network namespace whose kernel is the SLIP client
# (TUN + slipshim on the pty master, the server on the slave, MTU 1500).
# Download: curl in the namespace fetches BENCH_MB from a loopback HTTP
# sender via 10.0.2.2; upload: nc -N sends BENCH_MB to a loopback sink.
# Rows are interleaved within each run so that a noisy machine hurts them
# alike.  Server CPU is utime+stime of the server process (slirpd: the
# "slirpd: engine" process) over the transfer, per GB (10^9 bytes).
# The table goes to stdout and BENCHDIR/bench.txt, every sample to
# BENCHDIR/bench-samples.txt.

top=$(cd "$(dirname "$0")/../.." && pwd)
obj=$( (cd "${1:-$top/obj}" && pwd) 2>/dev/null) || obj=${1:-$top/obj}
bobj=$(cd "${2:-$top/obj-bench}" && pwd) || exit 1
. "$top/regress/e2e/lib.sh"

RUNS=${BENCH_RUNS:-5}
MB=${BENCH_MB:-100}
ROWS=${BENCH_ROWS:-raw libslirp fullbolt slirpd line}
BYTES=$((MB * 1000000))
TMO=$((30 + MB))	# per transfer: at least ~1 MB/s or it failed
HZ=$(getconf CLK_TCK)

bench_log()
{
	echo "bench: $*" >&2
}

die()
{
	bench_log "$*"
	[ -n "$WORK" ] && e2e_logs
	exit 1
}

case $RUNS$MB in
*[!0-9]*) die "BENCH_RUNS and BENCH_MB must be numbers";;
esac
[ "$RUNS" -ge 1 ] && [ "$MB" -ge 1 ] || die "BENCH_RUNS, BENCH_MB >= 1"

# Everything started is in the state file; slirpd's children are added
# at the end so that none outlives a daemon that forgot them.
bench_cleanup()
{
	if [ -n "${SLIRPD_PID:-}" ]; then
		for _p in $(descendants "$SLIRPD_PID"); do
			echo "pid $_p slirpd-child" >> "$E2E_STATE"
		done
	fi
	e2e_cleanup
}

E2E_STATE=$(mktemp /tmp/slirpbench.state.XXXXXX) || exit 1
trap 'bench_cleanup; exit 130' INT TERM HUP
trap 'bench_cleanup' EXIT
# (lib.sh wants an existing directory; slirpd_built checks $obj itself.)
[ -d "$obj" ] && _e2eobj=$obj || _e2eobj=$bobj
e2e_init "$_e2eobj" || die "cannot make a work directory"
E2E_SHIM=$bobj/slipshim
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, TUN)"

# ---- helpers ---------------------------------------------------------

now_ns()
{
	date +%s%N
}

# utime+stime of PID in clock ticks (empty if it is gone).
cpu_ticks()
{
	[ -r "/proc/$1/stat" ] || return 0
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

children()
{
	cat /proc/"$1"/task/*/children 2>/dev/null
}

# All descendants of PID, one per line.
descendants()
{
	for _c in $(children "$1"); do
		echo "$_c"
		descendants "$_c"
	done
}

# The server on the pty: the shim's child (wait for it, bounded).
shim_child()
{
	_n=50
	while [ "$_n" -gt 0 ]; do
		_p=$(children "$1" | awk '{ print $1 }')
		if [ -n "$_p" ]; then
			echo "$_p"
			return 0
		fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# slirpd's engine: a descendant of our private daemon titled
# "slirpd: engine" (never another slirpd on this machine).
engine_pid()
{
	_n=50
	while [ "$_n" -gt 0 ]; do
		for _p in $(descendants "$1"); do
			if tr '\0' ' ' < "/proc/$_p/cmdline" 2>/dev/null |
			    grep -q 'slirpd: engine'; then
				echo "$_p"
				return 0
			fi
		done
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# Are OBJ's slirpd and slirp there?
slirpd_built()
{
	[ -x "$obj/slirpd" ] && [ -x "$obj/slirp" ]
}

# Bring up ROW's link in a namespace of its own; sets ns_ROW, srv_ROW.
link_up()
{
	_row=$1
	e2e_netns || return 1
	case $_row in
	libslirp)
		set -- "$bobj/libslirp_slip" -m 1500;;
	fullbolt)
		# HOME: keep the invoking user's ~/.slirprc out of it.
		set -- env HOME="$WORK" "$E2E_FULLBOLT" "mtu 1500";;
	slirpd)
		e2e_slirpd_start || return 1
		set -- "$obj/slirp" -S "$WORK/slirpd.sock" "mtu 1500";;
	esac
	e2e_bg "shim-$_row" "$E2E_SHIM" -m 1500 -n "$NS" \
	    -a "$E2E_ADDR/24" -- "$@"
	_shim=$E2E_PID
	_end=$(($(date +%s) + 30))
	_up=
	while [ "$(date +%s)" -lt "$_end" ]; do
		e2e_alive "$_shim" || break
		if e2e_ns ping -n -q -c 1 -W 1 "$E2E_HOST" >/dev/null 2>&1
		then
			_up=1
			break
		fi
		sleep 0.2
	done
	if [ -z "$_up" ]; then
		bench_log "$_row: the link did not come up"
		tail -n 20 "$WORK/shim-$_row.log" >&2
		return 1
	fi
	# setsid(1) may have forked: the shim is then its child.
	if [ "$(cat "/proc/$_shim/comm" 2>/dev/null)" != slipshim ]; then
		_shim=$(shim_child "$_shim") || _shim=
	fi
	case $_row in
	slirpd)	_srv=$(engine_pid "$SLIRPD_PID") || _srv=
		# Stopped at the end even if the daemon left it behind.
		[ -n "$_srv" ] && echo "pid $_srv engine" >> "$E2E_STATE";;
	*)	_srv=$(shim_child "$_shim") || _srv=;;
	esac
	[ -n "$_srv" ] || bench_log "$_row: server process not found;" \
	    "no CPU figures"
	eval "ns_$_row=\$NS srv_$_row=\$_srv shim_$_row=\$_shim"
}

# Machine-wide "busy steal total" jiffies from /proc/stat (all CPUs);
# steal is time the hypervisor gave our virtual CPUs to someone else.
machine_ticks()
{
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9,
	    $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat
}

# Start the clocks of one transfer: server, shim and machine CPU.
meter_start()
{
	_c0=$(cpu_ticks "$_srv")
	_l0=$(cpu_ticks "$_shim")
	_m0=$(machine_ticks)
}

# Stop them: sets _cpu and _lcpu (CPU seconds, empty if unknown) and
# _busy and _steal (percent of all CPUs busy, stolen by the hypervisor).
meter_stop()
{
	_cpu=$(cpu_since "$_srv" "$_c0")
	_lcpu=$(cpu_since "$_shim" "$_l0")
	_busy=$(echo "$_m0 $(machine_ticks)" | awk '{
		t = $6 - $3; printf "%.0f", (t > 0 ? 100 * ($4 - $1) / t : 0) }')
	_steal=$(echo "$_m0 $(machine_ticks)" | awk '{
		t = $6 - $3; printf "%.0f", (t > 0 ? 100 * ($5 - $2) / t : 0) }')
}

# sample ROW DIR SECONDS SERVER_CPU LINE_CPU BUSY STEAL: one measurement.
sample()
{
	awk -v r="$1" -v d="$2" -v s="$3" -v c="$4" -v l="$5" -v u="$6" \
	    -v st="$7" -v b="$BYTES" 'BEGIN {
		cpg = (c == "") ? "-" : sprintf("%.4f", c / (b / 1e9));
		lpg = (l == "") ? "-" : sprintf("%.4f", l / (b / 1e9));
		printf "%s %s %.4f %s %s %s %s\n", r, d, b / 1e6 / s, cpg, lpg,
		    u == "" ? "-" : u, st == "" ? "-" : st }' >> "$WORK/samples"
	tail -n 1 "$WORK/samples" | awk '{ printf "bench:   %-9s %-4s " \
	    "%8.2f MB/s  server %s CPU s/GB, shim %s, machine %s%% busy" \
	    " %s%% stolen\n", $1, $2, $3, $4, $5, $6, $7 }' >&2
}

# run_raw: both directions through a bare pty pair.
run_raw()
{
	for _d in down up; do
		_m0=$(machine_ticks)
		_out=$(timeout "$TMO" "$bobj/ptyraw" "$_d" "$BYTES") || {
			bench_log "raw $_d failed"
			return 1
		}
		_srv= _shim=
		meter_stop
		set -- $_out
		sample raw "$_d" "$2" "$3" "$4" "$_busy" "$_steal"
	done
}

# cpu_since PID TICKS: PID's CPU seconds since TICKS (empty if unknown).
cpu_since()
{
	[ -n "$1" ] && [ -n "$2" ] || return 0
	_t1=$(cpu_ticks "$1")
	[ -n "$_t1" ] || return 0
	awk -v a="$2" -v b="$_t1" -v hz="$HZ" 'BEGIN { print (b - a) / hz }'
}

run_down()
{
	meter_start
	_out=$(e2e_ns timeout "$TMO" curl -sS --max-time "$TMO" -o /dev/null \
	    -w '%{http_code} %{size_download} %{time_total}' \
	    "http://$E2E_HOST:$HTTP_PORT/") || {
		bench_log "$_row down: curl failed: $_out"
		return 1
	}
	meter_stop
	set -- $_out
	if [ "$1" != 200 ] || [ "$2" != "$BYTES" ]; then
		bench_log "$_row down: HTTP $1, $2 of $BYTES bytes"
		return 1
	fi
	sample "$_row" down "$3" "$_cpu" "$_lcpu" "$_busy" "$_steal"
}

sink_got_more()
{
	[ "$(grep -c '^got ' "$WORK/sink.log")" -gt "$1" ]
}

run_up()
{
	_before=$(grep -c '^got ' "$WORK/sink.log")
	meter_start
	_t0=$(now_ns)
	# nc -N: shut down our side at EOF, exit when the sink has closed,
	# that is when every byte has arrived.
	e2e_ns timeout "$TMO" nc -N -w 30 "$E2E_HOST" "$SINK_PORT" \
	    < "$WORK/upload" || {
		bench_log "$_row up: nc failed"
		return 1
	}
	_t1=$(now_ns)
	meter_stop
	e2e_wait 5 sink_got_more "$_before"
	_got=$(sed -n 's/^got //p' "$WORK/sink.log" | tail -n 1)
	if [ "$(grep -c '^got ' "$WORK/sink.log")" -le "$_before" ] ||
	    [ "$_got" != "$BYTES" ]; then
		bench_log "$_row up: the sink got ${_got:-nothing}" \
		    "of $BYTES bytes"
		return 1
	fi
	sample "$_row" up "$(awk -v a="$_t0" -v b="$_t1" \
	    'BEGIN { print (b - a) / 1e9 }')" "$_cpu" "$_lcpu" "$_busy" \
	    "$_steal"
}

run_stack()
{
	_row=$1
	eval "NS=\$ns_$_row _srv=\$srv_$_row _shim=\$shim_$_row"
	run_down && run_up
}

# Start a bsrv; sets BSRV_PORT.
bsrv_start()
{
	e2e_bg "$1" "$bobj/bsrv" "$@"
	e2e_wait 10 grep -q '^port ' "$WORK/$1.log" ||
	    die "bsrv $1 did not start"
	BSRV_PORT=$(sed -n 's/^port //p' "$WORK/$1.log" | head -n 1)
}

# The paced line first, then the other rows (if any are left).
case " $ROWS " in
*" line "*)
	. "$top/regress/bench/line.sh"
	line_section
	ROWS=$(echo "$ROWS" | tr ' ' '\n' | grep -v '^line$' | tr '\n' ' ' |
	    sed 's/ *$//')
	[ -n "$ROWS" ] || exit 0
	# The other rows have a slirpd of their own.
	e2e_stop "$SLIRPD_PID"
	SLIRPD_PID=
	rm -f "$WORK/slirpd.sock" "$WORK/slirpctl.sock"
	;;
esac

[ -c /dev/net/tun ] || die "/dev/net/tun is missing"
for p in slipshim ptyraw bsrv libslirp_slip; do
	[ -x "$bobj/$p" ] || die "$bobj/$p not built (make bench)"
done

# ---- set up -----------------------------------------------------------

ncpu=$(nproc)
bench_log "$RUNS runs of $MB MB each way per row; rows: $ROWS"
bsrv_start http "$BYTES"
HTTP_PORT=$BSRV_PORT
bsrv_start sink
SINK_PORT=$BSRV_PORT
head -c "$BYTES" /dev/urandom > "$WORK/upload" || die "no upload file"
: > "$WORK/samples"

# The loopback servers must not be the bottleneck: time them directly.
lo_down=$(timeout "$TMO" curl -sS -o /dev/null -w '%{speed_download}' \
    "http://127.0.0.1:$HTTP_PORT/") || die "loopback download failed"
t0=$(now_ns)
timeout "$TMO" nc -N 127.0.0.1 "$SINK_PORT" < "$WORK/upload" ||
    die "loopback upload failed"
t1=$(now_ns)
lo=$(awk -v d="$lo_down" -v b="$BYTES" -v s="$(((t1 - t0) / 1000))" \
    'BEGIN { printf "%.0f MB/s down, %.0f MB/s up", d / 1e6, b / s }')
bench_log "loopback servers without any pty: $lo"

live=
status_slirpd=
for r in $ROWS; do
	case $r in
	raw)
		live="$live raw";;
	libslirp|fullbolt)
		if [ "$r" = fullbolt ] && [ ! -x "$E2E_FULLBOLT" ]; then
			eval "status_$r='not installed'"
			continue
		fi
		if link_up "$r"; then
			live="$live $r"
		else
			eval "status_$r='failed (link)'"
		fi;;
	slirpd)
		if ! slirpd_built; then
			status_slirpd="not built"
			bench_log "slirpd: not built in $obj; row skipped"
		elif link_up slirpd; then
			live="$live slirpd"
		else
			status_slirpd="failed (link)"
		fi;;
	*)
		die "unknown row $r";;
	esac
done

# ---- measure ----------------------------------------------------------

start=$(date +%s)
i=1
while [ "$i" -le "$RUNS" ]; do
	bench_log "run $i of $RUNS"
	still=
	for r in $live; do
		if [ "$r" = raw ]; then
			run_raw && ok=1 || ok=
		else
			run_stack "$r" && ok=1 || ok=
		fi
		if [ -n "$ok" ]; then
			still="$still $r"
		else
			# One failure ends the row: no time wasted on timeouts.
			eval "status_$r='failed (run $i)'"
			e2e_logs
		fi
	done
	live=$still
	i=$((i + 1))
done
elapsed=$(($(date +%s) - start))

# ---- report -------------------------------------------------------------

statuses=$WORK/status
: > "$statuses"
for r in raw libslirp fullbolt slirpd; do
	eval "s=\${status_$r:-}"
	[ -n "$s" ] && echo "$r $s" >> "$statuses"
done

table=$bobj/bench.txt
awk -v runs="$RUNS" -v mb="$MB" -v ncpu="$ncpu" -v rows="$ROWS" \
    -v kern="$(uname -r)" -v lo="$lo" -v secs="$elapsed" \
    -v sf="$statuses" '
function median(key,    n, i, j, t, a) {
	n = cnt[key]
	if (n == 0)
		return ""
	for (i = 1; i <= n; i++)
		a[i] = val[key, i]
	for (i = 2; i <= n; i++)	# insertion sort, n is small
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(key, v) {
	if (v == "-")
		return
	val[key, ++cnt[key]] = v
}
function ratio(a, b) {
	return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b)
}
function num(v, f) {
	return v == "" ? "-" : sprintf(f, v)
}
FILENAME == sf {
	st = $0; sub(/^[^ ]* /, "", st); status[$1] = st
	next
}
{
	add($1 " " $2 " mbps", $3)
	add($1 " " $2 " cpu", $4)
	add($1 " " $2 " line", $5)
	add($1 " " $2 " busy", $6)
	add($1 " " $2 " steal", $7)
	n[$1 " " $2]++
}
END {
	name["raw"] = "raw pty"; name["libslirp"] = "libslirp"
	name["fullbolt"] = "slirp-fullbolt"; name["slirpd"] = "slirpd"
	nr = split(rows, order, " ")
	for (i = 1; i <= nr; i++) {
		r = order[i]
		for (d = 0; d < 2; d++) {
			dir = d ? "up" : "down"
			m[r, dir] = median(r " " dir " mbps")
			c[r, dir] = median(r " " dir " cpu")
			l[r, dir] = median(r " " dir " line")
			b[r, dir] = median(r " " dir " busy")
			stl[r, dir] = median(r " " dir " steal")
			if (stl[r, dir] > maxsteal)
				maxsteal = stl[r, dir]
		}
	}
	printf "slirpd bench: %d MB (10^6 bytes) each way, median of %d runs," \
	    " MTU 1500, %d CPUs, Linux %s\n", mb, runs, ncpu, kern
	printf "loopback servers alone: %s\n", lo
	printf "CPU: server process utime+stime over the transfer, seconds" \
	    " per GB\n\n"
	printf "%-15s %9s %9s %9s %9s %8s %8s %8s %8s\n", "", "down", "up",
	    "down CPU", "up CPU", "down vs", "up vs", "down vs", "up vs"
	printf "%-15s %9s %9s %9s %9s %8s %8s %8s %8s\n", "row", "MB/s",
	    "MB/s", "s/GB", "s/GB", "raw", "raw", "libslirp", "libslirp"
	for (i = 1; i <= nr; i++) {
		r = order[i]
		if (m[r, "down"] == "" && m[r, "up"] == "") {
			printf "%-15s %s\n", name[r], \
			    (r in status) ? status[r] : "no data"
			continue
		}
		printf "%-15s %9s %9s %9s %9s %8s %8s %8s %8s", name[r],
		    num(m[r, "down"], "%.1f"), num(m[r, "up"], "%.1f"),
		    num(c[r, "down"], "%.2f"), num(c[r, "up"], "%.2f"),
		    ratio(m[r, "down"], m["raw", "down"]),
		    ratio(m[r, "up"], m["raw", "up"]),
		    ratio(m[r, "down"], m["libslirp", "down"]),
		    ratio(m[r, "up"], m["libslirp", "up"])
		if (r in status)
			printf "  (%s; %d runs)", status[r], n[r " down"]
		printf "\n"
	}
	printf "\nthe other side of the line (medians): CPU s/GB of the shim" \
	    " (raw pty: the master-side\nprocess), and how busy the" \
	    " machine was (100%% = all %d CPUs;\nstolen: taken by the" \
	    " hypervisor)\n", ncpu
	printf "%-15s %9s %9s %9s %9s %9s %9s\n", "", "shim down", "shim up",
	    "busy down", "busy up", "stolen dn", "stolen up"
	for (i = 1; i <= nr; i++) {
		r = order[i]
		if (m[r, "down"] == "" && m[r, "up"] == "")
			continue
		printf "%-15s %9s %9s %9s %9s %9s %9s\n", name[r],
		    num(l[r, "down"], "%.2f"), num(l[r, "up"], "%.2f"),
		    num(b[r, "down"], "%.0f%%"), num(b[r, "up"], "%.0f%%"),
		    num(stl[r, "down"], "%.0f%%"), num(stl[r, "up"], "%.0f%%")
	}
	if (maxsteal >= 5)
		printf "warning: the hypervisor took up to %d%% of the CPU" \
		    " time; throughput figures are noisy\n", maxsteal
	printf "\ntarget: slirpd >= 1.0x libslirp both ways and >= 0.9x raw" \
	    " pty: "
	sd = m["slirpd", "down"]; su = m["slirpd", "up"]
	ld = m["libslirp", "down"]; lu = m["libslirp", "up"]
	rd = m["raw", "down"]; ru = m["raw", "up"]
	if (sd == "" || su == "")
		printf "no slirpd figures (%s)\n", ("slirpd" in status) ? \
		    status["slirpd"] : "row not run"
	else if (ld == "" || lu == "" || rd == "" || ru == "")
		printf "incomplete (libslirp or raw pty missing)\n"
	else {
		ok = sd >= ld && su >= lu && sd >= 0.9 * rd && su >= 0.9 * ru
		printf "%s (%.2fx/%.2fx libslirp, %.2fx/%.2fx raw pty," \
		    " down/up)\n", ok ? "met" : "NOT met", sd / ld, su / lu,
		    sd / rd, su / ru
	}
	printf "measuring took %d s\n", secs
}' "$statuses" "$WORK/samples" | tee "$table"
# Every sample: row, direction, MB/s, server and shim CPU s/GB, busy %,
# stolen %.
cp "$WORK/samples" "$bobj/bench-samples.txt"
