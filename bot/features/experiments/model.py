"""What an A/B test is as moderators see it: the test, one occurrence's arm, the figures per arm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.analytics.stats import Rate
from bot.features.experiments.rules import Verdict
from bot.storage.experiments import ExperimentRow


class InvalidExperiment(ValueError):
    """Input a moderator can fix; ``str()`` says what to fix."""


@dataclass(frozen=True)
class Experiment:
    """A test as moderators see it."""

    row: ExperimentRow

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def factor(self) -> str:
        return self.row.factor

    @property
    def running(self) -> bool:
        return self.row.status == "running"

    def value(self, arm: str) -> str:
        return self.row.arm_a if arm == "A" else self.row.arm_b

    def describe(self) -> str:
        """e.g. 'slot: A 09:00 vs B 18:00 on schedule #1'."""
        return f"{self.factor}: A {self.row.arm_a} vs B {self.row.arm_b} on schedule #{self.row.schedule_id}"

    @property
    def winner(self) -> str | None:
        """'A' or 'B' once the test ended with a winner."""
        if self.row.outcome == "A wins":
            return "A"
        if self.row.outcome == "B wins":
            return "B"
        return None


@dataclass(frozen=True)
class Decision:
    """What one occurrence posts under a running test."""

    experiment_id: int
    factor: str
    arm: str
    value: str  # the arm's time, tag or kind


@dataclass(frozen=True)
class ArmFigures:
    arm: str
    value: str
    posts: int
    responders: int
    base: int

    @property
    def rate(self) -> Rate:
        return Rate(self.responders, self.base)


@dataclass(frozen=True)
class ExperimentStatus:
    experiment: Experiment
    a: ArmFigures
    b: ArmFigures
    verdict: Verdict
    planned: int
    posted: int
    collecting: int  # posts still inside their 24 h window (not counted yet)
    ends_at: datetime

    def verdict_text(self) -> str:
        """'A wins', 'B wins' or 'inconclusive so far (needs about N more posts per arm)'."""
        v = self.verdict
        if v.outcome != "inconclusive":
            return v.outcome
        if v.more_posts_needed is None:
            return "inconclusive so far (no difference to estimate from yet)"
        more = v.more_posts_needed
        return f"inconclusive so far (needs about {more} more post{'s' if more != 1 else ''} per arm)"
