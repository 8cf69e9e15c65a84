"""The platform-neutral chat service that Slack and Discord adapters share.

An adapter turns a platform event into an `Incoming` message and renders the `Outgoing`
reply; everything else lives here once: conversation ids, identity links, duplicate
suppression, rate limits, feedback buttons and the admin commands (reindex, status,
forget, link, help).
"""

from __future__ import annotations

import enum
import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from chatrec_agent.catalog import ItemWords
from chatrec_agent.conversation.agent import ReplyItem
from chatrec_agent.conversation.people import Audience, Person
from chatrec_agent.conversation.tool_names import ToolName
from chatrec_agent.errors import ChatrecError
from chatrec_agent.metrics import Metrics
from chatrec_agent.runtime import Runtime
from chatrec_agent.store.coordination import Coordination, InProcessCoordination, RateLimit
from chatrec_agent.store.history import PLATFORM_PREFIXES

if TYPE_CHECKING:
    from bot.votes import Votes

log = logging.getLogger(__name__)
_TOOL_NAMES = frozenset(ToolName)

_HELP = """{bold}chatrec{bold} recommends {items} and explains why.
Talk to me: mention me (or DM me) with what you're in the mood for, then follow up: “why the second one?”, “something older”, “not those”. 👍 / 👎 under a card teach me your taste; Save keeps it on your own list (“what's on my list?”, “take it off my list”).
Your page (your taste, your list, taste sharing, forget me): {home}.
Group picks: mention the people it is for (“a {item} for @ana, @ben and me”). Your own ratings are never named in a channel unless you allow it: `{c}share-taste on` (`off` to stop; DMs are always fine).
Server admins: `{c}forget` (what I remember of this channel), `{c}link {link}` (personalise a member with a catalog user's history). Operators: `{c}reindex [full]` (re-read the catalog every server shares). Anyone: `{c}status`, `{c}help`; and `{c}forget` in a DM with me."""


@dataclass(frozen=True)
class Markup:
    """How an adapter's platform writes the help: its bold marker, how its commands are called,
    `link`'s arguments, and where a person's page is. Each adapter gives its own; the core never
    asks which platform it is."""

    bold: str = ""
    command: str = "/chatrec "
    link_usage: str = "@user CATALOG_USER_ID"
    home: str = "your page"


def help_text(markup: Markup = Markup(), words: ItemWords = ItemWords()) -> str:
    """The help, in the platform's markup and with its way of calling commands, naming the
    catalog's items as its config does (catalog.words)."""
    return _HELP.format(bold=markup.bold, c=markup.command, link=markup.link_usage, home=markup.home,
                        item=words.item, items=words.items)


class Permission(enum.Enum):
    ANYONE = "anyone"
    SERVER_ADMIN = "this server's admins"  # and the operators
    OPERATOR = "chatrec's operators"


@dataclass(frozen=True)
class CommandSpec:
    """A `/chatrec` command and who may run it, declared together (the README's admin table)."""

    name: str
    permission: Permission
    anyone_in_a_dm: bool = False  # a DM with the bot is the caller's own conversation


@dataclass(frozen=True)
class Command:
    """One `/chatrec` command as its adapter read it: from a platform's typed options (Discord's
    slash commands), or from the text a text-only platform sends (Slack, through `parse`). The
    core acts on these fields and never splits text again."""

    name: str
    full: bool = False  # reindex: from scratch
    share: bool | None = None  # share-taste: on or off; None shows the setting
    member: str | None = None  # link: the member, as the platform's own mention named them (an id)
    catalog_user: str | None = None  # link: the catalog user id as typed
    problem: str | None = None  # what the typed words could not say: the command's usage is shown

    @classmethod
    def parse(cls, text: str, member: str | None = None) -> Command:
        """`/chatrec <text>` on a platform that sends words; `member`: the member its mention in
        the text names (the platform's id), never read from the words themselves."""
        words = text.strip().split()
        name = words[0].lower() if words else "help"
        args = words[1:]
        if name == "reindex":
            return cls(name, full=bool(args) and args[0].lower() == "full")
        if name == "share-taste":
            choice = args[0].lower() if args else ""
            if choice not in ("on", "off", ""):
                return cls(name, problem=choice)
            return cls(name, share=(choice == "on") if choice else None)
        if name == "link":
            return cls(name, member=member, catalog_user=args[1] if len(args) > 1 else None)
        return cls(name)


COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in (
    CommandSpec("help", Permission.ANYONE), CommandSpec("status", Permission.ANYONE),
    CommandSpec("share-taste", Permission.ANYONE),  # for themselves
    CommandSpec("forget", Permission.SERVER_ADMIN, anyone_in_a_dm=True), CommandSpec("link", Permission.SERVER_ADMIN),
    CommandSpec("reindex", Permission.OPERATOR),  # every server shares the catalog it re-reads
)}
ADMIN_COMMANDS = tuple(name for name, spec in COMMANDS.items() if spec.permission is not Permission.ANYONE)
# A card's buttons (as the adapters name them) and what a click on one records.
CLICKS = {"like": "liked", "dislike": "disliked", "save": "saved"}
RATE_LIMITED = "You're sending messages faster than I can think; give me a few seconds."
CLICKS_LIMITED = "You're clicking faster than I can keep up; that click was not recorded. Try again in a few seconds."
APOLOGY = "Sorry, something went wrong on my side; please try again."
BUSY = "I'm answering a lot of people right now; please try again in a minute."


@dataclass(frozen=True)
class Incoming:
    """One chat message, whatever platform it came from."""

    platform: str  # "slack" | "discord"
    workspace: str  # Slack team id, Discord guild id ("dm" for Discord DMs)
    channel: str
    user: str  # the platform's user id
    text: str
    thread: str | None = None  # the thread it was written in, if any
    event_id: str | None = None  # the platform's id for the event, for duplicate suppression
    # The people the message mentions (the bot aside), as (platform user id, display name):
    # the adapter reads them off the platform's own mentions, for group requests.
    mentions: tuple[tuple[str, str], ...] = ()
    user_name: str = ""  # the speaker's display name ("" when the platform did not say)
    private: bool = False  # a direct message with the bot: only the speaker reads the answer
    # The names of people it mentions who are not in the conversation: left out of any group
    # pick (their tastes are not for this room), and told so.
    left_out: tuple[str, ...] = ()


_NAME_NOISE = re.compile(r"[<>@*_~`|\[\]#:\\]")


def person_name(name: str, fallback: str = "someone") -> str:
    """A display name safe to show the model and to quote in a reply: no markup or mention
    characters, one line, at most 40 characters (names are whatever people chose)."""
    clean = " ".join(_NAME_NOISE.sub(" ", "".join(c for c in name if c.isprintable())).split())
    return clip(clean, 40) or fallback


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, split at line breaks (an over-long line at
    spaces, a space-less run where it must): long replies become several messages, not a cut one."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


_ITEM_LINE = re.compile(r"^\s*\d+[.)] ")
_PLATFORM_ID = re.compile(r"[A-Z0-9]{1,32}")  # Slack user ids (U…, W…) and Discord snowflakes
# Catalog user ids as a link may name them; ":" is allowed so the chat-identity check below can
# name the refusal, and nothing that could form markup (`<`, `>`, `` ` ``, `*`) gets through.
_CATALOG_ID = re.compile(r"[\w.@+:-]{1,64}")


def names(people: list[str] | tuple[str, ...]) -> str:
    """“Ana”, “Ana and Ben”, “Ana, Ben and Cy”."""
    return " and ".join(filter(None, [", ".join(people[:-1]), *people[-1:]]))


@dataclass(frozen=True)
class Tally:
    """How a group's vote stands, as its poll message shows it."""

    voters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # item id -> who voted for it, in the group's order
    waiting: tuple[str, ...] = ()  # who has not voted yet
    winner: str | None = None  # the chosen item's id, once everyone has voted

    @property
    def open(self) -> bool:
        return self.winner is None

    def marks(self, item_id: str) -> str:
        """“Ana ✓ Ben ✓”: who voted for this item."""
        return " ".join(f"{name} ✓" for name in self.voters.get(item_id, ()))

    def status(self, items: list[ReplyItem]) -> str:
        if self.winner is None:
            return f"🗳 Vote for the one you want; waiting for {names(self.waiting)}."
        winner = next((card_label(item) for item in items if item.id == self.winner), self.winner)
        return f"🏆 Everyone has voted: {winner} it is."


