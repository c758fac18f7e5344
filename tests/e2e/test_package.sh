#!/usr/bin/env bash
# The packages: build the deb and the rpm from a clean copy of the tree, lint
# them, install the deb with dpkg and check files, owners and modes, run the
# agent as the unit would, upgrade over itself keeping edits and state,
# remove (state kept), purge (nothing left). The rpm is queried with rpm -qp.
# Needs root (dpkg); refuses to touch a gatewatch that is already installed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
UNIT=/usr/lib/systemd/system/gatewatch.service
CONF=/etc/gatewatch/gatewatch.conf
STATE=/var/lib/gatewatch

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
step() { echo "-- $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root to install the deb"
if dpkg-query -W -f='${Status}' gatewatch 2>/dev/null | grep -q installed; then
	skip "a gatewatch package is already installed here; not touching it"
fi
packaging/install-deps.sh --packaging || fail "cannot install the packaging tools"

tmp=$(mktemp -d)
installed=0
cleanup() {
	[ $installed -eq 1 ] && dpkg --purge gatewatch >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# mode_is PATH MODE OWNER: stat check.
mode_is() {
	local got
	got=$(stat -c '%a %U:%G' "$1" 2>/dev/null) || fail "$1 is missing"
	[ "$got" = "$2 $3" ] || fail "$1: expected mode $2 owner $3, got $got"
}

step "build the deb and the rpm from a clean tree"
packaging/build-pkg.sh deb "$tmp/out" || fail "deb build failed"
packaging/build-pkg.sh rpm "$tmp/out" || fail "rpm build failed"
deb=$(ls "$tmp"/out/gatewatch_*.deb)
rpm=$(ls "$tmp"/out/gatewatch-[0-9]*.rpm)
[ -f "$deb" ] && [ -f "$rpm" ] || fail "packages missing in $tmp/out"

step "lintian (no errors, no warnings)"
lintian --fail-on error,warning "$tmp"/out/*.deb >"$tmp/lintian.log" 2>&1
rc=$?
grep -v 'running with root privileges' "$tmp/lintian.log"
[ "$rc" -eq 0 ] && ! grep -qE '^[EW]: ' "$tmp/lintian.log" || fail "lintian reported errors or warnings"

step "rpmlint (no errors)"
lint=$(rpmlint -r packaging/rpm/gatewatch.rpmlintrc "$rpm" packaging/rpm/gatewatch.spec 2>&1)
echo "$lint" | grep -E '^[^ ]+: [EW]: |errors,' || true
grep -qE '[^0-9]0 errors' <<<"$lint" || fail "rpmlint reported errors"

step "rpm -qp: files, modes, config, scripts"
list=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm")
for want in "-rwxr-xr-x root:root /usr/bin/gatewatch" \
	"-rw-r----- root:gatewatch /etc/gatewatch/gatewatch.conf" \
	"-rw-r--r-- root:root /usr/lib/systemd/system/gatewatch.service" \
	"drwx------ gatewatch:gatewatch /var/lib/gatewatch"; do
	grep -qxF -- "$want" <<<"$list" || fail "rpm lacks '$want'; has:$(printf '\n%s' "$list")"
done
grep -q "/usr/share/man/man8/gatewatch.8" <<<"$list" || fail "rpm lacks the man page"
grep -q "/usr/share/licenses/gatewatch.*/LICENSE" <<<"$list" || fail "rpm lacks the license"
rpm -qp --configfiles "$rpm" | grep -qx "$CONF" || fail "rpm: $CONF is not a config file"
scripts=$(rpm -qp --scripts "$rpm")
grep -q "systemctl --no-reload preset gatewatch.service\|systemd_post" <<<"$scripts" ||
	fail "rpm: no post-install preset of the unit: $scripts"

step "dpkg -i"
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
installed=1
mode_is /usr/bin/gatewatch 755 root:root
mode_is "$CONF" 640 root:gatewatch
mode_is /etc/gatewatch 755 root:root
mode_is "$UNIT" 644 root:root
mode_is "$STATE" 700 gatewatch:gatewatch
mode_is /usr/share/doc/gatewatch/copyright 644 root:root
# Minimal images exclude man pages from dpkg (path-exclude); check the deb then.
if dpkg -L gatewatch | grep -q 'man8/gatewatch.8.gz' && [ -e /usr/share/man/man8/gatewatch.8.gz ]; then
	mode_is /usr/share/man/man8/gatewatch.8.gz 644 root:root
else
	dpkg-deb -c "$deb" | grep -q 'usr/share/man/man8/gatewatch.8.gz' || fail "deb lacks the man page"
fi
dpkg-query -W -f='${Conffiles}\n' gatewatch | grep -q "^ $CONF " || fail "$CONF is not a conffile"

step "gatewatch version, check-config on the shipped config"
/usr/bin/gatewatch version | grep -qE '^gatewatch [0-9]' || fail "gatewatch version"
/usr/bin/gatewatch check-config || fail "check-config on the shipped $CONF"

step "systemd-analyze verify and security"
out=$(cd / && systemd-analyze verify --man=no "$UNIT" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify is not clean: $out"
sec=$(cd / && systemd-analyze security --offline=true --threshold=30 "$UNIT" 2>&1)
rc=$?
echo "$sec" | grep 'Overall exposure'
[ $rc -eq 0 ] || fail "exposure above 3.0"

step "the unit's ExecStart, briefly, as the unit's user with the unit's capabilities"
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
user=$(sed -n 's/^User=//p' "$UNIT")
[ "$user" = gatewatch ] || fail "the unit runs as '$user', not its own user"
getent passwd gatewatch >/dev/null || fail "the package did not create the gatewatch user"
# The unit's ambient set, less what this machine's own bounding set lacks.
bnd=$(capsh --decode="$(sed -n 's/^CapBnd:\s*//p' /proc/self/status)" | sed 's/.*=//')
caps=""
for c in $(sed -n 's/^AmbientCapabilities=//p' "$UNIT" | tr 'A-Z' 'a-z'); do
	grep -qw "$c" <<<"${bnd//,/ }" && caps="$caps${caps:+,}$c"
done
read -r -a cmd <<<"$exec_start"
# With a watched root, so that the BPF sensor loads with only these
# capabilities, and the metrics endpoint on a free loopback port.
mkdir -p "$tmp/data/bucket"
chmod 0755 "$tmp"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 60 capsh --caps="$caps,cap_setuid,cap_setgid,cap_setpcap+eip" --keep=1 --user=gatewatch \
	--addamb="$caps" -- -c 'exec "$@"' gatewatch "${cmd[@]}" --root "$tmp/data" \
	--metrics-listen "127.0.0.1:$port" --duration 4 >"$tmp/run.log" 2>&1 &
pid=$!
for _ in $(seq 30); do grep -q "metrics: serving" "$tmp/run.log" && break; sleep 0.1; done
if grep -q "metrics: serving" "$tmp/run.log"; then
	curl -fsS "http://127.0.0.1:$port/metrics" >"$tmp/metrics.txt" || fail "GET /metrics failed"
	grep -q '^gatewatch_' "$tmp/metrics.txt" || fail "no gatewatch_ series in /metrics"
fi
wait $pid
rc=$?
cat "$tmp/run.log"
[ $rc -eq 0 ] || fail "'$exec_start --duration 4' as gatewatch exited $rc"
grep -q "sensor attached" "$tmp/run.log" || fail "the sensor did not attach as gatewatch with the unit's capabilities"
grep -q "capabilities after attach: none$" "$tmp/run.log" || fail "capabilities were not dropped after attach"

step "upgrade over itself keeps the edited config and the state"
printf '\n# edited by the operator\n[detect]\nbulk_threshold = 250\n' >>"$CONF"
echo state >"$STATE/marker"
DEBIAN_FRONTEND=noninteractive dpkg --force-confold -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
	{ cat "$tmp/dpkg.log"; fail "upgrade failed"; }
grep -q "bulk_threshold = 250" "$CONF" || fail "upgrade lost the config edit"
[ -f "$STATE/marker" ] || fail "upgrade lost the state"
mode_is "$CONF" 640 root:gatewatch
mode_is "$STATE" 700 gatewatch:gatewatch
/usr/bin/gatewatch check-config --print | grep -qx "bulk_threshold = 250" || fail "edited value not loaded"

step "remove keeps config and state; purge leaves nothing"
dpkg --remove gatewatch >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --remove failed"; }
[ ! -e /usr/bin/gatewatch ] || fail "remove left the binary"
[ -f "$STATE/marker" ] || fail "remove deleted the state"
[ -f "$CONF" ] || fail "remove deleted the conffile"
dpkg --purge gatewatch >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --purge failed"; }
installed=0
for p in /usr/bin/gatewatch /etc/gatewatch "$STATE" "$UNIT" /usr/share/doc/gatewatch \
	/usr/share/man/man8/gatewatch.8.gz /etc/systemd/system/multi-user.target.wants/gatewatch.service \
	/var/lib/systemd/deb-systemd-helper-enabled/gatewatch.service.dsh-also; do
	[ ! -e "$p" ] || fail "purge left $p behind"
done
dpkg-query -W -f='${Status}' gatewatch 2>/dev/null | grep -q installed && fail "still installed after purge"
echo "packages: ok"
