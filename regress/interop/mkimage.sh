#!/bin/sh
# mkimage.sh -- build the interop guest: a Debian kernel and an initramfs
# holding the kernel's own SLIP/CSLIP/PPP drivers, busybox, slattach and
# pppd with their libraries, all taken from Debian packages fetched with
# "apt-get download".  Nothing here is compiled.
#
#   mkimage.sh [-c CACHEDIR] [-f]
#
# Prints the directory holding "vmlinuz" and "initrd.gz" on stdout.  The
# result is cached under CACHEDIR (default $SLIRPD_INTEROP_CACHE or
# /var/cache/slirpd-interop), keyed by the package versions and by this
# script and the guest's init, so later runs cost nothing.  -f rebuilds.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${SLIRPD_INTEROP_CACHE:-/var/cache/slirpd-interop}
force=
while getopts c:f o; do
	case $o in
	c) cache=$OPTARG;;
	f) force=1;;
	*) echo "usage: mkimage.sh [-c cachedir] [-f]" >&2; exit 2;;
	esac
done

log()
{
	echo "mkimage: $*" >&2
}

# pppd's shared libraries and theirs (Debian 12); a soname that none of
# these provides stops the build (see check_libs), so a new dependency
# cannot slip by unnoticed.
libpkgs="libc6 libssl3 libcrypt1 libpam0g libaudit1 libcap-ng0 libsystemd0
libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libzstd1 libpcap0.8
libdbus-1-3"
modules="slip/slhc slip/slip ppp/ppp_generic ppp/ppp_async"

# The candidate version of a package, from apt's lists.
candidate()
{
	apt-cache policy "$1" 2>/dev/null |
	    sed -n 's/^ *Candidate: *//p' | head -n 1
}

# linux-image-amd64 is a meta package: the real image is its dependency.
kernel_pkg()
{
	apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: *\(linux-image-[0-9].*-amd64\)$/\1/p' |
	    head -n 1
}

resolve()
{
	kpkg=$(kernel_pkg)
	[ -n "$kpkg" ] || return 1
	pkgs="$kpkg busybox-static ppp net-tools $libpkgs"
	key=
	for p in $pkgs; do
		v=$(candidate "$p")
		case $v in
		''|'(none)') log "no candidate for $p"; return 1;;
		esac
		key="$key $p=$v"
	done
	return 0
}

if ! resolve; then
	# No package lists yet (a fresh machine): fetch them once.
	log "updating apt's package lists"
	apt-get update -qq >&2
	resolve || { log "cannot resolve the guest's packages"; exit 1; }
fi

sum=$( (echo "$key"; cat "$here/mkimage.sh" "$here/init.sh") |
    sha256sum | cut -c1-16)
out=$cache/$sum
if [ -z "$force" ] && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ]; then
	echo "$out"
	exit 0
fi

log "building $out from:$key"
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/deb" "$tmp/x" "$tmp/root"
# apt's sandbox user must be able to write where it downloads.
chmod 755 "$tmp" "$tmp/deb"
(cd "$tmp/deb" && apt-get download -q $key >&2) || {
	log "apt-get download failed"
	exit 1
}
for d in "$tmp"/deb/*.deb; do
	dpkg-deb -x "$d" "$tmp/x"
done

x=$tmp/x
r=$tmp/root
mkdir -p "$r/bin" "$r/sbin" "$r/lib/modules" "$r/lib64" "$r/etc/ppp" \
    "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/run" "$r/var/run" \
    "$r/var/log" "$r/usr/lib/x86_64-linux-gnu"

# The kernel and its line-discipline drivers, uncompressed for insmod.
kdir=$(ls -d "$x"/lib/modules/*/kernel | head -n 1)
cp "$(ls "$x"/boot/vmlinuz-* | head -n 1)" "$tmp/vmlinuz"
for m in $modules; do
	f=$(ls "$kdir/drivers/net/$m.ko"* 2>/dev/null | head -n 1)
	[ -n "$f" ] || { log "module $m missing"; exit 1; }
	case $f in
	*.xz) xz -dc "$f" > "$r/lib/modules/${m#*/}.ko";;
	*.zst) zstd -dc "$f" > "$r/lib/modules/${m#*/}.ko";;
	*) cp "$f" "$r/lib/modules/${m#*/}.ko";;
	esac
done

cp "$x/bin/busybox" "$r/bin/busybox"
cp "$x/usr/sbin/pppd" "$r/sbin/pppd"
cp "$x/sbin/slattach" "$r/sbin/slattach"
for a in $("$r/bin/busybox" --list); do
	[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
done

# Every library the binaries need, from the extracted packages.
libdirs="$x/lib/x86_64-linux-gnu $x/usr/lib/x86_64-linux-gnu"
findlib()
{
	for d in $libdirs; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
need="$r/sbin/pppd $r/sbin/slattach"
seen=
while [ -n "$need" ]; do
	next=
	for b in $need; do
		for so in $(readelf -d "$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case " $seen " in *" $so "*) continue;; esac
			seen="$seen $so"
			f=$(findlib "$so") || { log "no package provides $so"; exit 1; }
			cp -L "$f" "$r/usr/lib/x86_64-linux-gnu/$so"
			next="$next $r/usr/lib/x86_64-linux-gnu/$so"
		done
	done
	need=$next
done
cp -L "$x/lib64/ld-linux-x86-64.so.2" "$r/lib64/"

# pppd insists on its options file; the rest is written by init.
: > "$r/etc/ppp/options"
echo "root:x:0:0:root:/:/bin/sh" > "$r/etc/passwd"
echo "root:x:0:" > "$r/etc/group"
cp "$here/init.sh" "$r/init"
chmod 755 "$r/init"

(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
    gzip -9 > "$tmp/initrd.gz"
rm -rf "$out"
mkdir -p "$out"
mv "$tmp/vmlinuz" "$tmp/initrd.gz" "$out/"
echo "$key" > "$out/packages"
# Older images (other package versions) are of no more use.
for d in "$cache"/????????????????; do
	[ "$d" = "$out" ] || rm -rf "$d"
done
log "done: $(du -k "$out/initrd.gz" | cut -f1) kB initramfs," \
    "$(du -k "$out/vmlinuz" | cut -f1) kB kernel"
echo "$out"
