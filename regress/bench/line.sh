# line.sh -- the paced-line section of `make bench` (sourced by run.sh
# for the row "line"; `make bench-line` runs it alone).
#
# Download goodput through slirpd at an emulated 115200-baud line (8N1:
# 11520 bytes/s each way), as a fraction of the line rate, for real Linux
# dial-up clients: the QEMU guest of regress/interop (mkimage.sh, init.sh
# with interop.bench=N) brings up SLIP or CSLIP (slattach) or PPP (pppd,
# with or without VJ) on its ttyS1, a pty that ptypace.c relays at the
# line rate to the pty of "slirp -S sock" of a private slirpd.  In the
# guest, busybox wget fetches BENCH_LINE_KB KB of pseudo-random
# (incompressible) data from bsrv via 10.0.2.2, BENCH_RUNS times, timed
# from the guest's /proc/uptime; the pacer counts what crossed the line.
#
#	BENCH_LINE	rows MODE-MTU (default "slip-1500 cslip-1500
#			ppp-1500 pppnovj-1500 slip-296 cslip-296 ppp-296")
#	BENCH_LINE_KB	KB (1024 bytes) per download (default 256)
#	BENCH_LINE_RATE	line bytes/s each way (default 11520)
#
# Fraction = file bytes / (seconds in wget * rate): it includes the TCP
# and HTTP set-up (a few round trips, about 0.1% of a 23 s transfer).
# The table goes to BENCHDIR/bench-line.txt, every sample to
# BENCHDIR/bench-line-samples.txt, slirpd's counters for each row's session
# (slirpctl show stats) to BENCHDIR/bench-line-stats.txt.

LINE_ROWS=${BENCH_LINE:-slip-1500 cslip-1500 ppp-1500 pppnovj-1500 slip-296 \
cslip-296 ppp-296}
LINE_KB=${BENCH_LINE_KB:-256}
LINE_RATE=${BENCH_LINE_RATE:-11520}
LINE_BYTES=$((LINE_KB * 1024))
LINE_CACHE=${SLIRPD_BENCH_CACHE:-/var/cache/slirpd-bench}

# QEMU's accelerator: KVM when a probe boot under it reaches the guest's
# init within 30 s (cached per boot), TCG otherwise.
line_accel()
{
	_v=$LINE_CACHE/kvm-$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -f "$_v" ]; then
		_ok=tcg
		if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then
			timeout 30 qemu-system-x86_64 -accel kvm -display none \
			    -no-reboot -m 256 -nic none -monitor none \
			    -kernel "$LINE_IMG/vmlinuz" \
			    -initrd "$LINE_IMG/initrd.gz" \
			    -append "console=ttyS0 quiet interop.mode=probe" \
			    -serial "file:$WORK/kvmprobe.log" -serial null \
			    >/dev/null 2>&1
			grep -q 'INTEROP done' "$WORK/kvmprobe.log" \
			    2>/dev/null && _ok=kvm
		fi
		echo "$_ok" > "$_v"
	fi
	cat "$_v"
}

# Stop what line_row started (each is its own process group).
line_stop()
{
	for _p in $_slirp $_qemu $_pace; do
		e2e_stop "$_p"
	done
	_slirp= _qemu= _pace=
}

