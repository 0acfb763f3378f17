#!/usr/bin/env bash
# Re-create the musicnn ONNX models, their labels and model cards, and the reference outputs.
#
#   bash models/export/run.sh
#
# Creates (once) a venv at .cache/musicnn-venv (gitignored) with the pinned packages of
# models/export/requirements.txt, installs musicnn 0.1.0 with --no-deps, then runs
# export_musicnn.py (models/musicnn-{msd,mtt}.{onnx,labels.txt,md}) and make_references.py
# (tests/fixtures/musicnn/). Safe to re-run: the venv is reused while the requirement files
# are unchanged. Needs Python 3.11 (set PYTHON=/path/to/python3.11 to choose one) and access
# to PyPI on the first run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE=models/export
VENV=.cache/musicnn-venv

# Keep CPU use modest.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
export TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 TF_CPP_MIN_LOG_LEVEL=2
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      PYTHON="$cand"; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "run.sh: Python 3.11 is required (set PYTHON=...)" >&2; exit 1; }

STAMP="$VENV/.segue-requirements.sha256"
WANT="$(cat "$HERE/requirements.txt" "$HERE/requirements-nodeps.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV with $PYTHON"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "== installing pinned requirements"
  rm -f "$STAMP"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
  "$VENV/bin/pip" install -q --no-deps --require-hashes \
    -r "$HERE/requirements-nodeps.txt"
  echo "$WANT" > "$STAMP"
fi

echo "== exporting ONNX models"
nice "$VENV/bin/python" "$HERE/export_musicnn.py"
echo "== making reference outputs"
nice "$VENV/bin/python" "$HERE/make_references.py"
echo "== done"
sha256sum models/musicnn-msd.onnx models/musicnn-mtt.onnx
