#!/usr/bin/env bash
# Regenerate assets/demo/: a small (~15 MB) demo music library made of short
# excerpts of freely licensed game soundtracks shipped by Debian.
#
# Usage: scripts/make-demo-library.sh [CACHE_DIR]   (default: .cache/test-music)
#
# Needs: ffmpeg (with libmp3lame, libvorbis, libopus, libsoxr), ImageMagick,
# python3 (only for building an Ogg/Opus cover-art comment), and the packages
# fetched by scripts/fetch-test-music.sh (run automatically if missing).
#
# The output is meant to exercise a music player: many containers and codecs,
# full/partial/no tags, embedded covers vs cover.jpg, ReplayGain, two discs,
# odd sample rates, mono, 24-bit. Everything is rebuilt from scratch on each
# run; with the same tool versions the output is byte-for-byte identical
# (bit-exact muxing, no timestamps, fixed encoder settings).
set -euo pipefail
export LC_ALL=C   # '.' as decimal separator for awk/printf

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${1:-$repo_root/.cache/test-music}"
out="$repo_root/assets/demo"

for tool in ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
IM="$(command -v magick || command -v convert || true)"
[ -n "$IM" ] || { echo "missing ImageMagick (convert)" >&2; exit 1; }

# Fetch the source packages if they are not there yet (idempotent anyway).
need_fetch=0
for p in singularity-music hyperrogue-music fretsonfire-songs-muldjord \
         fretsonfire-songs-sectoid wesnoth-1.16-music supertux-data; do
  [ -f "$cache/$p/.done" ] && [ -f "$cache/$p/.version" ] || need_fetch=1
done
[ "$need_fetch" = 0 ] || "$repo_root/scripts/fetch-test-music.sh" "$cache"
cache="$(cd "$cache" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/demo"          # built here, moved to $out at the end
mkdir -p "$stage"

# Quiet, deterministic ffmpeg: no stdin, no version strings in the output.
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
BITEXACT=(-fflags +bitexact -flags:a +bitexact)

# ---------------------------------------------------------------------------
# Source packages: where the music is inside the package, licence, and the
# copyright line quoted from the package's debian/copyright.
# ---------------------------------------------------------------------------
declare -A PKG_DIR PKG_LICENSE PKG_COPYRIGHT
PKG_DIR[singularity-music]=usr/share/games/singularity/music
PKG_DIR[hyperrogue-music]=usr/share/hyperrogue/music
PKG_DIR[fretsonfire-songs-muldjord]=usr/share/games/fretsonfire/data/songs/muldjord
PKG_DIR[fretsonfire-songs-sectoid]=usr/share/games/fretsonfire/data/songs/sectoid
PKG_DIR[wesnoth-1.16-music]=usr/share/games/wesnoth/1.16/data/core/music
PKG_DIR[supertux-data]=usr/share/games/supertux2/music

CC_BY_SA="CC BY-SA 3.0 (Creative Commons Attribution-ShareAlike 3.0 Unported, https://creativecommons.org/licenses/by-sa/3.0/)"
GPL2P="GPL-2+ (GNU General Public License, version 2 or (at your option) any later version, https://www.gnu.org/licenses/old-licenses/gpl-2.0.html)"
EXPAT="Expat (MIT) licence, full text in the \"Licence texts\" section below"
PKG_LICENSE[singularity-music]=$CC_BY_SA
PKG_LICENSE[hyperrogue-music]=$CC_BY_SA
PKG_LICENSE[fretsonfire-songs-muldjord]=$CC_BY_SA
PKG_LICENSE[fretsonfire-songs-sectoid]=$EXPAT
PKG_LICENSE[wesnoth-1.16-music]=$GPL2P
PKG_LICENSE[supertux-data]=$GPL2P
PKG_COPYRIGHT[singularity-music]="Copyright (C) 2007-2008,2012 Max McCracken"
PKG_COPYRIGHT[hyperrogue-music]="Shawn Parrotte (http://www.shawnparrotte.com) (debian/copyright stanza for music/hr3-caves.ogg ... music/hr3-rlyeh.ogg, License: CC-BY-SA-3.0)"
PKG_COPYRIGHT[fretsonfire-songs-muldjord]="The songs, performances and fret files are all Copyright (c) 2009  El Senator <elsenator@gmail.com> and are licenced under the terms of the Creative Commons Attribution ShareAlike licence 3.0"
PKG_COPYRIGHT[fretsonfire-songs-sectoid]="The songs, performances and fret files are all Copyright (c) 2006/2007  Carlos Viola Iborra <karuritosu@gmail.com>"
PKG_COPYRIGHT[wesnoth-1.16-music]="Copyright (C) 2003 - 2007 by David White <dave@whitevine.net> (\"Note that there are far more contributors in Wesnoth that the ones listed here\"; the composer's own notice is in the original file's COPYRIGHT tag, quoted below where present)"
PKG_COPYRIGHT[supertux-data]="Marek Moeckel <wansti@gmx.de> (debian/copyright stanza for data/music/*, License: GPL-2+)"

