"""Trivia questions: the shipped bank, validation, and moderator imports (TOML, Open Trivia DB JSON).

Pure Python with no discord import, so the cog, the CLI and the sandbox share one set of rules.
The file format and the rules are described in docs/trivia-bank.md.
"""

from __future__ import annotations

import html
import json
import logging
import random
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

log = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 250
"""Longest question text; it goes into an embed description with room to spare."""
MAX_ANSWER_LENGTH = 80
"""Longest answer: answers become button labels, which Discord caps at 80 characters."""
MAX_CATEGORY_LENGTH = 50
"""Longest category slug; categories appear as slash-command choices."""
MAX_IMPORT_BYTES = 512 * 1024
"""Largest file a moderator may import at once."""

DIFFICULTIES = ("easy", "medium", "hard")
KINDS = ("multiple", "boolean")
BOOLEAN_ANSWERS = ("True", "False")
MULTIPLE_INCORRECT_COUNT = 3

SHIPPED_PACKAGE = "bot.features.trivia.data"

_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_CATEGORY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_TOML_POSITION = re.compile(r"at line (\d+), column (\d+)")

_TOML_QUESTION_KEYS = frozenset({"question", "correct", "incorrect", "difficulty", "type", "category"})


@dataclass(frozen=True)
class TriviaQuestion:
    """One trivia question with its correct answer and the wrong answers offered beside it."""

    category: str
    question: str
    correct: str
    incorrect: tuple[str, ...]
    difficulty: str = "medium"
    kind: str = "multiple"

    def choices(self, rng: random.Random) -> list[str]:
        """The answers in the order they are offered: shuffled, or always True then False."""
        if self.kind == "boolean":
            return list(BOOLEAN_ANSWERS)
        options = [self.correct, *self.incorrect]
        rng.shuffle(options)
        return options


