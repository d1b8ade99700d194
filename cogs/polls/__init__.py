"""/poll: native Discord polls and Hearth's anonymous polls, closed on time with a charted result.

Thin on purpose: input rules live in bot/features/polls/rules.py, vote and close bookkeeping in
bot/features/polls/service.py, SQL in bot/storage/polls.py, the chart in bot/features/polls/chart.py.
Buttons are in views.py, embeds and texts in embeds.py.
"""

from __future__ import annotations

from bot.app import Hearth
from cogs.polls.cog import Polls


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Polls(bot))
