"""The dashboard's settings and secrets: refuses to start without a session secret, check-config covers it."""

from __future__ import annotations

from bot.core.settings import DashboardSettings
from bot.dashboard import config
from bot.dashboard.security import safe_next

GOOD = {"HEARTH_SESSION_SECRET": "S3cr3t" * 7, "DISCORD_CLIENT_SECRET": "Cl13ntS3cr3t"}
SETTINGS = DashboardSettings(enabled=True, public_url="https://hearth.example.org/", client_id="123")


def test_loads_with_both_secrets_and_never_shows_them() -> None:
    cfg = config.load(SETTINGS, GOOD)
    assert cfg.redirect_uri == "https://hearth.example.org/callback" and cfg.secure_cookies
    assert "S3cr3t" not in repr(cfg) and "Cl13nt" not in repr(cfg)


def test_no_session_secret_is_one_clear_line() -> None:
    found = config.problems(SETTINGS, {"DISCORD_CLIENT_SECRET": "c"})
    assert len(found) == 1 and found[0].startswith("HEARTH_SESSION_SECRET is not set")
    try:
        config.load(SETTINGS, {"DISCORD_CLIENT_SECRET": "c"})
    except config.DashboardConfigError as exc:
        assert "\n" not in str(exc)
    else:
        raise AssertionError("started without a session secret")


def test_weak_secret_and_missing_settings_are_named() -> None:
    found = config.problems(DashboardSettings(enabled=True), {"HEARTH_SESSION_SECRET": "short"})
    assert any("too short" in p for p in found)
    assert any("DISCORD_CLIENT_SECRET" in p for p in found)
    assert any("client_id" in p for p in found) and any("public_url" in p for p in found)


def test_next_never_leaves_the_dashboard() -> None:
    for bad in ("https://evil.example", "//evil.example", "/\\evil.example", "/g/1/../x", "javascript:alert(1)",
                "/g/1@evil", "", None, "/login", "/g//evil.example"):
        assert safe_next(bad) == "/", bad
    assert safe_next("/g/123/posts?period=28%20days") == "/g/123/posts?period=28%20days"


def test_check_config_run_and_dashboard_refuse_without_a_session_secret(tmp_path) -> None:
    from tests.unit.test_settings import run_cli

    (tmp_path / "c.toml").write_text('[dashboard]\nenabled = true\npublic_url = "https://h.example"\nclient_id = "1"\n')
    checked = run_cli("check-config", "--config", str(tmp_path / "c.toml"), cwd=tmp_path)
    assert checked.returncode == 2 and "HEARTH_SESSION_SECRET is not set" in checked.stderr
    assert "DISCORD_CLIENT_SECRET is not set" in checked.stderr
    for command in ("run", "dashboard"):
        refused = run_cli(command, "--config", str(tmp_path / "c.toml"), cwd=tmp_path, env_token="t.t.t")
        assert refused.returncode == 2
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "HEARTH_SESSION_SECRET is not set" in lines[0], refused.stderr
