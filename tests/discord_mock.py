"""A local stand-in for the part of Discord's HTTP API that interactions use: the callback
that answers an interaction and the webhook that carries follow-ups. discord.py's own
`Interaction.response` and `Interaction.followup` code talks to it over real HTTP."""

from __future__ import annotations

import re

from .recording_api import RecordingAPI

_CALLBACK = re.compile(r"/api/v10/interactions/(?P<id>\d+)/(?P<token>[^/?]+)/callback")
_WEBHOOK = re.compile(r"/api/v10/webhooks/(?P<app>\d+)/(?P<token>[^/?]+)")
_COMMANDS = re.compile(r"/api/v10/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands")
_CHANNEL = re.compile(r"/api/v10/channels/(?P<channel>\d+)/(?P<what>messages|typing)$")
APP_ID = "123456789012345678"
BOT_USER = {"id": "123456789012345678", "username": "chatrec", "discriminator": "0", "global_name": None,
            "avatar": None, "bot": True}


class MockDiscordAPI(RecordingAPI):
    def __init__(self, tokens: tuple[str, ...] = ()):
        super().__init__()
        self.tokens = set(tokens)  # the bot tokens it accepts at login
        self.followups_expired = False  # as after an interaction token's 15 minutes

    @property
    def url(self) -> str:
        return f"{self.root}/api/v10"

    def answer(self, verb: str, path: str, args, headers) -> tuple:
        if match := _CALLBACK.match(path):
            args["token"] = match["token"]
            return "callback", {"interaction": {"id": match["id"], "type": 2,
                                                "response_message_ephemeral": bool(args.get("data", {}).get("flags", 0) & 64)}}
        if match := _WEBHOOK.match(path):
            args["token"] = match["token"]
            if self.followups_expired:
                return "followup", {"message": "Unknown Webhook", "code": 10015}, 404
            return "followup", self._message(args.get("channel_id", "1"), args)  # the message it sent, as Discord answers
        if path.startswith("/api/v10/users/@me"):  # login
            args["authorization"] = headers.get("Authorization", "")
            if args["authorization"].removeprefix("Bot ") not in self.tokens:
                return "login", {"message": "401: Unauthorized", "code": 0}, 401
            return "login", BOT_USER
        if path.startswith("/api/v10/oauth2/applications/@me"):
            return "application", {"id": APP_ID, "name": "chatrec", "description": "", "icon": None, "bot_public": False,
                                   "bot_require_code_grant": False, "owner": BOT_USER, "verify_key": "00", "flags": 0}
        if match := _COMMANDS.match(path):  # command sync: Discord echoes the commands back with ids
            self.record("sync", {"guild": match["guild"], "commands": args})
            return "", [{**c, "id": str(900 + n), "application_id": APP_ID, "version": "1"} for n, c in enumerate(args)]
        if match := _CHANNEL.match(path):  # the bot writing (or typing) in a channel
            args["channel_id"] = match["channel"]
            if match["what"] == "typing":
                return "typing", {}
            return "message", self._message(match["channel"], args)
        if path.startswith("/api/v10/gateway/bot"):  # a gateway that refuses connections: the client keeps retrying
            return "gateway", {"url": "ws://127.0.0.1:9", "shards": 1,
                               "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}
        return path, {}

    def _message(self, channel_id: str, args: dict) -> dict:
        """A message payload as Discord returns it for one the bot sent."""
        self.sent_ids = getattr(self, "sent_ids", 1_400_000_000_000_000_000) + 1
        return {
            "id": str(self.sent_ids), "channel_id": channel_id, "author": BOT_USER, "content": args.get("content", ""),
            "timestamp": "2026-11-23T12:00:00+00:00", "edited_timestamp": None, "tts": False, "mention_everyone": False,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": args.get("embeds", []), "pinned": False,
            "type": 0, "flags": args.get("flags", 0), "components": args.get("components", [])}
