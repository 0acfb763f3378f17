#!/usr/bin/env bash
# Regenerates tests/fixtures/formats: small files in containers and codecs lofty and the demo
# library do not cover, each with tags and a picture a test reads back. Needs the `flac` tool
# (Debian package flac). The output is committed; tests do not run this.
#   ogg-flac.oga  FLAC audio in Ogg pages (2 s of tests/fixtures/gapless/source.flac), Vorbis
#                 comments and a front cover (the demo library's SuperTux cover).
#   adts-apev2.aac  raw AAC (ADTS, 2 s of a demo track, stream copied) with an APEv2 tag, as
#                 foobar2000 and mp3tag tag such files. Needs ffmpeg (Debian package ffmpeg).
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
ffmpeg -v error -y -i "$ROOT/assets/demo/Sectoid/Frets on Fire Soundtrack/01 Escape from chaosland.m4a" \
  -t 2 -c copy -map_metadata -1 -fflags +bitexact \
  -metadata title="Escape from chaosland (ADTS excerpt)" -metadata artist="Sectoid" \
  -metadata album="Frets on Fire Soundtrack" -metadata track="1/4" -metadata date="2006" \
  -metadata genre="Rock" -metadata REPLAYGAIN_TRACK_GAIN="-6.50 dB" \
  -write_apetag 1 -f adts "$OUT/adts-apev2.aac"
ls -l "$OUT"