# ---------------------------------------------------------------------------
# Albums. Folder names avoid characters that are invalid on Windows (':'),
# so "Endgame: Singularity ..." (the tag) lives in "Endgame - Singularity ...".
#   cover: embed = in every file, file = cover.jpg beside the files, none
#   tags:  1 = full tags, 0 = no tags at all (player must use folder/file names)
#   rg:    1 = ReplayGain track+album gain/peak tags
# ---------------------------------------------------------------------------
declare -A A_PKG A_DIR A_TITLE A_ARTIST A_GENRE A_COVER A_TAGS A_RG A_TRACKS A_DISCS A_COLORS A_MOTIF
album() { # key pkg dir title album_artist genre cover tags rg tracktotal disctotal colours motif
  A_PKG[$1]=$2; A_DIR[$1]=$3; A_TITLE[$1]=$4; A_ARTIST[$1]=$5; A_GENRE[$1]=$6
  A_COVER[$1]=$7; A_TAGS[$1]=$8; A_RG[$1]=$9; A_TRACKS[$1]=${10}; A_DISCS[$1]=${11}
  A_COLORS[$1]=${12}; A_MOTIF[$1]=${13}
}
album sing singularity-music "Maxstack/Endgame - Singularity Original Soundtrack" \
  "Endgame: Singularity Original Soundtrack" Maxstack Ambient embed 1 1 3 1 "#0b1d3a-#1f7a7a" orbit
album hyper hyperrogue-music "Shawn Parrotte/HyperRogue Soundtrack" \
  "HyperRogue Soundtrack" "Shawn Parrotte" - none 0 0 - - - -
album mime fretsonfire-songs-muldjord "Muldjord/Mutilated Mime" \
  "Mutilated Mime" Muldjord "Death Metal" embed 1 1 2 1 "#000000-#6b0a0a" slashes
album mfof fretsonfire-songs-muldjord "Muldjord/Frets on Fire Soundtrack" \
  "Frets on Fire Soundtrack" Muldjord "Death Metal" none 1 0 2 1 - -
album sect fretsonfire-songs-sectoid "Sectoid/Frets on Fire Soundtrack" \
  "Frets on Fire Soundtrack" Sectoid Rock embed 1 0 4 1 "#ff7e29-#5b1a8c" bars
album wes wesnoth-1.16-music "Wesnoth Project/The Battle for Wesnoth OST" \
  "The Battle for Wesnoth OST" "Wesnoth Project" "Romantic Classical" file 1 1 - 2 "#16301f-#b8923a" diamond
album tux supertux-data "Wansti/SuperTux Soundtrack" \
  "SuperTux Soundtrack" Wansti Soundtrack file 1 0 4 1 "#0d1b4c-#3fa9f5" pixels

# ---------------------------------------------------------------------------
# Tracks: album|disc|track|title|artist|composer|date|source(s)|start s|length s|format
# Titles, artists, dates, disc/track numbers come from the source files' own
# tags (Wesnoth, Singularity, SuperTux, Muldjord), the Frets on Fire song.ini
# files (Sectoid), or the HyperRogue tags/copyright file. Track numbers of the
# other albums are our own order. "a+b" = Frets on Fire stems mixed together.
# Composer = real name where the package names one (Maxstack is Max McCracken,
# Wansti is Marek Moeckel, Muldjord's songs are by El Senator).
# ---------------------------------------------------------------------------
tracks=$(cat <<'EOF'
sing|1|1|Awakening|Maxstack|Max McCracken|2012-12-15|Awakening.ogg|45|20|flac16
sing|1|2|Coherence|Maxstack|Max McCracken|2012-12-15|Coherence.ogg|40|50|opus48
sing|1|3|Inevitable|Maxstack|Max McCracken|2012-12-15|Inevitable.ogg|30|50|opus48
hyper|-|1|Hell|-|-|-|hr3-hell.ogg|15|45|vorbis
hyper|-|2|Living Caves|-|-|-|hr3-caves.ogg|8|40|vorbis
hyper|-|4|R'Lyeh|-|-|-|hr3-rlyeh.ogg|20|18|aiff_mono
mime|1|1|Internal Degeneration|Muldjord|El Senator|2008|internal_degeneration/song.ogg+internal_degeneration/guitar.ogg|30|40|mp3v4
mime|1|2|Mutilated Mime|Muldjord|El Senator|2008|mutilated_mime/song.ogg+mutilated_mime/guitar.ogg|20|40|mp3v4
mfof|1|1|Armygeddon|Muldjord|El Senator|2006|armygeddon/song.ogg+armygeddon/guitar.ogg|25|40|mp3cbr
mfof|1|2|Chaos God|Muldjord|El Senator|2007|chaos_god/song.ogg+chaos_god/guitar.ogg|20|40|vorbis
sect|1|1|Escape from chaosland|Sectoid|Carlos Viola Iborra|-|Escape from chaosland/song.ogg+Escape from chaosland/guitar.ogg|20|40|aac
sect|1|2|Feelings|Sectoid|Carlos Viola Iborra|-|Feelings/song.ogg+Feelings/guitar.ogg|40|10|alac
sect|1|3|Metal madness|Sectoid|Carlos Viola Iborra|-|Metal madness/song.ogg+Metal madness/guitar.ogg|15|40|aac
sect|1|4|War of freedom|Sectoid|Carlos Viola Iborra|-|War of freedom/song.ogg+War of freedom/guitar.ogg|20|40|aac
wes|1|1|Traveling Minstrels|Mattias Westlund|Mattias Westlund|2008|traveling_minstrels.ogg|20|45|vorbis
wes|1|3|Siege of Laurelmor|Doug Kaufman|Doug Kaufman|2009|siege_of_laurelmor.ogg|30|45|vorbis
wes|2|1|Main Theme|Aleksi Aubry-Carlson|Aleksi Aubry-Carlson|2005|main_menu.ogg|4|6|flac24_96
wes|2|10|Nunc Dimittis|Jeremy Nicoll|Jeremy Nicoll|2008|nunc_dimittis.ogg|25|45|vorbis
tux|1|1|SuperTux Theme (Milestone 2 Version)|Wansti|Marek Moeckel|2005|misc/theme.ogg|10|45|mp3v4
tux|1|2|Forest Dance|Wansti|Marek Moeckel|2006|forest/forest.ogg|15|45|opus64
tux|1|3|The Cave (Milestone 2 Version)|Wansti|Marek Moeckel|2006|antarctic/cave.ogg|8|45|vorbis
tux|1|4|Boss Attack|Wansti|Marek Moeckel|2006|antarctic/bossattack.ogg|10|18|wav22k
EOF
)

