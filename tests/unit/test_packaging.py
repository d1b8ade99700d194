"""The installable package (what Docker and pip users get) carries its data files and entry point."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_migrations_question_banks_the_hearth_command_and_its_licence(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("hearth_bot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = {p.name for p in (ROOT / "bot/storage/migrations").glob("*.sql")}
    assert {f"bot/storage/migrations/{m}" for m in migrations} <= names
    assert "bot/features/questions/data/starter_questions.toml" in names
    assert any(n.startswith("bot/features/trivia/data/") and n.endswith(".toml") for n in names)
    assert "cogs/admin.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "hearth = bot.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    # An SPDX expression: the `license = { text = ... }` table setuptools stops building in 2027.
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata.splitlines()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_docker_image_runs_hearth_as_a_non_root_user_with_a_data_volume() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER hearth" in dockerfile and 'VOLUME ["/data"]' in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert 'CMD ["run"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".git" in ignored
