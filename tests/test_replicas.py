"""Two real `chatrec serve slack` processes (HTTP mode) sharing one PostgreSQL and one Chroma
server, as a deployment behind a load balancer runs them: signed Slack requests go to
either replica, both answer through one recording stand-in for the Slack Web API.

The replicas start once for the module (the embedder load dominates); each test uses its
own channels, threads and people, so the tests do not depend on one another's order.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import load_settings

from .conftest import (
    chroma_running,
    film_records,
    free_port,
    race,
    start_chatrec,
    wait_until,
    write_jsonl,
)
from .postgres_server import PostgresServer
from .slack_mock import MockSlackAPI
from .test_slack_app import SECRET, SlackClient, item_buttons

pytestmark = [pytest.mark.postgres, pytest.mark.server]

OPERATOR = "UOPS"  # in slack.admin_user_ids: may run /chatrec reindex
PRINCESS_BRIDE = {"id": "princess-bride", "title": "The Princess Bride", "year": 1987,
                  "genres": ["Adventure", "Comedy", "Romance"], "tags": [],
                  "description": "A farmhand turned masked pirate crosses a fantasy kingdom to rescue his true love."}
ROBOCOP = {"id": "robocop", "title": "RoboCop", "year": 1987, "genres": ["Action", "Sci-Fi"], "tags": [],
           "description": "A murdered Detroit police officer is rebuilt as a cyborg law enforcer by a corrupt corporation."}
# What a person might ask for, not knowing the title: each new film is then the best match.
WISHES = {"princess-bride": "a film about a masked pirate rescuing his true love",
          "robocop": "a cyborg police officer in Detroit"}


class ReplicaClient(SlackClient):
    """SlackClient whose made-up event ids and response URLs carry the replica's name: the
    two clients share one database of seen events and one stand-in."""

    def __init__(self, name: str, url: str, api: MockSlackAPI):
        super().__init__(url, api)
        self.name = name

    def event(self, event: dict, event_id: str | None = None, **kw) -> int:
        return super().event(event, event_id or f"Ev{self.name}{self.n + 1}", **kw)

    def send_command(self, text: str, user="U1", channel="C1", response_path: str | None = None,
                     team: str = "T1") -> tuple[int, str, str]:
        return super().send_command(text, user, channel, response_path or f"respond/{self.name}{self.n + 1}", team)


@dataclass
class Replica:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path
    client: ReplicaClient

    def output(self) -> str:
        """Its log without the Chroma client's line per HTTP request."""
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(line for line in text.splitlines() if " INFO httpx: " not in line)


@dataclass
class Deployment:
    a: Replica
    b: Replica
    api: MockSlackAPI
    catalog: Path  # the one catalog file both replicas read

    def logs(self) -> str:
        """For failure messages: what each replica wrote, the last part of it."""
        return "".join(f"\n--- replica {r.name} (exit code {r.proc.poll()}) ---\n{r.output()[-6000:]}" for r in (self.a, self.b))

    def check(self, condition: bool, message: str) -> None:
        assert condition, f"{message}\n{self.logs()}"

    def posts(self, channel: str) -> list[dict]:
        return [p for p in self.api.of("chat.postMessage") if p.get("channel") == channel]

    def wait_posts(self, channel: str, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.posts(channel)) < count and time.monotonic() < deadline:
            self.check(self.a.proc.poll() is None and self.b.proc.poll() is None, "a replica died")
            time.sleep(0.05)
        posted = self.posts(channel)
        self.check(len(posted) >= count, f"expected {count} chat.postMessage in {channel}, got {posted}")
        return posted

    def ask(self, replica: Replica, text: str, channel: str, user: str, ts: str, thread_ts: str | None = None) -> dict:
        """Mention the bot through `replica`; the reply it posts (the next message in the channel)."""
        before = len(self.posts(channel))
        status = replica.client.mention(text, channel=channel, user=user, ts=ts, thread_ts=thread_ts)
        self.check(status == 200, f"replica {replica.name} answered {status} to a signed mention")
        return self.wait_posts(channel, before + 1)[before]

    def command(self, replica: Replica, text: str, user: str = OPERATOR, channel: str = "COPS") -> dict:
        return replica.client.command(text, user=user, channel=channel)


