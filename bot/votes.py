"""Group picks, deciding: the members named vote on the picks, the message keeps the tally,
and the vote that completes it announces the winner, which each member then marks as seen
with “We watched it”. Platform-neutral; the adapters render the results.

The rules (one vote per member, a new click changes it, only members vote, ties go to the
item listed first) are the poll store's (chatrec_agent/store/polls.py); this module says
what each outcome means to the people clicking.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import CLICKS_LIMITED, ChatService, Outgoing, Tally, card_label, names
from chatrec_agent.conversation.agent import ReplyItem
from chatrec_agent.conversation.people import Person
from chatrec_agent.store.polls import Poll, PollStore

CLOSED = "This vote has closed."
GONE = "That item is no longer in the catalog."


@dataclass(frozen=True)
class Announcement:
    """The winner, posted once in the conversation with a “We watched it” button."""

    text: str
    poll: str


@dataclass(frozen=True)
class VoteResult:
    text: str  # the acknowledgement, for the voter only
    message: Outgoing | None = None  # the poll message with the new tally, when the vote changed it
    announcement: Announcement | None = None  # set on the vote that completed the poll only: post it once

    @property
    def tally(self) -> Tally | None:
        return self.message.tally if self.message else None

    @property
    def everyone_voted(self) -> bool:
        return self.tally is not None and self.tally.winner is not None

    @property
    def winner(self) -> str | None:
        return self.tally.winner if self.tally else None


PRUNE_EVERY_S = 3600  # how often opening a poll also deletes polls past the retention


class Votes:
    def __init__(self, service: ChatService):
        self.service = service
        self.polls = PollStore(service.runtime.history)
        self._next_prune = 0.0  # monotonic time of the next sweep of old polls

    def open_poll(self, platform: str, workspace: str, conversation: str, group: Sequence[Person],
                  items: Sequence[ReplyItem], text: str = "") -> str:
        """A poll on a group's picks; its id goes into the vote buttons. Polls past the
        conversation memory's retention go now and then, like the conversations."""
        self._prune_now_and_then()
        return self.polls.open(platform, workspace, conversation, [p.as_dict() for p in group],
                               [_card(item) for item in items], text)

    def _prune_now_and_then(self) -> None:
        days = self.service.settings.memory.retention_days
        if not days or time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_S
        self.polls.forget(opened_before=time.time() - days * 86_400)

    def vote(self, platform: str, workspace: str, user: str, poll_id: str, item_id: str) -> VoteResult:
        """A Vote click by `user` (a platform id): counted only for a member of the group."""
        clicks = self.service.metrics.clicks
        item = self.service.runtime.catalog.items.get(item_id)
        if item is None:
            clicks.labels(platform, "unknown_item").inc()
            return VoteResult(GONE)
        if not self.service.click_limiter.allow(f"{platform}:{workspace}:{user}"):
            clicks.labels(platform, "rate_limited").inc()
            return VoteResult(CLICKS_LIMITED)
        ballot = self.polls.vote(platform, workspace, poll_id, user, item_id)
        clicks.labels(platform, f"vote_{ballot.outcome}").inc()
        poll = ballot.poll
        if poll is None:
            return VoteResult(CLOSED)
        if ballot.outcome == "closed":
            return VoteResult(f"This vote has closed: the group chose {_label(poll, poll.winner)}.")
        if ballot.outcome == "not_member":
            return VoteResult(f"This vote is for {_members(poll)}; ask me for picks of your own.")
        if ballot.outcome == "not_listed":
            return VoteResult(f"{item.label} is not one of this vote's picks.")
        if ballot.outcome == "same":
            return VoteResult(f"You already voted for {item.label}.")
        message = poll_message(poll)
        if ballot.decided:
            return VoteResult(f"Your vote for {item.label} is in, and everyone has voted.", message, _announce(poll))
        verb = "changed your vote to" if ballot.outcome == "changed" else "voted for"
        return VoteResult(f"You {verb} {item.label}; waiting for {names(message.tally.waiting)}.", message)

    def watched(self, platform: str, workspace: str, user: str, poll_id: str) -> str:
        """“We watched it”: the winner becomes `seen` in the clicker's own history, members only."""
        if not self.service.click_limiter.allow(f"{platform}:{workspace}:{user}"):
            return CLICKS_LIMITED
        poll = self.polls.get(platform, workspace, poll_id)
        if poll is None or poll.winner is None:
            return CLOSED
        if poll.member(user) is None:
            return f"This pick was for {_members(poll)}; only they can mark it watched."
        item = self.service.runtime.catalog.items.get(poll.winner)
        if item is None:
            return GONE
        entry = self.service.runtime.history.record_feedback(
            self.service.catalog_user(platform, workspace, user), item.id, "seen", source=platform)
        if not entry.stored:
            return f"Already noted: you've seen {item.label}."
        return f"Noted: you've seen {item.label}; I won't suggest it to you again."


def poll_message(poll: Poll) -> Outgoing:
    """The poll's message as it was sent, with the tally as it stands."""
    people = tuple(Person.from_dict(m) for m in poll.members)
    voters = {item: tuple(p.name for p in people if poll.votes.get(p.id) == item) for item in poll.item_ids}
    waiting = tuple(p.name for p in people if p.id not in poll.votes)
    items = [_item(card) for card in poll.items]
    return Outgoing(poll.text, items, poll=poll.id, group=people,
                    tally=Tally({i: v for i, v in voters.items() if v}, waiting, poll.winner))


def _announce(poll: Poll) -> Announcement:
    """Names the winner and who voted for what."""
    tally = poll_message(poll).tally
    assert tally is not None and poll.winner is not None
    others = [f"{name} voted for {_label(poll, item)}" for item, voted in tally.voters.items() if item != poll.winner
              for name in voted]
    text = (f"🏆 Everyone has voted: {_label(poll, poll.winner)} it is ({tally.marks(poll.winner)}"
            + (f"; {', '.join(others)}" if others else "") + "). Once you've seen it, press “We watched it” "
            "and I won't suggest it to you again.")
    return Announcement(text, poll.id)


def _label(poll: Poll, item_id: str | None) -> str:
    card = next((c for c in poll.items if c["id"] == item_id), None)
    return card_label(_item(card)) if card else str(item_id)


def _card(item: ReplyItem) -> dict[str, Any]:
    """What the poll keeps of a card: enough to show it again."""
    return {"id": item.id, "title": item.title, "year": item.year, "genres": list(item.genres),
            "explanation": item.explanation, "image_url": item.image_url}


def _item(card: dict[str, Any]) -> ReplyItem:
    return ReplyItem(card["id"], card["title"], card.get("year"), list(card.get("genres", [])),
                     card.get("explanation", ""), card.get("image_url"))


def _members(poll: Poll) -> str:
    return names([m["name"] for m in poll.members])
