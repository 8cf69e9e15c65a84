"""Shared fixtures: a small film catalog written to temp dirs, settings, the real embedder."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from chatrec_agent.catalog import Catalog, Item
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import EmbeddingSettings, Settings, StorageSettings, settings_from_dict

from .postgres_server import PostgresServer, start_postgres

FILMS = [
    ("fargo", "Fargo", 1996, ["Crime", "Thriller"], "A pregnant police chief investigates roadside murders in snowy Minnesota after a car salesman's kidnapping scheme goes wrong."),
    ("alien", "Alien", 1979, ["Horror", "Sci-Fi"], "The crew of a commercial space freighter is hunted through the ship by a deadly extraterrestrial creature."),
    ("blade-runner", "Blade Runner", 1982, ["Sci-Fi", "Thriller"], "In a rain-soaked future Los Angeles, a detective hunts down escaped synthetic humans."),
    ("toy-story", "Toy Story", 1995, ["Animation", "Children", "Comedy"], "A pull-string cowboy doll feels threatened when a flashy space ranger toy becomes his owner's favourite."),
    ("unforgiven", "Unforgiven", 1992, ["Western"], "A retired gunslinger takes one last bounty job on the lawless American frontier."),
    ("good-bad-ugly", "The Good, the Bad and the Ugly", 1966, ["Western"], "Three gunfighters race across the Civil War frontier to find a buried cache of Confederate gold."),
    ("rio-bravo", "Rio Bravo", 1959, ["Western"], "A small-town sheriff and a drunk deputy hold a killer in jail while his rancher brother besieges the town."),
    ("casablanca", "Casablanca", 1942, ["Drama", "Romance"], "A cynical nightclub owner in wartime Morocco must choose between love and helping a resistance leader escape."),
    ("double-indemnity", "Double Indemnity", 1944, ["Crime", "Film-Noir"], "An insurance salesman is seduced into a murder plot to collect on a husband's accident policy."),
    ("psycho", "Psycho", 1960, ["Horror", "Thriller"], "A secretary on the run stops at a lonely motel run by a troubled young man and his mother."),
    ("shining", "The Shining", 1980, ["Horror"], "A writer wintering as caretaker of an isolated mountain hotel slides into madness and violence."),
    ("annie-hall", "Annie Hall", 1977, ["Comedy", "Romance"], "A neurotic New York comedian looks back on his bittersweet romance with an aspiring singer."),
    ("groundhog-day", "Groundhog Day", 1993, ["Comedy", "Fantasy", "Romance"], "A cynical weatherman relives the same small-town winter day again and again."),
    ("matrix", "The Matrix", 1999, ["Action", "Sci-Fi"], "A hacker learns that reality is a simulation run by machines and joins a rebellion against them."),
    ("jurassic-park", "Jurassic Park", 1993, ["Adventure", "Sci-Fi"], "Visitors to an island theme park of cloned dinosaurs fight to survive when the fences fail."),
    ("heat", "Heat", 1995, ["Action", "Crime", "Thriller"], "A dogged Los Angeles detective pursues a disciplined crew of professional bank robbers."),
    ("spirited-away", "Spirited Away", 2001, ["Animation", "Fantasy"], "A ten-year-old girl trapped in a spirit world works in a bathhouse to free her parents."),
    ("some-like-it-hot", "Some Like It Hot", 1959, ["Comedy"], "Two musicians who witnessed a gangland killing hide from the mob by joining an all-female band."),
    ("get-out", "Get Out", 2017, ["Horror", "Mystery"], "A young Black man visiting his white girlfriend's family uncovers a sinister secret."),
    ("paddington-2", "Paddington 2", 2017, ["Children", "Comedy"], "A polite bear from Peru is framed for stealing a pop-up book and sent to prison."),
    ("mad-max-fury-road", "Mad Max: Fury Road", 2015, ["Action", "Adventure"], "In a desert wasteland a drifter and a rebel warrior flee a tyrant in a war rig."),
    ("parasite", "Parasite", 2019, ["Comedy", "Drama", "Thriller"], "A poor family cons its way into working for a wealthy household, with escalating consequences."),
    ("singin-in-the-rain", "Singin' in the Rain", 1952, ["Comedy", "Musical", "Romance"], "A silent film star navigates Hollywood's chaotic switch to talking pictures."),
    ("saving-private-ryan", "Saving Private Ryan", 1998, ["Drama", "War"], "After the Normandy landings, a squad of soldiers searches for a paratrooper whose brothers were killed."),
]


# Posters for two of the westerns (the third has none: its card stays as it is).
POSTERS = {"unforgiven": "https://posters.example.org/unforgiven.jpg", "rio-bravo": "https://posters.example.org/rio-bravo.jpg"}


def film_records() -> list[dict]:
    return [
        {"id": i, "title": t, "year": y, "genres": g, "description": d, "tags": [], **({"image_url": POSTERS[i]} if i in POSTERS else {})}
        for i, t, y, g, d in FILMS
    ]


def film_items() -> list[Item]:
    return [Item(id=i, title=t, year=y, genres=tuple(g), description=d) for i, t, y, g, d in FILMS]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def film_project(folder: Path, settings_yaml: str = "") -> Path:
    """A folder with the test films and a config.yaml using them, plus `settings_yaml`."""
    write_jsonl(folder / "films.jsonl", film_records())
    (folder / "config.yaml").write_text(
        "catalog: {format: jsonl, path: films.jsonl}\nstorage: {dir: state}\n" + settings_yaml)
    return folder


ROOT = Path(__file__).resolve().parents[1]


def _environment(env: dict | None) -> dict:
    """This process's environment without chat tokens (the test sets what it needs), with
    this checkout first on PYTHONPATH: the child runs the chatrec under test, whichever one
    the virtualenv has installed."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environ.update(env or {})
    return environ


