"""Settings: ``config.toml`` and the environment, loaded into frozen, typed dataclasses.

Every problem names the file, the key and the reason, and all of them are reported at once,
so an operator fixes a config in one pass (``hearth check-config``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.endpoints import DISCORD_API_BASE, DISCORD_GATEWAY_URL
from bot.core.shards import ShardPlan

DEFAULT_CONFIG_PATH = Path("config.toml")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOKEN_HELP = (
    "No Discord token: create a bot at https://discord.com/developers/applications, copy its token "
    "and set DISCORD_TOKEN in the environment or in a .env file (see README, 'Run it for real')."
)


@dataclass(frozen=True)
class BotSettings:
    data_dir: str = "data"
    database: str = ""
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    sync_commands: bool = True

    @property
    def database_path(self) -> Path:
        return Path(self.database) if self.database else Path(self.data_dir) / "hearth.db"


@dataclass(frozen=True)
class DatabaseSettings:
    # sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host:port/db; empty: the
    # SQLite file of [bot] (database, or <data_dir>/hearth.db). HEARTH_DATABASE_URL overrides it.
    url: str = ""


@dataclass(frozen=True)
class ShardSettings:
    count: int = 1  # Discord requires sharding from 2,500 guilds
    ids: str = ""  # "0,1": the shards this process runs (others run the rest); empty: all of them


@dataclass(frozen=True)
class IntentSettings:
    members: bool = False


@dataclass(frozen=True)
class DiscordSettings:
    api_base: str = DISCORD_API_BASE
    gateway_url: str = DISCORD_GATEWAY_URL
    # Discord's global limit per bot (every process together). Processes sharing the shards reserve
    # every request on one timeline in PostgreSQL (share_global_limit); otherwise, or while it is
    # unreachable, each paces itself at its shards' share (bot.core.http_stats.GlobalPacer).
    global_requests_per_second: int = 50
    share_global_limit: bool = True


@dataclass(frozen=True)
class RecorderSettings:
    flush_interval_seconds: float = 1.0
    batch_size: int = 0  # 0: the database's own (activity.DEFAULT_BATCH_SIZES)
    max_queue: int = 200_000


@dataclass(frozen=True)
class SchedulerSettings:
    grace_minutes: int = 120
    late_after_seconds: int = 90


@dataclass(frozen=True)
class QuestionSettings:
    no_repeat_days: int = 30
    low_bank_warning: int = 7


@dataclass(frozen=True)
class SummarySettings:
    default_day: str = "monday"
    default_time: str = "09:00"


@dataclass(frozen=True)
class PrivacySettings:
    retention_days: int = 400


@dataclass(frozen=True)
class DashboardSettings:
    """The web dashboard (docs/dashboard.md); its secrets come from the environment, never from here."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # the address moderators open, e.g. https://hearth.example.org
    client_id: str = ""  # the Discord application's client id (OAuth2)
    rights_cache_seconds: float = 30.0  # REST rights checks are cached this long (at most 60 s)


