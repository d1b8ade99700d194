"""What a Hearth post said, for the dashboard's posts page: Hearth's own texts, never a member's message.

A post's ``ref_id`` names its feature's row: the question asked, a poll's question and options, a
contest's theme, a giveaway's prize, a trivia round's category. One query per page, joined on the
period's posts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.storage.database import Database


@dataclass(frozen=True)
class PostText:
    post_id: int
    channel_id: int
    message_id: int
    text: str | None  # the question, the poll's question, the theme, the prize, the category
    options: tuple[str, ...] = ()  # a poll's options


class PostTextRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def in_range(self, guild_id: int, since_ms: int, until_ms: int) -> list[PostText]:
        rows = await self._db.fetchall(
            "SELECT p.id, p.kind, p.channel_id, p.message_id, q.text AS question, pl.question AS poll_question, "
            "pl.options AS poll_options, c.theme, g.prize, t.category "
            "FROM posts p "
            "LEFT JOIN questions q ON p.kind = 'question' AND q.guild_id = p.guild_id AND q.id = p.ref_id "
            "LEFT JOIN polls pl ON p.kind = 'poll' AND pl.guild_id = p.guild_id AND pl.id = p.ref_id "
            "LEFT JOIN contests c ON p.kind = 'contest' AND c.guild_id = p.guild_id AND c.id = p.ref_id "
            "LEFT JOIN giveaways g ON p.kind = 'giveaway' AND g.guild_id = p.guild_id AND g.id = p.ref_id "
            "LEFT JOIN trivia_rounds t ON p.kind = 'trivia' AND t.guild_id = p.guild_id AND t.id = p.ref_id "
            "WHERE p.guild_id = ? AND p.posted_at >= ? AND p.posted_at < ? ORDER BY p.posted_at",
            (guild_id, since_ms, until_ms),
        )
        out = []
        for r in rows:
            options: tuple[str, ...] = ()
            if r["poll_options"]:
                try:
                    options = tuple(str(o) for o in json.loads(r["poll_options"]))
                except (ValueError, TypeError):
                    options = ()
            text = r["question"] or r["poll_question"] or r["theme"] or r["prize"]
            if text is None and r["kind"] == "trivia":
                text = f"Trivia: {r['category'] or 'every category'}"
            out.append(PostText(r["id"], r["channel_id"], r["message_id"], text, options))
        return out
