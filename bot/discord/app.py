"""Discord adapter (discord.py): mentions and DMs in, embeds with 👍/👎 buttons out, and the
admin application commands. Behaviour lives in bot.core.ChatService."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, TypeVar

import discord
import yarl
from discord import app_commands

from bot.core import (
    ADMIN_COMMANDS,
    APOLOGY,
    CLICKS,
    ChatService,
    Command,
    Finished,
    Incoming,
    Markup,
    Outgoing,
    clip,
    person_name,
    split_text,
)
from bot.home import FORGET_ME, Home, forget_me, home_of, set_sharing
from bot.streaming import EDIT_EVERY_S
from bot.votes import Announcement
from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import DiscordSettings

log = logging.getLogger(__name__)

# Discord's limits: 2000 characters of content, 10 embeds and 6000 embed characters per
# message, 25 fields per embed, 1024 characters per field value, 256 per field name, and
# 25 components (5 rows of 5) per view.
# The help as Discord writes it: an application command each, markdown bold, /profile.
MARKUP = Markup(bold="**", command="/", link_usage="user catalog_user_id", home="`/profile`")
MAX_CONTENT = 2000
MAX_FIELD_VALUE = 1024
MAX_FIELD_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_DESCRIPTION = 1500  # of the 4096 allowed, so the cards keep most of the 6000
ITEMS_PER_MESSAGE = 8  # one field each, three buttons each (👍, 👎, Save): 24 of the 25 components
POLL_ITEMS_PER_MESSAGE = 5  # a group's picks: a row of buttons (👍, 👎, Save, Vote) per card, and 5 rows
MAX_FOOTER = 2048
MAX_CUSTOM_ID = 100
ANSWER_WITHIN_S = 2.0  # an interaction must be answered (or deferred) within 3 seconds
T = TypeVar("T")
# User and role mentions and broadcasts are dropped before the text is read (a reply can't
# ping anyway: every send carries AllowedMentions.none()).
_MENTION = re.compile(r"<@[!&]?\d+>|@(?:everyone|here)\b")
_NAMED = re.compile(r"<@[!&]?(\d+)>")
# Replies may quote what people wrote: never let them ping @everyone, roles or anyone.
NO_PINGS = discord.AllowedMentions.none()


def inbound_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """What a person typed: a mention (of a member or a role) in `names` becomes "@Name" (who
    a group request is for); other mentions and broadcasts go."""
    names = names or {}
    text = _NAMED.sub(lambda m: f" @{names[m.group(1)]} " if m.group(1) in names else " ", text)
    return " ".join(_MENTION.sub(" ", text).split())


def mentioned_people(client: discord.Client, message: discord.Message,
                     limit: int = 100) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(the people a message names who can read its channel, by id, for a group request, at
    most `limit`; the names its mentions are read as; the names of those it names who can't,
    left out: their tastes are not for this room). A role stands for its members; the bot,
    other bots and the author are left out."""
    people: dict[str, str] = {}
    spoken: dict[str, str] = {}
    me = client.user.id if client.user else None
    for user in message.mentions:
        if user.id != me:
            spoken[str(user.id)] = person_name(getattr(user, "display_name", "") or user.name)
            if not user.bot and user.id != message.author.id:
                people[str(user.id)] = spoken[str(user.id)]
    members = {str(user.id): user for user in message.mentions}
    for role in message.role_mentions:
        if role.tags is not None and role.tags.bot_id is not None:
            continue  # the role Discord made for a bot: addressing it, not a group
        spoken[str(role.id)] = person_name(role.name)
        for member in role.members:
            if not member.bot and member.id != message.author.id:
                people[str(member.id)] = person_name(member.display_name)
                members[str(member.id)] = member
    people = dict(list(people.items())[:limit])
    here = {pid: name for pid, name in people.items() if _reads(message.channel, members[pid])}
    # Those left out are not in the text either: the request is then the speaker's own.
    left_out = {pid: name for pid, name in people.items() if pid not in here}
    return here, {sid: name for sid, name in spoken.items() if sid not in left_out}, list(left_out.values())


