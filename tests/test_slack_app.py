"""End to end over real HTTP on loopback: signed Slack requests into the app, a recording
stand-in for the Slack Web API, the demo-sized test catalog and the offline planner."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.core import ChatService
from bot.home import forget_me
from bot.slack.app import build_app, http_server, render
from chatrec_agent.conversation.agent import ReplyItem
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import POSTERS, film_project, film_records, free_port, start_chatrec, wait_listening, write_jsonl
from .slack_mock import MockSlackAPI
from .test_agent_llm import MockOpenAI

SECRET = "test-signing-secret"


@contextlib.contextmanager
def slack_app(tmp_path, embedder, slack: dict | None = None, **more):
    """The app on the demo films behind its HTTP server and the Web API stand-in; `slack`: its
    settings (a single-workspace bot by default); `more`: settings besides."""
    api = MockSlackAPI().start()
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    slack = slack or {"bot_token": "xoxb-test", "signing_secret": SECRET, "admin_user_ids": ["UCONFIGADMIN"]}
    settings = settings_from_dict({
        "catalog": {"format": "jsonl", "path": str(path)}, "storage": {"dir": str(tmp_path / "store")},
        "slack": {**slack, "api_url": api.url}, **more,
    }, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    app = build_app(ChatService(runtime), settings.slack)
    server = http_server(app, "127.0.0.1", 0, settings.http).start()
    client = SlackClient(f"http://127.0.0.1:{server.server_port}/slack/events", api)
    try:
        yield client, api, runtime
    finally:
        server.shutdown()
        api.stop()


@pytest.fixture
def slack(tmp_path, embedder):
    with slack_app(tmp_path, embedder) as app:
        yield app


class SlackClient:
    """Sends requests the way Slack does: signed, JSON events or form-encoded payloads."""

    def __init__(self, url: str, api: MockSlackAPI | None = None):
        self.url = url
        self.api = api  # where commands' response URLs point
        self.n = 0

    def post(self, body: str, content_type: str, secret: str = SECRET, timestamp: int | None = None,
             headers: dict | None = None) -> tuple[int, str]:
        ts = str(timestamp or int(time.time()))
        signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.url, data=body.encode(), method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def event(self, event: dict, event_id: str | None = None, team: str = "T1", authorized: str | None = None, **kw) -> int:
        """`authorized`: the workspace whose installation receives it, when not `team` (a Slack
        Connect channel another organisation's `team` hosts)."""
        self.n += 1
        body = {"type": "event_callback", "team_id": team, "api_app_id": "A1", "event": event,
                "event_id": event_id or f"Ev{self.n}", "event_time": int(time.time())}
        if authorized:
            body["authorizations"] = [{"enterprise_id": None, "team_id": authorized, "user_id": f"UB{authorized}",
                                       "is_bot": True, "is_enterprise_install": False}]
        return self.post(json.dumps(body), "application/json", **kw)[0]

    def mention(self, text: str, channel="C1", user="U1", ts=None, thread_ts=None, **kw) -> int:
        event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel,
                 "ts": ts or f"{time.time():.6f}"}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **kw)

    def send_command(self, text: str, user="U1", channel="C1", response_path: str | None = None,
                     team: str = "T1") -> tuple[int, str, str]:
        """(HTTP status, acknowledgement body, the name its response_url's calls are recorded under)."""
        self.n += 1
        response_path = response_path or f"respond/{self.n}"
        form = {"command": "/chatrec", "text": text, "team_id": team, "channel_id": channel, "user_id": user,
                "response_url": f"{self.api.root}/{response_path}", "trigger_id": "1.2.3"}
        status, body = self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
        return status, body, response_path

    def command(self, text: str, user="U1", channel="C1", team: str = "T1") -> dict:
        """What the caller first sees: the acknowledgement's text, else the first answer sent
        to the command's response_url."""
        status, body, response_path = self.send_command(text, user, channel, team=team)
        assert status == 200, status
        return json.loads(body) if body else self.api.wait_for(response_path)[0]

    def click(self, action_id: str, item_id: str, user="U1", channel="C1", team: str = "T1") -> int:
        payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": team}, "channel": {"id": channel},
                   "api_app_id": "A1", "container": {"type": "message"}, "trigger_id": "1.2.3",
                   "actions": [{"type": "button", "action_id": action_id, "block_id": f"feedback:{item_id}",
                                "value": item_id, "action_ts": f"{time.time():.6f}"}]}
        return self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")[0]

    def press(self, button: dict, message: dict, user: str, response_path: str) -> int:
        """Click a button of a message the bot posted, with the click's own response_url."""
        payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T1"}, "channel": {"id": message["channel"]},
                   "api_app_id": "A1", "trigger_id": "1.2.3", "response_url": f"{self.api.root}/{response_path}",
                   "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                                 "is_ephemeral": False, "thread_ts": message.get("thread_ts")},
                   "message": {"type": "message", "ts": message["ts"], "thread_ts": message.get("thread_ts"),
                               "text": message["text"], "blocks": message["blocks"]},
                   "actions": [{**button, "block_id": "b", "action_ts": f"{time.time():.6f}"}]}
        return self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")[0]


