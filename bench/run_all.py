"""Every benchmark in one run: prints the machine, each benchmark's notes and one table of figures,
limits measured in the same run, ratios and targets. ``--write`` also puts the result into
docs/performance.md between its ``run_all`` markers. Run: ``python -m bench.run_all [--write]``.

The sharding benchmark (bench/shards.py) runs once per layout here (``python -m bench.shards`` repeats).
The recorder benchmark (bench/recorder.py) and, when present, the report benchmark
(bench/report.py, from the analytics work) run as their own processes; their figures are quoted.
The report benchmark's 5 M-activity database is built on the first run (about 5 minutes, so that
first run takes longer than 10 minutes) and reused afterwards (``--keep``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench import gateway, interactions, memory, shards, startup
from bench._common import ROOT, TABLE_HEADER, Figure

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- run_all:begin -->", "<!-- run_all:end -->"
REPORT_DB = Path("/tmp/hearth-bench-report-run-all.db")
Measure = Callable[[], Awaitable[tuple[list[Figure], list[str]]]]


def machine() -> list[str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu}; Python {platform.python_version()}; "
        f"load average at start {load}",
    ]


def run_module(module: str, timeout: float, *args: str) -> tuple[list[str], float]:
    """Run ``python -m module args``; its stdout lines and the seconds it took."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0:
        lines.append(f"{module} failed (exit {result.returncode}): {result.stderr.strip().splitlines()[-1:]}")
    return lines, time.perf_counter() - started


def recorder_figures(lines: list[str]) -> list[Figure]:
    """The recorder benchmark's printed figures as table rows."""
    text = "\n".join(lines)
    rate = re.search(r"recorder .*?: ([\d,]+) activities/s\s+\[target >= ([\d,]+)\]", text)
    limit = re.search(r"limit .*?: ([\d,]+) activities/s", text)
    ratio = re.search(r"ratio: ([\d.]+)\s+\[target >= ([\d.]+)\]", text)
    if not (rate and limit and ratio):
        return []
    value = int(rate.group(1).replace(",", ""))
    target = int(rate.group(2).replace(",", ""))
    return [
        Figure("recorder: activities/s into SQLite with rollup triggers", f"{rate.group(1)}/s",
               f"{limit.group(1)}/s plain sqlite3.executemany", float(ratio.group(1)),
               f">= {ratio.group(2)} (and >= {rate.group(2)}/s)",
               float(ratio.group(1)) >= float(ratio.group(2)) and value >= target),
    ]


def report_figures(lines: list[str]) -> list[Figure]:
    """The report benchmark's printed figures (bench/report.py) as a table row."""
    text = "\n".join(lines)
    report = re.search(r"weekly report \(last week\) from rollups: ([\d,]+) ms", text)
    raw = re.search(r"same figures by raw scans .*?: ([\d.]+) s", text)
    if not (report and raw):
        return []
    report_s = int(report.group(1).replace(",", "")) / 1000
    raw_s = float(raw.group(1))
    agree = "figures agree with the raw scans" in text
    return [
        Figure("report: weekly report from rollups, 5 M activities (bench/report.py)", f"{report_s * 1000:.0f} ms",
               f"{raw_s:.1f} s by raw scans", report_s / raw_s, "<= 0.05 (>= 20x faster), < 1 s, figures agree",
               report_s / raw_s <= 0.05 and report_s < 1 and agree),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="gateway and interaction runs per client (best of)")
    parser.add_argument("--events", type=int, default=gateway.EVENTS)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md's latest table")
    args = parser.parse_args()
    started = time.perf_counter()
    notes = machine()
    figures: list[Figure] = []
    benches: list[tuple[str, Measure]] = [
        ("gateway to disk", lambda: gateway.measure(args.events, args.repeat)),
        ("interactions", lambda: interactions.measure(args.repeat)),
        ("memory", lambda: memory.measure()),
        ("start-up", lambda: startup.measure()),
        # One run of each (about 4 minutes); PostgreSQL from the environment or a throwaway one (.ci/postgres).
        ("shards", lambda: shards.measure(repeat=1, events_count=shards.QUICK_EVENTS)),
    ]
    for name, measure in benches:
        t = time.perf_counter()
        found, bench_notes = await measure()
        figures += found
        notes += [f"{name}: {n}" for n in bench_notes] + [f"{name}: took {time.perf_counter() - t:.0f} s"]
        print(f"... {name} done", file=sys.stderr)
    lines, took = run_module("bench.recorder", timeout=300)
    figures += recorder_figures(lines)
    notes += [f"recorder: {line}" for line in lines] + [f"recorder: took {took:.0f} s"]
    if importlib.util.find_spec("bench.report") is not None:
        # The 5 M-activity database is built once (about 5 minutes) and reused by later runs.
        lines, took = run_module("bench.report", 900, "--keep", "--db", str(REPORT_DB))
        figures += report_figures(lines)
        notes += [f"report: {line}" for line in lines] + [f"report: took {took:.0f} s"]
    else:
        notes.append("report: skipped, bench/report.py is not on this branch yet (analytics work)")
    notes.append(f"total: {time.perf_counter() - started:.0f} s; load average at the end "
                 + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    table = "\n".join([TABLE_HEADER, *(f.row() for f in figures)])
    body = "\n".join(["```", *notes, "```", "", table])
    print(body)
    if args.write:
        text = DOC.read_text()
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        DOC.write_text(text[:start] + "\n" + body + "\n" + text[end:])


if __name__ == "__main__":
    asyncio.run(main())
