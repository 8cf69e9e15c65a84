"""The history store, every behaviour on both backends (SQLite and a real PostgreSQL
server), then what only PostgreSQL promises: replicas sharing one database."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import psycopg
import pytest
from pydantic import SecretStr

from chatrec_agent.catalog import Catalog, Interaction, Item
from chatrec_agent.doctor import Check, _check_history
from chatrec_agent.errors import ConfigError, StoreError
from chatrec_agent.settings import Settings, StorageSettings
from chatrec_agent.store.backends import open_history
from chatrec_agent.store.history import HistoryStore
from chatrec_agent.store.postgres_migrations import migrate
from chatrec_agent.store.schema import revisions

from .test_schema import LEGACY_POSTGRES, legacy_postgres

from .conftest import opened_together, race


@pytest.fixture
def items() -> dict[str, Item]:
    return {
        "fargo": Item("fargo", "Fargo", genres=("Crime", "Thriller"), year=1996),
        "heat": Item("heat", "Heat", genres=("Action", "Crime"), year=1995),
        "alien": Item("alien", "Alien", genres=("Horror", "Sci-Fi"), year=1979),
        "toy": Item("toy", "Toy Story", genres=("Animation", "Comedy"), year=1995),
    }


def interactions() -> list[Interaction]:
    return [Interaction("ann", "fargo", 5.0, 100), Interaction("ann", "heat", 4.0, 200),
            Interaction("ann", "alien", 2.0, 300), Interaction("bob", "toy", 3.0, 50)]


@pytest.fixture
def store(storage, items):
    s = open_history(storage)
    s.import_interactions(Catalog(items, interactions()))
    yield s
    s.close()


def committed(storage: StorageSettings, sql: str) -> list[tuple]:
    """The rows as another process sees them, through a connection of its own."""
    if storage.backend == "sqlite":
        with closing(sqlite3.connect(str(storage.dir / "history.sqlite3"))) as db:
            return db.execute(sql).fetchall()
    with psycopg.connect(storage.url.get_secret_value()) as db:
        return db.execute(sql).fetchall()


def test_import_is_idempotent_and_keeps_feedback(store, items):
    store.record_feedback("ann", "toy", "liked")
    catalog = Catalog(items, interactions())
    assert store.import_interactions(catalog) is False  # unchanged: nothing rewritten
    catalog.interactions.append(Interaction("cy", "fargo", 1.0, 400))
    assert store.import_interactions(catalog) is True
    assert "cy" in store.users()
    assert "toy" in {e.item_id for e in store.top_rated("ann")}


def test_feedback_is_committed_before_the_call_returns(store, storage):
    store.record_feedback("ann", "toy", "rated", rating=4.0, source="slack")
    rows = committed(storage, "SELECT user_id, item_id, kind, rating, source FROM feedback")
    assert rows == [("ann", "toy", "rated", 4.0, "slack")]


def test_latest_signal_wins_and_seen_keeps_an_opinion(store):
    store.record_feedback("ann", "alien", "liked")
    assert {e.item_id: e.signal for e in store.user_history("ann")}["alien"] == "liked"
    store.record_feedback("ann", "alien", "seen")
    assert {e.item_id: e.signal for e in store.user_history("ann")}["alien"] == "liked"
    store.record_feedback("ann", "fargo", "disliked")
    assert [e.item_id for e in store.disliked("ann")] == ["fargo"]
    store.record_feedback("dan", "heat", "seen")
    entry = store.user_history("dan")[0]
    assert (entry.signal, entry.preference) == ("seen", 0.0)
    assert store.seen("dan") == {"heat"}


def test_queries_for_the_tools(store):
    assert [e.item_id for e in store.recent("ann", 2)] == ["alien", "heat"]
    assert [e.item_id for e in store.top_rated("ann")] == ["fargo", "heat"]  # 2 stars is not a favourite
    assert store.disliked("ann")[0].item_id == "alien"
    assert store.seen("ann") == {"fargo", "heat", "alien"}
    with pytest.raises(ValueError):
        store.record_feedback("ann", "toy", "rated")  # a rating is required
    with pytest.raises(ValueError):
        store.record_feedback("ann", "toy", "loved")  # type: ignore[arg-type]


def test_taste_profile_shares(store, items):
    profile = store.taste_profile("ann", items)
    assert profile.favourites == 2  # fargo 5, heat 4
    assert {g.name: (g.share, g.count) for g in profile.genres} == {
        "Crime": (1.0, 2), "Thriller": (0.5, 1), "Action": (0.5, 1)
    }
    assert {e.name: e.share for e in profile.eras} == {"1990s": 1.0}
    assert store.taste_profile("nobody", items).favourites == 0


def test_identity_links(store):
    assert store.catalog_user("slack", "T1", "U1") is None
    assert store.resolve_user("slack", "T1", "U1") == "slack:T1:U1"  # own, empty history
    store.link("slack", "T1", "U1", "ann", linked_by="U0")
    assert store.resolve_user("slack", "T1", "U1") == "ann"
    assert store.resolve_user("slack", "T2", "U1") == "slack:T2:U1"  # workspaces are separate
    store.link("slack", "T1", "U1", "bob")
    assert store.catalog_user("slack", "T1", "U1") == "bob"
    assert store.unlink("slack", "T1", "U1") is True
    assert store.unlink("slack", "T1", "U1") is False


def test_taste_sharing_is_off_until_each_person_turns_it_on(store, storage):
    assert store.sharing_taste(["ann", "bob"]) == set() and store.sharing_taste([]) == set()
    store.set_taste_sharing("ann", True)
    store.set_taste_sharing("bob", False)
    assert store.sharing_taste(["ann", "bob", "cy"]) == {"ann"}
    store.set_taste_sharing("ann", False)
    store.set_taste_sharing("bob", True)
    assert store.sharing_taste(["ann", "bob"]) == {"bob"}
    assert committed(storage, "SELECT user_id, share FROM taste_sharing ORDER BY user_id") == [("ann", 0), ("bob", 1)]


def test_links_point_only_at_catalog_users(store):
    store.record_feedback("slack:T9:U7", "toy", "liked")  # a stranger's own history, in another workspace
    for target in ("slack:T9:U7", "discord:G9:55", "nobody"):
        assert not store.is_catalog_user(target)
        with pytest.raises(ValueError):
            store.link("discord", "G1", "42", target)
    assert store.resolve_user("discord", "G1", "42") == "discord:G1:42"
    with pytest.raises(ValueError):
        store.create_user("discord:G9:55")  # not even an operator can make a chat identity a catalog user
    assert store.create_user("carol", created_by="slack:T1:UOP") is True
    assert store.create_user("ann") is False  # already one, from the imported interactions
    store.link("discord", "G1", "42", "carol")
    assert store.catalog_users() == ["ann", "bob", "carol"]


def test_repeated_identical_feedback_is_stored_once(store, storage):
    rows = lambda: committed(storage, "SELECT COUNT(*) FROM feedback")[0][0]  # noqa: E731
    first = store.record_feedback("ann", "toy", "liked")
    again = store.record_feedback("ann", "toy", "liked")
    assert rows() == 1 and again.timestamp == first.timestamp
    assert first.stored and not again.stored  # what a click acknowledgement says "Already noted" from
    store.record_feedback("ann", "toy", "disliked")  # a change of mind is new
    store.record_feedback("ann", "toy", "liked")  # and so is changing it back
    store.record_feedback("ann", "toy", "rated", rating=4.0)
    store.record_feedback("ann", "toy", "rated", rating=4.0)
    store.record_feedback("ann", "toy", "rated", rating=2.0)
    assert rows() == 5
    assert store.entry("ann", "toy").rating == 2.0


def test_reopened_store_keeps_everything(store, storage):
    store.record_feedback("ann", "toy", "liked")
    store.link("discord", "G1", "42", "ann")
    store.close()
    again = open_history(storage)
    assert "toy" in {e.item_id for e in again.top_rated("ann")}
    assert again.catalog_user("discord", "G1", "42") == "ann"
    assert len(again.all_interactions()) == 5
    again.close()


def test_a_catalog_listing_one_pair_twice_keeps_the_last(store, items):
    assert store.import_interactions(Catalog(items, [*interactions(), Interaction("bob", "toy", 1.0, 60)]))
    assert store.entry("bob", "toy").rating == 1.0 and len(store.all_interactions()) == 4


def test_history_store_open_is_still_the_sqlite_file_in_a_folder(tmp_path):
    store = HistoryStore.open(tmp_path)
    store.record_feedback("ann", "toy", "liked")
    store.close()
    assert (tmp_path / "history.sqlite3").is_file()


# --- PostgreSQL: replicas sharing one database ---------------------------------------------


@pytest.fixture
def pg(postgres_url, tmp_path) -> StorageSettings:
    return StorageSettings(dir=tmp_path, backend="postgres", url=postgres_url)


@pytest.fixture
def replicas(pg, items):
    """Two stores on one database, as two bot processes would have."""
    first, second = open_history(pg), open_history(pg)
    first.import_interactions(Catalog(items, interactions()))
    yield first, second
    first.close()
    second.close()


@pytest.mark.postgres
def test_migrations_run_once_and_reopening_changes_nothing(pg):
    open_history(pg).close()
    assert committed(pg, "SELECT version_num FROM alembic_version") == [(revisions()[-1],)]
    legacy = committed(pg, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
    # Recorded for replicas of releases before Alembic, which read only this table: the
    # legacy files, then each revision past them, so those releases refuse the newer database.
    assert [v for v, _ in legacy] == list(range(1, len(LEGACY_POSTGRES) + len(revisions())))
    open_history(pg).close()
    assert committed(pg, "SELECT version, applied_at FROM schema_migrations ORDER BY version") == legacy
    assert migrate(pg.url.get_secret_value(), "history database") == []


@pytest.mark.postgres
def test_replicas_starting_together_migrate_once(pg):
    with opened_together(4, lambda: open_history(pg)) as stores:
        assert len(stores) == 4
    assert committed(pg, "SELECT COUNT(*) FROM schema_migrations") == [(len(LEGACY_POSTGRES) + len(revisions()) - 1,)]
    assert committed(pg, "SELECT version_num FROM alembic_version") == [(revisions()[-1],)]


@pytest.mark.postgres
def test_a_database_from_a_newer_chatrec_is_refused(pg):
    open_history(pg).close()
    with psycopg.connect(pg.url.get_secret_value(), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"history database is at schema revision 9999, newer than this chatrec knows "
                                         r"\(up to \d+\): upgrade"):
        open_history(pg)


@pytest.mark.postgres
def test_an_unreachable_database_or_a_wrong_url_is_a_clear_error(tmp_path, postgres_server):
    url = postgres_server.url("no_such_database")
    with pytest.raises(StoreError, match=r"Cannot connect to the PostgreSQL history database at "
                                         r"127\.0\.0\.1:\d+/no_such_database \(storage\.url\): .*no_such_database"):
        open_history(StorageSettings(dir=tmp_path, backend="postgres", url=url))
    with pytest.raises(ConfigError, match=r"storage\.url is not a PostgreSQL URL") as refused:
        open_history(StorageSettings(dir=tmp_path, backend="postgres", url="user=bot password=s3cret host"))
    assert "s3cret" not in str(refused.value)


@pytest.mark.postgres
def test_doctor_checks_that_the_postgres_history_is_reachable(pg, postgres_server):
    settings = Settings(storage=pg)
    database = pg.url.get_secret_value().rsplit("/", 1)[1]
    assert _check_history(settings) == Check(
        "history", "ok", f"PostgreSQL at 127.0.0.1:{postgres_server.port}/{database}, schema up to date.")
    settings.storage.url = SecretStr(postgres_server.url("no_such_database"))
    check = _check_history(settings)
    assert check.level == "fail" and "no_such_database" in check.detail


@pytest.mark.postgres
def test_replicas_see_each_others_feedback_and_links_at_once(replicas):
    first, second = replicas
    first.record_feedback("slack:T1:U1", "alien", "liked")
    assert second.entry("slack:T1:U1", "alien").signal == "liked"
    second.record_feedback("ann", "fargo", "disliked")
    assert [e.item_id for e in first.disliked("ann")] == ["fargo", "alien"]
    assert second.create_user("carol") is True and first.is_catalog_user("carol")
    assert first.create_user("carol") is False
    second.link("slack", "T1", "U1", "carol")
    assert first.resolve_user("slack", "T1", "U1") == "carol"
    assert first.unlink("slack", "T1", "U1") and second.resolve_user("slack", "T1", "U1") == "slack:T1:U1"


@pytest.mark.postgres
def test_the_same_click_on_two_replicas_at_once_is_stored_once(replicas, pg):
    items = [f"item{i}" for i in range(30)]
    stores = (*replicas, *replicas)

    def clicks(n):
        for item in items:
            stores[n].record_feedback("slack:T1:U9", item, "liked", source="slack")

    race(len(stores), clicks)
    assert committed(pg, "SELECT item_id, COUNT(*) FROM feedback GROUP BY item_id HAVING COUNT(*) > 1") == []
    assert committed(pg, "SELECT COUNT(*) FROM feedback") == [(len(items),)]


@pytest.mark.postgres
def test_replicas_importing_the_same_new_catalog_at_once_import_it_once(replicas, items, pg):
    catalog = Catalog(items, [*interactions(), *(Interaction(f"u{n}", "fargo", 4.0, n) for n in range(2000))])
    imported = []
    race(2, lambda n: imported.append(replicas[n].import_interactions(catalog)))  # a failure is raised here
    assert sorted(imported) == [False, True]
    assert committed(pg, "SELECT COUNT(*) FROM interactions") == [(2004,)]


def test_a_watchlist_keeps_what_was_saved_in_order_once_and_a_watched_film_leaves_it(store, storage):
    assert store.save_for_later("ana", "b") and store.save_for_later("ana", "a")
    assert not store.save_for_later("ana", "b")  # already on it: kept once, in its first place
    assert store.save_for_later("ben", "a")
    assert store.watchlist("ana") == ["b", "a"] and store.watchlist("ben") == ["a"]  # each person's own
    store.record_feedback("ana", "b", "seen")  # watched: no longer one to watch later
    assert store.watchlist("ana") == ["a"] and store.watchlist("ben") == ["a"]
    assert store.remove_from_watchlist("ana", "a") and not store.remove_from_watchlist("ana", "a")
    assert store.watchlist("ana") == [] and committed(storage, "SELECT user_id, item_id FROM watchlist") == [("ben", "a")]
    store.record_feedback("ana", "c", "liked")
    store.save_for_later("ana", "c")  # saved again after judging it: a rewatch in mind
    store.record_feedback("ana", "c", "liked")  # the same signal again still takes it off
    assert store.watchlist("ana") == []


def test_forgetting_a_person_deletes_what_chat_collected_and_keeps_the_catalogs(store, storage):
    store.record_feedback("ann", "toy", "liked")  # ann also has imported ratings
    store.save_for_later("ann", "heat")
    store.set_taste_sharing("ann", True)
    store.record_feedback("bob", "fargo", "disliked")
    assert store.forget_person("ann") == 3
    assert [(e.item_id, e.source) for e in store.user_history("ann")] == [
        ("alien", "catalog"), ("heat", "catalog"), ("fargo", "catalog")]  # the catalog's, untouched
    assert store.watchlist("ann") == [] and store.sharing_taste(["ann"]) == set()
    assert [e.item_id for e in store.disliked("bob")] == ["fargo"]
    assert store.forget_person("ann") == 0


def test_a_workspace_forgotten_takes_its_installation_links_and_own_histories_and_nothing_else(store, storage):
    store.save_installation("slack", "T2", "sealed-1")
    store.save_installation("slack", "T2", "sealed-2")  # a reinstall replaces it
    store.save_installation("slack", "T3", "other")
    assert store.installation("slack", "T2") == "sealed-2" and store.installation("discord", "T2") is None
    store.create_user("ann-catalog")
    store.grant("ann-catalog", "slack", "T2")
    store.link("slack", "T2", "U1", "ann-catalog")
    store.record_feedback("ann-catalog", "toy", "liked")  # a catalog user's: the catalog's, kept
    store.record_feedback("slack:T2:U9", "fargo", "liked")
    store.save_for_later("slack:T2:U9", "heat")
    store.record_feedback("slack:T2X:U9", "fargo", "liked")  # another workspace whose id begins the same
    store.record_feedback("slack:T3:U9", "alien", "disliked")
    assert store.forget_workspace("slack", "T2") == 5  # installation, link, grant; feedback, list (no sharing row)
    assert store.installation("slack", "T2") is None and store.installation("slack", "T3") == "other"
    assert store.catalog_user("slack", "T2", "U1") is None and not store.granted("ann-catalog", "slack", "T2")
    assert store.user_history("slack:T2:U9") == [] and store.watchlist("slack:T2:U9") == []
    assert [e.item_id for e in store.user_history("ann-catalog") if e.source != "catalog"] == ["toy"]
    assert store.user_history("slack:T2X:U9") and store.user_history("slack:T3:U9")
    assert committed(storage, "SELECT workspace FROM installations") == [("T3",)]


@pytest.mark.postgres
def test_a_database_from_before_the_watchlist_upgrades_without_losing_a_row(pg, items):
    """A database as the previous release left it (every migration before 0009_watchlist),
    with rows in it, is brought up to date by opening it; every row is still there."""
    with psycopg.connect(pg.url.get_secret_value(), autocommit=True) as conn:
        legacy_postgres(conn, below=9)
        conn.execute("INSERT INTO feedback (user_id, item_id, kind, rating, created_at, source) VALUES"
                     " ('ann', 'fargo', 'rated', 4.5, 1, 'slack'), ('bob', 'heat', 'liked', NULL, 2, 'discord')")
        conn.execute("INSERT INTO taste_sharing VALUES ('ann', 1, 3)")
        conn.execute("INSERT INTO catalog_users VALUES ('c1', 4, 'op')")
        conn.execute("INSERT INTO identity_links VALUES ('slack', 'T1', 'U1', 'c1', 5, 'op')")
    rows = {table: committed(pg, f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in ("feedback", "taste_sharing", "catalog_users", "identity_links")}
    store = open_history(pg)
    try:
        assert {table: committed(pg, f"SELECT * FROM {table} ORDER BY 1, 2") for table in rows} == rows
        assert store.save_for_later("ann", "heat") and store.watchlist("ann") == ["heat"]
        assert store.catalog_user("slack", "T1", "U1") == "c1" and store.sharing_taste(["ann"]) == {"ann"}
    finally:
        store.close()


def test_a_sqlite_file_from_before_the_watchlist_opens_without_losing_a_row(tmp_path):
    """The SQLite schema is created if missing, table by table: a file the previous release
    wrote (no watchlist table) gains it on opening, its rows untouched."""
    path = tmp_path / "history.sqlite3"
    with closing(sqlite3.connect(path)) as old:
        old.executescript("""
            CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, item_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('liked', 'disliked', 'rated', 'seen')), rating REAL,
                created_at REAL NOT NULL, source TEXT NOT NULL DEFAULT '');
            CREATE TABLE taste_sharing (user_id TEXT PRIMARY KEY, share INTEGER NOT NULL CHECK (share IN (0, 1)),
                changed_at REAL NOT NULL) WITHOUT ROWID;
            INSERT INTO feedback (user_id, item_id, kind, rating, created_at, source) VALUES ('ann', 'fargo', 'rated', 4.5, 1, 'slack');
            INSERT INTO taste_sharing VALUES ('ann', 1, 3);
        """)
        old.commit()
    store = open_history(StorageSettings(dir=tmp_path))
    try:
        assert [(e.item_id, e.rating) for e in store.user_history("ann")] == [("fargo", 4.5)]
        assert store.sharing_taste(["ann"]) == {"ann"}
        assert store.save_for_later("ann", "heat") and store.watchlist("ann") == ["heat"]
    finally:
        store.close()
