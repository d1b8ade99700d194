"""/giveaway: auditable giveaways. The cog lists the commands; buttons in views.py, posts in embeds.py.

Bookkeeping is bot/features/giveaways/service.py, rules and the draw beside it, SQL in bot/storage/giveaways.py.
"""

from __future__ import annotations

from bot.app import Hearth
from cogs.giveaways.cog import Giveaways


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Giveaways(bot))
