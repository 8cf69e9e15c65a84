"""The platform-neutral chat service: behaviour tested once here, thinly per adapter."""

from __future__ import annotations

import json
import re

import pytest

from bot.core import (
    APOLOGY,
    CLICKS_LIMITED,
    RATE_LIMITED,
    ChatService,
    Command,
    Incoming,
    Outgoing,
    split_text,
)
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, write_jsonl


@pytest.fixture
def runtime(tmp_path, embedder) -> Runtime:
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    # Two catalog users, ann and bob, who may be linked to.
    ratings = write_jsonl(tmp_path / "ratings.jsonl", [
        {"user_id": "ann", "item_id": "alien", "rating": 5, "timestamp": 1},
        {"user_id": "bob", "item_id": "heat", "rating": 4, "timestamp": 1}])
    settings = settings_from_dict(
        {"catalog": {"format": "jsonl", "path": str(path), "interactions_path": str(ratings)},
         "storage": {"dir": str(tmp_path / "store")},
         "bot": {"rate_limit_per_minute": 100}}, environ={})
    return Runtime.start(settings, embedder=embedder)


def msg(text, channel="C1", user="U1", thread=None, event_id=None):
    return Incoming("slack", "T1", channel, user, text, thread, event_id)


def test_messages_get_grounded_replies_and_duplicates_are_dropped(runtime):
    service = ChatService(runtime)
    reply = service.handle(msg("give me 2 westerns", event_id="Ev1"))
    assert len(reply.items) == 2 and all("Western" in runtime.catalog[i.id].genres for i in reply.items)
    assert service.handle(msg("give me 2 westerns", event_id="Ev1")) is None  # a redelivery


def test_thread_and_channel_memory(runtime):
    service = ChatService(runtime)
    assert service.conversation_id("slack", "T1", "C1", "171.2") == "slack:T1:C1:171.2"
    first = service.handle(msg("give me 2 westerns", thread="171.2"))
    why = service.handle(msg("why the second one?", thread="171.2"))
    assert why.items[0].id == first.items[1].id
    elsewhere = service.handle(msg("why the second one?", channel="C2"))
    assert elsewhere.items == []


def test_linked_users_get_their_catalog_history(runtime):
    service = ChatService(runtime)
    result = service.command("slack", "T1", "C1", "UOP", Command.parse("link <@U9> ann", member="U9"), is_admin=lambda: False, is_operator=True)
    assert "Linked" in result.text and result.public
    assert service.catalog_user("slack", "T1", "U9") == "ann"
    in_a_dm = Incoming("slack", "T1", "D9", "U9", "what have I liked?", private=True)
    assert "*Alien*" in service.handle(in_a_dm).text


def test_ones_ratings_are_named_in_a_channel_only_with_consent(runtime):
    """The help's promise: "Your own ratings are never named in a channel unless you allow it"."""
    service = ChatService(runtime)
    service.command("slack", "T1", "C1", "UOP", Command.parse("link <@U9> ann", member="U9"), is_admin=lambda: False, is_operator=True)
    for text in ("what have I liked?", "show me my ratings"):
        reply = service.handle(msg(text, channel="C7", user="U9"))
        assert "Alien" not in reply.text and "direct message" in reply.text, reply.text
    service.command("slack", "T1", "C7", "U9", Command.parse("share-taste on"), lambda: False)
    assert "*Alien*" in service.handle(msg("what have I liked?", channel="C8", user="U9")).text


