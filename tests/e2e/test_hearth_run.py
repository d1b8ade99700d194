"""`hearth run`, unchanged, pointed at the local Discord through config alone: what an operator
does with a proxy, and how anyone can try Hearth without Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community

ROOT = Path(__file__).resolve().parents[2]


async def test_hearth_run_connects_syncs_and_answers_status(tmp_path: Path) -> None:
    async with LocalDiscord() as server:
        community = build_community(server)
        (tmp_path / "config.toml").write_text(
            f'[bot]\ndata_dir = "{tmp_path / "data"}"\n'
            f'[discord]\napi_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
        )
        env = {**os.environ, "DISCORD_TOKEN": server.token, "PYTHONPATH": str(ROOT)}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await server.wait_until(lambda: "hearth" in server.commands[None], timeout=20)
            await server.wait_connected(timeout=10)
            result = await server.run_command(community.moderator, community.general, "hearth status", {})
            await result.response(timeout=10)
            assert result.ephemeral
            assert "Hearth status" in await result.text()
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 20)
        log = output.decode()
        assert process.returncode == 0, log
        assert server.token not in log
        assert (tmp_path / "data" / "hearth.db").exists()
        assert not server.unknown_routes
