"""Group requests through the real adapters: the platform's own mentions (Slack <@U…> with
names from users.info, Discord members and a role's members) become the group."""

from __future__ import annotations

import pytest
from discord.ext import test as dpytest

from bot.core import person_name

from .test_discord_app import bot, mention  # noqa: F401 - fixtures and helpers of the Discord harness
from .test_slack_app import slack  # noqa: F401 - the Slack harness


def user_info(uid: str, name: str) -> dict:
    return {"ok": True, "user": {"id": uid, "name": name.lower(), "profile": {"display_name": name}}}


def test_a_slack_mention_of_two_people_is_a_group_of_three(slack):  # noqa: F811
    client, api, runtime = slack
    for uid, name in (("U2", "Ana"), ("U3", "Ben"), ("U1", "Mo")):  # the mentioned, in order, then the speaker
        api.script("users.info", body=user_info(uid, name))
    client.mention("a comedy for <@U2>, <@U3|ben> and me")
    (posted,) = api.wait_for("chat.postMessage")
    assert posted["text"].startswith("Here are") and "picks for Ana, Ben and you" in posted["text"]
    assert "Ana, Ben and you have no history with me yet" in posted["text"]  # nobody is linked here
    cards = [b for b in posted["blocks"] if b.get("type") == "section" and b["text"]["text"].startswith("*1.")]
    assert cards and "Comedy" in cards[0]["text"]["text"]
    looked_up = [a["user"] for a in api.of("users.info (scripted)")]
    assert looked_up == ["U2", "U3", "U1"]  # never the bot (UBOT) itself


def test_a_slack_name_lookup_that_fails_still_answers_the_group(slack):  # noqa: F811
    client, api, runtime = slack
    api.script("users.info", status=200, body={"ok": False, "error": "missing_scope"})
    api.script("users.info", body=user_info("U1", "Mo"))
    client.mention("something for <@U2> and me")
    (posted,) = api.wait_for("chat.postMessage")
    assert "picks for someone and you" in posted["text"]


@pytest.mark.asyncio
async def test_discord_mentions_and_a_role_make_the_group(bot):  # noqa: F811
    ana, ben = bot.members[1], bot.members[2]
    a, b = person_name(ana.display_name), person_name(ben.display_name)  # markup characters go
    await mention(bot, f"a film for <@{ana.id}> and me")
    title = bot.payloads()[-1]["embeds"][0]["title"]
    assert title.startswith("Here are") and f"picks for {a} and you" in title

    role = dpytest.backend.make_role("film-club", bot.guild)  # the group by its role
    for member in (ana, ben):
        await dpytest.add_role(member, role)
    await mention(bot, f"movie night for <@&{role.id}>")
    title = bot.payloads()[-1]["embeds"][0]["title"]
    assert f"picks for {a}, {b} and you" in title
