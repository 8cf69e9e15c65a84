"""Slack adapter (slack-bolt): events and the /chatrec command in, Block Kit out.

Everything behavioural is in bot.core.ChatService; this module only converts Slack events
into `Incoming` messages and renders `Outgoing` replies as Block Kit with 👍/👎 buttons.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web.chat_stream import ChatStream

from bot.core import (
    APOLOGY,
    CLICKS,
    ChatService,
    Command,
    CommandResult,
    Finished,
    Incoming,
    Markup,
    Outgoing,
    clip,
    person_name,
    split_text,
)
from bot.home import FORGET_ME, Home, forget_me, home_of, set_sharing
from bot.http_server import HttpServer, TurnPool, web_app
from bot.slack.install import workspace_of
from bot.ops_server import OpsState
from bot.streaming import Throttled
from bot.votes import Announcement
from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import HttpSettings, SlackSettings

log = logging.getLogger(__name__)

# Slack's limits: 50 blocks per message, 3000 characters per section text, and a practical
# 4000 characters for the plain-text fallback (longer messages are truncated by Slack).
MAX_BLOCKS = 50
# The help as Slack writes it: one /chatrec command, mrkdwn bold, the App Home tab.
MARKUP = Markup(bold="*", command="/chatrec ", link_usage="@user CATALOG_USER_ID", home="my Home tab")
MAX_SECTION = 3000
MAX_TEXT = 4000
BLOCKS_PER_ITEM = 3
# Web API calls retried on 429 (after Slack's Retry-After), 500/503 and dropped connections;
# the count is shared by the handlers, so a call is tried at most 1 + RETRIES times.
RETRIES = 3
MAX_RETRY_AFTER = 30  # seconds; a longer wait would hold a worker, so that reply is given up
# Slack's control sequences in message text: user and broadcast mentions (<@U1>, <!here>,
# <!subteam^S1>) are dropped before the text is read; channels and links keep their label.
_MENTION = re.compile(r"<[@!][^>]*>")
_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_TEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>")  # a user group: its members are the group
_MARKED = re.compile("\ue000([UWS][A-Z0-9]+)\ue001")  # a named mention, until the names go in
MAX_TEAM = 25  # members read from one user group; a bigger one is not a movie night
MAX_MEMBER_PAGES = 20  # of 1,000 members each: who may be in a group pick in a very big channel
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LABELLED = re.compile(r"<(?:#[A-Z0-9]+|[a-z]+:[^|>]*)\|([^>]*)>")
_BARE_LINK = re.compile(r"<([a-z]+:[^|>]*)>")


def mentioned_users(text: str) -> list[str]:
    """The user ids a message mentions (<@U…>), each once, in order."""
    return list(dict.fromkeys(m.group(1) for m in _PERSON.finditer(text)))


def mentioned_teams(text: str) -> dict[str, str]:
    """The user groups a message mentions (<!subteam^S…|@handle>): id → handle."""
    return {m.group(1): m.group(2) or m.group(1) for m in _TEAM.finditer(text)}


def inbound_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """What a person typed, as plain text: a mention of someone in `names` becomes "@Name"
    (who a group request is for), other mentions and broadcasts go, labels stay, and
    Slack's escapes (&amp; &lt; &gt;) are decoded."""
    names = names or {}
    # Names go in last, after the escapes are decoded: a name is text, never Slack markup.
    text = _PERSON.sub(lambda m: f"\ue000{m.group(1)}\ue001" if m.group(1) in names else " ",
                       text.replace("\ue000", "").replace("\ue001", ""))
    text = _TEAM.sub(lambda m: f"\ue000{m.group(1)}\ue001" if m.group(1) in names else " ", text)
    text = _LABELLED.sub(lambda m: m.group(1), _MENTION.sub(" ", text))
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(_MARKED.sub(lambda m: f"@{names[m.group(1)]}", text).split())


