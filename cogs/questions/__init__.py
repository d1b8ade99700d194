"""/question: the question bank, schedules, suggestions and the Discord side of a question post.

Thin: parse and check the interaction, call ``QuestionService`` (bot/features/questions), turn its
plain results into messages. ``DiscordQuestionPublisher`` (publisher.py) is the only code that posts a question
(embed + answer thread); scheduled occurrences and ``/question now`` both reach it through
``QuestionService.post``.
"""

from __future__ import annotations

from bot.app import Hearth
from cogs.questions.cog import Questions


async def setup(bot: Hearth) -> None:
    await bot.add_cog(Questions(bot))
