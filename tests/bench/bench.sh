#!/usr/bin/env bash
# make bench: gatewatch's benchmark table. Speeds are ratios measured side by
# side in one run, alternating, repeated; absolute times on a shared machine
# mean little.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
LOAD="$PWD/$BUILD/tests/bpf/readload"
REPS=${BENCH_REPS:-5}
N=${BENCH_READS:-200000}
tmp=$(mktemp -d)
sensor=""
trap '[ -n "$sensor" ] && kill $sensor 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# seconds (float) that a command takes
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-58s %s\n' "benchmark" "result"
printf '%-58s %s\n' "---------" "------"

if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$tmp/root/b" "$tmp/out"
	head -c 4096 /dev/urandom > "$tmp/root/b/obj"
	head -c 4096 /dev/urandom > "$tmp/out/obj"
	# loops: 4 KiB cached preads under a root, outside any root, and an unwatched syscall
	declare -A T
	run_loops() { # $1 = label
		T[$1,in]+="$(t "$LOAD" "$tmp/root/b/obj" "$N" 4096 pread) "
		T[$1,out]+="$(t "$LOAD" "$tmp/out/obj" "$N" 4096 pread) "
		T[$1,other]+="$(t "$LOAD" "$tmp/out/obj" "$N" 4096 getppid) "
	}
	families="tp_btf raw_tp tracepoint"
	for _ in $(seq "$REPS"); do
		run_loops none
		for hooks in $families; do
			"$GW" host --root "$tmp/root" --interval 3600 --output /dev/null --hooks "$hooks" 2>"$tmp/err" &
			sensor=$!
			for _ in $(seq 100); do grep -q "sensor attached" "$tmp/err" && break; sleep 0.05; done
			run_loops "$hooks"
			kill -INT $sensor; wait $sensor || true; sensor=""
		done
	done
	med() { printf '%s\n' ${T[$1,$2]} | median; }
	for loop in in out other; do
		b=$(med none $loop)
		case $loop in
		in) what="pread 4 KiB under a root";; out) what="pread 4 KiB outside the roots";; other) what="getppid (not watched)";;
		esac
		printf '%-58s %s\n' "$what x $N, no sensor (median of $REPS)" "$(printf '%.0f ns/call' "$(echo "$b * 1000000000 / $N" | bc -l)")"
		for hooks in $families; do
			w=$(med "$hooks" $loop)
			printf '%-58s %s\n' "  with sensor ($hooks): added per call, ratio" \
				"$(printf '%+.0f ns, %.2fx' "$(echo "($w - $b) * 1000000000 / $N" | bc -l)" "$(echo "$w / $b" | bc -l)")"
		done
	done
else
	printf '%-58s %s\n' "sensor overhead" "skipped (needs root)"
fi

# Audit parsing: a large synthetic CloudTrail file, gatewatch vs python3's json.
python3 tests/data/gen_cloudtrail_bench.py "$tmp/ct.json" 200000 2>/dev/null || true
if [ -s "$tmp/ct.json" ]; then
	size=$(stat -c %s "$tmp/ct.json")
	gw=() py=()
	for _ in $(seq 3); do
		gw+=("$(t "$GW" analyze --audit "cloudtrail:$tmp/ct.json" --output /dev/null)")
		py+=("$(t python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["Records"]; print(sum(1 for x in r if x.get("eventName")=="GetObject"))' "$tmp/ct.json")")
	done
	g=$(printf '%s\n' "${gw[@]}" | median)
	p=$(printf '%s\n' "${py[@]}" | median)
	printf '%-58s %s\n' "analyze CloudTrail $((size / 1048576)) MiB, 200k records" "$(printf '%.0f MB/s' "$(echo "$size / $g / 1000000" | bc -l)")"
	printf '%-58s %s\n' "  python3 json.load of the same file: speed ratio" "$(printf 'gatewatch %.2fx python' "$(echo "$p / $g" | bc -l)")"
fi