# line_row ROW: boot the guest for one row and collect its samples.
line_row()
{
	_row=$1
	_slirp= _qemu= _pace=
	_mode=${_row%-*}
	_mtu=${_row##*-}
	case $_mode in
	slip)	_args="nocompress" _gm=slip _fr=slip;;
	cslip)	_args="compress" _gm=cslip _fr=slip;;
	ppp)	_args="ppp" _gm=ppp _fr=ppp;;
	pppnovj) _args="ppp" _gm=ppp-novj _fr=ppp;;
	*)	bench_log "line: unknown row $_row"; return 1;;
	esac
	case $_mtu in
	''|*[!0-9]*) bench_log "line: bad MTU in $_row"; return 1;;
	esac
	_con=$WORK/console-$_row.log
	e2e_bg "qemu-$_row" qemu-system-x86_64 -accel "$LINE_ACCEL" \
	    -display none -no-reboot -m 256 -nic none -monitor none \
	    -kernel "$LINE_IMG/vmlinuz" -initrd "$LINE_IMG/initrd.gz" \
	    -append "console=ttyS0 quiet interop.mode=$_gm \
interop.port=$LINE_PORT interop.bench=$RUNS interop.mtu=$_mtu" \
	    -serial "file:$_con" -chardev pty,id=s1 -serial chardev:s1
	_qemu=$E2E_PID
	e2e_wait 20 grep -q 'redirected to /dev/pts/.*s1' \
	    "$WORK/qemu-$_row.log" || {
		bench_log "line: no qemu pty"
		line_stop
		return 1
	}
	_pty=$(sed -n 's|.*redirected to \(/dev/pts/[0-9]*\).*s1.*|\1|p' \
	    "$WORK/qemu-$_row.log" | head -n 1)
	e2e_bg "pace-$_row" "$bobj/ptypace" -r "$LINE_RATE" -f "$_fr" "$_pty"
	_pace=$E2E_PID
	e2e_wait 10 grep -q '^pty ' "$WORK/pace-$_row.log" ||
	    { bench_log "line: ptypace did not start"; line_stop; return 1; }
	_spty=$(sed -n 's/^pty //p' "$WORK/pace-$_row.log")
	# slirp has the line as its terminal, as on a real dial-in.
	e2e_bg "slirp-$_row" sh -c 'h=$1 p=$2; shift 2
	    exec env HOME="$h" "$@" <> "$p" >&0 2>&0' sh "$WORK" "$_spty" \
	    "$obj/slirp" -S "$WORK/slirpd.sock" $_args "mtu $_mtu"
	_slirp=$E2E_PID
	_t0=$(date +%s)
	_end=$((_t0 + 120 + RUNS * (LINE_BYTES / LINE_RATE * 2 + 10)))
	while [ "$(date +%s)" -lt "$_end" ]; do
		grep -q 'INTEROP done' "$_con" 2>/dev/null && break
		[ "$(grep -c 'INTEROP bench' "$_con" 2>/dev/null)" -ge "$RUNS" ] &&
		    break
		e2e_alive "$_qemu" || break
		sleep 0.5
	done
	bench_log "line: $_row: the guest ran $(($(date +%s) - _t0)) s"
	# slirpd's counters for the row's session (all its runs), while the
	# guest still has the line up.
	{ echo "== $_row"; "$obj/slirpctl" -s "$WORK/slirpctl.sock" \
	    show stats 2>&1; } > "$WORK/stats-$_row"
	cat "$WORK/stats-$_row" >> "$WORK/line-stats"
	e2e_wait 20 grep -q 'INTEROP done' "$_con"
	line_stop
	tr -d '\r' < "$_con" | grep '^INTEROP' > "$WORK/interop-$_row"
	grep -q '^INTEROP link ok' "$WORK/interop-$_row" || {
		bench_log "line: $_row: the link did not come up"
		sed 's/^/bench:   /' "$WORK/interop-$_row" >&2
		return 1
	}
	# Runs in order: the guest's timings, and the pacer's bursts that
	# carried at least the file to the guest.
	grep '^INTEROP bench ok' "$WORK/interop-$_row" |
	    awk '{ print $4, $6 - $5 }' > "$WORK/g-$_row"
	awk -v b="$LINE_BYTES" '$1 == "burst" && $4 >= b {
	    print $2, $4, $5, $6, $7, $8, $10 }' "$WORK/pace-$_row.log" \
	    > "$WORK/h-$_row"
	paste -d ' ' "$WORK/g-$_row" "$WORK/h-$_row" | awk -v r="$_row" \
	    -v b="$LINE_BYTES" -v rate="$LINE_RATE" 'NF == 9 && $1 == b {
		# row fraction guest_s line_s line_bytes frames escapes
		# idle late up_bytes
		printf "%s %.4f %.2f %.2f %d %d %d %d %d %d\n", r,
		    b / ($2 * rate), $2, $3, $4, $5, $6, $7, $8, $9
	    }' >> "$WORK/line-samples"
	_n=$(grep -c "^$_row " "$WORK/line-samples")
	if [ "$_n" -lt "$RUNS" ]; then
		bench_log "line: $_row: $_n of $RUNS downloads complete"
		sed 's/^/bench:   /' "$WORK/interop-$_row" >&2
		[ "$_n" -gt 0 ] || return 1
	fi
	grep "^$_row " "$WORK/line-samples" | awk '{ printf "bench:   %s " \
	    "%.4f of the line, %.2f s, %d line bytes, %d frames\n",
	    $1, $2, $3, $5, $6 }' >&2
}

