#!/usr/bin/env bash
# Installs everything Segue needs on Debian 12 (build, run and test), idempotently:
# Debian packages, the ONNX Runtime library (PyPI wheel), the UI's npm packages, and the
# test tools (tauri-driver, a Python venv with selenium + pytest). Safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  # build
  build-essential pkg-config cmake curl ca-certificates python3 python3-venv python3-pip
  # Tauri 2 / WebKitGTK
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev
  # audio output (rodio/cpal via ALSA, routed to PulseAudio)
  libasound2-dev pulseaudio pulseaudio-utils libasound2-plugins
  # tests: a virtual display, the WebKit WebDriver, screenshots
  xvfb webkit2gtk-driver imagemagick x11-utils dbus libdbus-1-dev
  # the zh-CN screenshots: a CJK font, or every character is a box
  fonts-wqy-zenhei
  # e2e: answering the desktop's own file chooser as a person would (keys into the X display)
  xdotool
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is needed: install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "==> apt: installing nodejs and npm"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq nodejs npm >/dev/null
fi

echo "==> ONNX Runtime"
bash scripts/fetch-onnxruntime.sh

echo "==> UI packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)

if [ "${SEGUE_SKIP_TEST_TOOLS:-0}" != 1 ]; then
  if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
    echo "==> tauri-driver (WebDriver bridge for end-to-end tests)"
    cargo install tauri-driver --locked --version 2.1.0 --quiet
  fi
  if [ ! -x .local/venv/bin/pytest ]; then
    echo "==> Python test tools"
    python3 -m venv .local/venv
    .local/venv/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
  fi
fi
echo "==> dependencies ready"