# Format -> extension, encoder arguments, and a human description (CREDITS).
declare -A F_EXT F_DESC
declare -A F_ARGS
F_EXT[flac16]=flac;     F_DESC[flac16]="FLAC, 16-bit, 44.1 kHz"
F_ARGS[flac16]="-af aresample=44100:resampler=soxr:osf=s16:dither_method=triangular -c:a flac -compression_level 8"
F_EXT[flac24_96]=flac;  F_DESC[flac24_96]="FLAC, 24-bit, 96 kHz (upsampled)"
F_ARGS[flac24_96]="-af aresample=96000:resampler=soxr:osf=s32 -c:a flac -bits_per_raw_sample 24 -compression_level 8"
F_EXT[mp3v4]=mp3;       F_DESC[mp3v4]="MP3, LAME VBR -V4 (Xing/LAME header), ID3v2.4"
F_ARGS[mp3v4]="-af aresample=44100:resampler=soxr -c:a libmp3lame -q:a 4 -id3v2_version 4"
F_EXT[mp3cbr]=mp3;      F_DESC[mp3cbr]="MP3, LAME CBR 192 kbit/s, ID3v2.3"
F_ARGS[mp3cbr]="-af aresample=44100:resampler=soxr -c:a libmp3lame -b:a 192k -id3v2_version 3"
F_EXT[vorbis]=ogg;      F_DESC[vorbis]="Ogg Vorbis, quality 1 (~80 kbit/s)"
F_ARGS[vorbis]="-c:a libvorbis -q:a 1"
F_EXT[opus48]=opus;     F_DESC[opus48]="Opus, 48 kbit/s VBR"
F_ARGS[opus48]="-af aresample=48000:resampler=soxr -c:a libopus -b:a 48k"
F_EXT[opus64]=opus;     F_DESC[opus64]="Opus, 64 kbit/s VBR"
F_ARGS[opus64]="-af aresample=48000:resampler=soxr -c:a libopus -b:a 64k"
F_EXT[aac]=m4a;         F_DESC[aac]="AAC-LC in MP4 (.m4a), 96 kbit/s"
F_ARGS[aac]="-af aresample=44100:resampler=soxr -c:a aac -b:a 96k"
F_EXT[alac]=m4a;        F_DESC[alac]="ALAC (Apple Lossless) in MP4 (.m4a), 16-bit, 44.1 kHz"
F_ARGS[alac]="-af aresample=44100:resampler=soxr:osf=s16:dither_method=triangular -c:a alac -sample_fmt s16p"
F_EXT[wav22k]=wav;      F_DESC[wav22k]="WAV, PCM 16-bit, 22.05 kHz stereo, RIFF INFO tags"
F_ARGS[wav22k]="-af aresample=22050:resampler=soxr:osf=s16:dither_method=triangular -c:a pcm_s16le"
F_EXT[aiff_mono]=aiff;  F_DESC[aiff_mono]="AIFF, PCM 16-bit, 44.1 kHz, mono (downmixed)"
F_ARGS[aiff_mono]="-af pan=mono|c0=0.5*c0+0.5*c1,aresample=44100:resampler=soxr:osf=s16:dither_method=triangular -c:a pcm_s16be"

