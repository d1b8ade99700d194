"""Seeded randomness for the bot inside the sandbox, so the same ``--seed`` tells the same story.

Hearth draws on two kinds of randomness. Its services pick questions, trivia and the number
game's target with a ``random.Random()`` of their own (seeded from the OS), and it takes secrets
from the ``secrets`` module: the privacy key (which keys the member hashes of anonymous votes), a
giveaway's draw seed (its commitment and winners are printed), an A/B test's arm order (which
posts run at 09:00 and which at 19:00). Outside the sandbox that is what it should do. Inside it,
those values shape the report, so ``seed_bot`` replaces them with generators derived from the
sandbox's seed, one per use, and gives back a function that puts the real ``secrets`` back.
Nothing here changes what the bot does with the values.
"""

from __future__ import annotations

import base64
import random
import secrets
import sys
from collections.abc import Callable
from typing import Any

from bot.app import Hearth
from bot.platform.privacy import KEY_NAME


class SeededSecrets:
    """Stands in for the ``secrets`` module in Hearth's modules: the same calls, seeded draws."""

    compare_digest = staticmethod(secrets.compare_digest)

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def token_bytes(self, nbytes: int | None = None) -> bytes:
        return self._rng.randbytes(32 if nbytes is None else nbytes)

    def token_hex(self, nbytes: int | None = None) -> str:
        return self.token_bytes(nbytes).hex()

    def token_urlsafe(self, nbytes: int | None = None) -> str:
        return base64.urlsafe_b64encode(self.token_bytes(nbytes)).rstrip(b"=").decode("ascii")

    def randbelow(self, exclusive_upper_bound: int) -> int:
        return self._rng.randrange(exclusive_upper_bound)

    def randbits(self, k: int) -> int:
        return self._rng.getrandbits(k)

    def choice(self, seq: Any) -> Any:
        return self._rng.choice(seq)


def _hearth_modules() -> list[Any]:
    """Hearth's own loaded modules (the bot and its cogs), not the sandbox's."""
    return [
        module
        for name, module in sorted(sys.modules.items())
        if module is not None
        and (name == "bot" or name.startswith(("bot.", "cogs.")))
        and not name.startswith("bot.sandbox")
    ]


async def seed_bot(bot: Hearth, seed: int) -> Callable[[], None]:
    """Make a started ``bot``'s randomness follow ``seed``; returns the undo (call it at the end)."""
    patched: list[Any] = []
    stand_in = SeededSecrets(random.Random(f"{seed}:secrets"))
    for module in _hearth_modules():
        if getattr(module, "secrets", None) is secrets:
            module.secrets = stand_in
            patched.append(module)
    # Every service's own generator (questions, trivia, the number game), one stream each, so one
    # feature drawing more often does not change another's draws.
    for cog_name, cog in sorted(bot.cogs.items()):
        for attr, service in sorted(vars(cog).items()):
            if isinstance(getattr(service, "_rng", None), random.Random):
                service._rng = random.Random(f"{seed}:{cog_name}.{attr}")
    # The privacy key was made at start-up, before the stand-in: make it again from the seed.
    await bot.meta.set(KEY_NAME, random.Random(f"{seed}:privacy").randbytes(32).hex())
    await bot.privacy.load()

    def undo() -> None:
        for module in patched:
            module.secrets = secrets

    return undo
