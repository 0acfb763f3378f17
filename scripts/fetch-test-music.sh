#!/usr/bin/env bash
# Fetch freely licensed game soundtracks shipped by Debian, for tests,
# benchmarks and scripts/make-demo-library.sh.
#
# Usage: scripts/fetch-test-music.sh [CACHE_DIR]   (default: .cache/test-music)
#        scripts/fetch-test-music.sh --evaluation [CACHE_DIR]
#                                   (default: .cache/eval-music)
#        scripts/fetch-test-music.sh --more [CACHE_DIR]
#                                   (default: .cache/more-music)
#
# --evaluation fetches four more soundtracks (57 tracks; colobot-common-sounds, not on
# ../shared/notes/test-music.md, was dropped on 2026-12-06) that widen
# the library `segue-bench suggest` evaluates on, with more artists; tests do not use them.
# --more fetches the music of nine more game packages (0 A.D., Red Eclipse, MegaGlest, Flare,
# FreeCol, Adonthell, Scorched3D, Pinball, FreeOrion: about 2.8 GB of packages, 2.3 GB of it
# 0ad-data, whose 61 tracks sit inside a zip; about 120 tracks) for `segue-bench taste`.
#
# For each package this leaves CACHE_DIR/<package>/ holding its audio files
# (under their original paths inside the package, e.g. usr/share/games/...)
# and CACHE_DIR/<package>/copyright (licence and credits). The .deb is only
# downloaded and unpacked with dpkg-deb, never installed. Running the script
# again skips packages that are already extracted (marker file .done).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
evaluation=0
more=0
if [ "${1:-}" = --evaluation ]; then
  evaluation=1
  shift
elif [ "${1:-}" = --more ]; then
  more=1
  shift
fi
if [ "$more" = 1 ]; then
  cache="${1:-$repo_root/.cache/more-music}"
  # Their music is not always under a music/ folder: each package names what it keeps
  # (an extended regular expression on the path; 0ad-data's is inside its public.zip).
  packages=(
    0ad-data               # orchestral, world music (Omri Lahav and others), CC BY-SA 3.0
    redeclipse-data        # electronic, rock (several), CC BY-SA
    megaglest-data         # faction themes (several), CC BY-SA 3.0
    flare-game             # fantasy orchestral (Brandon Morris and others), CC BY-SA 3.0
    freecol                # orchestral, folk, GPL-2+
    adonthell-data         # fantasy (Stefan Posthuma? see copyright), GPL-2+
    scorched3d-data        # electronic loops, GPL-2+
    pinball-data           # table themes, GPL-2+
    freeorion-data         # ambient space, CC BY-SA 3.0
  )
  declare -A keep=(
    [0ad-data]='/audio/music/[^/]+\.ogg$'
    [redeclipse-data]='/sounds/music/[^/]+\.ogg$'
    [megaglest-data]='/factions/[^/]+/music/[^/]+\.ogg$'
    [flare-game]='/music/[^/]+\.ogg$'
    [freecol]='/resources/music/[^/]+/[^/]+\.ogg$'
    [adonthell-data]='/wastesedge/audio/at-demo-[0-9]+\.ogg$'
    [scorched3d-data]='/data/music/[^/]+\.ogg$'
    [pinball-data]='/pinball/(tux/game|professor/professor|tux/intro)\.ogg$'
    [freeorion-data]='/sound/artificial_intelligence_v3\.ogg$'
  )
elif [ "$evaluation" = 1 ]; then
  cache="${1:-$repo_root/.cache/eval-music}"
  # Only their music/ folders are kept (not sound effects).
  packages=(
    extremetuxracer-data      # game music by several composers, GPL-2+
    marsshooter-data          # rock and electronic (Obsidian Shell), CC BY-SA 3.0
    warzone2100-music         # three soundtracks, Opus, untagged, GPL-2+
    xmoto-data                # electronic (Jens Erler, Cubulo), GPL-2+
  )
else
  cache="${1:-$repo_root/.cache/test-music}"
  # megaglest-data is deliberately left out: ~240 MB for 9 tracks.
  packages=(
    singularity-music           # ambient, CC BY-SA 3.0
    hyperrogue-music            # ambient, CC BY-SA 3.0
    fretsonfire-songs-muldjord  # death metal stems, CC BY-SA 3.0
    fretsonfire-songs-sectoid   # rock stems, Expat (MIT) licence
    wesnoth-1.16-music          # orchestral, GPL-2+
    supertux-data               # retro / chiptune-leaning, GPL-2+ (mostly non-audio game data, dropped)
  )
fi
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

audio_re='\.(ogg|oga|opus|flac|mp3|wav|m4a|aiff?)$'
updated=0