def _reads(channel, user) -> bool:
    """Whether a member can read the channel; in a DM nobody but its author."""
    if not isinstance(user, discord.Member) or not hasattr(channel, "permissions_for") or isinstance(channel, discord.DMChannel):
        return False
    return channel.permissions_for(user).read_messages


def items_per_message(reply: Outgoing) -> int:
    return POLL_ITEMS_PER_MESSAGE if reply.tally else ITEMS_PER_MESSAGE


# "[free nitro](http://…)": Discord shows a masked link as its text only, so one quoted back
# from someone's message would be a link that lies about where it goes.
_MASKED_LINK = re.compile(r"\[([^\[\]\n]*)\]\(")


def unmasked(text: str) -> str:
    """Text with every masked link's brackets escaped: shown as typed, never as a link."""
    return _MASKED_LINK.sub(lambda m: "\\[" + m.group(1) + "\\](", text)


def render(reply: Outgoing) -> list[dict]:
    """Keyword arguments for one or more `channel.send` calls."""
    if not reply.items:
        return [{"content": piece} for piece in split_text(unmasked(reply.text), MAX_CONTENT)]
    lead, notes = (unmasked(part) for part in reply.lead_and_notes())
    tally = reply.tally  # a group's picks: a Vote button per card while the vote is open, who voted for what
    per_message = items_per_message(reply)
    messages = []
    for start in range(0, len(reply.items), per_message):
        chunk = reply.items[start : start + per_message]
        title = clip(lead, 256) if start == 0 else None
        description = clip(notes, MAX_DESCRIPTION) if start == 0 and notes else None
        footer = clip(tally.status(reply.items), MAX_FOOTER) if tally else ""
        names = [clip(("🏆 " if tally and tally.winner == item.id else "") + f"{n}. {item.title}"
                      + (f" ({item.year})" if item.year else ""), MAX_FIELD_NAME)
                 for n, item in enumerate(chunk, start + 1)]
        # Share what the title, description, footer and names leave of the 6000-character total among the values.
        used = len(title or "") + len(description or "") + len(footer) + sum(map(len, names))
        budget = min(MAX_FIELD_VALUE, (MAX_EMBED_TOTAL - used) // len(chunk))
        embed = discord.Embed(title=title, description=description, colour=discord.Colour.blurple())
        if footer:
            embed.set_footer(text=footer)
        if poster := next((item.image_url for item in chunk if item.image_url), None):
            embed.set_thumbnail(url=poster)  # one image an embed: the first card's that has one
        view = discord.ui.View(timeout=None)
        for offset, (item, name) in enumerate(zip(chunk, names)):
            n, row = start + offset + 1, offset if tally else None  # a poll's cards: one row of buttons each
            value = ((", ".join(item.genres) + "\n") if item.genres else "") + unmasked(item.explanation or "—")
            marks = clip(tally.marks(item.id), budget // 2) if tally else ""  # kept whole: the explanation gives way
            embed.add_field(name=name, value=clip(value, budget - len(marks) - 1) + f"\n{marks}" if marks else clip(value, budget),
                            inline=False)
            view.add_item(FeedbackButton.for_item(item.id, "like", n, row))
            view.add_item(FeedbackButton.for_item(item.id, "dislike", n, row))
            view.add_item(FeedbackButton.for_item(item.id, "save", n, row))
            if tally and tally.open:
                view.add_item(VoteButton.for_item(reply.poll or "", item.id, n, row))
        messages.append({"embed": embed, "view": view})
    return messages


def render_page(reply: Outgoing, item_id: str) -> dict:
    """The one message of `render(reply)` that holds this item's card (the one clicked)."""
    position = next((n for n, item in enumerate(reply.items) if item.id == item_id), 0)
    return render(reply)[position // items_per_message(reply)]


def render_announcement(announcement: Announcement) -> dict:
    """The winner, with the “We watched it” button each member presses for themselves."""
    view = discord.ui.View(timeout=None)
    view.add_item(WatchedButton(announcement.poll))
    return {"content": clip(announcement.text, MAX_CONTENT), "view": view}


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button], template=r"chatrec:(?P<kind>like|dislike|save):(?P<key>.+)"):
    """👍/👎/Save under a card. Dynamic, so clicks on old messages still work after a restart."""

    def __init__(self, key: str, kind: str, position: int = 0, row: int | None = None):
        label = {"like": "👍", "dislike": "👎", "save": "Save"}[kind]
        super().__init__(discord.ui.Button(
            label=f"{label} {position}" if position else label,
            style=discord.ButtonStyle.secondary,
            custom_id=f"chatrec:{kind}:{key}",
        ), row=row)
        self.key, self.kind = key, kind

    @classmethod
    def for_item(cls, item_id: str, kind: str, position: int = 0, row: int | None = None) -> FeedbackButton:
        return cls(button_key(item_id), kind, position, row)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["key"], match["kind"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await record_click(interaction, self.key, self.kind)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"chatrec:vote:(?P<poll>[^:]+):(?P<key>.+)"):
    """Vote under a card of a group's picks (dynamic, like FeedbackButton)."""

    def __init__(self, poll: str, key: str, position: int = 0, row: int | None = None):
        super().__init__(discord.ui.Button(
            label=f"Vote {position}" if position else "Vote",
            style=discord.ButtonStyle.primary,
            custom_id=f"chatrec:vote:{poll}:{key}",
        ), row=row)
        self.poll, self.key = poll, key

    @classmethod
    def for_item(cls, poll: str, item_id: str, position: int = 0, row: int | None = None) -> VoteButton:
        return cls(poll, button_key(item_id, f"chatrec:vote:{poll}:"), position, row)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["poll"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await record_vote(interaction, self.poll, self.key)


class WatchedButton(discord.ui.DynamicItem[discord.ui.Button], template=r"chatrec:watched:(?P<poll>[^:]+)"):
    """“We watched it” under a winner's announcement: the winner becomes seen for the member who presses it."""

    def __init__(self, poll: str):
        super().__init__(discord.ui.Button(label="We watched it", style=discord.ButtonStyle.success,
                                           custom_id=f"chatrec:watched:{poll}"))
        self.poll = poll

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["poll"])

    async def callback(self, interaction: discord.Interaction) -> None:
        service: ChatService = interaction.client.service  # type: ignore[attr-defined]
        await _answer_click(interaction, lambda: service.votes.watched(
            "discord", _workspace(interaction.guild_id), str(interaction.user.id), self.poll), f"watched {self.poll}")


_HOME_BUTTONS = {"share_on": ("Share my taste in channels", discord.ButtonStyle.secondary),
                 "share_off": ("Stop sharing my taste", discord.ButtonStyle.secondary),
                 "forget": ("Forget me", discord.ButtonStyle.danger), "forget_sure": ("Yes, forget me", discord.ButtonStyle.danger)}


class HomeButton(discord.ui.DynamicItem[discord.ui.Button], template=r"chatrec:home:(?P<action>share_on|share_off|forget|forget_sure)"):
    """The /profile page's buttons; "Forget me" asks once more before it deletes anything."""

    def __init__(self, action: str):
        label, style = _HOME_BUTTONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"chatrec:home:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.action == "forget":
            sure = discord.ui.View(timeout=None)
            sure.add_item(HomeButton("forget_sure"))
            await interaction.response.send_message(FORGET_ME, view=sure, ephemeral=True)
            return
        service: ChatService = interaction.client.service  # type: ignore[attr-defined]
        where = ("discord", _workspace(interaction.guild_id), str(interaction.user.id))

        def act() -> tuple[str, Home]:
            said = forget_me(service, *where) if self.action == "forget_sure" else ""
            if self.action != "forget_sure":
                set_sharing(service, *where, self.action == "share_on")
            return said, home_of(service, *where)

        try:
            said, home = await _within_deadline(interaction, act, ephemeral=True, update=True)
        except Exception:
            log.exception("could not change %s's page (%s)", interaction.user.id, self.action)
            await _send(interaction, APOLOGY, ephemeral=True)
            return
        page = render_home(home, said)
        if interaction.response.is_done():
            await interaction.edit_original_response(**page)
        else:
            await interaction.response.edit_message(**page)


def render_home(home: Home, said: str = "") -> dict:
    """The /profile answer: the person's page (bot/home.py) as an embed, with its buttons."""
    embed = discord.Embed(title="Your chatrec", description=clip("\n".join(home.lines(
        bold="**", clean=lambda text: unmasked(discord.utils.escape_markdown(text)))), MAX_DESCRIPTION), colour=discord.Colour.blurple())
    view = discord.ui.View(timeout=None)
    view.add_item(HomeButton("share_off" if home.sharing else "share_on"))
    view.add_item(HomeButton("forget"))
    return {"content": said or None, "embed": embed, "view": view}


def button_key(item_id: str, prefix: str = "chatrec:dislike:") -> str:
    """The item id itself when it fits Discord's 100-character custom_id after `prefix`, else
    `#` + a digest."""
    if len(prefix + item_id) <= MAX_CUSTOM_ID:
        return item_id
    return _digest(item_id)


def _digest(item_id: str) -> str:
    return "#" + hashlib.sha1(item_id.encode()).hexdigest()[:24]


def item_for_key(service: ChatService, key: str) -> str:
    """The catalog id a button key stands for (a digest is matched against the live catalog;
    clicks are rare, so no table is kept)."""
    if not key.startswith("#"):
        return key
    return next((i for i in service.runtime.catalog.items if _digest(i) == key), key)


async def record_click(interaction: discord.Interaction, key: str, kind: str) -> None:
    service: ChatService = interaction.client.service  # type: ignore[attr-defined]
    workspace = _workspace(interaction.guild_id)
    signal = CLICKS[kind]
    await _answer_click(interaction, lambda: service.feedback(
        "discord", workspace, str(interaction.user.id), item_for_key(service, key), signal), f"a {kind} click on {key}")


async def _answer_click(interaction: discord.Interaction, job: Callable[[], str], what: str) -> None:
    """Run the click's job and answer with its text, which only the clicker sees."""
    try:
        text = await _within_deadline(interaction, job, ephemeral=True)
    except Exception:
        log.exception("could not record %s", what)
        text = APOLOGY
    await _send(interaction, text, ephemeral=True)


async def record_vote(interaction: discord.Interaction, poll: str, key: str) -> None:
    """A vote: the message shows the new tally, the voter alone gets the acknowledgement, and
    the vote that completes the poll announces the winner in the channel."""
    service: ChatService = interaction.client.service  # type: ignore[attr-defined]
    workspace, user = _workspace(interaction.guild_id), str(interaction.user.id)

    def vote():
        item_id = item_for_key(service, key)
        return item_id, service.votes.vote("discord", workspace, user, poll, item_id)

    try:
        item_id, result = await _within_deadline(interaction, vote, ephemeral=True, update=True)
        if result.message is not None:
            page = render_page(result.message, item_id)
            if interaction.response.is_done():  # deferred: the clicked message is the original response
                await interaction.edit_original_response(**page)
            else:
                await interaction.response.edit_message(**page)
    except Exception:
        log.exception("could not record a vote on %s in poll %s", key, poll)
        await _send(interaction, APOLOGY, ephemeral=True)
        return
    await _send(interaction, result.text, ephemeral=True)
    if result.announcement is not None:
        await _announce(interaction, result.announcement)


async def _announce(interaction: discord.Interaction, announcement: Announcement) -> None:
    """In the channel, as a reply to the poll; through the interaction's follow-up where the
    bot may not post in the channel."""
    message = render_announcement(announcement)
    reference = interaction.message.to_reference(fail_if_not_exists=False) if interaction.message else None
    try:
        await interaction.channel.send(**message, reference=reference, allowed_mentions=NO_PINGS)  # type: ignore[union-attr]
    except (AttributeError, discord.HTTPException):
        log.warning("could not post the winner in channel %s; sending it as a follow-up", interaction.channel_id,
                    exc_info=True)
        await interaction.followup.send(**message, allowed_mentions=NO_PINGS)


async def _within_deadline(interaction: discord.Interaction, job: Callable[[], T], *, ephemeral: bool,
                           update: bool = False) -> T:
    """Run a blocking job off the event loop; if it outlasts ANSWER_WITHIN_S, defer the
    interaction first (Discord drops it unanswered after 3 s). `ephemeral` is fixed by the
    deferral: Discord keeps the visibility chosen there. `update`: the job's answer edits
    the clicked message, so the deferral promises an update of it instead of a new reply."""
    task = asyncio.ensure_future(asyncio.to_thread(job))
    done, _ = await asyncio.wait({task}, timeout=ANSWER_WITHIN_S)
    if not done:
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    return await task


async def _send(interaction: discord.Interaction, text: str, *, ephemeral: bool) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=ephemeral, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=ephemeral, allowed_mentions=NO_PINGS)


