"""A local stand-in for the Slack Web API that records every call (like slack-bolt's own
tests/mock_web_api_server)."""

from __future__ import annotations

import json
import time

from .recording_api import RecordingAPI

ADMINS = {"UADMIN"}


class MockSlackAPI(RecordingAPI):
    @property
    def url(self) -> str:
        return f"{self.root}/api/"

    def answer(self, verb: str, path: str, args, headers) -> tuple:
        if isinstance(args.get("blocks"), str):
            args["blocks"] = json.loads(args["blocks"])
        method = path.rsplit("/", 1)[-1]
        body = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBOT", bot_id="BBOT", team_id="T1", team="Test", user="chatrec", url="https://test.slack.com/")
        elif method in ("chat.postMessage", "chat.update"):
            body.update(channel=args.get("channel"), ts=f"{time.time():.6f}", message={"text": args.get("text")})
        elif method == "users.info":
            user = args.get("user")
            body.update(user={"id": user, "is_admin": user in ADMINS, "is_owner": False})
        return method, body
