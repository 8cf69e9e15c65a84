"""The real discord.py client driven by dpytest (guilds, members, messages, the gateway
events), with interactions fed in as INTERACTION_CREATE payloads so app commands and
buttons run through discord.py's own dispatch; their responses and follow-ups go over
real HTTP to a local stand-in. Test catalog and offline planner; no network."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import threading
import time
from types import SimpleNamespace

import aiohttp
import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio

import bot.discord.app as discord_app
from bot.core import APOLOGY, ChatService, Outgoing
from bot.discord.app import (
    MAX_CONTENT,
    MAX_EMBED_TOTAL,
    MAX_FIELD_VALUE,
    ChatrecDiscord,
    invite_url,
    make_client,
    render,
    shards_note,
)
from chatrec_agent.conversation.agent import ReplyItem
from chatrec_agent.conversation.limits import EMPTY, TOO_LONG
from chatrec_agent.doctor import discord_application_id
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import DiscordSettings, settings_from_dict

from .conftest import (
    POSTERS,
    chatrec,
    film_project,
    film_records,
    free_port,
    start_chatrec,
    wait_listening,
    write_jsonl,
)
from .discord_mock import MockDiscordAPI
from .test_agent_llm import MockOpenAI

EPHEMERAL = 64
# An id longer than a button's custom_id can carry (catalog ids can be URLs or paths).
LONG_ID_FILM = {"id": "https://films.example.org/catalogue/documentary/" + "koyaanisqatsi-life-out-of-balance-" * 3,
                "title": "Koyaanisqatsi", "year": 1982, "genres": ["Documentary"],
                "description": "A wordless portrait of modern life set to a Philip Glass score.", "tags": []}
_ids = itertools.count(1_300_000_000_000_000_000)


class Harness:
    """The client, its fake guild and the recorded traffic."""

    def __init__(self, client: ChatrecDiscord, api: MockDiscordAPI, runtime: Runtime):
        self.client, self.api, self.runtime = client, api, runtime
        config = dpytest.get_config()
        self.guild = config.guilds[0]
        self.channels = config.channels
        self.members = config.members
        self.sent: list[dict] = []  # every message payload the bot sent, as Discord receives it
        self.typing: list[int] = []
        self.edits: list[dict] = []  # every edit of a message the bot sent

    def payloads(self, channel: discord.abc.Messageable | None = None) -> list[dict]:
        return [p for p in self.sent if channel is None or p["channel_id"] == channel.id]

    async def interaction(self, member: discord.Member, kind: int, data: dict, channel=None, message=None) -> dict:
        """Feed Discord's INTERACTION_CREATE payload to the client; return the recorded response."""
        token = self.send_interaction(member, kind, data, channel, message)
        (callback,) = await asyncio.to_thread(self.api.wait_for, "callback", where=lambda a: a["token"] == token)
        return callback

    def send_interaction(self, member: discord.Member, kind: int, data: dict, channel=None, message=None) -> str:
        """Feed Discord's INTERACTION_CREATE payload to the client; returns its token. In a DM
        channel it carries a `user` and no guild, as Discord sends it."""
        channel = channel or self.channels[0]
        token = f"tok{next(_ids)}"
        payload = {
            "id": str(next(_ids)), "application_id": str(self.client.application_id), "type": kind, "token": token,
            "version": 1, "channel_id": str(channel.id), "data": data, "locale": "en-GB", "app_permissions": "0",
            "entitlements": [], "authorizing_integration_owners": {}, "attachment_size_limit": 10_485_760,
            **({"message": message} if message else {}),
        }
        if isinstance(channel, discord.DMChannel):
            payload.update(user=_user_payload(member), channel={"id": str(channel.id), "type": 1}, context=1)
        else:
            payload.update(
                guild_id=str(self.guild.id), guild_locale="en-GB", context=0,
                channel={"id": str(channel.id), "type": 0, "guild_id": str(self.guild.id), "name": channel.name, "position": 0},
                member={"user": _user_payload(member), "roles": [str(r.id) for r in member.roles if not r.is_default()],
                        "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
                        "permissions": str(member.guild_permissions.value)})
        self.client._connection.parse_interaction_create(payload)
        return token

    async def command(self, member: discord.Member, name: str, options: list[dict] | None = None,
                      resolved: dict | None = None, channel=None) -> dict:
        data = {"id": str(next(_ids)), "name": name, "type": 1, "options": options or []}
        if resolved:
            data["resolved"] = resolved
        return await self.interaction(member, 2, data, channel)

    async def click(self, member: discord.Member, custom_id: str, sent: dict, channel=None) -> dict:
        """Click a button of a message the bot sent; the interaction carries that message."""
        message = {
            "id": str(sent["message_id"]), "channel_id": str(sent["channel_id"]), "author": _user_payload(self.client.user),
            "content": sent.get("content") or "", "embeds": sent.get("embeds", []), "components": sent["components"],
            "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "pinned": False, "type": 0, "flags": 0,
        }
        return await self.interaction(member, 3, {"custom_id": custom_id, "component_type": 2}, channel, message)


def _user_payload(user: discord.abc.User) -> dict:
    return {"id": str(user.id), "username": user.name, "discriminator": "0001", "global_name": None, "avatar": None}


def buttons(payload: dict) -> list[str]:
    return [c["custom_id"] for row in payload.get("components", []) for c in row["components"]]


def item_ids(payload: dict) -> list[str]:
    return [cid.split(":", 2)[2] for cid in buttons(payload) if cid.startswith("chatrec:like:")]