download() { # $1 = package; downloads its .deb into $cache/debs
  local pkg="$1"
  mkdir -p "$cache/debs"
  if compgen -G "$cache/debs/${pkg}_*.deb" >/dev/null; then return 0; fi
  # apt-get download writes into the current directory.
  if ! (cd "$cache/debs" && apt-get download "$pkg"); then
    if [ "$updated" = 0 ]; then
      echo "== $pkg not found, running apt-get update" >&2
      if [ "$(id -u)" = 0 ]; then apt-get update; else sudo apt-get update; fi
      updated=1
      (cd "$cache/debs" && apt-get download "$pkg")
    else
      return 1
    fi
  fi
}

for pkg in "${packages[@]}"; do
  dest="$cache/$pkg"
  if [ -f "$dest/.done" ] && [ -f "$dest/.version" ]; then
    echo "== $pkg: already extracted"
    continue
  fi
  echo "== $pkg: downloading"
  download "$pkg"
  deb="$(ls "$cache/debs/${pkg}"_*.deb | head -n1)"
  echo "== $pkg: extracting $(basename "$deb")"
  rm -rf "$dest" "$dest.tmp"
  mkdir -p "$dest.tmp"
  dpkg-deb -x "$deb" "$dest.tmp"
  if [ "$pkg" = 0ad-data ]; then
    # The game's data is one zip: take its music out, then drop the rest.
    zip="$dest.tmp/usr/share/games/0ad/mods/public/public.zip"
    unzip -q -o "$zip" 'audio/music/*.ogg' -d "$dest.tmp/usr/share/games/0ad/mods/public"
    rm -f "$zip" "$dest.tmp/usr/share/games/0ad/mods/mod/mod.zip"
  fi
  if [ "$more" = 1 ]; then
    keep_re="${keep[$pkg]}"
  else
    # Keep only music (files under a music/, musics/ or songs/ folder: not game sprites,
    # levels or sound effects, which supertux-data and hyperrogue-music also
    # ship), the small credit/metadata texts next to it (Frets on Fire song.ini
    # names artist and title), and the copyright file.
    keep_re="/(musics?|songs)/.*($audio_re|/(song\.ini|readme[^/]*|licen[cs]e[^/]*|authors[^/]*|credits[^/]*|copying[^/]*))\$"
  fi
  find "$dest.tmp" -type f \
    | grep -Eiv "$keep_re" \
    | grep -v "/usr/share/doc/$pkg/copyright\$" \
    | tr '\n' '\0' | xargs -0 -r rm -f
  find "$dest.tmp" -xtype l -delete        # symlinks into removed files
  find "$dest.tmp" -depth -type d -empty -delete
  cp "$dest.tmp/usr/share/doc/$pkg/copyright" "$dest.tmp/copyright"
  dpkg-deb -f "$deb" Version >"$dest.tmp/.version"   # credited in assets/demo/CREDITS.md
  touch "$dest.tmp/.done"
  mv "$dest.tmp" "$dest"
  # The .deb is no longer needed once extracted.
  rm -f "$deb"
done
rmdir "$cache/debs" 2>/dev/null || true

# Summary: where the audio is, file count and total minutes per package
# (minutes need ffprobe; files it cannot read are counted as "unreadable":
# three hyperrogue-music files repeat their Vorbis headers mid-stream, which
# ffmpeg 5.1 rejects while other readers cope).
have_ffprobe=0; command -v ffprobe >/dev/null && have_ffprobe=1
echo
echo "Test music in $cache"
printf '%-28s %6s %8s %10s  %s\n' package files minutes unreadable "audio folder(s)"
total_files=0 total_secs=0
for pkg in "${packages[@]}"; do
  dest="$cache/$pkg"
  mapfile -t files < <(find "$dest" -type f | grep -Ei "$audio_re" | sort)
  [ "${#files[@]}" -gt 0 ] || { echo "no audio found for $pkg" >&2; exit 1; }
  secs=0 bad=0
  if [ "$have_ffprobe" = 1 ]; then
    for f in "${files[@]}"; do
      d="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f" 2>/dev/null || true)"
      if [[ "$d" =~ ^[0-9.]+$ ]]; then
        secs="$(awk -v a="$secs" -v b="$d" 'BEGIN{printf "%.3f", a+b}')"
      else
        bad=$((bad + 1))
      fi
    done
  fi
  dirs="$(printf '%s\n' "${files[@]}" | xargs -r -d '\n' dirname | sort -u | sed "s|^$cache/||" | paste -sd' ')"
  printf '%-28s %6d %8.1f %10d  %s\n' "$pkg" "${#files[@]}" "$(awk -v s="$secs" 'BEGIN{print s/60}')" "$bad" "$dirs"
  total_files=$((total_files + ${#files[@]}))
  total_secs="$(awk -v a="$total_secs" -v b="$secs" 'BEGIN{printf "%.3f", a+b}')"
done
printf '%-28s %6d %8.1f\n' total "$total_files" "$(awk -v s="$total_secs" 'BEGIN{print s/60}')"
[ "$have_ffprobe" = 1 ] || echo "(install ffmpeg for durations)"
