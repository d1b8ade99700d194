"""Hearth's draws: secret by default, reproducible from a seed (the sandbox), one stream per purpose."""

from __future__ import annotations

from bot.core.entropy import Entropy


def test_a_seed_gives_the_same_draws_and_tokens_every_time() -> None:
    first, second = Entropy(7), Entropy(7)
    assert [first.rng("trivia").random() for _ in range(3)] == [second.rng("trivia").random() for _ in range(3)]
    assert [first.token_hex(32, "giveaway seed") for _ in range(2)] == [
        second.token_hex(32, "giveaway seed") for _ in range(2)
    ]


def test_each_purpose_has_its_own_stream_so_one_feature_cannot_shift_another() -> None:
    entropy = Entropy(7)
    assert entropy.rng("trivia").random() != entropy.rng("questions").random()
    busy, quiet = Entropy(7), Entropy(7)
    for _ in range(5):
        busy.token_hex(8, "experiment arms")
    assert busy.token_hex(32, "privacy key") == quiet.token_hex(32, "privacy key")


def test_without_a_seed_tokens_come_from_the_os_and_never_repeat() -> None:
    entropy = Entropy()
    assert not entropy.seeded
    tokens = {entropy.token_hex(32, "privacy key") for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) == 64 for t in tokens)