@contextlib.asynccontextmanager
async def harness(tmp_path, embedder, monkeypatch, **more):
    """A bot on the demo films behind dpytest and the REST stand-in; `more`: settings besides."""
    api = MockDiscordAPI().start()
    monkeypatch.setattr(discord.http.Route, "BASE", api.url)  # interaction responses and follow-ups
    path = write_jsonl(tmp_path / "films.jsonl", film_records() + [LONG_ID_FILM])
    settings = settings_from_dict({
        "catalog": {"format": "jsonl", "path": str(path)}, "storage": {"dir": str(tmp_path / "store")},
        "discord": {"token": "test-token"}, **more,
    }, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    client = ChatrecDiscord(ChatService(runtime), settings.discord)
    await client._async_setup_hook()
    # dpytest resolves mentions through the guild's member cache, which needs the members
    # intent; the real gateway sends mentioned users inside the message, so the bot doesn't.
    client._connection._intents.members = True
    client._connection.member_cache_flags = discord.MemberCacheFlags.all()
    dpytest.configure(client, text_channels=2, members=3)
    harness = Harness(client, api, runtime)
    if harness.guild.get_member(client.user.id) is None:
        await dpytest.member_join(0, client.user)
    state = client._connection
    state.application_id = 1_200_000_000_000_000_001  # READY carries it on a real login
    state._command_tree = client.tree
    state.loop = asyncio.get_running_loop()  # what the gateway login would have set
    synced = []

    async def sync_commands(tree, settings):  # no command sync through dpytest's HTTP
        synced.append(tree)

    monkeypatch.setattr(discord_app, "sync_commands", sync_commands)
    await client.setup_hook()  # what start-up runs: registers the buttons, syncs the commands
    assert synced == [client.tree]
    session = aiohttp.ClientSession()
    state.http._HTTPClient__session = session  # Interaction.response/followup use the client's session

    original_send = state.http.send_message

    async def send_message(channel_id, *, params):  # record the payload Discord would receive
        channel = client.get_channel(channel_id) or state._get_private_channel(channel_id)  # noqa: F841 (read by dpytest)
        data = await original_send(channel_id, params=params)
        harness.sent.append({"channel_id": channel_id, "message_id": int(data["id"]), **params.payload})
        return data

    async def send_typing(channel_id):
        harness.typing.append(channel_id)

    original_edit = state.http.edit_message

    async def edit_message(channel_id, message_id, *, params):
        self = discord.utils.get(state._messages or [], id=int(message_id))  # noqa: F841 (read by dpytest, as Message.edit's)
        data = await original_edit(channel_id, message_id, params=params)
        harness.edits.append({"channel_id": channel_id, "message_id": int(message_id), **params.payload})
        return data

    monkeypatch.setattr(state.http, "send_message", send_message)
    monkeypatch.setattr(state.http, "edit_message", edit_message)
    monkeypatch.setattr(state.http, "send_typing", send_typing, raising=False)
    try:
        yield harness
    finally:
        await dpytest.empty_queue()
        await session.close()
        api.stop()


@pytest_asyncio.fixture
async def bot(tmp_path, embedder, monkeypatch):
    async with harness(tmp_path, embedder, monkeypatch) as h:
        yield h


async def mention(bot: Harness, text: str, channel=0, member=0) -> discord.Message:
    return await dpytest.message(f"<@{bot.client.user.id}> {text}", channel=channel, member=member)


@pytest.mark.asyncio
async def test_mention_gets_an_embed_with_items_and_buttons(bot):
    question = await mention(bot, "give me 3 westerns")
    (payload,) = bot.payloads()
    (embed,) = payload["embeds"]
    assert embed["title"].startswith("Here are 3 picks")
    ids = item_ids(payload)
    assert len(ids) == 3 and all("Western" in bot.runtime.catalog[i].genres for i in ids)
    for field, item_id in zip(embed["fields"], ids):
        item = bot.runtime.catalog[item_id]
        assert item.title in field["name"] and str(item.year) in field["name"] and "Western" in field["value"]
    assert buttons(payload)[:2] == [f"chatrec:like:{ids[0]}", f"chatrec:dislike:{ids[0]}"]
    assert bot.typing == [bot.channels[0].id]  # typing shown while the agent worked
    assert int(payload["message_reference"]["message_id"]) == question.id  # a reply to the question
    assert payload["allowed_mentions"]["parse"] == [] and not payload["allowed_mentions"].get("replied_user")  # pings nobody
    # The embed's thumbnail is the poster of its first card that has one in the catalog.
    assert embed["thumbnail"]["url"] == next(POSTERS[i] for i in ids if i in POSTERS)


@pytest.mark.asyncio
async def test_with_a_language_model_the_answer_shows_as_it_is_written_then_gets_its_cards(tmp_path, embedder, monkeypatch):
    model = MockOpenAI().start()
    llm = {"llm": {"provider": "openai", "model": "local-model", "base_url": f"{model.root}/v1", "api_key": "sk-test"}}
    try:
        async with harness(tmp_path, embedder, monkeypatch, **llm) as h:
            question = await mention(h, "three westerns please")
            (shown,) = h.payloads()  # one message: the text first, then the same message finished
            assert shown["content"] and not shown.get("embeds")
            assert int(shown["message_reference"]["message_id"]) == question.id and shown["allowed_mentions"]["parse"] == []
            finished = [e for e in h.edits if e["message_id"] == shown["message_id"]][-1]
            (embed,) = finished["embeds"]
            assert embed["title"].startswith("Westerns: ") and not finished.get("content")
            assert embed["title"].startswith(shown["content"])  # what was shown was the answer's beginning
            ids = item_ids(finished)
            assert len(ids) == 3 and all("Western" in h.runtime.catalog[i].genres for i in ids)
            assert all(model_call["body"].get("stream") for model_call in model.of("chat"))
            # The offline planner's answers are not streamed: see the tests above (one send, no edit).
    finally:
        model.stop()


@pytest.mark.asyncio
async def test_a_streamed_message_that_cannot_be_finished_gets_the_answer_sent_anew(tmp_path, embedder, monkeypatch):
    """Someone deleted the text shown while the model wrote (or Discord refused the edit): the
    finished answer, cards and buttons, comes as a new reply instead of an apology."""
    model = MockOpenAI().start()
    llm = {"llm": {"provider": "openai", "model": "local-model", "base_url": f"{model.root}/v1", "api_key": "sk-test"}}
    try:
        async with harness(tmp_path, embedder, monkeypatch, **llm) as h:
            http = h.client._connection.http
            edit = http.edit_message

            async def refuse_the_finished_answer(channel_id, message_id, *, params):
                if params.payload.get("embeds"):
                    raise discord.NotFound(SimpleNamespace(status=404, reason="Not Found"), {"code": 10008, "message": "Unknown Message"})
                return await edit(channel_id, message_id, params=params)

            monkeypatch.setattr(http, "edit_message", refuse_the_finished_answer)
            question = await mention(h, "three westerns please")
            shown, answer = h.payloads()
            assert shown["content"] and not shown.get("embeds")
            (embed,) = answer["embeds"]
            assert embed["title"].startswith("Westerns: ") and len(item_ids(answer)) == 3
            assert int(answer["message_reference"]["message_id"]) == question.id  # a reply to the question
            assert APOLOGY not in json.dumps([shown, answer])
    finally:
        model.stop()


@pytest.mark.asyncio
async def test_messages_without_a_mention_and_from_bots_are_ignored(bot):
    await dpytest.message("give me 3 westerns")  # no mention in a guild channel
    other_bot = await dpytest.member_join(0, name="OtherBot")
    other_bot._user.bot = True
    await dpytest.message(f"<@{bot.client.user.id}> give me 3 westerns", member=other_bot)
    assert bot.sent == []
    await bot.client.get_channel(bot.channels[0].id).send(f"<@{bot.client.user.id}> give me 3 westerns")
    await dpytest.run_all_events()
    assert len(bot.sent) == 1  # only the message it sent itself: it did not answer itself


@pytest.mark.asyncio
async def test_follow_up_uses_channel_memory_and_channels_are_isolated(bot):
    await mention(bot, "give me 3 westerns", channel=0)
    first = item_ids(bot.payloads(bot.channels[0])[0])
    await mention(bot, "why the second one?", channel=0)
    why = bot.payloads(bot.channels[0])[1]
    assert item_ids(why) == [first[1]]
    await mention(bot, "why the second one?", channel=1)
    elsewhere = bot.payloads(bot.channels[1])[0]
    assert item_ids(elsewhere) == []
    assert not elsewhere.get("embeds") and elsewhere["content"]  # a plain answer: nothing to refer to


@pytest.mark.asyncio
async def test_a_bare_mention_and_an_over_long_message_get_clear_answers(bot):
    await dpytest.message(f"<@{bot.client.user.id}>")
    await mention(bot, "a film like " * 300)  # 3600 characters: Nitro members may send 4000
    assert [p["content"] for p in bot.payloads()] == [EMPTY, TOO_LONG]


@pytest.mark.asyncio
async def test_a_thread_is_its_own_conversation(bot):
    parent = bot.channels[0]
    thread_id = next(_ids)
    bot.client._connection.parse_thread_create({
        "id": str(thread_id), "guild_id": str(bot.guild.id), "parent_id": str(parent.id), "owner_id": str(bot.members[0].id),
        "name": "movie night", "type": 11, "last_message_id": None, "rate_limit_per_user": 0, "message_count": 0,
        "member_count": 1, "flags": 0, "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                                         "archive_timestamp": "2026-11-23T12:00:00+00:00", "locked": False}})
    thread = bot.guild.get_thread(thread_id)
    await mention(bot, "give me 3 westerns", channel=thread)
    in_thread = item_ids(bot.payloads(thread)[0])
    await mention(bot, "give me 2 horror films", channel=parent)
    await mention(bot, "why the second one?", channel=thread)  # the thread's own list, not the channel's
    assert item_ids(bot.payloads(thread)[-1]) == [in_thread[1]]


@pytest.mark.asyncio
async def test_direct_messages_are_answered_without_a_mention(bot):
    member = bot.members[0]
    dm = await member.create_dm()
    await dpytest.message("give me 2 horror films", channel=dm, member=member)
    (payload,) = bot.payloads(dm)
    ids = item_ids(payload)
    assert len(ids) == 2 and all("Horror" in bot.runtime.catalog[i].genres for i in ids)


@pytest.mark.asyncio
async def test_a_failing_handler_apologises_and_the_client_keeps_answering(bot):
    calls = []

    def broken(message, admitted=False, on_text=None):
        calls.append(message)
        raise RuntimeError("boom")

    bot.client.service.handle = broken
    await mention(bot, "give me 3 westerns")
    assert bot.payloads()[0]["content"] == APOLOGY and calls
    del bot.client.service.handle  # the class's method again
    await mention(bot, "give me 2 westerns")
    assert len(item_ids(bot.payloads()[-1])) == 2


@pytest.mark.asyncio
async def test_button_click_records_feedback_for_the_clicker_ephemerally(bot):
    await mention(bot, "give me 3 westerns")
    payload = bot.payloads()[0]
    like = buttons(payload)[0]
    clicker = bot.members[1]
    response = await bot.click(clicker, like, payload)
    item = bot.runtime.catalog[like.split(":", 2)[2]]
    assert response["type"] == 4 and response["data"]["flags"] & EPHEMERAL
    assert response["data"]["content"] == f"Thanks! Noted that you liked {item.label}."
    history = bot.runtime.history
    assert [(e.item_id, e.signal) for e in history.user_history(f"discord:{bot.guild.id}:{clicker.id}")] == [(item.id, "liked")]
    assert history.user_history(f"discord:{bot.guild.id}:{bot.members[0].id}") == []  # not the asker's


@pytest.mark.asyncio
async def test_button_clicks_survive_a_restart(bot):
    """The buttons are dynamic items: a click on a message from before a restart still works."""
    old_message = {"channel_id": bot.channels[0].id, "message_id": 1_100_000_000_000_000_001, "components": [
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "👎 1", "custom_id": "chatrec:dislike:fargo"}]}]}
    response = await bot.click(bot.members[0], "chatrec:dislike:fargo", old_message)
    assert response["data"]["content"] == "Thanks! Noted that you did not like Fargo (1996)."
    disliked = bot.runtime.history.disliked(f"discord:{bot.guild.id}:{bot.members[0].id}")
    assert [e.item_id for e in disliked] == ["fargo"]


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


