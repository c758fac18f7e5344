#!/usr/bin/env bash
# gatewatch run reads every SOURCE that gatewatch analyze reads: the same
# grammar, here with the s3access: prefix (and a bare, detected directory),
# and the same events as analyze gets from the same files; a relative path on
# the command line means the same directory for both. No sensor (no roots),
# so no root needed.
#   tests/e2e/test_run_sources.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW=$PWD/$BUILD/gatewatch
SAMPLE=../shared/testdata/real-logs/elastic_integrations/aws_s3_server_access/test-s3-server-access.log
[ -f "$SAMPLE" ] || { echo "skip: no $SAMPLE"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if [ "$2" = 1 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; fail=1; fi; }

mkdir -p "$tmp/logs" "$tmp/state"
cp "$SAMPLE" "$tmp/logs/access.log"
touch -d '-1 min' "$tmp/logs/access.log"   # settled: the daemon reads it at once
want=$("$GW" analyze --audit "s3access:$tmp/logs" 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["events"])')

run() { # $1: the sources line; prints the events the daemon read
	rm -rf "$tmp/state"; mkdir -p "$tmp/state"
	cat > "$tmp/gatewatch.conf" <<CONF
[audit]
sources = $1
[agent]
state_dir = $tmp/state
CONF
	chmod 600 "$tmp/gatewatch.conf"
	"$GW" check-config --config "$tmp/gatewatch.conf" > "$tmp/check.log" 2>&1 || { cat "$tmp/check.log"; echo x; return; }
	"$GW" run --config "$tmp/gatewatch.conf" --duration 2 > "$tmp/agent.log" 2>&1 || { cat "$tmp/agent.log"; echo x; return; }
	sed -n 's/.*stopped: [0-9]* findings, \([0-9]*\) audit events.*/\1/p' "$tmp/agent.log"
}
check "analyze reads the sample" "$([ "${want:-0}" -gt 0 ] && echo 1)" "events: ${want:-none}"
got=$(run "s3access:$tmp/logs")
check "run takes s3access: in its configuration and reads what analyze reads" \
	"$([ "$got" = "$want" ] && echo 1)" "run read '$got', analyze $want"
got=$(run "$tmp/logs")
check "run detects the format of a bare directory as analyze does" \
	"$([ "$got" = "$want" ] && echo 1)" "run read '$got', analyze $want"
got=$(run "nosuch:$tmp/logs")
check "an unknown format prefix is refused by the configuration check" \
	"$(grep -q "unknown format prefix" "$tmp/check.log" && echo 1)" "$(cat "$tmp/check.log")"
# A relative path given as a flag: both resolve it against the current
# directory (run keeps it absolute, whatever its own working directory).
rel_want=$(cd "$tmp" && "$GW" analyze --audit s3access:logs 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["events"])')
rm -rf "$tmp/state"; mkdir -p "$tmp/state"
: >"$tmp/empty.conf"; chmod 600 "$tmp/empty.conf"
(cd "$tmp" && "$GW" run --config empty.conf --state-dir "$tmp/state" \
	--audit s3access:./logs --duration 2 >"$tmp/rel.log" 2>&1)
rel_got=$(sed -n 's/.*stopped: [0-9]* findings, \([0-9]*\) audit events.*/\1/p' "$tmp/rel.log")
check "run --audit s3access:./logs reads what analyze --audit s3access:logs reads" \
	"$([ -n "$rel_got" ] && [ "$rel_got" = "$want" ] && [ "$rel_want" = "$want" ] && echo 1)" \
	"run read '${rel_got}', analyze ${rel_want:-nothing}, expected $want: $(head -3 "$tmp/rel.log")"
(cd "$tmp" && "$GW" check-config --config empty.conf --state-dir "$tmp/state" \
	--audit logs --print >"$tmp/rel.print" 2>&1)
check "the relative path is shown absolute in the effective configuration" \
	"$(grep -qx "sources = $tmp/logs" "$tmp/rel.print" && echo 1)" "$(cat "$tmp/rel.print")"
exit $fail
