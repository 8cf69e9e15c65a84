"""Property tests: random and hostile text (control sequences, markup, emoji, RTL and
zero-width characters, NULs, lone surrogates, 40,000 characters) through the chat service
and every renderer. Always a reply within the platform's limits, no exception, no broadcast."""

from __future__ import annotations

import io
import re

import discord
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from bot.discord import app as discord_app
from bot.slack import app as slack_app
from bot.terminal import app as terminal
from bot.core import APOLOGY, ChatService, Incoming, Outgoing, person_name
from chatrec_agent.conversation.agent import Reply, ReplyItem

from .test_dialogues import runtime  # noqa: F401 - the shared module fixture (demo catalog)

FRAGMENTS = [
    "<!everyone>", "<!here>", "<!channel>", "<@U123ABC>", "<@U1|bob>", "<!subteam^S1|team>", "<#C1|general>",
    "<https://example.com|click>", "<@&123456789>", "<@!42>", "@everyone", "@here", "&lt;!here&gt;", "&amp;",
    "[/]", "[bold]", "[red]x[/red]", "[link=file:///etc/passwd]y[/link]", "*bold*", "_it_", "`code`", "```",
    "||spoiler||", "> quote", "\x00", "\x1b[31m", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\ud800", "\udfff",
    "👍🏽", "🎬", "👨‍👩‍👧", "\r\n", "\n\n\n", "\t", "עברית", "مرحبا", "日本語の映画", "Фарго", "%s", "{0}", "${HOME}",
    "' OR 1=1 --", "Fargo", "something like Alien", "why the second one?", "I loved the first one", "not those",
    "a comedy from the 90s", "help",
]
hostile = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=14).map(" ".join),
    st.text(max_size=300),
)
HUGE = "<!everyone> [bold] " * 2_200  # about 40,000 characters
BROADCAST = re.compile(r"<[!@#]")  # a raw Slack control sequence in text Slack will render
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")  # the 40,000-character example
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _service(runtime) -> ChatService:  # noqa: F811
    service = ChatService(runtime)
    service.limiter.limit = 10**9  # the property is about text, not rate limits
    return service


def check_slack(reply: Outgoing) -> None:
    messages = slack_app.render(reply)
    assert messages
    for message in messages:
        assert message["text"].strip() and len(message["text"]) <= slack_app.MAX_TEXT
        assert 1 <= len(message["blocks"]) <= slack_app.MAX_BLOCKS
        texts = [message["text"]]
        for block in message["blocks"]:
            parts = [block["text"]] if "text" in block else [e for e in block.get("elements", []) if "text" in e and isinstance(e["text"], str)]
            for part in parts:
                body = part["text"] if isinstance(part, dict) else part
                assert len(body) <= slack_app.MAX_SECTION
                texts.append(body)
        assert not any(BROADCAST.search(t) for t in texts), texts


def check_discord(reply: Outgoing) -> None:
    messages = discord_app.render(reply)
    assert messages
    for message in messages:
        if "content" in message:
            assert message["content"].strip() and len(message["content"]) <= discord_app.MAX_CONTENT
            continue
        embed: discord.Embed = message["embed"]
        assert len(embed) <= discord_app.MAX_EMBED_TOTAL and len(embed.fields) <= 25
        assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
        for field in embed.fields:
            assert 0 < len(field.name) <= discord_app.MAX_FIELD_NAME and 0 < len(field.value) <= discord_app.MAX_FIELD_VALUE
        assert len(message["view"].children) <= 25


def check_terminal(reply: Reply) -> None:
    console = Console(file=io.StringIO(), width=100)
    console.print(terminal.render(reply), markup=False, highlight=False)
    assert console.file.getvalue().strip()


@PROPERTY
@given(text=hostile)
@example(text=HUGE)
@example(text="")
@example(text="\x00\ud800 <!here>")
def test_any_text_through_the_slack_path_gets_a_safe_reply(runtime, text):  # noqa: F811
    reply = _service(runtime).handle(Incoming("slack", "T1", "C1", "U1", slack_app.inbound_text(text)))
    assert reply is not None and reply.text.strip() and reply.text != APOLOGY
    assert all(item.id in runtime.catalog.items for item in reply.items)  # grounded, whatever was asked
    check_slack(reply)