def escape(text: str) -> str:
    """Text for mrkdwn and the fallback text: <, > and & escaped, so quoted user text can
    never form a mention or a broadcast (Slack's own escaping rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def items_per_message(reply: Outgoing) -> int:
    """Cards per message: room is kept for the lead, the notes and a poll's status line."""
    return (MAX_BLOCKS - (3 if reply.tally else 2)) // BLOCKS_PER_ITEM


def render(reply: Outgoing) -> list[dict]:
    """One or more Slack messages (text + blocks) for a neutral reply."""
    if not reply.items:  # split, never cut: one section per message, within both limits
        return [{"text": piece, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}]}
                for piece in split_text(escape(reply.text), MAX_SECTION)]  # MAX_SECTION < MAX_TEXT
    lead, notes = reply.lead_and_notes()
    lead, notes = escape(lead), escape(notes)
    tally = reply.tally  # a group's picks: a Vote button per card while the vote is open, who voted for what
    per_message = items_per_message(reply)
    messages = []
    for start in range(0, len(reply.items), per_message):
        chunk = reply.items[start : start + per_message]
        opening = [lead, notes] if start == 0 else []
        blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": clip(t, MAX_SECTION)}} for t in opening if t]
        lines = [t for t in opening if t]
        for n, item in enumerate(chunk, start + 1):
            title, explanation = escape(item.title), escape(item.explanation)
            marks = escape(tally.marks(item.id)) if tally else ""
            heading = ("🏆 " if tally and tally.winner == item.id else "") + f"*{n}. {title}*" + (f" ({item.year})" if item.year else "") + (f" — {escape(', '.join(item.genres))}" if item.genres else "")
            section = {"type": "section", "text": {"type": "mrkdwn", "text": clip(heading, MAX_SECTION)}}
            if item.image_url:  # the poster beside the card's heading
                section["accessory"] = {"type": "image", "image_url": item.image_url, "alt_text": clip(item.title, 2000)}
            blocks.append(section)
            if explanation or marks:
                blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t, MAX_SECTION)} for t in (explanation, marks) if t]})
            buttons = [
                {"type": "button", "action_id": "chatrec_like", "value": item.id, "text": {"type": "plain_text", "text": "👍"}},
                {"type": "button", "action_id": "chatrec_dislike", "value": item.id, "text": {"type": "plain_text", "text": "👎"}},
                {"type": "button", "action_id": "chatrec_save", "value": item.id, "text": {"type": "plain_text", "text": "Save"}},
            ]
            if tally and tally.open:
                buttons.append({"type": "button", "action_id": "chatrec_vote", "value": f"{reply.poll}:{item.id}", "style": "primary",
                                "text": {"type": "plain_text", "text": "Vote"}})
            blocks.append({"type": "actions", "block_id": f"feedback:{item.id}"[:255], "elements": buttons})
            lines.append(f"{n}. {title}" + (f" ({item.year})" if item.year else "") + (f" — {explanation}" if explanation else "")
                         + (f" — {marks}" if marks else ""))
        if tally:
            status = escape(tally.status(reply.items))
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(status, MAX_SECTION)}]})
            lines.append(status)
        messages.append({"text": clip("\n".join(lines), MAX_TEXT), "blocks": blocks})
    return messages


def without_pictures(message: dict) -> dict:
    """The message with its cards' images taken out."""
    return {**message, "blocks": [{k: v for k, v in block.items() if k != "accessory"} for block in message["blocks"]]}


def post_cards(client: WebClient, channel: str, thread: str | None, message: dict, ts: str | None = None) -> None:
    """Post a message of cards (or, given `ts`, make the message there this one); if Slack
    refuses its blocks because a poster would not download, again without the pictures
    rather than lose the answer."""
    def send(message: dict) -> None:
        if ts:
            client.chat_update(channel=channel, ts=ts, **message)
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread, **message)

    try:
        send(message)
    except SlackApiError as exc:
        pictured = any("accessory" in block for block in message.get("blocks", []))
        if not pictured or exc.response.get("error") != "invalid_blocks":
            raise
        log.warning("Slack refused the cards' pictures (%s); posting them without", exc.response.get("errors") or "invalid_blocks")
        send(without_pictures(message))