def item_buttons(message: dict) -> list[str]:
    return [el["value"] for block in message["blocks"] if block["type"] == "actions" for el in block["elements"]
            if el["action_id"] == "chatrec_like"]


def test_mention_gets_recommendations_with_blocks_and_buttons(slack):
    client, api, runtime = slack
    assert client.mention("give me 3 westerns", ts="100.1") == 200
    (posted,) = api.wait_for("chat.postMessage")
    assert posted["channel"] == "C1" and posted["thread_ts"] == "100.1"  # a thread under the message
    ids = item_buttons(posted)
    assert len(ids) == 3 and all("Western" in runtime.catalog[i].genres for i in ids)
    assert posted["text"].startswith("Here are 3 picks")  # the plain-text fallback
    assert any(b["type"] == "context" for b in posted["blocks"])  # explanations
    api.wait_for("reactions.remove")
    assert api.of("reactions.add")[0]["name"] == "eyes"
    # A film with a poster in the catalog shows it beside its heading; one without, no image.
    assert posters(posted) == {i: POSTERS.get(i) for i in ids}


def test_with_a_language_model_the_answer_streams_into_the_thread_and_the_cards_end_it(tmp_path, embedder):
    model = MockOpenAI().start()
    llm = {"llm": {"provider": "openai", "model": "local-model", "base_url": f"{model.root}/v1", "api_key": "sk-test"}}
    try:
        with slack_app(tmp_path, embedder, **llm) as (client, api, runtime):
            assert client.mention("three westerns please", ts="200.1") == 200
            (stopped,) = api.wait_for("chat.stopStream")
            (started,) = api.of("chat.startStream")
            assert started["channel"] == "C1" and started["thread_ts"] == "200.1"
            assert started["recipient_user_id"] == "U1" and started["recipient_team_id"] == "T1"
            written = "".join(chunk["text"] for call in [started, *api.of("chat.appendStream"), stopped]
                              for chunk in call.get("chunks") or [] if chunk.get("type") == "markdown_text")
            assert written.startswith("Westerns: ") and stopped["ts"]
            ids = item_buttons(stopped)  # the cards end the streamed message, with their buttons
            assert len(ids) == 3 and all("Western" in runtime.catalog[i].genres for i in ids)
            assert written == "Westerns: " + "; ".join(runtime.catalog[i].title for i in ids)
            assert not api.of("chat.postMessage")  # one message, streamed
            # In a DM's top level (no thread for a stream) the text is posted, then made the answer.
            client.event({"type": "message", "channel_type": "im", "user": "U2", "text": "three westerns please",
                          "channel": "D1", "ts": f"{time.time():.6f}"})
            (posted,) = api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "D1")
            (updated,) = api.wait_for("chat.update", where=lambda a: a["channel"] == "D1" and a.get("blocks"))
            assert "Westerns: ".startswith(posted["text"][:10]) and not posted.get("blocks") and len(item_buttons(updated)) == 3, (posted, updated)
    finally:
        model.stop()


def test_a_streamed_answer_that_changed_is_replaced_not_repeated_below():
    """A retried model call, words before a tool call, an apology: the finished answer does not
    go on from what was streamed, and a stream only appends, so its message is replaced."""
    from slack_sdk import WebClient

    from bot.core import Outgoing
    from bot.slack.app import LiveAnswer

    api = MockSlackAPI().start()
    try:
        live = LiveAnswer(WebClient(token="xoxb-test", base_url=api.url), "C1", "300.1", "T1", "U1")
        live.write("Let me look that up for")
        live.finish(Outgoing("Sorry, something went wrong on my side; please try again."))
        (stopped,) = api.of("chat.stopStream")
        (updated,) = api.of("chat.update")
        assert updated["ts"] == stopped["ts"] and updated["text"].startswith("Sorry") and not api.of("chat.postMessage")
    finally:
        api.stop()


def posters(message: dict) -> dict[str, str | None]:
    """Each card's item id with the image beside its heading (None: no image)."""
    out, heading = {}, None
    for block in message["blocks"]:
        if block["type"] == "section":
            heading = block
        elif block["type"] == "actions" and block["block_id"].startswith("feedback:"):
            out[block["block_id"].removeprefix("feedback:")] = (heading.get("accessory") or {}).get("image_url")
    return out


