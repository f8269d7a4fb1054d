#!/bin/sh
# Runs a libFuzzer harness for a bounded time over a scratch copy of its seed
# corpus (the source tree is never written).
#   run_fuzz.sh HARNESS SEED_DIR ARTIFACT_DIR [libFuzzer args...]
set -eu
harness=$1 seeds=$2 artifacts=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/sl-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$seeds"/. "$work"/
mkdir -p "$artifacts"
echo "fuzz: $(basename "$harness") over $(ls "$work" | wc -l) seed(s), $*"
"$harness" -artifact_prefix="$artifacts/" "$@" "$work"