def is_operator(user: discord.abc.User, settings: DiscordSettings) -> bool:
    """One of the bot's operators: a user id or an owner role id listed in config."""
    roles = {role.id for role in getattr(user, "roles", [])}
    return user.id in settings.admin_user_ids or bool(roles & set(settings.admin_role_ids))


def is_admin(user: discord.abc.User, permissions: discord.Permissions | None = None) -> bool:
    """This server's admin: Administrator or Manage Server (as Discord resolved it for the
    interaction, else from the cached roles)."""
    permissions = permissions if permissions is not None else getattr(user, "guild_permissions", None)
    return permissions is not None and (permissions.administrator or permissions.manage_guild)


class ChatrecDiscord(discord.Client):
    def __init__(self, service: ChatService, settings: DiscordSettings, **options):
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: enable it in the developer portal
        super().__init__(intents=intents, allowed_mentions=NO_PINGS, **options)
        self.service = service
        self.settings = settings
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree, service, settings)

    @functools.cached_property
    def turns(self) -> ThreadPoolExecutor:
        """The bounded pool turns run on (bot.turn_workers)."""
        return ThreadPoolExecutor(max_workers=self.service.settings.bot.turn_workers, thread_name_prefix="chatrec-turn")

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FeedbackButton, VoteButton, WatchedButton, HomeButton)
        if registers_commands(self.settings):
            await sync_commands(self.tree, self.settings)

    async def on_message(self, message: discord.Message) -> None:
        await answer(self, message)


