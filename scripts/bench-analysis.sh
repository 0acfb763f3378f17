#!/usr/bin/env bash
# Analysis benchmark on real music: Segue DSP only, Segue DSP + neural (musicnn on ONNX Runtime),
# and the peer analyser bliss-audio, on the same files with the same number of workers. Prints
# times real time per core (audio s / CPU s), tracks per minute and each mode's peak memory,
# then (with --patches) how far the default patch subset's tags are from scoring every patch.
#
# Usage: scripts/bench-analysis.sh [--tracks N] [--workers N] [--device cpu|cuda|auto] [--patch-study]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
study=0
args=()
for a in "$@"; do
  if [ "$a" = "--patch-study" ]; then study=1; else args+=("$a"); fi
done
bash scripts/fetch-test-music.sh >/dev/null
[ -e .local/onnxruntime/lib/libonnxruntime.so ] || bash scripts/fetch-onnxruntime.sh
cargo build --release -p segue-bench --quiet
./target/release/segue-bench analysis "${args[@]}"
if [ "$study" = 1 ]; then
  ./target/release/segue-bench patches --tracks 60
fi
