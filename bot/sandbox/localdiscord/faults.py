"""REST faults on demand: answer the next N matching calls with 429 or a 5xx, or hold them (a slow Discord)."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
from dataclasses import dataclass

from aiohttp import web


@dataclass
class RestFault:
    """Fail ``remaining`` calls whose method and path (after ``/api/v10``) match."""

    status: int
    remaining: int
    method: str | None = None
    path: str | None = None  # glob ("/channels/*/messages") or regex prefixed with "re:"
    retry_after: float = 0.05
    is_global: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if self.path.startswith("re:"):
            return re.search(self.path[3:], path) is not None
        return fnmatch.fnmatchcase(path, self.path)

    def response(self) -> web.Response:
        self.remaining -= 1
        self.hits += 1
        if self.status == 429:
            body = {
                "message": "You are being rate limited.",
                "code": 0,
                "retry_after": self.retry_after,
                "global": self.is_global,
            }
            headers = {
                "Content-Type": "application/json",
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(self.retry_after))),
                "X-RateLimit-Scope": "global" if self.is_global else "user",
            }
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
        body = {"message": f"{self.status}: Internal Server Error", "code": 0}
        return web.Response(
            status=self.status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )


@dataclass
class RestHold:
    """Keep the next matching call waiting until ``release()``: Discord answering slowly.

    ``arrived`` is set once such a call is waiting, so a test can act (stop the bot, say) while
    the client waits on its answer; the call then proceeds normally (or not at all, if the client
    gave up and closed its connection).
    """

    method: str | None = None
    path: str | None = None
    arrived: asyncio.Event | None = None
    released: asyncio.Event | None = None
    used: bool = False

    def __post_init__(self) -> None:
        self.arrived = asyncio.Event()
        self.released = asyncio.Event()

    def matches(self, method: str, path: str) -> bool:
        probe = RestFault(0, 1, self.method, self.path)
        return not self.used and probe.matches(method, path)

    def release(self) -> None:
        assert self.released is not None
        self.released.set()


class FaultPlan:
    """The queue of pending REST faults; the first matching rule answers."""

    def __init__(self) -> None:
        self.rules: list[RestFault] = []
        self.holds: list[RestHold] = []

    async def hold(self, method: str, path: str) -> None:
        """Wait here while a hold matches this call (then let it through)."""
        for hold in self.holds:
            if hold.matches(method, path):
                hold.used = True
                assert hold.arrived is not None and hold.released is not None
                hold.arrived.set()
                await hold.released.wait()
                self.holds.remove(hold)
                return

    def add(self, fault: RestFault) -> RestFault:
        self.rules.append(fault)
        return fault

    def take(self, method: str, path: str) -> web.Response | None:
        for rule in self.rules:
            if rule.matches(method, path):
                response = rule.response()
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                return response
        return None

    def clear(self) -> None:
        self.rules.clear()
        for hold in self.holds:
            hold.release()
        self.holds.clear()