def test_follow_up_in_the_thread_uses_its_memory(slack):
    client, api, _ = slack
    client.mention("give me 3 westerns", ts="200.1")
    first = api.wait_for("chat.postMessage")[0]
    client.mention("why the second one?", ts="200.2", thread_ts="200.1")
    why = api.wait_for("chat.postMessage", 2)[1]
    assert why["thread_ts"] == "200.1"
    assert item_buttons(why) == [item_buttons(first)[1]]


def test_channels_are_isolated(slack):
    client, api, _ = slack
    client.mention("give me 3 westerns", channel="C1", ts="300.1")
    api.wait_for("chat.postMessage")
    client.mention("why the second one?", channel="C2", ts="300.2", thread_ts="300.1")
    other = api.wait_for("chat.postMessage", 2)[1]
    assert other["channel"] == "C2" and item_buttons(other) == [] and "Ask for recommendations first" in other["text"]


def test_direct_messages_work(slack):
    client, api, _ = slack
    client.event({"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "tell me about Alien",
                  "ts": "400.1"})
    (posted,) = api.wait_for("chat.postMessage")
    assert posted["channel"] == "D1" and "thread_ts" not in posted and item_buttons(posted) == ["alien"]


def test_bot_messages_are_ignored(slack):
    client, api, _ = slack
    client.event({"type": "message", "channel_type": "im", "channel": "D1", "bot_id": "BOTHER", "subtype": "bot_message",
                  "text": "give me westerns", "ts": "500.1"})
    client.mention("hello", ts="500.2")
    (posted,) = api.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(api.of("chat.postMessage")) == 1 and "mood" in posted["text"]


def test_button_click_records_feedback_for_the_clicker_only(slack):
    client, api, runtime = slack
    assert client.click("chatrec_like", "fargo", user="U7") == 200
    (ack,) = api.wait_for("chat.postEphemeral")
    assert ack["user"] == "U7" and "liked Fargo (1996)" in ack["text"]
    assert "fargo" in runtime.history.seen("slack:T1:U7")
    client.click("chatrec_dislike", "alien", user="U7")
    api.wait_for("chat.postEphemeral", 2)
    assert [e.item_id for e in runtime.history.disliked("slack:T1:U7")] == ["alien"]


def test_save_puts_a_card_on_the_clickers_own_list_and_a_watched_film_leaves_it(slack):
    client, api, runtime = slack
    client.mention("give me 3 westerns", ts="300.1")
    (posted,) = api.wait_for("chat.postMessage")
    saves = [el["value"] for b in posted["blocks"] if b["type"] == "actions" for el in b["elements"] if el["action_id"] == "chatrec_save"]
    assert saves == item_buttons(posted)  # a Save button on every card
    assert client.click("chatrec_save", saves[1], user="U7") == 200 and client.click("chatrec_save", saves[1], user="U7") == 200
    first, again = api.wait_for("chat.postEphemeral", 2)
    assert first["user"] == "U7" and first["text"].startswith("Saved ") and "already on your list" in again["text"]
    assert runtime.history.watchlist("slack:T1:U7") == [saves[1]] and runtime.history.watchlist("slack:T1:U1") == []
    assert runtime.history.user_history("slack:T1:U7") == []  # saving is no rating
    # Asked in the channel, the list stays private (as ratings do) until taste sharing is on.
    client.mention("what's on my list?", user="U7", ts="300.2")
    private = api.wait_for("chat.postMessage", 2)[1]
    assert "keep your list out of the channel" in private["text"] and not item_buttons(private)
    client.mention(f"I watched {runtime.catalog[saves[1]].title}", user="U7", ts="300.3")
    api.wait_for("chat.postMessage", 3)
    assert runtime.history.watchlist("slack:T1:U7") == []  # watched: off the list


def test_the_home_tab_shows_my_taste_and_list_and_its_buttons_change_them(slack):
    client, api, runtime = slack
    me = "slack:T1:U7"
    runtime.history.record_feedback(me, "unforgiven", "liked")
    runtime.history.record_feedback(me, "alien", "rated", 5.0)
    runtime.history.save_for_later(me, "rio-bravo")
    runtime.history.save_for_later("slack:T1:U8", "alien")  # someone else's list
    assert client.event({"type": "app_home_opened", "user": "U7", "channel": "D7", "tab": "home"}) == 200
    (published,) = api.wait_for("views.publish")
    assert published["user_id"] == "U7"
    view = published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    page = " ".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert view["type"] == "home" and "Western 50%" in page and "Alien (1979): 5★" in page
    assert "*Your list* (1): Rio Bravo (1959)" in page and "Taste sharing* is off" in page
    buttons = {el["action_id"]: el for b in view["blocks"] if b["type"] == "actions" for el in b["elements"]}
    assert buttons["chatrec_home_forget"]["confirm"]  # Slack asks before forgetting

    def press(action_id: str, value: str) -> None:
        payload = {"type": "block_actions", "user": {"id": "U7"}, "team": {"id": "T1"}, "api_app_id": "A1",
                   "container": {"type": "view", "view_id": "V1"}, "trigger_id": "1.2.3",
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "home", "value": value,
                                "action_ts": f"{time.time():.6f}"}]}
        assert client.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")[0] == 200

    press("chatrec_home_share", buttons["chatrec_home_share"]["value"])
    api.wait_for("views.publish", 2)
    assert runtime.history.sharing_taste([me]) == {me}
    press("chatrec_home_forget", "forget")
    last = api.wait_for("views.publish", 3)[-1]
    assert runtime.history.user_history(me) == [] and runtime.history.watchlist(me) == [] and not runtime.history.sharing_taste([me])
    assert runtime.history.watchlist("slack:T1:U8") == ["alien"]  # only the clicker's
    page = json.dumps(last["view"])
    assert "Your list* (0)" in page and "no ratings yet" in page


