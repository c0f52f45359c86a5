# demo.sh -- watch a real client (the Linux kernel's TCP/IP stack) reach a
# web server through slirpd over a SLIP line, then clean everything up.
#
# usage: sh regress/demo.sh [OBJDIR]          (as root; `make demo`)
#        DEMO_SERVER=fullbolt sh regress/demo.sh  (the original Slirp 1.0
#                                  on the same line, for comparison)
#
# Nothing leaves the machine: the web server listens on 127.0.0.1 and the
# client lives in a private network namespace.

top=$(cd "$(dirname "$0")/.." && pwd)
obj=${1:-$top/obj}
. "$top/regress/e2e/lib.sh"

E2E_SERVER=${DEMO_SERVER:-slirpd}
E2E_STATE=$(mktemp /tmp/slirpdemo.state.XXXXXX) || exit 1
trap 'e2e_cleanup; exit 130' INT TERM HUP
trap 'e2e_cleanup' EXIT

say()
{
	printf '%s\n' "$*"
}

die()
{
	say "demo: $*" >&2
	[ -n "$WORK" ] && e2e_logs
	exit 1
}

e2e_init "$obj" || die "cannot make a work directory"
if why=$(e2e_unusable); then
	die "$why"
fi
if [ "$E2E_SERVER" = slirpd ] && timeout 5 "$E2E_OBJ/slirpd" -n \
    -f /dev/null 2>&1 | grep -q 'not yet'; then
	die "the slirpd engine is not built yet in this tree;" \
	    "DEMO_SERVER=fullbolt shows the same demo with the original Slirp"
fi

say "== slirpd demo: a Linux kernel dials in over SLIP =="
say ""

# The host side: a small web site on the loopback address only.
mkdir "$WORK/www"
cat > "$WORK/www/index.html" <<EOF
<!DOCTYPE html>
<html><head><title>Hello from the host, through Slirp</title></head>
<body><p>This page was served on 127.0.0.1 and fetched by a guest
at $E2E_ADDR over a SLIP line on a pty.</p></body></html>
EOF
e2e_mkfile "$WORK/www/file-5MB.bin" 5000000
e2e_http_start "$WORK/www" || die "the web server did not start"
say "Host:  a web server on 127.0.0.1:$HTTP_PORT (loopback only), serving"
say "       index.html and file-5MB.bin (5000000 random bytes)."

case $E2E_SERVER in
slirpd)
	e2e_slirpd_start || die "slirpd did not start"
	say "Host:  a private slirpd (pid $SLIRPD_PID), socket $WORK/slirpd.sock,"
	say "       engine confined as 'nobody' in an empty chroot;"
	say "       its DNS relay 10.0.2.3 points at a dnsmasq on" \
	    "127.0.0.1:$DNS_PORT."
	line="$E2E_OBJ/slirp -S $WORK/slirpd.sock \"mtu 1500\""
	;;
fullbolt)
	say "Host:  the original Slirp 1.0 ($E2E_FULLBOLT) as the server."
	line="$E2E_FULLBOLT \"mtu 1500\""
	;;
esac

t0=$(date +%s%N)
e2e_link_up -b || die "the SLIP link did not come up"
t1=$(date +%s%N)
say "Line:  a pty; on its far end runs: $line"
say "Guest: network namespace $NS; its kernel's interface sl0 is a TUN"
say "       device whose packets slipshim frames as SLIP (RFC 1055)."
say "       $(e2e_ns ip -4 -o addr show sl0 | awk '{print $2, $4}')," \
    "mtu $(e2e_ns cat /sys/class/net/sl0/mtu)," \
    "default route: $(e2e_ns ip route show default)"
say "       The link answered its first ping after" \
    "$(((t1 - t0) / 1000000)) ms."
if [ -s "$WORK/shim.log" ]; then
	say ""
	say "What the server printed on the line before SLIP started:"
	grep -v '^slipshim:' "$WORK/shim.log" | grep -v '^[[:space:]]*$' |
	    sed 's/^/    | /' | head -n 12
fi
say ""

say "-- ping 10.0.2.2 (the host, as the guest sees it)"
e2e_ns timeout 20 ping -n -q -c 3 -i 0.3 -W 2 "$E2E_HOST" |
    sed -n 's/^/    /; /packets transmitted/p; /rtt/p'
say ""

say "-- curl http://$E2E_HOST:$HTTP_PORT/ (the page)"
out=$(e2e_ns timeout 30 curl -sS --max-time 20 -o "$WORK/page.html" \
    -w '%{http_code} %{size_download} %{time_total}' \
    "http://$E2E_HOST:$HTTP_PORT/") || die "fetching the page failed"
set -- $out
say "    HTTP $1, $2 bytes in $3 s; title:" \
    "\"$(sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p' "$WORK/page.html")\""
say ""

say "-- curl http://$E2E_HOST:$HTTP_PORT/file-5MB.bin"
out=$(e2e_ns timeout 130 curl -sS --max-time 120 -o "$WORK/got.bin" \
    -w '%{http_code} %{size_download} %{time_total} %{speed_download}' \
    "http://$E2E_HOST:$HTTP_PORT/file-5MB.bin") || die "the download failed"
set -- $out
rate=$(awk -v b="$4" 'BEGIN { printf "%.2f", b / 1000000 }')
say "    HTTP $1, $2 bytes in $3 s = $rate MB/s through the line"
want=$(e2e_sha "$WORK/www/file-5MB.bin")
got=$(e2e_sha "$WORK/got.bin")
say "    SHA-256 on the host:   $want"
say "    SHA-256 in the guest:  $got"
if [ "$want" = "$got" ]; then
	say "    The guest received exactly the bytes the host served."
	ok=0
else
	say "    MISMATCH: the file was damaged on the way."
	ok=1
fi
say ""

e2e_link_down
say "-- the line, counted by slipshim"
sed -n 's/^slipshim: //p' "$WORK/shim.log" | tr ';' '\n' |
    sed 's/^ */    /'
say ""
e2e_cleanup
trap - EXIT
say "Cleaned up: the namespace $NS, the servers and $WORK are gone."
exit $ok
