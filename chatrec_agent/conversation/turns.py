"""Turn order: turns of one conversation run one after another in arrival order; turns of
different conversations run at the same time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class _Queue:
    next_ticket: int = 0
    serving: int = 0

    @property
    def idle(self) -> bool:
        return self.serving == self.next_ticket


class TurnOrder:
    """A first-come, first-served lock per conversation id (a plain Lock wakes waiters in no
    particular order, so a later "why the second one?" could overtake the list it asks about).
    Entries exist only while someone holds or waits for them."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queues: dict[str, _Queue] = {}

    @contextmanager
    def turn(self, conversation: str) -> Iterator[None]:
        with self._changed:
            queue = self._queues.setdefault(conversation, _Queue())
            ticket = queue.next_ticket
            queue.next_ticket += 1
            self._changed.wait_for(lambda: queue.serving == ticket)
        try:
            yield
        finally:
            with self._changed:
                queue.serving += 1
                if queue.idle:
                    del self._queues[conversation]
                self._changed.notify_all()

    def busy(self) -> int:
        """Conversations with a turn running or waiting."""
        with self._changed:
            return len(self._queues)
