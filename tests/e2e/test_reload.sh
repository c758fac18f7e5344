#!/usr/bin/env bash
# gatewatch run reloads its configuration on SIGHUP: a reader that was
# unexpected stops being one once the file allows it; a bad file is refused
# and the running configuration kept. Metrics answer on loopback.
set -u
BUILD=${1:-build}
GW=$PWD/$BUILD/gatewatch
if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root for the BPF sensor"; exit 77; fi
tmp=$(mktemp -d)
agent=""
trap '[ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data/bucket" "$tmp/state"
head -c 65536 /dev/urandom > "$tmp/data/bucket/object.bin"
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
conf() { # $1: allow list
	cat > "$tmp/gatewatch.conf" <<CONF
[sensor]
roots = $tmp/data
interval_sec = 1
[gateway]
exes = node
allow_exes = $1
[agent]
state_dir = $tmp/state
metrics_listen = 127.0.0.1:$mport
CONF
	chmod 600 "$tmp/gatewatch.conf"
}
# Findings naming the reader $1 (the log line ends with the reader's exe).
findings() { grep -c "finding unexpected-reader.*/$1\( \|\$\)" "$tmp/agent.log"; }
# Wait (up to 20 s) until the reader $1 has a finding.
wait_finding() { for _ in $(seq 200); do [ "$(findings "$1")" -ge 1 ] && return 0; sleep 0.1; done; return 1; }

conf ""
"$GW" run --config "$tmp/gatewatch.conf" > "$tmp/agent.log" 2>&1 &
agent=$!
for _ in $(seq 100); do grep -q "running:" "$tmp/agent.log" && break; sleep 0.1; done
dd if="$tmp/data/bucket/object.bin" of=/dev/null bs=4096 status=none
wait_finding dd
before=$(findings dd)
conf "dd"
kill -HUP "$agent"
for _ in $(seq 50); do grep -q "reloaded" "$tmp/agent.log" && break; sleep 0.1; done
dd if="$tmp/data/bucket/object.bin" of=/dev/null bs=4096 status=none
# A reader still unexpected, after dd's read: once its finding is out, the
# window that held dd's read has been judged too, so "nothing new for dd"
# is checked on that, not on a pause.
cat "$tmp/data/bucket/object.bin" > /dev/null
wait_finding cat
after=$(findings dd)
echo "[sensor" > "$tmp/gatewatch.conf"
kill -HUP "$agent"
for _ in $(seq 100); do grep -q "reload: .* refused" "$tmp/agent.log" && break; sleep 0.1; done
metrics=$(curl -s "127.0.0.1:$mport/metrics")
kill -TERM "$agent"; wait "$agent"; rc=$?; agent=""
fail=0
check() { if [ "$2" = 1 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; fail=1; fi; }
check "dd is an unexpected reader before the reload" "$([ "$before" = 1 ] && echo 1)" "$before findings"
check "after the reload dd is allowed: no new finding" "$([ "$after" = 1 ] && echo 1)" "$after findings"
check "a reader still unexpected after the reload has its finding" "$([ "$(findings cat)" -ge 1 ] && echo 1)" "none for cat"
check "a broken file is refused and the agent runs on" "$(grep -q "reload: .* refused" "$tmp/agent.log" && [ $rc -eq 0 ] && echo 1)" "exit $rc"
check "metrics: findings by rule and map fill" \
	"$(echo "$metrics" | grep -q 'gatewatch_findings_total{rule="unexpected-reader"} 2' && echo "$metrics" | grep -q 'gatewatch_bpf_map_fill_ratio{map="reads"}' && echo 1)" \
	"$(echo "$metrics" | grep -v '^#' | head -5)"
[ $fail -eq 0 ] || cat "$tmp/agent.log"
exit $fail