async def make_admin(bot: Harness, member: discord.Member) -> discord.Member:
    role = dpytest.backend.make_role("Moderators", bot.guild, permissions=discord.Permissions(manage_guild=True).value)
    await dpytest.add_role(member, role)
    return bot.guild.get_member(member.id)


async def make_operator(bot: Harness, member: discord.Member) -> discord.Member:
    """One of the bot's operators (config), who also manages this server (so sees the commands)."""
    bot.client.settings.admin_user_ids.append(member.id)
    return await make_admin(bot, member)


@pytest.mark.asyncio
async def test_non_admins_are_refused_ephemerally_and_nothing_changes(bot):
    member = bot.members[1]
    await mention(bot, "give me 3 westerns")
    server_admin = await make_admin(bot, bot.members[0])
    for who, name, options, refusal in (
            (member, "reindex", [{"name": "full", "type": 5, "value": True}], "Only chatrec's operators can run `reindex`"),
            (server_admin, "reindex", [], "Only chatrec's operators can run `reindex`"),  # one server's admin
            (member, "forget", [], "Only this server's admins can run `forget`")):
        response = await bot.command(who, name, options)
        assert response["data"]["flags"] & EPHEMERAL
        assert response["data"]["content"].startswith(refusal)
    assert not bot.runtime.reindexing
    await mention(bot, "why the second one?")  # the memory is still there
    assert len(item_ids(bot.payloads()[-1])) == 1
    target = bot.members[2]
    response = await bot.command(member, "link", [{"name": "user", "type": 6, "value": str(target.id)},
                                                  {"name": "catalog_user_id", "type": 3, "value": "ann"}],
                                 {"users": {str(target.id): _user_payload(target)}})
    assert response["data"]["content"].startswith("Only this server's admins can run `link`")
    assert bot.client.service.catalog_user("discord", str(bot.guild.id), str(target.id)) != "ann"


@pytest.mark.asyncio
async def test_admins_by_configured_role_or_user_id(bot):
    role = dpytest.backend.make_role("chatrec admins", bot.guild, permissions=0)  # no server permissions
    await dpytest.add_role(bot.members[1], role)
    by_role, by_id, other = bot.guild.get_member(bot.members[1].id), bot.members[2], bot.members[0]
    bot.client.settings.admin_role_ids.append(role.id)
    bot.client.settings.admin_user_ids.append(by_id.id)
    for member in (by_role, by_id):
        await mention(bot, "give me 3 westerns")
        assert (await bot.command(member, "forget"))["data"]["content"].startswith("Done: I've forgotten")
    assert (await bot.command(other, "forget"))["data"]["content"].startswith("Only this server's admins")