# ---------------------------------------------------------------------------
# Cover art: our own simple generated images (gradient, a geometric motif,
# album title and artist). Licensed CC BY-SA 3.0, see CREDITS.md.
# ---------------------------------------------------------------------------
motif_draw() { # motif -> ImageMagick -draw primitives
  case "$1" in
    orbit)   echo "circle 250,200 250,80 circle 250,200 250,130 circle 250,200 250,185" ;;
    slashes) echo "line 120,60 220,300 line 200,50 300,300 line 280,60 380,300 line 100,180 400,180" ;;
    bars)    local d="" x h i=0
             for h in 60 120 180 90 200 140 70 160 110; do
               x=$((110 + i * 32)); d+="rectangle $x,$((290 - h)) $((x + 20)),290 "; i=$((i + 1))
             done; echo "$d" ;;
    diamond) echo "polygon 250,50 370,180 250,310 130,180 polygon 250,100 325,180 250,260 175,180 line 250,50 250,310" ;;
    pixels)  local d="" r c
             # an 8x8 snowflake-like pixel pattern, 24 px per pixel
             for r in 0 1 2 3 4 5 6 7; do for c in 0 1 2 3 4 5 6 7; do
               if (( (r == c) || (r + c == 7) || (r == 3 && c > 0 && c < 7) || (c == 3 && r > 0 && r < 7) )); then
                 d+="rectangle $((154 + c * 24)),$((80 + r * 24)) $((154 + c * 24 + 20)),$((80 + r * 24 + 20)) "
               fi
             done; done; echo "$d" ;;
  esac
}
make_cover() { # album_key out.jpg
  local k=$1 o=$2 font=DejaVu-Sans font_b=DejaVu-Sans-Bold title=${A_TITLE[$1]} artist=${A_ARTIST[$1]}
  local stroke='rgba(255,255,255,0.45)'
  case "${A_MOTIF[$k]}" in slashes|diamond) font=DejaVu-Serif; font_b=DejaVu-Serif-Bold ;; esac
  if [ "${A_MOTIF[$k]}" = slashes ]; then   # metal: red strokes, upper case
    stroke='rgba(230,50,40,0.85)'; title=${title^^}; artist=${artist^^}
  fi
  "$IM" -size 500x500 -define gradient:angle=135 "gradient:${A_COLORS[$k]}" \
    -fill 'rgba(255,255,255,0.12)' -stroke "$stroke" -strokewidth 3 \
    -draw "$(motif_draw "${A_MOTIF[$k]}")" \
    -fill none -stroke 'rgba(255,255,255,0.5)' -strokewidth 1 -draw 'rectangle 20,20 479,479' \
    \( -size 420x -background none -fill white -stroke none -font "$font_b" -pointsize 32 \
       -gravity center "caption:$title" \) \
    -gravity north -geometry +0+335 -composite \
    -stroke none -fill 'rgba(255,255,255,0.85)' -font "$font" -pointsize 22 \
    -gravity south -annotate +0+38 "$artist" \
    -strip -sampling-factor 4:2:0 -quality 88 "$o"
}

# Base64 FLAC METADATA_BLOCK_PICTURE, the standard way to embed a cover in
# Ogg Vorbis/Opus comments (ffmpeg cannot mux a picture stream into Ogg).
picture_block_b64() { # jpg
  python3 - "$1" <<'PY'
import base64, struct, sys
data = open(sys.argv[1], 'rb').read()
mime, desc = b'image/jpeg', b'Cover (front)'
blk = struct.pack('>II', 3, len(mime)) + mime + struct.pack('>I', len(desc)) + desc
blk += struct.pack('>IIIII', 500, 500, 24, 0, len(data)) + data
print(base64.b64encode(blk).decode())
PY
}

# ---------------------------------------------------------------------------
# Audio helpers
# ---------------------------------------------------------------------------
fmt_time() { awk -v s="$1" 'BEGIN{printf "%d:%02d", int(s/60), s%60}'; }

# Cut the excerpt (and mix stems) into a 32-bit float WAV with short fades.
# Summed Frets on Fire stems peak above full scale, so any excerpt whose
# peak exceeds -1 dBFS is scaled down (a plain gain, no limiter).
render() { # srcA srcB|"" start len out.wav -> prints the gain applied (dB)
  local a=$1 b=$2 ss=$3 len=$4 o=$5 fade_in=1.5 fade_out=3
  if [ "$len" -le 10 ]; then fade_in=0.3; fade_out=1; fi
  local fades="afade=t=in:d=$fade_in,afade=t=out:st=$(awk -v l="$len" -v f="$fade_out" 'BEGIN{print l-f}'):d=$fade_out"
  if [ -n "$b" ]; then
    ff -ss "$ss" -t "$len" -i "$a" -ss "$ss" -t "$len" -i "$b" \
       -filter_complex "[0:a][1:a]amix=inputs=2:normalize=0,$fades" -c:a pcm_f32le "$o.tmp.wav"
  else
    ff -ss "$ss" -t "$len" -i "$a" -af "$fades" -c:a pcm_f32le "$o.tmp.wav"
  fi
  local peak gain
  peak=$(ffmpeg -nostdin -hide_banner -i "$o.tmp.wav" -af astats=measure_perchannel=none -f null - 2>&1 \
         | sed -n 's/.*Peak level dB: *//p' | tail -n1)
  gain=$(awk -v p="$peak" 'BEGIN{ if (p > -1.0) printf "%.2f", -1.0 - p; else print "0" }')
  if [ "$gain" != 0 ]; then
    ff -i "$o.tmp.wav" -af "volume=${gain}dB" -c:a pcm_f32le "$o"; rm -f "$o.tmp.wav"
  else
    mv "$o.tmp.wav" "$o"
  fi
  echo "$gain"
}

