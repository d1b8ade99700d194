"""One guild's report from its database alone: what `hearth report`, `hearth export` and the sandbox print.

The same ``build_report`` as /report with the same opt-out exclusion, so the offline numbers are
the bot's numbers.
"""

from __future__ import annotations

from datetime import datetime

from bot.analytics.report import Report, build_report, parse_period
from bot.analytics.rollups import ExcludedCheck, excluded_members
from bot.core.localtime import zone
from bot.storage import Database
from bot.storage.analytics import AnalyticsRepository
from bot.storage.guilds import GuildRepository

HISTORY_DAYS = 7 * 9 + 28  # the report's baselines look back this far before the period


class ReportUnavailable(Exception):
    """Why no report can be built (``str()`` says what to pass instead)."""


async def choose_guild(guilds: GuildRepository, guild_id: int | None) -> int:
    """``guild_id``, or the database's only guild when none is given."""
    if guild_id is not None:
        return guild_id
    found = await guilds.guilds_with_data()
    if len(found) != 1:
        listed = ", ".join(map(str, found)) or "none"
        raise ReportUnavailable(f"pass --guild ID (guilds in this database: {listed})")
    return found[0]


async def report_from_database(
    db: Database,
    opted_out: ExcludedCheck,
    *,
    guild_id: int | None,
    period: str,
    default_timezone: str,
    now: datetime,
) -> Report:
    """The report of ``period`` ("last week", "28 days", "2026-W47", ...) as of ``now``."""
    guilds = GuildRepository(db, default_timezone)
    await guilds.load_all()
    guild_id = await choose_guild(guilds, guild_id)
    tz = guilds.timezone(guild_id)
    try:
        chosen = parse_period(period, now.astimezone(zone(tz)).date())
    except ValueError as exc:
        raise ReportUnavailable(str(exc)) from exc
    repo = AnalyticsRepository(db)
    excluded = await excluded_members(repo, opted_out, guild_id, chosen.first_day - HISTORY_DAYS)
    return await build_report(repo, guild_id, chosen, tz, now=now, excluded=excluded, with_days=True)