def _config(folder: Path, catalog: Path, database: str, chroma: int, api: MockSlackAPI) -> Path:
    """A replica's config.yaml: its own storage.dir, everything else as the other's."""
    config = {
        "catalog": {"format": "jsonl", "path": str(catalog)},
        "storage": {"dir": str(folder / "state"), "backend": "postgres", "url": database, "poll_s": 0.5},
        "vector_store": {"mode": "server", "host": "127.0.0.1", "port": chroma},
        "bot": {"rate_limit_per_minute": 1000},
        "slack": {"bot_token": "xoxb-test", "signing_secret": SECRET, "api_url": api.url, "admin_user_ids": [OPERATOR]},
        "ops": {"port": None},
    }
    folder.mkdir()
    (folder / "config.yaml").write_text(json.dumps(config, indent=2))  # JSON is YAML
    return folder


def _start(name: str, folder: Path, api: MockSlackAPI) -> Replica:
    port, log = free_port(), folder / "serve.log"
    proc = start_chatrec("serve", "slack", "--port", str(port), "--host", "127.0.0.1", cwd=folder, log=log)
    return Replica(name, proc, port, log, ReplicaClient(name, f"http://127.0.0.1:{port}/slack/events", api))


def _listening(replica: Replica) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", replica.port)) == 0


def _stop(replica: Replica) -> None:
    replica.proc.terminate()
    try:
        replica.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        replica.proc.kill()
        replica.proc.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_server: PostgresServer, embedder: Embedder) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("replicas")
    catalog = write_jsonl(root / "films.jsonl", film_records())
    database = postgres_server.create_database()
    api = MockSlackAPI().start()
    try:
        with chroma_running(root / "chroma") as chroma:
            folders = [_config(root / name, catalog, database, chroma, api) for name in ("a", "b")]
            # As the README's "Running at scale" says, the shared index is built once before the
            # replicas start: what `chatrec index` does, here with the embedder this process has
            # loaded already. (Replicas that start together on an empty Chroma server each
            # rebuild it, and one drops the collection the other is filling.)
            settings = load_settings(folders[0] / "config.yaml", environ={})
            ItemIndex(settings, embedder).sync(load_catalog(settings.catalog))
            replicas = [_start(name, folder, api) for name, folder in zip(("a", "b"), folders)]  # in parallel
            deployed = Deployment(*replicas, api, catalog)
            try:
                for replica in replicas:
                    deployed.check(wait_until(lambda r=replica: _listening(r) or r.proc.poll() is not None, 180)
                                   and replica.proc.poll() is None, f"replica {replica.name} did not start")
                yield deployed
            finally:
                for replica in replicas:
                    _stop(replica)
    finally:
        api.stop()
        postgres_server.drop_database(database)