# Integrated loudness (LUFS, EBU R128) and sample peak (dBFS) of an audio
# stream. The ebur128 summary only prints one decimal, so the loudness is
# read from the filter's per-frame metadata (the last value is the integrated
# loudness of the whole stream) and the peak from astats.
MEASURE="ebur128=metadata=1,ametadata=print:key=lavfi.r128.I:file=$work/r128.txt,astats=measure_perchannel=none"
loudness() { # ffmpeg input and -filter_complex args (graph ends in $MEASURE) -> "LUFS PEAK_DBFS"
  local peak lufs
  peak=$(ffmpeg -nostdin -hide_banner "$@" -f null - 2>&1 | sed -n 's/.*Peak level dB: *//p' | tail -n1)
  lufs=$(sed -n 's/^lavfi.r128.I=//p' "$work/r128.txt" | tail -n1)
  echo "$lufs $peak"
}

# Encode one track from its rendered WAV, with tags and cover.
encode() { # key fmt wav out disc track title artist composer date [extra -metadata args...]
  local k=$1 fmt=$2 wav=$3 o=$4 disc=$5 trk=$6 title=$7 artist=$8 composer=$9 date=${10}
  shift 10
  local ext=${F_EXT[$fmt]} inputs=(-i "$wav") maps=(-map 0:a) meta=() cover=()
  local args; read -ra args <<<"${F_ARGS[$fmt]}"   # split on spaces, no globbing
  if [ "${A_TAGS[$k]}" = 1 ]; then
    meta+=(-metadata "title=$title" -metadata "artist=$artist" -metadata "album=${A_TITLE[$k]}"
           -metadata "album_artist=${A_ARTIST[$k]}" -metadata "genre=${A_GENRE[$k]}")
    [ "$composer" = - ] || meta+=(-metadata "composer=$composer")
    [ "$date" = - ] || meta+=(-metadata "date=$date")
    local tt=${A_TRACKS[$k]} dt=${A_DISCS[$k]}
    case "$ext" in
      ogg|opus|flac)   # Vorbis comments: separate TRACKTOTAL/DISCTOTAL fields
        meta+=(-metadata "track=$trk" -metadata "disc=$disc" -metadata "DISCTOTAL=$dt")
        [ "$tt" = - ] || meta+=(-metadata "TRACKTOTAL=$tt") ;;
      mp3|m4a)         # ID3 TRCK/TPOS and MP4 trkn/disk hold "n/total"
        if [ "$tt" = - ]; then meta+=(-metadata "track=$trk"); else meta+=(-metadata "track=$trk/$tt"); fi
        meta+=(-metadata "disc=$disc/$dt") ;;
      wav)             # RIFF INFO has no disc/total fields
        meta+=(-metadata "track=$trk") ;;
    esac
    # ffmpeg 5.1 writes an MP3 "comment" as TXXX:comment, not COMM: skip it there.
    [ "$ext" = mp3 ] || meta+=(-metadata "comment=Excerpt, see CREDITS.md of the Segue demo library")
    meta+=("$@")
  fi
  [ "$ext" = mp3 ] && meta+=(-metadata:s:a "encoder=LAME3.100")  # vendor string of the LAME tag
  if [ "${A_COVER[$k]}" = embed ]; then
    case "$ext" in
      mp3|m4a|flac)
        inputs+=(-i "$work/cover-$k.jpg"); maps+=(-map 1:v)
        cover=(-c:v copy -disposition:v:0 attached_pic -metadata:s:v "title=Album cover"
               -metadata:s:v "comment=Cover (front)") ;;
      ogg|opus)
        meta+=(-metadata "METADATA_BLOCK_PICTURE=$(picture_block_b64 "$work/cover-$k.jpg")") ;;
    esac
  fi
  if [ "${A_TAGS[$k]}" = 0 ] && [[ "$ext" == ogg || "$ext" == opus ]]; then
    # ffmpeg always adds an ENCODER comment when encoding; a stream-copy
    # remux drops it, leaving Ogg files with no tags at all.
    ff "${inputs[@]}" "${maps[@]}" -map_metadata -1 "${BITEXACT[@]}" "${args[@]}" "$o.tmp.$ext"
    ff -i "$o.tmp.$ext" -map 0:a -c copy -map_metadata -1 "${BITEXACT[@]}" "$o"
    rm -f "$o.tmp.$ext"
  else
    ff "${inputs[@]}" "${maps[@]}" -map_metadata -1 -map_chapters -1 "${BITEXACT[@]}" \
       "${args[@]}" "${cover[@]}" "${meta[@]}" "$o"
  fi
}

