#!/usr/bin/env bash
# Build one libFuzzer target per audit parser and one for the collector's
# decode of a POST body (clang, ASan + UBSan), and run each for a fixed time
# on its seed corpus: tests/fuzz/corpus/<target>/ and, for the parsers, the
# shared real-log samples beside the checkout when present. New inputs
# go to a temporary directory; a crash leaves its reproducer in BUILD/fuzz/.
# Usage: tests/fuzz/run.sh [BUILD] [SECONDS per target]
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
SECS=${2:-10}
OUT="$BUILD/fuzz"
REAL=../shared/testdata/real-logs
CLANG=${CLANG:-clang}
mkdir -p "$OUT"

# the audit stage and what it may use: lib and state
# (the audit webhook's server, audit/listen, is network code with its own
# tests, not a parser: it needs the HTTP server code and the protobuf code)
SRCS="$(find agent/audit agent/lib agent/state -name '*.c' -not -path 'agent/audit/listen/*' | sort)"
FLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -Iagent -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
SAN="address,undefined"
LIBS="-lcjson -ldeflate -lcurl -lgnutls -linih -lmicrohttpd -lz -lm"

# target  format-macro  extra-define  real-sample dirs
TARGETS="cloudtrail:AUDIT_FMT_CLOUDTRAIL::awsdocs_examples,elastic_integrations/aws_cloudtrail
s3access:AUDIT_FMT_S3ACCESS::elastic_integrations/aws_s3_server_access
gcs:AUDIT_FMT_GCS::gcp_security_analytics_fixtures
azure_classic:AUDIT_FMT_AZURE::azure_storage_analytics
azure_json:AUDIT_FMT_AZURE:-DFUZZ_AZURE_JSON:azure_storagebloblogs_secura,azure_storagebloblogs_dynatrace
minio:AUDIT_FMT_MINIO::minio
azure_activity:AUDIT_FMT_AZURE_ACTIVITY::"

# The library part once (instrumented for coverage), then one link per target.
rm -rf "$OUT/obj"   # objects of files since moved or removed would link twice
mkdir -p "$OUT/obj"
pids=()
for src in $SRCS; do
	# shellcheck disable=SC2086
	$CLANG $FLAGS -fsanitize=fuzzer-no-link,$SAN -c "$src" -o "$OUT/obj/$(echo "$src" | tr / _).o" \
		2>>"$OUT/build_lib.log" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || { echo "fuzz: failed to build the parsers:"; cat "$OUT/build_lib.log"; exit 1; }
done

# run_target NAME BIN SEEDS...: fuzz for SECS seconds; sets failed on a crash.
run_target() {
	local name=$1 bin=$2 work
	shift 2
	work=$(mktemp -d)
	if "$bin" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
		-artifact_prefix="$OUT/crash_${name}_" -print_final_stats=1 "$work" "$@" \
		>"$OUT/run_$name.log" 2>&1; then
		echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$OUT/run_$name.log" |
			grep -o '[0-9]*$') runs in ${SECS}s)"
	else
		echo "fuzz: $name FAILED"; tail -40 "$OUT/run_$name.log"; failed=1
	fi
	rm -rf "$work"
}

failed=0
for t in $TARGETS; do
	IFS=: read -r name fmt extra real <<<"$t"
	bin="$OUT/fuzz_$name"
	# shellcheck disable=SC2086
	if ! $CLANG $FLAGS -fsanitize=fuzzer,$SAN -DFUZZ_FORMAT="$fmt" $extra -o "$bin" \
		tests/fuzz/fuzz_audit.c "$OUT"/obj/*.o $LIBS 2>"$OUT/build_$name.log"; then
		echo "fuzz: failed to build $name:"; cat "$OUT/build_$name.log"; failed=1; continue
	fi
	seeds=("tests/fuzz/corpus/$name")
	for d in ${real//,/ }; do [ -d "$REAL/$d" ] && seeds+=("$REAL/$d"); done
	run_target "$name" "$bin" "${seeds[@]}"
done

# The collector's decode of a FindingBatch from the network, with the
# generated nanopb code of this build.
if [ ! -f "$BUILD/gatewatch.pb.c" ]; then
	echo "fuzz: $BUILD/gatewatch.pb.c missing: run make first"; exit 1
fi
# shellcheck disable=SC2086
if $CLANG $FLAGS -I"$BUILD" -fsanitize=fuzzer,$SAN -o "$OUT/fuzz_batch" tests/fuzz/fuzz_batch.c \
	agent/collect/batch.c agent/ship/encode.c agent/ship/json.c agent/ship/schema.c agent/lib/names.c \
	"$BUILD/gatewatch.pb.c" \
	-lprotobuf-nanopb -lcjson 2>"$OUT/build_batch.log"; then
	run_target batch "$OUT/fuzz_batch" tests/fuzz/corpus/batch
else
	echo "fuzz: failed to build batch:"; cat "$OUT/build_batch.log"; failed=1
fi
exit $failed
