"""The sandbox's report, charts and CSVs: Hearth's own analytics, exactly as `hearth report` builds them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.core.readable import names_file
from bot.sandbox.runner import Sandbox

log = logging.getLogger(__name__)

PERIOD = "last week"  # the last simulated week, complete


async def write_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """Print the report and write it, its charts and CSVs into the output folder."""
    await sb.bot.recorder.flush()
    written = await analytics_outputs(sb, say)
    for path in written:
        say(f"  wrote {path}")
    return written


async def analytics_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """The same report as ``hearth report --db <out>/hearth.db`` (same code, same period) as of
    the simulated clock's now, printed and written with its CSV files and every section's charts.

    ``report.txt`` is the report as Hearth would post it (mentions, as ``hearth report --out``
    writes it); the printout shows names (``say`` is the sandbox's readable one), and
    ``hearth.names.csv`` beside the database lets ``hearth report`` on a terminal show them too."""
    from bot.analytics.export import csv_files
    from bot.analytics.from_database import report_from_database
    from bot.analytics.report import SECTIONS
    from bot.analytics.text import render
    from bot.charts.report import charts_for

    await build_rollups(sb)
    # As of the simulated clock, not the real one: "last week", current streaks and which weeks are
    # settled would otherwise depend on when (which day, which hour) the sandbox happened to run.
    sb.stats.report_at = sb.clock.now()
    report = await report_from_database(
        sb.bot.db,
        sb.bot.privacy.opted_out_members,
        guild_id=sb.guild.id,
        period=PERIOD,
        default_timezone="UTC",  # as `hearth report --db` (the guild has its zone set)
        now=sb.stats.report_at,
    )
    text = "\n\n".join(render(report, s) for s in SECTIONS)
    say(text)
    out = sb.config.out
    written = [out / "report.txt", names_file(sb.database)]
    written[0].write_text(text + "\n", encoding="utf-8")
    written[1].write_text(sb.names().to_csv(), encoding="utf-8")
    for name, content in csv_files(report).items():
        path = out / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    for section in SECTIONS:
        for name, png in charts_for(report, section):
            path = out / name
            path.write_bytes(png)
            written.append(path)
    return written


async def build_rollups(sb: Sandbox) -> None:
    """Run the analytics' nightly job once over the whole history (the live bot runs it every night;
    on the sandbox's fake clock housekeeping jobs don't run by themselves)."""
    for cog in sb.bot.cogs.values():
        rollups = getattr(cog, "rollups", None)
        if rollups is not None and hasattr(rollups, "rebuild"):
            await rollups.rebuild()