@pytest.mark.asyncio
async def test_admin_commands_forget_link_status_help(bot):
    admin = await make_admin(bot, bot.members[0])
    await mention(bot, "give me 3 westerns")
    response = await bot.command(admin, "forget")
    assert response["data"]["content"].startswith("Done: I've forgotten")
    assert not response["data"].get("flags", 0) & EPHEMERAL  # the channel sees it
    await mention(bot, "why the second one?")
    assert item_ids(bot.payloads()[-1]) == []  # nothing left to refer to

    target = bot.members[2]
    bot.runtime.history.create_user("ann")  # as an operator's link here would,
    bot.runtime.history.grant("ann", "discord", str(bot.guild.id))  # which also gives this server ann
    bot.runtime.history.record_feedback("ann", "alien", "liked")
    # The option is one typed value, read whole: "ann smith" is no catalog user id (as words it
    # would have been split, and the member linked to `ann`).
    response = await bot.command(admin, "link", [{"name": "user", "type": 6, "value": str(target.id)},
                                                 {"name": "catalog_user_id", "type": 3, "value": "ann smith"}],
                                 {"users": {str(target.id): _user_payload(target)}})
    assert "A catalog user id is letters" in response["data"]["content"]
    assert bot.client.service.catalog_user("discord", str(bot.guild.id), str(target.id)) != "ann"
    response = await bot.command(admin, "link", [{"name": "user", "type": 6, "value": str(target.id)},
                                                 {"name": "catalog_user_id", "type": 3, "value": "ann"}],
                                 {"users": {str(target.id): _user_payload(target)}})
    assert response["data"]["content"].startswith(f"Linked <@{target.id}> to catalog user `ann`")
    assert response["data"]["allowed_mentions"]["parse"] == []  # names the member without pinging
    assert bot.client.service.catalog_user("discord", str(bot.guild.id), str(target.id)) == "ann"
    await mention(bot, "what have I liked?", member=2)
    # Linked, but in a channel and without consent: their ratings are not named here.
    assert "Alien" not in str(bot.payloads()[-1]) and "direct message" in str(bot.payloads()[-1])
    bot.runtime.history.set_taste_sharing("ann", True)
    await mention(bot, "what have I liked?", member=2)
    assert "Alien" in str(bot.payloads()[-1])

    status = await bot.command(bot.members[1], "status")  # anyone may ask
    assert f"Catalog: {len(bot.runtime.catalog)} items" in status["data"]["content"]
    assert status["data"]["flags"] & EPHEMERAL
    help_ = await bot.command(bot.members[1], "help")
    assert "`/link user catalog_user_id`" in help_["data"]["content"] and "/chatrec" not in help_["data"]["content"]
    shared = await bot.command(bot.members[1], "share-taste", [{"name": "share", "type": 3, "value": "on"}])
    assert shared["data"]["content"].startswith("Taste sharing is on") and shared["data"]["flags"] & EPHEMERAL
    member = bot.client.service.catalog_user("discord", str(bot.guild.id), str(bot.members[1].id))
    assert bot.runtime.history.sharing_taste([member]) == {member}


@pytest.mark.asyncio
async def test_a_server_admin_cannot_link_to_a_member_of_another_server(bot):
    """Someone with Manage Server here tries to become a person in another server (or in Slack)."""
    admin = await make_admin(bot, bot.members[0])
    service = bot.client.service
    for stranger in (service.catalog_user("discord", "999", "4242"), service.catalog_user("slack", "T9", "U9")):
        service.feedback(*stranger.split(":"), "fargo", "liked")  # the stranger's history exists
        response = await bot.command(admin, "link", [{"name": "user", "type": 6, "value": str(admin.id)},
                                                     {"name": "catalog_user_id", "type": 3, "value": stranger}],
                                     {"users": {str(admin.id): _user_payload(admin)}})
        assert f"`{stranger}` is a chat identity, not a catalog user" in response["data"]["content"]
        assert response["data"]["flags"] & EPHEMERAL
    assert service.catalog_user("discord", str(bot.guild.id), str(admin.id)) == f"discord:{bot.guild.id}:{admin.id}"


@pytest.mark.asyncio
async def test_a_slow_command_is_deferred_then_answered(bot, monkeypatch):
    """/forget waits for a turn in progress; past the deadline the interaction is deferred first."""
    import bot.discord.app as discord_app

    monkeypatch.setattr(discord_app, "ANSWER_WITHIN_S", 0.2)
    admin = await make_admin(bot, bot.members[0])
    forget_all = bot.runtime.agent.forget_all

    def slow_forget_all(conversation):
        time.sleep(1.0)
        return forget_all(conversation)

    await mention(bot, "give me 3 westerns")
    monkeypatch.setattr(bot.runtime.agent, "forget_all", slow_forget_all)
    response = await bot.command(admin, "forget")
    assert response["type"] == 5  # deferred: "chatrec is thinking…"
    (followup,) = await asyncio.to_thread(bot.api.wait_for, "followup")
    assert followup["token"] == response["token"] and followup["content"].startswith("Done: I've forgotten")


@pytest.mark.asyncio
async def test_reindex_defers_follows_up_and_a_second_is_refused(bot, monkeypatch):
    admin = await make_operator(bot, bot.members[0])
    release = asyncio.Event()
    original_syncing = bot.runtime.index.syncing
    loop = asyncio.get_running_loop()

    def slow_syncing(*args, **kwargs):  # holds the reindex (and its lock) until released
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=60)
        return original_syncing(*args, **kwargs)

    monkeypatch.setattr(bot.runtime.index, "syncing", slow_syncing)
    records = film_records() + [{"id": "high-noon", "title": "High Noon", "year": 1952, "genres": ["Western"],
                                 "description": "A town marshal must face a gang of killers alone.", "tags": []}]
    write_jsonl(bot.runtime.settings.catalog.path, records)

    first = await bot.command(admin, "reindex")
    assert first["type"] == 5  # deferred: "chatrec is thinking…"
    await asyncio.to_thread(_wait_until, lambda: bot.runtime.reindexing)
    second = await bot.command(admin, "reindex", [{"name": "full", "type": 5, "value": True}])
    assert second["data"]["content"].startswith("A reindex is already running")
    assert second["data"]["flags"] & EPHEMERAL
    release.set()
    (followup,) = await asyncio.to_thread(bot.api.wait_for, "followup", timeout=120)
    assert followup["content"].startswith("Reindex done") and "1 added" in followup["content"]
    assert followup["token"] == first["token"]
    assert "high-noon" in bot.runtime.catalog.items


@pytest.mark.asyncio
async def test_a_mention_of_the_bots_own_role_counts(bot):
    """Picking the bot's managed role from the mention list also addresses it."""
    role_id = next(_ids)
    bot.client._connection.parse_guild_role_create({"guild_id": str(bot.guild.id), "role": {
        "id": str(role_id), "name": "chatrec", "permissions": "0", "position": 1, "color": 0, "hoist": False,
        "managed": True, "mentionable": False, "flags": 0, "tags": {"bot_id": str(bot.client.user.id)}}})
    other = dpytest.backend.make_role("Movie club", bot.guild)
    await dpytest.message(f"<@&{other.id}> give me 2 westerns")
    assert bot.sent == []  # another role: not for the bot
    await dpytest.message(f"<@&{role_id}> give me 2 westerns")
    assert len(item_ids(bot.payloads()[0])) == 2
    await dpytest.message(f"<@&{role_id}> help")  # the role mention is dropped before the text is read
    assert "i recommend films from this catalog" in json.dumps(bot.payloads()[-1]).lower()  # the help answer


