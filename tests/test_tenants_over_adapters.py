"""Two tenants through the real adapters (issue 21, items 1 and 2): signed Slack requests from
two workspaces, and Discord slash commands and mentions through the dpytest stand-in.

- An admin of one workspace or server can neither link to a catalog user another tenant was
  given (nor learn that it exists), nor read or write that user's ratings.
- A group answer in a channel names nothing of a member who did not allow it: not her
  ratings, not her tastes, not whether she has seen a film.
"""

from __future__ import annotations

import re

import pytest

from bot.core import ChatService, Command
from bot.slack.app import build_app, http_server
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, write_jsonl
from .slack_mock import MockSlackAPI
from .test_discord_app import EPHEMERAL, _user_payload, bot, make_admin, mention  # noqa: F401 - the Discord harness
from .test_slack_app import SECRET, SlackClient

HATED = "get-out"  # carol's 1★, the film the group is then asked about
HATED_TITLE = next(f["title"] for f in film_records() if f["id"] == HATED)


def leaks(said: str, name: str) -> list[str]:
    """What an answer may not say of a member who did not allow it."""
    found = [p for p in (f"{name} rated", f"{name} liked", f"{name}'s taste", f"{name} gave", "didn't like",
                         "nobody here has seen", "One of you") if p in said]
    return found + re.findall(r"\d★", said)


@pytest.fixture
def slack(tmp_path, embedder):
    api = MockSlackAPI().start()
    films = write_jsonl(tmp_path / "films.jsonl", film_records())
    ratings = write_jsonl(tmp_path / "ratings.jsonl", [
        {"user_id": "carol", "item_id": "alien", "rating": 5, "timestamp": 1},
        {"user_id": "carol", "item_id": HATED, "rating": 1, "timestamp": 1}])
    settings = settings_from_dict({
        "catalog": {"format": "jsonl", "path": str(films), "interactions_path": str(ratings)},
        "storage": {"dir": str(tmp_path / "store")}, "bot": {"rate_limit_per_minute": 100},
        "slack": {"bot_token": "xoxb-test", "signing_secret": SECRET, "api_url": api.url, "admin_user_ids": ["UOP", "T1:UQUAL"]},
    }, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    server = http_server(build_app(ChatService(runtime), settings.slack), "127.0.0.1", 0, settings.http).start()
    yield SlackClient(f"http://127.0.0.1:{server.server_port}/slack/events", api), api, runtime
    server.shutdown()
    api.stop()


def test_slack_an_admin_of_another_workspace_cannot_take_over_or_see_a_catalog_user(slack):
    client, api, runtime = slack
    # The operator gives carol to Ana in workspace T1.
    assert "Linked <@U2> to catalog user `carol`" in client.command("link <@U2> carol", user="UOP")["text"]
    before = runtime.history.user_history("carol")
    # UADMIN is a workspace admin (users.info) of T2.
    for typed in ("caro", "carol"):
        answer = client.command(f"link <@UADMIN> {typed}", user="UADMIN", team="T2")
        assert "not a catalog user this server may use" in answer["text"], answer
        assert "carol" not in answer["text"].replace(f"`{typed}`", "")
        assert answer.get("response_type") != "in_channel"
    # What the T2 admin has liked is their own (nothing), and their 👎 is not carol's.
    client.event({"type": "message", "channel_type": "im", "channel": "D9", "user": "UADMIN", "text": "what have I liked?",
                  "ts": "10.1"}, team="T2")
    (liked,) = api.wait_for("chat.postMessage")
    assert liked["text"].startswith("I don't have any ratings from you yet"), liked["text"]
    assert client.click("chatrec_dislike", "alien", user="UADMIN", team="T2") == 200
    api.wait_for("chat.postMessage", 1)
    assert runtime.history.user_history("carol") == before


def test_slack_an_operator_named_with_a_workspace_is_one_in_that_workspace_only(slack):
    client, api, runtime = slack
    # Linking to a new catalog id is the operators' alone.
    assert "Linked <@U7>" in client.command("link <@U7> newcomer", user="UQUAL", team="T1")["text"]
    refused = client.command("link <@U8> stranger", user="UQUAL", team="T2")["text"]
    assert "Linked" not in refused and "stranger" not in runtime.history.users(), refused


def test_slack_a_group_answer_in_a_channel_tells_nothing_of_a_members_ratings(slack):
    client, api, runtime = slack
    client.command("link <@U2> carol", user="UOP")  # Ana is carol, and has not allowed sharing
    api.members["C1"] = ["UBOT", "U1", "U2"]
    api.script("users.info", body={"ok": True, "user": {"id": "U2", "name": "ana", "profile": {"display_name": "Ana"}}})
    assert client.mention("a film for <@U2> and me", ts="20.1") == 200
    api.wait_for("chat.postMessage")
    assert client.mention(f"why {HATED_TITLE}?", ts="20.2", thread_ts="20.1") == 200
    assert client.mention("why the first one?", ts="20.3", thread_ts="20.1") == 200
    posts = api.wait_for("chat.postMessage", 3)
    said = " ".join(p["text"] + " " + str(p.get("blocks")) for p in posts)
    assert "picks for Ana and you" in posts[0]["text"], posts[0]["text"]
    assert not leaks(said, "Ana"), leaks(said, "Ana")


@pytest.mark.asyncio
async def test_discord_an_admin_of_another_server_cannot_take_over_or_see_a_catalog_user(bot):  # noqa: F811
    service = bot.client.service
    # An operator gives carol (a catalog user of no server yet) to someone in Slack's T1.
    granted = service.command("slack", "T1", "C1", "UOP", Command.parse("link <@U1> carol", member="U1"), is_admin=lambda: False, is_operator=True)
    assert "Linked" in granted.text
    service.feedback("slack", "T1", "U1", "fargo", "liked")
    before = service.runtime.history.user_history("carol")
    admin = await make_admin(bot, bot.members[0])  # Manage Server here: anyone who makes a server is
    for typed in ("caro", "carol"):
        response = await bot.command(admin, "link", [{"name": "user", "type": 6, "value": str(admin.id)},
                                                     {"name": "catalog_user_id", "type": 3, "value": typed}],
                                     {"users": {str(admin.id): _user_payload(admin)}})
        content = response["data"]["content"]
        assert "not a catalog user this server may use" in content and "carol" not in content.replace(f"`{typed}`", "")
        assert response["data"]["flags"] & EPHEMERAL
    assert service.catalog_user("discord", str(bot.guild.id), str(admin.id)) == f"discord:{bot.guild.id}:{admin.id}"
    assert service.runtime.history.user_history("carol") == before


@pytest.mark.asyncio
async def test_discord_a_group_answer_in_a_channel_tells_nothing_of_a_members_ratings(bot):  # noqa: F811
    service = bot.client.service
    me, ana = bot.members[0], bot.members[1]
    for item, kind in (("alien", "liked"), (HATED, "disliked")):  # Ana's own clicks; sharing is off
        service.feedback("discord", str(bot.guild.id), str(ana.id), item, kind)
    await mention(bot, f"a film for <@{ana.id}> and me", member=0)
    await mention(bot, f"why {HATED_TITLE}?", member=0)
    await mention(bot, "why the first one?", member=0)
    said = " ".join(str(p.get("embeds")) + " " + str(p.get("content")) for p in bot.payloads()[-3:])
    name = bot.payloads()[-3]["embeds"][0]["title"].split("picks for ")[1].split(" and you")[0]
    assert name and not leaks(said, name), leaks(said, name)
    assert me.id != ana.id
