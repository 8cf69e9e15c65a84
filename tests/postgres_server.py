"""A throw-away PostgreSQL server for the tests: a cluster made with initdb in a temp
folder, started with pg_ctl on a free loopback port, one fresh database per test.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
(which the Debian package creates), in a folder that user owns.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

INSTALL = ("PostgreSQL's initdb and pg_ctl were not found (on PATH or in /usr/lib/postgresql/*/bin): "
           "install PostgreSQL, e.g. `apt-get install postgresql` (scripts/test.sh does this when it can).")


def find_binaries() -> tuple[Path, Path] | None:
    """initdb and pg_ctl: from PATH, else the newest /usr/lib/postgresql/N/bin (Debian keeps them there)."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb), Path(pg_ctl)
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(Path(f).parent.name), reverse=True)
    for folder in map(Path, folders):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder / "initdb", folder / "pg_ctl"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    pg_ctl: Path
    port: int
    run_as: list[str]  # the command prefix that runs a program as the cluster's owner
    _databases: itertools.count = field(default_factory=lambda: itertools.count(1))

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"test_{next(self._databases)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        log = self.folder / "server.log"
        return log.read_text(errors="replace") if log.exists() else "(no server log)"

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.run_as, str(self.pg_ctl), "-D", str(self.folder / "data"), "-w", *args],
                              cwd=self.folder, capture_output=True, text=True, timeout=120, check=False)


def start_postgres() -> PostgresServer:
    """Start a new cluster; raises RuntimeError saying what to do when that cannot be done."""
    binaries = find_binaries()
    if binaries is None:
        raise RuntimeError(INSTALL)
    initdb, pg_ctl = binaries
    folder = Path(tempfile.mkdtemp(prefix="chatrec-postgres-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise RuntimeError("Running as root, the tests start PostgreSQL as the `postgres` user with runuser, which is missing.")
        try:
            shutil.chown(folder, user="postgres", group=None)
        except LookupError:
            raise RuntimeError("Running as root, the tests start PostgreSQL as the `postgres` user, which does not "
                               "exist: `apt-get install postgresql` creates it (or `useradd postgres`).") from None
        run_as = ["runuser", "-u", "postgres", "--"]
    init = subprocess.run(
        [*run_as, str(initdb), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--locale=C", "--no-sync"],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
    server = PostgresServer(folder, pg_ctl, _free_port(), run_as)
    # A throw-away cluster: durability is not what the tests check, speed is welcome.
    options = (f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={folder} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    # -l: the server writes to its log; without it, it would hold our output pipe open forever.
    started = server._pg_ctl("start", "-t", "60", "-l", str(folder / "server.log"), "-o", options)
    if started.returncode != 0:
        log = server.log()
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {started.stderr or started.stdout}\n{log}")
    return server