def test_forget_me_for_a_linked_person_undoes_the_link_and_forgets_only_their_own(slack):
    client, api, runtime = slack
    history = runtime.history
    history.create_user("cat-7")
    history.save_for_later("slack:T1:U9", "alien")  # said before an admin linked them
    history.link("slack", "T1", "U9", "cat-7")
    history.record_feedback("cat-7", "heat", "liked")  # the catalog user's history (others may share it)
    said = forget_me(ChatService(runtime), "slack", "T1", "U9")
    assert history.catalog_user("slack", "T1", "U9") is None and history.watchlist("slack:T1:U9") == []
    assert [e.item_id for e in history.user_history("cat-7")] == ["heat"]
    assert "no longer linked" in said and "stays with the catalog" in said


def test_a_click_is_stored_before_it_is_acknowledged_and_a_failure_is_said(slack, monkeypatch):
    client, api, runtime = slack
    stored_when_acked = []
    real = runtime.history.record_feedback
    from slack_bolt.context.ack.ack import Ack

    real_ack = Ack.__call__

    def ack(self, *args, **kwargs):  # what the store holds at the moment Slack is answered
        stored_when_acked.append("fargo" in runtime.history.seen("slack:T1:U7"))
        return real_ack(self, *args, **kwargs)

    monkeypatch.setattr(Ack, "__call__", ack)
    assert client.click("chatrec_like", "fargo", user="U7") == 200
    assert stored_when_acked == [True]
    api.wait_for("chat.postEphemeral")

    def down(*args, **kwargs):
        raise OSError("database is unreachable")

    monkeypatch.setattr(runtime.history, "record_feedback", down)
    assert client.click("chatrec_like", "heat", user="U7") == 200
    (_, failed) = api.wait_for("chat.postEphemeral", 2)
    assert failed["user"] == "U7" and "liked" not in failed["text"] and "went wrong" in failed["text"].lower()
    monkeypatch.setattr(runtime.history, "record_feedback", real)


def test_an_answer_slack_refuses_to_post_gets_an_apology(slack):
    client, api, _ = slack
    api.script("chat.postMessage", body={"ok": False, "error": "msg_too_long"})  # the answer itself is refused
    client.mention("give me 2 westerns", ts="650.1")
    (refused,) = api.wait_for("chat.postMessage (scripted)")
    (apology,) = api.wait_for("chat.postMessage")
    assert refused.get("blocks") and not apology.get("blocks") and "went wrong" in apology["text"].lower()


def test_cards_whose_poster_slack_cannot_download_are_posted_without_pictures(slack):
    client, api, _ = slack
    api.script("chat.postMessage", body={"ok": False, "error": "invalid_blocks", "errors": ["downloading image failed"]})
    client.mention("give me 3 westerns", ts="660.1")
    (refused,) = api.wait_for("chat.postMessage (scripted)")
    (posted,) = api.wait_for("chat.postMessage")
    assert any("accessory" in b for b in refused["blocks"]) and not any("accessory" in b for b in posted["blocks"])
    assert len(item_buttons(posted)) == 3  # the whole answer, cards and buttons, only the pictures gone


def test_a_clicks_acknowledgement_escapes_the_catalogs_title(slack):
    import dataclasses

    client, api, runtime = slack
    runtime.catalog.items["heat"] = dataclasses.replace(runtime.catalog["heat"], title="<!channel> Heat & co")
    client.click("chatrec_like", "heat", user="U8")
    (ack,) = api.wait_for("chat.postEphemeral")
    assert "&lt;!channel&gt; Heat &amp; co" in ack["text"] and "<!channel>" not in ack["text"]


def test_a_retried_event_is_not_answered_twice(slack):
    client, api, _ = slack
    client.mention("give me 2 comedies", ts="600.1", event_id="EvSame")
    client.mention("give me 2 comedies", ts="600.1", event_id="EvSame", headers={"X-Slack-Retry-Num": "1"})
    api.wait_for("chat.postMessage")
    time.sleep(1.0)
    assert len(api.of("chat.postMessage")) == 1


