#!/usr/bin/env bash
# Build the Debian package or the rpm from a clean copy of the tree.
#
#   packaging/build-pkg.sh deb|rpm OUTDIR
#
# The copy holds the files git knows (tracked, and new ones not ignored) as
# they are in the working tree, so a package never picks up build output.
# Outside a git checkout the tree is copied without its build directories.
# The packages are left in OUTDIR, named on standard output, and checked with
# lintian (deb) or rpmlint (rpm, with packaging/rpm/gatewatch.rpmlintrc),
# whose findings are shown; a lint error fails the build. LINT=0 skips it.
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

built=""
echo "gatewatch: building the $kind package from $top (log: kept on failure)"
case "$kind" in
deb)
	cp -a "$src/packaging/debian" "$src/debian"
	(cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
		tail -n 40 "$work/build.log" >&2
		echo "build-pkg: dpkg-buildpackage failed" >&2
		exit 1
	}
	for f in "$work"/*.deb; do
		mv "$f" "$out"/
		built="$built $out/$(basename "$f")"
	done
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
	for f in $(find "$work/rpm/RPMS" -name '*.rpm'); do
		mv "$f" "$out"/
		built="$built $out/$(basename "$f")"
	done
	;;
*)
	echo "build-pkg: unknown package kind '$kind' (deb or rpm)" >&2
	exit 2
	;;
esac
[ -n "$built" ] || { echo "build-pkg: no $kind package was made" >&2; exit 1; }
for f in $built; do
	echo "gatewatch: package: $f"
done
[ "${LINT:-1}" = 0 ] && exit 0

# Lint what was built and show the result.
rc=0
case "$kind" in
deb)
	if command -v lintian >/dev/null; then
		echo "gatewatch: lintian $built"
		# shellcheck disable=SC2086
		lint=$(lintian --fail-on error,warning $built 2>&1) || rc=1
		grep -v 'running with root privileges' <<<"$lint" || true
		[ $rc -eq 0 ] && echo "gatewatch: lintian: no errors, no warnings"
	else
		echo "gatewatch: lintian is not installed: packaging/install-deps.sh --packaging" >&2
	fi
	;;
rpm)
	if command -v rpmlint >/dev/null; then
		echo "gatewatch: rpmlint -r packaging/rpm/gatewatch.rpmlintrc $built"
		# shellcheck disable=SC2086
		lint=$(rpmlint -r "$top/packaging/rpm/gatewatch.rpmlintrc" $built 2>&1) || true
		grep -E ': [EW]: |errors,' <<<"$lint" || true
		grep -qE '[^0-9]0 errors' <<<"$lint" || rc=1
	else
		echo "gatewatch: rpmlint is not installed: packaging/install-deps.sh --packaging" >&2
	fi
	;;
esac
[ $rc -eq 0 ] || echo "build-pkg: $kind package has lint errors (above)" >&2
exit $rc
