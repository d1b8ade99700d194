"""SIGKILL the real ``hearth run`` process during heavy recording and during a scheduled post.

The bot runs in a subprocess (``python -m bot run``) against a LocalDiscord served from the test
process, with a recognisable fake token; the test kills it with SIGKILL, starts it again and
reads the database file. Every subprocess's output is kept for the token scan.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import Community, build_community

ROOT = Path(__file__).resolve().parents[2]
FLUSH_INTERVAL = 0.2
QUESTION_TITLE = "Question of the day"


class HearthProcess:
    """``hearth run`` in a subprocess, pointed at the local Discord by its config file."""

    def __init__(self, server: LocalDiscord, folder: Path, token: str) -> None:
        self.server = server
        self.folder = folder
        self.token = token
        self.database = folder / "hearth.db"
        self.config = folder / "config.toml"
        self.config.write_text(
            f'[bot]\ndatabase = "{self.database}"\nlog_level = "DEBUG"\n'
            f'[discord]\napi_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
            f"[recorder]\nflush_interval_seconds = {FLUSH_INTERVAL}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.outputs: list[Path] = []

    async def start(self, *, wait: bool = True) -> None:
        identifies = self.server.gateway.identifies
        output = self.folder / f"run-{len(self.outputs)}.log"
        self.outputs.append(output)
        env = {**os.environ, "DISCORD_TOKEN": self.token, "PYTHONPATH": str(ROOT), "HEARTH_CONFIG": str(self.config)}
        with output.open("wb") as sink:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the bot runs on its own
                [sys.executable, "-m", "bot", "run"], cwd=self.folder, env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        if wait:
            await self.server.wait_until(lambda: self.server.gateway.identifies > identifies or self.dead(), 30)
            assert not self.dead(), self.output()

    def dead(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        assert self.proc.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            for _ in range(200):
                if self.proc.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            else:
                self.kill()

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.outputs if p.exists())

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(sql, params).fetchall()


class CrashWorld:
    def __init__(self, server: LocalDiscord, community: Community, hearth: HearthProcess) -> None:
        self.server = server
        self.community = community
        self.hearth = hearth

    async def command(self, name: str, timeout: float = 15, **options: object) -> str:  # noqa: ASYNC109
        """A moderator command; retried until the freshly started bot is ready to answer."""
        deadline = time.monotonic() + timeout
        while True:
            result = await self.server.run_command(self.community.moderator, self.community.general, name, options)
            try:
                return await result.text(timeout=3)
            except TimeoutError:
                if time.monotonic() > deadline or self.hearth.dead():
                    raise AssertionError(f"/{name} got no answer\n{self.hearth.output()[-3000:]}") from None

    def stored_messages(self) -> list[int]:
        return [r[0] for r in self.hearth.query("SELECT message_id FROM activities WHERE kind = 'message'")]

    async def wait_stored(self, count: int, timeout: float = 20) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while len(self.stored_messages()) < count:
            assert time.monotonic() < deadline, f"only {len(self.stored_messages())} of {count} stored"
            assert not self.hearth.dead(), self.hearth.output()[-3000:]
            await asyncio.sleep(0.05)

    def integrity(self) -> None:
        assert self.hearth.query("PRAGMA integrity_check") == [("ok",)]
        assert self.hearth.query("PRAGMA foreign_key_check") == []


@pytest_asyncio.fixture
async def crash_world(tmp_path: Path) -> AsyncIterator[CrashWorld]:
    token = f"local.TOKEN-SCAN-{secrets.token_hex(16)}"
    async with LocalDiscord(token=token) as server:
        community = build_community(server)
        hearth = HearthProcess(server, tmp_path, token)
        world = CrashWorld(server, community, hearth)
        try:
            yield world
        finally:
            await hearth.stop()
        output = hearth.output()
        assert output, "the bot's output was not captured"
        assert token not in output, "the token appeared in the bot's output"
        assert token[6:] not in output
        for name in os.listdir(tmp_path):  # database, WAL, config: nothing on disk holds it either
            with open(tmp_path / name, "rb") as stored:  # noqa: ASYNC230 - a few small files after the run
                assert token.encode() not in stored.read(), f"the token is stored in {name}"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
async def test_sigkill_during_recording_and_a_scheduled_post_loses_at_most_the_last_interval_and_posts_once(
    crash_world: CrashWorld,
) -> None:
    world, server, hearth = crash_world, crash_world.server, crash_world.hearth
    c = world.community
    await hearth.start()
    for i in range(3):
        assert "Added question" in await world.command("question add", text=f"Crash question {i}?")
    people = [c.alice, c.bob, c.moderator]

    # 1. Heavy recording, then SIGKILL with a burst still in flight.
    emitted: list[int] = []
    for burst in range(12):
        ids_before = set(server.messages)
        await server.say_many((people[i % 3], c.general, "x") for i in range(400))
        emitted += [m for m in server.messages if m not in ids_before]
        if burst < 11:
            await world.wait_stored(len(emitted))  # the checkpoint: everything so far is on disk
    last_burst = set(emitted[-400:])
    hearth.kill()  # within one flush interval of the last burst
    await server.flush()
    world.integrity()
    stored = world.stored_messages()
    assert len(stored) == len(set(stored)), "a message was stored twice"
    missing = set(emitted) - set(stored)
    assert missing <= last_burst, f"{len(missing - last_burst)} activities older than the last flush were lost"
    assert hearth.query("SELECT SUM(messages) FROM member_days") == [(len(stored),)]  # rollups match rows

    # 2. A scheduled post due at start-up; kill the bot while its thread is being opened.
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=5)).strftime("%H:%M")
    with sqlite3.connect(hearth.database) as db:
        db.execute(
            "INSERT INTO schedules (guild_id, kind, channel_id, local_time, weekdays, created_at) "
            "VALUES (?, 'question', ?, ?, '0,1,2,3,4,5,6', ?)",
            (c.guild.id, c.general.id, due, int((now - timedelta(hours=1)).timestamp() * 1000)),
        )
    server.rate_limit_next(1, method="POST", path="/channels/*/messages/*/threads", retry_after=30)
    await hearth.start()
    await server.wait_until(lambda: any(c.status == 429 and "threads" in c.path for c in server.rest_log), 20)
    hearth.kill()  # the question is posted, its thread not yet: the occurrence is mid-flight
    posted = [m for m in server.sent_by_bot(c.general) if m.embeds and m.embeds[0].get("title") == QUESTION_TITLE]
    assert len(posted) == 1
    world.integrity()

    # 3. An overdue poll closing while the bot is down runs exactly once after the restart.
    server.faults.clear()
    await hearth.start()
    answer = await world.command("poll create", channel=c.general, question="Crash?", options="Yes, No", duration="1h")
    assert "#1" in answer, answer
    hearth.kill()
    with sqlite3.connect(hearth.database) as db:
        db.execute("UPDATE timers SET due_at = ? WHERE kind LIKE 'poll%'", (int(time.time() * 1000) - 60_000,))
    await hearth.start()

    def results() -> list[object]:
        return [m for m in server.sent_by_bot(c.general) if m.embeds and "Results" in (m.embeds[0].get("title") or "")]

    await server.wait_until(lambda: results(), 20)
    hearth.kill()
    await hearth.start()
    assert "Hearth status" in await world.command("hearth status")
    await server.flush()
    assert len(results()) == 1, "the overdue closing ran twice"
    posted = [m for m in server.sent_by_bot(c.general) if m.embeds and m.embeds[0].get("title") == QUESTION_TITLE]
    assert len(posted) == 1, "the interrupted scheduled post was posted again"
    occurrences = hearth.query("SELECT status, detail FROM occurrences")
    assert len(occurrences) == 1 and occurrences[0][0] == "failed" and "interrupted" in str(occurrences[0][1])
    world.integrity()
    await hearth.stop()
