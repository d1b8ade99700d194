"""The recorder's local day and hour, cached per time zone and 15-minute UTC slot (LocalHours),
against the uncached conversion around every offset change of zones with odd ones: DST, 30-minute
DST (Lord Howe), St. John's changes at 00:01 local (inside a slot), +05:30 and +05:45, and local
mean time before 1900 (offsets in seconds)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from itertools import pairwise
from zoneinfo import ZoneInfo, _common, _tzpath, available_timezones

import pytest

import bot.core.localtime as localtime
from bot.core.clock import FakeClock, to_ms
from bot.core.localtime import EXACT_MS_LIMIT, SLOT_MS, LocalHours, day_and_hour_of_week
from bot.core.settings import RecorderSettings
from bot.platform.privacy import PrivacyService
from bot.platform.recorder import Activity, Recorder
from bot.storage import Database
from bot.storage.activity import ActivityRepository, MetaRepository, OptOutRepository
from bot.storage.guilds import GuildConfig, GuildRepository

ZONES = (
    "Europe/Berlin",  # LMT +00:53:28 until 1893-04-01, changed at 23:06:32 UTC (inside a slot)
    "America/New_York",
    "Australia/Lord_Howe",  # +10:30, DST +11:00
    "America/St_Johns",  # -03:30:52 until 1935; 1987-2011 changes at 00:01 local (03:31 UTC)
    "Asia/Kolkata",
    "Asia/Kathmandu",  # +05:30 until 1986, then +05:45
)
US = timedelta(microseconds=1)


def tzif(tz: str) -> tuple:
    path = _tzpath.find_tzfile(tz)
    if path is not None:
        with open(path, "rb") as f:
            return _common.load_data(f)
    package, _, name = f"tzdata.zoneinfo.{tz}".replace("/", ".").rpartition(".")
    with resources.files(package).joinpath(name).open("rb") as f:
        return _common.load_data(f)


def changes(tz: str) -> list[datetime]:
    """The zone's UTC offset changes its tzdata lists, and this year's (from its rule) by sampling."""
    listed = [datetime.fromtimestamp(t, UTC) for t in tzif(tz)[1] if abs(t) * 1000 < EXACT_MS_LIMIT]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    hours = [start + timedelta(hours=h) for h in range(366 * 24)]
    ruled = [b for a, b in pairwise(hours)
             if a.astimezone(ZoneInfo(tz)).utcoffset() != b.astimezone(ZoneInfo(tz)).utcoffset()]
    return listed + ruled


def around(change: datetime) -> Iterator[datetime]:
    """Instants from 75 minutes before a change to 75 after, in time order: every minute plus 7.25 s
    (so every slot is met first before the change and then after it), and the change itself +- 1 us."""
    start = change.replace(second=0, microsecond=0) - timedelta(minutes=75)
    for minute in range(150):
        yield start + timedelta(minutes=minute, seconds=7, microseconds=250_000)
        if start + timedelta(minutes=minute) <= change < start + timedelta(minutes=minute + 1):
            yield from (change - US, change, change + US)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """A recorder with guild n in ZONES[n] (not started: row() and record() need no writer)."""
    db = await Database.open(":memory:")
    await db.migrate()
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    guilds = GuildRepository(db, "UTC")
    for n, tz in enumerate(ZONES):
        await guilds.save(GuildConfig(n, tz), 0)
    repo = ActivityRepository(db)
    privacy = PrivacyService(OptOutRepository(db), repo, MetaRepository(db), clock)
    await privacy.load()
    yield Recorder(repo, guilds, privacy, clock, RecorderSettings(max_queue=1_000_000))
    await db.close()


@pytest.mark.parametrize("tz", ZONES)
async def test_the_recorded_local_day_and_hour_are_the_uncached_ones_around_every_offset_change(
    recorder: Recorder, tz: str
) -> None:
    guild = ZONES.index(tz)
    seen = 0
    for change in changes(tz):
        for moment in around(change):
            row = recorder.row(Activity(guild, "message", 7, moment, f"m:{moment.isoformat()}"))
            assert (row[10], row[11], row[13]) == (to_ms(moment), *day_and_hour_of_week(moment, tz)), moment
            seen += 1
    assert seen > 300


async def test_record_queues_the_row_with_the_uncached_local_hour(recorder: Recorder) -> None:
    # St. John's sprang forward at 00:01 local on 2010-03-14: 03:31 UTC, inside the 03:30 slot.
    before, after = datetime(2010, 3, 14, 3, 30, 30, tzinfo=UTC), datetime(2010, 3, 14, 3, 44, tzinfo=UTC)
    guild = ZONES.index("America/St_Johns")
    for n, moment in enumerate((before, after)):
        assert recorder.record(Activity(guild, "message", 7, moment, f"m:{n}"))
    queued = [(row[11], row[13]) for row in recorder._queue]
    assert queued == [day_and_hour_of_week(before, "America/St_Johns"), day_and_hour_of_week(after, "America/St_Johns")]
    assert queued[0][1] % 24 == 0 and queued[1][1] % 24 == 1  # 00:00 NST, then 01:13 NDT


def counted(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    calls: list[datetime] = []
    real = localtime.day_and_hour_of_week

    def counting(moment: datetime, tz: str) -> tuple[int, int]:
        calls.append(moment)
        return real(moment, tz)

    monkeypatch.setattr(localtime, "day_and_hour_of_week", counting)
    return calls


def test_a_day_of_minutes_is_96_conversions_and_a_day_in_local_mean_time_is_every_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls, hours = counted(monkeypatch), LocalHours()
    for start in (datetime(2026, 6, 1, tzinfo=UTC), datetime(1890, 6, 1, tzinfo=UTC)):
        for minute in range(24 * 60):
            moment = start + timedelta(minutes=minute, seconds=30)
            hours.day_and_hour_of_week(moment, to_ms(moment), "Europe/Berlin")
    assert len(calls) == 96 + 24 * 60  # 2026: one per slot; 1890 (+00:53:28): every instant


def test_the_cache_is_bounded_and_starts_again_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, hours = counted(monkeypatch), LocalHours(max_slots=8)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for lap in range(2):
        for slot in range(10):
            moment = start + timedelta(minutes=15 * slot, seconds=1)
            expected = day_and_hour_of_week(moment, "Asia/Kathmandu")
            assert hours.day_and_hour_of_week(moment, to_ms(moment), "Asia/Kathmandu") == expected
        assert len(hours._slots) <= 8, lap
    assert len(calls) == 10 + 10  # the second lap converts every slot again: at most 8 were kept


@pytest.mark.parametrize("base", [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(1893, 4, 1, tzinfo=UTC),
                                  datetime(1969, 12, 31, 23, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC),
                                  datetime(2100, 1, 1, tzinfo=UTC)])
def test_instants_a_hair_either_side_of_an_hour_get_their_own_hour(base: datetime) -> None:
    """Slots are keyed by to_ms, a float rounded toward zero: it must never carry an instant into
    the next or the previous slot where the cache is used (around 1970, a slot's start and 2100 too:
    each instant a whole number of ms off the hour, and 1 us either side; two laps, so every slot
    is met again once cached)."""
    hours = LocalHours()
    moments = [base + timedelta(milliseconds=ms, microseconds=us) for ms in range(-2000, 2001) for us in (-1, 0, 1)]
    for lap in (moments, moments[::-1]):
        for moment in lap:
            expected = day_and_hour_of_week(moment, "UTC")
            assert hours.day_and_hour_of_week(moment, to_ms(moment), "UTC") == expected, moment
    assert any(found is not None for found in hours._slots.values())


def test_no_zone_changes_its_offset_twice_within_a_slot() -> None:
    """The premise of checking a slot's offset at its two ends only (LocalHours): in the installed
    tzdata, listed changes are at least 15 minutes apart, and a zone's DST rule changes a day apart."""
    for tz in sorted(available_timezones()):
        data = tzif(tz)
        listed = data[1]
        assert all(b - a >= SLOT_MS // 1000 for a, b in pairwise(listed)), tz
        if b"," in data[-1]:  # a DST rule for the years after the list: two changes a year
            start = datetime(2031, 1, 1, tzinfo=UTC)
            steps = [start + timedelta(hours=3 * n) for n in range(365 * 8 + 1)]
            offsets = [s.astimezone(ZoneInfo(tz)).utcoffset() for s in steps]
            found = [n for n in range(1, len(steps)) if offsets[n] != offsets[n - 1]]
            assert len(found) == 2 and found[1] - found[0] >= 8, tz
