#!/usr/bin/env bash
# BPF, as root: once `gatewatch run` has attached, it holds no capability
# that reads other users' files or processes (CapEff and CapPrm without
# CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE), and the sensor
# still works without them: a reader of another user (nobody) in a root
# only its owner may list is reported with its executable (from the
# kernel, since /proc/PID/exe of another user needs CAP_SYS_PTRACE) and its
# bucket (listed through the root's descriptor opened at start).
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
require_root
GWA=$PWD/$GW
tmp=$(mktemp -d)
agent=""
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

chmod 0755 "$tmp"
mkdir -p "$tmp/root/vault" "$tmp/state" "$tmp/bin"
head -c 65536 /dev/urandom >"$tmp/root/vault/obj"
cp "$LOAD" "$tmp/bin/readload"
# the root: nobody's, listable by nobody else; the object readable by nobody
chown -R nobody "$tmp/root"
chmod 0711 "$tmp/root"
chmod 0755 "$tmp/root/vault" "$tmp/bin/readload"

"$GWA" run --root "$tmp/root" --state-dir "$tmp/state" --interval-sec 1 \
	--gateway-exe s3fs >"$tmp/agent.log" 2>&1 &
agent=$!
for _ in $(seq 150); do grep -q "running:" "$tmp/agent.log" && break; sleep 0.1; done
grep -q "running:" "$tmp/agent.log" || { cat "$tmp/agent.log"; echo "FAIL: the agent did not start"; exit 1; }
# (the agent log names every skipped hook family; only a failed load is fatal)

# DAC_OVERRIDE 1, DAC_READ_SEARCH 2, SYS_PTRACE 19
for set in CapEff CapPrm; do
	v=$(sed -n "s/^$set:[[:space:]]*//p" "/proc/$agent/status")
	if [ -n "$v" ] && [ $(( 0x$v & ((1 << 1) | (1 << 2) | (1 << 19)) )) -eq 0 ]; then
		ok "$set $v: no DAC_OVERRIDE, DAC_READ_SEARCH or SYS_PTRACE"
	else
		bad "$set is '$v': holds DAC_OVERRIDE, DAC_READ_SEARCH or SYS_PTRACE"
	fi
done

# a reader of another user, started after the drop
runuser -u nobody -- "$tmp/bin/readload" "$tmp/root/vault/obj" 16 4096 pread >"$tmp/load.out" ||
	bad "the reader failed: $(cat "$tmp/load.out")"
for _ in $(seq 60); do grep -q "finding unexpected-reader" "$tmp/agent.log" && break; sleep 0.1; done
kill -TERM "$agent"; wait "$agent"; agent=""
line=$(grep "finding unexpected-reader" "$tmp/agent.log" | head -1)
case "$line" in
*"$tmp/bin/readload bucket vault"*) ok "the reader is reported with its exe and bucket: ${line#*: }" ;;
*) bad "no unexpected-reader finding naming $tmp/bin/readload and bucket vault: $(tail -5 "$tmp/agent.log")" ;;
esac

[ "$fails" = 0 ] || { echo "test_caps: $fails failed"; exit 1; }
echo "test_caps: all passed"