@dataclass(frozen=True)
class Settings:
    bot: BotSettings = field(default_factory=BotSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    shards: ShardSettings = field(default_factory=ShardSettings)
    intents: IntentSettings = field(default_factory=IntentSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    recorder: RecorderSettings = field(default_factory=RecorderSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    questions: QuestionSettings = field(default_factory=QuestionSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)

    @property
    def database_url(self) -> str:
        """Where the database is, as a URL (may hold a password: never log it, see DatabaseUrl)."""
        return self.database.url or f"sqlite:///{self.bot.database_path}"

    @property
    def shard_plan(self) -> ShardPlan:
        return ShardPlan.parse(self.shards.count, self.shards.ids)

    def replace(self, section: str, **changes: Any) -> Settings:
        """A copy with some keys of one section changed (tests, sandbox)."""
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}"


class SettingsError(Exception):
    """One or more problems in the configuration; str() gives one line per problem."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _time_of_day(value: str) -> str | None:
    return None if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value) else "must be a time like 09:00 (24-hour)"


def _timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin or America/New_York"
    return None


def _between(low: float, high: float) -> Callable[[float], str | None]:
    def check(value: float) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g} (got {value!r})"

    return check


def _one_of(choices: tuple[str, ...], *, fold: Callable[[str], str] = str.lower) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if fold(value) in choices else f"must be one of {', '.join(choices)} (got {value!r})"

    return check


def _shard_ids(value: str) -> str | None:
    ok = re.fullmatch(r"\s*(all|\d+(\s*,\s*\d+)*)?\s*", value)
    return None if ok else "must be shard numbers separated by commas, like \"0,1\" (empty: every shard)"


def _url(schemes: tuple[str, ...], *, empty: bool = False) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if empty and not value:
            return None
        return None if value.startswith(schemes) else f"must start with {' or '.join(schemes)}"

    return check


# Range and format rules per "section.key"; types come from the dataclass annotations.
VALIDATORS: dict[str, Callable[[Any], str | None]] = {
    "bot.default_timezone": _timezone,
    "bot.log_level": _one_of(LOG_LEVELS, fold=str.upper),
    "database.url": _url(("sqlite:///", "postgresql://", "postgres://"), empty=True),
    "shards.count": _between(1, 100_000),
    "shards.ids": _shard_ids,
    "discord.api_base": _url(("http://", "https://")),
    "discord.gateway_url": _url(("ws://", "wss://")),
    "discord.global_requests_per_second": _between(1, 100_000),
    "recorder.flush_interval_seconds": _between(0.01, 60),
    "recorder.batch_size": _between(0, 100_000),
    "recorder.max_queue": _between(1_000, 10_000_000),
    "scheduler.grace_minutes": _between(0, 24 * 60),
    "scheduler.late_after_seconds": _between(1, 3600),
    "questions.no_repeat_days": _between(0, 3650),
    "questions.low_bank_warning": _between(0, 1000),
    "summary.default_day": _one_of(WEEKDAYS),
    "summary.default_time": _time_of_day,
    "privacy.retention_days": _between(1, 36500),
    "dashboard.port": _between(0, 65535),
    "dashboard.public_url": lambda v: None if not v else _url(("http://", "https://"))(v),
    "dashboard.client_id": lambda v: None if not v or v.isdigit() else "must be the application's numeric id",
    "dashboard.rights_cache_seconds": _between(0, 60),
}


def _type_problem(expected: type, value: Any) -> str | None:
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
    return None if ok else f"must be {names.get(expected, expected.__name__)} (got {value!r})"


def _build_section(cls: type, raw: Any, name: str, file: str, problems: list[ConfigProblem]) -> Any:
    if not isinstance(raw, dict):
        problems.append(ConfigProblem(file, name, "must be a table like [" + name + "]"))
        return cls()
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{name}.{key}"
        if key not in known:
            problems.append(ConfigProblem(file, dotted, f"unknown key (known: {', '.join(sorted(known))})"))
            continue
        expected = hints[key]
        reason = _type_problem(expected, value) or (VALIDATORS[dotted](value) if dotted in VALIDATORS else None)
        if reason:
            problems.append(ConfigProblem(file, dotted, reason))
            continue
        if expected is float:
            value = float(value)
        if dotted in ("summary.default_day",):
            value = value.lower()
        if dotted == "bot.log_level":
            value = value.upper()
        values[key] = value
    return cls(**values)


def settings_from_mapping(data: dict[str, Any], file: str = "<settings>") -> Settings:
    """Validate a parsed TOML document into Settings, or raise SettingsError with every problem."""
    problems: list[ConfigProblem] = []
    sections = {f.name: f for f in fields(Settings)}
    hints = get_type_hints(Settings)
    built: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in sections:
            problems.append(ConfigProblem(file, name, f"unknown section (known: {', '.join(sections)})"))
            continue
        built[name] = _build_section(hints[name], raw, name, file, problems)
    if not problems and "shards" in built:
        try:
            ShardPlan.parse(built["shards"].count, built["shards"].ids)
        except ValueError as exc:
            problems.append(ConfigProblem(file, "shards.ids", str(exc)))
    if problems:
        raise SettingsError(problems)
    return Settings(**built)


def config_path(cli_path: str | None = None) -> Path:
    """The config file to read: --config, then $HEARTH_CONFIG, then ./config.toml."""
    return Path(cli_path or os.environ.get("HEARTH_CONFIG") or DEFAULT_CONFIG_PATH)


def load_settings(path: Path | str | None = None, *, required: bool = False) -> Settings:
    """Load settings from ``path``; a missing default file means all defaults."""
    path = Path(path) if path is not None else config_path()
    if not path.exists():
        if required or path != DEFAULT_CONFIG_PATH:
            raise SettingsError([ConfigProblem(str(path), "(file)", "not found")])
        return with_environment(Settings())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError([ConfigProblem(str(path), "(syntax)", f"not valid TOML: {exc}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError([ConfigProblem(str(path), "(file)", f"cannot be read: {exc}")]) from None
    return with_environment(settings_from_mapping(data, str(path)))


DATABASE_URL_ENV = "HEARTH_DATABASE_URL"


def with_environment(settings: Settings) -> Settings:
    """Settings with what the environment overrides: ``HEARTH_DATABASE_URL`` (passwords stay out of files)."""
    url = os.environ.get(DATABASE_URL_ENV)
    if not url:
        return settings
    reason = VALIDATORS["database.url"](url)
    if reason:
        raise SettingsError([ConfigProblem(DATABASE_URL_ENV, "(environment)", reason)])
    return settings.replace("database", url=url)


def load_env_file(env_file: str | Path = ".env") -> None:
    """Every secret Hearth reads from the environment (``HEARTH_SECRET_KEY``, ``HEARTH_SESSION_SECRET``,
    ``DISCORD_CLIENT_SECRET``, ``HEARTH_DATABASE_URL``, ...) may sit in ``.env`` beside the token; the
    environment wins where both have one."""
    from dotenv import load_dotenv

    if Path(env_file).is_file():
        load_dotenv(env_file, override=False)


def load_token(env_file: str | Path | None = ".env") -> str | None:
    """DISCORD_TOKEN from the environment, or from a .env file when the environment has none."""
    from dotenv import dotenv_values

    token = os.environ.get("DISCORD_TOKEN")
    if not token and env_file and Path(env_file).exists():
        token = dotenv_values(env_file).get("DISCORD_TOKEN")
    return token.strip() if token and token.strip() else None
