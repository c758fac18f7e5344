#!/usr/bin/env bash
# The detector issue's worked example, generated: an IAM user with 60 days of
# steady activity (1,500-7,300 events a day) makes about 100 calls in one
# afternoon from one new IP with Boto3, with its long-term key, in four
# regions: SNS SMS calls (AccessDenied), Service Quotas, SES. The report must
# hold exactly one incident, a compromised credential at the reconnaissance
# stage, whose evidence names all of that and whose remediation starts with
# revoking the key. Threat intel labels, flags and silences the same source.
# Usage: tests/cli/test_worked_example.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
INTEL=tests/data/intel
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

# check NAME FILE PYTHON-EXPR: true over the report r (i: the incidents).
check() {
	local out
	if out=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
i = r["incidents"]
e = i[0]["evidence"] if i else {}
ok = eval(sys.argv[2])
print(json.dumps({"incidents": [{k: x[k] for k in ("classification", "score", "principal", "evidence", "remediation")} for x in i],
                  "findings": [(f["rule_id"], f["principal"], f["start"]) for f in r["findings"]],
                  "detector": r["detector"]}, indent=1)[:4000])
sys.exit(0 if ok else 1)' "$2" "$3" 2>&1); then
		ok "$1: $3"
	else
		fail "$1: expected $3, got: $out"
	fi
}

[ -x "$GW" ] || { echo "FAIL: $GW not built"; exit 1; }
python3 tests/eval/gen_activity.py worked "$TMP/ct" > "$TMP/gen.out" || { echo "FAIL: generator"; exit 1; }
CT="cloudtrail:$TMP/ct/AWSLogs"
IP=198.51.100.77
KEY=AKIA3EXAMPLE7WORKED1

# 1. The last day is the reporting window; the 60 days before build the baselines.
"$GW" analyze --audit "$CT" --hours-back 24 --intel "$INTEL/aws-ip-ranges.json" \
	--output "$TMP/r.json" 2> "$TMP/err"
rc=$?
[ $rc -eq 0 ] && ok "analyze: exit 0" || fail "analyze: expected exit 0, got $rc: $(cat "$TMP/err")"
check one-incident "$TMP/r.json" 'len(i) == 1'
check classification "$TMP/r.json" 'i[0]["classification"] == "compromised credential: reconnaissance"'
check principal "$TMP/r.json" 'i[0]["principal"] == "arn:aws:iam::111122223333:user/build-agent"'
check new-ip "$TMP/r.json" "e['source_ips'] == '$IP'"
check sdk-user-agent "$TMP/r.json" 'e["user_agents"].startswith("Boto3/1.34.84")'
check four-regions "$TMP/r.json" 'sorted(e["regions"].split(", ")) == ["ap-southeast-1", "eu-west-1", "us-east-1", "us-west-2"]'
check first-time-services "$TMP/r.json" 'e["first_time_services"] == "sns.amazonaws.com, servicequotas.amazonaws.com, ses.amazonaws.com"'
check first-time-apis "$TMP/r.json" 'set(e["first_time_apis"].split(", ")) == {"GetSMSAttributes", "GetSMSSandboxAccountStatus", "GetServiceQuota", "GetAccount", "GetSendQuota"}'
check denied-cluster "$TMP/r.json" '{"GetSMSAttributes", "GetSMSSandboxAccountStatus"} <= set(e["denied_apis"].split(", ")) and int(e["denied_calls"]) >= 20'
check access-key "$TMP/r.json" "e['access_key'] == '$KEY' and e['access_key_long_term'] == 'true' and i[0]['access_key_long_term'] is True"
check rules "$TMP/r.json" 'set(e["rules"].split(", ")) == {"new-source-ip", "new-user-agent", "first-time-api", "multi-region-burst", "access-denied-cluster"}'
check remediation-revokes-key-first "$TMP/r.json" "i[0]['remediation'][0].startswith('Revoke access key $KEY')"
check remediation-reviews-both "$TMP/r.json" 'any("successful" in s and "denied" in s for s in i[0]["remediation"])'
check remediation-scope "$TMP/r.json" 'i[0]["remediation"][-1].startswith("Expand the scope") and "'$IP'" in i[0]["remediation"][-1]'
check timeline "$TMP/r.json" 'len(i[0]["timeline"]) >= 5 and [t["time"] for t in i[0]["timeline"]] == sorted(t["time"] for t in i[0]["timeline"])'
check cloud-label "$TMP/r.json" 'any(t["evidence"].get("source_network") == "aws us-west-2 EC2" for t in i[0]["timeline"])'
check window "$TMP/r.json" 'all(f["start"] >= "2026-10-30T16" for f in r["findings"]) and r["stats"]["events_baseline"] > 250000 and r["detector"]["findings_before_window"] > 0'
check score-order "$TMP/r.json" 'r["findings"] == sorted(r["findings"], key=lambda f: ({"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}[f["severity"]], f["score"]), reverse=True)'