def test_bad_or_stale_signatures_get_401_and_no_work(slack):
    client, api, _ = slack
    assert client.mention("give me westerns", secret="wrong-secret") == 401
    assert client.mention("give me westerns", timestamp=int(time.time()) - 3600) == 401
    time.sleep(0.5)
    assert api.of("chat.postMessage") == [] and api.of("reactions.add") == []


def test_reindex_is_refused_to_everyone_but_the_operators(slack):
    client, api, runtime = slack
    for user in ("U1", "UADMIN"):  # a member, and a workspace admin (per users.info)
        ack = client.command("reindex", user=user)
        assert ack["response_type"] == "ephemeral" and ack["text"].startswith("Only chatrec's operators can run `reindex`")
    time.sleep(0.5)
    assert api.of("chat.postMessage") == [] and not runtime.reindexing


def test_admin_reindex_posts_its_result_and_a_second_is_refused(slack, tmp_path, monkeypatch):
    client, api, runtime = slack
    write_jsonl(tmp_path / "films.jsonl", film_records() + [{"id": "aliens", "title": "Aliens", "year": 1986,
                                                             "genres": ["Action", "Sci-Fi"], "description": "Marines fight the creatures."}])
    release = threading.Event()
    real_syncing = runtime.index.syncing

    def slow_syncing(*args, **kwargs):
        release.wait(30)
        return real_syncing(*args, **kwargs)

    monkeypatch.setattr(runtime.index, "syncing", slow_syncing)
    status, _, response_path = client.send_command("reindex", user="UCONFIGADMIN")  # an operator, from config
    (started,) = api.wait_for(response_path)
    assert status == 200 and started["response_type"] == "in_channel" and "keeps answering" in started["text"]
    second = client.command("reindex full", user="UCONFIGADMIN")
    assert second["response_type"] == "ephemeral" and "already running" in second["text"]
    release.set()
    # Through the command's response URL, which works in channels the bot is not a member of.
    done = api.wait_for(response_path, 2)[1]
    assert done["text"].startswith("Reindex done") and "1 added" in done["text"] and done["response_type"] == "in_channel"
    assert "aliens" in runtime.catalog.items and api.of("chat.postMessage") == []


def test_a_reindex_result_is_posted_as_the_bot_when_the_response_url_has_expired(slack):
    client, api, runtime = slack
    api.script("respond/expiring")  # the first answer goes through as usual
    api.script("respond/expiring", status=404, body="expired_url")  # past its 30 minutes
    status, _, _ = client.send_command("reindex", user="UCONFIGADMIN", response_path="respond/expiring")
    (done,) = api.wait_for("chat.postMessage")
    assert status == 200 and done["channel"] == "C1" and done["text"].startswith("Reindex done")
    assert api.of("respond/expiring")[0]["text"].startswith("Reindexing") and not runtime.reindexing


def test_status_help_forget_and_link_commands(slack):
    client, api, runtime = slack
    assert "Catalog: 24 items" in client.command("status")["text"]
    assert "Server admins:" in client.command("help")["text"]
    # A workspace admin may link a member only to an existing catalog user; an operator may create one.
    refused = client.command("link <@U42|bob> ann", user="UADMIN")
    assert refused["response_type"] == "ephemeral" and refused["text"].startswith("`ann` is not a catalog user")
    created = client.command("link <@U41|cy> ann", user="UCONFIGADMIN")
    assert created["response_type"] == "in_channel" and "(a new catalog user" in created["text"]
    linked = client.command("link <@U42|bob> ann", user="UADMIN")
    assert linked["response_type"] == "in_channel" and "catalog user `ann`" in linked["text"]
    assert runtime.history.catalog_user("slack", "T1", "U42") == "ann"
    client.mention("give me 2 westerns")
    api.wait_for("chat.postMessage")
    forgot = client.command("forget", user="UADMIN")  # the mention's thread, though the command names none
    assert forgot["text"] == "Done: I've forgotten the conversations in 1 thread of this channel."
    # In a DM with the bot (a D… channel) anyone may clear their own conversation, nothing more.
    assert client.command("forget", user="U7", channel="D7")["text"].startswith("There was nothing to forget")
    assert client.command("reindex", user="U7", channel="D7")["text"].startswith("Only chatrec's operators")
    assert client.command("forget", user="U7", channel="C7")["text"].startswith("Only this server's admins")
    shared = client.command("share-taste on", user="U7", channel="C7")  # anyone, for themselves
    assert shared["response_type"] == "ephemeral" and shared["text"].startswith("Taste sharing is on")
    assert runtime.history.sharing_taste(["slack:T1:U7"]) == {"slack:T1:U7"}


