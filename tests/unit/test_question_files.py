"""Question bank files: the shipped starter bank and the CSV/TOML files moderators upload."""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter

import pytest

from bot.features.questions.bank import (
    MAX_IMPORT_BYTES,
    MAX_QUESTION_LENGTH,
    STARTER_TAGS,
    QuestionRow,
    RejectedRow,
    load_starter_questions,
    parse_csv,
    parse_question_file,
    parse_toml,
    question_key,
    starter_needing_history,
    validate_question_text,
    validate_tag,
)

STARTER = load_starter_questions()


# --- the shipped starter bank -------------------------------------------------------------


def test_starter_bank_parses_without_rejections() -> None:
    from importlib import resources

    data = resources.files("bot.features.questions.data").joinpath("starter_questions.toml").read_bytes()
    parsed = parse_toml(data)
    assert parsed.rejected == []
    assert parsed.rows == STARTER


def test_starter_bank_is_big_enough_in_every_tag() -> None:
    assert len(STARTER) >= 170
    per_tag = Counter(row.tag for row in STARTER)
    assert set(per_tag) == set(STARTER_TAGS)
    assert all(per_tag[tag] >= 20 for tag in STARTER_TAGS), per_tag


@pytest.mark.parametrize("row", STARTER, ids=lambda row: f"line{row.line}")
def test_every_starter_question_is_postable(row: QuestionRow) -> None:
    assert validate_question_text(row.text) == row.text
    assert row.tag in STARTER_TAGS
    assert 20 <= len(row.text) <= 200
    assert row.text.endswith("?")
    assert not re.search(r"[@*_~`|#<>\[\]]", row.text), "no mentions or markdown"
    assert "  " not in row.text and row.text == row.text.strip()
    assert row.line > 0


def test_starter_bank_has_no_duplicates_or_near_duplicates() -> None:
    keys = Counter(question_key(row.text) for row in STARTER)
    assert [key for key, count in keys.items() if count > 1] == []
    near = [
        (a.text, b.text)
        for a, b in itertools.combinations(STARTER, 2)
        if difflib.SequenceMatcher(None, a.text.lower(), b.text.lower()).ratio() > 0.85
    ]
    assert near == []


def test_starter_questions_invite_more_than_a_one_word_answer() -> None:
    """Outside would-you-rather, a question without what/which/who/how/where/when/why ("Tea, coffee,
    or something else entirely?") gets a one-word answer: it must ask why."""
    for row in STARTER:
        if row.tag != "would-you-rather":
            assert re.search(r"\b(what|which|who|how|where|when|why)\b", row.text, re.IGNORECASE), row.text


def test_starter_questions_about_the_servers_past_are_marked() -> None:
    """They wait for a guild's first weeks to pass (docs/question-bank.md)."""
    keys = {question_key(row.text): row.text for row in STARTER}
    marked = starter_needing_history()
    assert marked <= keys.keys()
    assert sorted(keys[k] for k in marked) == [
        "Which past event here did you enjoy the most?",
        "Which project shared here recently impressed you?",
        "Which question of the day have you enjoyed answering most so far?",
    ]


def test_would_you_rather_questions_offer_a_choice() -> None:
    for row in STARTER:
        if row.tag == "would-you-rather":
            assert row.text.startswith("Would you rather ") and " or " in row.text, row.text


# --- validators ---------------------------------------------------------------------------


def test_question_text_is_stripped_and_whitespace_collapsed() -> None:
    assert validate_question_text("  What's\tyour   favourite\n tool? ") == "What's your favourite tool?"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_question_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        validate_question_text(text)


def test_question_at_the_length_limit_is_kept_and_one_more_is_rejected() -> None:
    assert len(validate_question_text("a" * MAX_QUESTION_LENGTH)) == MAX_QUESTION_LENGTH
    expected = f"{MAX_QUESTION_LENGTH + 1} characters.*limit is {MAX_QUESTION_LENGTH}"
    with pytest.raises(ValueError, match=expected):
        validate_question_text("a" * (MAX_QUESTION_LENGTH + 1))


@pytest.mark.parametrize(
    "text",
    [
        "Hello @everyone, what's new?",
        "@here what are you building?",
        "What do you think of <@123456789012345678>?",
        "Ask <@!123456789012345678> anything?",
        "Should <@&987654321> run the next event?",
        "Have you seen <#555555555555555555> yet?",
    ],
)
def test_mentions_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="mentions aren't allowed in questions"):
        validate_question_text(text)


def test_email_like_text_is_not_a_mention() -> None:
    text = "Is hello@example.org a good address?"
    assert validate_question_text(text) == text


