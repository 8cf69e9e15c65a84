"""A local stand-in for Discord's gateway (a websocket), enough for the real client of
`chatrec serve discord` to identify, become ready, see its guilds and receive messages.

It speaks the documented protocol: HELLO, then READY (and GUILD_CREATE) after IDENTIFY,
heartbeat ACKs, and dispatches the test pushes in. Frames go out as plain JSON text, which
discord.py reads whatever compression it asked for. Sharding as Discord does it: a
connection that identifies as shard [id, count] sees, and gets the messages of, only the
guilds with (guild_id >> 22) % count == id; one without a shard sees every guild."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from .discord_mock import APP_ID, BOT_USER


def shard_of(guild_id: str, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (int(guild_id) >> 22) % shard_count


class GatewayStandIn:
    def __init__(self, guild_id: str, channel_id: str, *more_guilds: tuple[str, str]):
        """Guilds of one text channel each: (guild_id, channel_id) and any more."""
        self.guild_id, self.channel_id = guild_id, channel_id
        self.channels = dict([(guild_id, channel_id), *more_guilds])  # guild id -> its channel
        self.received: list[dict] = []  # what the client sent (IDENTIFY, heartbeats, …)
        self._connections: dict[ServerConnection, list[int]] = {}  # ready ones -> their [shard_id, shard_count]
        self._sequence = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> GatewayStandIn:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self._handle, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    async def _send(self, ws: ServerConnection, op: int, data, event: str | None = None) -> None:
        payload = {"op": op, "d": data, "s": None, "t": event}
        if event is not None:
            self._sequence += 1
            payload["s"] = self._sequence
        await ws.send(json.dumps(payload))

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            await self._converse(ws)
        except ConnectionClosed:  # the client went away (stopped or killed)
            pass
        finally:
            self._connections.pop(ws, None)

    async def _converse(self, ws: ServerConnection) -> None:
        await self._send(ws, 10, {"heartbeat_interval": 41250})
        async for raw in ws:
            message = json.loads(raw)
            self.received.append(message)
            if message["op"] == 1:  # heartbeat
                await self._send(ws, 11, None)
            elif message["op"] == 2:  # identify
                shard = message["d"].get("shard", [0, 1])
                guilds = [g for g in self.channels if shard_of(g, shard[1]) == shard[0]]
                await self._send(ws, 0, {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": g, "unavailable": True} for g in guilds],
                    "session_id": f"session-{shard[0]}", "resume_gateway_url": self.url, "shard": shard,
                    "application": {"id": APP_ID, "flags": 0}}, "READY")
                for guild_id in guilds:
                    await self._send(ws, 0, self.guild(guild_id), "GUILD_CREATE")
                self._connections[ws] = shard  # pushes start after the guilds are known

    def guild(self, guild_id: str | None = None) -> dict:
        guild_id = guild_id or self.guild_id
        channel_id = self.channels[guild_id]
        return {
            "id": guild_id, "name": "Test Guild", "icon": None, "owner_id": "1", "unavailable": False,
            "member_count": 2, "large": False, "features": [], "emojis": [], "stickers": [], "threads": [],
            "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "joined_at": "2026-01-01T00:00:00+00:00", "premium_tier": 0, "preferred_locale": "en-GB",
            "roles": [{"id": guild_id, "name": "@everyone", "permissions": str(1 << 11 | 1 << 14 | 1 << 10 | 1 << 16),
                       "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [{"id": channel_id, "type": 0, "name": "general", "position": 0,
                          "permission_overwrites": [], "guild_id": guild_id}],
            "members": [{"user": BOT_USER, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False,
                         "mute": False, "flags": 0}],
        }

    def message(self, content: str, author: dict, message_id: str, mentions: list[dict] = (),
                guild_id: str | None = None) -> None:
        """Deliver a MESSAGE_CREATE in the guild's channel (the first guild's by default) to the
        connections whose shard has that guild, as Discord would."""
        guild_id = guild_id or self.guild_id
        data = {
            "id": message_id, "channel_id": self.channels[guild_id], "guild_id": guild_id, "author": author,
            "member": {"roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0},
            "content": content, "timestamp": "2026-11-23T12:00:00+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": list(mentions), "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": 0, "flags": 0,
        }

        async def push() -> None:
            for ws, (shard_id, shard_count) in list(self._connections.items()):
                if shard_of(guild_id, shard_count) == shard_id:
                    await self._send(ws, 0, data, "MESSAGE_CREATE")

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(10)

    def identified(self) -> list[dict]:
        """Every IDENTIFY payload received, in order (each carries its `shard`, if any)."""
        return [m["d"] for m in list(self.received) if m["op"] == 2]

    def wait_identified(self, timeout: float = 120) -> dict:
        """The IDENTIFY payload, once READY and the guild have been sent back."""
        return self.wait_ready(1, timeout)[0]

    def wait_ready(self, connections: int, timeout: float = 120) -> list[dict]:
        """Every IDENTIFY payload so far, once `connections` clients (or shards) have been sent
        READY and their guilds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self._connections) >= connections:
                return self.identified()
            time.sleep(0.05)
        raise AssertionError(f"{connections} clients never identified; got {self.identified()}")
