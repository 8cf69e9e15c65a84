#!/usr/bin/env bash
# Creates .venv and installs chatrec into it (torch pinned first: see pyproject.toml).
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet "torch==2.13.0"
if [ -n "$extras" ]; then
  python -m pip install --quiet -e ".[$extras]"
else
  python -m pip install --quiet -e .
fi