def test_control_characters_are_rejected() -> None:
    with pytest.raises(ValueError, match="control characters"):
        validate_question_text("What\x00 now?")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fun", "fun"),
        (" on-topic ", "on-topic"),
        ("deck_2", "deck_2"),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_valid_tags_are_lowercased_and_empty_means_none(raw: str | None, expected: str | None) -> None:
    assert validate_tag(raw) == expected


@pytest.mark.parametrize("raw", ["two words", "x" * 33, "émoji", "tag!", "a/b"])
def test_invalid_tags_are_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        validate_tag(raw)


def test_question_key_ignores_case_and_whitespace() -> None:
    assert question_key("What's  YOUR\tfavourite tool?") == question_key(" what's your favourite tool? ")


# --- CSV ----------------------------------------------------------------------------------


def test_csv_with_header_skips_it_and_keeps_tags() -> None:
    data = b"text,tag\nWhat got you started?,on-topic\nTea or coffee?,\n"
    parsed = parse_csv(data)
    assert parsed.rows == [
        QuestionRow("What got you started?", "on-topic", 2),
        QuestionRow("Tea or coffee?", None, 3),
    ]
    assert parsed.rejected == []


def test_csv_header_is_detected_case_insensitively_with_a_single_column() -> None:
    parsed = parse_csv(b"Text\nWhat got you started?\n")
    assert parsed.rows == [QuestionRow("What got you started?", None, 2)]


def test_csv_without_header_keeps_the_first_row() -> None:
    parsed = parse_csv(b"What got you started?,on-topic\nWhat's your favourite tool?\n")
    assert [(row.text, row.tag, row.line) for row in parsed.rows] == [
        ("What got you started?", "on-topic", 1),
        ("What's your favourite tool?", None, 2),
    ]


def test_csv_with_bom_and_crlf_reads_the_header_and_rows() -> None:
    data = "text,tag\r\nWhat's your favourite café snack?,Fun\r\n".encode("utf-8-sig")
    parsed = parse_csv(data)
    assert parsed.rows == [QuestionRow("What's your favourite café snack?", "fun", 2)]
    assert parsed.rejected == []


def test_csv_blank_lines_are_skipped_but_still_counted() -> None:
    data = b"\ntext,tag\n\nFirst question?,fun\n , \n\nSecond question?,deep\n"
    parsed = parse_csv(data)
    assert [(row.text, row.line) for row in parsed.rows] == [("First question?", 4), ("Second question?", 7)]
    assert parsed.rejected == []


def test_csv_quoted_multiline_question_reports_its_first_line() -> None:
    data = b'text,tag\n"What is,\nfor you, a good day?",deep\nNext one?,fun\n'
    parsed = parse_csv(data)
    assert parsed.rows == [
        QuestionRow("What is, for you, a good day?", "deep", 2),
        QuestionRow("Next one?", "fun", 4),
    ]


def test_csv_bad_rows_are_rejected_with_their_line_and_reason() -> None:
    data = (
        b"text,tag\n"
        b"Good question?,fun\n"  # 2
        b",fun\n"  # 3 empty text
        b"Ping @everyone now?,fun\n"  # 4 mention
        b"What's your tool, and why?,on-topic\n"  # 5 unquoted comma -> bad tag
        b"a,b,c\n"  # 6 too many columns
        b"  GOOD   question?  ,deep\n"  # 7 duplicate of 2
        + b"x"
        * (MAX_QUESTION_LENGTH + 1)
        + b",fun\n"  # 8 too long
        b"Last good one?\n"  # 9
    )
    parsed = parse_csv(data)
    assert [(row.text, row.line) for row in parsed.rows] == [("Good question?", 2), ("Last good one?", 9)]
    by_line = {bad.line: bad.reason for bad in parsed.rejected}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "empty" in by_line[3]
    assert "mentions aren't allowed" in by_line[4]
    assert "tag" in by_line[5] and "double quotes" in by_line[5]
    assert "found 3" in by_line[6] and "double quotes" in by_line[6]
    assert by_line[7] == "duplicate of line 2"
    assert "limit is 1000" in by_line[8]


def test_csv_trailing_empty_columns_are_tolerated() -> None:
    parsed = parse_csv(b"Question with trailing commas?,fun,,\n")
    assert parsed.rows == [QuestionRow("Question with trailing commas?", "fun", 1)]


def test_csv_that_is_not_utf8_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        parse_csv("Caf\u00e9 question?\n".encode("latin-1"))


def test_empty_csv_gives_nothing() -> None:
    parsed = parse_csv(b"")
    assert parsed.rows == [] and parsed.rejected == []


# --- TOML ---------------------------------------------------------------------------------

GOOD_TOML = b"""\
# my bank
[[question]]
text = "What got you started?"
tag = "On-Topic"

[[question]]
text = "Tea or coffee?"
"""