@pytest.mark.asyncio
async def test_items_with_ids_too_long_for_a_button_still_get_working_buttons(bot):
    await mention(bot, "tell me about Koyaanisqatsi")
    payload = bot.payloads()[0]
    ids = buttons(payload)
    assert ids and all(len(custom_id) <= 100 for custom_id in ids) and len(set(ids)) == len(ids)
    response = await bot.click(bot.members[1], ids[0], payload)
    assert response["data"]["content"] == "Thanks! Noted that you liked Koyaanisqatsi (1982)."
    entries = bot.runtime.history.user_history(f"discord:{bot.guild.id}:{bot.members[1].id}")
    assert [e.item_id for e in entries] == [LONG_ID_FILM["id"]]


@pytest.mark.asyncio
async def test_clicks_and_commands_in_a_dm(bot):
    member = bot.members[1]
    dm = await member.create_dm()
    await dpytest.message("give me 2 horror films", channel=dm, member=member)
    payload = bot.payloads(dm)[0]
    second = item_ids(payload)[1]
    response = await bot.click(member, f"chatrec:like:{second}", payload, channel=dm)  # 👍 on the second card
    assert response["data"]["content"].startswith("Thanks! Noted that you liked")
    entries = bot.runtime.history.user_history(f"discord:dm:{member.id}")
    assert [e.item_id for e in entries] == [second]
    # Save puts the first card on the clicker's own list (and nothing in their history).
    first = item_ids(payload)[0]
    saved = await bot.click(member, f"chatrec:save:{first}", payload, channel=dm)
    assert saved["data"]["content"].startswith("Saved ") and saved["data"]["flags"] & 64  # ephemeral
    again = await bot.click(member, f"chatrec:save:{first}", payload, channel=dm)
    assert "already on your list" in again["data"]["content"]
    assert bot.runtime.history.watchlist(f"discord:dm:{member.id}") == [first]
    assert [e.item_id for e in bot.runtime.history.user_history(f"discord:dm:{member.id}")] == [second]
    await dpytest.message("what's on my list?", channel=dm, member=member)
    assert item_ids(bot.payloads(dm)[-1]) == [first]  # shown as a card, in a DM
    refused = await bot.command(member, "reindex", channel=dm)
    assert refused["data"]["content"].startswith("Only chatrec's operators") and not bot.runtime.reindexing
    forgot = await bot.command(member, "forget", channel=dm)  # their own conversation: allowed
    assert forgot["data"]["content"].startswith("Done: I've forgotten")
    await dpytest.message("why the first one?", channel=dm, member=member)
    assert item_ids(bot.payloads(dm)[-1]) == []


@pytest.mark.asyncio
async def test_a_failing_command_or_click_gets_an_apology(bot, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.client.service, "command", broken)
    monkeypatch.setattr(bot.client.service, "feedback", broken)
    response = await bot.command(bot.members[0], "status")
    assert response["data"]["content"] == APOLOGY and response["data"]["flags"] & EPHEMERAL
    old_message = {"channel_id": bot.channels[0].id, "message_id": 1_100_000_000_000_000_002, "components": [
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "👍 1", "custom_id": "chatrec:like:fargo"}]}]}
    response = await bot.click(bot.members[0], "chatrec:like:fargo", old_message)
    assert response["data"]["content"] == APOLOGY and response["data"]["flags"] & EPHEMERAL


@pytest.mark.asyncio
async def test_a_reindex_result_outliving_the_interaction_is_posted_in_the_channel(bot):
    admin = await make_operator(bot, bot.members[0])
    bot.api.followups_expired = True
    assert (await bot.command(admin, "reindex"))["type"] == 5
    await asyncio.to_thread(bot.api.wait_for, "followup", timeout=120)  # refused: the token has expired
    await asyncio.to_thread(_wait_until, lambda: bot.payloads(bot.channels[0]), 30)
    assert bot.payloads(bot.channels[0])[0]["content"].startswith("Reindex done")


@pytest.mark.asyncio
async def test_no_typing_indicator_still_gets_an_answer(bot, monkeypatch):
    async def refused(channel_id):
        raise discord.Forbidden(_Response(403), "Missing Permissions")

    monkeypatch.setattr(bot.client._connection.http, "send_typing", refused)
    await mention(bot, "give me 2 westerns")
    assert len(item_ids(bot.payloads()[0])) == 2


@pytest.mark.asyncio
async def test_command_sync_goes_to_each_guild_and_a_refusing_guild_is_not_fatal(caplog):
    client = ChatrecDiscord(None, settings_from_dict({"discord": {"guild_ids": [11, 22]}}, environ={}).discord)
    synced = []

    async def sync(*, guild=None):
        if guild is not None and guild.id == 11:
            raise discord.Forbidden(_Response(403), "Missing Access")
        synced.append(guild and guild.id)

    client.tree.sync = sync
    await discord_app.sync_commands(client.tree, client.settings)
    assert synced == [22] and "could not sync slash commands to guild 11" in caplog.text
    assert {c.name for c in client.tree.get_commands(guild=discord.Object(22))} == {"reindex", "status", "forget", "link", "share-taste", "profile", "help"}
    await discord_app.sync_commands(client.tree, client.settings.model_copy(update={"guild_ids": []}))
    assert synced == [22, None]  # no guilds configured: one global sync


@pytest.mark.asyncio
@pytest.mark.parametrize("shards, registers", [({}, True), ({"shard_count": 2}, True),
                                               ({"shard_count": 2, "shard_ids": [0]}, True),
                                               ({"shard_count": 3, "shard_ids": [1, 2]}, False)])
async def test_only_the_process_with_shard_0_registers_the_slash_commands(monkeypatch, shards, registers):
    settings = settings_from_dict({"discord": shards}, environ={}).discord
    client = discord_app.make_client(None, settings)
    synced = []

    async def sync_commands(tree, settings):
        synced.append(settings.shard_ids)

    monkeypatch.setattr(discord_app, "sync_commands", sync_commands)
    await client.setup_hook()
    assert bool(synced) is registers


class _Response:
    """What discord.HTTPException reads off an aiohttp response."""

    def __init__(self, status: int):
        self.status, self.reason = status, "refused"


# --- rendering, without a client ---------------------------------------------------------


def test_long_replies_are_split_into_messages_within_discords_limits():
    items = [ReplyItem(id=f"film-{n}", title="T" * 300, year=1990, genres=["Drama"] * 60, explanation="because " * 400)
             for n in range(23)]
    messages = render(Outgoing("Here are 23 picks.\nMore text.", items))
    assert len(messages) == 3
    for message in messages:
        embed = message["embed"]
        assert len(embed) <= MAX_EMBED_TOTAL and len(embed.fields) <= 10
        assert all(len(f.value) <= MAX_FIELD_VALUE and len(f.name) <= 256 for f in embed.fields)
        assert len(message["view"].children) <= 25
    assert sum(len(m["embed"].fields) for m in messages) == 23
    plain = render(Outgoing("word " * 1500))
    assert len(plain) == 4 and all(len(m["content"]) <= MAX_CONTENT for m in plain)