@pytest.mark.parametrize("platform, home, elsewhere", [("slack", "T1", "T2"), ("discord", "111", "222")])
def test_a_server_admin_cannot_link_to_a_person_of_another_server(runtime, platform, home, elsewhere):
    """An admin of one server tries to take over someone in another server (whose unlinked
    catalog id is `<platform>:<their server>:<their id>`, or the other platform's)."""
    service = ChatService(runtime)
    victim = service.catalog_user(platform, elsewhere, "U77")
    service.feedback(platform, elsewhere, "U77", "fargo", "liked")
    assert "fargo" in runtime.history.seen(victim)
    other_platform = service.catalog_user("discord" if platform == "slack" else "slack", "X1", "U78")
    for target in (victim, other_platform):
        for operator in (False, True):  # not even the bot's operators may
            result = service.command(platform, home, "C1", "UADMIN", Command.parse(f"link <@U9> {target}", member="U9"), is_admin=lambda: True,
                                     is_operator=operator)
            assert "is a chat identity, not a catalog user" in result.text and not result.public
    assert service.catalog_user(platform, home, "U9") == f"{platform}:{home}:U9"  # still their own
    assert service.handle(Incoming(platform, home, "C1", "U9", "what have I liked?")).items == []


def test_only_operators_create_catalog_users_and_misspelt_ids_get_close_matches(runtime):
    service = ChatService(runtime)
    runtime.history.grant("ann", "slack", "T1")  # an operator gave this server ann
    refused = service.command("slack", "T1", "C1", "UADMIN", Command.parse("link <@U9> anne", member="U9"), is_admin=lambda: True)
    assert refused.text.startswith("`anne` is not a catalog user this server may use. Did you mean `ann`?")
    assert not refused.public and not runtime.history.is_catalog_user("anne")
    created = service.command("slack", "T1", "C1", "UOP", Command.parse("link <@U9> carol", member="U9"), is_admin=lambda: False, is_operator=True)
    assert created.text == "Linked <@U9> to catalog user `carol` (a new catalog user: their history grows from feedback)."
    # Now that an operator linked someone here to it, this server's admins may link others.
    again = service.command("slack", "T1", "C1", "UADMIN", Command.parse("link <@U8> carol", member="U8"), is_admin=lambda: True)
    assert again.text == "Linked <@U8> to catalog user `carol`."


@pytest.mark.parametrize("platform, home, other", [("slack", "T1", "T2"), ("discord", "111", "222")])
def test_an_admin_of_another_server_cannot_take_over_or_even_see_a_catalog_user(runtime, platform, home, other):
    """Catalog users are shared by every server: carol, given to one server by an operator,
    can't be linked by another server's admin, who isn't told she exists."""
    service = ChatService(runtime)
    service.command(platform, home, "C1", "UOP", Command.parse("link <@U1> carol", member="U1"), is_admin=lambda: False, is_operator=True)
    service.feedback(platform, home, "U1", "fargo", "liked")
    before = runtime.history.user_history("carol")
    for typed in ("caro", "carol", "ann", "bob"):  # a typo, the user, the catalog's own users
        result = service.command(platform, other, "C9", "UEVIL", Command.parse(f"link <@U2> {typed}", member="U2"), is_admin=lambda: True)
        assert "not a catalog user this server may use" in result.text and not result.public
        assert "carol" not in result.text.replace(f"`{typed}`", "") and "`ann`" not in result.text.replace(f"`{typed}`", "")
    assert service.catalog_user(platform, other, "U2") == f"{platform}:{other}:U2"  # still their own
    service.feedback(platform, other, "U2", "fargo", "disliked")  # their 👎 is theirs, not carol's
    assert runtime.history.user_history("carol") == before
    # In carol's own server the admins may.
    ok = service.command(platform, home, "C1", "UADMIN", Command.parse("link <@U3> carol", member="U3"), is_admin=lambda: True)
    assert ok.text == "Linked <@U3> to catalog user `carol`."


def test_feedback_buttons_record_for_the_clicking_user(runtime):
    service = ChatService(runtime)
    ack = service.feedback("slack", "T1", "U5", "fargo", "liked")
    assert ack == "Thanks! Noted that you liked Fargo (1996)."
    assert "fargo" in runtime.history.seen("slack:T1:U5")
    assert service.feedback("slack", "T1", "U5", "no-such-item", "liked").startswith("That item")


