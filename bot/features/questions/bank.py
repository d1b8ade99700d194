"""Read question banks: files a moderator uploads (CSV or TOML) and the shipped starter bank.

Parsing never stops at the first bad row: every usable question comes back in ``rows`` and every
unusable one in ``rejected`` with a reason a moderator can act on, so an import can say
"added 48, skipped 2: line 7 is empty, line 12 is a duplicate of line 3". Whole-file problems
(too big, not UTF-8, unknown file type) raise ``ValueError`` instead. The format is described
in docs/question-bank.md.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import PurePath
from typing import Any

log = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 1000
"""Longest question text accepted; fits an embed description (4096) with room for a footer."""

MAX_TAG_LENGTH = 32
MAX_IMPORT_BYTES = 256 * 1024
ACCEPTED_EXTENSIONS = (".csv", ".toml")

STARTER_PACKAGE = "bot.features.questions.data"
STARTER_FILE = "starter_questions.toml"
STARTER_TAGS = ("fun", "feedback", "on-topic", "icebreaker", "would-you-rather", "deep")
"""The tags used by the shipped starter bank (uploaded banks may use any valid tag)."""

_MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_TAG = re.compile(rf"[a-z0-9_-]{{1,{MAX_TAG_LENGTH}}}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_TOML_HEADER = re.compile(r"""^[ \t]*\[\[[ \t]*(?:question|"question"|'question')[ \t]*\]\]""")
_CSV_HEADER_TEXT = ("text", "question")
_CSV_HEADER_TAG = ("tag", "tags", "")
_CSV_COMMA_HINT = " (if the question contains a comma, put the whole question in double quotes)"


@dataclass(frozen=True)
class QuestionRow:
    """One usable question: normalised text, optional tag, and the file line it came from."""

    text: str
    tag: str | None
    line: int


@dataclass(frozen=True)
class RejectedRow:
    """One unusable row and why. ``line`` is the 1-based file line, or 0 when it is unknown."""

    line: int
    reason: str


@dataclass
class ParsedQuestions:
    """The outcome of reading one file: usable rows in file order and the rows skipped."""

    rows: list[QuestionRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def validate_question_text(text: str) -> str:
    """Return ``text`` stripped with internal whitespace collapsed, or raise ValueError saying why."""
    if not isinstance(text, str):
        raise ValueError("the question must be text")
    if _CONTROL.search(text.replace("\t", " ")):
        raise ValueError("the question contains invisible control characters; retype it as plain text")
    normalised = " ".join(text.split())
    if not normalised:
        raise ValueError("the question is empty")
    if len(normalised) > MAX_QUESTION_LENGTH:
        raise ValueError(
            f"the question is {len(normalised)} characters long; the limit is {MAX_QUESTION_LENGTH}"
        )
    mention = _MENTION.search(normalised)
    if mention:
        raise ValueError(
            f"mentions aren't allowed in questions (found {mention.group(0)}); "
            "write the name without @ or # instead"
        )
    return normalised


def validate_tag(tag: str | None) -> str | None:
    """Return the tag lowercased, None when empty, or raise ValueError for an unusable tag."""
    if tag is None:
        return None
    if not isinstance(tag, str):
        raise ValueError("the tag must be text")
    cleaned = tag.strip().lower()
    if not cleaned:
        return None
    if not _TAG.fullmatch(cleaned):
        shown = cleaned if len(cleaned) <= 40 else cleaned[:40] + "…"
        raise ValueError(
            f"the tag {shown!r} is not valid: use 1–{MAX_TAG_LENGTH} letters, digits, '-' or '_' (no spaces)"
        )
    return cleaned


def question_key(text: str) -> str:
    """The identity of a question for duplicate checks: case- and whitespace-insensitive."""
    return " ".join(text.split()).casefold()


class _Collector:
    """Validates rows one by one, spotting duplicates, and builds the ParsedQuestions."""

    def __init__(self, where: str = "line") -> None:
        self.result = ParsedQuestions()
        self._seen: dict[str, int] = {}
        self._where = where

    def reject(self, line: int, reason: str) -> None:
        self.result.rejected.append(RejectedRow(line=line, reason=reason))

    def reject_at(self, position: int, reason: str) -> None:
        """Reject the row at ``position``: a file line, or an entry number in 'entry' mode."""
        if self._where == "line":
            self.reject(position, reason)
        else:
            self.reject(0, f"entry {position}: {reason}")

    def add(self, position: int, text: Any, tag: Any, *, tag_hint: str = "") -> None:
        """Validate one candidate and keep it, or reject it with the reason."""
        try:
            clean_text = validate_question_text(text)
        except ValueError as exc:
            self.reject_at(position, str(exc))
            return
        try:
            clean_tag = validate_tag(tag)
        except ValueError as exc:
            self.reject_at(position, str(exc) + tag_hint)
            return
        key = question_key(clean_text)
        first = self._seen.get(key)
        if first is not None:
            self.reject_at(position, f"duplicate of {self._where} {first}")
            return
        file_line = position if self._where == "line" else 0
        self._seen[key] = position
        self.result.rows.append(QuestionRow(text=clean_text, tag=clean_tag, line=file_line))


def _check_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError(
            f"the file is {len(data) / 1024:.0f} KB; question files can be at most "
            f"{MAX_IMPORT_BYTES // 1024} KB, so split it into smaller files"
        )


def _decode(data: bytes) -> str:
    _check_size(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            'the file is not UTF-8 text; save it as UTF-8 ("CSV UTF-8" in most spreadsheet apps)'
        ) from exc


def _is_csv_header(cells: list[str]) -> bool:
    names = [cell.strip().lower() for cell in cells]
    return (
        1 <= len(names) <= 2
        and names[0] in _CSV_HEADER_TEXT
        and (len(names) == 1 or names[1] in _CSV_HEADER_TAG)
    )


def parse_csv(data: bytes) -> ParsedQuestions:
    """Read CSV rows ``text[,tag]``; an optional ``text,tag`` header is detected and skipped."""
    collector = _Collector()
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    seen_content = False
    line_after_previous = 0  # reader.line_num after the previous record
    while True:
        start = line_after_previous + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            collector.reject(reader.line_num or start, f"could not read the CSV from here on: {exc}")
            break
        line_after_previous = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if not seen_content:
            seen_content = True
            if _is_csv_header(cells):
                continue
        if len(cells) > 2 and any(cell.strip() for cell in cells[2:]):
            reason = f"expected 1 or 2 columns (text, tag) but found {len(cells)}"
            collector.reject(start, reason + _CSV_COMMA_HINT)
            continue
        collector.add(start, cells[0], cells[1] if len(cells) > 1 else None, tag_hint=_CSV_COMMA_HINT)
    return collector.result


def _toml_error_line(message: str, text: str) -> int:
    found = _TOML_ERROR_LINE.search(message)
    if found:
        return int(found.group(1))
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def _toml_header_lines(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if _TOML_HEADER.match(line)]


def parse_toml(data: bytes) -> ParsedQuestions:
    """Read ``[[question]]`` tables with ``text`` and an optional ``tag``."""
    text = _decode(data)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        reason = _TOML_ERROR_LINE.sub("", message).replace("(at end of document)", "").strip()
        result = ParsedQuestions()
        result.rejected.append(
            RejectedRow(line=_toml_error_line(message, text), reason=f"not valid TOML: {reason}")
        )
        return result

    entries = document.get("question")
    if entries is None:
        result = ParsedQuestions()
        if document:
            result.rejected.append(RejectedRow(line=1, reason="no [[question]] tables found"))
        return result
    if not isinstance(entries, list):
        result = ParsedQuestions()
        result.rejected.append(
            RejectedRow(line=1, reason="write each question under [[question]] (double brackets)")
        )
        return result

    # tomllib reports no positions; the n-th [[question]] header is the n-th entry when the
    # counts agree (they don't for inline arrays), otherwise fall back to "entry N".
    headers = _toml_header_lines(text)
    use_lines = len(headers) == len(entries)
    collector = _Collector("line" if use_lines else "entry")
    for index, entry in enumerate(entries, start=1):
        position = headers[index - 1] if use_lines else index
        if not isinstance(entry, dict):
            collector.reject_at(position, "not a [[question]] table")
            continue
        if "text" not in entry:
            collector.reject_at(position, 'missing text = "..."')
            continue
        collector.add(position, entry["text"], entry.get("tag"))
    return collector.result


def parse_question_file(filename: str, data: bytes) -> ParsedQuestions:
    """Parse an uploaded file by its extension (.csv or .toml)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return parse_csv(data)
    if suffix == ".toml":
        return parse_toml(data)
    raise ValueError(
        f"{PurePath(filename).name or 'the file'} is not a question file: "
        "upload a .csv (text,tag columns) or a .toml ([[question]] tables) file"
    )


@functools.cache
def starter_needing_history() -> frozenset[str]:
    """Keys (``question_key``) of the starter questions marked ``needs_history = true``: they ask
    about the server's past, so they are not drawn in a guild's first weeks."""
    data = resources.files(STARTER_PACKAGE).joinpath(STARTER_FILE).read_bytes()
    entries = tomllib.loads(data.decode("utf-8")).get("question", [])
    return frozenset(question_key(e["text"]) for e in entries if e.get("needs_history") is True and "text" in e)


def load_starter_questions() -> list[QuestionRow]:
    """The starter bank shipped as package data; invalid entries are logged and left out."""
    data = resources.files(STARTER_PACKAGE).joinpath(STARTER_FILE).read_bytes()
    parsed = parse_toml(data)
    for bad in parsed.rejected:
        log.error("starter question bank line %d skipped: %s", bad.line, bad.reason)
    return parsed.rows
