#!/usr/bin/env bash
# Regenerates tests/fixtures/gapless: an 8-second excerpt of a real recording (from the demo
# library) cut at a sample that is not on any codec frame boundary, each half encoded in every
# lossy format whose encoder delay/padding Segue must remove. Decoding part1 then part2 must
# give the continuous source: no gap, no overlap. Needs ffmpeg with libmp3lame, libvorbis,
# libopus. The output is committed; tests do not run this.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/tests/fixtures/gapless"
SRC="$ROOT/assets/demo/Maxstack/Endgame - Singularity Original Soundtrack/01 Awakening.flac"
CUT=176489   # frames at 44.1 kHz (4.0020 s): not a multiple of 576, 1024, 1152 or 960
TOTAL=352800 # 8 s
mkdir -p "$OUT"
rm -f "$OUT"/*
ff() { ffmpeg -nostdin -loglevel error -y "$@"; }
# Audio only, no tags or cover pictures: the fixtures are about samples.
enc() { local in="$1"; shift; ff -i "$in" -map 0:a -map_metadata -1 "$@"; }
enc "$SRC" -af "atrim=start_sample=44100:end_sample=$((44100 + TOTAL))" -c:a flac source.tmp.flac
mv source.tmp.flac "$OUT/source.flac"
enc "$OUT/source.flac" -af "aresample=48000:resampler=soxr:precision=28" -c:a flac "$OUT/source-48k.flac"
for part in 1 2; do
  if [ $part = 1 ]; then trim="atrim=end_sample=$CUT"; else trim="atrim=start_sample=$CUT"; fi
  enc "$OUT/source.flac" -af "$trim,asetpts=N/SR/TB" -c:a flac "$OUT/part$part.flac"
  enc "$OUT/part$part.flac" -c:a libmp3lame -q:a 2 "$OUT/part$part.mp3"
  enc "$OUT/part$part.flac" -c:a libvorbis -q:a 4 "$OUT/part$part.ogg"
  enc "$OUT/part$part.flac" -c:a aac -b:a 160k "$OUT/part$part.m4a"
done
# Opus is 48 kHz only: cut the resampled source at the same instant, so both halves and the
# reference share one resampling.
CUT48=$(( (CUT * 48000 + 22050) / 44100 ))
for part in 1 2; do
  if [ $part = 1 ]; then trim="atrim=end_sample=$CUT48"; else trim="atrim=start_sample=$CUT48"; fi
  enc "$OUT/source-48k.flac" -af "$trim,asetpts=N/SR/TB" -c:a libopus -b:a 128k "$OUT/part$part.opus"
done
ls -la "$OUT"