def test_rate_limit_per_person(runtime):
    now = [0.0]
    service = ChatService(runtime, clock=lambda: now[0])
    service.limiter.limit = 3
    for n in range(3):
        assert service.handle(msg("hello", user="U7")).text != RATE_LIMITED
    assert service.handle(msg("hello", user="U7")).text == RATE_LIMITED
    assert service.handle(msg("hello", user="U8")).text != RATE_LIMITED  # others are not affected
    now[0] = 61.0
    assert service.handle(msg("hello", user="U7")).text != RATE_LIMITED


def test_non_admins_are_refused_and_nothing_happens(runtime):
    service = ChatService(runtime)
    service.handle(msg("give me 2 westerns"))
    for command in ("forget", "link <@U9> ann"):
        result = service.command("slack", "T1", "C1", "U1", Command.parse(command), is_admin=lambda: False)
        assert result.text.startswith("Only this server's admins") and result.background is None and not result.public
    assert service.handle(msg("why the first one?")).items  # memory was not forgotten
    assert runtime.history.catalog_user("slack", "T1", "U9") is None


def test_reindex_belongs_to_the_operators_not_to_any_server_admin(runtime):
    service = ChatService(runtime)
    for command in ("reindex", "reindex full"):
        for admin in (False, True):
            result = service.command("slack", "T1", "C1", "UADMIN", Command.parse(command), is_admin=lambda: admin)
            assert result.text.startswith("Only chatrec's operators can run `reindex`") and result.background is None
    assert not runtime.reindexing
    accepted = service.command("slack", "T1", "C1", "UOP", Command.parse("reindex"), is_admin=lambda: False, is_operator=True)
    assert accepted.background is not None and accepted.background().text.startswith("Reindex done")


def test_in_a_private_conversation_anyone_may_forget_it_but_nothing_else(runtime):
    service = ChatService(runtime)
    service.handle(msg("give me 2 westerns", channel="D1"))
    for command in ("reindex", "link <@U9> ann"):
        refused = service.command("slack", "T1", "D1", "U1", Command.parse(command), is_admin=lambda: False, private=True)
        assert refused.text.startswith("Only")
    done = service.command("slack", "T1", "D1", "U1", Command.parse("forget"), is_admin=lambda: False, private=True)
    assert done.text == "Done: I've forgotten this channel's conversation."
    assert service.handle(msg("why the first one?", channel="D1")).items == []


def test_help_status_and_unknown_commands_need_no_admin(runtime):
    service = ChatService(runtime)
    asked = []

    def is_admin():
        asked.append(True)
        return False

    from bot.discord.app import MARKUP as DISCORD
    from bot.slack.app import MARKUP as SLACK

    assert "`/chatrec reindex [full]`" in service.command("slack", "T1", "C1", "U1", Command.parse("help"), is_admin, markup=SLACK).text
    assert "`/reindex [full]`" in service.command("discord", "G1", "C1", "U1", Command.parse("help"), is_admin, markup=DISCORD).text
    status = service.command("slack", "T1", "C1", "U1", Command.parse("status"), is_admin).text
    # Which file, not where it lies on the server: that is for the operators.
    assert "Catalog: 24 items from films.jsonl." in status and runtime.catalog.source not in status
    operators = service.command("slack", "T1", "C1", "UOP", Command.parse("status"), is_admin, is_operator=True).text
    assert f"Catalog: 24 items from {runtime.catalog.source}." in operators and runtime.catalog.source.startswith("/")
    assert "Unknown command `dance`" in service.command("slack", "T1", "C1", "U1", Command.parse("dance"), is_admin).text
    assert asked == []


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_anyone_turns_their_own_taste_sharing_on_and_off(runtime, platform):
    service = ChatService(runtime)

    def share(user: str, text: str) -> str:
        result = service.command(platform, "T1", "C1", user, Command.parse(text), lambda: False)
        assert not result.public and result.background is None  # only the asker sees it
        return result.text

    assert share("U1", "share-taste").startswith("Taste sharing is off")  # the default
    assert share("U1", "share-taste on").startswith("Taste sharing is on")
    assert share("U1", "share-taste").startswith("Taste sharing is on")
    assert share("U2", "share-taste").startswith("Taste sharing is off")  # one person's choice only
    assert share("U1", "share-taste maybe").startswith("Usage:")
    assert share("U1", "share-taste OFF").startswith("Taste sharing is off")
    runtime.history.create_user("ann")
    runtime.history.link(platform, "T1", "U2", "ann")
    share("U2", "share-taste on")  # a linked person shares as their catalog user
    assert runtime.history.sharing_taste(["ann", f"{platform}:T1:U1", f"{platform}:T1:U2"]) == {"ann"}
    assert "share-taste on" in service.command(platform, "T1", "C1", "U1", Command.parse("help"), lambda: False).text


