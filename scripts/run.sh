#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install everything, build, and start Segue.
# On first start Segue imports the bundled demo library (assets/demo) into a SQLite database
# in your data directory (~/.local/share/segue/library.sqlite; override with SEGUE_DB).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SEGUE_SKIP_TEST_TOOLS=1 bash scripts/install-deps.sh
echo "==> building the UI and the app (the first build takes several minutes)"
(cd ui && npm run build --silent)
cargo build -p segue-app -p segue-cli
export SEGUE_ORT_LIB="$ROOT/.local/onnxruntime/lib/libonnxruntime.so"
echo "==> starting Segue"
exec ./target/debug/segue-app "$@"
