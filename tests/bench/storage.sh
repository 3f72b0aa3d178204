#!/usr/bin/env bash
# Builds and runs the storage benchmark (release build): operations per second of every
# backend at 10,000 and 100,000 resources. Not a test; prints a Markdown table.
#   bash tests/bench/storage.sh [--sizes 10000,100000] [--backends fs,sqlite,git] [--dir DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release --target quire_bench_storage -j 2
exec ./build/release/tests/bench/storage/quire_bench_storage "$@"
