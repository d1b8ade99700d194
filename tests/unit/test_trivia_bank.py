"""The shipped trivia bank is postable as is, and moderator imports accept good rows and explain bad ones."""

from __future__ import annotations

import json
import random
from collections import Counter
from importlib import resources

import pytest

from bot.features.trivia.bank import (
    MAX_ANSWER_LENGTH,
    MAX_IMPORT_BYTES,
    MAX_QUESTION_LENGTH,
    ImportResult,
    TriviaQuestion,
    category_slug,
    load_shipped_bank,
    parse_open_trivia_json,
    parse_trivia_toml,
    question_key,
    shipped_categories,
    validate_question,
)

BANK = load_shipped_bank()


def _question(**overrides: object) -> TriviaQuestion:
    fields: dict[str, object] = {
        "category": "science",
        "question": "What gas do plants take in for photosynthesis?",
        "correct": "Carbon dioxide",
        "incorrect": ("Oxygen", "Nitrogen", "Helium"),
        "difficulty": "easy",
        "kind": "multiple",
    }
    fields.update(overrides)
    return TriviaQuestion(**fields)  # type: ignore[arg-type]


# --- the shipped bank -------------------------------------------------------------------------


def test_shipped_bank_has_enough_questions_in_enough_categories() -> None:
    counts = Counter(q.category for q in BANK)
    assert len(BANK) >= 320
    assert len(counts) >= 7
    assert all(count >= 30 for count in counts.values()), counts
    assert shipped_categories() == sorted(counts)


@pytest.mark.parametrize("q", BANK, ids=lambda q: f"{q.category}:{q.question[:40]}")
def test_every_shipped_question_is_valid(q: TriviaQuestion) -> None:
    validate_question(q)
    assert len(q.question) <= MAX_QUESTION_LENGTH
    assert all(len(answer) <= MAX_ANSWER_LENGTH for answer in (q.correct, *q.incorrect))
    answers = [answer.casefold() for answer in (q.correct, *q.incorrect)]
    assert len(set(answers)) == len(answers), "exactly one correct answer, no repeats"
    if q.kind == "boolean":
        assert {q.correct, *q.incorrect} == {"True", "False"}
    else:
        assert q.kind == "multiple"
        assert len(q.incorrect) == 3


def test_no_question_appears_twice_in_the_shipped_bank() -> None:
    keys = Counter(question_key(q) for q in BANK)
    assert [key for key, count in keys.items() if count > 1] == []


def test_shipped_bank_mixes_true_false_and_difficulties() -> None:
    assert sum(q.kind == "boolean" for q in BANK) >= 20
    assert {q.difficulty for q in BANK} == {"easy", "medium", "hard"}


def test_true_false_answers_are_balanced_because_the_buttons_keep_their_order() -> None:
    """True/False buttons stay in reading order (docs/trivia-bank.md), so the bank must not favour
    one answer: always pressing True (or False) may not win more than 55% of the time."""
    booleans = [q for q in BANK if q.kind == "boolean"]
    trues = sum(q.correct == "True" for q in booleans)
    assert 0.45 <= trues / len(booleans) <= 0.55, f"{trues} of {len(booleans)} true/false answers are True"
    by_category: dict[str, set[str]] = {}
    for q in booleans:
        by_category.setdefault(q.category, set()).add(q.correct)
    assert all(len(answers) == 2 for answers in by_category.values()), by_category


def test_a_difficulty_setting_has_hard_questions_to_choose_from() -> None:
    hard = Counter(q.category for q in BANK if q.difficulty == "hard")
    assert sum(hard.values()) >= 40
    assert all(hard[category] >= 4 for category in shipped_categories()), hard


def test_no_two_shipped_questions_have_the_same_answer_among_the_same_options() -> None:
    """Two questions with the same right answer among the same four options (2 to the power of 10
    and the bytes in a kibibyte) play as one question asked twice."""
    seen: dict[tuple[str, frozenset[str]], str] = {}
    for q in BANK:
        if q.kind == "boolean":
            continue
        key = (q.correct.casefold(), frozenset(a.casefold() for a in q.incorrect))
        assert key not in seen, f"{q.question!r} has the same answer and options as {seen[key]!r}"
        seen[key] = q.question


def test_each_shipped_file_names_its_own_category() -> None:
    files = [f for f in resources.files("bot.features.trivia.data").iterdir() if f.name.endswith(".toml")]
    assert len(files) == len(shipped_categories())
    for entry in files:
        parsed = parse_trivia_toml(entry.read_bytes(), default_category=None)
        assert parsed.rejected == []
        assert {q.category for q in parsed.questions} == {entry.name.removesuffix(".toml")}


