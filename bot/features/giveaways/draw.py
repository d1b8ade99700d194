"""The auditable giveaway draw: commit to a secret seed, then draw winners from it.

Before entries close Hearth publishes `commitment(seed)`; after the draw it publishes the seed.
Anyone can then check the seed against the commitment and re-run `draw_winners` on the entrant
list to get the same winners (docs/giveaway-draw.md has the procedure and a standalone script).

Procedure (keep in step with the doc; changing it breaks old audits):
1. Take the distinct entrant ids, as integers, sorted ascending; remove the excluded ids.
2. For i = 0, 1, 2, ...: h = SHA-256 of the UTF-8 text f"{seed}:{i}", read as a big-endian
   unsigned integer; the winner is the entry at index h mod (pool size), and it leaves the pool.
3. Stop after `count` winners or when the pool is empty. Winners are returned in draw order.

The modulo bias of h mod n for a 256-bit h is below n / 2**256, i.e. negligible for any pool.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable

from bot.core.entropy import Entropy

log = logging.getLogger(__name__)


def new_seed(entropy: Entropy | None = None) -> str:
    """A fresh secret seed: 32 random bytes (the OS CSPRNG unless the sandbox seeds it), as 64 hex characters."""
    return (entropy or Entropy()).token_hex(32, "giveaway seed")


def commitment(seed: str) -> str:
    """The public commitment to a seed: SHA-256 hex digest of its UTF-8 bytes."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def draw_winners(seed: str, entrant_ids: Iterable[int], count: int, exclude: Iterable[int] = ()) -> list[int]:
    """Draw up to `count` distinct winners, deterministically from the seed (see module doc).

    Fewer entrants than winners simply gives every eligible entrant, in draw order.
    """
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    excluded = {int(x) for x in exclude}
    pool = sorted({int(x) for x in entrant_ids} - excluded)
    winners: list[int] = []
    i = 0
    while pool and len(winners) < count:
        h = int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest(), "big")
        winners.append(pool.pop(h % len(pool)))
        i += 1
    return winners


def verify(
    seed: str,
    published_commitment: str,
    entrant_ids: Iterable[int],
    count: int,
    exclude: Iterable[int] = (),
) -> list[int]:
    """Re-run a published draw; raises ValueError if the seed does not match the commitment."""
    expected = commitment(seed).encode("ascii")
    published = published_commitment.strip().lower().encode("utf-8")
    if not hmac.compare_digest(expected, published):
        raise ValueError("the revealed seed does not match the published commitment")
    return draw_winners(seed, entrant_ids, count, exclude)