def test_what_a_reply_says_besides_its_cards_is_kept():
    items = [ReplyItem(id="fargo", title="Fargo", year=1996, genres=["Crime"], explanation="Snow and crime.")]
    text = "Two picks:\n1. *Fargo* (1996) — Snow and crime.\n\nWant something older? Just say so."
    (message,) = render(Outgoing(text, items))
    assert message["embed"].title == "Two picks:"
    assert message["embed"].description == "Want something older? Just say so."  # the item line is a card
    (plain,) = render(Outgoing("Two picks:\n1. *Fargo* (1996) — Snow and crime.", items))
    assert plain["embed"].description is None


def test_invite_url_and_application_id():
    assert discord_application_id("MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.secret") == 123456789012345678
    assert discord_application_id("not a token") is None and discord_application_id("a.b.c") is None
    url = invite_url(123456789012345678)
    assert "client_id=123456789012345678" in url and "scope=bot+applications.commands" in url
    permissions = int(url.split("permissions=")[1].split("&")[0])
    assert discord.Permissions(permissions).send_messages and discord.Permissions(permissions).embed_links


def test_chatrec_serve_discord_needs_a_token_and_reports_a_rejected_one(tmp_path):
    """The real command up to Discord's login, which a local stand-in refuses."""
    api = MockDiscordAPI().start()
    # ops.port 0: any free port, never a running bot's 9464 (or another test run's)
    film_project(tmp_path, "discord: {token: '${DISCORD_TOKEN}', api_url: '${DISCORD_API_URL}'}\nops: {port: 0}\n")
    try:
        missing = chatrec("serve", "discord", cwd=tmp_path, env={"DISCORD_TOKEN": "", "DISCORD_API_URL": api.url})
        assert missing.returncode == 2 and "DISCORD_TOKEN is not set" in missing.stderr
        token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.revoked"
        rejected = chatrec("serve", "discord", cwd=tmp_path, env={"DISCORD_TOKEN": token, "DISCORD_API_URL": api.url})
        assert rejected.returncode == 2, rejected.stdout + rejected.stderr
        assert "Discord rejected DISCORD_TOKEN" in rejected.stderr and "Reset Token" in rejected.stderr
        assert [call["authorization"] for call in api.of("login")] == [f"Bot {token}"]
        alone = chatrec("serve", "all", cwd=tmp_path, env={"DISCORD_TOKEN": token, "DISCORD_API_URL": api.url})
        assert alone.returncode == 2 and "Only Discord is configured" in alone.stderr  # Slack isn't: Discord alone
        assert "Discord rejected DISCORD_TOKEN" in alone.stderr
        run = chatrec("run", cwd=tmp_path, env={"DISCORD_TOKEN": token, "DISCORD_API_URL": api.url})
        assert run.returncode == 2 and "Discord rejected DISCORD_TOKEN" in run.stderr  # `run` serves Discord too
    finally:
        api.stop()


def test_chatrec_serve_all_runs_slack_and_discord_in_one_process(tmp_path):
    """The real command, end to end over local sockets: the Discord client logs in over HTTP,
    syncs its commands to the configured guild, identifies on a gateway stand-in and answers
    a mention pushed through it, while Slack answers signed events in the same process."""
    from .discord_gateway import GatewayStandIn
    from .discord_mock import BOT_USER
    from .slack_mock import MockSlackAPI
    from .test_slack_app import SECRET, SlackClient, item_buttons

    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.valid"
    guild, channel = "555000000000000001", "555000000000000002"
    discord_api, slack_api = MockDiscordAPI(tokens=(token,)).start(), MockSlackAPI().start()
    gateway = GatewayStandIn(guild, channel).start()
    film_project(tmp_path, (
        "slack: {bot_token: xoxb-test, signing_secret: '${SLACK_SIGNING_SECRET}', api_url: '${SLACK_API_URL}'}\n"
        f"discord: {{token: '${{DISCORD_TOKEN}}', api_url: '${{DISCORD_API_URL}}', gateway_url: '${{DISCORD_GATEWAY_URL}}', "
        f"guild_ids: [{guild}]}}\nops: {{port: 0}}\n"))
    port = free_port()
    proc = start_chatrec("serve", "all", "--port", str(port), "--host", "127.0.0.1", cwd=tmp_path, env={
        "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.url,
        "DISCORD_TOKEN": token, "DISCORD_API_URL": discord_api.url, "DISCORD_GATEWAY_URL": gateway.url})
    try:
        (sync,) = discord_api.wait_for("sync", timeout=120)
        assert sync["guild"] == guild  # a configured guild gets the commands at once
        commands = {c["name"]: c for c in sync["commands"]}
        assert set(commands) == {"reindex", "status", "forget", "link", "share-taste", "profile", "help"}
        manage_guild = str(discord.Permissions(manage_guild=True).value)
        assert {n for n, c in commands.items() if str(c.get("default_member_permissions")) == manage_guild} == {"reindex", "forget", "link"}
        assert [o["name"] for o in commands["link"]["options"]] == ["user", "catalog_user_id"]

        identify = gateway.wait_identified()
        assert identify["token"] == token
        intents = discord.Intents._from_value(identify["intents"])
        assert intents.message_content and intents.guild_messages and intents.dm_messages and not intents.members
        # Frames are read in order, so the guild from GUILD_CREATE is known when the message arrives.
        person = {"id": "777000000000000001", "username": "ann", "discriminator": "0", "global_name": None, "avatar": None}
        gateway.message(f"<@{BOT_USER['id']}> give me 2 westerns", person, "888000000000000001", mentions=[BOT_USER])
        (sent,) = discord_api.wait_for("message", timeout=60)
        assert sent["channel_id"] == channel and sent["embeds"][0]["title"].startswith("Here are 2 picks")
        like = [c["custom_id"] for row in sent["components"] for c in row["components"]][0]
        assert like.startswith("chatrec:like:") and "Western" in str(sent["embeds"][0]["fields"][0]["value"])
        assert discord_api.of("typing")[0]["channel_id"] == channel

        wait_listening(port, proc)
        assert SlackClient(f"http://127.0.0.1:{port}/slack/events").mention("tell me about Fargo") == 200
        (posted,) = slack_api.wait_for("chat.postMessage")
        assert item_buttons(posted) == ["fargo"]
        assert proc.poll() is None  # both still serving
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
        gateway.stop()
        discord_api.stop()
        slack_api.stop()
    assert "Serving Slack" in output and "Serving Discord" in output, output


def test_a_shard_count_makes_the_same_bot_a_sharded_client():
    """Only built, never logged in: no connection to close."""
    plain = make_client(None, DiscordSettings())
    assert type(plain) is ChatrecDiscord and shards_note(plain.settings) == "unsharded (every server)"
    some = make_client(None, DiscordSettings(shard_count=4, shard_ids=[1, 3]))
    assert isinstance(some, ChatrecDiscord) and isinstance(some, discord.AutoShardedClient)
    assert (some.shard_ids, some.shard_count) == ([1, 3], 4) and shards_note(some.settings) == "shards 1, 3 of 4"
    every = make_client(None, DiscordSettings(shard_count=2))
    assert every.shard_ids is None and shards_note(every.settings) == "all 2 shards"  # discord.py runs 0 and 1
    assert {c.name for c in some.tree.get_commands()} == {c.name for c in plain.tree.get_commands()}


