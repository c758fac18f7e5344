#!/usr/bin/env bash
# Hostile configuration input, each refused at once with one line naming
# the file (and line): a FIFO as the config file (check-config and run
# would wait on it forever), a key set twice (the first value silently
# lost) unless it is a list, a NUL byte inside a value (the value cut
# short); and one rule for files holding a secret in check-config, run,
# ship and collect: a group-writable or symlinked token or key file is
# refused, a group-readable one is accepted with a warning.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
GW="$PWD/$BUILD/gatewatch"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# expect NAME RC PATTERN -- CMD...: within 10 s, an exit status matching RC
# (a regex), stderr matching PATTERN (unless empty).
expect() {
	local name=$1 rc=$2 pat=$3 got
	shift 4
	timeout "${TMO:-10}" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if ! grep -qxE -- "$rc" <<<"$got"; then
		bad "$name: exit $got, expected $rc: $(head -c 300 "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$tmp/err"; then
		bad "$name: no /$pat/ in: $(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}

mkdir -p "$tmp/state" "$tmp/data"
# A FIFO with nobody writing: open() would block.
mkfifo "$tmp/fifo.conf"
expect "check-config: a FIFO is refused" 2 "fifo.conf: not a regular file" -- \
	"$GW" check-config --config "$tmp/fifo.conf"
expect "run: a FIFO is refused" 2 "fifo.conf: not a regular file" -- \
	"$GW" run --config "$tmp/fifo.conf" --duration 1

# A key set twice: both lines named; a list key may repeat.
printf '[agent]\nstate_dir = %s\nlog_level = info\n\nlog_level = debug\n' "$tmp/state" >"$tmp/dup.conf"
expect "a key set twice names both lines" 2 "dup.conf:5: \[agent\] log_level set again \(first on line 3\)" -- \
	"$GW" check-config --config "$tmp/dup.conf"
printf '[agent]\nstate_dir = %s\n[audit]\nsources = %s\nsources = cloudtrail:%s\n' \
	"$tmp/state" "$tmp/data" "$tmp/data" >"$tmp/list.conf"
expect "a list key may repeat" 0 "" -- "$GW" check-config --config "$tmp/list.conf"

# A NUL inside a value.
printf '[agent]\nstate_dir = %s\nlog_level = info\0debug\n' "$tmp/state" >"$tmp/nul.conf"
expect "a NUL in a value is refused" 2 "nul.conf:3: a NUL byte in the line" -- \
	"$GW" check-config --config "$tmp/nul.conf"

# Secret files: one rule everywhere.
printf 's3cret-token\n' >"$tmp/tok"
printf '[agent]\nstate_dir = %s\n' "$tmp/state" >"$tmp/base.conf"
chmod 0600 "$tmp/base.conf"
ln -s "$tmp/tok" "$tmp/tok.link"
# secret MODE FILE PATTERN RC: every reader gives RC and PATTERN.
secret() {
	local mode=$1 file=$2 pat=$3 rc=$4 rc_run
	chmod "$mode" "$tmp/tok"
	expect "check-config: $file $mode" "$rc" "$pat" -- "$GW" check-config --config "$tmp/base.conf" \
		--collector-url http://127.0.0.1:9/ --token-file "$file"
	# run and ship fail later with no collector; what matters is the rule
	rc_run=$([ "$rc" = 0 ] && echo 0 || echo 2)
	expect "run: $file $mode" "$rc_run" "$pat" -- "$GW" run --config "$tmp/base.conf" \
		--collector-url http://127.0.0.1:9/ --token-file "$file" --duration 1
	# ship: 1 when it cannot deliver, and the file refused before that
	expect "ship: $file $mode" "$([ "$rc" = 0 ] && echo 1 || echo '[12]')" "$pat" -- "$GW" ship \
		--state-dir "$tmp/ship" --collector-url http://127.0.0.1:9/ --count 1 --wait 0 --token-file "$file"
	# collect: an accepted file makes it serve until the timeout stops it
	TMO=2 expect "collect: $file $mode" "$([ "$rc" = 0 ] && echo '0|124' || echo 2)" "$pat" -- \
		"$GW" collect --token-file "$file" --listen 127.0.0.1:0 --store "$tmp/store"
}
secret 0620 "$tmp/tok" "tok holds a secret but is group-writable" 2
secret 0602 "$tmp/tok" "tok holds a secret but is world-writable" 2
secret 0644 "$tmp/tok" "tok holds a secret but is world-readable" 2
secret 0600 "$tmp/tok.link" "tok.link holds a secret but is a symlink" 2
secret 0640 "$tmp/tok" "tok holds a secret and is group-readable" 0
# a private key: the same rule
chmod 0660 "$tmp/tok"
expect "ship: a group-writable key file" '[12]' "tok holds a secret but is group-writable" -- "$GW" ship \
	--state-dir "$tmp/ship" --collector-url https://127.0.0.1:9/ --count 1 --wait 0 --cert-file "$tmp/tok" --key-file "$tmp/tok"

[ "$fails" = 0 ] || { echo "test_config_hostile: $fails failed"; exit 1; }
echo "test_config_hostile: all passed"
