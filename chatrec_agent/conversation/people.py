"""The people a conversation is about, as the platform adapter bound them.

A group request ("a film for @ana, @ben and me") names its members by the platform's own
mentions; the adapter resolves each to a `Person` (id, display name, catalog user through the
identity links) before the agent runs, so a model can choose among the people bound for it
but never name anyone else, exactly as it never chooses whose history the tools read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    id: str  # the platform's user id (Slack U…, Discord snowflake)
    name: str  # their display name, for answers and vote tallies
    user: str  # their catalog user, whose history speaks for them

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "user": self.user}

    @classmethod
    def from_dict(cls, data: dict) -> Person:
        return cls(str(data["id"]), str(data["name"]), str(data["user"]))


@dataclass(frozen=True)
class Audience:
    """Who a turn is from and whom it names: what group requests may draw members from."""

    me: Person
    mentioned: tuple[Person, ...] = ()  # the people this message mentions, the speaker aside
    private: bool = False  # a DM: only the speaker reads the answer, so ratings may be named
