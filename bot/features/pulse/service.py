"""Pulse bookkeeping without Discord: the schedule, answers (latest counts), comments and closing.

Answers are stored under a keyed hash scoped to the survey, with no time, and the hashes are
dropped when the survey closes: what stays is scores and comments nobody can attribute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.analytics.voice import Nps, nps_of
from bot.core.clock import Clock, from_ms, to_ms
from bot.core.localtime import zone
from bot.features.pulse import rules
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder
from bot.platform.sealing import Sealer
from bot.storage.pulse import PulseRepository, PulseScheduleRow, SurveyRow

log = logging.getLogger(__name__)


class SurveyClosed(Exception):
    pass


@dataclass(frozen=True)
class Closing:
    survey: SurveyRow
    result: Nps
    previous: Nps | None  # the survey before, for "change since the last survey"
    comments: list[str]

    @property
    def change(self) -> float | None:
        if self.previous is None or self.previous.value is None or self.result.value is None:
            return None
        return self.result.value - self.previous.value


class PulseService:
    def __init__(
        self,
        repo: PulseRepository,
        sealer: Sealer,
        privacy: PrivacyService,
        recorder: Recorder,
        clock: Clock,
        timezone_of: Callable[[int], str],
    ) -> None:
        self.repo = repo
        self._sealer = sealer
        self._privacy = privacy
        self._recorder = recorder
        self._clock = clock
        self._tz = timezone_of
        self._close_locks: dict[int, asyncio.Lock] = {}

    def _hash(self, survey_id: int, member_id: int) -> str:
        scope = f"pulse:{survey_id}"
        if self._sealer.available:  # key outside the database (docs/feedback.md)
            return self._sealer.tag(scope, member_id)
        return self._privacy.scoped_hash(scope, member_id)

    def local_day(self, guild_id: int, moment: datetime) -> int:
        return moment.astimezone(zone(self._tz(guild_id))).date().toordinal()

    # -- schedule ---------------------------------------------------------------------------
    async def schedule(
        self, guild_id: int, channel_id: int, every: str, open_days: int, by: int
    ) -> PulseScheduleRow:
        """Save the schedule; the first survey is due now."""
        every = rules.check_every(every)
        open_days = rules.check_open_days(open_days)
        now = to_ms(self._clock.now())
        await self.repo.save_schedule(guild_id, channel_id, every, open_days, now, by, now)
        row = await self.repo.schedule(guild_id)
        assert row is not None
        return row

    def following(self, guild_id: int, schedule: PulseScheduleRow) -> datetime:
        """When the survey after the one due at ``schedule.next_at`` goes out (same local time)."""
        local = from_ms(schedule.next_at).astimezone(zone(self._tz(guild_id)))
        return rules.next_survey(local, schedule.every)

    async def open_due(self, guild_id: int) -> tuple[SurveyRow | None, PulseScheduleRow | None]:
        """Open the due survey once (a double fire or restart opens nothing new); advance the schedule."""
        schedule = await self.repo.schedule(guild_id)
        now = self._clock.now()
        if schedule is None or from_ms(schedule.next_at) > now:
            return None, schedule
        closes = now + timedelta(days=schedule.open_days)
        survey = await self.repo.open_survey(guild_id, schedule.channel_id, schedule.next_at, to_ms(closes))
        await self.repo.set_next(guild_id, to_ms(self.following(guild_id, schedule)))
        return survey, await self.repo.schedule(guild_id)

    # -- answers ----------------------------------------------------------------------------
    async def _open_survey(self, guild_id: int, survey_id: int) -> SurveyRow:
        survey = await self.repo.survey(guild_id, survey_id)
        if survey is None or survey.status != "open" or to_ms(self._clock.now()) >= survey.closes_at:
            raise SurveyClosed()
        return survey

    async def answer(self, guild_id: int, survey_id: int, member_id: int, score: int) -> tuple[SurveyRow, bool]:
        """A member's score (their latest counts); True when it replaced an earlier answer."""
        score = rules.check_score(score)
        survey = await self._open_survey(guild_id, survey_id)
        replaced = await self.repo.answer(guild_id, survey_id, self._hash(survey_id, member_id), score)
        self._recorder.record(
            Activity(
                guild_id, "survey_answer", member_id, self._clock.now(), f"survey:{survey_id}:{member_id}",
                channel_id=survey.channel_id, message_id=survey.message_id, post_id=survey.post_id,
            )
        )
        return survey, replaced

    async def comment(self, guild_id: int, survey_id: int, member_id: int, text: str | None) -> bool:
        value = rules.check_comment(text)
        await self._open_survey(guild_id, survey_id)
        if value is None:
            return False
        return await self.repo.comment(guild_id, survey_id, self._hash(survey_id, member_id), value)

    async def my_score(self, guild_id: int, survey_id: int, member_id: int) -> int | None:
        return await self.repo.my_score(survey_id, self._hash(survey_id, member_id))

    # -- closing ----------------------------------------------------------------------------
    async def close(self, guild_id: int, survey_id: int) -> Closing | None:
        """Close once: None when it was already closed (a timer run twice, a restart)."""
        lock = self._close_locks.setdefault(survey_id, asyncio.Lock())
        async with lock:
            survey = await self.repo.survey(guild_id, survey_id)
            if survey is None or survey.status != "open":
                return None
            result = nps_of(await self.repo.scores(guild_id, survey_id))
            # Comments are shown on the NPS's terms: with fewer answers a comment could point at its author.
            comments = await self.repo.comments(guild_id, survey_id) if result.shown else []
            now = self._clock.now()
            counts = (result.promoters, result.passives, result.detractors)
            if not await self.repo.close(guild_id, survey_id, to_ms(now), self.local_day(guild_id, now), counts):
                return None
            earlier = [s for s in await self.repo.closed_surveys(guild_id) if s.id != survey_id]
            previous = (
                Nps(earlier[-1].promoters or 0, earlier[-1].passives or 0, earlier[-1].detractors or 0)
                if earlier else None
            )
            closed = await self.repo.survey(guild_id, survey_id)
            assert closed is not None
            return Closing(closed, result, previous, comments)

    async def latest_comments(self, guild_id: int) -> tuple[SurveyRow, list[str]] | None:
        closed = await self.repo.closed_surveys(guild_id)
        if not closed:
            return None
        last = closed[-1]
        shown = Nps(last.promoters or 0, last.passives or 0, last.detractors or 0).shown
        return last, (await self.repo.comments(guild_id, last.id) if shown else [])

    async def forget_member(self, guild_id: int, member_id: int) -> None:
        """Forget-me: a member's answers to open surveys go (closed ones no longer point at anyone)."""
        for survey_id in await self.repo.open_survey_ids(guild_id):
            await self.repo.delete_answer(guild_id, survey_id, self._hash(survey_id, member_id))

    async def stop(self, guild_id: int) -> bool:
        return await self.repo.remove_schedule(guild_id)
