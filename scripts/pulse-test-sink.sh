#!/usr/bin/env bash
# Starts (or reuses) a private PulseAudio daemon with a null sink named segue_test_sink at
# 48 kHz stereo, for tests that play real audio and capture it from the sink's monitor.
# Source it so the environment points at the daemon:  source scripts/pulse-test-sink.sh
# ALSA's default device then routes to it (libasound2-plugins), which is what cpal opens.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# SEGUE_PULSE_RUNTIME puts the daemon's socket elsewhere (the package test hides the checkout).
export XDG_RUNTIME_DIR="${SEGUE_PULSE_RUNTIME:-$ROOT/target/pulse-runtime}"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
if ! pactl info >/dev/null 2>&1; then
  pulseaudio --daemonize=yes --exit-idle-time=-1 -n --system=false \
    --load="module-native-protocol-unix auth-anonymous=1" \
    --load="module-null-sink sink_name=segue_test_sink rate=48000 channels=2" \
    --load=module-always-sink >/dev/null 2>&1 || true
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
fi
if pactl info >/dev/null 2>&1; then
  pactl set-default-sink segue_test_sink
  echo "PulseAudio test sink ready (XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR)"
else
  echo "PulseAudio could not be started: playback tests will fail" >&2
fi
