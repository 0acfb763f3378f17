#!/usr/bin/env bash
# Puts the ONNX Runtime shared library that `ort` loads (feature load-dynamic) under
# .local/onnxruntime/lib. It comes from the official PyPI wheel: crates.io's `ort` would
# download from a CDN at build time, which Segue never does. Idempotent.
#
#   bash scripts/fetch-onnxruntime.sh          # the CPU build (onnxruntime): what Segue uses
#                                              # and what the package carries
#   bash scripts/fetch-onnxruntime.sh --cuda   # the GPU build (onnxruntime-gpu), with its CUDA
#                                              # provider, in .local/onnxruntime-cuda/lib; point
#                                              # SEGUE_ORT_LIB at it (see the README)
set -euo pipefail

VERSION="${ONNXRUNTIME_VERSION:-1.31.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-}" in
  "") WHEEL_NAME=onnxruntime DEST="$ROOT/.local/onnxruntime" ;;
  --cuda) WHEEL_NAME=onnxruntime-gpu DEST="$ROOT/.local/onnxruntime-cuda" ;;
  *) echo "usage: bash scripts/fetch-onnxruntime.sh [--cuda]" >&2; exit 2 ;;
esac
LIB="$DEST/lib/libonnxruntime.so.$VERSION"

if [ -f "$LIB" ]; then
  echo "ONNX Runtime $VERSION ($WHEEL_NAME): $LIB"
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
  "$WHEEL_NAME==$VERSION" -d "$TMP"
WHEEL="$(ls "$TMP"/"${WHEEL_NAME//-/_}"-"$VERSION"-*.whl)"
mkdir -p "$DEST/lib"
# The runtime, and for the GPU build the providers it loads from its own folder
# (libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so).
python3 - "$WHEEL" "$DEST/lib" "$VERSION" <<'PY'
import pathlib, re, sys, zipfile
wheel, dest, version = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    runtime = [n for n in names if n.endswith(f"capi/libonnxruntime.so.{version}")]
    if not runtime:
        sys.exit(f"libonnxruntime.so.{version} not found in {wheel}")
    providers = [n for n in names
                 if re.search(r"capi/libonnxruntime_providers_(shared|cuda)\.so$", n)]
    for name in runtime + providers:
        (dest / pathlib.PurePosixPath(name).name).write_bytes(z.read(name))
    lic = [n for n in names if n.endswith("LICENSE") or n.endswith("LICENSE.txt")]
    if lic:
        (dest / "LICENSE-onnxruntime.txt").write_bytes(z.read(lic[0]))
    # What CUDA and cuDNN the GPU build needs (the wheel's `cuda` and `cudnn` extras).
    meta = [n for n in names if n.endswith(".dist-info/METADATA")]
    if providers and meta:
        needs = [l.split(":", 1)[1].strip() for l in z.read(meta[0]).decode().splitlines()
                 if l.startswith("Requires-Dist:") and "nvidia" in l]
        if needs:
            (dest / "CUDA-REQUIREMENTS.txt").write_text("\n".join(needs) + "\n")
PY
ln -sf "libonnxruntime.so.$VERSION" "$DEST/lib/libonnxruntime.so.1"
ln -sf "libonnxruntime.so.1" "$DEST/lib/libonnxruntime.so"
echo "ONNX Runtime $VERSION ($WHEEL_NAME): $LIB ($(du -h "$LIB" | cut -f1))"
if [ "$WHEEL_NAME" = onnxruntime-gpu ]; then
  echo "Use it:  export SEGUE_ORT_LIB=$DEST/lib/libonnxruntime.so   (segue doctor shows the CUDA provider)"
  if [ -f "$DEST/lib/CUDA-REQUIREMENTS.txt" ]; then
    echo "It needs these CUDA libraries on the loader's path:"
    sed 's/^/  /' "$DEST/lib/CUDA-REQUIREMENTS.txt"
  fi
fi
