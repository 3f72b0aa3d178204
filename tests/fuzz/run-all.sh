#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR/tests/fuzz for SECONDS each, starting from a
# scratch copy of its seed corpus (tests/fuzz/corpus/<target without fuzz_>), so the
# repository's corpus is never modified. Prints one line per target; exits non-zero when any
# target crashed, leaked, timed out or failed an invariant.
#
#   cmake --preset fuzz && cmake --build --preset fuzz && bash tests/fuzz/run-all.sh build/fuzz 30
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
work="$build/fuzz-work"

shopt -s nullglob
targets=()
for bin in "$build"/tests/fuzz/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] && targets+=("$bin")
done
if [ ${#targets[@]} -eq 0 ]; then
    echo "no fuzz_* targets in $build/tests/fuzz (build the fuzz preset first)" >&2
    exit 2
fi

failed=0
for bin in "${targets[@]}"; do
    name=$(basename "$bin")
    short=${name#fuzz_}
    dir="$work/$short"
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    if [ -d "$src/corpus/$short" ]; then
        cp -R "$src/corpus/$short/." "$dir/corpus/"
    fi
    log="$dir/log.txt"
    "$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    crashes=$(find "$dir/artifacts" -type f | wc -l)
    if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        echo "$name: FAILED (exit $rc, $crashes artifact(s)) after ${execs:-?} executions;" \
            "log: $log"
    else
        echo "$name: ok, ${execs:-?} executions in ${seconds}s"
    fi
done
exit $failed
