#!/usr/bin/env bash
# First run on a fresh machine: install, index the demo catalog, then chat in the terminal
# (or serve Slack/Discord when their tokens are set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. .venv/bin/activate
exec chatrec run "$@"