# 2. The whole history as the window, with the source on a Tor list: still
# exactly this one incident, now with the threat-intel finding in it.
printf 'ExitNode 00AA\nExitAddress %s 2026-10-31 10:00:00\n' "$IP" > "$TMP/exits"
"$GW" analyze --audit "$CT" --intel "tor:$TMP/exits" --output "$TMP/all.json" 2> "$TMP/err"
check whole-history-tor "$TMP/all.json" 'len(i) == 1 and i[0]["start"].startswith("2026-10-31T14") and "suspicious-source" in e["rules"] and e["threat_intel_lists"] == "tor-exit exits" and any("Block '$IP'" in s for s in i[0]["remediation"])'

# 3. On an allow list, the same source is silenced.
"$GW" analyze --audit "$CT" --hours-back 24 --intel "allow:$INTEL/allow-automation.txt" --output "$TMP/allow.json" 2> "$TMP/err"
check allow-listed "$TMP/allow.json" 'len(i) == 0 and r["detector"]["findings_allowed"] >= 5'

# 4. A bad intel file is a usage error naming it.
"$GW" analyze --audit "$CT" --intel "$INTEL/README.md" --output "$TMP/bad.json" 2> "$TMP/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "README.md" "$TMP/err"; then
	ok "bad-intel: exit 2, one line naming the file"
else
	fail "bad-intel: expected exit 2 and one line naming README.md, got $rc: $(cat "$TMP/err")"
fi

# 5. The detector's flags: bad values are usage errors naming the flag.
for bad in "--tz +25:00" "--tz Europe/Berln" "--business-hours 9-9" "--baseline-days 0" "--intel nosuchkind:x"; do
	# shellcheck disable=SC2086
	"$GW" analyze --audit tests/data/demo-cloudtrail $bad > /dev/null 2> "$TMP/err"
	rc=$?
	flag=${bad%% *}
	if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q -- "${flag}" "$TMP/err"; then
		ok "usage $bad: exit 2, one line naming $flag"
	else
		fail "usage $bad: expected exit 2 and one line naming $flag, got $rc: $(cat "$TMP/err")"
	fi
done
"$GW" analyze --audit tests/data/demo-cloudtrail --tz -05:30 --business-hours 9-17 \
	--established-days 7 --output "$TMP/flags.json" 2> "$TMP/err"
check flags-accepted "$TMP/flags.json" 'len(r["findings"]) == 1 and i == []'

# 6. --config: the [detect] section of the daemon's file tunes the detector;
# flags go over it, wherever they stand; a bad key or value names the file,
# the line and the key.
cat > "$TMP/gw.conf" <<CONF
[agent]
log_level = info
[detect]
denied_min = 1000
regions_min = 8
CONF
"$GW" analyze --config "$TMP/gw.conf" --audit "$CT" --hours-back 24 --output "$TMP/conf.json" 2> "$TMP/err"
check config-file "$TMP/conf.json" 'len(i) == 1 and set(e["rules"].split(", ")) == {"new-source-ip", "new-user-agent", "first-time-api"}'
"$GW" analyze --denied-min 5 --audit "$CT" --hours-back 24 --config "$TMP/gw.conf" --output "$TMP/conf2.json" 2> "$TMP/err"
check config-flag-over-file "$TMP/conf2.json" 'set(e["rules"].split(", ")) == {"new-source-ip", "new-user-agent", "first-time-api", "access-denied-cluster"}'
printf '[detect]\nestablished_days = 7\ntz = +25:00\n' > "$TMP/badtz.conf"
printf '[detect]\nbusines_start_hour = 9\n' > "$TMP/badkey.conf"
printf '[detect]\nbusiness_start_hour = 9\nbusiness_end_hour = 9\n' > "$TMP/badhours.conf"
for bad in "badtz.conf:3: .detect. tz = '+25:00'" "badkey.conf:2: unknown key 'busines_start_hour'" \
	"badhours.conf: .detect. business_start_hour"; do
	"$GW" analyze --config "$TMP/${bad%%:*}" --audit "$CT" > /dev/null 2> "$TMP/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q -- "$bad" "$TMP/err"; then
		ok "config ${bad%%:*}: exit 2, one line /$bad/"
	else
		fail "config ${bad%%:*}: expected exit 2 and one line /$bad/, got $rc: $(cat "$TMP/err")"
	fi
done

if [ $fails -ne 0 ]; then
	echo "test_worked_example: $fails failed"
	exit 1
fi
echo "test_worked_example: all passed"
