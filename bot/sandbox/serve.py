"""`hearth sandbox --serve`: keep the local Discord and Hearth running and drive them from a REPL.

One command a line on standard input (documented in docs/sandbox.md); every bot message that
results is printed. The clock only moves when told (``advance``).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.sandbox.runner import Sandbox, describe

HELP = """Commands (NAME is a member such as alice or maya, the moderator; MSG is a message id from `posts`):
  say NAME text...               post in #general
  reply NAME MSG text...         reply to a message
  react NAME MSG EMOJI           react to a message
  vote NAME MSG N                vote for answer N of a native poll
  click NAME MSG CUSTOM_ID       press a button (ids are shown by `posts`)
  cmd NAME "poll create" key=value ...   run a slash command (#channel, @member, &role; numbers as numbers)
  advance 2h | 30m | 1d          move the clock; the scheduler runs and the community acts
  posts                          Hearth's last 10 messages with ids and buttons
  members                        some member names
  help | quit"""
DURATION = re.compile(r"^(\d+)([mhd])$")


def parse_duration(text: str) -> timedelta:
    match = DURATION.match(text.strip())
    if not match:
        raise ValueError("write a duration like 30m, 2h or 1d")
    n, unit = int(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]


class Repl:
    """Turns one line into a verb on the local Discord; returns what to print."""

    def __init__(self, sb: Sandbox, say: Callable[[str], None]) -> None:
        self.sb = sb
        self.say = say

    def member(self, name: str) -> Any:
        guild = self.sb.guild
        found = next((m for m in guild.members.values() if m.name == name.lstrip("@")), None)
        if found is None:
            raise ValueError(f"no member named {name!r} (try `members`)")
        return found

    def message(self, text: str) -> Any:
        msg = self.sb.server.messages.get(int(text))
        if msg is None:
            raise ValueError(f"no message {text} (try `posts`)")
        return msg

    def option(self, value: str) -> Any:
        guild = self.sb.guild
        if value.startswith("#"):
            return next(c for c in guild.channels.values() if c.name == value[1:])
        if value.startswith("@"):
            return self.member(value)
        if value.startswith("&"):
            return next(r for r in guild.roles.values() if r.name == value[1:])
        if value.lstrip("-").isdigit():
            return int(value)
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value

    async def handle(self, line: str) -> bool:
        """Run one line; False means quit."""
        words = shlex.split(line)
        if not words:
            return True
        verb, args = words[0].lower(), words[1:]
        sb, server = self.sb, self.sb.server
        mark = server.mark()
        if verb in ("quit", "exit"):
            return False
        if verb == "help":
            self.say(HELP)
        elif verb == "members":
            names = sorted(m.name for m in sb.guild.members.values() if not m.user.bot)
            self.say(f"{len(names)} members: " + ", ".join(names[:40]) + (" …" if len(names) > 40 else ""))
        elif verb == "posts":
            for msg in server.sent_by_bot()[-10:]:
                ids = [c.get("custom_id") for row in msg.components for c in row.get("components", [])]
                extra = f"  ids: {', '.join(i for i in ids if i)}" if any(ids) else ""
                self.say(f"  {msg.id}  {describe(msg)}{extra}")
        elif verb == "say":
            await server.say(self.member(args[0]), sb.general, " ".join(args[1:]))
        elif verb == "reply":
            await server.reply(self.member(args[0]), self.message(args[1]), " ".join(args[2:]))
        elif verb == "react":
            await server.react(self.member(args[0]), self.message(args[1]), args[2])
        elif verb == "vote":
            await server.vote(self.member(args[0]), self.message(args[1]), int(args[2]))
        elif verb == "click":
            result = await server.click(self.member(args[0]), self.message(args[1]), args[2])
            self.say("  → " + (await result.text(timeout=5) or "(no text)"))
        elif verb == "cmd":
            options = dict(a.split("=", 1) for a in args[2:])
            result = await server.run_command(
                self.member(args[0]), sb.general, args[1], {k: self.option(v) for k, v in options.items()}
            )
            self.say("  → " + (await result.text(timeout=10) or "(no text)"))
        elif verb == "advance":
            await sb.advance(sb.clock.now() + parse_duration(args[0]))
            self.say(f"  now {sb.stamp()}")
        else:
            self.say(f"unknown command {verb!r}; type help")
        await sb._settle()
        for msg in server.sent_by_bot():
            if msg.order > mark:
                self.say(f"  Hearth: {describe(msg)}  (id {msg.id})")
        return True


async def serve_forever(sb: Sandbox, say: Callable[[str], None]) -> None:
    """Read commands from standard input until EOF or `quit`."""
    from bot.sandbox.dashboard import serve_dashboard

    guild = sb.guild
    plain = next(m for m in guild.members.values() if not m.user.bot and m.id not in (guild.owner_id, sb.moderator.id))
    dashboard = await serve_dashboard(sb.server, sb.bot, login_as=[sb.moderator.id, guild.owner_id, plain.id])
    say(f"\nServing: local Discord at {sb.server.api_base} (token {sb.server.token}); clock {sb.stamp()}.")
    say(f"Dashboard: {dashboard.url}/ (log in as maya the moderator, the owner, or {plain.name}, a plain member)")
    say(HELP)
    try:
        await _read_commands(sb, say)
    finally:
        await dashboard.stop()


async def _read_commands(sb: Sandbox, say: Callable[[str], None]) -> None:
    repl = Repl(sb, say)
    loop = asyncio.get_running_loop()
    while True:
        say("sandbox> ")
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        try:
            if not await repl.handle(line.strip()):
                break
        except (ValueError, IndexError, LookupError, PermissionError) as exc:
            say(f"  ! {exc}")
