#!/usr/bin/env bash
# Log lines: the "<N>" syslog prefix only when stderr is the journal
# (JOURNAL_STREAM names stderr's device and inode), plain lines in a pipe or a
# file, colour only on a terminal and never with NO_COLOR.
set -u
BUILD=${1:-build}
GW="$BUILD/gatewatch"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# An error every command prints: a config file that does not exist.
run_err() { "$GW" check-config --config "$tmp/missing.conf"; }

# A pipe: no prefix, no escape codes.
out=$(run_err 2>&1 | cat)
grep -q "gatewatch: .*missing.conf" <<<"$out" || fail "no error line in a pipe: $out"
grep -q '^<[0-9]>' <<<"$out" && fail "priority prefix in a pipe: $out"
grep -q $'\033' <<<"$out" && fail "escape code in a pipe: $out"
echo "ok   pipe: plain lines"

# A file, with a JOURNAL_STREAM inherited from elsewhere: still plain.
JOURNAL_STREAM=8:12345 run_err 2>"$tmp/err.log"
grep -q '^<[0-9]>' "$tmp/err.log" && fail "prefix with a foreign JOURNAL_STREAM: $(cat "$tmp/err.log")"
echo "ok   file with a foreign JOURNAL_STREAM: plain lines"

# The journal: JOURNAL_STREAM names stderr itself (here a file standing in for
# the journal's socket): the priority prefix, 3 for an error.
: >"$tmp/journal"
js=$(stat -c '%d:%i' "$tmp/journal")
JOURNAL_STREAM=$js run_err 2>>"$tmp/journal"
grep -q '^<3>gatewatch: ' "$tmp/journal" || fail "no <3> prefix when stderr is the journal: $(cat "$tmp/journal")"
echo "ok   journal: priority prefix"

# A terminal: colour, unless NO_COLOR. script(1) gives the command a pty.
if command -v script >/dev/null; then
	script -qec "$GW check-config --config $tmp/missing.conf" /dev/null >"$tmp/tty.log" 2>&1
	grep -q $'\033\[' "$tmp/tty.log" || fail "no colour on a terminal: $(cat -v "$tmp/tty.log")"
	NO_COLOR=1 script -qec "$GW check-config --config $tmp/missing.conf" /dev/null >"$tmp/tty2.log" 2>&1
	grep -q $'\033\[' "$tmp/tty2.log" && fail "colour despite NO_COLOR: $(cat -v "$tmp/tty2.log")"
	echo "ok   terminal: colour, none with NO_COLOR"
fi
echo "test_log: all passed"