@dataclass
class ImportResult:
    """Questions accepted from an import, and (position, reason) for every row that was not."""

    questions: list[TriviaQuestion] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def category_slug(name: str) -> str:
    """Lowercase slug for a category name: "Entertainment: Video Games" -> "entertainment-video-games"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_name.lower()).strip("-")


def question_key(q: TriviaQuestion) -> str:
    """Key for duplicate detection: the question text, casefolded, with whitespace collapsed."""
    return " ".join(q.question.casefold().split())


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _check_text(label: str, text: str, limit: int) -> None:
    if not isinstance(text, str):
        raise ValueError(f"{label} must be text")
    if not text.strip():
        raise ValueError(f"{label} is empty")
    if len(text) > limit:
        raise ValueError(f"{label} is {len(text)} characters long; the limit is {limit}")
    if _MENTION.search(text):
        raise ValueError(f"{label} contains a mention (@everyone, @here, <@id> or <#id>)")


def validate_question(q: TriviaQuestion) -> None:
    """Raise ValueError saying what is wrong if the question cannot be posted as is."""
    if not _CATEGORY_SLUG.match(q.category or ""):
        raise ValueError(f"category {q.category!r} is not a lowercase slug like 'video-games'")
    if len(q.category) > MAX_CATEGORY_LENGTH:
        raise ValueError(f"category is longer than {MAX_CATEGORY_LENGTH} characters")
    _check_text("question", q.question, MAX_QUESTION_LENGTH)
    _check_text("correct answer", q.correct, MAX_ANSWER_LENGTH)
    for answer in q.incorrect:
        _check_text("incorrect answer", answer, MAX_ANSWER_LENGTH)
    for answer in (q.correct, *q.incorrect):
        if "\n" in answer or "\r" in answer:
            raise ValueError("answers must fit on one line (they become button labels)")
    if q.difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty {q.difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    if q.kind not in KINDS:
        raise ValueError(f"type {q.kind!r} is not one of {', '.join(KINDS)}")
    if q.kind == "boolean":
        if len(q.incorrect) != 1:
            raise ValueError(
                f"a true/false question needs exactly 1 incorrect answer, got {len(q.incorrect)}"
            )
        if q.correct not in BOOLEAN_ANSWERS or q.incorrect[0] not in BOOLEAN_ANSWERS:
            raise ValueError('a true/false question must use exactly "True" and "False" as answers')
    elif len(q.incorrect) != MULTIPLE_INCORRECT_COUNT:
        raise ValueError(
            f"a multiple-choice question needs exactly {MULTIPLE_INCORRECT_COUNT} incorrect answers, "
            f"got {len(q.incorrect)}"
        )
    folded = [_fold(answer) for answer in q.incorrect]
    if _fold(q.correct) in folded:
        raise ValueError(f"the correct answer {q.correct!r} is also listed as incorrect")
    if len(set(folded)) != len(folded):
        raise ValueError("the incorrect answers contain a duplicate")


def _text_field(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        raise ValueError(f"missing {key!r}")
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be text")
    return value.strip()


def _answers_field(row: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = row.get(key)
    if value is None:
        raise ValueError(f"missing {key!r}")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key!r} must be a list of text answers")
    return tuple(item.strip() for item in value)


def _category_for(raw: Any, default_category: str | None) -> str:
    name = raw if raw is not None else default_category
    if name is None:
        raise ValueError("no category: set one in the file or choose one when importing")
    if not isinstance(name, str):
        raise ValueError("category must be text")
    slug = category_slug(name)
    if not slug:
        raise ValueError(f"category {name!r} has no letters or digits")
    return slug


def _build(
    row: Mapping[str, Any],
    category: str,
    *,
    kind_key: str,
    correct_key: str,
    incorrect_key: str,
    decode: bool,
) -> TriviaQuestion:
    """Turn one mapping into a validated question (html-decoding its text when asked)."""

    def text(value: str) -> str:
        return html.unescape(value).strip() if decode else value

    kind = row.get(kind_key, "multiple")
    difficulty = row.get("difficulty", "medium")
    if not isinstance(kind, str) or not isinstance(difficulty, str):
        raise ValueError("type and difficulty must be text")
    question = TriviaQuestion(
        category=category,
        question=text(_text_field(row, "question")),
        correct=text(_text_field(row, correct_key)),
        incorrect=tuple(text(answer) for answer in _answers_field(row, incorrect_key)),
        difficulty=difficulty.strip().lower(),
        kind=kind.strip().lower(),
    )
    validate_question(question)
    return question


def _accept(result: ImportResult, seen: dict[str, str], position: str, question: TriviaQuestion) -> None:
    """Add a valid question unless it repeats one already in this import."""
    key = question_key(question)
    if key in seen:
        result.rejected.append((position, f"duplicate of {seen[key]}"))
        return
    seen[key] = position
    result.questions.append(question)


def _check_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError(
            f"the file is {len(data) // 1024} KiB; imports are limited to {MAX_IMPORT_BYTES // 1024} KiB"
        )


def parse_trivia_toml(data: bytes, default_category: str | None = None) -> ImportResult:
    """Parse a bank file in the shipped TOML format; bad questions are reported, not raised.

    Raises ValueError only when the file is larger than MAX_IMPORT_BYTES.
    """
    _check_size(data)
    result = ImportResult()
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        result.rejected.append((f"byte {exc.start}", "the file is not UTF-8 text"))
        return result
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.search(str(exc))
        position = f"line {found.group(1)}, column {found.group(2)}" if found else "file"
        result.rejected.append((position, f"not valid TOML: {exc}"))
        return result

    rows = document.get("question", [])
    if not isinstance(rows, list):
        result.rejected.append(("file", "'question' must be an array of tables: use [[question]]"))
        return result
    file_category = document.get("category")
    seen: dict[str, str] = {}
    for index, row in enumerate(rows, start=1):
        position = f"question {index}"
        try:
            if not isinstance(row, dict):
                raise ValueError("each question must be a [[question]] table")
            unknown = sorted(set(row) - _TOML_QUESTION_KEYS)
            if unknown:
                raise ValueError(f"unknown key {unknown[0]!r}")
            category = _category_for(row.get("category", file_category), default_category)
            question = _build(
                row, category, kind_key="type", correct_key="correct", incorrect_key="incorrect", decode=False
            )
        except ValueError as exc:
            result.rejected.append((position, str(exc)))
            continue
        _accept(result, seen, position, question)
    if not rows:
        result.rejected.append(("file", "no [[question]] tables found"))
    return result


_OPENTDB_RESPONSE_CODES = {
    1: "no results (the query asked for more questions than exist)",
    2: "invalid parameter",
    3: "session token not found",
    4: "session token exhausted",
    5: "rate limited",
}


def parse_open_trivia_json(data: bytes, default_category: str | None = None) -> ImportResult:
    """Parse Open Trivia DB JSON (the API response or a bare list of results), decoding HTML entities.

    Each result's own category wins; default_category is used for results without one.
    Raises ValueError only when the file is larger than MAX_IMPORT_BYTES.
    """
    _check_size(data)
    result = ImportResult()
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        result.rejected.append((f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}"))
        return result
    except UnicodeDecodeError as exc:
        result.rejected.append((f"byte {exc.start}", "the file is not UTF-8 text"))
        return result

    rows: Any
    if isinstance(document, dict):
        code = document.get("response_code", 0)
        rows = document.get("results")
        if code not in (0, None) and not rows:
            reason = _OPENTDB_RESPONSE_CODES.get(code, "unknown error") if isinstance(code, int) else "bad"
            result.rejected.append(("response", f"Open Trivia DB response_code {code}: {reason}"))
            return result
    else:
        rows = document
    if not isinstance(rows, list):
        result.rejected.append(("file", 'expected {"results": [...]} or a list of results'))
        return result
    if not rows:
        result.rejected.append(("file", "no results found"))
        return result

    seen: dict[str, str] = {}
    for index, row in enumerate(rows, start=1):
        position = f"result {index}"
        try:
            if not isinstance(row, dict):
                raise ValueError("each result must be an object")
            raw_category = row.get("category")
            if isinstance(raw_category, str):
                raw_category = html.unescape(raw_category)
            category = _category_for(raw_category, default_category)
            question = _build(
                row,
                category,
                kind_key="type",
                correct_key="correct_answer",
                incorrect_key="incorrect_answers",
                decode=True,
            )
        except ValueError as exc:
            result.rejected.append((position, str(exc)))
            continue
        _accept(result, seen, position, question)
    return result


def _shipped_files() -> Iterable[tuple[str, bytes]]:
    root = resources.files(SHIPPED_PACKAGE)
    for entry in sorted(root.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml") and entry.is_file():
            yield entry.name, entry.read_bytes()


@lru_cache(maxsize=1)
def _shipped_bank() -> tuple[TriviaQuestion, ...]:
    questions: list[TriviaQuestion] = []
    seen: dict[str, str] = {}
    for name, data in _shipped_files():
        stem = name.removesuffix(".toml")
        parsed = parse_trivia_toml(data, default_category=stem)
        if parsed.rejected:
            position, reason = parsed.rejected[0]
            raise ValueError(f"shipped trivia file {name}, {position}: {reason}")
        for number, question in enumerate(parsed.questions, start=1):
            key = question_key(question)
            if key in seen:
                raise ValueError(f"shipped trivia file {name}, question {number}: duplicate of {seen[key]}")
            seen[key] = f"{name} question {number}"
            questions.append(question)
    log.debug("loaded %d shipped trivia questions", len(questions))
    return tuple(questions)


def load_shipped_bank() -> list[TriviaQuestion]:
    """Every question shipped with Hearth, in file then file order; raises ValueError on a bad file."""
    return list(_shipped_bank())


def shipped_categories() -> list[str]:
    """Sorted category slugs present in the shipped bank."""
    return sorted({question.category for question in _shipped_bank()})
