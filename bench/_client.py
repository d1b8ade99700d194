"""A client process for the benchmarks: a bare discord.py client or Hearth, driven by JSON lines.

``python -m bench._client bare|hearth --api URL --gateway URL --token T [--db FILE or URL] [--members]
[--shard-count N [--shard-ids 0,1]] [--lag]`` prints ``{"event": "ready", "t": perf_counter, ...}`` once
on_ready fired, then answers commands read from stdin: ``wait_seq`` (every gateway event up to a sequence,
or with ``seqs`` up to one per shard, handled, and for Hearth recorded to disk), ``rss`` and ``quit``. The
bare client imports only discord.py, so its start-up and memory are discord.py's own; sharded, it is an
``AutoShardedClient`` with the same shard count and ids as Hearth's ``AutoShardedBot``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import discord
from discord import app_commands


def status_kb() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in KiB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0])
    return out


def say(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


class BareButtons(discord.ui.View):
    """The same two buttons as Hearth's /privacy forget-me, answering at once."""

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="Deleted.", view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None)


class BareClient(discord.Client):
    """discord.py with Hearth's intents, no-op handlers and, optionally, Hearth's command names answered at once."""

    def __init__(self, intents: discord.Intents, with_commands: bool, **options: Any) -> None:
        super().__init__(intents=intents, **options)
        self.with_commands = with_commands
        self.tree = app_commands.CommandTree(self)
        if with_commands:
            self._add_commands()

    def _add_commands(self) -> None:
        privacy = app_commands.Group(name="privacy", description="bare", guild_only=True)
        hearth = app_commands.Group(name="hearth", description="bare", guild_only=True)

        @privacy.command(name="optout", description="bare")
        async def optout(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Done.", ephemeral=True)

        @privacy.command(name="optin", description="bare")
        async def optin(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Welcome back.", ephemeral=True)

        @privacy.command(name="forget-me", description="bare")
        async def forget_me(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Sure?", view=BareButtons(timeout=120), ephemeral=True)

        @hearth.command(name="status", description="bare")
        async def status(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="Hearth status")
            await interaction.response.send_message(embed=embed, ephemeral=True)

        self.tree.add_command(privacy)
        self.tree.add_command(hearth)

    async def setup_hook(self) -> None:
        if self.with_commands:
            await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        pass

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        pass

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        pass

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        pass

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        pass


class BareShardedClient(BareClient, discord.AutoShardedClient):
    """BareClient over several shards in one process, as ShardedHearth is Hearth's (bot/app.py)."""


def shard_ids(text: str) -> list[int] | None:
    return [int(part) for part in text.split(",")] if text else None


def build_client(args: argparse.Namespace) -> discord.Client:
    options: dict[str, Any] = {"guild_ready_timeout": args.ready_timeout}
    if args.kind == "bare":
        if args.no_message_cache:  # the option Hearth sets (bot/app.py)
            options["max_messages"] = None
        intents = discord.Intents._from_value(args.intents)
        intents.members = args.members
        if args.shard_count > 1:
            return BareShardedClient(intents, args.commands, shard_count=args.shard_count,
                                     shard_ids=shard_ids(args.shard_ids), **options)
        return BareClient(intents, args.commands, **options)
    from bot.app import hearth_for
    from bot.core.settings import Settings

    settings = (
        Settings()
        .replace("discord", api_base=args.api, gateway_url=args.gateway)
        .replace("intents", members=args.members)
        .replace("shards", count=args.shard_count, ids=args.shard_ids)
    )
    if "://" in args.db:  # a database URL (PostgreSQL for several processes), as hearth_runner.local_settings does
        settings = settings.replace("bot", database="").replace("database", url=args.db)
    else:
        settings = settings.replace("bot", database=args.db)
    return hearth_for(settings, **options)


async def handlers_pending() -> bool:
    return any(t.get_name().startswith("discord.py: on_") for t in asyncio.all_tasks())


def delivered(client: discord.Client, seqs: dict[int | None, int]) -> bool:
    """Whether each shard's socket (None: the one of an unsharded client) reached its sequence."""
    for shard, seq in seqs.items():
        ws = client.ws if shard is None else client._get_websocket(shard_id=shard)
        if ws is None or (ws.sequence or 0) < seq:
            return False
    return True


async def wait_seq(client: discord.Client, seqs: dict[int | None, int]) -> dict[str, Any]:
    """Wait until the gateway delivered every ``seqs`` and every handler ran; Hearth also writes to disk."""
    cpu, loop_cpu = time.process_time(), time.thread_time()
    while not delivered(client, seqs):  # noqa: ASYNC110 - polling discord.py's state
        await asyncio.sleep(0.002)
    while await handlers_pending():  # noqa: ASYNC110
        await asyncio.sleep(0)
    out: dict[str, Any] = {}
    recorder = getattr(client, "recorder", None)
    if recorder is not None:
        await recorder.flush()
    out["t"] = time.perf_counter()
    out["cpu"] = time.process_time() - cpu
    out["loop_cpu"] = time.thread_time() - loop_cpu  # the event loop's thread alone
    if recorder is not None:
        db = client.db  # type: ignore[attr-defined]
        out["rows"] = await db.fetchval("SELECT COUNT(*) FROM activities")
        out["distinct"] = await db.fetchval("SELECT COUNT(DISTINCT event_key) FROM activities")
        out["accepted"] = recorder.stats.accepted
        out["dropped"] = recorder.stats.dropped
    return out


async def serve(client: discord.Client, args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        cmd = json.loads(line)
        name = cmd["cmd"]
        if name == "wait_seq":
            profile = os.environ.get("BENCH_PROFILE")  # a file prefix: profile this client with pyinstrument
            profiler = None
            if profile:
                from pyinstrument import Profiler  # a developer's tool, not a project dependency

                profiler = Profiler(async_mode="disabled", interval=0.0005)
                profiler.start()
            seqs = {int(k): int(v) for k, v in cmd["seqs"].items()} if "seqs" in cmd else {None: int(cmd["seq"])}
            result = await wait_seq(client, seqs)
            if profiler is not None:
                profiler.stop()
                Path(f"{profile}-{args.kind}.txt").write_text(profiler.output_text(show_all=True))  # noqa: ASYNC240
            say("done", **result)
        elif name == "rss":
            gc.collect()
            say("rss", cached_members=sum(len(g.members) for g in client.guilds), **status_kb())
        elif name == "quit":
            break
    await client.close()
    say("bye")


async def measure_stalls(kind: str, out: dict[str, Any]) -> Any:
    """A stall meter over the whole start; for Hearth also one over ``Scheduler.start()`` (the rebuild)."""
    from bench._lag import LagMeter

    meter = await LagMeter().__aenter__()
    if kind == "hearth":  # the scheduler is built in setup_hook: time the method
        from bot.platform.scheduler import Scheduler

        original = Scheduler.start

        async def timed_start(self: Scheduler) -> None:
            async with LagMeter() as rebuild:
                started, cpu = time.perf_counter(), time.process_time()
                await original(self)
                out.update(rebuild_s=time.perf_counter() - started, rebuild_cpu=time.process_time() - cpu,
                           rebuild_lag=rebuild.max_lag,
                           rebuild_busy=rebuild.max_busy, jobs=len(self._aps.get_jobs()))

        Scheduler.start = timed_start  # type: ignore[method-assign]
    return meter


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("bare", "hearth"))
    parser.add_argument("--api", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", default="")
    parser.add_argument("--members", action="store_true")
    parser.add_argument("--intents", type=int, default=0, help="bare: the intents value (bot.app.build_intents)")
    parser.add_argument("--commands", action="store_true", help="bare: answer Hearth's command names at once")
    parser.add_argument("--no-message-cache", action="store_true", help="bare: max_messages=None, as Hearth runs")
    parser.add_argument("--ready-timeout", type=float, default=0.05)
    parser.add_argument("--shard-count", type=int, default=1, help="more than 1: an AutoShardedClient/Bot")
    parser.add_argument("--shard-ids", default="", help="the shards this process runs, like 0,1 (empty: all)")
    parser.add_argument("--lag", action="store_true", help="report the longest event-loop stalls of the start")
    args = parser.parse_args()
    if args.kind == "bare":
        from bot.core.endpoints import apply_endpoints  # discord.py and yarl only

        apply_endpoints(args.api, args.gateway)
    client = build_client(args)
    if args.kind == "hearth":  # as `hearth run` does (bot/cli/run.py)
        gc.collect()
        gc.freeze()
    stalls: dict[str, Any] = {}
    meter = await measure_stalls(args.kind, stalls) if args.lag else None
    start = asyncio.create_task(client.start(args.token))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({start, ready}, return_when=asyncio.FIRST_COMPLETED)
    if start in done:
        start.result()
        raise SystemExit("client stopped before ready")
    t = time.perf_counter()
    if meter is not None:  # through Hearth's first sweep of overdue work, which follows on_ready
        caught_up = getattr(client, "caught_up", None)
        if caught_up is not None:
            await caught_up.wait()
        await meter.__aexit__(None, None, None)
        stalls.update(lag=meter.max_lag, busy=meter.max_busy, caught_up_t=time.perf_counter())
    gc.collect()
    say("ready", t=t, cpu=time.process_time(), guilds=len(client.guilds), **stalls, **status_kb())
    await serve(client, args)
    await asyncio.gather(start, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
