# Install what slirpd needs to build, test and benchmark on Debian 12.
# Run as root; idempotent.
set -e
pkgs="build-essential pkg-config byacc libseccomp-dev libcap-dev libbsd-dev
libpam0g-dev libatf-dev atf-sh kyua mandoc cppcheck iproute2 curl
netcat-openbsd dnsmasq-base bind9-dnsutils iputils-ping python3 procps
psmisc slirp libslirp-dev clang libclang-rt-14-dev
qemu-system-x86 cpio xz-utils"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing (run 'make deps' as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
