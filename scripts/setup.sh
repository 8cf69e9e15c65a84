#!/usr/bin/env bash
# Creates .venv and installs chatrec into it (torch pinned first: see pyproject.toml).
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
# Says what it is doing at each step: the whole install takes a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
step() { printf '%s %s\n' "[setup $(date +%H:%M:%S)]" "$*"; }
started=$SECONDS
step "creating .venv"
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
step "installing torch 2.13.0 (CPU build, pinned)"
python -m pip install --quiet "torch==2.13.0"
step "installing chatrec${extras:+ with [$extras]} and its dependencies (the longest step)"
if [ -n "$extras" ]; then
  python -m pip install --quiet -e ".[$extras]"
else
  python -m pip install --quiet -e .
fi
step "done in $((SECONDS - started)) s"