class LiveAnswer:
    """The answer's text shown while the model writes it, at most one change a second
    (bot/streaming.py). In a thread, by Slack's message streaming (chat.startStream /
    appendStream / stopStream, slack-sdk's ChatStream), the cards attached when it stops;
    elsewhere (a DM's top level, where a stream can't go) by posting the text and updating it,
    the finished reply's first message replacing it. A failure to show falls back to posting
    the finished reply as usual: a lost draft is no lost answer."""

    def __init__(self, client: WebClient, channel: str, thread: str | None, team: str, user: str):
        self.client, self.channel, self.thread, self.team, self.user = client, channel, thread, team, user
        self.stream: ChatStream | None = None
        self.streamed = ""  # the text the stream carries so far
        self.ts: str | None = None  # the message updated in place (no thread)
        self.broken = False
        self.write = Throttled(self._show)

    def _show(self, text: str) -> None:
        if self.broken:
            return
        try:
            if self.thread is None:
                message = {"text": clip(escape(text), MAX_TEXT)}
                if self.ts is None:
                    self.ts = self.client.chat_postMessage(channel=self.channel, **message)["ts"]
                else:
                    self.client.chat_update(channel=self.channel, ts=self.ts, **message)
                return
            if not text.startswith(self.streamed):
                return  # the model started over (a retried call): the finished reply says it all
            if self.stream is None:
                self.stream = self.client.chat_stream(channel=self.channel, thread_ts=self.thread, buffer_size=1,
                                                      recipient_team_id=self.team or None, recipient_user_id=self.user or None)
            piece, self.streamed = text[len(self.streamed):], text  # once appended, the stream's buffer owns it, sent or not
            self.stream.append(markdown_text=escape(piece))  # as every text the bot posts: no <!channel> from a model
        except Exception as exc:
            log.warning("could not show the answer as it was written: %s", exc)
            self.broken = self.stream is not None or self.ts is None  # an update may fail once; a stream can't go on

    def finish(self, reply: Outgoing) -> None:
        messages = render(reply)
        if self.stream is not None:
            try:
                messages = self._stop(reply, messages)
            except Exception as exc:
                log.warning("could not finish the streamed answer (%s); posting it whole", exc)
                with contextlib.suppress(Exception):
                    self.stream.stop()  # never left in progress
        elif self.ts is not None and not self.broken:
            post_cards(self.client, self.channel, self.thread, messages[0], ts=self.ts)
            messages = messages[1:]
        for message in messages:
            post_cards(self.client, self.channel, self.thread, message)

    def _stop(self, reply: Outgoing, messages: list[dict]) -> list[dict]:
        """Stops the stream with the rest of the text and the first message's cards; returns
        the messages still to post."""
        assert self.stream is not None
        if not reply.text.startswith(self.streamed):
            # The answer is not what was streamed (a retried call, words before a tool call, an
            # apology): a stream only appends, so the streamed message is replaced.
            self.stream.stop()
            if self.stream.ts is None:
                return messages
            post_cards(self.client, self.channel, self.thread, messages[0], ts=self.stream.ts)
            return messages[1:]
        rest = escape(reply.text[len(self.streamed):])
        if not reply.items:
            self.stream.stop(markdown_text=rest or None)
            return []
        cards = render(replace(reply, text=""))  # the text is streamed: only the cards (and a poll's status)
        try:
            self.stream.stop(markdown_text=rest or None, blocks=cards[0]["blocks"])
        except SlackApiError:  # e.g. a poster Slack can't fetch: the text ends the stream, the cards follow
            self.stream.stop()
            return [without_pictures(card) if n == 0 else card for n, card in enumerate(cards)]
        return cards[1:]


