#!/usr/bin/env bash
# Gzip bombs: a small .gz that inflates to 4 GiB (64 members of 64 MiB of
# zeros) and a one-member 256 MiB bomb are each refused with one error line
# naming the file, the good file beside them is still read, and the peak
# RSS of `analyze` (measured by /usr/bin/time) stays under 100 MiB.
# Usage: tests/cli/test_gzip_bomb.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
[ -x /usr/bin/time ] || { echo "FAIL: /usr/bin/time is missing (Debian package time)"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
LIMIT_KB=$((100 * 1024))

mkdir -p "$TMP/logs"
python3 - "$TMP/logs" <<'PY'
import gzip, sys, zlib
d = sys.argv[1]
def member(n):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(b"\0" * n) + c.flush()
m = member(64 << 20)
with open(d + "/bomb-multi.json.gz", "wb") as f:
    f.write(m * 64)
with open(d + "/bomb-one.json.gz", "wb") as f:
    f.write(member(256 << 20))
rec = '{"Records":[{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z",' \
      '"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1",' \
      '"sourceIPAddress":"192.0.2.1","requestID":"R1","eventID":"E1"}]}'
with gzip.open(d + "/good.json.gz", "wt") as f:
    f.write(rec)
PY
ls -l "$TMP/logs" | sed 's/^/     /'

# analyze FILE-OR-DIR NAME: exit status, stderr and peak RSS (KiB).
run() {
	/usr/bin/time -f "%M" -o "$TMP/$2.rss" "$GW" analyze --audit "cloudtrail:$1" \
		--output "$TMP/$2.json" 2>"$TMP/$2.err"
	echo $? >"$TMP/$2.rc"
}

for b in multi one; do
	run "$TMP/logs/bomb-$b.json.gz" "$b"
	rss=$(tail -1 "$TMP/$b.rss")
	rc=$(cat "$TMP/$b.rc")
	[ "$rc" = 1 ] && ok "bomb-$b: exit 1" || fail "bomb-$b: expected exit 1, got $rc"
	n=$(wc -l <"$TMP/$b.err")
	if [ "$n" = 1 ] && grep -q "failed to read $TMP/logs/bomb-$b.json.gz: expands more than 100 times" "$TMP/$b.err"; then
		ok "bomb-$b: one error line naming the file"
	else
		fail "bomb-$b: expected one error line naming the file, got: $(head -c 400 "$TMP/$b.err")"
	fi
	[ "$rss" -lt "$LIMIT_KB" ] && ok "bomb-$b: peak RSS $rss KiB < $LIMIT_KB KiB" ||
		fail "bomb-$b: peak RSS $rss KiB, limit $LIMIT_KB KiB"
done

# The directory: both bombs passed over, the good file read.
run "$TMP/logs" dir
python3 - "$TMP/dir.json" <<'PY' && ok "directory: the good file is read, the bombs counted" || fail "directory: $(cat "$TMP/dir.err")"
import json, sys
st = json.load(open(sys.argv[1]))["stats"]
assert st["events"] == 1 and st["files_failed"] == 2, st
PY
rss=$(tail -1 "$TMP/dir.rss")
[ "$rss" -lt "$LIMIT_KB" ] && ok "directory: peak RSS $rss KiB" || fail "directory: peak RSS $rss KiB"

[ "$fails" = 0 ] || { echo "test_gzip_bomb: $fails failed"; exit 1; }
echo "test_gzip_bomb: all passed"
