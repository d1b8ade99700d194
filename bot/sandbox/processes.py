"""Real ``hearth run`` processes against a LocalDiscord, with a clock the caller moves: the harness of
``tests/e2e/test_shard_processes.py``, ``tests/e2e/test_herd.py`` and ``bench/herd.py``.

Each process is started as an operator starts it (``hearth run --shard-count N --shard-ids ...``,
the token and database URL in its environment). Its clock is a file (``HEARTH_CLOCK_FILE``,
``bot.core.clock.FileClock``): whenever the file's time is set, the process sweeps and runs its
housekeeping, then says so in ``<file>.<pid>``; ``swept()`` waits for that, so nothing is waited out.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.clock import FakeClock, FileClock
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import Community

ROOT = Path(__file__).resolve().parents[2]


def _toml(sections: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in values.items())
    return "\n".join(lines) + "\n"


class HearthProcess:
    """``hearth run`` for some shards of ``shard_count`` (by default shards ``2n`` and ``2n + 1`` of 4).
    ``config``: more config.toml settings, by section (``{"discord": {"global_requests_per_second": 20}}``)."""

    def __init__(
        self,
        n: int,
        server: LocalDiscord,
        url: str,
        clock_file: Path,
        workdir: Path,
        *,
        shard_ids: tuple[int, ...] | None = None,
        shard_count: int = 4,
        config: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.n, self.server, self.url, self.clock_file, self.workdir = n, server, url, clock_file, workdir
        self.shard_ids = shard_ids if shard_ids is not None else (2 * n, 2 * n + 1)
        self.shard_count = shard_count
        self.config = config or {}
        self.process: asyncio.subprocess.Process | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"hearth-{n}.log"
        self.name = f"hearth-{n}"

    async def start(self) -> None:
        sections: dict[str, dict[str, Any]] = {
            "bot": {"data_dir": str(self.workdir / "data")},
            "discord": {"api_base": self.server.api_base, "gateway_url": self.server.gateway_url},
        }
        for section, values in self.config.items():
            sections.setdefault(section, {}).update(values)
        (self.workdir / "config.toml").write_text(_toml(sections))
        env = {
            **os.environ,
            "DISCORD_TOKEN": self.server.token,
            "PYTHONPATH": str(ROOT),
            "HEARTH_DATABASE_URL": self.url,
            "HEARTH_CLOCK_FILE": str(self.clock_file),
        }
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--shard-count", str(self.shard_count),
                "--shard-ids", ",".join(map(str, self.shard_ids)),
                cwd=self.workdir, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def state(self) -> Any:
        """What ``<clock file>.<pid>`` says this process dealt with last (None before its first sweep)."""
        done = Path(f"{self.clock_file}.{self.pid}")
        return json.loads(done.read_text()) if done.exists() else None

    async def swept(self, moment: datetime, timeout: float = 60.0) -> list[str]:  # noqa: ASYNC109
        """Wait until this process dealt with the clock set to ``moment`` (its sweep and
        housekeeping); returns the housekeeping jobs it ran."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.running, self.output()
            state = self.state()
            if state is not None and state["at"] == moment.isoformat():
                return list(state["ran"])
            await asyncio.sleep(0.02)
        raise AssertionError(f"{self.name} did not sweep {moment} within {timeout} s:\n{self.output()[-4000:]}")

    async def kill(self) -> None:
        """``kill -9``: no signal handler, no flush, no goodbye to the gateway or the database."""
        assert self.process is not None
        os.kill(self.pid, signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        assert code == 0, self.output()[-4000:]


async def stop_all(processes: list[HearthProcess]) -> None:
    """SIGTERM every process still running (a failed test's leftovers included), then wait for them."""
    for p in processes:
        if p.running:
            await p.stop()


class Cluster:
    """The processes up now and the one clock they follow (a ``FakeClock`` mirrored into the file)."""

    def __init__(self, server: LocalDiscord, clock: FakeClock, clock_file: Path) -> None:
        self.server, self.clock, self.clock_file = server, clock, clock_file
        self.up: list[HearthProcess] = []
        self.retention_runs: Counter[str] = Counter()  # local date -> completed retention runs

    async def move(self, **delta: float) -> dict[str, list[str]]:
        """Move every clock; returns what housekeeping each live process ran."""
        moment = self.clock.advance(**delta)
        FileClock.write(self.clock_file, moment)
        return await self.swept(moment)

    async def swept(self, moment: datetime) -> dict[str, list[str]]:
        done = await asyncio.gather(*(p.swept(moment) for p in self.up))
        ran = dict(zip([p.name for p in self.up], done, strict=True))
        self.retention_runs[moment.date().isoformat()] += sum("retention" in jobs for jobs in ran.values())
        return ran


async def command(server: LocalDiscord, community: Community, name: str, **options: Any) -> tuple[str, float]:
    """Run a slash command as the community's moderator; returns its answer and how long the first answer took."""
    started = time.perf_counter()
    result = await server.run_command(community.moderator, community.general, name, options)
    await result.response(timeout=10)
    return await result.text(), time.perf_counter() - started


@dataclass(frozen=True)
class Refusals:
    """Discord's refusals as ``/hearth status`` shows them (``HttpStats.summary``)."""

    unauthorized: int
    forbidden: int
    rate_limited: int
    global_rate_limited: int
    invalid_last_10_min: int


_REFUSALS = re.compile(
    r"(\d[\d,]*) × 401, (\d[\d,]*) × 403, (\d[\d,]*) × 429 \((\d[\d,]*) global\); (\d[\d,]*) of Discord's 10,000"
)


async def status_refusals(server: LocalDiscord, community: Community) -> tuple[Refusals, str]:
    """``/hearth status`` in ``community``: the 401/403/429 counts of the process serving it, and the text."""
    text, _ = await command(server, community, "hearth status")
    found = _REFUSALS.search(text)
    assert found is not None, text
    return Refusals(*(int(g.replace(",", "")) for g in found.groups())), text