def render_home(home: Home, said: str = "") -> dict:
    """The App Home tab: the person's page (bot/home.py) with its two buttons, and what the
    last button did (`said`)."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "Your chatrec"}}]
    if said:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(escape(said), MAX_SECTION)}]})
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": clip(line, MAX_SECTION)}}
               for line in home.lines(bold="*", clean=escape)]
    forget = {"title": {"type": "plain_text", "text": "Forget you?"}, "confirm": {"type": "plain_text", "text": "Forget me"},
              "deny": {"type": "plain_text", "text": "Cancel"}, "text": {"type": "mrkdwn", "text": FORGET_ME}}
    blocks.append({"type": "actions", "block_id": "home", "elements": [
        {"type": "button", "action_id": "chatrec_home_share", "value": "off" if home.sharing else "on",
         "text": {"type": "plain_text", "text": "Stop sharing my taste" if home.sharing else "Share my taste in channels"}},
        {"type": "button", "action_id": "chatrec_home_forget", "value": "forget", "style": "danger",
         "text": {"type": "plain_text", "text": "Forget me"}, "confirm": forget},
    ]})
    return {"type": "home", "blocks": blocks}


def render_page(reply: Outgoing, item_id: str) -> dict:
    """The one message of `render(reply)` that holds this item's card (the one clicked)."""
    position = next((n for n, item in enumerate(reply.items) if item.id == item_id), 0)
    return render(reply)[position // items_per_message(reply)]


def render_announcement(announcement: Announcement) -> dict:
    """The winner, with the “We watched it” button each member presses for themselves."""
    text = escape(announcement.text)
    return {"text": clip(text, MAX_TEXT), "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}},
        {"type": "actions", "elements": [{"type": "button", "action_id": "chatrec_watched", "value": announcement.poll,
                                          "text": {"type": "plain_text", "text": "We watched it"}}]},
    ]}


class _BoundedRateLimitRetry(RateLimitErrorRetryHandler):
    """Slack's 429, retried after its Retry-After unless that is unreadable or too long."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        after = after[0] if isinstance(after, list) else after
        return str(after).isdigit() and int(after) <= MAX_RETRY_AFTER


def retry_handlers() -> list[RetryHandler]:
    """Rate limits and Slack's passing failures are waited out, so a reply is not dropped."""
    return [ConnectionErrorRetryHandler(max_retry_count=RETRIES), _BoundedRateLimitRetry(max_retry_count=RETRIES),
            ServerErrorRetryHandler(max_retry_count=RETRIES)]


def _display_name(user: dict) -> str:
    profile = user.get("profile") or {}
    return person_name(profile.get("display_name") or profile.get("real_name") or user.get("real_name")
                       or user.get("name") or "", fallback=user.get("id") or "someone")


