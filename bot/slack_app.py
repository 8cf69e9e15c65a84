"""Slack adapter (slack-bolt): events and the /chatrec command in, Block Kit out.

Everything behavioural is in bot.core.ChatService; this module only converts Slack events
into `Incoming` messages and renders `Outgoing` replies as Block Kit with 👍/👎 buttons.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.core import ChatService, Incoming, Outgoing, clip
from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import SlackSettings

log = logging.getLogger(__name__)

# Slack's limits: 50 blocks per message, 3000 characters per section text, and a practical
# 4000 characters for the plain-text fallback (longer messages are truncated by Slack).
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_TEXT = 4000
BLOCKS_PER_ITEM = 3
# Slack's control sequences in message text: user and broadcast mentions (<@U1>, <!here>,
# <!subteam^S1>) are dropped before the text is read; channels and links keep their label.
_MENTION = re.compile(r"<[@!][^>]*>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LABELLED = re.compile(r"<(?:#[A-Z0-9]+|[a-z]+:[^|>]*)\|([^>]*)>")
_BARE_LINK = re.compile(r"<([a-z]+:[^|>]*)>")


def inbound_text(text: str) -> str:
    """What a person typed, as plain text: mentions and broadcasts out, labels kept, and
    Slack's escapes (&amp; &lt; &gt;) decoded."""
    text = _LABELLED.sub(lambda m: m.group(1), _MENTION.sub(" ", text))
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


