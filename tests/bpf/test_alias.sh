#!/usr/bin/env bash
# BPF: the verdict follows the data, not the name. Object files of a root
# (on the same filesystem as the rest of the machine's /tmp) read through
# other names must count for their root and bucket, exactly:
#  - a hard link made outside the root to a file that existed before the
#    sensor started (known by inode from the agent's walk of the root);
#  - a hard link to a file created after the start, once read under the root
#    (known by inode from that first read);
#  - a bind mount of the root elsewhere;
#  - a reader in a new mount namespace, through a bind mount of the bucket
#    that only its namespace has;
#  - /proc/PID/fd/N of a process holding the file open;
#  - a file handle (open_by_handle_at);
#  - and, not an alias but a quiet path, O_DIRECT reads (no page cache).
# And a file outside the roots, read the same ways, counts for nobody.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
require_root
tmp=$(mktemp -d)
holder=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	stop_sensor
	umount "$tmp/bind" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pid_of() { local p=${1#pid=}; echo "${p%% *}"; }

mkdir -p "$tmp/root/bkt" "$tmp/root/late" "$tmp/elsewhere" "$tmp/bind" "$tmp/outside"
for f in link bind ns fd handle direct; do head -c 8192 /dev/urandom > "$tmp/root/bkt/$f.bin"; done
head -c 8192 /dev/urandom > "$tmp/outside/other.bin"
ln "$tmp/root/bkt/link.bin" "$tmp/elsewhere/link-alias"
ln "$tmp/outside/other.bin" "$tmp/elsewhere/other-alias"

start_sensor "$tmp/w.jsonl" "$tmp/err" --root "$tmp/root"
grep -q "object files: [1-9][0-9]* known by inode" "$tmp/err" || { cat "$tmp/err"; echo "FAIL: the roots were not walked"; exit 1; }
expect=""
# a hard link outside the root
out=$("$LOAD" "$tmp/elsewhere/link-alias" 11 4096 pread) || exit 1
expect="$expect;hardlink $(pid_of "$out") 11 bkt"
# a file created after the start: read once under the root, then via a link
head -c 8192 /dev/urandom > "$tmp/root/late/new.bin"
out=$("$LOAD" "$tmp/root/late/new.bin" 1 4096 pread) || exit 1
expect="$expect;late-under-root $(pid_of "$out") 1 late"
ln "$tmp/root/late/new.bin" "$tmp/elsewhere/new-alias"
out=$("$LOAD" "$tmp/elsewhere/new-alias" 12 4096 pread) || exit 1
expect="$expect;late-hardlink $(pid_of "$out") 12 late"
# a bind mount of the root elsewhere
mount --bind "$tmp/root" "$tmp/bind" || { echo "FAIL: mount --bind"; exit 1; }
out=$("$LOAD" "$tmp/bind/bkt/bind.bin" 13 4096 pread) || exit 1
expect="$expect;bind-mount $(pid_of "$out") 13 bkt"
umount "$tmp/bind"
# a new mount namespace with its own bind mount of the bucket
out=$(unshare -m --propagation private sh -c \
	"mount --bind '$tmp/root/bkt' '$tmp/bind' && exec '$LOAD' '$tmp/bind/ns.bin' 14 4096 pread") || {
	echo "FAIL: unshare -m"; exit 1; }
expect="$expect;mount-namespace $(pid_of "$out") 14 bkt"
# /proc/PID/fd/N of a process that holds the file open
coproc HOLD { "$LOAD" --wait "$tmp/root/bkt/fd.bin" 0 4096 pread; }
read -r ready <&"${HOLD[0]}"
holder=${ready#ready pid=}
fdn=$(for f in /proc/"$holder"/fd/*; do [ "$(readlink "$f")" = "$tmp/root/bkt/fd.bin" ] && basename "$f"; done)
out=$("$LOAD" "/proc/$holder/fd/$fdn" 15 4096 pread) || exit 1
expect="$expect;proc-fd $(pid_of "$out") 15 bkt"
kill -USR1 "$holder"; wait "$HOLD_PID" 2>/dev/null; holder=""
# a file handle
out=$("$LOAD" --by-handle "$tmp/root/bkt/handle.bin" 16 4096 pread) || exit 1
expect="$expect;by-handle $(pid_of "$out") 16 bkt"
# O_DIRECT
out=$("$LOAD" --direct "$tmp/root/bkt/direct.bin" 17 4096 pread) || exit 1
expect="$expect;o-direct $(pid_of "$out") 17 bkt"
# benign twins: a file outside the roots through a hard link and a handle
out=$("$LOAD" "$tmp/elsewhere/other-alias" 9 4096 pread) || exit 1
expect="$expect;outside-hardlink $(pid_of "$out") 0 -"
out=$("$LOAD" --by-handle "$tmp/outside/other.bin" 9 4096 pread) || exit 1
expect="$expect;outside-handle $(pid_of "$out") 0 -"
sleep 1.5
stop_sensor || { cat "$tmp/err"; echo "FAIL: sensor exit"; exit 1; }

python3 - "$tmp/w.jsonl" "${expect#;}" "$tmp/root" <<'PY'
import json, sys
path, expect, root = sys.argv[1], sys.argv[2], sys.argv[3]
got = {}
for line in open(path):
    for p in json.loads(line)["processes"]:
        for r in p["reads"]:
            g = got.setdefault(p["pid"], {"ops": 0, "bytes": 0, "where": set()})
            g["ops"] += r["ops"]; g["bytes"] += r["bytes"]; g["where"].add((r["root"], r["bucket"]))
bad = 0
for item in expect.split(";"):
    name, pid, ops, bucket = item.split(); pid, ops = int(pid), int(ops)
    g = got.get(pid, {"ops": 0, "bytes": 0, "where": set()})
    want_where = {(root, bucket)} if ops else set()
    ok = g["ops"] == ops and g["bytes"] == ops * 4096 and g["where"] == want_where
    bad |= not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: expected ops={ops} bytes={ops * 4096} in {sorted(want_where)}; "
          f"got ops={g['ops']} bytes={g['bytes']} in {sorted(g['where'])}")
sys.exit(bad)
PY