def build_app(service: ChatService, settings: SlackSettings, client: WebClient | None = None,
              turns: TurnPool | None = None) -> App:
    """The Bolt app: one workspace on `slack.bot_token`, or, with `slack.client_id`, any number
    installed through Slack's OAuth flow (bot/slack/install.py), each answered with its own token."""
    secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
    if settings.client_id:
        from bot.slack.install import oauth_settings

        oauth = oauth_settings(settings, service.runtime.history)
        store = oauth.installation_store
        client = client or WebClient(base_url=_api_url(settings), retry_handlers=retry_handlers())
        app = App(signing_secret=secret, client=client, oauth_settings=oauth, installation_store=store)
    elif settings.bot_token is None:
        raise ChatrecError("SLACK_BOT_TOKEN is not set; create the Slack app from bot/slack/manifest.yaml and export its "
                           "Bot User OAuth Token (or set SLACK_CLIENT_ID to install it in many workspaces).")
    else:
        token = settings.bot_token.get_secret_value()
        client = client or WebClient(token=token, base_url=_api_url(settings), retry_handlers=retry_handlers())
        app = App(token=token, signing_secret=secret, client=client,
                  request_verification_enabled=secret is not None, token_verification_enabled=True)
        store = None
    # Turns wait for a model (seconds with a remote one); on Bolt's small listener pool they
    # would leave no thread to acknowledge a command or a click within Slack's 3 seconds.
    turns = turns or TurnPool(service.settings.bot.turn_workers)
    clients: dict[str, WebClient] = {}
    clients_lock = threading.Lock()

    def forget_client(team: str) -> None:
        with clients_lock:
            clients.pop(team, None)

    if store is not None:
        store.on_change = forget_client  # a reinstall's new token is used from its next event

    def client_for(team: str) -> WebClient:
        """The Web API client that acts in the workspace: its installation's token (looked up
        once, until it is uninstalled), or the one token of a single-workspace bot."""
        if store is None:
            return client
        with clients_lock:
            if team not in clients:
                bot = store.find_bot(enterprise_id=None, team_id=team)
                if bot is None:
                    raise ChatrecError(f"the app is not installed in Slack workspace {team}")
                clients[team] = WebClient(token=bot.bot_token, base_url=client.base_url, retry_handlers=retry_handlers())
            return clients[team]

    def uninstalled(team: str) -> None:
        forget_client(team)
        forgotten = service.forget_workspace("slack", team)
        log.info("the app left Slack workspace %s: %d stored rows and %d conversations forgotten", team, *forgotten)

    def in_background(work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("answering a Slack event failed")
                service.metrics.errors.labels("slack_answer").inc()
        turns.submit(service.metrics.queued(run))

    def is_admin(team: str, user: str) -> Callable[[], bool]:
        """A workspace admin or owner (users.info), asked only for the commands that need it."""
        def check() -> bool:
            if not settings.workspace_admins:
                return False
            info = client_for(team).users_info(user=user).get("user", {})
            return bool(info.get("is_admin") or info.get("is_owner"))
        return check

    @functools.lru_cache(maxsize=4096)
    def looked_up(team: str, user: str, hour: int) -> str:  # `hour` in the key: a renamed person shows within the hour
        return _display_name(client_for(team).users_info(user=user).get("user") or {})

    @functools.lru_cache(maxsize=512)
    def team_looked_up(team: str, usergroup: str, hour: int) -> tuple[str, ...]:
        return tuple(client_for(team).usergroups_users_list(usergroup=usergroup).get("users") or ())[:MAX_TEAM]

    def team_members(team: str, usergroup: str) -> tuple[str, ...]:
        try:
            return team_looked_up(team, usergroup, int(time.time() // 3600))
        except Exception:  # e.g. no usergroups:read scope: the people mentioned one by one still count
            log.warning("could not list the members of Slack user group %s", usergroup, exc_info=True)
            return ()

    @functools.lru_cache(maxsize=512)
    def members_listed(team: str, channel: str, period: int) -> frozenset[str]:  # `period`: a leaver drops out within minutes
        members: set[str] = set()
        cursor = None
        for _ in range(MAX_MEMBER_PAGES):
            page = client_for(team).conversations_members(channel=channel, limit=1000, cursor=cursor)
            members.update(page.get("members") or ())
            if not (cursor := (page.get("response_metadata") or {}).get("next_cursor")):
                break
        return frozenset(members)

    def present(team: str, channel: str, people: list[str]) -> set[str]:
        """Those of `people` in the conversation. A DM has only the speaker; a channel that can't
        be listed (no channels:read scope, say) keeps everyone out: a group pick draws on its
        members' tastes, which nobody outside the conversation may ask for."""
        if channel.startswith("D"):
            return set()
        try:
            return set(people) & members_listed(team, channel, int(time.time() // 300))
        except Exception:
            log.warning("could not list the members of Slack conversation %s; naming nobody else", channel, exc_info=True)
            return set()

    def name_of(team: str, user: str) -> str:
        try:
            return looked_up(team, user, int(time.time() // 3600))
        except Exception:  # e.g. no users:read scope: the group still works, unnamed (not cached)
            log.warning("could not look up the name of Slack user %s", user, exc_info=True)
            return "someone"

    def answer(event: dict, team: str, thread_root: str | None, bot_user: str | None) -> None:
        """An admitted message (see `admitted`) answered."""
        channel, ts, speaker, text = event["channel"], event["ts"], event.get("user", ""), event.get("text", "")
        client = client_for(team)
        # Whom it names, by Slack's own mentions (a group request): the bot and the speaker aside.
        people = [user for user in mentioned_users(text) if user not in (bot_user, speaker)]
        teams = mentioned_teams(text)
        for members in (team_members(team, group) for group in teams):  # a user group stands for its members
            people += [user for user in members if user not in (bot_user, speaker)]
        # Each is a users.info call (minutes on a 429): a message names at most max_mentions.
        people = list(dict.fromkeys(people))[:service.settings.bot.max_mentions]
        here = present(team, channel, people) if people else set()
        named = {user: name_of(team, user) for user in people if user in here}
        outside = {user: name_of(team, user) for user in people if user not in here}
        # Those left out are not in the text either: the request is then the speaker's own.
        spoken = {**named, **{sid: person_name(handle) for sid, handle in teams.items()}}
        incoming = Incoming("slack", team, channel, speaker, inbound_text(text, spoken), thread_root,
                            event.get("event_id_for_dedupe"), mentions=tuple(named.items()),
                            user_name=name_of(team, speaker) if named else "", private=channel.startswith("D"),
                            left_out=tuple(outside.values()))
        try:
            client.reactions_add(channel=channel, timestamp=ts, name="eyes")
        except Exception:  # a missing reactions:write scope must not stop the answer
            log.debug("could not add the progress reaction", exc_info=True)
        live = LiveAnswer(client, channel, thread_root, team, speaker)
        try:
            reply = service.handle(incoming, admitted=True, on_text=live.write)
            if reply is None:
                return
            try:
                live.finish(reply)
            except Exception:  # as on Discord: the person hears that something went wrong
                log.exception("could not post the answer to %s in %s", ts, channel)
                service.metrics.errors.labels("slack_post").inc()
                try:
                    client.chat_postMessage(channel=channel, thread_ts=thread_root, text=APOLOGY)
                except Exception:
                    log.warning("could not post the apology either", exc_info=True)
        finally:
            try:
                client.reactions_remove(channel=channel, timestamp=ts, name="eyes")
            except Exception:
                log.debug("could not remove the progress reaction", exc_info=True)

    def where(context: BoltContext, body: dict) -> str:
        """The workspace an event, click or command belongs to: the installation that received it
        (Bolt's context: in a Slack Connect channel the receiving workspace, for an org-wide
        install its org), not the body's team_id, which may be another organisation's."""
        return workspace_of(context.enterprise_id, context.team_id, context.is_enterprise_install) \
            or body.get("team_id") or (body.get("team") or {}).get("id", "")

    def admitted(body: dict, event: dict, thread_root: str | None, team: str) -> bool:
        """Duplicates, people over their rate limit and a full queue are dealt with here, before
        any lookup or queueing: a flood costs a set lookup and, at most, one short post each."""
        if event.get("bot_id") or event.get("subtype"):
            return False  # other bots, edits, joins: not messages to answer
        gate = service.admit("slack", team, event.get("user", ""), body.get("event_id"))
        if isinstance(gate, Outgoing):
            try:
                client_for(team).chat_postMessage(channel=event["channel"], thread_ts=thread_root, text=gate.text)
            except Exception:
                log.warning("could not say so to a message turned away", exc_info=True)
        return gate is True

    @app.event("app_mention")
    def on_mention(body: dict, event: dict, context: BoltContext) -> None:
        # In a channel the reply goes in a thread under the message; that thread is the conversation.
        event = {**event, "event_id_for_dedupe": body.get("event_id")}
        bot_user, root, team = context.bot_user_id, event.get("thread_ts") or event["ts"], where(context, body)
        if admitted(body, event, root, team):
            in_background(lambda: answer(event, team, root, bot_user))

    @app.event("message")
    def on_message(body: dict, event: dict, context: BoltContext) -> None:
        if event.get("channel_type") != "im":
            return  # channel messages arrive as app_mention
        event = {**event, "event_id_for_dedupe": body.get("event_id")}
        bot_user, team = context.bot_user_id, where(context, body)
        if admitted(body, event, event.get("thread_ts"), team):
            in_background(lambda: answer(event, team, event.get("thread_ts"), bot_user))

    @app.action(re.compile(r"^chatrec_(like|dislike|save)$"))
    def on_feedback(ack, body: dict, action: dict, context: BoltContext) -> None:
        # Stored, then acknowledged: a click is only answered once it is kept (one row, well
        # within Slack's 3 seconds); if it can't be, the person is told so, not thanked.
        user, team = body["user"]["id"], where(context, body)
        kind = CLICKS[action["action_id"].removeprefix("chatrec_")]
        try:
            text = service.feedback("slack", team, user, action["value"], kind)
        except Exception:
            log.exception("could not record a %s click", kind)
            service.metrics.errors.labels("slack_click").inc()
            text = APOLOGY
        ack()
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client_for(team).chat_postEphemeral(channel=channel, user=user, text=escape(text))  # the title is catalog data

    @app.action("chatrec_vote")
    def on_vote(ack, body: dict, action: dict, respond: Respond | None, context: BoltContext) -> None:
        ack()
        user, team = body["user"]["id"], where(context, body)
        poll, _, item_id = action["value"].partition(":")
        result = service.votes.vote("slack", team, user, poll, item_id)
        channel = (body.get("channel") or {}).get("id")
        if result.message is not None:  # the message shows the new tally
            show_tally(body, respond, render_page(result.message, item_id), team)
        if channel:
            client_for(team).chat_postEphemeral(channel=channel, user=user, text=escape(result.text))  # names people chose
            if result.announcement is not None:  # in the poll's thread, by the one vote that completed it
                thread = (body.get("message") or {}).get("thread_ts") or (body.get("container") or {}).get("thread_ts")
                client_for(team).chat_postMessage(channel=channel, thread_ts=thread, **render_announcement(result.announcement))

    def show_tally(body: dict, respond: Respond | None, message: dict, team: str) -> None:
        """Replace the clicked message through the click's response_url (no Web API rate
        limit; 30 minutes, 5 uses); failing that, as the bot with chat.update. Cards posted
        without their pictures (Slack could not fetch one) stay without."""
        if not any("accessory" in block for block in (body.get("message") or {}).get("blocks", [])):
            message = without_pictures(message)
        try:
            if respond is not None and respond(replace_original=True, **message).status_code == 200:
                return
        except Exception:
            log.warning("could not update the poll through its response_url; updating as the bot", exc_info=True)
        container = body.get("container") or {}
        client_for(team).chat_update(channel=container.get("channel_id") or body["channel"]["id"], ts=container["message_ts"], **message)

    def publish_home(team: str, user: str, said: str = "") -> None:
        try:
            view = render_home(home_of(service, "slack", team, user), said)
        except Exception:
            log.exception("could not build %s's home tab", user)
            view = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": APOLOGY}}]}
        client_for(team).views_publish(user_id=user, view=view)

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    def on_uninstalled(body: dict, event: dict, context: BoltContext) -> None:
        """The app removed from a workspace (or its bot token revoked): what it kept there goes."""
        if event["type"] == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only people's own tokens went; the bot stays
        uninstalled(where(context, body))

    @app.event("app_home_opened")
    def on_home_opened(body: dict, event: dict, context: BoltContext) -> None:
        if event.get("tab", "home") == "home":
            publish_home(where(context, body), event["user"])

    @app.action(re.compile(r"^chatrec_home_(share|forget)$"))
    def on_home_action(ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user, team = body["user"]["id"], where(context, body)
        said = ""
        try:
            if action["action_id"] == "chatrec_home_share":
                set_sharing(service, "slack", team, user, action["value"] == "on")
            else:
                said = forget_me(service, "slack", team, user)
        except Exception:
            log.exception("could not change %s's page (%s)", user, action["action_id"])
            said = APOLOGY
        publish_home(team, user, said)

    @app.action("chatrec_watched")
    def on_watched(ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        user, team = body["user"]["id"], where(context, body)
        text = service.votes.watched("slack", team, user, action["value"])
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client_for(team).chat_postEphemeral(channel=channel, user=user, text=escape(text))

    def run_command(command: dict, team: str) -> CommandResult:
        text = command.get("text", "")
        target = _USER.search(text)  # Slack's own mention of a member: their id
        return service.command("slack", team, command["channel_id"], command["user_id"],
                               Command.parse(text, member=target.group(1) if target else None),
                               is_admin(team, command["user_id"]),
                               is_operator=settings.is_operator(team, command["user_id"]),
                               private=command["channel_id"].startswith("D"), markup=MARKUP)  # D…: a direct message

    def reply(command: dict, team: str, respond: Respond, text: str, public: bool) -> None:
        """Through the command's response_url, which works where the bot is no member (valid for
        30 minutes and 5 answers); failing that, as the bot itself. Raises if both fail."""
        try:
            sent = respond(text=text, response_type="in_channel" if public else "ephemeral")
            if sent.status_code == 200:
                return
            log.warning("the /chatrec response_url answered %s %s; posting as the bot", sent.status_code, sent.body)
        except Exception:
            log.warning("could not answer /chatrec through its response_url; posting as the bot", exc_info=True)
        if public:
            client_for(team).chat_postMessage(channel=command["channel_id"], text=text)
        else:
            client_for(team).chat_postEphemeral(channel=command["channel_id"], user=command["user_id"], text=text)

    def finish(command: dict, team: str, respond: Respond, background: Callable[[], Finished]) -> None:
        try:
            finished = background()
            reply(command, team, respond, finished.text, public=True)
            if finished.detail:
                reply(command, team, respond, finished.detail, public=False)
        except Exception:
            log.exception("could not post the result of /chatrec %s", command.get("text", ""))

    @app.command("/chatrec")
    def on_command(ack, command: dict, respond: Respond, context: BoltContext) -> None:
        # The empty acknowledgement goes first and alone: users.info (is_admin) and the agent's
        # lock (forget) can take longer than Slack's 3 seconds. With process_before_response
        # off, Bolt sends it as soon as ack() returns and this listener carries on in its thread.
        ack()
        team = where(context, command)
        try:
            result = run_command(command, team)
        except Exception:  # e.g. users.info failing: say so rather than leave the caller waiting
            log.exception("/chatrec %s failed", command.get("text", ""))
            result = CommandResult(APOLOGY)
        try:
            reply(command, team, respond, result.text, result.public)
            if result.background is not None:
                threading.Thread(target=finish, args=(command, team, respond, result.background), name="chatrec-reindex",
                                 daemon=True).start()
        except Exception:
            if result.cancel is not None:  # the reindex will not run, or nobody heard of it: free its slot
                result.cancel()
            raise

    return app


def _api_url(settings: SlackSettings) -> str:
    url = settings.api_url or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


def http_server(app: App, host: str, port: int, limits: HttpSettings, ops: OpsState | None = None,
                path: str = "/slack/events") -> HttpServer:
    """Bolt behind uvicorn (signatures are verified by Bolt: 401 when bad), with /healthz and
    /metrics beside it when `ops` is given."""
    return HttpServer(web_app(limits, ops=ops, slack=app, slack_path=path), host, port, limits, name="chatrec-slack")


def serve(service: ChatService, settings: SlackSettings, host: str = "0.0.0.0", port: int | None = None,
          ops: OpsState | None = None) -> None:
    """Until SIGTERM or Ctrl-C (in the main thread); then requests and turns in flight finish,
    for up to `http.shutdown_grace_s`."""
    turns = TurnPool(service.settings.bot.turn_workers)
    app = build_app(service, settings, turns=turns)
    limits = service.settings.http
    if settings.app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(app, settings.app_token.get_secret_value()).start()
        return
    if settings.signing_secret is None:
        raise ChatrecError("Set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode.")
    server = http_server(app, host, port or settings.port, limits, ops)
    log.info("Slack events at http://%s:%d/slack/events", host, server.server_port)
    server.run()
    unfinished = turns.drain(limits.shutdown_grace_s)
    log.info("stopped serving Slack%s", f"; {unfinished} turn(s) left unfinished" if unfinished else "")