class ShardedChatrecDiscord(ChatrecDiscord, discord.AutoShardedClient):
    """ChatrecDiscord on the shards in discord.shard_ids (all of discord.shard_count when none
    are listed): Discord sends each shard only the events of its servers, so processes with
    different ids split the servers. The unsharded bot stays a plain Client: AutoShardedClient
    without a count asks /gateway/bot for one and takes that call's gateway address (bypassing
    discord.gateway_url), and with a count of 1 it runs the one shard through a queue and
    per-shard state for nothing. The MRO puts AutoShardedClient under ChatrecDiscord, so
    commands, buttons, answer() and the turn pool are the same code."""

    def __init__(self, service: ChatService, settings: DiscordSettings, **options):
        super().__init__(service, settings, shard_count=settings.shard_count,
                         shard_ids=settings.shard_ids or None, **options)


def make_client(service: ChatService, settings: DiscordSettings) -> ChatrecDiscord:
    """The sharded client when discord.shard_count is set, else the plain one."""
    if settings.shard_count is None:
        return ChatrecDiscord(service, settings)
    return ShardedChatrecDiscord(service, settings)


def shards_note(settings: DiscordSettings) -> str:
    """Which shards this process runs, for the start-up log."""
    if settings.shard_count is None:
        return "unsharded (every server)"
    if not settings.shard_ids:
        return f"all {settings.shard_count} shards"
    return f"shards {', '.join(map(str, settings.shard_ids))} of {settings.shard_count}"