def test_long_replies_are_split_under_slacks_limits():
    items = [ReplyItem(f"id{n}", f"Film {n}", 2000, ["Drama"], "x" * 5000) for n in range(20)]
    from bot.core import Outgoing

    messages = render(Outgoing("Here are 20 picks for you:\n1. Film 0 (2000)\nAsk for more.", items))
    assert len(messages) == 2
    # The lead and what the text says besides its item lines open the first message.
    assert [b["text"]["text"] for b in messages[0]["blocks"][:3]] == ["Here are 20 picks for you:", "Ask for more.", "*1. Film 0* (2000) — Drama"]
    for message in messages:
        assert len(message["blocks"]) <= 50 and len(message["text"]) <= 4000
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
    assert sum(len(item_buttons(m)) for m in messages) == 20


def test_chatrec_serve_slack_runs_the_http_app_and_finishes_its_turns_when_stopped(tmp_path):
    """The real command: `chatrec serve slack --port P` with the Web API URL from the environment;
    /healthz and /metrics on its port as well as on ops.port; SIGTERM lets a turn in flight finish."""
    api = MockSlackAPI().start()
    port, ops = free_port(), free_port()
    film_project(tmp_path, "slack: {bot_token: '${SLACK_BOT_TOKEN}', signing_secret: '${SLACK_SIGNING_SECRET}', "
                           f"api_url: '${{SLACK_API_URL}}'}}\nops: {{port: {ops}, json_logs: true}}\n")
    proc = start_chatrec("serve", "slack", "--port", str(port), "--host", "127.0.0.1", cwd=tmp_path,
                         env={"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url})
    try:
        client = SlackClient(f"http://127.0.0.1:{port}/slack/events")
        wait_listening(port, proc)
        wait_listening(ops, proc)
        for where in (ops, port):
            health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{where}/healthz", timeout=10).read())
            assert health["ready"] and set(health["checks"].values()) == {"ok"}
        assert client.mention("tell me about Fargo", ts="900.1") == 200
        (posted,) = api.wait_for("chat.postMessage")
        assert item_buttons(posted) == ["fargo"]
        for where in (ops, port):
            metrics = urllib.request.urlopen(f"http://127.0.0.1:{where}/metrics", timeout=10).read().decode()
            assert 'chatrec_turns_total{outcome="answered",platform="slack"} 1.0' in metrics
        # A turn still working (its 👀 takes 3 s) when the process is told to stop.
        api.script("reactions.add", delay=3.0)
        assert client.mention("tell me about Heat", ts="900.2") == 200
        time.sleep(0.5)
        proc.terminate()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        output = proc.communicate(timeout=30)[0]
        api.stop()
    assert len(api.of("chat.postMessage")) == 2  # the second answer was posted before the exit
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(entry["logger"] == "bot.http_server" for entry in logged)  # ops.json_logs: one object per line
    assert any(entry["message"].startswith("stopped serving Slack") for entry in logged)


def test_control_sequences_are_read_as_plain_text_and_never_echoed(slack):
    client, api, runtime = slack
    assert client.mention("something like <!everyone> and <@U999|bob> Zorblax <b> &amp; co", ts="300.1") == 200
    (posted,) = api.wait_for("chat.postMessage")
    everything = json.dumps(posted)
    for raw in ("<!everyone>", "<@U999", "<b>"):
        assert raw not in everything, posted
    assert "zorblax &lt;b&gt;" in posted["text"]  # quoted back, escaped for Slack


def test_inbound_text_drops_mentions_and_broadcasts_and_keeps_labels():
    from bot.slack.app import inbound_text

    assert inbound_text("<@UBOT> I loved <!here>") == "I loved"
    assert inbound_text("<!subteam^S1|@team> in <#C1|general>: <https://x.test/a|this> &lt;3") == "in general: this <3"


def test_the_people_a_message_mentions_are_read_by_id_and_shown_by_name():
    from bot.slack.app import inbound_text, mentioned_users

    text = "<@UBOT> a film for <@U2|ana>, <@W3> and me (cc <@U2>)"
    assert mentioned_users(text) == ["UBOT", "U2", "W3"]  # each once, in order; the adapter drops the bot
    assert inbound_text(text, {"U2": "Ana", "W3": "Ben Okafor"}) == "a film for @Ana, @Ben Okafor and me (cc @Ana)"
    assert inbound_text(text) == "a film for , and me (cc )"  # unnamed: gone, as before


# --- the hostile-input / Web API issue: prompt acknowledgements, response URLs, retries, splitting


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def timed(send):
    started = time.monotonic()
    result = send()
    return result, time.monotonic() - started


def test_commands_and_clicks_are_acknowledged_at_once_while_turns_run(slack, monkeypatch):
    client, api, runtime = slack
    gate, real = threading.Event(), runtime.agent.respond

    def slow_turn(*args, **kwargs):  # a language model taking its time
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(runtime.agent, "respond", slow_turn)
    for n in range(6):  # more waiting turns than Bolt has listener threads (5)
        assert client.mention(f"give me {n + 1} comedies", user=f"U{n}", ts=f"700.{n}") == 200
    (status, body, response_path), command_took = timed(lambda: client.send_command("status", user="U1"))
    click, click_took = timed(lambda: client.click("chatrec_like", "fargo", user="U7"))
    assert (status, click) == (200, 200) and command_took < 3 and click_took < 3, (command_took, click_took)
    assert "liked Fargo" in api.wait_for("chat.postEphemeral")[0]["text"]  # a click needs no turn
    assert api.of("chat.postMessage") == []  # the turns are still running
    gate.set()
    api.wait_for("chat.postMessage", 6)


def test_a_command_is_acknowledged_before_slack_is_asked_who_is_an_admin(slack):
    client, api, _ = slack
    api.script("users.info", delay=4)  # a slow Web API: longer than Slack waits for the acknowledgement
    (status, body, response_path), took = timed(lambda: client.send_command("forget", user="UADMIN"))
    assert status == 200 and body == "" and took < 3, took
    (answer,) = api.wait_for(response_path)
    assert answer["response_type"] == "ephemeral" and answer["text"].startswith("There was nothing to forget")
    assert api.of("users.info")[0]["user"] == "UADMIN"


def test_a_reindex_whose_command_was_not_acknowledged_gives_its_slot_back(slack, monkeypatch):
    from slack_bolt.context.ack.ack import Ack

    client, _, runtime = slack
    real_ack = Ack.__call__

    def failing_ack(self, *args, **kwargs):
        raise ConnectionResetError("the acknowledgement could not be sent")

    monkeypatch.setattr(Ack, "__call__", failing_ack)
    status, _, _ = client.send_command("reindex", user="UCONFIGADMIN")
    assert status == 500
    assert not runtime.reindexing
    monkeypatch.setattr(Ack, "__call__", real_ack)
    assert client.command("reindex", user="UCONFIGADMIN")["text"].startswith("Reindexing")


def test_a_reindex_whose_start_could_not_be_told_gives_its_slot_back(slack, monkeypatch):
    client, api, runtime = slack
    synced = []
    real_syncing = runtime.index.syncing
    monkeypatch.setattr(runtime.index, "syncing", lambda *a, **kw: synced.append(1) or real_syncing(*a, **kw))
    api.script("respond/lost", status=404, body="expired_url")
    api.script("chat.postMessage", body={"ok": False, "error": "not_in_channel"})  # and the bot is no member
    status, _, _ = client.send_command("reindex", user="UCONFIGADMIN", response_path="respond/lost")
    api.wait_for("chat.postMessage (scripted)")
    assert status == 200 and wait_until(lambda: not runtime.reindexing)
    time.sleep(0.5)
    assert synced == []  # nobody was told, so it never ran
    _, _, response_path = client.send_command("reindex", user="UCONFIGADMIN")
    assert api.wait_for(response_path, 2)[1]["text"].startswith("Reindex done") and synced == [1]


def test_rate_limits_and_server_errors_are_waited_out_not_dropped(slack):
    client, api, _ = slack
    api.script("chat.postMessage", status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "1"})
    api.script("chat.postMessage", status=503, body={"ok": False, "error": "service_unavailable"})
    assert client.mention("tell me about Fargo", ts="800.1") == 200
    (posted,) = api.wait_for("chat.postMessage")
    assert item_buttons(posted) == ["fargo"] and len(api.of("chat.postMessage (scripted)")) == 2


def test_long_text_replies_are_split_into_messages_not_cut():
    from bot.core import Outgoing
    from bot.slack.app import escape

    lines = [f"Line {n}: " + " ".join(f"w{n}.{k}" for k in range(12)) + " <&>" for n in range(80)]
    lines.insert(40, " ".join(f"long{k}" for k in range(600)))  # one line longer than a message
    text = "\n".join(lines)
    assert len(text) > 10_000
    messages = render(Outgoing(text))
    assert len(messages) > 3
    for message in messages:
        (block,) = message["blocks"]
        assert block["text"]["text"] == message["text"] and 0 < len(message["text"]) <= 3000
    joined = "\n".join(m["text"] for m in messages)
    assert joined.split() == escape(text).split()  # every word, in order: only the split whitespace differs
    assert "<" not in joined  # still escaped


# --- group picks: votes


def buttons_of(message: dict, action_id: str) -> list[dict]:
    return [el for block in message["blocks"] if block["type"] == "actions" for el in block["elements"]
            if el["action_id"] == action_id]


def contexts(message: dict) -> list[str]:
    return [el["text"] for block in message["blocks"] if block["type"] == "context" for el in block["elements"]]


def test_a_group_votes_on_its_picks_and_marks_the_winner_watched(slack, monkeypatch):
    from chatrec_agent.conversation.people import Person

    from .test_votes import group_reply

    client, api, runtime = slack
    ana, ben = Person("U1", "Ana", "slack:T1:U1"), Person("U2", "Ben <b>", "slack:T1:U2")
    monkeypatch.setattr(runtime.agent, "respond", lambda *a, **kw: group_reply(runtime, group=(ana, ben)))
    assert client.mention("a film for <@U2> and me", ts="900.1") == 200
    (poll,) = api.wait_for("chat.postMessage")
    poll.setdefault("ts", "900.2")
    votes = buttons_of(poll, "chatrec_vote")
    assert [v["value"].split(":", 1)[1] for v in votes] == ["fargo", "heat", "alien"]
    assert len(buttons_of(poll, "chatrec_like")) == 3  # 👍/👎 stay
    assert contexts(poll)[-1] == "🗳 Vote for the one you want; waiting for Ana and Ben &lt;b&gt;."

    client.press(votes[0], poll, "U9", "respond/v0")  # not one of the group
    (refusal,) = api.wait_for("chat.postEphemeral")
    assert refusal["user"] == "U9" and refusal["text"] == "This vote is for Ana and Ben &lt;b&gt;; ask me for picks of your own."

    client.press(votes[1], poll, "U1", "respond/v1")  # Ana: Heat
    (update,) = api.wait_for("respond/v1")
    assert update["replace_original"] and "Ana ✓" in contexts(update)
    assert contexts(update)[-1] == "🗳 Vote for the one you want; waiting for Ben &lt;b&gt;."
    api.script("respond/v2", status=404, body="expired_url")  # the response_url gone: the bot edits its message
    client.press(votes[0], poll, "U1", "respond/v2")  # Ana changes her mind: Fargo
    (edited,) = api.wait_for("chat.update")
    assert edited["ts"] == poll["ts"] and edited["channel"] == "C1" and "Ana ✓" in contexts(edited)
    api.wait_for("chat.postEphemeral", where=lambda a: a["user"] == "U1" and "changed your vote to Fargo (1996)" in a["text"])
    assert api.of("respond/v0") == []  # a refused vote changes nothing

    client.press(votes[0], poll, "U2", "respond/v3")  # Ben: Fargo, the last vote
    (final,) = api.wait_for("respond/v3")
    assert buttons_of(final, "chatrec_vote") == [] and len(buttons_of(final, "chatrec_like")) == 3
    assert contexts(final)[-1] == "🏆 Everyone has voted: Fargo (1996) it is."
    announcement = api.wait_for("chat.postMessage", 2)[1]
    assert announcement["thread_ts"] == "900.1" and "Fargo (1996) it is (Ana ✓ Ben &lt;b&gt; ✓)" in announcement["text"]
    (watched,) = buttons_of(announcement, "chatrec_watched")
    assert watched["value"] == votes[0]["value"].split(":", 1)[0]

    announcement.setdefault("ts", "900.3")
    client.press(watched, announcement, "U2", "respond/w1")
    api.wait_for("chat.postEphemeral", where=lambda a: (a["user"], a["text"]) == (
        "U2", "Noted: you've seen Fargo (1996); I won't suggest it to you again."))
    client.press(watched, announcement, "U9", "respond/w2")
    api.wait_for("chat.postEphemeral", where=lambda a: a["user"] == "U9" and a["text"].startswith("This pick was for Ana and Ben"))
    assert "fargo" in runtime.history.seen("slack:T1:U2") and runtime.history.user_history("slack:T1:U9") == []
    assert runtime.history.user_history("slack:T1:U1") == []  # Ana has not confirmed


def test_a_message_mentioning_crowds_looks_up_a_few_names_and_a_limited_person_none(slack):
    client, api, runtime = slack
    crowd = " ".join(f"<@UP{n}>" for n in range(40))
    client.mention(f"a film for {crowd} and me", user="UCROWD", ts="800.1")
    api.wait_for("chat.postMessage")
    looked_up = {call["user"] for call in api.of("users.info")}
    assert len(looked_up - {"UCROWD"}) <= runtime.settings.bot.max_mentions  # not 40 users.info calls
    before = len(api.of("users.info"))
    for n in range(runtime.settings.bot.rate_limit_per_minute + 3):  # over the rate limit
        client.mention(f"a film for {crowd} and me", user="UFLOOD", ts=f"801.{n}")
    api.wait_for("chat.postMessage", 1 + runtime.settings.bot.rate_limit_per_minute + 3, timeout=60)
    refused = [m for m in api.of("chat.postMessage") if "faster than I can think" in m.get("text", "")]
    assert len(refused) == 3
    # The refused ones were turned away before any lookup: only the admitted ones asked for names.
    assert len(api.of("users.info")) - before <= runtime.settings.bot.rate_limit_per_minute * (runtime.settings.bot.max_mentions + 1)
