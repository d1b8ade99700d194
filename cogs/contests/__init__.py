"""/contest: submission contests (submit, vote, winners). The cog lists the commands; the vote button
is in views.py, posts and texts in embeds.py.

Bookkeeping is bot/features/contests/service.py, rules beside it, SQL in bot/storage/contests.py.
"""

from __future__ import annotations

from bot.app import Hearth
from cogs.contests.cog import Contests


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Contests(bot))