def test_forget_clears_only_this_channel(runtime):
    service = ChatService(runtime)
    service.handle(msg("give me 2 westerns", channel="C1"))
    service.handle(msg("give me 2 westerns", channel="C2"))
    service.command("slack", "T1", "C1", "UADMIN", Command.parse("forget"), is_admin=lambda: True)
    assert service.handle(msg("why the first one?", channel="C1")).items == []
    assert service.handle(msg("why the first one?", channel="C2")).items


def test_forget_in_a_channel_clears_every_thread_in_it_and_says_so(runtime):
    """Mentions in Slack are remembered per thread; the command carries no thread."""
    service = ChatService(runtime)
    for thread in ("171.1", "171.2"):
        service.handle(msg("give me 2 westerns", channel="C1", thread=thread))
    service.handle(msg("give me 2 westerns", channel="C1"))  # the channel's own (bot.thread_memory: channel)
    service.handle(msg("give me 2 westerns", channel="C11", thread="171.3"))  # C11 is not under C1
    done = service.command("slack", "T1", "C1", "UADMIN", Command.parse("forget"), is_admin=lambda: True)
    assert done.text == "Done: I've forgotten the conversations in 2 threads of this channel and the channel's own."
    for thread in ("171.1", "171.2", None):
        assert service.handle(msg("why the first one?", channel="C1", thread=thread)).items == []
    assert service.handle(msg("why the first one?", channel="C11", thread="171.3")).items
    nothing = service.command("slack", "T1", "C2", "UADMIN", Command.parse("forget"), is_admin=lambda: True)
    assert nothing.text.startswith("There was nothing to forget here") and not nothing.public


def test_repeated_clicks_are_stored_once_and_rate_limited(runtime):
    now = [0.0]
    service = ChatService(runtime, clock=lambda: now[0])
    service.click_limiter.limit = 3
    assert service.feedback("slack", "T1", "U5", "fargo", "liked").startswith("Thanks!")
    assert service.feedback("slack", "T1", "U5", "fargo", "liked") == "Already noted: you liked Fargo (1996)."
    rows = runtime.history._conn.execute("SELECT COUNT(*) FROM feedback WHERE user_id = 'slack:T1:U5'").fetchone()[0]
    assert rows == 1
    assert service.feedback("slack", "T1", "U5", "heat", "disliked").startswith("Thanks!")
    assert service.feedback("slack", "T1", "U5", "alien", "liked") == CLICKS_LIMITED
    assert "alien" not in runtime.history.seen("slack:T1:U5")
    assert service.handle(msg("hello", user="U5")).text != RATE_LIMITED  # messages have their own budget
    now[0] = 61.0
    assert service.feedback("slack", "T1", "U5", "alien", "liked").startswith("Thanks!")


def test_admin_reindex_runs_in_the_background_and_reports(runtime, tmp_path):
    service = ChatService(runtime)
    records = film_records() + [{"id": "aliens", "title": "Aliens", "year": 1986, "genres": ["Action", "Sci-Fi"],
                                 "description": "Marines return to the colony moon to fight the creatures.", "tags": []}]
    write_jsonl(tmp_path / "films.jsonl", records)
    result = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex"), is_admin=lambda: True, is_operator=True)
    assert result.background is not None and "keeps answering" in result.text
    done = result.background().text
    assert done.startswith("Reindex done") and "1 added" in done and "25 items" in done
    reply = service.handle(msg("tell me about Aliens"))
    assert reply.items[0].id == "aliens"  # the new catalog is live for the agent


