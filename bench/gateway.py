"""Gateway to disk: 100,000 mixed events (messages, forwards, replies, reactions, poll votes, joins) streamed by
the local Discord over a real websocket to (a) a bare discord.py client with Hearth's intents and
no-op handlers (the limit) and (b) Hearth, which records every one of them to SQLite. Each client
runs in its own process; the local Discord in this one. Run: ``python -m bench.gateway
[--events N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench._common import Child, Figure, best, print_figures
from bot.app import build_intents
from bot.core.settings import Settings
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord import payloads as pl
from bot.sandbox.localdiscord.forwards import HAS_SNAPSHOT, forward_reference, snapshot
from bot.sandbox.localdiscord.gateway import dumps
from bot.sandbox.localdiscord.world import Channel, Guild, Member, Message

EVENTS = 100_000
MEMBERS = 1_000
POLLS = 20
TARGET_RATIO = 0.8
JOINS = False  # --members: joins in the mix and every client with the members intent
EMOJIS = ("👍", "❤️", "😂", "🎉", "🔥", "👀")


@dataclass
class Run:
    kind: str
    seconds: float
    sent_seconds: float
    cpu_seconds: float
    loop_cpu_seconds: float
    rows: int | None = None
    distinct: int | None = None

    def rate(self, events: int) -> float:
        return events / self.seconds

    def cpu_rate(self, events: int) -> float:
        return events / self.cpu_seconds


def make_events(
    server: LocalDiscord, count: int, seed: int = 13, places: list[tuple[Guild, Channel, list[Member]]] | None = None
) -> list[tuple[str, str]]:
    """Pre-encoded (event, d) pairs: 28% messages, 2% forwards, 15% replies, 40% reactions, 14.5% poll
    votes, 0.5% joins (GUILD_MEMBER_ADD; delivered only with ``--members``, else poll votes). Each event
    happens in one of ``places`` (a guild, its channel and its members), by default one guild of MEMBERS."""
    rng = random.Random(seed)
    if places is None:
        guild = server.add_guild("Busy Guild", owner="olga")
        general = server.add_text_channel(guild, "general")
        places = [(guild, general, server.add_members(guild, MEMBERS))]
    me = server.bot_user.id
    base = server.base_url
    polls = {guild.id: [server.ids.next() for _ in range(POLLS)] for guild, _, _ in places}
    recent: dict[int, list[Message]] = {guild.id: [] for guild, _, _ in places}
    seen: set[tuple[int, int, object]] = set()
    out: list[tuple[str, str]] = []

    def new_message(
        place: tuple[Guild, Channel, list[Member]], reply_to: Message | None, forward_of: Message | None = None
    ) -> Message:
        guild, channel, members = place
        author = rng.choice(members)
        msg = Message(id=server.ids.next(), channel_id=channel.id, guild_id=guild.id, author=author.user,
                      content="", timestamp=server.now())
        if forward_of is not None:
            msg.message_reference = forward_reference(forward_of)
            msg.snapshots = [snapshot(forward_of, base, include_content=False)]
            msg.flags = HAS_SNAPSHOT
        elif reply_to is not None:
            msg.type = 19
            msg.message_reference = {"type": 0, "message_id": str(reply_to.id), "channel_id": str(channel.id),
                                     "guild_id": str(guild.id)}
        data = pl.message(msg, me_id=me, base_url=base, guild=guild, referenced=reply_to, include_content=False,
                          gateway=True)
        out.append(("MESSAGE_CREATE", dumps(data)))
        mine = recent[guild.id]
        mine.append(msg)
        if len(mine) > 500:
            del mine[:100]
        return msg

    while len(out) < count:
        place = places[0] if len(places) == 1 else rng.choice(places)
        guild, channel, members = place
        mine = recent[guild.id]
        roll = rng.random()
        if roll < 0.28 or not mine:
            new_message(place, None)
        elif roll < 0.30:
            new_message(place, None, forward_of=rng.choice(mine))
        elif roll < 0.45:
            new_message(place, rng.choice(mine))
        elif roll < 0.85:
            msg, who, emoji = rng.choice(mine), rng.choice(members), rng.choice(EMOJIS)
            if (msg.id, who.id, emoji) in seen:
                continue
            seen.add((msg.id, who.id, emoji))
            data = pl.reaction_event(msg, who, server.parse_emoji(emoji), add=True)
            out.append(("MESSAGE_REACTION_ADD", dumps(data)))
        elif roll > 0.995 and JOINS:
            user = server.add_user(f"newcomer-{len(out)}")
            out.append(("GUILD_MEMBER_ADD", dumps(pl.member_add_event(Member(user, guild.id, [], server.now())))))
        else:
            poll, who, answer = rng.choice(polls[guild.id]), rng.choice(members), rng.randint(1, 4)
            if (poll, who.id, answer) in seen:
                continue
            seen.add((poll, who.id, answer))
            data = {"user_id": str(who.id), "channel_id": str(channel.id), "message_id": str(poll),
                    "guild_id": str(guild.id), "answer_id": answer}
            out.append(("MESSAGE_POLL_VOTE_ADD", dumps(data)))
    return out


async def stream_to(
    server: LocalDiscord, kind: str, events: list[tuple[str, str]], tmp: Path, n: int, *extra: str
) -> Run:
    """Start one client process, stream every event to it and time until it has handled (and stored) them."""
    intents = build_intents(Settings()).value
    if JOINS:
        extra = ("--members", *extra)
    child = await Child.spawn(server, kind, db=tmp / f"hearth-{n}.db", extra=("--intents", str(intents), *extra))
    try:
        (session,) = [s for s in server.gateway.sessions.values() if s.conn is not None]
        emit = server.gateway.emit
        for event, data_json in events:  # queued only: nothing reaches the socket before we yield
            emit(event, data_json=data_json)
        target = session.seq
        started = time.perf_counter()
        assert child.proc.stdin is not None
        child.proc.stdin.write(f'{{"cmd": "wait_seq", "seq": {target}}}\n'.encode())
        await server.flush()
        sent = time.perf_counter() - started
        done = await child.read("done")
        cpu, loop_cpu = done["cpu"], done["loop_cpu"]
        return Run(kind, done["t"] - started, sent, cpu, loop_cpu, done.get("rows"), done.get("distinct"))
    finally:
        await child.quit()
        server.gateway.sessions.clear()  # no buffering for a client that is gone


def describe(name: str, run: Run, events: int) -> str:
    return (
        f"{name} {run.rate(events):,.0f}/s, {run.cpu_rate(events):,.0f}/CPU-s (server sent all in "
        f"{run.sent_seconds:.2f} s; event-loop thread {run.loop_cpu_seconds:.1f} of {run.cpu_seconds:.1f} CPU-s)"
    )


async def measure(events_count: int = EVENTS, repeat: int = 3) -> tuple[list[Figure], list[str]]:
    """Per run: bare discord.py as it comes, bare with Hearth's client options (no message cache), Hearth."""
    notes: list[str] = []
    bare: list[Run] = []
    same: list[Run] = []
    hearth: list[Run] = []
    async with LocalDiscord(resume_buffer=1_000) as server:
        events = make_events(server, events_count)
        with tempfile.TemporaryDirectory() as tmp:
            for n in range(repeat):
                bare.append(await stream_to(server, "bare", events, Path(tmp), n))
                same.append(await stream_to(server, "bare", events, Path(tmp), n, "--no-message-cache"))
                hearth.append(await stream_to(server, "hearth", events, Path(tmp), n))
    for b, o, h in zip(bare, same, hearth, strict=True):
        notes.append(
            f"run: {describe('bare', b, events_count)}; {describe('bare without message cache', o, events_count)}; "
            f"{describe('hearth', h, events_count)}, rows {h.rows:,}, distinct {h.distinct:,}"
        )

    def throughput(label: str, per: Callable[[Run], float], unit: str, limit: list[Run], limit_name: str) -> Figure:
        """Hearth's best run against the limit's best run, higher is better."""
        ours = best([per(r) for r in hearth], higher_is_better=True)
        theirs = best([per(r) for r in limit], higher_is_better=True)
        ratio = ours / theirs
        return Figure(label, f"{ours:,.0f}{unit}", f"{theirs:,.0f}{unit} {limit_name}", ratio, f">= {TARGET_RATIO}",
                      ratio >= TARGET_RATIO)

    def rate(run: Run) -> float:
        return run.rate(events_count)

    def cpu_rate(run: Run) -> float:
        return run.cpu_rate(events_count)

    exact = all(r.rows == events_count and r.distinct == events_count for r in hearth)
    figures = [
        throughput(f"gateway to disk, {events_count:,} mixed events (events/s, best of {repeat})", rate, "/s",
                   bare, "bare discord.py"),
        throughput("gateway to disk, recording's own cost: against bare discord.py with Hearth's options "
                   "(no message cache)", rate, "/s", same, "bare, no cache"),
        throughput("gateway to disk, events per CPU-second of the client process, same options", cpu_rate,
                   "/CPU-s", same, "bare, no cache"),
        Figure(
            "every event stored exactly once (rows = distinct keys = events, every run)",
            f"{hearth[-1].rows:,} rows",
            f"{events_count:,} events",
            None,
            "equal",
            exact,
        ),
    ]
    return figures, notes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--members", action="store_true", help="joins in the mix, members intent on")
    args = parser.parse_args()
    global JOINS
    JOINS = args.members
    figures, notes = await measure(args.events, args.repeat)
    for note in notes:
        print(note)
    print_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
