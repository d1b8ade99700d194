"""/feedback: the feedback box (named or anonymous), moderators' answers, upvotes and the digest.

Thin on purpose: rules live in bot/features/feedback/rules.py, bookkeeping in
bot/features/feedback/service.py, SQL in bot/storage/feedback.py, the anonymity key in
bot/platform/sealing.py. Buttons and modals are in views.py, embeds and texts in embeds.py.
"""

from __future__ import annotations

from bot.app import Hearth
from cogs.feedback.cog import Feedback


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Feedback(bot))
