#!/usr/bin/env bash
# gatewatch check-config: a good file passes, a bad one exits 2 with one line
# naming the file, line and key; flags go over the file; secrets are guarded;
# the man page documents every flag.
set -u
BUILD=${1:-build}
GW="$BUILD/gatewatch"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect RC PATTERN -- ARGS...: run check-config, check exit status and output.
expect() {
	local rc=$1 pat=$2 out got
	shift 3
	out=$("$GW" check-config "$@" 2>&1)
	got=$?
	[ "$got" -eq "$rc" ] || fail "check-config $*: exit $got, expected $rc: $out"
	grep -qE -- "$pat" <<<"$out" || fail "check-config $*: no /$pat/ in: $out"
}

mkdir -p "$tmp/data" "$tmp/state"
cat >"$tmp/good.conf" <<CONF
[sensor]
roots = $tmp/data
[audit]
sources = cloudtrail:$tmp/data, s3://trail-bucket/AWSLogs/
[agent]
state_dir = $tmp/state
metrics_listen = 127.0.0.1:9464
CONF
chmod 0640 "$tmp/good.conf"
expect 0 "good.conf: ok" -- --config "$tmp/good.conf"
expect 0 "^help|--metrics-listen" -- --help
"$GW" check-config --config "$tmp/good.conf" --print | grep -qx "metrics_listen = 127.0.0.1:9464" ||
	fail "--print does not show metrics_listen"

# [audit] scope: all or gateway; gateway needs to know the gateway's identity.
printf '[audit]\nsources = cloudtrail:%s\nscope = gateway\n[agent]\nstate_dir = %s\n' \
	"$tmp/data" "$tmp/state" >"$tmp/scope.conf"
chmod 0640 "$tmp/scope.conf"
expect 2 "scope.conf: \\[audit\\] scope: gateway needs \\[gateway\\] access_keys" -- --config "$tmp/scope.conf"
expect 0 "scope.conf: ok" -- --config "$tmp/scope.conf" --gateway-bucket finance
expect 0 "scope.conf: ok" -- --config "$tmp/scope.conf" --gateway-ip 192.0.2.0/28
expect 2 "scope.*expected all or gateway" -- --config "$tmp/good.conf" --scope everything
expect 2 "agent-id|\\[agent\\] id" -- --config "$tmp/good.conf" --agent-id ''"$(printf 'a\tb')"
expect 0 "good.conf: ok" -- --config "$tmp/good.conf" --agent-id gw-host-07

# The shipped file is valid as it is (and says that it watches nothing yet).
expect 0 "gatewatch.conf: nothing to watch" -- --config packaging/gatewatch.conf --state-dir "$tmp/state"

# One line naming file, line and key.
printf '[sensor]\nroots = %s\ninterval_sec = 10\nintervl_sec = 5\n' "$tmp/data" >"$tmp/typo.conf"
expect 2 "typo.conf:4: unknown key 'intervl_sec' in \[sensor\]" -- --config "$tmp/typo.conf"
[ "$("$GW" check-config --config "$tmp/typo.conf" 2>&1 | wc -l)" -eq 1 ] || fail "more than one line for one error"
printf '[agent]\nmetrics_listen = 0.0.0.0:9464\n' >"$tmp/open.conf"
expect 2 "open.conf:2: \[agent\] metrics_listen .*loopback" -- --config "$tmp/open.conf"
printf '[sensor]\nroots = %s/missing\n' "$tmp" >"$tmp/missing.conf"
expect 2 "\[sensor\] roots: .*/missing: No such file" -- --config "$tmp/missing.conf" --state-dir "$tmp/state"
expect 2 "failed to open .*/nope.conf" -- --config "$tmp/nope.conf"
printf '[detect]\nbusiness_start_hour = 8\nbusiness_end_hour = 8\n' >"$tmp/hours.conf"
expect 2 "hours.conf: \[detect\] business_start_hour \(8\) and business_end_hour \(8\) are the same hour" -- \
	--config "$tmp/hours.conf" --state-dir "$tmp/state"
# a night shift across midnight is business hours too
expect 0 "good.conf: ok" -- --config "$tmp/good.conf" --business-start-hour 18 --business-end-hour 8
printf '[detect]\ntz_offset = 5\n' >"$tmp/tz.conf"
expect 2 "tz.conf:2: \[detect\] tz_offset = '5'" -- --config "$tmp/tz.conf"
expect 0 "ok" -- --config "$tmp/good.conf" --tz-offset -03:00 --business-start-hour 7

# Flags go over the file and are checked the same way.
expect 2 "invalid --metrics-listen '0.0.0.0:1'" -- --config "$tmp/good.conf" --metrics-listen 0.0.0.0:1
expect 2 "invalid --log-level" -- --config "$tmp/good.conf" --log-level loud
expect 2 "unrecognized option|usage" -- --config "$tmp/good.conf" --no-such-key 1

# Secrets: a world-readable token file is refused; the config file is refused
# when world-readable while a URL in it carries a signature; URLs never logged.
echo "t0ken" >"$tmp/token"
chmod 0644 "$tmp/token"
expect 2 "\[ship\] token_file: .*world-readable" -- --config "$tmp/good.conf" --token-file "$tmp/token"
chmod 0600 "$tmp/token"
expect 0 "ok" -- --config "$tmp/good.conf" --token-file "$tmp/token"
printf '[audit]\nsources = azure:https://acct.blob.core.windows.net/logs?sv=1&sig=SECRETSIG\n[agent]\nstate_dir = %s\n' \
	"$tmp/state" >"$tmp/sas.conf"
chmod 0644 "$tmp/sas.conf"
expect 2 "sas.conf: holds a secret .*world-readable" -- --config "$tmp/sas.conf"
"$GW" check-config --config "$tmp/sas.conf" 2>&1 | grep -q SECRETSIG && fail "a signature was logged"
chmod 0640 "$tmp/sas.conf"
expect 0 "ok" -- --config "$tmp/sas.conf"
"$GW" check-config --config "$tmp/sas.conf" --print | grep -q SECRETSIG && fail "--print shows a signature"

# The man page documents every flag that --help lists.
for flag in $("$GW" check-config --help | grep -oE '^  --[a-z-]+' | sed 's/^  --//'); do
	case $flag in config | print | help) continue ;; esac
	grep -q -- "\\\\-\\\\-${flag//-/\\\\-}\b" packaging/gatewatch.8 || fail "gatewatch.8 does not document --$flag"
done
echo "check-config: ok"