def test_a_second_reindex_is_refused_from_the_moment_the_first_is_accepted(runtime):
    service = ChatService(runtime)
    first = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex"), is_admin=lambda: True, is_operator=True)
    # Its background has not started yet, and still a second request is refused.
    second = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex full"), is_admin=lambda: True, is_operator=True)
    assert "already running" in second.text and second.background is None and not second.public
    assert runtime.reindexing
    assert first.background().text.startswith("Reindex done")
    assert not runtime.reindexing  # released when it ends
    third = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex"), is_admin=lambda: True, is_operator=True)
    assert third.background is not None
    assert third.background().text.startswith("Reindex done")


def test_a_reindex_the_adapter_cannot_run_gives_its_slot_back(runtime):
    service = ChatService(runtime)
    first = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex"), is_admin=lambda: True, is_operator=True)
    assert runtime.reindexing
    first.cancel()  # e.g. its acknowledgement failed: the background never starts
    assert not runtime.reindexing
    again = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex"), is_admin=lambda: True, is_operator=True)
    assert again.background is not None and again.background().text.startswith("Reindex done")


def test_split_text_keeps_every_piece_under_the_limit():
    text = "\n".join(f"line {n} " + "word " * (n % 40) for n in range(400)) + "\n" + "x" * 4500
    pieces = split_text(text, 2000)
    assert all(0 < len(p) <= 2000 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_a_failed_reindex_reports_and_the_old_index_keeps_serving(runtime, tmp_path):
    service = ChatService(runtime)
    (tmp_path / "films.jsonl").write_text(json.dumps({"id": "x"}) + "\n")  # no title: a bad row
    done = service.command("slack", "T1", "C1", "UADMIN", Command.parse("reindex full"), is_admin=lambda: True, is_operator=True).background()
    # Said where it was asked; which file and line (a path on the server) only to the operator.
    assert done.text.startswith("Reindex failed") and "still serving" in done.text and "films.jsonl" not in done.text
    assert "films.jsonl:1" in done.detail
    assert service.handle(msg("tell me about Alien")).items[0].id == "alien"


def test_a_crashing_turn_gets_an_apology(runtime, monkeypatch):
    service = ChatService(runtime)

    def boom(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(runtime.agent, "respond", boom)
    assert service.handle(msg("hello")).text == APOLOGY


def test_in_a_shared_thread_each_speakers_follow_ups_are_their_own(runtime):
    service = ChatService(runtime)
    service.handle(msg("I loved Heat", user="U2", thread="9.1"))  # ben's own taste, in the same thread
    shown = service.handle(msg("give me 2 crime films", user="U1", thread="9.1")).items  # ann's list
    why = service.handle(msg("why the second one?", user="U2", thread="9.1"))
    assert why.items[0].id == shown[1].id
    assert why.items[0].explanation == runtime.recommendations.explain("slack:T1:U2", shown[1].id).text
    service.handle(msg("I loved the first one", user="U2", thread="9.1"))
    assert runtime.history.entry("slack:T1:U2", shown[0].id).signal == "liked"
    assert runtime.history.entry("slack:T1:U1", shown[0].id) is None


def test_link_echoes_nothing_the_caller_typed(runtime):
    """The reply is public: it names the member by their id and the catalog user only if it is a plain id."""
    service = ChatService(runtime)
    for text, target in (("link <!everyone> ann", None), ("link @here ann", None), ("link <@U9> <!here>", "U9"),
                         ("link <@U9> ann*bold*", "U9")):
        result = service.command("slack", "T1", "C1", "UOP", Command.parse(text, member=target), is_admin=lambda: True, is_operator=True)
        assert not result.public and "<!" not in result.text and "*bold*" not in result.text, result.text
    assert runtime.history.catalog_user("slack", "T1", "U9") is None


def test_a_flood_is_turned_away_before_any_work_and_recovers(runtime):
    service = ChatService(runtime)
    assert service.admit("slack", "T1", "U1", "Ev1") is True
    assert service.admit("slack", "T1", "U1", "Ev1") is False  # a redelivery: dropped, no answer
    waiting = [service.metrics.queued(lambda: None) for _ in range(runtime.settings.bot.max_pending_turns)]
    busy = service.admit("slack", "T1", "U2", "Ev2")
    assert isinstance(busy, Outgoing) and "try again in a minute" in busy.text
    assert service.handle(msg("give me 2 westerns", user="U3", event_id="Ev3")).text == busy.text
    for work in waiting:  # the queue drains ...
        work()
    assert service.handle(msg("give me 2 westerns", user="U3", event_id="Ev4")).items  # ... and it answers again


def test_streamed_text_is_shown_at_once_then_at_most_once_a_second():
    from bot.streaming import Throttled

    now = [0.0]
    shown: list[tuple[float, str]] = []
    write = Throttled(lambda text: shown.append((now[0], text)), every=1.0, clock=lambda: now[0])
    for n, text in enumerate(["Here", "Here are", "Here are some", "Here are some picks", "Here are some picks:"]):
        now[0] = n * 4 / 10  # a token every 0.4 s
        write(text)
    assert [(round(at, 3), text) for at, text in shown] == [(0.0, "Here"), (1.2, "Here are some picks")]  # at once, then once a second
    write.flush()
    assert shown[-1][1] == "Here are some picks:" and write.started
    write.flush()  # nothing new: nothing shown again
    assert len(shown) == 3
    blank = Throttled(lambda text: shown.append((now[0], text)))
    blank("  ")
    assert not blank.started  # whitespace shows nothing (neither platform sends an empty message)


def test_adapters_are_found_by_name_and_say_what_they_lack():
    from bot.adapters import ADAPTERS, adapter
    from chatrec_agent.settings import settings_from_dict

    assert set(ADAPTERS) == {"slack", "discord"}
    bare = settings_from_dict({}, environ={})
    for name in ADAPTERS:
        found = adapter(name)
        assert found.name == name and found.missing(bare)  # nothing configured: it says what to set
    slack = settings_from_dict({"slack": {"bot_token": "xoxb-1", "signing_secret": "s"}}, environ={})
    assert adapter("slack").missing(slack) is None and "HTTP on port 3000" in adapter("slack").note(slack, None)
    both = settings_from_dict({"slack": {"client_id": "1.2", "app_token": "xapp-1"}}, environ={})
    assert "HTTP mode" in adapter("slack").missing(both)
    assert [n for n in ADAPTERS if adapter(n).owns_main_thread] == ["discord"]
    with pytest.raises(KeyError):
        adapter("irc")


def test_the_core_never_asks_which_platform_it_serves():
    import inspect

    import bot.core

    source = inspect.getsource(bot.core)
    assert not re.search(r"""==\s*["'](?:slack|discord)["']|["'](?:slack|discord)["']\s*==""", source)


@pytest.mark.parametrize("text, command", [
    ("reindex FULL", Command("reindex", full=True)), ("reindex", Command("reindex")),
    ("share-taste on", Command("share-taste", share=True)), ("share-taste", Command("share-taste")),
    ("share-taste maybe", Command("share-taste", problem="maybe")), ("", Command("help")), ("STATUS", Command("status")),
    ("link <@U9> ann", Command("link", catalog_user="ann")),  # the member only from the platform's mention
])
def test_a_text_platform_s_words_become_one_typed_command(text, command):
    assert Command.parse(text) == command
    assert Command.parse("link <@U9> ann", member="U9").member == "U9"