rg_fmt() { # LUFS PEAK_DBFS -> "GAIN dB|PEAK": ReplayGain 2.0 gain to -18 LUFS, linear peak
  awk -v i="$1" -v p="$2" 'BEGIN{g = sprintf("%.2f", -18 - i); if (g == "-0.00") g = "0.00"
    printf "%s dB|%.6f\n", g, exp(p / 20 * log(10))}'
}

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------
echo "== covers"
for k in "${!A_COVER[@]}"; do
  [ "${A_COVER[$k]}" = none ] || make_cover "$k" "$work/cover-$k.jpg"
  if [ "${A_COVER[$k]}" = file ]; then
    mkdir -p "$stage/${A_DIR[$k]}"; cp "$work/cover-$k.jpg" "$stage/${A_DIR[$k]}/cover.jpg"
  fi
done

credits_rows="$work/credits.tsv"; : >"$credits_rows"
declare -A RG_FILES   # album -> newline-separated list of "index" for the ReplayGain pass
i=0
while IFS='|' read -r k disc trk title artist composer date srcs ss len fmt; do
  i=$((i + 1))
  pkg=${A_PKG[$k]}; base="$cache/$pkg/${PKG_DIR[$pkg]}"
  a=${srcs%%+*}; b=""; [ "$a" = "$srcs" ] || b=${srcs#*+}
  a="$base/$a"; [ -z "$b" ] || b="$base/$b"
  nn=$(printf '%02d' "$trk")
  rel="${A_DIR[$k]}/$nn ${title//\//-}.${F_EXT[$fmt]}"
  mkdir -p "$stage/${A_DIR[$k]}"
  echo "== $rel"
  wav="$work/t$i.wav"
  gain=$(render "$a" "$b" "$ss" "$len" "$wav")
  encode "$k" "$fmt" "$wav" "$stage/$rel" "$disc" "$trk" "$title" "$artist" "$composer" "$date"
  # Remember what CREDITS.md needs: original file name, its copyright tag, the edits.
  orig=$srcs
  src_copy=$(ffprobe -v error -select_streams a:0 -show_entries stream_tags=COPYRIGHT -of csv=p=0 "$a" || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rel" "$k" "$pkg" "$orig" "$title" \
    "$artist" "$composer" "$ss" "$len" "$fmt" "$gain" "$src_copy" >>"$credits_rows"
  if [ "${A_RG[$k]}" = 1 ]; then
    RG_FILES[$k]+="$i|$disc|$trk|$title|$artist|$composer|$date|$fmt|$rel"$'\n'
  fi
done <<<"$tracks"

# ReplayGain: measure the encoded files (what a player will decode), then
# encode again from the same WAVs with the tags added. The encoders are
# deterministic, so the audio is identical to what was measured.
for k in "${!RG_FILES[@]}"; do
  echo "== ReplayGain: ${A_TITLE[$k]}"
  mapfile -t rows < <(printf '%s' "${RG_FILES[$k]}")
  declare -A TG=() TP=()
  inputs=(); graph=""; n=0; album_peak=-1000
  for row in "${rows[@]}"; do
    IFS='|' read -r idx disc trk title artist composer date fmt rel <<<"$row"
    read -r lufs peak < <(loudness -i "$stage/$rel" -filter_complex "[0:a:0]$MEASURE")
    IFS='|' read -r g p < <(rg_fmt "$lufs" "$peak")
    TG[$idx]="$g"; TP[$idx]="$p"
    album_peak=$(awk -v a="$album_peak" -v b="$peak" 'BEGIN{print (b > a) ? b : a}')
    inputs+=(-i "$stage/$rel")
    graph+="[$n:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a$n];"
    n=$((n + 1))
  done
  concat=""; for ((j = 0; j < n; j++)); do concat+="[a$j]"; done
  read -r album_lufs _ < <(loudness "${inputs[@]}" -filter_complex "${graph}${concat}concat=n=$n:v=0:a=1,$MEASURE")
  IFS='|' read -r ag ap < <(rg_fmt "$album_lufs" "$album_peak")
  for row in "${rows[@]}"; do
    IFS='|' read -r idx disc trk title artist composer date fmt rel <<<"$row"
    encode "$k" "$fmt" "$work/t$idx.wav" "$work/rg.${F_EXT[$fmt]}" "$disc" "$trk" "$title" "$artist" "$composer" "$date" \
      -metadata "REPLAYGAIN_TRACK_GAIN=${TG[$idx]}" -metadata "REPLAYGAIN_TRACK_PEAK=${TP[$idx]}" \
      -metadata "REPLAYGAIN_ALBUM_GAIN=$ag" -metadata "REPLAYGAIN_ALBUM_PEAK=$ap"
    mv "$work/rg.${F_EXT[$fmt]}" "$stage/$rel"
    echo "   $rel: track ${TG[$idx]} / ${TP[$idx]}, album $ag / $ap (album $album_lufs LUFS)"
  done
  unset TG TP
done

# ---------------------------------------------------------------------------
# CREDITS.md
# ---------------------------------------------------------------------------
echo "== CREDITS.md"
{
  cat <<'EOF'
# Demo library credits

Everything in this folder is generated by `scripts/make-demo-library.sh` from
music shipped in Debian packages (fetched with `scripts/fetch-test-music.sh`).
Each audio file is a short **excerpt** of a freely licensed game soundtrack
track, **modified** as listed below (cut, faded in and out, Frets on Fire
guitar and backing stems mixed into one track, level lowered where the mix
would clip, resampled and transcoded). The changes are ours; the music is the
work of the composers named below, who do not endorse this project.

Each file keeps the licence of the work it is made from:

* CC BY-SA 3.0 files are adaptations licensed under the same licence,
  Creative Commons Attribution-ShareAlike 3.0 Unported,
  https://creativecommons.org/licenses/by-sa/3.0/ (legal code:
  https://creativecommons.org/licenses/by-sa/3.0/legalcode). You may share and
  adapt them, including commercially, if you give appropriate credit, indicate
  changes, and distribute your adaptations under the same licence. The works
  are provided as-is, without warranties.
* GPL-2+ files are modified versions distributed under the GNU General Public
  License, version 2 or (at your option) any later version,
  https://www.gnu.org/licenses/old-licenses/gpl-2.0.html. They are distributed
  WITHOUT ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or
  FITNESS FOR A PARTICULAR PURPOSE. The complete corresponding source is the
  original Ogg Vorbis file in the Debian package named for each file (source
  packages `wesnoth-1.16` and `supertux` on https://sources.debian.org/) plus
  `scripts/make-demo-library.sh` in this repository, which performs every
  modification.
* Expat (MIT) files carry the copyright and permission notice reproduced in
  "Licence texts" below.

This notice and the credits below must be kept with any copy of these files.

## Cover images

The `cover.jpg` files and the covers embedded in the files of "Endgame:
Singularity Original Soundtrack", "Mutilated Mime" and Sectoid's "Frets on
Fire Soundtrack" are simple gradient-and-text images generated with ImageMagick
by `scripts/make-demo-library.sh` (no third-party artwork; fonts: DejaVu). They
are licensed under CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/)
by the Segue contributors. Embedding them in a file does not change the
licence of the music in that file.

## Files

EOF
  while IFS=$'\t' read -r rel k pkg orig title artist composer ss len fmt gain src_copy; do
    ver=$(cat "$cache/$pkg/.version")
    mods="excerpt $(fmt_time "$ss")–$(fmt_time $((ss + len))) of the original"
    case "$orig" in *+*) mods+=", backing and guitar stems mixed into one track with ffmpeg amix" ;; esac
    mods+=", faded in/out"
    [ "$gain" = 0 ] || mods+=", level changed by ${gain} dB to avoid clipping"
    mods+=", transcoded to ${F_DESC[$fmt]}"
    [ "${A_TAGS[$k]}" = 1 ] && mods+=", tags rewritten" || mods+=", all tags removed"
    [ "${A_RG[$k]}" = 1 ] && mods+=", ReplayGain tags added"
    [ "${A_COVER[$k]}" = embed ] && mods+=", generated cover embedded"
    who=$artist; [ "$who" = - ] && who="Shawn Parrotte (NeonCorridor)"
    [ "$composer" = - ] || [ "$composer" = "$artist" ] || who+=" (composer: $composer)"
    echo "### \`$rel\`"
    echo
    case "$orig" in
      *+*) files="files \`${orig%%+*}\` (backing) and \`${orig#*+}\` (guitar)" ;;
      *)   files="file \`$orig\`" ;;
    esac
    echo "* Original work: \"$title\", $files in \`/${PKG_DIR[$pkg]}/\` of Debian package \`$pkg\` version $ver"
    echo "* Composer/artist: $who"
    echo "* Licence: ${PKG_LICENSE[$pkg]}"
    echo "* Copyright: ${PKG_COPYRIGHT[$pkg]}"
    [ -z "$src_copy" ] || echo "* Copyright tag of the original file: $src_copy"
    echo "* Modifications: $mods"
    echo
  done <"$credits_rows"
  cat <<'EOF'
