#!/usr/bin/env bash
# Start-up time and memory of the real app window with the demo library and with synthetic
# libraries of 10k and 100k tracks (written by `segue-bench synth-library`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --release -p segue-app -p segue-bench --locked
source scripts/pulse-test-sink.sh >/dev/null
.local/venv/bin/python tests/e2e/bench_app.py
