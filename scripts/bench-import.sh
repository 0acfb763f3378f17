#!/usr/bin/env bash
# Import benchmark: builds a library of N (default 10,000) real audio files and measures
#   - first import throughput (files/s) with a warm page cache,
#   - a no-change rescan,
#   - peak memory (max RSS) of the importing process.
# The files are the freely licensed soundtracks Debian ships (scripts/fetch-test-music.sh) plus
# the demo library (embedded covers), hard-linked under many different paths: every path is a
# separate file to the scanner, but the bytes fit in the page cache (the "warm cache" case).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
N="${1:-10000}"
LIB="$ROOT/.cache/bench-library-$N"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

bash scripts/fetch-test-music.sh .cache/test-music >/dev/null
cargo build --release -p segue-cli --quiet
SEGUE="$ROOT/target/release/segue"

if [ ! -d "$LIB" ] || [ "$(find "$LIB" -type f | wc -l)" -ne "$N" ]; then
  rm -rf "$LIB"
  mapfile -t SOURCES < <(find .cache/test-music assets/demo -type f \
    \( -iname '*.ogg' -o -iname '*.flac' -o -iname '*.mp3' -o -iname '*.opus' -o -iname '*.m4a' \
       -o -iname '*.wav' -o -iname '*.aiff' \) | sort)
  echo "building $LIB: $N paths from ${#SOURCES[@]} real files"
  i=0
  while [ "$i" -lt "$N" ]; do
    src="${SOURCES[$((i % ${#SOURCES[@]}))]}"
    dir="$LIB/set$(( i / ${#SOURCES[@]} ))/$(basename "$(dirname "$src")")"
    mkdir -p "$dir"
    ln "$src" "$dir/$i-$(basename "$src")" 2>/dev/null || cp "$src" "$dir/$i-$(basename "$src")"
    i=$((i + 1))
  done
fi
# Warm the page cache.
find "$LIB" -type f -exec cat {} + >/dev/null

measure() { # prints "seconds max_rss_kb" for the command
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - t
print(f"{elapsed:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

DB="$WORK/library.sqlite"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); files: $N"
read -r first_s first_kb < <(measure "$SEGUE" --db "$DB" scan "$LIB")
imported=$("$SEGUE" --db "$DB" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tracks"])')
covers=$("$SEGUE" --db "$DB" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["covers"])')
read -r again_s again_kb < <(measure "$SEGUE" --db "$DB" scan)
python3 - "$N" "$imported" "$covers" "$first_s" "$first_kb" "$again_s" "$again_kb" <<'PY'
import sys
n, imported, covers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
first_s, first_kb, again_s, again_kb = float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
print(f"first import:      {n} files in {first_s:.2f} s = {n/first_s:,.0f} files/s  (target >= 1,000)  [{imported} tracks, {covers} distinct covers]")
print(f"no-change rescan:  {n} files in {again_s:.3f} s  (target <= 1 s)")
print(f"peak memory:       {first_kb/1024:.1f} MB during the first import  (target <= 150 MB); rescan {again_kb/1024:.1f} MB")
PY
