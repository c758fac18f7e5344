#!/usr/bin/env bash
# The audit parsers and the collector's decode of a POST body under
# libFuzzer with ASan and UBSan, a short fixed time per target on the seed
# corpora (FUZZ_SECONDS, default 5).
BUILD=${1:-build}
exec tests/fuzz/run.sh "$BUILD" "${FUZZ_SECONDS:-5}"