## Licence texts

### Muldjord (fretsonfire-songs-muldjord): the author's notice

The author asks for this text to be included with redistributions:

> This song was composed by El Senator of the danish metal band Muldjord. It
> is licensed under the Creative Commons Attribute Share-Alike license which
> can be viewed at http://creativecommons.org/licenses/by-sa/3.0 or in the
> included license.txt file.
>
> Feel free to adapt my work to suit your needs, as long as you give credit to
> Muldjord as the original author and make sure to include this text file and
> the license with the redistribution of the work.
>
> Thank you,
> El Senator
> www.muldjord.com

### Sectoid (fretsonfire-songs-sectoid): Expat licence

> The songs, performances and fret files are all Copyright (c) 2006/2007  Carlos
> Viola Iborra <karuritosu@gmail.com>
>
> Permission is hereby granted, free of charge, to any person obtaining a copy
> of this software and associated documentation files (the "Software"), to deal
> in the Software without restriction, including without limitation the rights
> to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
> copies of the Software, and to permit persons to whom the Software is
> furnished to do so, subject to the following conditions:
>
> The above copyright notice and this permission notice shall be included in
> all copies or substantial portions of the Software.
>
> THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
> IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
> FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
> AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
> LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
> OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
> THE SOFTWARE.

### GPL-2+ (wesnoth-1.16-music, supertux-data)

