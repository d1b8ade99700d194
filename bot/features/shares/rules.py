"""Publishing rules, pure: which posts are offered, Discord's 10-an-hour limit, what followers hide."""

from __future__ import annotations

from collections.abc import Sequence

MODES = ("ask", "auto", "off")
MODE_HELP = {
    "ask": "a Publish button for moderators in the offers channel, one per post",
    "auto": "Hearth publishes each post itself as it goes out",
    "off": "Hearth never publishes nor asks",
}
PUBLISHES_PER_HOUR = 10  # Discord: per announcement channel
HOUR_MS = 3_600_000
NOT_OFFERED = frozenset({"welcome"})  # a welcome names newcomers of this server: not for followers
OUT_OF_SIGHT = (
    "Followers' servers are out of Hearth's sight: reactions, replies and forwards there are not counted, "
    "so a published post's figures are this server's only."
)


def offered(kind: str) -> bool:
    return kind not in NOT_OFFERED


def publish_wait_ms(published_at: Sequence[int], now_ms: int) -> int:
    """0 when one more publish fits in the channel's hour, else how long until it does."""
    recent = sorted(t for t in published_at if t > now_ms - HOUR_MS)
    if len(recent) < PUBLISHES_PER_HOUR:
        return 0
    return recent[-PUBLISHES_PER_HOUR] + HOUR_MS - now_ms


def minutes_text(ms: int) -> str:
    minutes = max(1, -(-ms // 60_000))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
