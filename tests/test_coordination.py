"""Seen events, rate limits and the reindex slot: kept in memory by one process, shared
through PostgreSQL by replicas (two coordination objects or two runtimes on one database
stand for two bot processes)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.core import RATE_LIMITED, ChatService, Command, Incoming
from chatrec_agent.errors import StoreError
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import StorageSettings, settings_from_dict
from chatrec_agent.store.backends import open_coordination
from chatrec_agent.store.coordination import (
    Coordination,
    InProcessCoordination,
    RateLimit,
)

from .conftest import film_records, race, wait_until, write_jsonl


# --- one process -----------------------------------------------------------------------


def test_in_process_seen_events_are_bounded_and_rate_limits_slide_on_the_clock():
    now = [0.0]
    local = InProcessCoordination(clock=lambda: now[0], seen_size=2)
    assert local.first_time("a") and not local.first_time("a")
    assert local.first_time("b") and local.first_time("c")  # "a", the oldest, is forgotten
    assert local.first_time("a")
    messages, clicks = RateLimit(local, "messages", 2), RateLimit(local, "clicks", 2)
    assert messages.allow("U1") and messages.allow("U1") and not messages.allow("U1")
    assert clicks.allow("U1")  # a budget of its own
    now[0] = 60.0
    assert not messages.allow("U1")  # the window is 60 s, both ends in
    now[0] = 60.5
    assert messages.allow("U1")
    assert local.reindex_lock.try_acquire() and not local.reindex_lock.try_acquire() and local.reindex_lock.held
    local.reindex_lock.release()
    assert not local.reindex_lock.held


def test_in_process_rate_limits_forget_people_gone_quiet():
    """A long-running bot meets many people once: their windows do not stay in memory."""
    now = [0.0]
    local = InProcessCoordination(clock=lambda: now[0])
    messages = RateLimit(local, "messages", 5)
    for n in range(20_000):
        now[0] = n * 0.01  # 100 new people a second, each writing once
        assert messages.allow(f"U{n}")
    assert len(local._times) < 7_000  # a minute's worth of people and a sweep's slack, not 20,000
    assert not [k for k, times in local._times.items() if now[0] - times[-1] > 60 + 1024 * 0.01]
    for _ in range(5):
        messages.allow("U19999")
    assert not messages.allow("U19999")  # the limit still holds for someone active


def test_in_process_catalog_generation_round_trips():
    local = InProcessCoordination()
    assert local.generation() is None
    local.publish_generation("g1")
    local.publish_generation("g2")
    assert local.generation() == "g2"


# --- replicas sharing PostgreSQL ---------------------------------------------------------


@pytest.fixture
def pg(postgres_url, tmp_path) -> StorageSettings:
    return StorageSettings(dir=tmp_path, backend="postgres", url=postgres_url)


@pytest.fixture
def replicas(pg) -> Iterator[tuple[Coordination, Coordination]]:
    first, second = open_coordination(pg), open_coordination(pg)
    yield first, second
    first.close()
    second.close()


@pytest.mark.postgres
def test_an_event_raced_on_two_replicas_is_first_time_on_exactly_one(replicas):
    events = [f"slack:Ev{n}" for n in range(40)]
    firsts: Counter[str] = Counter()
    lock = threading.Lock()

    def deliver(n: int) -> None:
        replica = replicas[n % 2]
        for event in events:
            if replica.first_time(event):
                with lock:
                    firsts[event] += 1

    race(6, deliver)
    assert firsts == Counter(events)  # each exactly once


@pytest.mark.postgres
def test_a_persons_rate_limit_is_one_budget_across_replicas(replicas):
    a, b = replicas
    assert [a.allow("messages:slack:T1:U1", 3, 60) for _ in range(2)] == [True, True]
    assert [b.allow("messages:slack:T1:U1", 3, 60) for _ in range(2)] == [True, False]
    assert a.allow("messages:slack:T1:U2", 3, 60) and b.allow("clicks:slack:T1:U1", 3, 60)  # others unaffected
    allowed: list[bool] = []

    def burst(n: int) -> None:
        for _ in range(10):
            allowed.append(replicas[n % 2].allow("messages:slack:T1:U3", 7, 60))

    race(6, burst)
    assert allowed.count(True) == 7 and len(allowed) == 60  # never more, even raced


@pytest.mark.postgres
def test_the_window_slides_and_old_rows_are_pruned(pg):
    coordination = open_coordination(pg)
    try:
        assert coordination.allow("k", 1, 0.5) and not coordination.allow("k", 1, 0.5)
        assert coordination.first_time("Ev1")
        time.sleep(0.6)
        assert coordination.allow("k", 1, 0.5)  # the first has left the window
        time.sleep(0.6)
        coordination.seen_for_s = 0.5
        coordination.prune()
        with psycopg.connect(pg.url.get_secret_value()) as db:
            assert db.execute("SELECT count(*) FROM rate_events").fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM seen_events").fetchone() == (0,)
        assert coordination.first_time("Ev1")  # forgotten after seen_for_s, as it should be by then
    finally:
        coordination.close()


@pytest.mark.postgres
def test_one_reindex_at_a_time_across_replicas(replicas):
    a, b = replicas
    assert not a.reindex_lock.held
    assert a.reindex_lock.try_acquire()
    assert not a.reindex_lock.try_acquire()  # not twice here either
    assert not b.reindex_lock.try_acquire()
    assert a.reindex_lock.held and b.reindex_lock.held
    a.reindex_lock.release()
    assert not a.reindex_lock.held and not b.reindex_lock.held
    assert b.reindex_lock.try_acquire() and a.reindex_lock.held
    with pytest.raises(RuntimeError):
        a.reindex_lock.release()  # not a's to give back
    b.reindex_lock.release()


@pytest.mark.postgres
def test_a_published_catalog_generation_is_seen_by_every_replica(replicas):
    a, b = replicas
    assert a.generation() is None and b.generation() is None
    a.publish_generation("g1")
    assert b.generation() == "g1"
    b.publish_generation("g2")
    assert a.generation() == "g2"


@pytest.mark.postgres
def test_a_reindex_lock_whose_connection_dies_is_released_by_postgres(replicas, pg):
    a, b = replicas
    assert a.reindex_lock.try_acquire()
    with psycopg.connect(pg.url.get_secret_value(), autocommit=True) as admin:
        holders = admin.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database ="
                                " (SELECT oid FROM pg_database WHERE datname = current_database())").fetchall()
        assert len(holders) == 1
        admin.execute("SELECT pg_terminate_backend(%s)", holders[0])  # the replica's connection dies
    assert wait_until(b.reindex_lock.try_acquire)
    assert a.reindex_lock.held  # b's now
    a.reindex_lock.release()  # a learns its lock is gone without an error
    assert b.reindex_lock.held
    b.reindex_lock.release()


@pytest.mark.postgres
def test_an_unreachable_database_is_a_clear_error(tmp_path, postgres_server):
    url = postgres_server.url("no_such_database")
    with pytest.raises(StoreError, match=r"Cannot connect to the PostgreSQL coordination database at 127\.0\.0\.1:\d+/no_such"):
        open_coordination(StorageSettings(dir=tmp_path, backend="postgres", url=url))


# --- two bot replicas ------------------------------------------------------------------


@pytest.fixture
def two_runtimes(tmp_path: Path, embedder, postgres_url) -> Iterator[tuple[Runtime, Runtime]]:
    """Two runtimes over one catalog and one database, each with its own storage.dir (index,
    conversation memory), as two bot processes would be."""
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    runtimes = []
    for name in ("a", "b"):
        settings = settings_from_dict(
            {"catalog": {"format": "jsonl", "path": str(path)},
             "storage": {"dir": str(tmp_path / name), "backend": "postgres", "url": postgres_url},
             "bot": {"rate_limit_per_minute": 100}}, environ={})
        runtimes.append(Runtime.start(settings, embedder=embedder))
    yield runtimes[0], runtimes[1]
    for runtime in runtimes:
        runtime.close()


@pytest.mark.postgres
def test_the_same_slack_event_on_two_replicas_is_answered_once(two_runtimes):
    services = [ChatService(runtime) for runtime in two_runtimes]
    assert all(s.coordination.shared for s in services)
    event = Incoming("slack", "T1", "C1", "U1", "give me 2 westerns", event_id="Ev1")
    replies: list = [None, None]

    def deliver(n: int) -> None:
        replies[n] = services[n].handle(event)

    race(2, deliver)
    assert sum(r is not None for r in replies) == 1
    assert len(next(r for r in replies if r is not None).items) == 2
    assert all(s.handle(event) is None for s in services)  # a later retry, either replica


@pytest.mark.postgres
def test_replicas_share_rate_limits_and_the_reindex_slot(two_runtimes):
    a, b = (ChatService(runtime) for runtime in two_runtimes)
    a.limiter.limit = b.limiter.limit = 3
    hello = Incoming("slack", "T1", "C1", "U7", "hello")
    assert [s.handle(hello).text != RATE_LIMITED for s in (a, a, b)] == [True, True, True]
    assert b.handle(hello).text == RATE_LIMITED and a.handle(hello).text == RATE_LIMITED
    assert b.feedback("slack", "T1", "U7", "fargo", "liked").startswith("Thanks!")  # clicks: a budget of their own

    first = a.command("slack", "T1", "C1", "UOP", Command.parse("reindex"), is_admin=lambda: False, is_operator=True)
    assert first.background is not None and b.runtime.reindexing and a.runtime.reindexing
    second = b.command("slack", "T1", "C1", "UOP", Command.parse("reindex"), is_admin=lambda: False, is_operator=True)
    assert "already running" in second.text and second.background is None
    assert "A reindex is running." in b.status()
    assert first.background().text.startswith("Reindex done")
    assert not a.runtime.reindexing and not b.runtime.reindexing
    third = b.command("slack", "T1", "C1", "UOP", Command.parse("reindex"), is_admin=lambda: False, is_operator=True)
    assert third.background is not None and third.background().text.startswith("Reindex done")


NEW_FILM = {"id": "princess-bride", "title": "The Princess Bride", "year": 1987, "genres": ["Adventure", "Comedy", "Romance"],
            "description": "A farmhand turned masked pirate crosses a fantasy kingdom to rescue his true love.", "tags": []}


@pytest.mark.server
@pytest.mark.postgres
def test_a_reindex_on_one_replica_reaches_the_others_without_a_restart(tmp_path, embedder, postgres_url, chroma_server):
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    runtimes: list[Runtime] = []
    for name in ("a", "b"):
        settings = settings_from_dict(
            {"catalog": {"format": "jsonl", "path": str(path)},
             "storage": {"dir": str(tmp_path / name), "backend": "postgres", "url": postgres_url, "poll_s": 0.2},
             "vector_store": {"mode": "server", "host": "127.0.0.1", "port": chroma_server}}, environ={})
        runtimes.append(Runtime.start(settings, embedder=embedder))
    a, b = runtimes
    try:
        assert b.follow() is not None and b.follow() is b.follow()  # one follower per runtime
        b_reindexed: list[bool] = []
        take = b.coordination.reindex_lock.try_acquire
        b.coordination.reindex_lock.try_acquire = lambda: b_reindexed.append(True) or take()  # type: ignore[method-assign]

        write_jsonl(path, [*film_records(), NEW_FILM])
        old_catalog = b.catalog
        assert a.reindex().added == 1
        assert "princess-bride" in a.catalog and a.coordination.generation() == a.served_generation
        assert wait_until(lambda: "princess-bride" in b.catalog, timeout=20)
        assert b.served_generation == a.served_generation and b.catalog is not old_catalog
        reply = b.agent.respond("C1", "u1", "tell me about The Princess Bride")
        assert reply.items and reply.items[0].id == "princess-bride"
        assert not b_reindexed  # followed without the shared reindex slot
        time.sleep(0.6)
        assert b.catalog is b.agent.services.catalog  # polls after catching up swap nothing more
    finally:
        for runtime in runtimes:
            runtime.close()


@pytest.mark.postgres
def test_a_follower_whose_load_fails_keeps_serving_and_retries(two_runtimes, caplog):
    _, b = two_runtimes
    b.coordination.publish_generation("from another replica")
    path = b.settings.catalog.path
    saved = path.read_text()
    path.write_text("{not json\n")
    old = b.catalog
    assert b.follow(0.05) is not None
    try:
        assert wait_until(lambda: "Could not load the catalog" in caplog.text)
        assert b.catalog is old  # the old catalog still answers
        write_jsonl(path, [*film_records(), NEW_FILM])
        assert wait_until(lambda: "princess-bride" in b.catalog)  # the next poll got it
    finally:
        b.stop_following()
        path.write_text(saved)
