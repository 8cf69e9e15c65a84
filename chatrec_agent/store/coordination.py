"""What bot replicas must agree on besides the history: which chat events were already
answered, how many messages a person sent lately, whether a reindex is running, and which
catalog generation they should all serve.

One process (storage.backend sqlite) keeps all three in memory (`InProcessCoordination`);
replicas sharing a PostgreSQL database keep them there (postgres_coordination.py), so a
Slack retry landing on another replica is still a duplicate, a person's rate limit is one
budget whichever replica answers, and one reindex runs at a time across them all.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol


class ReindexLock(Protocol):
    """The one reindex slot."""

    def try_acquire(self) -> bool:
        """Take the slot now; False (at once, without waiting) when it is taken."""
        ...

    def release(self) -> None:
        """Give back a slot this process took."""
        ...

    @property
    def held(self) -> bool:
        """Whether anyone (any replica, where shared) holds the slot."""
        ...


class Coordination(ABC):
    shared: bool  # True when other processes see the same state
    reindex_lock: ReindexLock

    @abstractmethod
    def first_time(self, key: str) -> bool:
        """Record `key`; True only for the first caller to record it."""

    @abstractmethod
    def allow(self, key: str, limit: int, window_s: float) -> bool:
        """Count one event for `key` unless `limit` were counted in the last `window_s`
        seconds; False (and nothing counted) when the limit is reached."""

    @abstractmethod
    def publish_generation(self, value: str) -> None:
        """Record `value` as the catalog generation every replica should serve."""

    @abstractmethod
    def generation(self) -> str | None:
        """The catalog generation last published (None before the first)."""

    def close(self) -> None:
        pass


class RateLimit:
    """At most `limit` events per key per `window_s`, counted in its own `scope` so that two
    limits (messages, clicks) on one coordination are separate budgets."""

    def __init__(self, coordination: Coordination, scope: str, limit: int, window_s: float = 60):
        self.coordination, self.scope, self.limit, self.window_s = coordination, scope, limit, window_s

    def allow(self, key: str) -> bool:
        return self.coordination.allow(f"{self.scope}:{key}", self.limit, self.window_s)


class InProcessReindexLock:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        return self._lock.acquire(blocking=False)

    def release(self) -> None:
        self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.locked()


# How often (in rate-limit checks) the sliding windows of people gone quiet are dropped.
SWEEP_EVERY = 1024


class InProcessCoordination(Coordination):
    """For one bot process: a bounded set of recent keys and a sliding window per key.
    `clock` is injectable so that tests can move time."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.monotonic, seen_size: int = 10_000):
        self.clock, self.seen_size = clock, seen_size
        self.reindex_lock = InProcessReindexLock()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._times: dict[str, deque[float]] = {}
        self._window = 0.0  # the longest window asked for: a key idle that long holds nothing
        self._calls = 0
        self._generation: str | None = None  # one process: nobody else to tell
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > self.seen_size:  # the oldest go: redeliveries come within minutes
                self._seen.popitem(last=False)
            return True

    def allow(self, key: str, limit: int, window_s: float) -> bool:
        now = self.clock()
        with self._lock:
            self._window = max(self._window, window_s)
            self._calls += 1
            if self._calls % SWEEP_EVERY == 0:  # people who went quiet: their keys go
                for stale in [k for k, t in self._times.items() if not t or now - t[-1] > self._window]:
                    del self._times[stale]
            times = self._times.setdefault(key, deque())
            while times and now - times[0] > window_s:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True

    def publish_generation(self, value: str) -> None:
        self._generation = value

    def generation(self) -> str | None:
        return self._generation
