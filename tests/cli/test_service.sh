#!/usr/bin/env bash
# The packaged service: an agent with nothing configured is not started
# (check-config warns, --require-work fails, the unit's ExecCondition runs
# it); an agent that cannot save its state exits non-zero and says how to run
# it; the man page names the unit where `make install` puts it and documents
# every rule.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW=${GATEWATCH:-$BUILD/gatewatch}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/state" "$tmp/data" "$tmp/logs"

# Nothing to watch: a warning naming the file and what to set, no "ok".
out=$("$GW" check-config --config packaging/gatewatch.conf --state-dir "$tmp/state" 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "check-config on the shipped file: exit $rc: $out"
grep -q "packaging/gatewatch.conf: nothing to watch: set \[sensor\] roots or \[audit\] sources" <<<"$out" ||
	fail "no warning about an empty configuration: $out"
grep -q ": ok" <<<"$out" && fail "an empty configuration is called ok: $out"

out=$("$GW" check-config --require-work --config packaging/gatewatch.conf --state-dir "$tmp/state" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "--require-work with nothing configured: exit $rc, expected 1: $out"
grep -q "nothing to watch" <<<"$out" || fail "--require-work says nothing: $out"

for work in "--root $tmp/data" "--audit cloudtrail:$tmp/logs"; do
	# shellcheck disable=SC2086
	out=$("$GW" check-config --require-work --config packaging/gatewatch.conf \
		--state-dir "$tmp/state" $work 2>&1)
	rc=$?
	[ $rc -eq 0 ] || fail "--require-work $work: exit $rc: $out"
	grep -q "gatewatch.conf: ok" <<<"$out" || fail "--require-work $work: no ok: $out"
done

# The unit runs that check before it starts the agent, with the same file.
unit=packaging/gatewatch.service
cond=$(sed -n 's/^ExecCondition=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$cond" = "/usr/bin/gatewatch check-config --require-work --config /etc/gatewatch/gatewatch.conf" ] ||
	fail "the unit has no ExecCondition running check-config --require-work: '$cond'"
grep -q -- "--config /etc/gatewatch/gatewatch.conf" <<<"$start" || fail "ExecStart reads another file: $start"

# State that cannot be saved: root by hand over the service user's 0700
# directory (capabilities are dropped after start, so root cannot write).
if [ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null; then
	chown nobody "$tmp/state"
	chmod 0700 "$tmp/state"
	out=$("$GW" run --state-dir "$tmp/state" --audit "cloudtrail:$tmp/logs" --duration 1 2>&1)
	rc=$?
	[ $rc -eq 1 ] || fail "run with a state directory it cannot write: exit $rc, expected 1: $out"
	grep -q "cannot save state in $tmp/state: Permission denied" <<<"$out" ||
		fail "no line naming the state directory: $out"
	grep -q "belongs to nobody: run the agent as that user, as the service does (systemctl start gatewatch)" \
		<<<"$out" || fail "no hint on how to run it: $out"
else
	echo "note: not root; the state-directory case needs root and is left out"
fi

# One unit path: where `make install` puts it, and the man page says so.
unitdir=$(make -s -n install DESTDIR=/x BUILD="$BUILD" NO_DEPS=1 2>/dev/null |
	sed -n 's|.*install -D -m 0644 packaging/gatewatch.service /x\(.*\)/gatewatch.service|\1|p')
[ "$unitdir" = /usr/lib/systemd/system ] || fail "make install puts the unit in '$unitdir'"
man=packaging/gatewatch.8
grep -q "^\.I $unitdir/gatewatch.service" "$man" || fail "the man page does not name $unitdir/gatewatch.service"
grep -qE '(^|[^r])/lib/systemd/system' "$man" && fail "the man page names /lib/systemd/system"

# Every rule id (single-event, baseline and correlation rules) has its entry.
ids=$(grep -hoE '\.id = "[a-z0-9-]+"' agent/detect/rules/*.c | sed 's/.*"\(.*\)"/\1/'
	grep -hoE 'corr_finding\("[a-z0-9-]+"' agent/detect/correlate/*.c | sed 's/.*"\(.*\)"/\1/')
[ "$(wc -l <<<"$ids")" -ge 20 ] || fail "found only $(wc -l <<<"$ids") rule ids"
for id in $ids; do
	grep -qE "^\.B $id\$" "$man" || fail "the man page has no entry for rule $id"
done
grep -q '^\.SH REPORT FORMAT' "$man" || fail "the man page has no REPORT FORMAT section"
grep -q '^\.SH RULES' "$man" || fail "the man page has no RULES section"
echo "ok: service gating, state failure, unit path, man page rules"
