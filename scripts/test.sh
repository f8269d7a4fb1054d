#!/usr/bin/env bash
# Installs dependencies, builds Shieldlock three ways and runs every test suite
# except 'perf':
#   build/        release build, -Dwerror=true: suites unit, kat, interop, rig (root)
#   build-asan/   -Db_sanitize=address,undefined: suites unit, kat, rig-san (the
#                 control plane's call tests with shieldlock-dp; root)
#   build-fuzz/   clang-14 libFuzzer harnesses: suite fuzz (short bounded runs)
# Ends with one line "tests: N passed, N failed[, N skipped]" and exits
# non-zero if any test failed or a build broke.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
export MESON_TESTTHREADS=${MESON_TESTTHREADS:-$jobs}

configure() { # dir, extra args...
	local dir=$1; shift
	if [ -d "$dir" ] && [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		rm -rf "$dir"
		meson setup "$dir" "$@" >/dev/null
	fi
	echo "== build $dir ($*)"
	ninja -C "$dir" -j"$jobs" | tail -n 1
}

suites() { # dir, suites...
	local dir=$1; shift
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	echo "== test $dir: $*"
	meson test -C "$dir" --print-errorlogs --num-processes "$MESON_TESTTHREADS" "${args[@]}" || true
}

configure build -Dwerror=true -Dbuildtype=release
suites build unit kat interop rig

configure build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	suites build-asan unit kat rig-san

# The libraries get coverage instrumentation too (fuzzer-no-link), so libFuzzer
# steers by the SRTP and SDES parsers' branches, not only the harnesses'.
CC=clang-14 configure build-fuzz -Dwerror=true -Dbuildtype=debugoptimized -Db_lundef=false \
	-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link
suites build-fuzz fuzz

python3 "$top/scripts/test_summary.py" build build-asan build-fuzz
