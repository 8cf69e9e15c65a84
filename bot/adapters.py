"""The contract a chat platform's adapter keeps, and the adapters by name.

An adapter turns its platform's events into neutral `Incoming` messages for the ChatService,
renders its neutral `Outgoing` replies in the platform's own form, writes the help in its
`Markup`, and serves. `chatrec serve NAME` finds it here; adding a platform is a package under
bot/ with an ADAPTER and a line below, nothing in the core."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.core import ChatService
    from bot.ops_server import OpsState
    from chatrec_agent.settings import Settings

# name -> the package whose ADAPTER serves it (imported only when asked for).
ADAPTERS = {"slack": "bot.slack", "discord": "bot.discord"}


class Adapter(Protocol):
    name: str
    title: str  # as people write it: "Slack"
    owns_main_thread: bool  # serves from the main thread (discord.py's client); the others run beside it

    def missing(self, settings: Settings) -> str | None:
        """What the settings lack to serve (a sentence), or None when it can."""

    def note(self, settings: Settings, port: int | None) -> str:
        """How it serves, for the console: " over Socket Mode."."""

    def serve(self, service: ChatService, settings: Settings, host: str, port: int | None, ops: OpsState) -> None:
        """Until stopped."""


def adapter(name: str) -> Adapter:
    if name not in ADAPTERS:
        raise KeyError(name)
    return importlib.import_module(ADAPTERS[name]).ADAPTER