def registers_commands(settings: DiscordSettings) -> bool:
    """Slash commands belong to the application, not to a shard: only the process that runs
    shard 0 (or every shard) registers them, so N shard processes do not spend Discord's
    daily command-registration budget N times over."""
    return settings.shard_count is None or not settings.shard_ids or 0 in settings.shard_ids


async def sync_commands(tree: app_commands.CommandTree, settings: DiscordSettings) -> None:
    """Configured guilds get the commands at once; otherwise they sync globally (slower to
    appear). A guild that refuses (wrong id, bot not in it) is logged, not fatal."""
    if not settings.guild_ids:
        await tree.sync()
        return
    for guild_id in settings.guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        try:
            await tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.warning("could not sync slash commands to guild %s (is the bot in it, with the "
                        "applications.commands scope?): %s", guild_id, exc)


def _addressed(client: discord.Client, message: discord.Message) -> bool:
    """A DM, a mention of the bot, or a mention of the role Discord made for it."""
    if message.guild is None:
        return True
    if client.user is None:
        return False
    return client.user in message.mentions or any(
        role.tags is not None and role.tags.bot_id == client.user.id for role in message.role_mentions)


@contextlib.asynccontextmanager
async def _typing(channel: discord.abc.Messageable):
    """Typing while the agent works, if Discord lets us; a failure here never blocks the answer."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            await stack.enter_async_context(channel.typing())
        except Exception as exc:
            log.warning("no typing indicator in %s: %s", getattr(channel, "id", "?"), exc)
        yield


class LiveAnswer:
    """The answer's text shown while the model writes it: one message, sent at the first text
    and edited with the newest at most once per `every` seconds, then replaced by the finished
    reply. `write` is called from the turn's thread; the edits run on the client's loop."""

    def __init__(self, channel: discord.abc.Messageable, reference: discord.MessageReference | None,
                 every: float = EDIT_EVERY_S):
        self.channel, self.reference, self.every = channel, reference, every
        self.loop = asyncio.get_running_loop()
        self.text = ""
        self.message: discord.Message | None = None
        self._changed, self._closing = asyncio.Event(), asyncio.Event()
        self._task = asyncio.ensure_future(self._pump())

    def write(self, text: str) -> None:
        self.loop.call_soon_threadsafe(self._set, text)

    def _set(self, text: str) -> None:
        self.text = text
        self._changed.set()

    async def _pump(self) -> None:
        while not self._closing.is_set():
            await self._changed.wait()
            if self._closing.is_set():
                return
            self._changed.clear()
            content = clip(unmasked(self.text), MAX_CONTENT)
            try:
                if self.message is None:
                    self.message = await self.channel.send(content, reference=self.reference, allowed_mentions=NO_PINGS)
                else:
                    await self.message.edit(content=content, allowed_mentions=NO_PINGS)
            except Exception as exc:  # the finished reply still comes; a lost edit is no lost answer
                log.warning("could not show the answer as it was written: %s", exc)
            with contextlib.suppress(asyncio.TimeoutError):  # Discord's pace for edits; a finish cuts it short
                await asyncio.wait_for(self._closing.wait(), self.every)

    async def finish(self, messages: list[dict]) -> list[dict]:
        """Stops showing; the finished reply's first message replaces the text shown (if any was).
        Returns the messages still to send."""
        self._closing.set()
        self._changed.set()
        await self._task
        if self.message is None or not messages:
            return messages
        first = messages[0]
        try:
            await self.message.edit(content=first.get("content"), embed=first.get("embed"), view=first.get("view"),
                                    allowed_mentions=NO_PINGS)
        except Exception as exc:  # deleted meanwhile, or refused: the answer is sent anew, never lost
            log.warning("could not finish the answer in the message shown (%s); sending it anew", exc)
            self.message = None
            return messages
        return messages[1:]

    def close(self) -> None:
        """Stops showing at once (the turn was cancelled): no edit left running."""
        self._closing.set()
        self._task.cancel()


def _workspace(guild_id: int | None) -> str:
    return str(guild_id) if guild_id else "dm"


async def answer(client: discord.Client, message: discord.Message) -> None:
    """Answer DMs and mentions; never other bots (itself included); never crash the client."""
    if message.author.bot or not _addressed(client, message):
        return
    is_dm = message.guild is None
    service: ChatService = client.service  # type: ignore[attr-defined]
    # Duplicates, rate limits and a full queue first, before any other work (off the loop:
    # on postgres each is a round trip).
    gate = await asyncio.to_thread(service.admit, "discord", _workspace(message.guild and message.guild.id),
                                   str(message.author.id), str(message.id))
    if gate is not True:
        if gate:
            with contextlib.suppress(Exception):
                await message.channel.send(gate.text, allowed_mentions=NO_PINGS)
        return
    people, spoken, left_out = mentioned_people(client, message, service.settings.bot.max_mentions)
    incoming = Incoming(
        "discord", _workspace(message.guild and message.guild.id), str(message.channel.id), str(message.author.id),
        inbound_text(message.content, spoken), None, str(message.id), mentions=tuple(people.items()),
        user_name=person_name(getattr(message.author, "display_name", "") or message.author.name), private=is_dm,
        left_out=tuple(left_out),
    )
    # The first message replies to the question (no ping), so busy channels show what it answers.
    reference = None if is_dm else message.to_reference(fail_if_not_exists=False)
    live = LiveAnswer(message.channel, reference)
    try:
        async with _typing(message.channel):
            # Turns have their own bounded pool, so commands and clicks (on the default
            # executor) are answered within Discord's 3 seconds however many turns wait.
            handle = functools.partial(service.handle, admitted=True, on_text=live.write)
            reply = await asyncio.get_running_loop().run_in_executor(client.turns, service.metrics.queued(handle), incoming)
        messages = await live.finish(render(reply) if reply is not None else [])
        shown = live.message is not None
        for n, kwargs in enumerate(messages):
            first = n == 0 and not shown
            await message.channel.send(**kwargs, reference=reference if first else None, allowed_mentions=NO_PINGS)
    except Exception:
        log.exception("failed to answer message %s", message.id)
        service.metrics.errors.labels("discord_answer").inc()
        with contextlib.suppress(Exception):
            await live.finish([])  # stop showing text; the apology follows
        try:
            await message.channel.send(APOLOGY, allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("could not send the apology either")
    finally:
        live.close()  # also when the turn is cancelled (the client closing)


def add_commands(tree: app_commands.CommandTree, service: ChatService, settings: DiscordSettings) -> None:
    async def run(interaction: discord.Interaction, command: Command) -> None:
        name = command.name
        private = interaction.guild_id is None
        operator = is_operator(interaction.user, settings)
        admin = operator or (not private and is_admin(interaction.user, interaction.permissions))
        try:
            # In a thread: `forget` waits for a turn in progress, which must not stall the client.
            result = await _within_deadline(interaction, lambda: service.command(
                "discord", _workspace(interaction.guild_id), str(interaction.channel_id), str(interaction.user.id), command,
                lambda: admin, is_operator=operator, private=private, markup=MARKUP),
                ephemeral=not (name in ADMIN_COMMANDS and (operator if name == "reindex" else admin or private)))
        except Exception:
            log.exception("/%s failed", name)
            await _send(interaction, APOLOGY, ephemeral=True)
            return
        if result.background is None:
            await _send(interaction, result.text, ephemeral=not result.public)
            return
        try:
            if not interaction.response.is_done():
                await interaction.response.defer(thinking=True)  # a reindex outlasts the 3 seconds
        except Exception:
            if result.cancel is not None:  # nobody was told it started: free its slot, run nothing
                result.cancel()
            raise
        try:
            finished = await asyncio.to_thread(result.background)
        except Exception:
            log.exception("/%s failed in the background", name)
            finished = Finished(APOLOGY)
        try:
            await interaction.followup.send(finished.text, allowed_mentions=NO_PINGS)
            if finished.detail:  # the error only to whoever ran it
                await interaction.followup.send(finished.detail, ephemeral=True, allowed_mentions=NO_PINGS)
        except discord.HTTPException:  # the interaction expires after 15 minutes: post in the channel
            await interaction.channel.send(finished.text, allowed_mentions=NO_PINGS)  # type: ignore[union-attr]

    @tree.command(name="reindex", description="Re-read the catalog and update the index (admins).")
    @app_commands.describe(full="Rebuild the index from scratch instead of updating it.")
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction, full: bool = False) -> None:
        await run(interaction, Command("reindex", full=full))

    @tree.command(name="status", description="What chatrec has indexed and how it is configured.")
    async def status(interaction: discord.Interaction) -> None:
        await run(interaction, Command("status"))

    @tree.command(name="forget", description="Forget this channel's conversation (admins).")
    @app_commands.default_permissions(manage_guild=True)
    async def forget(interaction: discord.Interaction) -> None:
        await run(interaction, Command("forget"))

    @tree.command(name="link", description="Personalise a member with a catalog user's history (admins).")
    @app_commands.describe(user="The member to link.", catalog_user_id="Their user id in the catalog.")
    @app_commands.default_permissions(manage_guild=True)
    async def link(interaction: discord.Interaction, user: discord.User, catalog_user_id: str) -> None:
        await run(interaction, Command("link", member=str(user.id), catalog_user=catalog_user_id))

    @tree.command(name="share-taste", description="Whether group answers in a channel may name your own ratings.")
    @app_commands.describe(share="on: group answers may say how you rated films; off (the default): never in a channel.")
    async def share_taste(interaction: discord.Interaction, share: Literal["on", "off"] | None = None) -> None:
        await run(interaction, Command("share-taste", share=None if share is None else share == "on"))

    @tree.command(name="profile", description="Your page: your taste, your list, taste sharing, forget me.")
    async def profile(interaction: discord.Interaction) -> None:
        service: ChatService = interaction.client.service  # type: ignore[attr-defined]
        try:
            home = await _within_deadline(interaction, lambda: home_of(
                service, "discord", _workspace(interaction.guild_id), str(interaction.user.id)), ephemeral=True)
        except Exception:
            log.exception("/profile failed")
            await _send(interaction, APOLOGY, ephemeral=True)
            return
        page = render_home(home)
        if interaction.response.is_done():
            await interaction.followup.send(**page, ephemeral=True)
        else:
            await interaction.response.send_message(**page, ephemeral=True)

    @tree.command(name="help", description="How to talk to chatrec.")
    async def help_(interaction: discord.Interaction) -> None:
        await run(interaction, Command("help"))


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that adds the bot with the permissions it needs."""
    permissions = discord.Permissions(send_messages=True, embed_links=True, read_message_history=True,
                                      view_channel=True, send_messages_in_threads=True, use_application_commands=True)
    return discord.utils.oauth_url(application_id, permissions=permissions, scopes=("bot", "applications.commands"))


def serve(service: ChatService, settings: DiscordSettings) -> None:
    """Log in and answer until stopped; reconnecting after network trouble is discord.py's job."""
    if settings.token is None:
        raise ChatrecError("DISCORD_TOKEN is not set; see the README's Discord section.")
    # Proxies; process-wide, as discord.py keeps both addresses on classes.
    if settings.api_url:
        discord.http.Route.BASE = settings.api_url.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    client = make_client(service, settings)
    log.info("Discord client: %s", shards_note(settings))
    try:
        client.run(settings.token.get_secret_value(), log_handler=None)
    except discord.LoginFailure as exc:
        raise ChatrecError(f"Discord rejected DISCORD_TOKEN ({exc}). Copy the bot token again from the "
                           "developer portal (Bot → Reset Token).") from None
    except discord.PrivilegedIntentsRequired:
        raise ChatrecError("Discord refused the Message Content intent. Turn on 'Message Content Intent' under "
                           "Bot → Privileged Gateway Intents in the developer portal.") from None
