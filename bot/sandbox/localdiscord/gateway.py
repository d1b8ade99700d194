"""The gateway: websocket sessions with HELLO, IDENTIFY, READY, RESUME and event dispatch.

Sharding as Discord does it: IDENTIFY with ``shard: [id, count]`` gets READY and GUILD_CREATE
for the guilds on that shard only (``(guild_id >> 22) % count``), guild events go to the owning
shard and events without a guild (DMs) to shard 0. A bad shard closes the socket with 4010, a
shard with more than ``max_guilds_per_shard`` guilds with 4011 (sharding required), and, with
``identify_rate_limit`` on, identifies faster than ``max_concurrency`` per 5 seconds (per bucket
``id % max_concurrency``) get an invalid session (op 9) back.

A *session* (what IDENTIFY creates and RESUME continues) outlives its websocket: events
emitted while it is disconnected are numbered and buffered, and a RESUME replays every
event after the client's sequence. Frames are JSON text (discord.py only decompresses
binary frames), each event's ``d`` is encoded once and shared by every session.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import LocalDiscord

log = logging.getLogger(__name__)


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    MESSAGE_CONTENT = 1 << 15
    GUILD_MESSAGE_POLLS = 1 << 24


EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": Intent.GUILDS,
    "GUILD_UPDATE": Intent.GUILDS,
    "CHANNEL_CREATE": Intent.GUILDS,
    "CHANNEL_UPDATE": Intent.GUILDS,
    "CHANNEL_DELETE": Intent.GUILDS,
    "CHANNEL_PINS_UPDATE": Intent.GUILDS,
    "THREAD_CREATE": Intent.GUILDS,
    "THREAD_UPDATE": Intent.GUILDS,
    "THREAD_DELETE": Intent.GUILDS,
    "GUILD_ROLE_CREATE": Intent.GUILDS,
    "GUILD_ROLE_UPDATE": Intent.GUILDS,
    "GUILD_ROLE_DELETE": Intent.GUILDS,
    "GUILD_MEMBER_ADD": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intent.GUILD_MEMBERS,
    "MESSAGE_CREATE": Intent.GUILD_MESSAGES,
    "MESSAGE_UPDATE": Intent.GUILD_MESSAGES,
    "MESSAGE_DELETE": Intent.GUILD_MESSAGES,
    "MESSAGE_DELETE_BULK": Intent.GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": Intent.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_POLL_VOTE_ADD": Intent.GUILD_MESSAGE_POLLS,
    "MESSAGE_POLL_VOTE_REMOVE": Intent.GUILD_MESSAGE_POLLS,
}

HEARTBEAT_INTERVAL_MS = 41250
IDENTIFY_WINDOW_S = 5.0  # Discord: max_concurrency identifies per 5 seconds
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


def _valid_shard(shard: Any) -> bool:
    return (
        isinstance(shard, list) and len(shard) == 2 and all(isinstance(x, int) for x in shard)
        and shard[1] >= 1 and 0 <= shard[0] < shard[1]
    )
CHUNK_SIZE = 1000


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def dumps(data: Any) -> str:
    """Compact JSON; the encoder is built once (the per-event cost on the fast path)."""
    return _encode(data)


def _dispatch_frame(seq: int, event: str, data_json: str) -> str:
    return f'{{"op":0,"s":{seq},"t":"{event}","d":{data_json}}}'


class Connection:
    """One websocket; a writer task sends queued frames in order."""

    def __init__(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.ws = ws
        self.query = query
        self.session: Session | None = None
        self._out: deque[str] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.closed = False
        self.writer = asyncio.create_task(self._write_loop())

    def send(self, frame: str) -> None:
        if self.closed:
            return
        self._out.append(frame)
        self._idle.clear()
        self._wake.set()

    async def _write_loop(self) -> None:
        try:
            while not self.closed:
                await self._wake.wait()
                self._wake.clear()
                while self._out and not self.closed:
                    await self.ws.send_str(self._out.popleft())
                if not self._out:
                    self._idle.set()
        except (ConnectionResetError, RuntimeError) as exc:
            log.debug("gateway writer stopped: %s", exc)
        finally:
            self._out.clear()
            self._idle.set()

    async def drained(self) -> None:
        await self._idle.wait()

    async def close(self, code: int) -> None:
        if self.closed:
            return
        # let queued frames go out first, like a real server closing after its last write
        self.closed = True
        self._wake.set()
        self.writer.cancel()
        await self.ws.close(code=code)


@dataclass
class Session:
    """What IDENTIFY creates: intents, a sequence, and the buffer RESUME replays from."""

    session_id: str
    intents: int
    buffer: deque[tuple[int, str]]
    seq: int = 0
    conn: Connection | None = None
    identified_at: float = 0.0
    resumes: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY; None: unsharded, every guild

    def wants(self, guild_id: int | None) -> bool:
        """Whether this session's shard receives an event of ``guild_id`` (None: a DM, shard 0)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return shard_id == 0 if guild_id is None else shard_of(guild_id, count) == shard_id

    def push(self, event: str, data_json: str) -> None:
        self.seq += 1
        frame = _dispatch_frame(self.seq, event, data_json)
        self.buffer.append((self.seq, frame))
        if self.conn is not None:
            self.conn.send(frame)


