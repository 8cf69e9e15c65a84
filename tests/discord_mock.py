"""A local stand-in for the part of Discord's HTTP API that interactions use: the callback
that answers an interaction and the webhook that carries follow-ups. discord.py's own
`Interaction.response` and `Interaction.followup` code talks to it over real HTTP."""

from __future__ import annotations

import re

from .recording_api import RecordingAPI

_CALLBACK = re.compile(r"/api/v10/interactions/(?P<id>\d+)/(?P<token>[^/?]+)/callback")
_WEBHOOK = re.compile(r"/api/v10/webhooks/(?P<app>\d+)/(?P<token>[^/?]+)")


class MockDiscordAPI(RecordingAPI):
    @property
    def url(self) -> str:
        return f"{self.root}/api/v10"

    def answer(self, verb: str, path: str, args: dict) -> tuple:
        if match := _CALLBACK.match(path):
            args["token"] = match["token"]
            return "callback", {"interaction": {"id": match["id"], "type": 2,
                                                "response_message_ephemeral": bool(args.get("data", {}).get("flags", 0) & 64)}}
        if match := _WEBHOOK.match(path):
            args["token"] = match["token"]
            return "followup", {}
        if path.startswith("/api/v10/users/@me"):  # login: this stand-in knows no valid token
            return "login", {"message": "401: Unauthorized", "code": 0}, 401
        return path, {}
