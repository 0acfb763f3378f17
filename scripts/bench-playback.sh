#!/usr/bin/env bash
# Playback benchmark: CPU while playing FLAC and MP3 (target <= 3 % of one core), time from the
# play command to the first audible sample (target <= 100 ms), and memory. Plays real tracks
# into the PulseAudio null sink (scripts/pulse-test-sink.sh) and captures it. The FLAC is
# 44.1 kHz (resampled to 48 kHz), the MP3 44.1 kHz, the Opus 48 kHz (no resampling).
# SEGUE_BENCH_SECONDS (default 15) must not exceed the shortest track (20 s).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source scripts/pulse-test-sink.sh
cargo build --release -p segue-playback --example bench_playback --quiet
echo "machine: $(nproc) cores; build: release"
./target/release/examples/bench_playback \
  "assets/demo/Maxstack/Endgame - Singularity Original Soundtrack/01 Awakening.flac" \
  "assets/demo/Muldjord/Mutilated Mime/01 Internal Degeneration.mp3" \
  "assets/demo/Maxstack/Endgame - Singularity Original Soundtrack/02 Coherence.opus"
