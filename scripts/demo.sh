#!/usr/bin/env bash
# Shieldlock's main job for now: install, build, and run the SRTP benchmark
# (our SRTP core on every crypto engine against Debian's libsrtp2, measured in
# the same run). It prints the table and rewrites the SRTP section of
# docs/benchmarks.md with the figures, the command and plots in docs/bench/.
# Extra arguments go to `shieldlock-bench srtp` (try --help, or --quick).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
if [ ! -f build/build.ninja ]; then
	meson setup build -Dbuildtype=release >/dev/null
fi
ninja -C build | tail -n 1
exec ./build/tools/bench/shieldlock-bench srtp "$@"
