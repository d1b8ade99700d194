"""Permissions revoked on a scheduled channel, DST changes in two zones and wall-clock jumps.

The clock tests register a probe schedule kind on the real bot's scheduler: it counts every
post the scheduler asks for, so "no duplicate, at most one late post" is checked on the
scheduler every feature shares.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

from bot.core.clock import from_ms
from bot.platform.scheduler import Occurrence
from bot.sandbox.localdiscord.testing import build_community
from bot.storage.guilds import GuildConfig
from tests.reliability.conftest import World
from tests.reliability.test_rest_faults import occurrence_statuses, status_text

DAILY = frozenset(range(7))


# -- permissions ------------------------------------------------------------------------------------
async def test_revoked_send_messages_fails_that_occurrence_by_name_and_other_schedules_keep_running(
    world: World,
) -> None:
    announcements = world.community.announcements
    for i in range(4):
        await world.command(world.moderator, "question add", text=f"Question {i}?")
    for channel in (world.general, announcements):
        answer = await world.command(world.moderator, "question schedule", channel=channel, time="09:00", days="daily")
        assert "Scheduled" in await answer.text()
    world.server.set_bot_permission(world.general, send_messages=False)
    await world.settle()

    await world.advance(hours=1, minutes=1)
    assert world.server.sent_by_bot(world.general) == []
    assert len(world.server.sent_by_bot(announcements)) == 1  # the other schedule ran
    occurrences = await world.bot.scheduler.repo.occurrences(world.guild.id)
    failed = [o for o in occurrences if o.status == "failed"]
    assert len(failed) == 1 and "Send Messages" in (failed[0].detail or "")
    status = await status_text(world)
    assert "Send Messages" in status and "#general" in status  # moderators are told what and where

    await world.advance(days=1)  # still failing in #general, still posting in #announcements
    assert len(world.server.sent_by_bot(announcements)) == 2
    assert sorted(s for _, s in await occurrence_statuses(world)) == ["failed", "failed", "posted", "posted"]


# -- the clock --------------------------------------------------------------------------------------
class Probe:
    """A schedule kind whose handler only counts what it was asked to post."""

    def __init__(self, world: World) -> None:
        self.posts: Counter[tuple[int, str]] = Counter()  # (schedule, local date) -> posts
        self.late: list[tuple[int, str]] = []
        self.due: dict[tuple[int, str], datetime] = {}
        world.bot.scheduler.on_schedule("probe", self.handle)

    async def handle(self, occurrence: Occurrence) -> int | None:
        key = (occurrence.schedule.id, occurrence.key)
        self.posts[key] += 1
        self.due[key] = occurrence.due_at
        if occurrence.late:
            self.late.append(key)
        return None


async def test_dst_changes_in_two_zones_post_each_local_day_exactly_once(world: World) -> None:
    bot, server = world.bot, world.server
    other = build_community(server, name="New York Guild")
    await server.flush()
    await bot.guilds_repo.save(GuildConfig(world.guild.id, "Europe/Berlin"), 0)
    await bot.guilds_repo.save(GuildConfig(other.guild.id, "America/New_York"), 0)
    probe = Probe(world)
    schedules = {}
    for guild, zone in ((world.guild, "Europe/Berlin"), (other.guild, "America/New_York")):
        for at in (time(1, 30), time(2, 30)):  # 02:30 is skipped in spring; 01:30 (NY) / 02:30 (Berlin) repeat in fall
            row = await bot.scheduler.add_schedule(guild.id, "probe", None, at, DAILY)
            schedules[row.id] = (zone, at)

    windows = [  # the changes of 2026: NY spring, Berlin spring, Berlin fall, NY fall
        datetime(2026, 3, 7, 12, tzinfo=UTC),
        datetime(2026, 3, 28, 12, tzinfo=UTC),
        datetime(2026, 10, 24, 12, tzinfo=UTC),
        datetime(2026, 10, 31, 12, tzinfo=UTC),
    ]
    step = timedelta(minutes=1)
    for start in windows:
        world.clock.set(start)
        await bot.scheduler.run_due()
        probe.posts.clear()
        probe.late.clear()
        seen_before = set(probe.due)
        end = start + timedelta(days=2)
        while world.clock.now() < end:
            # Minute steps where a 01:30-03:30 local time of either zone can fall (UTC 23-02 and 05-08), else
            # 30-minute steps: a probe post is never more than a minute late, so none may be marked late.
            fine = world.clock.now().hour in (23, 0, 1, 5, 6, 7)
            world.clock.advance(step if fine else timedelta(minutes=30))
            await bot.scheduler.run_due()
        days = {key for key in probe.posts if key not in seen_before}
        # Two local days per window, for each of the four schedules: every one posted once, none late.
        assert all(count == 1 for count in probe.posts.values()), probe.posts
        assert len(days) >= 2 * len(schedules) - 1, sorted(days)
        assert probe.late == []
    in_windows = [
        o
        for guild in (world.guild, other.guild)
        for o in await bot.scheduler.repo.occurrences(guild.id)
        if any(w <= from_ms(o.due_at) <= w + timedelta(days=2) for w in windows)
    ]
    assert in_windows and {o.status for o in in_windows} == {"posted"}
    # The skipped 02:30 was posted at 03:30 local (daylight time), the repeated time at its first instance.
    berlin_spring = next(
        v
        for (sid, day), v in probe.due.items()
        if day == "2026-03-29" and schedules[sid] == ("Europe/Berlin", time(2, 30))
    )
    assert berlin_spring == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    ny_fall = next(
        v
        for (sid, day), v in probe.due.items()
        if day == "2026-11-01" and schedules[sid] == ("America/New_York", time(1, 30))
    )
    assert ny_fall == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first of the two


async def test_a_wall_clock_jump_posts_at_most_once_late_within_grace_and_records_the_rest_as_missed(
    world: World,
) -> None:
    bot = world.bot
    probe = Probe(world)
    row = await bot.scheduler.add_schedule(world.guild.id, "probe", None, time(9, 0), DAILY)
    # Monday 08:00 -> the laptop sleeps until Wednesday 10:00 (1 h after the 09:00 post, inside the 2 h grace).
    world.clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))
    for _ in range(3):  # the sweep, APScheduler's wake-up and a restart-like start() all run it
        await bot.scheduler.run_due()
    await bot.scheduler.run_schedule(row.id, world.guild.id)
    assert probe.posts == Counter({(row.id, "2026-03-04"): 1})
    assert probe.late == [(row.id, "2026-03-04")]
    # Sleep again, this time past the grace: Thursday's 09:00 is recorded as missed, not posted.
    world.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    await bot.scheduler.run_due()
    await world.restart()
    await world.bot.scheduler.run_due()
    assert sum(probe.posts.values()) == 1
    found = {o.occurrence_key: o.status for o in await world.bot.scheduler.repo.occurrences(world.guild.id)}
    assert found == {"2026-03-04": "late", "2026-03-05": "missed"}
    # Back to normal: Friday posts on time, once.
    world.clock.set(datetime(2026, 3, 6, 9, 0, 30, tzinfo=UTC))
    probe2 = Probe(world)  # the restarted bot needs the kind registered again
    await world.bot.scheduler.run_due()
    assert probe2.posts == Counter({(row.id, "2026-03-06"): 1}) and probe2.late == []