> This program is free software; you can redistribute it and/or modify it
> under the terms of the GNU General Public License as published by the Free
> Software Foundation; either version 2 of the License, or (at your option)
> any later version.
>
> This program is distributed in the hope that it will be useful, but WITHOUT
> ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or
> FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public License for
> more details.

Full text: https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt

### CC BY-SA 3.0 (singularity-music, hyperrogue-music, fretsonfire-songs-muldjord, covers)

Creative Commons Attribution-ShareAlike 3.0 Unported, full legal code:
https://creativecommons.org/licenses/by-sa/3.0/legalcode
EOF
} >"$stage/CREDITS.md"

# Replace the old demo library only once everything was built.
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$stage" "$out"

# ---------------------------------------------------------------------------
# Verify: every file decodes without errors; print format, duration and tags.
# ---------------------------------------------------------------------------
echo
printf '%-70s %-9s %-11s %3s %6s %7s %-5s %-3s %-3s %s\n' file codec "rate/bits" ch "dur s" KiB tags RG pic "xing"
fail=0
while IFS= read -r f; do
  rel=${f#"$out/"}
  errs=$(ffmpeg -nostdin -v error -i "$f" -map 0:a -f null - 2>&1 || echo "ffmpeg failed")
  [ -z "$errs" ] || { echo "DECODE ERROR in $rel: $errs" >&2; fail=1; }
  info=$(ffprobe -v error -select_streams a:0 -show_entries \
    stream=codec_name,sample_rate,channels,bits_per_raw_sample,bits_per_sample,sample_fmt:format=duration \
    -of default=nw=1 "$f")
  get() { sed -n "s/^$1=//p" <<<"$info" | head -n1; }
  bits=$(get bits_per_raw_sample); { [ -z "$bits" ] || [ "$bits" = 0 ] || [ "$bits" = N/A ]; } && bits=$(get bits_per_sample)
  { [ -z "$bits" ] || [ "$bits" = 0 ] || [ "$bits" = N/A ]; } && bits=-
  tags=$(ffprobe -v error -select_streams a:0 -show_entries format_tags:stream_tags -of default=nw=1 "$f" | tr 'A-Z' 'a-z')
  has() { grep -qE "^tag:($1)=" <<<"$tags"; }
  t=""; has title && t+=T; has artist && t+=A; has album && t+=L; has 'track|tracknumber' && t+=N
  [ -n "$t" ] || t=none
  t+="/$(grep -c '^tag:' <<<"$tags" || true)"   # and how many tags in all
  rg=no; has replaygain_track_gain && has replaygain_album_gain && rg=yes
  pic=no; ffprobe -v error -show_entries stream_disposition=attached_pic -of csv=p=0 "$f" | grep -q 1 && pic=yes
  xing=-
  if [[ "$f" == *.mp3 ]]; then
    # The Xing/Info header sits in the first MPEG frame after the ID3v2 tag.
    xing=$(python3 - "$f" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
off = 0
if d[:3] == b'ID3':
    s = d[6:10]; off = 10 + ((s[0] << 21) | (s[1] << 14) | (s[2] << 7) | s[3])
frame = d[off:off + 2048]
tag = 'Xing' if b'Xing' in frame else 'Info' if b'Info' in frame else 'none'
print(tag + ('+LAME' if b'LAME' in frame else ''))
PY
)
    [[ "$xing" == *LAME* ]] || { echo "missing Xing/LAME header in $rel" >&2; fail=1; }
  fi
  printf '%-70s %-9s %-11s %3s %6.1f %7d %-5s %-3s %-3s %s\n' "$rel" "$(get codec_name)" \
    "$(get sample_rate)/$bits" "$(get channels)" "$(get duration)" $(( $(stat -c %s "$f") / 1024 )) "$t" "$rg" "$pic" "$xing"
done < <(find "$out" -type f \( -name '*.flac' -o -name '*.mp3' -o -name '*.ogg' -o -name '*.opus' \
         -o -name '*.m4a' -o -name '*.wav' -o -name '*.aiff' \) | sort)
echo "(tags: T=title A=artist L=album N=track number / number of tags; pic = embedded cover)"
echo
find "$out" -name cover.jpg | sort | sed "s|^$out/|cover.jpg beside files: |"
du -sh "$out"
[ "$fail" = 0 ] || { echo "verification FAILED" >&2; exit 1; }
