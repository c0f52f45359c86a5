#!/bin/sh
# /init of the interop guest (busybox sh).  Brings up the line on
# /dev/ttyS1 with the Linux kernel's own SLIP/CSLIP driver (slattach) or
# with pppd, runs the checks over it and reports on the console (ttyS0),
# one machine-readable line each, "INTEROP <what> <ok|fail> [detail]",
# then "INTEROP done" and powers off.
#
# Kernel command line:
#   interop.mode=slip|cslip|ppp|ppp-novj|pap|chap|pap-bad|chap-bad
#   interop.port=N     HTTP port on 10.0.2.2 serving /file (the download)
#   interop.up=N       TCP port on 10.0.2.2 that takes the upload
#   interop.user=NAME interop.pass=SECRET   PAP/CHAP credentials
#   interop.bench=N    instead of the checks: N timed downloads of /file
#                      (regress/bench/run.sh), "INTEROP bench ok BYTES T0 T1"
#   interop.mtu=N      the link's MTU (default 1500)

export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts

# Each report is followed by the guest's uptime, for the timings.
say()
{
	echo "INTEROP $*"
	echo "INTEROP-T $1 $(cut -d' ' -f1 /proc/uptime)"
}

finish()
{
	say done
	sync
	poweroff -f
	sleep 10
}

arg()
{
	for w in $(cat /proc/cmdline); do
		case $w in
		interop.$1=*) echo "${w#*=}"; return;;
		esac
	done
}

mode=$(arg mode)
port=$(arg port)
up=$(arg up)
user=$(arg user)
pass=$(arg pass)
bench=$(arg bench)
mtu=$(arg mtu)
mtu=${mtu:-1500}
host=10.0.2.2
say start "$mode $(uname -r)"

# The line raw at once: a cooked ttyS1 would echo the server's banner.
stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null

for m in slhc slip ppp_generic ppp_async; do
	insmod /lib/modules/$m.ko || say insmod fail "$m"
done

# wait_if IF SECONDS: until IF has an IPv4 address.
wait_if()
{
	n=$(($2 * 5))
	while [ $n -gt 0 ]; do
		ifconfig "$1" 2>/dev/null | grep -q 'inet addr' && return 0
		[ -n "$ppid" ] && ! kill -0 "$ppid" 2>/dev/null && return 1
		usleep 200000
		n=$((n - 1))
	done
	return 1
}

ppid=
link=
case $mode in
slip|cslip)
	slattach -p "$mode" -s 115200 -L /dev/ttyS1 &
	n=0
	while ! ifconfig sl0 >/dev/null 2>&1 && [ $n -lt 50 ]; do
		usleep 200000
		n=$((n + 1))
	done
	ifconfig sl0 10.0.2.15 pointopoint $host mtu $mtu up &&
	    route add default gw $host && link=sl0
	;;
ppp|ppp-novj|pap|chap|pap-bad|chap-bad)
	# pppd with no address options: the server states its own address
	# and assigns ours; usepeerdns asks for the RFC 1877 addresses.
	opts="/dev/ttyS1 115200 nodetach noauth local nocrtscts
	    defaultroute usepeerdns debug logfd 1 lcp-echo-interval 0"
	[ "$mtu" != 1500 ] && opts="$opts mtu $mtu mru $mtu"
	case $mode in
	ppp-novj) opts="$opts novj";;
	pap|pap-bad)
		opts="$opts user $user password $pass refuse-chap";;
	chap|chap-bad)
		echo "$user * $pass *" > /etc/ppp/chap-secrets
		chmod 600 /etc/ppp/chap-secrets
		opts="$opts user $user refuse-pap";;
	esac
	pppd $opts > /tmp/pppd.log 2>&1 &
	ppid=$!
	if wait_if ppp0 60; then
		link=ppp0
	else
		wait "$ppid"
		rc=$?
		sed 's/^/INTEROP-PPPD /' /tmp/pppd.log
		say pppd fail "exit $rc"
		finish
	fi
	sed 's/^/INTEROP-PPPD /' /tmp/pppd.log
	;;
probe)
	finish
	;;
*)
	say mode fail "unknown mode '$mode'"
	finish
	;;
esac

if [ -z "$link" ]; then
	say link fail "no interface"
	finish
fi
a=$(ifconfig $link | sed -n 's/.*inet addr:\([0-9.]*\).*P-t-P:\([0-9.]*\).*/\1 \2/p')
say link ok "$link $a"
if [ -n "$ppid" ]; then
	d=$(sed -n 's/^nameserver //p' /etc/ppp/resolv.conf 2>/dev/null |
	    tr '\n' ' ')
	say peerdns ok "$d"
fi

# The benchmark: a quiet line, then the timed downloads, apart.
if [ -n "$bench" ]; then
	sleep 2
	i=0
	while [ $i -lt "$bench" ]; do
		t0=$(cut -d' ' -f1 /proc/uptime)
		b=$(timeout 300 wget -q -O - "http://$host:$port/file" | wc -c)
		say bench ok "$b $t0 $(cut -d' ' -f1 /proc/uptime)"
		sleep 2
		i=$((i + 1))
	done
	finish
fi

if ping -c 3 -W 5 $host > /tmp/ping.log 2>&1; then
	say ping ok "$(grep -c 'bytes from' /tmp/ping.log)"
else
	say ping fail "$(tail -n 2 /tmp/ping.log | tr '\n' ' ')"
fi

if r=$(timeout 30 nslookup -type=a test.slirp 10.0.2.3 2>&1); then
	say dns ok "$(echo "$r" | sed -n 's/^Address: *\([0-9.]*\)$/\1/p' |
	    grep -v '^10\.0\.2\.3$' | tr '\n' ' ')"
else
	say dns fail "$(echo "$r" | tail -n 2 | tr '\n' ' ')"
fi

if timeout 120 wget -q -O /tmp/file "http://$host:$port/file"; then
	say fetch ok "$(sha256sum /tmp/file | cut -d' ' -f1) $(wc -c < /tmp/file)"
else
	say fetch fail "wget exit $?"
fi

if [ -s /tmp/file ] && timeout 120 nc $host "$up" < /tmp/file; then
	say upload ok "$(wc -c < /tmp/file)"
else
	say upload fail "nc exit $?"
fi

if [ -n "$ppid" ]; then
	kill "$ppid"
	wait "$ppid"
	say hangup ok "pppd exit $?"
fi
finish