def test_the_same_event_delivered_to_both_replicas_is_answered_once(deployment):
    a, b = deployment.a, deployment.b
    event = {"type": "app_mention", "user": "UDUP", "text": "<@UBOT> give me 2 comedies", "channel": "CDUP", "ts": "1000.1"}
    statuses: list[int] = [0, 0]

    def deliver(n: int) -> None:  # Slack's retry of the event reaches the other replica at the same moment
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"} if n else None
        statuses[n] = (a, b)[n].client.event(event, event_id="EvSameOnBoth", headers=retry)

    race(2, deliver)
    deployment.check(statuses == [200, 200], f"the deliveries were answered {statuses}")
    # Exactly one replica answered it; the other dropped it before any work (no 👀, no lookup).
    deployment.check(wait_until(lambda: len(deployment.posts("CDUP")) == 1, 30), "nobody answered the event")
    deployment.check(wait_until(lambda: len([r for r in deployment.api.of("reactions.remove") if r["channel"] == "CDUP"]) == 1, 30),
                     "the answering replica should take its 👀 away")
    time.sleep(1.0)
    posted = deployment.posts("CDUP")
    deployment.check(len(posted) == 1, f"expected one reply to the event, got {len(posted)}: {posted}")
    deployment.check(len(item_buttons(posted[0])) == 2, f"the reply should recommend 2 films: {posted[0]}")
    reacted = [r for r in deployment.api.of("reactions.add") if r["channel"] == "CDUP"]
    deployment.check(len(reacted) == 1, f"the duplicate was worked on: {reacted}")
    # A later retry, to either replica, is a duplicate too.
    status = b.client.event(event, event_id="EvSameOnBoth", headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    time.sleep(1.5)
    deployment.check(status == 200 and len(deployment.posts("CDUP")) == 1, f"a late retry was answered again: {deployment.posts('CDUP')}")
    deployment.check(len([r for r in deployment.api.of("reactions.add") if r["channel"] == "CDUP"]) == 1, "a late retry was worked on")


def test_a_like_clicked_through_one_replica_changes_what_the_other_recommends(deployment):
    a, b = deployment.a, deployment.b
    first = item_buttons(deployment.ask(b, "give me 3 comedies", "CFB", "UFAN", ts="2000.1"))
    again = item_buttons(deployment.ask(b, "give me 3 comedies", "CFB", "UFAN", ts="2000.2"))
    deployment.check(len(first) == 3 and again == first,
                     f"without feedback B should recommend the same 3 comedies again: {first} then {again}")
    liked = first[0]
    assert a.client.click("chatrec_like", liked, user="UFAN", channel="CFB") == 200
    (ack,) = deployment.api.wait_for("chat.postEphemeral", where=lambda p: p["user"] == "UFAN")
    deployment.check(ack["text"].startswith("Thanks! Noted that you liked"), f"replica A's acknowledgement: {ack}")
    after = item_buttons(deployment.ask(b, "give me 3 comedies", "CFB", "UFAN", ts="2000.3"))
    deployment.check(len(after) == 3 and liked not in after and after != first,
                     f"after a 👍 on {liked} through A, B still recommended {after} (before: {first})")
    history = deployment.ask(b, "what have I liked?", "DFB", "UFAN", ts="2000.4")  # a DM: their ratings may be named
    title = next(r["title"] for r in film_records() if r["id"] == liked)
    deployment.check(title in history["text"], f"B does not know of the like of {title}: {history['text']}")


def test_a_conversation_started_on_one_replica_continues_on_the_other(deployment):
    a, b = deployment.a, deployment.b
    first = item_buttons(deployment.ask(a, "give me 3 westerns", "CMEM", "UMEM", ts="3000.1"))
    deployment.check(len(first) == 3, f"A should recommend 3 westerns: {first}")
    why = deployment.ask(b, "why the second one?", "CMEM", "UMEM", ts="3000.2", thread_ts="3000.1")
    deployment.check(why["thread_ts"] == "3000.1" and item_buttons(why) == [first[1]],
                     f"B should explain A's second pick {first[1]} from the thread's memory: {why['text']}")
    # Elsewhere the same words find no list: the answer above came from the thread's memory.
    elsewhere = deployment.ask(b, "why the second one?", "CMEM", "UMEM", ts="3000.3")
    deployment.check(item_buttons(elsewhere) == [], f"a new thread should have no list to refer to: {elsewhere['text']}")
    # And back on A, the thread still remembers the list (B's turn did not lose it).
    third = deployment.ask(a, "why the third one?", "CMEM", "UMEM", ts="3000.4", thread_ts="3000.1")
    deployment.check(item_buttons(third) == [first[2]], f"A should explain its third pick {first[2]}: {third['text']}")


def _serves(deployment: Deployment, replica: Replica, film: dict, count: int) -> None:
    """`replica` has `count` items in its catalog (within a few polls), finds `film` by its
    title and recommends it first for what it is about (a search of the shared index)."""
    status: list[str] = []

    def caught_up() -> bool:
        status.append(deployment.command(replica, "status")["text"])
        return f"Catalog: {count} items" in status[-1]

    deployment.check(wait_until(caught_up, 30), f"replica {replica.name} did not reach {count} items: {status[-1]}")
    channel = f"CNEW{replica.name}{film['id']}"
    found = deployment.ask(replica, f"tell me about {film['title']}", channel, "UNEW", ts=f"{time.time():.6f}")
    deployment.check(item_buttons(found) == [film["id"]], f"replica {replica.name} did not find {film['title']}: {found['text']}")
    wished = deployment.ask(replica, WISHES[film["id"]], channel, "UNEW", ts=f"{time.time():.6f}")
    deployment.check(item_buttons(wished)[:1] == [film["id"]],
                     f"replica {replica.name} did not recommend {film['title']} for {WISHES[film['id']]!r}: {wished['text']}")


def test_a_reindex_through_one_replica_is_served_by_both(deployment):
    a, b = deployment.a, deployment.b
    for replica in (a, b):
        before = deployment.ask(replica, WISHES["princess-bride"], "CPRE", "UNEW", ts=f"{time.time():.6f}")
        deployment.check("princess-bride" not in item_buttons(before), f"not in the catalog yet: {before['text']}")
    write_jsonl(deployment.catalog, [*film_records(), PRINCESS_BRIDE])
    status, _, response_path = a.client.send_command("reindex", user=OPERATOR, channel="COPS")
    deployment.check(status == 200, f"reindex through A answered {status}")
    started, done = deployment.api.wait_for(response_path, 2, timeout=60)
    deployment.check(started["text"].startswith("Reindexing") and done["text"].startswith("Reindex done")
                     and "1 added" in done["text"], f"reindex through A: {started['text']!r}, then {done['text']!r}")
    _serves(deployment, a, PRINCESS_BRIDE, len(film_records()) + 1)
    _serves(deployment, b, PRINCESS_BRIDE, len(film_records()) + 1)  # followed, without a restart


def test_a_reindex_requested_on_both_replicas_at_once_runs_once(deployment):
    a, b = deployment.a, deployment.b
    films = [*film_records(), PRINCESS_BRIDE, ROBOCOP]
    write_jsonl(deployment.catalog, films)
    paths = ["respond/both-a", "respond/both-b"]

    def request(n: int) -> None:
        status, _, _ = (a, b)[n].client.send_command("reindex", user=OPERATOR, channel="COPS", response_path=paths[n])
        assert status == 200, status

    race(2, request)
    first = [deployment.api.wait_for(path, 1, timeout=30)[0]["text"] for path in paths]
    ran = [n for n in (0, 1) if first[n].startswith("Reindexing")]
    refused = [n for n in (0, 1) if first[n].startswith("A reindex is already running")]
    deployment.check(len(ran) == 1 and len(refused) == 1, f"one reindex should run and one be refused: {first}")
    (winner,) = ran
    done = deployment.api.wait_for(paths[winner], 2, timeout=60)[1]["text"]
    # ROBOCOP is new (and PRINCESS_BRIDE too when the test above did not run first).
    deployment.check(done.startswith("Reindex done") and " 0 added" not in done, f"the reindex that ran: {done}")
    time.sleep(1.0)  # nothing more comes: the refused one never ran
    answers = {path: [c["text"] for c in deployment.api.of(path)] for path in paths}
    deployment.check(sum(t.startswith("Reindex done") for texts in answers.values() for t in texts) == 1,
                     f"the reindex ran more than once: {answers}")
    deployment.check(len(answers[paths[refused[0]]]) == 1, f"the refused request said more: {answers}")
    _serves(deployment, a, ROBOCOP, len(films))
    _serves(deployment, b, ROBOCOP, len(films))
