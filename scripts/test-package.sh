#!/usr/bin/env bash
# Builds the .deb (scripts/package.sh) and tests it from outside: unpacked with `dpkg -x` into a
# temporary root and run from `/` with the source checkout hidden, `segue doctor`, an import of
# the demo library and the app's first window under Xvfb (tests/e2e/test_package.py). Prints the
# package's size and the time from unpacking to the first window.
#
#   bash scripts/test-package.sh              # build, then test
#   bash scripts/test-package.sh PATH.deb     # test a package built before
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [ $# -ge 1 ]; then
  DEB="$(realpath "$1")"
else
  START=$(date +%s)
  bash scripts/package.sh
  echo "==> release build and package: $(( $(date +%s) - START )) s"
  DEB="$(realpath "$(ls -t target/release/bundle/deb/segue_*.deb | head -n1)")"
fi
# Every dependency the package declares is one apt can install here.
apt-get install --simulate --no-install-recommends "$DEB" >/dev/null
# The window plays an opened file: into a PulseAudio null sink, as the other end-to-end tests,
# whose socket is outside the checkout (the test hides the checkout from the package's programs).
export SEGUE_PULSE_RUNTIME
SEGUE_PULSE_RUNTIME="$(mktemp -d /tmp/segue-package-test.XXXXXX)"
# A display of its own: other end-to-end runs on this machine may come and go on :99.
XVFB_PID=
trap 'XDG_RUNTIME_DIR="$SEGUE_PULSE_RUNTIME" pulseaudio --kill 2>/dev/null; rm -rf "$SEGUE_PULSE_RUNTIME"; [ -z "$XVFB_PID" ] || kill "$XVFB_PID"' EXIT
source scripts/pulse-test-sink.sh
for n in $(seq 120 199); do
  [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] && continue
  Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$n"
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
  break
done
SEGUE_PACKAGE_DEB="$DEB" .local/venv/bin/pytest -q -s -rs tests/e2e/test_package.py
