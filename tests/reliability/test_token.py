"""The token never appears in logs, errors or crash output.

The running bot's full DEBUG output, its crashes (SIGKILL) and its files are scanned in
test_crash.py; here: a token Discord rejects, and an error whose text contains the token.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from pathlib import Path

from bot.core.logs import REDACTED, configure_logging
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import build_community

ROOT = Path(__file__).resolve().parents[2]


async def test_a_rejected_token_is_reported_without_echoing_it(tmp_path: Path) -> None:
    wrong = f"local.TOKEN-SCAN-WRONG-{secrets.token_hex(16)}"
    async with LocalDiscord() as server:
        build_community(server)
        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndatabase = "{tmp_path / "hearth.db"}"\nlog_level = "DEBUG"\n'
            f'[discord]\napi_base = "{server.api_base}"\ngateway_url = "{server.gateway_url}"\n'
        )
        env = {**os.environ, "DISCORD_TOKEN": wrong, "PYTHONPATH": str(ROOT), "HEARTH_CONFIG": str(config)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    output = (stdout + stderr).decode(errors="replace")
    assert proc.returncode == 1, output
    assert "Discord rejected the token" in output
    assert wrong not in output and wrong[6:] not in output


def test_an_error_carrying_the_token_is_logged_redacted(capsys) -> None:  # type: ignore[no-untyped-def]
    token = f"local.TOKEN-SCAN-{secrets.token_hex(16)}"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("DEBUG", [token])
        log = logging.getLogger("bot.test")
        log.info("connecting with %s", token)
        try:
            raise RuntimeError(f"Authorization: Bot {token} was refused")
        except RuntimeError:
            log.exception("login failed")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    err = capsys.readouterr().err
    assert token not in err and REDACTED in err and "login failed" in err
