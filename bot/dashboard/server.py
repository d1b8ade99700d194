"""Starting and stopping the dashboard's web server (``hearth run``, ``hearth dashboard``, the sandbox)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from bot.dashboard.app import build_app
from bot.dashboard.backend import Backend
from bot.dashboard.config import DashboardConfig

log = logging.getLogger(__name__)


@dataclass
class RunningDashboard:
    runner: web.AppRunner
    backend: Backend
    port: int
    host: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()
        await self.backend.close()


async def start_dashboard(backend: Backend, config: DashboardConfig, api_base: str) -> RunningDashboard:
    app = build_app(backend, config, api_base)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    log.info("dashboard on http://%s:%s (public address %s)", config.host, port, config.public_url)
    return RunningDashboard(runner, backend, port, config.host)
