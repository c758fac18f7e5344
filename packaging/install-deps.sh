#!/bin/sh
# Install the Debian packages gatewatch needs to build and test, when missing.
# Run as root (or with sudo available); does nothing when all are present.
set -eu

PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
nanopb libnanopb-dev protobuf-compiler python3-protobuf
libcjson-dev libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libinih-dev libdeflate-dev
curl ca-certificates openssl python3 bc awscli s3fs"

# The packaging test's tools are heavy (lintian pulls in much of Perl), so
# they are installed only when that test asks: install-deps.sh --packaging.
if [ "${1:-}" = "--packaging" ]; then
	PKGS="build-essential debhelper fakeroot lintian rpm rpmlint systemd libcap2-bin adduser"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
# Node may come from elsewhere than Debian (its npm conflicts with Debian's).
if [ "${1:-}" != "--packaging" ] && ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
if [ -n "$missing" ]; then

echo "gatewatch: installing missing packages:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "gatewatch: missing packages:$missing; install them as root: apt-get install$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "gatewatch: [1/2] apt-get update" >&2
$SUDO apt-get update -qq
echo "gatewatch: [2/2] apt-get install (a minute or two on a fresh machine; a line per 10%)" >&2
# apt's machine-readable status on fd 3 becomes a progress line every 10%;
# the exit status goes through a file (sh has no pipefail).
rcfile=$(mktemp)
# shellcheck disable=SC2086
{ $SUDO apt-get install -y -qq --no-install-recommends -o APT::Status-Fd=3 $missing \
	3>&1 >/dev/null 2>&2; echo $? >"$rcfile"; } |
	awk -F: '/^(dlstatus|pmstatus):/ { p = int($(NF-1) / 10) * 10; k = $1 p
		if (!(k in seen)) { seen[k] = 1
			printf "gatewatch:   %s %d%% %s\n", ($1 == "dlstatus" ? "download" : "install"), p, $NF > "/dev/stderr" } }'
rc=$(cat "$rcfile")
rm -f "$rcfile"
[ "$rc" = 0 ] || { echo "gatewatch: apt-get install failed (exit $rc)" >&2; exit 1; }
echo "gatewatch: packages installed" >&2
fi

# npm test servers (real S3 and Azure Blob APIs for the pull tests), into
# the ignored build-tools/ beside the Makefile; skipped when already there.
if [ "${1:-}" != "--packaging" ]; then
	TOOLS="$(cd "$(dirname "$0")/.." && pwd)/build-tools"
	if [ ! -x "$TOOLS/node_modules/.bin/s3rver" ] || [ ! -x "$TOOLS/node_modules/.bin/azurite-blob" ]; then
		echo "gatewatch: installing s3rver and azurite (npm) into $TOOLS" >&2
		mkdir -p "$TOOLS"
		npm install --prefix "$TOOLS" --no-audit --no-fund --silent s3rver@3.7.1 azurite@3.37.0 >/dev/null
	fi
fi
