#!/usr/bin/env bash
# The spool and shipper unit tests (tests/unit/ship/test_spool.c, test_post.c)
# built and run under AddressSanitizer and UBSan, whatever the main build's
# flags: a read past a spool buffer fails here even when the plain build
# happens to survive it.
#   tests/e2e/test_ship_san.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
OUT="$BUILD/ship-san"
CC=${CC:-cc}
mkdir -p "$OUT"
[ -f "$BUILD/gatewatch.pb.c" ] || { echo "no $BUILD/gatewatch.pb.c: run make first"; exit 1; }
command -v "$CC" >/dev/null || { echo "skip: no C compiler"; exit 77; }

TESTS="tests/unit/ship/test_spool.c tests/unit/ship/test_post.c"
# agent/ship and what it needs below it.
SRCS="$(find agent/ship -name '*.c' | sort) $(find agent/lib -name '*.c' | sort)"
# shellcheck disable=SC2086
sed -n 's/^TEST(\([a-zA-Z0-9_]*\)).*/T(\1)/p' $TESTS >"$OUT/tests.inc"
# shellcheck disable=SC2086
if ! "$CC" -g -O1 -std=gnu11 -D_GNU_SOURCE -I"$BUILD" -Iagent -Itests/unit -I"$OUT" \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-o "$OUT/ship_tests" tests/unit/runner.c $TESTS $SRCS "$BUILD/gatewatch.pb.c" \
	-lcurl -lcjson -lmicrohttpd -lgnutls -lz -lprotobuf-nanopb -lpthread -lm 2>"$OUT/build.log"; then
	echo "FAIL cannot build the sanitized ship tests:"; cat "$OUT/build.log"
	exit 1
fi
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	"$OUT/ship_tests" 2>"$OUT/run.log"
rc=$?
if [ $rc -ne 0 ] || grep -q 'ERROR: AddressSanitizer\|runtime error:' "$OUT/run.log"; then
	grep -A30 'ERROR: AddressSanitizer\|runtime error:' "$OUT/run.log" | head -60
	echo "test_ship_san: FAIL"
	exit 1
fi
echo "test_ship_san: all passed under ASan+UBSan"
