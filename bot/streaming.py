"""Showing an answer while a language model writes it, at a pace chat platforms accept.

A turn with a language model takes seconds; its text arrives token by token (Agent.respond's
`on_text`). An adapter shows the first text at once, then edits the message with the newest
text at most once per `EDIT_EVERY_S` (both Slack and Discord rate-limit edits to about one a
second per channel), and replaces it with the finished reply (cards, buttons) when the turn ends."""

from __future__ import annotations

import time
from collections.abc import Callable

EDIT_EVERY_S = 1.0


class Throttled:
    """Calls `show(text)` with the newest text: the first at once, later ones at most once per
    `every` seconds; `flush()` shows what came after the last one. For an adapter whose turn
    runs in the thread that shows (Slack's): the edit happens inline, between tokens."""

    def __init__(self, show: Callable[[str], None], every: float = EDIT_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.show, self.every, self.clock = show, every, clock
        self.latest: str | None = None
        self.shown: str | None = None
        self.shown_at: float | None = None

    def __call__(self, text: str) -> None:
        self.latest = text
        if self.shown_at is None or self.clock() - self.shown_at >= self.every:
            self._show()

    def flush(self) -> None:
        if self.latest is not None and self.latest != self.shown:
            self._show()

    @property
    def started(self) -> bool:
        return self.shown_at is not None

    def _show(self) -> None:
        text = self.latest or ""
        if text.strip():
            self.show(text)
            self.shown, self.shown_at = text, self.clock()