@PROPERTY
@given(text=hostile)
@example(text=HUGE)
@example(text="<@&123> help")
def test_any_text_through_the_discord_path_gets_a_safe_reply(runtime, text):  # noqa: F811
    inbound = discord_app.inbound_text(text)
    assert not re.search(r"<@[!&]?\d+>|@(everyone|here)\b", inbound)  # nothing to ping with is read, so none quoted
    reply = _service(runtime).handle(Incoming("discord", "G1", "C1", "42", inbound))
    assert reply is not None and reply.text.strip() and reply.text != APOLOGY
    check_discord(reply)


@PROPERTY
@given(text=hostile)
@example(text=HUGE)
def test_any_text_through_the_terminal_gets_a_printable_reply(runtime, text):  # noqa: F811
    reply = runtime.agent.respond("terminal:property", "demo-02", text, source="terminal")
    check_terminal(reply)


cards = st.builds(
    ReplyItem, id=st.sampled_from(["fargo-1996", "alien-1979", "x" * 300]), title=hostile,
    year=st.one_of(st.none(), st.integers(1890, 2030)), genres=st.lists(hostile, max_size=4), explanation=hostile)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(hostile, st.text(min_size=3_000, max_size=12_000)), items=st.lists(cards, max_size=25))
@example(text=HUGE, items=[])
@example(text=" \n\u200b ", items=[])
@example(text="**", items=[])
@example(text=HUGE, items=[ReplyItem("a", HUGE, None, [HUGE], HUGE)] * 25)
def test_every_renderer_keeps_any_reply_within_its_platforms_limits(text, items):
    reply = Outgoing(text, items)
    check_slack(reply)
    check_discord(reply)
    check_terminal(Reply(reply.text, items))


@PROPERTY
@given(text=hostile, name=hostile)
@example(text="a film for <@U2> and me", name="<!everyone> *bold* <@U9|x>\u202e")
def test_a_group_request_with_any_names_gets_a_safe_grounded_reply(runtime, text, name):  # noqa: F811
    """Display names are whatever people chose: as they reach the model and the reply they are
    plain, short, and can neither mention nor mark anything up."""
    safe = person_name(name)
    assert safe and len(safe) <= 40 and not re.search(r"[<>@*_~`|]", safe)
    inbound = slack_app.inbound_text(f"<@U2> {text}", {"U2": safe})
    assert inbound.startswith(f"@{safe}")  # the name goes in as it is: plain text
    reply = _service(runtime).handle(Incoming("slack", "T1", "C1", "U1", inbound, mentions=(("U2", safe),),
                                              user_name=person_name(text)))
    assert reply is not None and reply.text.strip() and reply.text != APOLOGY
    assert all(item.id in runtime.catalog.items for item in reply.items)
    check_slack(reply)


@settings(max_examples=60, deadline=None)
@given(text=hostile, items=st.lists(cards, min_size=1, max_size=12), names=st.lists(hostile, min_size=1, max_size=8),
       data=st.data())
def test_a_groups_poll_renders_within_the_limits_whatever_its_names(text, items, names, data):
    """A group's picks with the tally, people's display names as hostile as any text."""
    from bot.votes import poll_message
    from chatrec_agent.store.polls import Poll

    members = tuple({"id": f"U{n}", "name": name, "user": f"u{n}"} for n, name in enumerate(names))
    cards = tuple({"id": i.id, "title": i.title, "year": i.year, "genres": i.genres, "explanation": i.explanation} for i in items)
    votes = {m["id"]: data.draw(st.sampled_from([c["id"] for c in cards])) for m in members if data.draw(st.booleans())}
    winner = data.draw(st.sampled_from([c["id"] for c in cards])) if len(votes) == len(members) else None
    reply = poll_message(Poll("AbCdEfGhIj-_", "c", "slack", "T1", members, cards, text, 0.0, votes, winner))
    check_slack(reply)
    check_discord(reply)
    for message in discord_app.render(reply):
        assert all(len(button.custom_id) <= discord_app.MAX_CUSTOM_ID for button in message["view"].children)