def _wait_ready(gateway, procs: list[subprocess.Popen], connections: int, timeout: float = 120) -> list[dict]:
    """The gateway's IDENTIFY payloads once `connections` clients are ready; fails at once,
    with its output, if a process died (a config error, say)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return gateway.wait_ready(connections, timeout=1)
        except AssertionError:
            for proc in procs:
                assert proc.poll() is None, proc.stdout.read()
            if time.monotonic() > deadline:
                raise


def test_two_sharded_serve_discord_processes_each_answer_only_their_own_guilds(tmp_path):
    """Two real `chatrec serve discord` processes split the servers, as past 2,500 servers:
    shard 0 and shard 1 of 2 (from the environment, as a fleet sharing one config runs). Each
    IDENTIFYs with its shard, so the gateway stand-in sends each only its guilds' events
    (Discord's rule: (guild_id >> 22) % shard_count), and a mention is answered once, by the
    process of its guild's shard."""
    from .discord_gateway import GatewayStandIn, shard_of
    from .discord_mock import BOT_USER

    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.valid"
    guilds = {0: ("556000000000000001", "556000000000000002"), 1: ("555000000000000001", "555000000000000002")}
    assert {shard: shard_of(guild, 2) for shard, (guild, _) in guilds.items()} == {0: 0, 1: 1}
    # The index is built once, then copied: each process keeps its own storage.dir (sqlite history).
    (tmp_path / "shard0").mkdir()
    first = film_project(tmp_path / "shard0", (
        "ops: {port: 0}\n"
        "discord: {token: '${DISCORD_TOKEN}', api_url: '${DISCORD_API_URL}', gateway_url: '${DISCORD_GATEWAY_URL}', "
        "shard_count: '${DISCORD_SHARD_COUNT}', shard_ids: '${DISCORD_SHARD_IDS}'}\n"))
    built = chatrec("index", cwd=first)
    assert built.returncode == 0, built.stdout + built.stderr
    shutil.copytree(first, tmp_path / "shard1")
    gateway = GatewayStandIn(*guilds[0], guilds[1]).start()
    apis = [MockDiscordAPI(tokens=(token,)).start() for _ in guilds]  # one each, to tell who answered
    procs = [start_chatrec("serve", "discord", cwd=tmp_path / f"shard{n}", env={
        "DISCORD_TOKEN": token, "DISCORD_API_URL": apis[n].url, "DISCORD_GATEWAY_URL": gateway.url,
        "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": str(n)}) for n in guilds]
    try:
        identified = _wait_ready(gateway, procs, 2)
        assert sorted((d.get("shard") for d in identified), key=repr) == [[0, 2], [1, 2]]
        assert all(d["token"] == token for d in identified)

        person = {"id": "777000000000000001", "username": "ann", "discriminator": "0", "global_name": None, "avatar": None}
        for n, (guild, _) in guilds.items():
            gateway.message(f"<@{BOT_USER['id']}> give me 2 westerns", person, f"88800000000000000{n}",
                            mentions=[BOT_USER], guild_id=guild)
        for n, (_, channel) in guilds.items():
            (sent,) = apis[n].wait_for("message", timeout=60)
            assert sent["channel_id"] == channel and sent["embeds"][0]["title"].startswith("Here are 2 picks")
        time.sleep(1.0)  # room for a wrong process's answer to show up
        assert [[m["channel_id"] for m in api.of("message")] for api in apis] == [[guilds[0][1]], [guilds[1][1]]]
        assert all(proc.poll() is None for proc in procs)
    finally:
        outputs = []
        for proc in procs:
            proc.terminate()
            outputs.append(proc.communicate(timeout=30)[0])
        gateway.stop()
        for api in apis:
            api.stop()
    assert "Discord client: shards 0 of 2" in outputs[0] and "Discord client: shards 1 of 2" in outputs[1], outputs



@pytest.mark.asyncio
async def test_clicks_and_commands_are_answered_while_every_turn_worker_is_busy(bot, monkeypatch):
    """Turns have their own bounded pool: with every worker waiting on a slow model, a click and
    a command still answer within Discord's three seconds."""
    await mention(bot, "give me 2 westerns")
    payload = bot.payloads()[0]
    gate, real = threading.Event(), bot.runtime.agent.respond
    monkeypatch.setattr(bot.runtime.agent, "respond", lambda *a, **k: (gate.wait(30), real(*a, **k))[1])
    workers = bot.client.service.settings.bot.turn_workers
    waiting = [asyncio.create_task(mention(bot, f"give me {n + 1} comedies")) for n in range(workers + 2)]
    await asyncio.sleep(0.5)
    started = time.monotonic()
    clicked = await bot.click(bot.members[1], buttons(payload)[0], payload)
    status = await bot.command(bot.members[1], "status")
    assert time.monotonic() - started < 2.0
    assert clicked["data"]["content"].startswith("Thanks! Noted") and "Catalog:" in status["data"]["content"]
    gate.set()
    await asyncio.gather(*waiting)


@pytest.mark.asyncio
async def test_a_reindex_that_cannot_be_deferred_gives_its_slot_back(bot, monkeypatch):
    admin = await make_operator(bot, bot.members[0])

    async def refused(*args, **kwargs):
        raise discord.HTTPException(_Response(500), "the interaction could not be answered")

    monkeypatch.setattr(discord.InteractionResponse, "defer", refused)
    reserved = []
    real_reserve = bot.runtime.reserve_reindex
    monkeypatch.setattr(bot.runtime, "reserve_reindex", lambda: reserved.append(real_reserve()) or reserved[-1])
    bot.send_interaction(admin, 2, {"id": "1", "name": "reindex", "type": 1, "options": []})
    await asyncio.to_thread(_wait_until, lambda: reserved, 10)
    await asyncio.to_thread(_wait_until, lambda: not bot.runtime.reindexing, 10)  # released, not held forever
    assert reserved == [True] and bot.api.of("followup") == []


# --- group picks: votes


@pytest.mark.asyncio
async def test_a_group_votes_on_its_picks_and_marks_the_winner_watched(bot, monkeypatch):
    from chatrec_agent.conversation.people import Person

    from .test_votes import group_reply

    ana, ben, other = bot.members
    group = tuple(Person(str(m.id), name, f"discord:{bot.guild.id}:{m.id}") for m, name in ((ana, "Ana"), (ben, "Ben")))
    monkeypatch.setattr(bot.runtime.agent, "respond", lambda *a, **kw: group_reply(bot.runtime, group=group))
    await mention(bot, f"a film for <@{ben.id}> and me", member=0)
    (poll,) = bot.payloads()
    votes = [cid for cid in buttons(poll) if cid.startswith("chatrec:vote:")]
    assert [cid.rsplit(":", 1)[1] for cid in votes] == ["fargo", "heat", "alien"] and all(len(c) <= 100 for c in votes)
    assert [[c["custom_id"].split(":")[1] for c in row["components"]] for row in poll["components"]] == [
        ["like", "dislike", "save", "vote"]] * 3  # one row per card
    assert poll["embeds"][0]["footer"]["text"] == "🗳 Vote for the one you want; waiting for Ana and Ben."

    refused = await bot.click(other, votes[0], poll)  # not one of the group
    assert refused["type"] == 4 and refused["data"]["flags"] & EPHEMERAL
    assert refused["data"]["content"] == "This vote is for Ana and Ben; ask me for picks of your own."

    counted = await bot.click(ana, votes[1], poll)  # Ana: Heat
    assert counted["type"] == 7  # the message itself, edited
    (embed,) = counted["data"]["embeds"]
    assert embed["fields"][1]["value"].endswith("\nAna ✓") and embed["footer"]["text"].endswith("waiting for Ben.")
    ack = await asyncio.to_thread(bot.api.wait_for, "followup", where=lambda a: a["content"].startswith("You voted"))
    assert ack[0]["content"] == "You voted for Heat (1995); waiting for Ben." and ack[0]["flags"] & EPHEMERAL

    final = await bot.click(ben, votes[1], poll)  # Ben: Heat, the last vote
    (embed,) = final["data"]["embeds"]
    assert embed["footer"]["text"] == "🏆 Everyone has voted: Heat (1995) it is." and embed["fields"][1]["name"].startswith("🏆")
    assert not [cid for cid in buttons(final["data"]) if cid.startswith("chatrec:vote:")]  # the vote has closed
    await asyncio.to_thread(_wait_until, lambda: len(bot.payloads()) == 2)
    announcement = bot.payloads()[1]
    assert "Heat (1995) it is (Ana ✓ Ben ✓)" in announcement["content"]
    assert int(announcement["message_reference"]["message_id"]) == poll["message_id"]  # a reply to the poll
    (watched,) = buttons(announcement)
    assert watched == "chatrec:watched:" + votes[0].split(":")[2]

    noted = await bot.click(ben, watched, announcement)
    assert noted["data"]["content"] == "Noted: you've seen Heat (1995); I won't suggest it to you again."
    assert (await bot.click(other, watched, announcement))["data"]["content"].startswith("This pick was for Ana and Ben")
    history = bot.runtime.history
    assert [(e.item_id, e.signal) for e in history.user_history(f"discord:{bot.guild.id}:{ben.id}")] == [("heat", "seen")]
    assert history.user_history(f"discord:{bot.guild.id}:{ana.id}") == []  # she has not confirmed
    late = await bot.click(other, votes[0], poll)  # the old buttons of a decided poll
    assert late["data"]["content"] == "This vote has closed: the group chose Heat (1995)."


@pytest.mark.asyncio
async def test_a_slow_vote_is_deferred_then_the_poll_message_is_edited(bot, monkeypatch):
    from chatrec_agent.conversation.people import Person

    from .test_votes import group_reply

    ana = bot.members[0]
    group = (Person(str(ana.id), "Ana", f"discord:{bot.guild.id}:{ana.id}"), Person("42", "Ben", "discord:x:42"))
    monkeypatch.setattr(bot.runtime.agent, "respond", lambda *a, **kw: group_reply(bot.runtime, group=group))
    await mention(bot, "a film for Ben and me")
    (poll,) = bot.payloads()
    monkeypatch.setattr(discord_app, "ANSWER_WITHIN_S", 0.2)
    real_vote = bot.client.service.votes.vote
    monkeypatch.setattr(bot.client.service.votes, "vote", lambda *a: time.sleep(1) or real_vote(*a))  # a slow database
    vote = next(cid for cid in buttons(poll) if cid.startswith("chatrec:vote:"))
    assert (await bot.click(ana, vote, poll))["type"] == 6  # deferred: the message will be updated
    (edit,) = await asyncio.to_thread(bot.api.wait_for, "followup", where=lambda a: "embeds" in a)
    assert edit["embeds"][0]["fields"][0]["value"].endswith("\nAna ✓")
    (ack,) = await asyncio.to_thread(bot.api.wait_for, "followup", where=lambda a: a.get("content", "").startswith("You voted"))
    assert ack["flags"] & EPHEMERAL


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["something like [free nitro](http://evil.example/claim)",
                                  "have you got [Zorblax](http://evil.example/claim)?",
                                  "a western [click here](http://evil.example/claim) please"])