def chatrec(*args: str, cwd: Path, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the `chatrec` command to completion."""
    return subprocess.run([sys.executable, "-m", "chatrec_agent.cli", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300, env=_environment(env), input=input)


def start_chatrec(*args: str, cwd: Path, env: dict | None = None, log: Path | None = None) -> subprocess.Popen:
    """Start a long-running `chatrec` command (a server); its output is piped, or written
    to `log` (for a server that logs more than a pipe nobody reads can hold)."""
    if log is None:
        return subprocess.Popen([sys.executable, "-m", "chatrec_agent.cli", *args], cwd=cwd, env=_environment(env),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with log.open("w") as out:  # the child has its own copy of the file
        return subprocess.Popen([sys.executable, "-m", "chatrec_agent.cli", *args], cwd=cwd, env=_environment(env),
                                stdout=out, stderr=subprocess.STDOUT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until something accepts connections on the port; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, f"nothing listening on port {port}"
            time.sleep(0.3)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default model, loaded once for the whole run."""
    return Embedder(EmbeddingSettings())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the tests' own, started once for the whole run. Missing
    PostgreSQL fails the tests that need it (with how to install it): never a skip."""
    try:
        server = start_postgres()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@contextmanager
def chroma_running(folder: Path) -> Iterator[int]:
    """A real Chroma server (`chroma run`) keeping its data in `folder`, on a free loopback
    port (yielded) until the block ends; its output goes to folder/chroma.log."""
    exe = shutil.which("chroma")
    assert exe, "the chromadb package installs the `chroma` command"
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "chroma.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(folder / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(folder / 'chroma.log').read_text()}")
            time.sleep(0.2)
        else:
            pytest.fail(f"chroma run not listening on port {port} after 60 s: {(folder / 'chroma.log').read_text()}")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """The port of a Chroma server of this test's own."""
    with chroma_running(tmp_path) as port:
        yield port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path) -> StorageSettings:
    """Each store test runs on both backends: SQLite in a temp dir, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return StorageSettings(dir=tmp_path)
    return StorageSettings(dir=tmp_path, backend="postgres", url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from_dict({"storage": {"dir": str(tmp_path / "store")}}, environ={}, base_dir=tmp_path)


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.from_items(film_items(), source="test films")


@pytest.fixture
def index(settings: Settings, embedder: Embedder) -> ItemIndex:
    return ItemIndex(settings, embedder)


@pytest.fixture
def built_index(index: ItemIndex, catalog: Catalog) -> ItemIndex:
    index.sync(catalog)
    return index


def collection_names(index: ItemIndex) -> list[str]:
    return sorted(c if isinstance(c, str) else c.name for c in index.client.list_collections())


def check_full_rebuilds_spare_the_neighbour(deployment, catalog: Catalog, ours: str, theirs: str) -> None:
    """Two deployments share one Chroma; `deployment(base)` opens one. Rebuilding `ours` in
    full, again and again, leaves `theirs` (collections and pointer) as it was, still answering."""
    neighbour = deployment(theirs)
    neighbour.sync(catalog)
    served = neighbour.status()["collection"]
    rebuilt = deployment(ours)
    previous = rebuilt.status()["collection"]  # None the first time; opens our pointer either way
    before = set(collection_names(rebuilt))
    for _ in range(3):
        report = rebuilt.sync(catalog, full=True)
    assert collection_names(rebuilt) == sorted(before - {previous} | {report.collection})
    fresh = deployment(theirs)  # reads the pointer anew, no cached collection
    assert fresh.status()["collection"] == served
    assert [h.item_id for h in fresh.search("monster on a spaceship", k=1)] == ["alien"]


def wait_until(condition: Callable[[], object], timeout: float = 10, every: float = 0.05) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


@contextmanager
def opened_together(n: int, open_one: Callable[[], Any]) -> Iterator[list]:
    """`n` stores (or memories) opened at once, as replicas starting together would; closed after."""
    opened: list = []
    try:
        race(n, lambda _: opened.append(open_one()))  # a replica's failure is raised here
        yield opened
    finally:
        for part in opened:
            part.close()


def race(workers: int, work: Callable[[int], None]) -> None:
    """Run `work(n)` for n in range(workers) on threads released together; re-raise a failure."""
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
