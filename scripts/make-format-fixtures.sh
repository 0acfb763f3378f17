#!/usr/bin/env bash
# Regenerates tests/fixtures/formats: small files in containers and codecs lofty and the demo
# library do not cover, each with tags and a picture a test reads back. Needs the `flac` tool
# (Debian package flac). The output is committed; tests do not run this.
#   ogg-flac.oga  FLAC audio in Ogg pages (2 s of tests/fixtures/gapless/source.flac), Vorbis
#                 comments and a front cover (the demo library's SuperTux cover).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/tests/fixtures/formats"
COVER="$ROOT/assets/demo/Wansti/SuperTux Soundtrack/cover.jpg"
mkdir -p "$OUT"
flac --silent --force --ogg --until=88200 \
  -T "TITLE=Awakening (Ogg FLAC excerpt)" -T "ARTIST=Maxstack" \
  -T "ALBUM=Endgame - Singularity Original Soundtrack" -T "TRACKNUMBER=1" \
  --picture="3||||$COVER" \
  "$ROOT/tests/fixtures/gapless/source.flac" -o "$OUT/ogg-flac.oga"
ls -l "$OUT"
