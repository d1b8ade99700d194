"""The plain values the questions service takes and returns: questions, posts, imports, pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.clock import from_ms
from bot.features.questions.bank import RejectedRow
from bot.platform.scheduler import Occurrence
from bot.storage.questions import QuestionRow as StoredQuestion

REPORT_REJECTED_LINES = 15


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    tag: str | None
    times_used: int
    last_used_at: datetime | None
    suggested_by: int | None
    added_by: int | None

    @classmethod
    def from_row(cls, row: StoredQuestion) -> Question:
        last = from_ms(row.last_used_at) if row.last_used_at is not None else None
        return cls(row.id, row.text, row.tag, row.times_used, last, row.suggested_by, row.added_by)


@dataclass(frozen=True)
class Pick:
    question: Question
    exhausted: bool


@dataclass(frozen=True)
class QuestionMessage:
    """What the publisher puts on Discord."""

    question_id: int
    text: str
    tag: str | None
    suggested_by: int | None
    thread_name: str


@dataclass(frozen=True)
class Published:
    """Where the publisher put it."""

    channel_id: int
    message_id: int
    thread_id: int | None
    member_count: int | None = None


class QuestionPublisher(Protocol):
    """Posts a question message and opens its thread; raises PostFailed with a moderator-readable reason."""

    async def publish(self, guild_id: int, channel_id: int, message: QuestionMessage) -> Published: ...


@dataclass(frozen=True)
class ArmAssignment:
    """An experiment's decision for one occurrence: which arm, and optionally which deck (tag)."""

    experiment_id: int
    arm: str
    swap_tag: bool = False
    tag: str | None = None


ArmHook = Callable[[Occurrence], Awaitable[ArmAssignment | None]]


@dataclass(frozen=True)
class PostResult:
    post_id: int
    question: Question
    exhausted: bool
    published: Published


@dataclass
class ImportReport:
    """The outcome of an import or starter pack: counts and every rejected row with its line."""

    added: int = 0
    duplicates: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"Added **{self.added}** question{'s' if self.added != 1 else ''}",
            f"skipped **{self.duplicates}** as duplicate{'s' if self.duplicates != 1 else ''}",
            f"rejected **{len(self.rejected)}**",
        ]
        lines = [", ".join(parts) + "."]
        for bad in self.rejected[:REPORT_REJECTED_LINES]:
            lines.append(f"• line {bad.line}: {bad.reason}" if bad.line else f"• {bad.reason}")
        if len(self.rejected) > REPORT_REJECTED_LINES:
            lines.append(f"… and {len(self.rejected) - REPORT_REJECTED_LINES} more rejected rows.")
        return "\n".join(lines)


@dataclass(frozen=True)
class QuestionPage:
    items: list[Question]
    page: int  # 1-based
    pages: int
    total: int