def escape(text: str) -> str:
    """Text for mrkdwn and the fallback text: <, > and & escaped, so quoted user text can
    never form a mention or a broadcast (Slack's own escaping rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(reply: Outgoing) -> list[dict]:
    """One or more Slack messages (text + blocks) for a neutral reply."""
    lead, notes = reply.lead_and_notes() if reply.items else (reply.text, "")
    lead, notes = escape(lead), escape(notes)
    if not reply.items:
        text = escape(reply.text)
        return [{"text": clip(text, MAX_TEXT),
                 "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}]}]
    per_message = (MAX_BLOCKS - 2) // BLOCKS_PER_ITEM  # room for the lead and the notes
    messages = []
    for start in range(0, len(reply.items), per_message):
        chunk = reply.items[start : start + per_message]
        opening = [lead, notes] if start == 0 else []
        blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": clip(t, MAX_SECTION)}} for t in opening if t]
        lines = [t for t in opening if t]
        for n, item in enumerate(chunk, start + 1):
            title, explanation = escape(item.title), escape(item.explanation)
            heading = f"*{n}. {title}*" + (f" ({item.year})" if item.year else "") + (f" — {escape(', '.join(item.genres))}" if item.genres else "")
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(heading, MAX_SECTION)}})
            if explanation:
                blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(explanation, MAX_SECTION)}]})
            blocks.append({"type": "actions", "block_id": f"feedback:{item.id}"[:255], "elements": [
                {"type": "button", "action_id": "chatrec_like", "value": item.id, "text": {"type": "plain_text", "text": "👍"}},
                {"type": "button", "action_id": "chatrec_dislike", "value": item.id, "text": {"type": "plain_text", "text": "👎"}},
            ]})
            lines.append(f"{n}. {title}" + (f" ({item.year})" if item.year else "") + (f" — {explanation}" if explanation else ""))
        messages.append({"text": clip("\n".join(lines), MAX_TEXT), "blocks": blocks})
    return messages


def build_app(service: ChatService, settings: SlackSettings, client: WebClient | None = None) -> App:
    if settings.bot_token is None:
        raise ChatrecError("SLACK_BOT_TOKEN is not set; create the Slack app from bot/slack_manifest.yaml and export its Bot User OAuth Token.")
    token = settings.bot_token.get_secret_value()
    client = client or WebClient(token=token, base_url=_api_url(settings))
    secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
    app = App(token=token, signing_secret=secret, client=client,
              request_verification_enabled=secret is not None, token_verification_enabled=True)

    def is_admin(user: str) -> Callable[[], bool]:
        """A workspace admin or owner (users.info), asked only for the commands that need it."""
        def check() -> bool:
            if not settings.workspace_admins:
                return False
            info = client.users_info(user=user).get("user", {})
            return bool(info.get("is_admin") or info.get("is_owner"))
        return check

    def answer(event: dict, team: str, thread_root: str | None) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return  # other bots, edits, joins: not messages to answer
        channel, ts = event["channel"], event["ts"]
        incoming = Incoming("slack", team, channel, event.get("user", ""), inbound_text(event.get("text", "")),
                            thread_root, event.get("event_id_for_dedupe"))
        try:
            client.reactions_add(channel=channel, timestamp=ts, name="eyes")
        except Exception:  # a missing reactions:write scope must not stop the answer
            log.debug("could not add the progress reaction", exc_info=True)
        try:
            reply = service.handle(incoming)
            if reply is None:
                return
            for message in render(reply):
                client.chat_postMessage(channel=channel, thread_ts=thread_root, **message)
        finally:
            try:
                client.reactions_remove(channel=channel, timestamp=ts, name="eyes")
            except Exception:
                log.debug("could not remove the progress reaction", exc_info=True)

    @app.event("app_mention")
    def on_mention(body: dict, event: dict) -> None:
        # In a channel the reply goes in a thread under the message; that thread is the conversation.
        event = {**event, "event_id_for_dedupe": body.get("event_id")}
        answer(event, body.get("team_id", ""), event.get("thread_ts") or event["ts"])

    @app.event("message")
    def on_message(body: dict, event: dict) -> None:
        if event.get("channel_type") != "im":
            return  # channel messages arrive as app_mention
        event = {**event, "event_id_for_dedupe": body.get("event_id")}
        answer(event, body.get("team_id", ""), event.get("thread_ts"))

    @app.action(re.compile(r"^chatrec_(like|dislike)$"))
    def on_feedback(ack, body: dict, action: dict) -> None:
        ack()
        user = body["user"]["id"]
        team = (body.get("team") or {}).get("id", "")
        kind = "liked" if action["action_id"] == "chatrec_like" else "disliked"
        text = service.feedback("slack", team, user, action["value"], kind)
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)

    @app.command("/chatrec")
    def on_command(ack, command: dict) -> None:
        text = command.get("text", "")
        target = _USER.search(text)
        result = service.command("slack", command.get("team_id", ""), command["channel_id"], command["user_id"], text,
                                 is_admin(command["user_id"]), is_operator=command["user_id"] in settings.admin_user_ids,
                                 link_target=target.group(1) if target else None,
                                 private=command["channel_id"].startswith("D"))  # D…: a direct message
        ack(response_type="in_channel" if result.public else "ephemeral", text=result.text)
        if result.background is not None:
            def run() -> None:
                client.chat_postMessage(channel=command["channel_id"], text=result.background())
            threading.Thread(target=run, name="chatrec-reindex", daemon=True).start()

    return app


def _api_url(settings: SlackSettings) -> str:
    url = settings.api_url or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        log.debug("http: " + args[0], *args[1:])


def http_server(app: App, host: str, port: int, path: str = "/slack/events") -> WSGIServer:
    """Bolt behind a threading WSGI server: signatures are verified by Bolt (401 when bad)."""
    handler = SlackRequestHandler(app, path=path)
    return make_server(host, port, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def serve(service: ChatService, settings: SlackSettings, host: str = "0.0.0.0", port: int | None = None) -> None:
    app = build_app(service, settings)
    if settings.app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(app, settings.app_token.get_secret_value()).start()
        return
    if settings.signing_secret is None:
        raise ChatrecError("Set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode.")
    server = http_server(app, host, port or settings.port)
    log.info("Slack events at http://%s:%d/slack/events", host, server.server_port)
    server.serve_forever()
