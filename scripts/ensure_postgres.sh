#!/usr/bin/env bash
# Makes PostgreSQL's server programs (initdb, pg_ctl) available for the tests, which start a
# throw-away server of their own (tests/postgres_server.py). Does nothing when they are
# there already; otherwise installs Debian's `postgresql` with apt-get (as root, or through
# sudo). Where neither works it says so, and the PostgreSQL tests fail saying the same.
set -euo pipefail

have_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

have_postgres && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo -n)  # never wait for a password in CI
else
  echo "PostgreSQL is not installed and this user cannot install it: install it (apt-get install postgresql) for the PostgreSQL tests." >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL is not installed and there is no apt-get here: install it with this system's package manager for the PostgreSQL tests." >&2
  exit 0
fi

echo "Installing PostgreSQL for the tests (apt-get install postgresql)..."
# ${as_root[@]+...}: an empty array is "unbound" to older bash under set -u.
if ! { ${as_root[@]+"${as_root[@]}"} apt-get update -qq >/dev/null &&
       ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }; then
  echo "Installing PostgreSQL failed (see above); the PostgreSQL tests will fail until it is installed." >&2
fi
