#!/usr/bin/env bash
# Installs chatrec with its test extras into .venv and runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
scripts/ensure_postgres.sh
. .venv/bin/activate
exec python -m pytest "$@"