line_report()
{
	awk -v rows="$LINE_ROWS" -v runs="$RUNS" -v kb="$LINE_KB" \
	    -v rate="$LINE_RATE" -v accel="$LINE_ACCEL" -v b="$LINE_BYTES" \
	    -v secs="$1" -v sf="$WORK/line-status" -v cf="$WORK/line-stats" '
FILENAME == sf {
	st = $0; sub(/^[^ ]* /, "", st); status[$1] = st
	next
}
FILENAME == cf {
	# slirpctl show stats: "== ROW", then "name value" lines.
	if ($1 == "==")
		cr = $2
	else if (NF == 2)
		ctr[cr, $1] += $2
	next
}
{
	for (f = 2; f <= NF; f++)
		add($1, f, $f)
	add($1, 11, $5 / ($4 * rate))	# line busy
	add($1, 12, b / $5)		# payload / wire
	n[$1]++
}
END {
	printf "slirpd paced line: %d baud 8N1 = %d bytes/s each way;" \
	    " %d KB random data per download,\nmedian of %d runs; Linux guest" \
	    " under QEMU (%s) with slattach or pppd\n\n", rate * 10, rate,
	    kb, runs, accel
	printf "%-13s %8s %8s %7s %8s %7s %7s %7s %6s %6s\n", "", "goodput",
	    "fraction", "line", "payload", "frames", "bytes/", "escape",
	    "idle", "late"
	printf "%-13s %8s %8s %7s %8s %7s %7s %7s %6s %6s\n", "row",
	    "bytes/s", "of line", "busy", "/wire", "", "frame", "bytes",
	    "bytes", "bytes"
	nr = split(rows, order, " ")
	for (i = 1; i <= nr; i++) {
		r = order[i]
		if (n[r] == 0) {
			printf "%-13s %s\n", r, (r in status) ? status[r] : \
			    "no data"
			continue
		}
		for (f = 2; f <= 12; f++)
			m[f] = median(r, f)
		frac[r] = m[2]
		printf "%-13s %8.0f %8.4f %7.4f %8.4f %7d %7.1f %7d %6d %6d",
		    r, m[2] * rate, m[2], m[11], m[12], m[6],
		    m[6] ? (m[5] - b) / m[6] : 0, m[7], m[8], m[9]
		if (r in status)
			printf "  (%s; %d runs)", status[r], n[r]
		printf "\n"
	}
	printf "\ngoodput, fraction: file bytes / (wget seconds in the guest" \
	    " * %d)\nline busy: bytes to the guest / (first to last byte," \
	    " seconds * %d)\npayload/wire: file bytes / bytes on the line" \
	    " to the guest; bytes/frame: the rest\nper frame (headers," \
	    " framing, escapes, HTTP and TCP set-up); idle: line time\n" \
	    "slirpd left unused, in bytes (pacer credit lost with nothing" \
	    " to send);\nlate: line time lost to the pacer'"'"'s own late" \
	    " wake-ups (a noisy machine)\n", rate, rate
	printf "\nslirpd'"'"'s counters, whole session (%d downloads and" \
	    " set-up):\n", runs
	printf "%-13s %8s %8s %7s %7s %7s %9s\n", "row", "frames", "writes",
	    "fr/wr", "rexmt", "drops", "VJ comp"
	for (i = 1; i <= nr; i++) {
		r = order[i]
		fo = ctr[r, "unit0.frames_out"]
		if (fo == "")
			continue
		wr = ctr[r, "unit0.writes"]
		vt = ctr[r, "unit0.vj.out_tcp"]
		printf "%-13s %8d %8d %7.2f %7d %7d %9s\n", r, fo, wr,
		    wr ? fo / wr : 0, ctr[r, "tcp_rexmt"] + \
		    ctr[r, "tcp_fastrexmt"] + ctr[r, "tcp_tlp"],
		    ctr[r, "unit0.drops"], vt ? sprintf("%.1f%%", 100 * \
		    ctr[r, "unit0.vj.out_compressed"] / vt) : "-"
	}
	printf "(rexmt: timeout, fast and tail-loss-probe retransmissions;" \
	    " VJ comp: TCP\npackets to the guest sent compressed)\n"
	printf "\ntarget: CSLIP >= 0.98 of the line at MTU 1500, and" \
	    " better than SLIP at MTU 296: "
	c = frac["cslip-1500"]; s2 = frac["slip-296"]; c2 = frac["cslip-296"]
	if (c == "" || s2 == "" || c2 == "")
		printf "incomplete\n"
	else
		printf "%s (%.4f; %.4f vs %.4f at 296)\n", (c >= 0.98 && \
		    c2 > s2) ? "met" : "NOT met", c, c2, s2
	printf "measuring took %d s\n", secs
}
function add(r, f, v) {
	val[r, f, ++cnt[r, f]] = v
}
function median(r, f,    i, j, t, a, nn) {
	nn = cnt[r, f]
	for (i = 1; i <= nn; i++)
		a[i] = val[r, f, i]
	for (i = 2; i <= nn; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return nn % 2 ? a[(nn + 1) / 2] : (a[nn / 2] + a[nn / 2 + 1]) / 2
}' "$WORK/line-status" "$WORK/line-stats" "$WORK/line-samples" |
	    tee "$bobj/bench-line.txt"
	cp "$WORK/line-samples" "$bobj/bench-line-samples.txt"
	cp "$WORK/line-stats" "$bobj/bench-line-stats.txt"
}

line_section()
{
	command -v qemu-system-x86_64 >/dev/null ||
	    die "line: qemu-system-x86_64 missing (make deps)"
	[ -x "$bobj/ptypace" ] && [ -x "$bobj/bsrv" ] ||
	    die "line: $bobj/ptypace or bsrv not built (make bench)"
	[ -x "$obj/slirpd" ] && [ -x "$obj/slirp" ] ||
	    die "line: slirpd not built in $obj"
	mkdir -p "$LINE_CACHE"
	LINE_IMG=$(SLIRPD_INTEROP_CACHE=$LINE_CACHE \
	    sh "$top/regress/interop/mkimage.sh" 2>"$WORK/mkimage.log") || {
		cat "$WORK/mkimage.log" >&2
		die "line: cannot build the guest image"
	}
	LINE_ACCEL=$(line_accel)
	bench_log "line: $RUNS runs of $LINE_KB KB per row, guest under" \
	    "$LINE_ACCEL; rows: $LINE_ROWS"
	e2e_bg linehttp "$bobj/bsrv" http "$LINE_BYTES"
	e2e_wait 10 grep -q '^port ' "$WORK/linehttp.log" ||
	    die "line: bsrv did not start"
	LINE_PORT=$(sed -n 's/^port //p' "$WORK/linehttp.log" | head -n 1)
	[ -n "${SLIRPD_PID:-}" ] || e2e_slirpd_start ||
	    die "line: slirpd did not start"
	: > "$WORK/line-samples"
	: > "$WORK/line-status"
	: > "$WORK/line-stats"
	_start=$(date +%s)
	for _r in $LINE_ROWS; do
		bench_log "line: $_r"
		line_row "$_r" || echo "$_r failed" >> "$WORK/line-status"
	done
	line_report $(($(date +%s) - _start))
}
