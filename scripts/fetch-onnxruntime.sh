#!/usr/bin/env bash
# Puts the ONNX Runtime shared library that `ort` loads (feature load-dynamic) under
# .local/onnxruntime/lib. It comes from the official PyPI wheel: crates.io's `ort` would
# download from a CDN at build time, which Segue never does. Idempotent.
set -euo pipefail

VERSION="${ONNXRUNTIME_VERSION:-1.31.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/.local/onnxruntime"
LIB="$DEST/lib/libonnxruntime.so.$VERSION"

if [ -f "$LIB" ]; then
  echo "ONNX Runtime $VERSION: $LIB"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM=manylinux_2_28_x86_64 ;;
  Linux-aarch64) PLATFORM=manylinux_2_28_aarch64 ;;
  *) echo "fetch-onnxruntime: no recipe for $(uname -sm); see README" >&2; exit 1 ;;
esac

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --python-version 3.11 --platform "$PLATFORM" \
  "onnxruntime==$VERSION" -d "$TMP"
WHEEL="$(ls "$TMP"/onnxruntime-"$VERSION"-*.whl)"
mkdir -p "$DEST/lib"
python3 - "$WHEEL" "$DEST/lib" "$VERSION" <<'PY'
import sys, zipfile, pathlib
wheel, dest, version = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith(f"capi/libonnxruntime.so.{version}")]
    if not names:
        sys.exit(f"libonnxruntime.so.{version} not found in {wheel}")
    (dest / f"libonnxruntime.so.{version}").write_bytes(z.read(names[0]))
    lic = [n for n in z.namelist() if n.endswith("LICENSE") or n.endswith("LICENSE.txt")]
    if lic:
        (dest / "LICENSE-onnxruntime.txt").write_bytes(z.read(lic[0]))
PY
ln -sf "libonnxruntime.so.$VERSION" "$DEST/lib/libonnxruntime.so.1"
ln -sf "libonnxruntime.so.1" "$DEST/lib/libonnxruntime.so"
echo "ONNX Runtime $VERSION: $LIB ($(du -h "$LIB" | cut -f1))"