def card_label(item: ReplyItem) -> str:
    """“Fargo (1996)”, as a card names its item."""
    return f"{item.title} ({item.year})" if item.year else item.title


@dataclass
class Outgoing:
    text: str
    items: list[ReplyItem] = field(default_factory=list)
    # A group's picks carry a poll: a vote button per item, for the people in `group`.
    poll: str | None = None
    group: tuple[Person, ...] = ()
    tally: Tally | None = None  # how the poll's vote stands; on a new poll, nobody has voted

    def __post_init__(self) -> None:
        if not self.text.strip() and not self.items:  # neither platform sends an empty message
            self.text = "…"
        if self.poll and self.tally is None:
            self.tally = Tally(waiting=tuple(person.name for person in self.group))

    def lead_and_notes(self) -> tuple[str, str]:
        """For replies with cards: the first line, and whatever else the text says besides
        its numbered item lines (which the cards show), e.g. a language model's closing remark."""
        lead, _, rest = self.text.partition("\n")
        notes = "\n".join(line for line in rest.split("\n") if line.strip() and not _ITEM_LINE.match(line))
        return lead, notes


@dataclass(frozen=True)
class Finished:
    """What work run after a command's acknowledgement says when done: `text` for where the
    command was given, `detail` for the caller alone (a failure's error, which may name files)."""

    text: str
    detail: str = ""


@dataclass
class CommandResult:
    text: str
    public: bool = False  # False: only the caller sees it
    # Work to run after the acknowledgement (a reindex); what it says when done.
    background: Callable[[], Finished] | None = None
    # Gives back what `background` holds (the reindex slot) when the adapter will not run it:
    # the command's acknowledgement or first answer failed, so nobody would hear of it.
    cancel: Callable[[], None] | None = None


