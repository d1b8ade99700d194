"""The sandbox's report, charts and CSVs: Hearth's own analytics when the build has them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from bot.sandbox.runner import Sandbox


async def write_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """Print the report and write it, its charts and CSVs into the output folder."""
    await sb.bot.recorder.flush()
    written = fallback_outputs(sb, say)
    for path in written:
        say(f"  wrote {path}")
    return written


def fallback_outputs(sb: Sandbox, say: Callable[[str], None]) -> list[Path]:
    """Without the analytics module: what the sandbox itself counted (not Hearth's report)."""
    from bot.charts.style import new_figure, to_png

    out = sb.config.out
    lines = ["Sandbox summary (Hearth's analytics report is not in this build):"]
    lines.append(f"  member actions: {sb.stats.events:,}; joined {sb.stats.joins}, left {sb.stats.leaves}")
    for kind, n in sb.stats.posts.most_common():
        responses = sum(v for k, v in sb.stats.responses.items() if k.startswith(f"{kind}:"))
        lines.append(f"  {kind}: {n} posts, {responses:,} responses ({responses / n:.1f} per post)")
    text = "\n".join(lines)
    say(text)
    report = out / "report.txt"
    report.write_text(text + "\n", encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["kind", "posts", "responses"])
    for kind, n in sb.stats.posts.most_common():
        writer.writerow([kind, n, sum(v for k, v in sb.stats.responses.items() if k.startswith(f"{kind}:"))])
    table = out / "posts_by_kind.csv"
    table.write_text(buffer.getvalue(), encoding="utf-8")
    fig, ax = new_figure()
    kinds = [k for k, _ in sb.stats.posts.most_common()]
    ax.bar(kinds, [sb.stats.posts[k] for k in kinds])  # type: ignore[attr-defined]
    ax.set_title("Hearth posts by kind")  # type: ignore[attr-defined]
    chart = out / "posts_by_kind.png"
    chart.write_bytes(to_png(fig))
    return [report, table, chart]
