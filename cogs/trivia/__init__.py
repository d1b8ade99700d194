"""/trivia: rounds, the question bank, schedules, leaderboards and seasons.

A thin adapter: commands are parsed and checked here; rounds, scoring and seasons live in
``bot.features.trivia``. Answers arrive as button clicks (``views.py``, no message content
needed); buttons are dynamic items, so a click on an old or closed question still gets a clear answer.
"""

from __future__ import annotations

from bot.app import Hearth
from cogs.trivia.cog import Trivia


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Trivia(bot))
