"""The sandbox's report, charts and CSVs: Hearth's own analytics, exactly as `hearth report` builds them."""

from __future__ import annotations

import argparse
import csv
import io
import logging
from collections.abc import Callable
from pathlib import Path

from bot.sandbox.runner import Sandbox

log = logging.getLogger(__name__)

PERIOD = "last week"  # the last simulated week, complete


async def write_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """Print the report and write it, its charts and CSVs into the output folder."""
    await sb.bot.recorder.flush()
    try:
        from bot import report_cli  # noqa: F401  (the analytics feature)
    except ImportError:
        written = fallback_outputs(sb, say)
    else:
        written = await analytics_outputs(sb, say)
    for path in written:
        say(f"  wrote {path}")
    return written


async def analytics_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """The same report as ``hearth report --db <out>/hearth.db`` (same code, same period) as of
    the simulated clock's now, printed and written with its CSV files and every section's charts."""
    from bot import report_cli
    from bot.analytics.export import csv_files
    from bot.analytics.report import SECTIONS
    from bot.analytics.text import render
    from bot.charts.report import charts_for

    await build_rollups(sb)
    args = argparse.Namespace(db=str(sb.database), guild=sb.guild.id, period=PERIOD, config=None)
    # As of the simulated clock, not the real one: "last week", current streaks and which weeks are
    # settled would otherwise depend on when (which day, which hour) the sandbox happened to run.
    sb.stats.report_at = sb.clock.now()
    report = await report_cli._report(sb.bot.db, sb.bot.privacy, args, now=sb.stats.report_at)
    if report is None:
        return fallback_outputs(sb, say)
    text = "\n\n".join(render(report, s) for s in SECTIONS)
    say(text)
    out = sb.config.out
    written = [out / "report.txt"]
    written[0].write_text(text + "\n", encoding="utf-8")
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


def fallback_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """Without the analytics feature: what the sandbox itself counted (not Hearth's report)."""
    from bot.charts.style import new_figure, to_png

    out = sb.config.out
    lines = ["Sandbox summary (this build has no analytics report; these are the sandbox's own counts):"]
    lines.append(f"  member actions: {sb.stats.events:,}; joined {sb.stats.joins}, left {sb.stats.leaves}")
    rows = []
    for kind, n in sb.stats.posts.most_common():
        responses = sum(v for k, v in sb.stats.responses.items() if k.startswith(f"{kind}:"))
        rows.append((kind, n, responses))
        lines.append(f"  {kind}: {n} posts, {responses:,} responses ({responses / n:.1f} per post)")
    text = "\n".join(lines)
    say(text)
    report = out / "report.txt"
    report.write_text(text + "\n", encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["kind", "posts", "responses"])
    writer.writerows(rows)
    table = out / "posts_by_kind.csv"
    table.write_text(buffer.getvalue(), encoding="utf-8")
    fig, ax = new_figure()
    ax.bar([r[0] for r in rows], [r[2] / r[1] for r in rows])  # type: ignore[attr-defined]
    ax.set_title("Responses per Hearth post, by kind")  # type: ignore[attr-defined]
    chart = out / "responses_by_kind.png"
    chart.write_bytes(to_png(fig))
    return [report, table, chart]
