"""Settings: the example config loads, and every kind of mistake names the file, key and reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.settings import Settings, SettingsError, load_settings, load_token, settings_from_mapping

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_loads_with_the_documented_defaults() -> None:
    assert load_settings(ROOT / "config.example.toml") == Settings()


def test_every_setting_is_documented_in_the_example_config() -> None:
    text = (ROOT / "config.example.toml").read_text()
    for section, values in Settings().__dict__.items():
        assert f"[{section}]" in text
        for key in values.__dict__:
            assert f"\n{key} = " in text, f"{section}.{key} is missing from config.example.toml"


def problems(data: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        settings_from_mapping(data, "config.toml")
    return [str(p) for p in caught.value.problems]


def test_unknown_key_is_named() -> None:
    assert problems({"bot": {"colour": "red"}})[0].startswith("config.toml: bot.colour: unknown key")


def test_unknown_section_is_named() -> None:
    assert problems({"bots": {}})[0].startswith("config.toml: bots: unknown section")


def test_wrong_type_is_named() -> None:
    assert problems({"recorder": {"batch_size": "many"}}) == [
        "config.toml: recorder.batch_size: must be a whole number (got 'many')"
    ]


def test_bool_is_not_accepted_as_a_number() -> None:
    assert "must be a number" in problems({"recorder": {"flush_interval_seconds": True}})[0]


def test_bad_time_zone_is_named() -> None:
    (problem,) = problems({"bot": {"default_timezone": "Mars/Olympus"}})
    assert problem.startswith("config.toml: bot.default_timezone: unknown time zone 'Mars/Olympus'")


def test_out_of_range_value_is_named() -> None:
    (problem,) = problems({"recorder": {"batch_size": -1}})
    assert problem == "config.toml: recorder.batch_size: must be between 0 and 100000 (got -1)"


def test_all_problems_are_reported_at_once() -> None:
    found = problems({"bot": {"log_level": "LOUD", "nope": 1}, "summary": {"default_time": "25:00"}})
    assert len(found) == 3


def test_integers_are_accepted_for_float_settings() -> None:
    settings = settings_from_mapping({"recorder": {"flush_interval_seconds": 2}})
    assert settings.recorder.flush_interval_seconds == 2.0


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[bot\nlog_level = ")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: (syntax): not valid TOML")


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_token_comes_from_the_environment_before_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\n")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert load_token(env_file) == "from-file"
    monkeypatch.setenv("DISCORD_TOKEN", "from-env")
    assert load_token(env_file) == "from-env"
    monkeypatch.setenv("DISCORD_TOKEN", "  ")
    assert load_token(tmp_path / "missing.env") is None


def run_cli(*args: str, cwd: Path, env_token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    if env_token:
        env["DISCORD_TOKEN"] = env_token
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, "No Discord token"),
        ("[bot\n", "(syntax): not valid TOML"),
        ("[bot]\ncolor = 1\n", "bot.color: unknown key"),
        ('[bot]\ndefault_timezone = "Mars/Olympus"\n', "bot.default_timezone: unknown time zone"),
    ],
)
def test_hearth_run_fails_with_one_line_and_no_traceback(tmp_path: Path, config: str | None, expected: str) -> None:
    token = None
    if config is not None:
        (tmp_path / "config.toml").write_text(config)
        token = "not-a-real-token"
    result = run_cli("run", cwd=tmp_path, env_token=token)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_config_lists_every_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[bot]\nlog_level = "LOUD"\n[recorder]\nbatch_size = -1\n')
    result = run_cli("check-config", "--config", str(tmp_path / "bad.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "bot.log_level" in result.stderr and "recorder.batch_size" in result.stderr


def test_check_config_accepts_the_example(tmp_path: Path) -> None:
    result = run_cli("--config", str(ROOT / "config.example.toml"), "check-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_a_folder_or_an_overlong_time_zone_is_invalid_not_a_crash() -> None:
    from bot.core.localtime import valid_timezone

    assert not valid_timezone("America")  # a folder in tzdata: IsADirectoryError
    assert not valid_timezone("x" * 300)  # File name too long: OSError
    assert valid_timezone("Europe/Berlin")


def test_secrets_in_dot_env_reach_the_environment_without_overriding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.settings import load_env_file

    (tmp_path / ".env").write_text("HEARTH_SESSION_SECRET=from-the-file-0123456789\nHEARTH_SECRET_KEY=file\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEARTH_SESSION_SECRET", "unset below, restored after the test")
    monkeypatch.delenv("HEARTH_SESSION_SECRET")
    monkeypatch.setenv("HEARTH_SECRET_KEY", "from-the-environment")
    load_env_file()
    assert os.environ["HEARTH_SESSION_SECRET"] == "from-the-file-0123456789"
    assert os.environ["HEARTH_SECRET_KEY"] == "from-the-environment"