def test_toml_good_file_keeps_text_tag_and_header_lines() -> None:
    parsed = parse_toml(GOOD_TOML)
    assert parsed.rows == [
        QuestionRow("What got you started?", "on-topic", 2),
        QuestionRow("Tea or coffee?", None, 6),
    ]
    assert parsed.rejected == []


def test_toml_syntax_error_becomes_one_rejection_with_its_line() -> None:
    data = b'[[question]]\ntext = "Fine?"\n\n[[question]]\ntext = "Unclosed?\n'
    parsed = parse_toml(data)
    assert parsed.rows == []
    assert len(parsed.rejected) == 1
    assert parsed.rejected[0].line == 5
    assert parsed.rejected[0].reason.startswith("not valid TOML: ")
    assert "line" not in parsed.rejected[0].reason.removeprefix("not valid TOML: ")


def test_toml_error_at_end_of_document_points_at_the_last_line() -> None:
    parsed = parse_toml(b'[[question]]\ntext = """never closed?\n')
    assert parsed.rejected == [RejectedRow(2, parsed.rejected[0].reason)]


def test_toml_missing_text_and_bad_entries_are_rejected_by_line() -> None:
    data = b"""\
[[question]]
tag = "fun"

[[question]]
text = "Real question?"
tag = "bad tag"

[[question]]
text = 42

[[question]]
text = "  real   QUESTION? "

[[question]]
text = "Kept?"
"""
    parsed = parse_toml(data)
    # the bad-tag entry was rejected, so line 11 is the first usable copy of that question
    assert parsed.rows == [QuestionRow("real QUESTION?", None, 11), QuestionRow("Kept?", None, 14)]
    by_line = {bad.line: bad.reason for bad in parsed.rejected}
    assert sorted(by_line) == [1, 4, 8]
    assert "missing text" in by_line[1]
    assert "tag" in by_line[4]
    assert "must be text" in by_line[8]
    parsed_again = parse_toml(data.replace(b'tag = "bad tag"', b'tag = "ok"'))
    assert RejectedRow(11, "duplicate of line 4") in parsed_again.rejected


def test_toml_inline_array_falls_back_to_entry_numbers() -> None:
    data = b'question = [{text = "One?"}, {tag = "fun"}, {text = "one?"}, "oops"]\n'
    parsed = parse_toml(data)
    assert parsed.rows == [QuestionRow("One?", None, 0)]
    assert parsed.rejected == [
        RejectedRow(0, 'entry 2: missing text = "..."'),
        RejectedRow(0, "entry 3: duplicate of entry 1"),
        RejectedRow(0, "entry 4: not a [[question]] table"),
    ]


def test_toml_without_question_tables_says_so() -> None:
    parsed = parse_toml(b'[questions]\ntext = "Typo in the table name?"\n')
    assert parsed.rows == []
    assert parsed.rejected == [RejectedRow(1, "no [[question]] tables found")]


def test_toml_single_brackets_are_explained() -> None:
    parsed = parse_toml(b'[question]\ntext = "Only one?"\n')
    assert parsed.rows == []
    assert "double brackets" in parsed.rejected[0].reason


def test_toml_mentions_are_rejected() -> None:
    parsed = parse_toml(b'[[question]]\ntext = "What is new, <@&123>?"\n')
    assert parsed.rows == []
    assert parsed.rejected[0].line == 1
    assert "mentions aren't allowed" in parsed.rejected[0].reason


# --- choosing a parser and whole-file limits ----------------------------------------------


def test_question_file_is_parsed_by_extension_case_insensitively() -> None:
    assert parse_question_file("Bank.CSV", b"Tea or coffee?\n").rows[0].text == "Tea or coffee?"
    assert parse_question_file("bank.toml", GOOD_TOML).rows[0].tag == "on-topic"


@pytest.mark.parametrize("name", ["questions.txt", "questions.xlsx", "questions", "toml"])
def test_other_file_types_are_refused_naming_the_accepted_formats(name: str) -> None:
    with pytest.raises(ValueError, match=r"\.csv.*\.toml"):
        parse_question_file(name, b"Tea or coffee?\n")


@pytest.mark.parametrize("name", ["big.csv", "big.toml"])
def test_oversize_files_are_refused(name: str) -> None:
    data = b"#" * (MAX_IMPORT_BYTES + 1)
    with pytest.raises(ValueError, match="at most 256 KB"):
        parse_question_file(name, data)


def test_file_at_the_size_limit_is_read() -> None:
    line = b"Q?\n"
    data = b"text\n" + b"\n" * (MAX_IMPORT_BYTES - len(b"text\n") - len(line)) + line
    assert len(data) == MAX_IMPORT_BYTES
    assert parse_csv(data).rows == [QuestionRow("Q?", None, data.count(b"\n"))]