async def test_a_masked_link_quoted_back_is_shown_as_typed_never_as_a_link(bot, text):
    await mention(bot, text)
    sent = [s for payload in bot.payloads() for s in _strings(payload)]
    assert any("http://evil" in s for s in sent)  # quoted back (so the check below means something) ...
    assert not any(re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(http", s) for s in sent), sent  # ... but as text


@pytest.mark.asyncio
async def test_a_full_turn_queue_is_told_busy_before_any_work_and_then_answers_again(bot, monkeypatch):
    """Issue 21, item 5, through the adapter: past bot.max_pending_turns a mention gets "busy"
    at once (no typing, no turn), and once the queue drains it is answered again."""
    service = bot.client.service
    turns = []
    monkeypatch.setattr(service, "handle", lambda *a, **k: turns.append(a) or ChatService.handle(service, *a, **k))
    waiting = [service.metrics.queued(lambda: None) for _ in range(service.settings.bot.max_pending_turns)]
    await mention(bot, "give me 2 westerns")
    (busy,) = bot.payloads()
    assert "try again in a minute" in busy["content"] and not turns and not bot.typing
    for work in waiting:
        work()
    await mention(bot, "give me 2 westerns")
    assert len(item_ids(bot.payloads()[-1])) == 2 and len(turns) == 1


@pytest.mark.asyncio
async def test_profile_shows_my_page_privately_and_its_buttons_change_it(bot):
    member, history = bot.members[1], bot.runtime.history
    me = f"discord:{bot.guild.id}:{member.id}"
    history.record_feedback(me, "unforgiven", "liked")
    history.save_for_later(me, "rio-bravo")
    history.save_for_later(f"discord:{bot.guild.id}:{bot.members[2].id}", "alien")  # someone else's list
    page = await bot.command(member, "profile")
    assert page["data"]["flags"] & 64  # only they see it
    (embed,) = page["data"]["embeds"]
    assert "Western 100%" in embed["description"] and "**Your list** (1): Rio Bravo (1959)" in embed["description"]
    assert "Alien" not in embed["description"]
    sent = {"message_id": 1, "channel_id": bot.channels[0].id, "components": page["data"]["components"], "embeds": [embed]}
    assert buttons(page["data"]) == ["chatrec:home:share_on", "chatrec:home:forget"]
    shared = await bot.click(member, "chatrec:home:share_on", sent)
    assert "**Taste sharing** is on" in shared["data"]["embeds"][0]["description"] and history.sharing_taste([me]) == {me}
    asked = await bot.click(member, "chatrec:home:forget", sent)
    assert "can't be undone" in asked["data"]["content"] and history.watchlist(me) == ["rio-bravo"]  # nothing gone yet
    done = await bot.click(member, "chatrec:home:forget_sure", {**sent, "components": asked["data"]["components"]})
    assert done["data"]["content"].startswith("Done: I've forgotten")
    assert history.user_history(me) == [] and history.watchlist(me) == [] and not history.sharing_taste([me])
    assert history.watchlist(f"discord:{bot.guild.id}:{bot.members[2].id}") == ["alien"]