def test_multiple_choice_offers_all_four_answers_shuffled_and_boolean_is_fixed() -> None:
    q = _question()
    seen_orders = {tuple(q.choices(random.Random(seed))) for seed in range(20)}
    assert all(sorted(order) == sorted([q.correct, *q.incorrect]) for order in seen_orders)
    assert len(seen_orders) > 1
    boolean = _question(kind="boolean", question="Water is wet.", correct="False", incorrect=("True",))
    assert boolean.choices(random.Random(3)) == ["True", "False"]


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"question": "   "}, "question is empty"),
        ({"question": "x" * 251}, "limit is 250"),
        ({"correct": "y" * 81}, "limit is 80"),
        ({"incorrect": ("Oxygen", "Nitrogen")}, "exactly 3 incorrect"),
        ({"incorrect": ("carbon DIOXIDE", "Nitrogen", "Helium")}, "also listed as incorrect"),
        ({"incorrect": ("Oxygen", "oxygen", "Helium")}, "duplicate"),
        ({"difficulty": "impossible"}, "difficulty"),
        ({"kind": "boolean", "correct": "Yes", "incorrect": ("No",)}, '"True" and "False"'),
        ({"kind": "boolean", "correct": "True", "incorrect": ("False", "Maybe")}, "exactly 1 incorrect"),
        ({"question": "Hey @everyone, what gas do plants use?"}, "mention"),
        ({"correct": "<@123456789>"}, "mention"),
        ({"category": "Video Games"}, "slug"),
    ],
)
def test_validate_question_explains_what_is_wrong(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_question(_question(**overrides))


def test_question_key_ignores_case_and_spacing() -> None:
    a = _question(question="What is  the capital of France?")
    b = _question(question=" what is the CAPITAL of france? ")
    assert question_key(a) == question_key(b)


def test_category_names_become_lowercase_slugs() -> None:
    assert category_slug("Entertainment: Video Games") == "entertainment-video-games"
    assert category_slug("Science & Nature") == "science-nature"
    assert category_slug("  Géographie ") == "geographie"


# --- Open Trivia DB import --------------------------------------------------------------------


def _otdb(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "type": "multiple",
        "difficulty": "easy",
        "category": "Entertainment: Video Games",
        "question": "Which plumber&#039;s brother is called &quot;Luigi&quot;?",
        "correct_answer": "Mario",
        "incorrect_answers": ["Wario", "Toad", "Peach &amp; Daisy"],
    }
    row.update(overrides)
    return row


def test_open_trivia_import_decodes_entities_and_slugs_categories() -> None:
    boolean = _otdb(
        type="boolean",
        difficulty="medium",
        category="Science &amp; Nature",
        question="The Sun is a star.",
        correct_answer="True",
        incorrect_answers=["False"],
    )
    payload = {"response_code": 0, "results": [_otdb(), boolean]}
    result = parse_open_trivia_json(json.dumps(payload).encode())
    assert result.rejected == []
    first, second = result.questions
    assert first.question == 'Which plumber\'s brother is called "Luigi"?'
    assert first.incorrect == ("Wario", "Toad", "Peach & Daisy")
    assert first.category == "entertainment-video-games"
    assert (second.kind, second.category, second.difficulty) == ("boolean", "science-nature", "medium")


def test_open_trivia_import_reports_a_bad_row_at_its_position_and_keeps_the_rest() -> None:
    rows = [_otdb(question=f"Question number {n}?") for n in range(1, 4)] + [
        _otdb(question="Which answer is right?", incorrect_answers=["Wario", "Mario", "Toad"]),
        _otdb(question="Question number 5?"),
    ]
    result = parse_open_trivia_json(json.dumps(rows).encode())
    assert [q.question for q in result.questions] == [f"Question number {n}?" for n in (1, 2, 3, 5)]
    assert len(result.rejected) == 1
    position, reason = result.rejected[0]
    assert position == "result 4"
    assert "also listed as incorrect" in reason


def test_open_trivia_import_rejects_duplicates_missing_fields_and_uses_default_category() -> None:
    rows = [
        _otdb(category=None, question="Who is green?", correct_answer="Luigi"),
        _otdb(category=None, question="WHO is  green?", correct_answer="Luigi"),
        {"type": "multiple", "question": "No answers?"},
        "not an object",
    ]
    result = parse_open_trivia_json(json.dumps(rows).encode(), default_category="Retro Games")
    assert [q.category for q in result.questions] == ["retro-games"]
    assert result.rejected == [
        ("result 2", "duplicate of result 1"),
        ("result 3", "missing 'correct_answer'"),
        ("result 4", "each result must be an object"),
    ]


def test_malformed_json_is_one_rejection_with_its_position() -> None:
    result = parse_open_trivia_json(b'{"response_code": 0,\n "results": [ {"type": }')
    assert result.questions == []
    assert result.rejected == [("line 2, column 24", "malformed JSON: Expecting value")]


def test_open_trivia_error_response_is_explained() -> None:
    result = parse_open_trivia_json(b'{"response_code": 1, "results": []}')
    assert result.questions == []
    assert result.rejected[0][0] == "response"
    assert "response_code 1" in result.rejected[0][1]


def test_imports_over_the_size_limit_are_refused() -> None:
    too_big = b" " * (MAX_IMPORT_BYTES + 1)
    with pytest.raises(ValueError, match="limited to 512 KiB"):
        parse_open_trivia_json(too_big)
    with pytest.raises(ValueError, match="limited to 512 KiB"):
        parse_trivia_toml(too_big, None)


# --- TOML import ------------------------------------------------------------------------------

GOOD_TOML = """
category = "Board Games"

[[question]]
question = "How many squares are on a chess board?"
correct = "64"
incorrect = ["32", "81", "100"]
difficulty = "easy"

[[question]]
question = "In chess, a pawn can move backwards."
type = "boolean"
correct = "False"
incorrect = ["True"]

[[question]]
category = "cards"
question = "How many cards are in a standard deck without jokers?"
correct = "52"
incorrect = ["48", "54", "56"]
"""


def test_toml_import_accepts_a_well_formed_file() -> None:
    result = parse_trivia_toml(GOOD_TOML.encode(), default_category=None)
    assert result == ImportResult(
        questions=[
            TriviaQuestion(
                "board-games", "How many squares are on a chess board?", "64", ("32", "81", "100"), "easy"
            ),
            TriviaQuestion(
                "board-games", "In chess, a pawn can move backwards.", "False", ("True",), "medium", "boolean"
            ),
            TriviaQuestion(
                "cards", "How many cards are in a standard deck without jokers?", "52", ("48", "54", "56")
            ),
        ],
        rejected=[],
    )


def test_toml_import_reports_each_bad_question_and_keeps_the_good_ones() -> None:
    data = """
[[question]]
question = "Good one?"
correct = "Yes"
incorrect = ["No", "Maybe", "Never"]

[[question]]
question = "Two wrong answers only?"
correct = "Yes"
incorrect = ["No", "Maybe"]

[[question]]
question = "Typo in a key?"
correct = "Yes"
incorect = ["No", "Maybe", "Never"]

[[question]]
question = "Hard?"
correct = "Yes"
incorrect = ["No", "Maybe", "Never"]
difficulty = "brutal"

[[question]]
question = "  good ONE? "
correct = "Yes"
incorrect = ["No", "Maybe", "Never"]
"""
    result = parse_trivia_toml(data.encode(), default_category="Misc")
    assert [(q.category, q.question) for q in result.questions] == [("misc", "Good one?")]
    positions = [position for position, _ in result.rejected]
    assert positions == ["question 2", "question 3", "question 4", "question 5"]
    reasons = dict(result.rejected)
    assert "exactly 3 incorrect answers, got 2" in reasons["question 2"]
    assert "unknown key 'incorect'" in reasons["question 3"]
    assert "difficulty 'brutal'" in reasons["question 4"]
    assert reasons["question 5"] == "duplicate of question 1"


def test_toml_import_without_any_category_rejects_each_question() -> None:
    data = b'[[question]]\nquestion = "Q?"\ncorrect = "A"\nincorrect = ["B", "C", "D"]\n'
    result = parse_trivia_toml(data, default_category=None)
    assert result.questions == []
    assert result.rejected == [
        ("question 1", "no category: set one in the file or choose one when importing")
    ]


def test_malformed_toml_is_one_rejection_with_its_line() -> None:
    result = parse_trivia_toml(b'category = "x"\n[[question]\n', default_category=None)
    assert result.questions == []
    assert len(result.rejected) == 1
    position, reason = result.rejected[0]
    assert position.startswith("line 2")
    assert reason.startswith("not valid TOML")


def test_non_utf8_toml_is_rejected() -> None:
    result = parse_trivia_toml(b'category = "caf\xe9"\n', default_category=None)
    assert result.rejected == [("byte 15", "the file is not UTF-8 text")]
