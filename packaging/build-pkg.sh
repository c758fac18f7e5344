#!/usr/bin/env bash
# Build the Debian package or the rpm from a clean copy of the tree.
#
#   packaging/build-pkg.sh deb|rpm OUTDIR
#
# The copy holds the files git knows (tracked, and new ones not ignored) as
# they are in the working tree, so a package never picks up build output.
# Outside a git checkout the tree is copied without its build directories.
# The packages are left in OUTDIR.
set -eu

kind=${1:?usage: build-pkg.sh deb|rpm OUTDIR}
out=${2:?usage: build-pkg.sh deb|rpm OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^#define GW_VERSION "\(.*\)"/\1/p' "$top/agent/lib/gw.h")
[ -n "$version" ] || { echo "build-pkg: no GW_VERSION in agent/lib/gw.h" >&2; exit 1; }
jobs=$(nproc 2>/dev/null || echo 1)
# The maintainer of record, from the Debian changelog.
packager=$(sed -n '0,/^ -- /s/^ -- \(.*>\).*/\1/p' "$top/packaging/debian/changelog")

work=$(mktemp -d "${TMPDIR:-/tmp}/gatewatch-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
src="$work/gatewatch-$version"
mkdir -p "$src" "$out"
out=$(cd "$out" && pwd)

# The clean copy.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top" ls-files -z -c -o --exclude-standard |
		(cd "$top" && while IFS= read -r -d '' f; do
			case "$f" in build*/*) continue ;; esac
			[ -e "$f" ] && printf '%s\0' "$f"
		done) |
		(cd "$top" && tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$top" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$src"
fi

case "$kind" in
deb)
	cp -a "$src/packaging/debian" "$src/debian"
	(cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
		tail -n 40 "$work/build.log" >&2
		echo "build-pkg: dpkg-buildpackage failed" >&2
		exit 1
	}
	mv "$work"/*.deb "$out"/
	;;
rpm)
	mkdir -p "$work/rpm/SOURCES"
	(cd "$work" && tar -czf "rpm/SOURCES/gatewatch-$version.tar.gz" "gatewatch-$version")
	# Where rpm has no distribution flags of its own (rpm on Debian), use the
	# Debian hardening flags in their place.
	defs=""
	if [ -z "$(rpm --eval '%{?build_ldflags}')" ] && command -v dpkg-buildflags >/dev/null; then
		cflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
		cppflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)
		ldflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)
		defs="yes"
	fi
	# BuildRequires name Fedora packages; here the Debian ones are checked
	# by install-deps.sh instead (--nodeps).
	if [ -n "$defs" ]; then
		rpmbuild -bb --nodeps --define "_topdir $work/rpm" --define "_smp_mflags -j$jobs" \
			--define "packager $packager" \
			--define "build_cflags $cflags $cppflags" --define "build_ldflags $ldflags" \
			--define "version $version" \
			"$src/packaging/rpm/gatewatch.spec" >"$work/build.log" 2>&1 || {
			tail -n 40 "$work/build.log" >&2; echo "build-pkg: rpmbuild failed" >&2; exit 1; }
	else
		rpmbuild -bb --nodeps --define "_topdir $work/rpm" --define "version $version" \
			--define "packager $packager" \
			"$src/packaging/rpm/gatewatch.spec" >"$work/build.log" 2>&1 || {
			tail -n 40 "$work/build.log" >&2; echo "build-pkg: rpmbuild failed" >&2; exit 1; }
	fi
	find "$work/rpm/RPMS" -name '*.rpm' -exec mv {} "$out"/ \;
	;;
*)
	echo "build-pkg: unknown package kind '$kind' (deb or rpm)" >&2
	exit 2
	;;
esac
ls "$out"/gatewatch*."$kind" >/dev/null
