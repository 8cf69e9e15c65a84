"""Conversation memory in PostgreSQL (storage.backend postgres): replicas on one database
share conversations. Two Runtimes started on the same database play two bot replicas;
agents of their own (over the same services) test retention, pruning and races."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import psycopg
import pytest
from langgraph.checkpoint.postgres.base import MIGRATIONS

from chatrec_agent.conversation.agent import Agent
from chatrec_agent.conversation.llm import make_chat_model
from chatrec_agent.conversation.postgres_memory import PostgresMemory
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, opened_together, race, write_jsonl

pytestmark = pytest.mark.postgres

_ids = itertools.count()


def _runtime(folder, url, embedder) -> Runtime:
    films = write_jsonl(folder / "films.jsonl", film_records())
    settings = settings_from_dict({"catalog": {"format": "jsonl", "path": str(films)},
                                   "storage": {"dir": str(folder / "state"), "backend": "postgres", "url": url}}, environ={})
    return Runtime.start(settings, embedder=embedder)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres_server, embedder) -> Iterator[tuple[Runtime, Runtime]]:
    """Two Runtimes on one database, each with a storage.dir (index, models) of its own."""
    url = postgres_server.create_database()
    started = [_runtime(tmp_path_factory.mktemp(name), url, embedder) for name in ("replica-a", "replica-b")]
    yield started[0], started[1]
    for runtime in started:
        runtime.agent.close()
        runtime.history.close()
    postgres_server.drop_database(url)


def _agent(runtime: Runtime, url: str, **options) -> Agent:
    """Another replica's agent on `url`, with the offline planner over `runtime`'s services."""
    return Agent(runtime.agent.services, make_chat_model(runtime.settings.llm, runtime.catalog), PostgresMemory(url),
                 speaker_labels=False, **options)


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def calls(reply) -> list[dict]:
    return reply.tool_calls


def test_postgres_mode_keeps_memory_in_the_database(replicas):
    a, b = replicas
    assert isinstance(a.agent.memory, PostgresMemory) and isinstance(b.agent.memory, PostgresMemory)


def test_a_conversation_begun_on_one_replica_continues_on_the_other(replicas):
    a, b = replicas
    channel = f"slack:T1:C{next(_ids)}"
    first = a.agent.respond(channel, "demo-02", "give me 2 westerns")
    assert len(first.items) == 2 and all("Western" in a.catalog[i.id].genres for i in first.items)
    why = b.agent.respond(channel, "demo-02", "why the second one?")
    assert calls(why) == [{"name": "explain", "args": {"item": first.items[1].id}}]
    assert [i.id for i in why.items] == [first.items[1].id]
    back = a.agent.respond(channel, "demo-02", "why the first one?")  # and back again, with B's turn in it
    assert calls(back) == [{"name": "explain", "args": {"item": first.items[0].id}}]
    assert len(b.agent.history(channel)) == len(a.agent.history(channel)) >= 6


def test_forget_on_one_replica_is_seen_by_the_other(replicas):
    a, b = replicas
    channel, kept = f"slack:T1:C{next(_ids)}", f"slack:T1:C{next(_ids)}"
    a.agent.respond(channel, "demo-02", "give me 2 westerns")
    a.agent.respond(kept, "demo-02", "give me 2 westerns")
    assert b.agent.forget(channel) is True and b.agent.forget(channel) is False
    assert a.agent.history(channel) == []
    assert calls(a.agent.respond(channel, "demo-02", "why the second one?")) == []
    assert calls(a.agent.respond(kept, "demo-02", "why the second one?"))[0]["name"] == "explain"


def test_forget_all_clears_a_channel_and_its_threads_only(replicas):
    a, b = replicas
    n = next(_ids)
    channel = f"slack:T1:C{n}"
    mine = [channel, f"{channel}:171.1", f"{channel}:172.2"]
    others = [f"slack:T1:C{n}1:171.1", f"slack:T1:C{n}_:171.1", f"slack:T1:C{n}%:171.1"]
    for conversation in [*mine, *others]:
        a.agent.respond(conversation, "demo-02", "give me 2 westerns")
    assert b.agent.forget_all(channel) == sorted(mine)
    assert all(a.agent.history(c) == [] for c in mine)
    assert all(len(a.agent.history(c)) >= 2 for c in others)
    assert b.agent.forget_all(channel) == []


def test_memory_keeps_one_checkpoint_per_conversation(replicas, postgres_url):
    a, b = replicas
    first, second = _agent(a, postgres_url), _agent(b, postgres_url)
    try:
        for agent in (first, second, first):
            agent.respond("busy", "demo-02", "give me 3 dramas")
            agent.respond("busy", "demo-02", "why the third one?")
        first.respond("quiet", "demo-02", "hello")
        assert dict(rows(postgres_url, "SELECT thread_id, COUNT(*) FROM checkpoints GROUP BY 1")) == {"busy": 1, "quiet": 1}
        # No write of a deleted checkpoint stays, nor a blob only deleted checkpoints used.
        assert rows(postgres_url, "SELECT COUNT(*) FROM checkpoint_writes w WHERE NOT EXISTS (SELECT 1 FROM checkpoints c "
                                  "WHERE c.thread_id = w.thread_id AND c.checkpoint_id = w.checkpoint_id)") == [(0,)]
        assert rows(postgres_url, "SELECT COUNT(*) FROM checkpoint_blobs b WHERE NOT EXISTS (SELECT 1 FROM checkpoints c "
                                  "WHERE c.thread_id = b.thread_id AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)"
                    ) == [(0,)]
        assert len(second.history("busy")) >= 12  # and the conversation is whole
        assert calls(second.respond("busy", "demo-02", "why the first one?"))[0]["name"] == "explain"
    finally:
        first.close()
        second.close()


def test_idle_conversations_past_retention_are_forgotten_by_any_replica(replicas, postgres_url, monkeypatch):
    a, b = replicas
    first, second = _agent(a, postgres_url, retention_days=1), _agent(b, postgres_url, retention_days=1)
    try:
        first.respond("busy", "demo-02", "give me 2 westerns")
        first.respond("quiet", "demo-02", "give me 2 westerns")
        later = time.time() + 2 * 86_400  # two days on, "busy" speaks again (on the other replica)
        monkeypatch.setattr(time, "time", lambda: later)
        second.respond("busy", "demo-02", "why the second one?")
        assert second.forget_idle() == ["quiet"] and first.forget_idle() == []
        assert first.history("quiet") == [] and len(first.history("busy")) >= 4
        assert rows(postgres_url, "SELECT id FROM conversations") == [("busy",)]
        monkeypatch.setattr(time, "time", lambda: later + 2 * 86_400)
        restarted = _agent(a, postgres_url, retention_days=1)  # a replica starting forgets what expired
        restarted.close()
        assert first.history("busy") == [] and rows(postgres_url, "SELECT COUNT(*) FROM checkpoints") == [(0,)]
    finally:
        first.close()
        second.close()


def test_two_replicas_answering_one_conversation_at_once_keep_both_turns(replicas, postgres_url):
    a, b = replicas
    first, second = _agent(a, postgres_url), _agent(b, postgres_url)
    speakers = ((first, "demo-01"), (second, "demo-02"))

    def turns(n: int) -> None:
        agent, user = speakers[n]
        for turn in range(4):
            agent.respond("shared", user, f"give me {turn + 2} westerns")

    try:
        race(2, turns)  # a replica's failure is raised here
        said = [m.content for m in first.history("shared") if type(m).__name__ == "HumanMessage"]
        assert len(said) == 8  # not one turn lost to the other replica's write of the same checkpoint
        assert rows(postgres_url, "SELECT COUNT(*) FROM checkpoints") == [(1,)]
    finally:
        first.close()
        second.close()


def test_replicas_starting_together_set_memory_up_once(postgres_url):
    with opened_together(3, lambda: PostgresMemory(postgres_url)) as memories:
        assert len(memories) == 3
    assert rows(postgres_url, "SELECT COUNT(*), MAX(v) FROM checkpoint_migrations") == [(len(MIGRATIONS), len(MIGRATIONS) - 1)]
    assert ("conversations",) in rows(postgres_url, "SELECT name FROM schema_migrations ORDER BY version")