class GatewayHub:
    """Every live session and connection; the server emits events through it."""

    def __init__(self, server: LocalDiscord, *, resume_buffer: int = 100_000) -> None:
        self.server = server
        self.resume_buffer = resume_buffer
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identifies = 0
        self.resumes = 0
        self.connection_queries: list[dict[str, str]] = []
        self._state_changed = asyncio.Event()
        self.max_concurrency = 16  # what GET /gateway/bot reports in session_start_limit
        # Discord refuses identifies faster than max_concurrency per 5 s. Off by default: the test
        # harness skips discord.py's 5 s wait before a re-IDENTIFY (testing._identify_at_once), so
        # a reconnect test would trip it; the sharding tests turn it on.
        self.identify_rate_limit = False
        self.max_guilds_per_shard = 2500
        self.identify_refusals = 0
        self._identified_at: dict[int, float] = {}  # rate-limit bucket -> last identify (monotonic)

    # ---- emitting -------------------------------------------------------------------------
    def emit(
        self,
        event: str,
        data: Any = None,
        *,
        data_json: str | None = None,
        without_content: Callable[[], str] | None = None,
        intent: int | None = None,
        guild_id: int | None = None,
    ) -> None:
        """Send one dispatch to every session whose intents and shard take it; ``d`` is encoded once."""
        if not self.sessions:
            return
        if guild_id is None and isinstance(data, dict):
            raw = data.get("id") if event.startswith("GUILD_CREATE") else data.get("guild_id")
            guild_id = int(raw) if raw is not None else None
        if data_json is None:
            data_json = dumps(data)
        needed = EVENT_INTENTS.get(event, 0) if intent is None else intent
        stripped: str | None = None
        for session in self.sessions.values():
            if needed and not session.intents & needed:
                continue
            if not session.wants(guild_id):
                continue
            if without_content is not None and not session.intents & Intent.MESSAGE_CONTENT:
                if stripped is None:
                    stripped = without_content()
                session.push(event, stripped)
            else:
                session.push(event, data_json)

    async def flush(self) -> None:
        """Wait until every connected socket has written all queued frames."""
        for conn in list(self.connections):
            await conn.drained()

    # ---- faults -----------------------------------------------------------------------------
    async def drop_connections(self, code: int = 4000) -> None:
        for conn in list(self.connections):
            await conn.close(code)

    def send_op(self, op: int, d: Any) -> None:
        frame = dumps({"op": op, "d": d, "s": None, "t": None})
        for conn in list(self.connections):
            conn.send(frame)

    def invalidate_sessions(self) -> None:
        """Op 9 with ``d: false``: the client must IDENTIFY again; buffered events are gone."""
        self.send_op(9, False)
        self.sessions.clear()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109 - tests pass timeout=
        async with asyncio.timeout(timeout):
            while not predicate():
                self._state_changed.clear()
                await self._state_changed.wait()

    def _changed(self) -> None:
        self._state_changed.set()

    # ---- websocket handler -------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        query = dict(request.query)
        self.connection_queries.append(query)
        conn = Connection(ws, query)
        self.connections.add(conn)
        conn.send(dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_payload(conn, json.loads(msg.data))
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            conn.closed = True
            conn.writer.cancel()
            self.connections.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self._changed()
        return ws

    async def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == 1:
            conn.send('{"op":11,"d":null,"s":null,"t":null}')
        elif op == 2:
            self._identify(conn, d)
        elif op == 6:
            self._resume(conn, d)
        elif op == 8:
            self._request_members(conn, d)
        elif op == 3:
            pass  # presence update: accepted, not modelled
        else:
            log.debug("ignoring gateway op %s", op)

    def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        server = self.server
        if d.get("token") != server.token:
            asyncio.get_running_loop().create_task(conn.close(4004))
            return
        shard = d.get("shard")
        if shard is not None and not _valid_shard(shard):
            asyncio.get_running_loop().create_task(conn.close(CLOSE_INVALID_SHARD))
            return
        shard_id, count = (shard[0], shard[1]) if shard is not None else (0, 1)
        own = [g for g in server.guilds.values() if shard_of(g.id, count) == shard_id]
        if len(own) > self.max_guilds_per_shard:
            asyncio.get_running_loop().create_task(conn.close(CLOSE_SHARDING_REQUIRED))
            return
        bucket = shard_id % self.max_concurrency
        now = time.monotonic()
        if self.identify_rate_limit and now - self._identified_at.get(bucket, -IDENTIFY_WINDOW_S) < IDENTIFY_WINDOW_S:
            self.identify_refusals += 1
            conn.send(dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        self._identified_at[bucket] = now
        session = Session(
            session_id=secrets.token_hex(16),
            intents=int(d.get("intents", 0)),
            buffer=deque(maxlen=self.resume_buffer),
            conn=conn,
            shard=(shard_id, count) if shard is not None else None,
        )
        session.received.append(d)
        conn.session = session
        self.sessions[session.session_id] = session
        self.identifies += 1
        ready = server._ready_payload(session.session_id)
        ready["guilds"] = [g for g in ready["guilds"] if session.wants(int(g["id"]))]
        if shard is not None:
            ready["shard"] = [shard_id, count]
        session.push("READY", dumps(ready))
        if session.intents & Intent.GUILDS:
            for guild_json in server._guild_create_payloads(session.intents, own):  # this shard's guilds only
                session.push("GUILD_CREATE", guild_json)
        self._changed()

    def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq") or 0
        if (
            session is None
            or d.get("token") != self.server.token
            or (session.buffer and session.buffer[0][0] > seq + 1)
        ):
            conn.send(dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        if session.conn is not None and session.conn is not conn:
            session.conn.session = None
        session.conn = conn
        conn.session = session
        for s, frame in session.buffer:
            if s > seq:
                conn.send(frame)
        session.seq += 1
        conn.send(_dispatch_frame(session.seq, "RESUMED", '{"_trace":["localdiscord"]}'))
        session.resumes += 1
        self.resumes += 1
        self._changed()

    def _request_members(self, conn: Connection, d: dict[str, Any]) -> None:
        session = conn.session
        if session is None or not session.intents & Intent.GUILD_MEMBERS:
            asyncio.get_running_loop().create_task(conn.close(4013))
            return
        for event_json in self.server._member_chunks(d):
            session.push("GUILD_MEMBERS_CHUNK", event_json)
