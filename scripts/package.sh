#!/usr/bin/env bash
# Builds Segue's release binaries and packs them, with everything they need, into a .deb:
# segue-app and the `segue` command (/usr/bin), the models with their cards and the ONNX
# Runtime library (/usr/lib/segue, found relative to the binaries), the desktop entry with its
# icon and audio types, and the AppStream metadata. Prints where the package is.
#
#   bash scripts/package.sh              # target/release/bundle/deb/segue_<version>_<arch>.deb
#   bash scripts/package.sh --appimage   # an AppImage too: Tauri's bundler downloads its tools
#                                        # (linuxdeploy) from GitHub, which no registry serves
#
# Install it with `sudo apt install ./target/release/bundle/deb/segue_*.deb`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

BUNDLES=deb
case "${1:-}" in
  "") ;;
  --appimage) BUNDLES=deb,appimage ;;
  *) echo "usage: bash scripts/package.sh [--appimage]" >&2; exit 2 ;;
esac

START=$(date +%s)
step() { printf '==> [%4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

step "ONNX Runtime (the package carries the library scripts/fetch-onnxruntime.sh fetched)"
bash scripts/fetch-onnxruntime.sh
if [ -e .local/onnxruntime/lib/libonnxruntime_providers_cuda.so ]; then
  echo "package: .local/onnxruntime holds the CUDA build; the package carries the CPU build" >&2
  exit 1
fi

if [ ! -x ui/node_modules/.bin/tauri ]; then
  step "the UI's npm packages (Tauri's bundler among them)"
  (cd ui && npm ci --no-audit --no-fund)
fi

step "the segue command (release)"
cargo build --release --locked -p segue-cli

# Tauri's bundler builds the UI (beforeBuildCommand), segue-app in release, then the package
# from src-tauri/tauri.conf.json (bundle.linux.deb.files lists what it carries besides the app).
step "segue-app (release) and the package"
rm -f target/release/bundle/deb/*.deb
ui/node_modules/.bin/tauri build --ci --bundles "$BUNDLES" -- --locked

# Tauri names the file after the product (Segue_0.1.0_amd64.deb); Debian after the package.
for built in target/release/bundle/deb/Segue_*.deb; do
  mv "$built" "target/release/bundle/deb/segue_${built##*/Segue_}"
done
DEB="$(ls target/release/bundle/deb/segue_*.deb)"
step "done: $DEB ($(du -h "$DEB" | cut -f1))"
if [ "$BUNDLES" != deb ]; then
  ls -l target/release/bundle/appimage/*.AppImage
fi
