"""Where Hearth's random draws come from, injected like the clock.

``Entropy()`` is the operating system's: ``secrets`` for keys and seeds that must stay secret, a
fresh OS-seeded generator for each feature's everyday draws (which question, which trivia). The
sandbox passes ``Entropy(seed)``, which derives every draw from its seed, one stream per purpose,
so the same ``--seed`` tells the same story and one feature drawing more often never changes
another's draws.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter


class Entropy:
    """Random generators and secret tokens, from the OS or (in the sandbox) from a seed."""

    def __init__(self, seed: int | str | None = None) -> None:
        self._seed = seed
        self._tokens: Counter[str] = Counter()

    @property
    def seeded(self) -> bool:
        return self._seed is not None

    def rng(self, purpose: str) -> random.Random:
        """A generator for one feature's draws (``purpose`` names it: "questions", "trivia", ...)."""
        return random.Random() if self._seed is None else random.Random(f"{self._seed}:{purpose}")

    def token_hex(self, nbytes: int, purpose: str) -> str:
        """``nbytes`` random bytes as hex: from the OS CSPRNG unless seeded (then not secret, by design)."""
        if self._seed is None:
            return secrets.token_hex(nbytes)
        self._tokens[purpose] += 1
        return random.Random(f"{self._seed}:{purpose}:{self._tokens[purpose]}").randbytes(nbytes).hex()
