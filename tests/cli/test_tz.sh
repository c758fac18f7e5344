#!/usr/bin/env bash
# Business hours in an IANA time zone (--tz Europe/Berlin, DST-correct from
# the system's tz database) beside fixed offsets. An IAM user reads a few
# objects every weekday 10:00-15:00 Berlin time for six weeks; then bursts
# of 25 reads at 08:30 local on the Friday before the spring switch
# (2026-03-29) and on the Monday after it, and one at 07:30 local on the
# Tuesday. Business hours 8-18 in Europe/Berlin: only the 07:30 burst is
# after hours. A fixed +01:00 gets the summer side an hour wrong, and calls
# Monday's 08:30 after hours too. A bad zone name is a one-line usage error
# naming it; the old flag --tz-offset still works, with a warning.
# Usage: tests/cli/test_tz.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
GW="$PWD/${1:-build}/gatewatch"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$GW" ] || fail "$GW not built"
mkdir -p "$TMP/trail"
python3 - "$TMP/trail/trail.json" <<'EOF'
import datetime as dt, json, sys
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
ACCOUNT = "123456789012"
ALICE = {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001",
         "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT,
         "accessKeyId": "AKIAEXAMPLEALICE0001", "userName": "alice"}
records = []
n = 0


def get(local):
    global n
    n += 1
    t = local.astimezone(dt.timezone.utc)
    records.append({
        "eventVersion": "1.09", "userIdentity": ALICE,
        "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "awsRegion": "eu-central-1",
        "sourceIPAddress": "192.0.2.10", "userAgent": "[aws-cli/2.17.60]",
        "requestParameters": {"bucketName": "reports", "key": f"r/{n:05d}.csv",
                              "Host": "reports.s3.eu-central-1.amazonaws.com"},
        "responseElements": None, "additionalEventData": {"bytesTransferredOut": 1000},
        "requestID": f"REQ{n:013d}", "eventID": f"00000000-0000-4000-8000-{n:012d}",
        "readOnly": True, "eventType": "AwsApiCall", "managementEvent": False,
        "recipientAccountId": ACCOUNT, "eventCategory": "Data",
        "resources": [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::reports/r/{n:05d}.csv"}],
    })


day = dt.date(2026, 2, 16)
while day <= dt.date(2026, 3, 26):
    if day.weekday() < 5:
        for hour in range(10, 15):
            for m in range(0, 50, 10):
                get(dt.datetime(day.year, day.month, day.day, hour, m, tzinfo=BERLIN))
    day += dt.timedelta(days=1)
for (d, hh, mm) in ((dt.date(2026, 3, 27), 8, 30), (dt.date(2026, 3, 30), 8, 30),
                    (dt.date(2026, 3, 31), 7, 30)):
    for i in range(25):
        get(dt.datetime(d.year, d.month, d.day, hh, mm + i, tzinfo=BERLIN))
json.dump({"Records": records}, open(sys.argv[1], "w"))
EOF
[ $? -eq 0 ] || fail "generating the trail"

# The after-hours findings' local hours, one per line, sorted.
after_hours() {
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("\n".join(sorted(f["evidence"]["local_hour_of_week"] for f in r["findings"]
                       if f["rule_id"] == "after-hours-access")))' "$1"
}

"$GW" analyze --audit "cloudtrail:$TMP/trail" --tz Europe/Berlin --output "$TMP/berlin.json" \
	--quiet 2>"$TMP/berlin.err" || { cat "$TMP/berlin.err"; fail "analyze --tz Europe/Berlin"; }
got=$(after_hours "$TMP/berlin.json")
[ "$got" = "Tue 07:00" ] || fail "Europe/Berlin: after-hours at '$got', expected only 'Tue 07:00'"
grep -q "\"business_hours\":[[:space:]]*\"08:00-18:00 Mon-Fri Europe/Berlin UTC+02:00\"" "$TMP/berlin.json" ||
	fail "the finding does not name the zone and its summer offset"

"$GW" analyze --audit "cloudtrail:$TMP/trail" --tz +01:00 --output "$TMP/fixed.json" \
	--quiet 2>/dev/null || fail "analyze --tz +01:00"
got=$(after_hours "$TMP/fixed.json" | tr '\n' ' ')
[ "$got" = "Mon 07:00 Tue 06:00 " ] ||
	fail "+01:00: after-hours at '$got', expected 'Mon 07:00 Tue 06:00 '"

# The config key, and the old flag with its warning.
printf '[detect]\ntz = Europe/Berlin\n' >"$TMP/berlin.conf"
"$GW" analyze --audit "cloudtrail:$TMP/trail" --config "$TMP/berlin.conf" \
	--output "$TMP/conf.json" --quiet 2>/dev/null || fail "analyze with tz in the config"
[ "$(after_hours "$TMP/conf.json")" = "Tue 07:00" ] || fail "[detect] tz = Europe/Berlin not used"
"$GW" analyze --audit "cloudtrail:$TMP/trail" --tz-offset +01:00 --output "$TMP/old.json" \
	--quiet 2>"$TMP/old.err" || fail "analyze --tz-offset"
grep -q -- "--tz-offset is deprecated; use --tz" "$TMP/old.err" || fail "no deprecation warning"
cmp -s <(after_hours "$TMP/old.json") <(after_hours "$TMP/fixed.json") ||
	fail "--tz-offset +01:00 differs from --tz +01:00"

# A bad zone: exit 2, one line naming it, for analyze and for the agent's config.
"$GW" analyze --audit "cloudtrail:$TMP/trail" --tz Europe/Berln >/dev/null 2>"$TMP/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "--tz Europe/Berln: exit $rc, expected 2"
[ "$(wc -l <"$TMP/bad.err")" -eq 1 ] && grep -q "Europe/Berln.*unknown time zone" "$TMP/bad.err" ||
	fail "--tz Europe/Berln: $(cat "$TMP/bad.err")"
printf '[detect]\ntz = Mars/Olympus\n' >"$TMP/bad.conf"
"$GW" check-config --config "$TMP/bad.conf" >/dev/null 2>"$TMP/badconf.err"
rc=$?
[ $rc -eq 2 ] && grep -q "bad.conf:2: \[detect\] tz = 'Mars/Olympus': unknown time zone" \
	"$TMP/badconf.err" || fail "tz = Mars/Olympus: exit $rc: $(cat "$TMP/badconf.err")"
echo "ok: business hours follow Europe/Berlin across the DST switch; fixed offsets and old names still work"