class ChatService:
    def __init__(self, runtime: Runtime, clock: Callable[[], float] = time.monotonic, metrics: Metrics | None = None):
        self.runtime = runtime
        self.settings = runtime.settings
        # Replicas sharing a database share seen events and rate limits (a retry landing on
        # another replica is still a duplicate); one process keeps its own, on `clock`.
        shared = runtime.coordination
        self.coordination: Coordination = shared if shared.shared else InProcessCoordination(clock)
        limit = self.settings.bot.rate_limit_per_minute
        self.limiter = RateLimit(self.coordination, "messages", limit)
        self.click_limiter = RateLimit(self.coordination, "clicks", limit)  # its own budget
        self.metrics = metrics or Metrics(self.settings.llm.provider)

    # --- conversation -----------------------------------------------------------------

    def conversation_id(self, platform: str, workspace: str, channel: str, thread: str | None = None) -> str:
        base = f"{platform}:{workspace}:{channel}"
        if thread and self.settings.bot.thread_memory == "thread":
            return f"{base}:{thread}"
        return base

    def catalog_user(self, platform: str, workspace: str, user: str) -> str:
        return self.runtime.history.resolve_user(platform, workspace, user)

    def audience(self, message: Incoming, user: str) -> Audience:
        """Who the message is from and whom it names, each with their catalog user."""
        me = Person(message.user, message.user_name or "you", user)
        named = {pid: name for pid, name in message.mentions if pid != message.user}
        mentioned = tuple(Person(pid, name, self.catalog_user(message.platform, message.workspace, pid))
                          for pid, name in named.items())
        return Audience(me, mentioned, message.private)

    def admit(self, platform: str, workspace: str, user: str, event_id: str | None) -> Outgoing | None | bool:
        """Before any work on a message (name lookups, the turn queue): False for a duplicate
        delivery, an answer for someone over their rate limit or a bot too busy to queue
        more, True to go ahead (then `handle(..., admitted=True)`)."""
        turns = self.metrics.turns
        if event_id and not self.coordination.first_time(f"{platform}:{event_id}"):
            turns.labels(platform, "duplicate").inc()
            return False
        if not self.limiter.allow(f"{platform}:{workspace}:{user}"):
            turns.labels(platform, "rate_limited").inc()
            return Outgoing(RATE_LIMITED)
        if self.metrics.waiting >= self.settings.bot.max_pending_turns:
            turns.labels(platform, "busy").inc()
            return Outgoing(BUSY)
        return True

    def handle(self, message: Incoming, admitted: bool = False, on_text: Callable[[str], None] | None = None) -> Outgoing | None:
        """The reply to a message, or None for a duplicate delivery. `on_text`: shown the
        answer's text so far while a language model writes it (see Agent.respond)."""
        turns = self.metrics.turns
        if not admitted:
            gate = self.admit(message.platform, message.workspace, message.user, message.event_id)
            if gate is not True:
                return gate or None
        conversation = self.conversation_id(message.platform, message.workspace, message.channel, message.thread)
        user = self.catalog_user(message.platform, message.workspace, message.user)
        started = time.perf_counter()
        try:
            reply = self.runtime.agent.respond(conversation, user, message.text, source=message.platform,
                                               speaker=message.user, audience=self.audience(message, user), on_text=on_text)
        except ChatrecError as exc:
            turns.labels(message.platform, "refused").inc()
            return Outgoing(str(exc))
        except Exception:  # a failing turn must never take the bot down
            log.exception("turn failed in %s", conversation)
            turns.labels(message.platform, "error").inc()
            self.metrics.errors.labels("turn").inc()
            return Outgoing(APOLOGY)
        self.metrics.turn_seconds.labels(self.metrics.provider).observe(time.perf_counter() - started)
        turns.labels(message.platform, "answered").inc()
        for call in reply.tool_calls:
            # A model may call a tool that does not exist: one label for those, not one each.
            name = call["name"] if call["name"] in _TOOL_NAMES else "unknown"
            self.metrics.tool_calls.labels(name).inc()
        text = reply.text
        if message.left_out:
            who = ", ".join(message.left_out[:-1]) + (" and " if len(message.left_out) > 1 else "") + message.left_out[-1]
            text = f"{text}\n\n(I left out {who}: a group pick is only for people in this conversation.)"
        if reply.group and reply.items:  # a group's picks: its members vote on them
            try:
                poll = self.votes.open_poll(message.platform, message.workspace, conversation, reply.group, reply.items,
                                            text)
            except Exception:  # the picks still go out, without their vote buttons
                log.exception("could not open a poll in %s", conversation)
                self.metrics.errors.labels("poll").inc()
                return Outgoing(text, reply.items)
            return Outgoing(text, reply.items, poll=poll, group=reply.group)
        return Outgoing(text, reply.items)

    @functools.cached_property
    def votes(self) -> Votes:
        """Group polls: votes and the winner (bot/votes.py, which builds on this module)."""
        from bot.votes import Votes

        return Votes(self)

    def feedback(self, platform: str, workspace: str, user: str, item_id: str, kind: str) -> str:
        """A 👍/👎/Save click, recorded for the clicking person; returns the acknowledgement. The
        same click again is acknowledged but stored once (the store drops repeats)."""
        clicks = self.metrics.clicks
        item = self.runtime.catalog.items.get(item_id)
        if item is None or kind not in CLICKS.values():
            clicks.labels(platform, "unknown_item").inc()
            return "That item is no longer in the catalog."
        if not self.click_limiter.allow(f"{platform}:{workspace}:{user}"):
            clicks.labels(platform, "rate_limited").inc()
            return CLICKS_LIMITED
        catalog_user = self.catalog_user(platform, workspace, user)
        if kind == "saved":  # on the clicker's own list (shown in a channel only if they share their taste)
            if not self.runtime.history.save_for_later(catalog_user, item_id):
                clicks.labels(platform, "repeat").inc()
                return f"{item.label} is already on your list."
            clicks.labels(platform, "recorded").inc()
            return f"Saved {item.label} to your list. Ask me “what's on my list?” whenever you like."
        entry = self.runtime.history.record_feedback(catalog_user, item_id, kind, source=platform)
        verb = "liked" if kind == "liked" else "did not like"
        if not entry.stored:  # the same click again: the store kept the first
            clicks.labels(platform, "repeat").inc()
            return f"Already noted: you {verb} {item.label}."
        clicks.labels(platform, "recorded").inc()
        return f"Thanks! Noted that you {verb} {item.label}."

    # --- admin commands ---------------------------------------------------------------

    def command(self, platform: str, workspace: str, channel: str, user: str, command: Command,
                is_admin: Callable[[], bool], *, is_operator: bool = False, thread: str | None = None,
                private: bool = False, markup: Markup = Markup()) -> CommandResult:
        """`/chatrec <text>`. Who may do what (the README's admin table):
        - `is_operator` (the bot's operators, from config) may do everything, and alone may
          `reindex` (one catalog serves every server) and create catalog users with `link`;
        - `is_admin()`, this server's admins, may `forget` a channel here and `link` a member
          here to an existing catalog user; it is asked only when needed (a Web API call);
        - anyone may `forget` a `private` conversation (a DM with the bot): it is their own."""
        name = command.name
        spec = COMMANDS.get(name)
        self.metrics.commands.labels(platform, name if spec else "unknown").inc()
        if spec is None:
            return CommandResult(f"Unknown command `{name}`.\n{help_text(markup, self.runtime.catalog.words)}")
        if spec.permission is Permission.OPERATOR and not is_operator:
            return CommandResult(f"Only chatrec's operators can run `{name}`: every server shares the catalog it "
                                 "re-reads. Nothing was changed.")
        if spec.permission is Permission.SERVER_ADMIN and not (is_operator or (spec.anyone_in_a_dm and private) or is_admin()):
            return CommandResult(f"Only this server's admins can run `{name}`; nothing was changed.")
        if name == "help":
            return CommandResult(help_text(markup, self.runtime.catalog.words))
        if name == "status":
            return CommandResult(self.status(detailed=is_operator))
        if name == "share-taste":
            return self._share_taste(platform, workspace, user, command)
        if name == "forget":
            return self._forget(platform, workspace, channel, thread)
        if name == "link":
            return self._link(platform, workspace, user, command, is_operator)
        full = command.full
        if not self.runtime.reserve_reindex():  # claimed here, so a second request is refused at once
            return CommandResult("A reindex is already running; its result goes to whoever started it. "
                                 "`status` says when it has finished.")
        return CommandResult(
            f"Reindexing{' from scratch' if full else ''}… I'll post the result here. The current index keeps answering meanwhile.",
            public=True, background=lambda: self._reindex(full), cancel=self.runtime.release_reindex)

    def _share_taste(self, platform: str, workspace: str, user: str, command: Command) -> CommandResult:
        catalog_user = self.catalog_user(platform, workspace, user)
        history = self.runtime.history
        if command.problem is not None:
            return CommandResult("Usage: `share-taste on` or `share-taste off` (nothing else changes).")
        if command.share is not None:
            history.set_taste_sharing(catalog_user, command.share)
        sharing = catalog_user in history.sharing_taste([catalog_user])
        if sharing:
            return CommandResult("Taste sharing is on: a group answer in a channel may say how you rated films "
                                 "(“Ana gave Fargo 5★”). `share-taste off` stops it.")
        return CommandResult("Taste sharing is off: in a channel, group answers describe the group's taste without "
                             "naming your own ratings. `share-taste on` allows it; DMs always can.")

    def forget_workspace(self, platform: str, workspace: str) -> tuple[int, int]:
        """The app removed from a workspace: its stored rows (installation, links, its people's
        own histories) and every conversation there are forgotten. (rows, conversations)."""
        if not workspace:
            return 0, 0
        conversations = len(self.runtime.agent.forget_all(f"{platform}:{workspace}"))
        polls = self.votes.polls.forget_workspace(platform, workspace)  # they hold members' names and votes
        return polls + self.runtime.history.forget_workspace(platform, workspace), conversations  # the installation last

    def _forget(self, platform: str, workspace: str, channel: str, thread: str | None) -> CommandResult:
        """A thread's memory when the command names one, else the channel's: the channel's own
        conversation and every thread in it."""
        base = self.conversation_id(platform, workspace, channel)
        if thread is not None:
            base = self.conversation_id(platform, workspace, channel, thread)
            cleared = [base] if self.runtime.agent.forget(base) else []
            polls = self.votes.polls.forget([base])
        else:
            known = self.runtime.agent.memory.conversations(base, threads=True)  # before forgetting them
            cleared = self.runtime.agent.forget_all(base)
            polls = self.votes.polls.forget(list({base, *known, *cleared}))  # their votes and members' names too
        threads = sum(c != base for c in cleared)
        if not cleared:
            what = None
        elif thread is not None or not threads:
            what = f"this {'thread' if thread is not None else 'channel'}'s conversation"
        else:
            what = f"the conversations in {_count(threads, 'thread')} of this channel" + (
                " and the channel's own" if base in cleared else "")
        if what is None:
            return CommandResult("There was nothing to forget here: I remember no conversation in this channel.")
        votes = f" and {_count(polls, 'group vote')} in it" if polls else ""
        return CommandResult(f"Done: I've forgotten {what}{votes}.", public=True)

    def _link(self, platform: str, workspace: str, user: str, command: Command, is_operator: bool) -> CommandResult:
        # The member comes from the platform's own mention (an id), never from the typed words,
        # so the reply names them as a mention and nothing else the caller typed is echoed.
        target, catalog_user = command.member, command.catalog_user
        if target is None or not _PLATFORM_ID.fullmatch(target) or not catalog_user:
            return CommandResult("Usage: `link @user CATALOG_USER_ID` (mention the member).")
        history = self.runtime.history
        if not _CATALOG_ID.fullmatch(catalog_user):
            return CommandResult("A catalog user id is letters, digits and `_ . @ + -` (at most 64). Nothing was changed.")
        if catalog_user.startswith(PLATFORM_PREFIXES):
            return CommandResult(f"`{catalog_user}` is a chat identity, not a catalog user: a member can be linked "
                                 "only to a user of the catalog. Nothing was changed.")
        created = ""
        # Catalog users are shared by every server: a server's admins link only to those an
        # operator gave that server (by linking there). Nothing about the others is said, not
        # even that they exist.
        if not is_operator and not history.granted(catalog_user, platform, workspace):
            close = process.extract(catalog_user, history.granted_users(platform, workspace), scorer=fuzz.WRatio,
                                    limit=3, score_cutoff=80)
            hint = f" Did you mean {', '.join(f'`{c}`' for c, _, _ in close)}?" if close else ""
            return CommandResult(f"`{catalog_user}` is not a catalog user this server may use.{hint} chatrec's operators "
                                 "give a server its catalog users (an operator's `link` here does). Nothing was changed.")
        if not history.is_catalog_user(catalog_user):
            history.create_user(catalog_user, created_by=f"{platform}:{workspace}:{user}")
            created = " (a new catalog user: their history grows from feedback)"
        if is_operator:
            history.grant(catalog_user, platform, workspace, granted_by=f"{platform}:{workspace}:{user}")
        history.link(platform, workspace, target, catalog_user, linked_by=user)
        return CommandResult(f"Linked <@{target}> to catalog user `{catalog_user}`{created}.", public=True)

    def _reindex(self, full: bool) -> Finished:
        """The reserved reindex; adapters must run it once they have acknowledged the command.
        A failure is said where the command was given; its error (file paths, a server's
        address) only to the operator who ran it."""
        started = time.perf_counter()
        failed = "Reindex failed; the previous catalog and index are still serving. The details went to whoever ran it."
        try:
            report = self.runtime.reindex(full=full, reserved=True)
        except ChatrecError as exc:
            return Finished(failed, f"Reindex failed: {exc}")
        except Exception as exc:
            log.exception("reindex failed")
            return Finished(failed, f"Reindex failed ({exc.__class__.__name__}: {exc}). The log has the traceback.")
        return Finished(f"Reindex done in {time.perf_counter() - started:.1f}s: {report.added} added, {report.updated} "
                        f"changed, {report.deleted} removed, {report.unchanged} unchanged; {len(self.runtime.catalog)} "
                        "items in the catalog.")

    def status(self, detailed: bool = False) -> str:
        """What is served; where the catalog lies on the server only for the operators."""
        index = self.runtime.index.status()
        history = self.runtime.history
        source = self.runtime.catalog.source
        source = source if detailed or not Path(source).is_absolute() else Path(source).name
        lines = [
            f"Catalog: {len(self.runtime.catalog)} items from {source}.",
            f"Index: {index.get('items', 0)} items in `{index.get('collection')}` (updated {index.get('updated_at') or 'never'}).",
            f"Recommender: {self.settings.recommender.model}; {len(history.users())} users with history.",
            f"Language model: {self.settings.llm.provider}.",
            "A reindex is running." if self.runtime.reindexing else "No reindex running.",
        ]
        return "\n".join(lines)
