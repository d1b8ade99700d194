"""Shared pieces of the benchmarks: figures with their limit and target, and client subprocesses.

A client (bare discord.py or Hearth) runs in its own process (``bench._client``), as it would
against the real Discord; the local Discord runs in this process and speaks to it over TCP.
The two talk over the child's stdin/stdout in JSON lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.localdiscord import LocalDiscord

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """One measured figure against the limit measured in the same run and its target."""

    name: str
    value: str
    limit: str = ""
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None

    def row(self) -> str:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        verdict = {True: "met", False: "MISSED", None: ""}[self.ok]
        return f"| {self.name} | {self.value} | {self.limit} | {ratio} | {self.target} | {verdict} |"


TABLE_HEADER = "| figure | Hearth | limit (same run) | ratio | target | |\n|---|---|---|---|---|---|"


def print_figures(figures: list[Figure]) -> None:
    print(TABLE_HEADER)
    for f in figures:
        print(f.row())


def best(values: list[float], *, higher_is_better: bool) -> float:
    return max(values) if higher_is_better else min(values)


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Child:
    """A client process (``python -m bench._client``) connected to ``server``."""

    def __init__(self, proc: asyncio.subprocess.Process, started: float) -> None:
        self.proc = proc
        self.started = started
        self.ready: dict[str, Any] = {}
        self.ready_after = 0.0

    @classmethod
    async def spawn(
        cls, server: LocalDiscord, kind: str, *, db: Path | str | None = None, members: bool = False,
        ready_timeout: float = 0.05, extra: tuple[str, ...] = (),
    ) -> Child:
        """Exec the client and wait for its on_ready line; ``ready_after`` is exec to ready, in s."""
        args = [
            sys.executable, "-m", "bench._client", kind,
            "--api", server.api_base, "--gateway", server.gateway_url, "--token", server.token,
            "--ready-timeout", str(ready_timeout),
        ]
        if db is not None:
            args += ["--db", str(db)]
        if members:
            args.append("--members")
        args += list(extra)
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**24
        )
        child = cls(proc, started)
        child.ready = await child.read("ready", timeout=120)
        child.ready_after = child.ready["t"] - started if "t" in child.ready else time.perf_counter() - started
        return child

    async def read(self, expected: str, timeout: float = 600) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise RuntimeError(f"client exited (rc={await self.proc.wait()}) before {expected!r}")
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # stray output
            if msg.get("event") == expected:
                return msg

    async def ask(self, cmd: str, expected: str, timeout: float = 600, **args: Any) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.proc.stdin.drain()
        return await self.read(expected, timeout)

    async def quit(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, ConnectionError):
            await self.ask("quit", "bye", timeout=30)
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

