#!/bin/sh
# Install the Debian packages gatewatch needs to build and test, when missing.
# Run as root (or with sudo available); does nothing when all are present.
set -eu

PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
nanopb libnanopb-dev protobuf-compiler python3-protobuf
libcjson-dev libcurl4-openssl-dev libmicrohttpd-dev libinih-dev libdeflate-dev
curl ca-certificates openssl python3 bc"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

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
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
