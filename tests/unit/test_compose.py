"""compose.yaml parses, and its services are what docs/scaling.md documents."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.core.shards import ShardPlan
from bot.storage import DatabaseUrl

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def shard_plans() -> dict[str, ShardPlan]:
    plans = {}
    for name, service in services().items():
        command = service.get("command") or []
        if command[:1] == ["run"] and "--shard-count" in command:
            count = int(command[command.index("--shard-count") + 1])
            plans[name] = ShardPlan.parse(count, command[command.index("--shard-ids") + 1])
    return plans


def test_one_postgresql_15_and_shard_processes_that_cover_every_shard_once() -> None:
    s = services()
    assert s["postgres"]["image"] == "postgres:15"
    plans = shard_plans()
    assert len(plans) == 2
    counts = {p.count for p in plans.values()}
    assert len(counts) == 1
    every = sorted(i for p in plans.values() for i in p.shard_ids)
    assert every == list(range(counts.pop()))  # each shard in exactly one process
    for name in plans:
        env = s[name]["environment"]
        url = DatabaseUrl.parse(env["HEARTH_DATABASE_URL"])
        assert url.engine == "postgresql" and "@postgres:5432/" in url.target
        assert ShardPlan.parse(plans[name].count, ",".join(map(str, plans[name].shard_ids))).database_problem(
            url.engine
        ) is None
        assert env["DISCORD_TOKEN"].startswith("${DISCORD_TOKEN")  # from the environment, never in the file
        assert "postgres" in s[name]["depends_on"]


def test_the_documented_commands_match_the_services() -> None:
    doc = (ROOT / "docs" / "scaling.md").read_text()
    documented = set(re.findall(r"hearth run --shard-count (\d+) --shard-ids ([\d,]+)", doc))
    in_compose = {
        (str(p.count), ",".join(map(str, p.shard_ids))) for p in shard_plans().values()
    }
    assert in_compose <= documented
    assert "compose.yaml" in doc and "HEARTH_DATABASE_URL" in doc
