"""Join attribution, the way the best invite trackers do it, with the confidence stated. Pure.

The service keeps each invite's use count (``Seen``). On a join it lists the invites again and
calls ``attribute``:

1. **Moves**: invites whose uses went up, the vanity URL if its uses went up, and invites that
   vanished while still live (used up by this join, or deleted: Discord sends the same INVITE_DELETE).
2. Exactly one move that is a counted invite: ``exact``. The vanity alone: ``vanity``. More than
   one: two joins were too close to tell apart, ``unknown`` (never a guess).
3. A vanished invite is credited only when the audit log is readable and shows no moderator
   deleted it, and its last use filled it (``max_uses``); otherwise the join is ``unknown``.
4. No move at all: the audit log's invite-create entries for codes the cache never saw that are
   gone now, single use and not deleted by anyone: exactly one is ``exact``; else ``unknown``.

An inviter is credited only on an exact match, never for their own join (a self-invite) nor for
a member who joined the guild before (a rejoin).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

Source = Literal["exact", "vanity", "unknown"]
SOURCES: tuple[Source, ...] = ("exact", "vanity", "unknown")


@dataclass(frozen=True)
class Seen:
    """One invite as the cache knows it."""

    code: str
    inviter_id: int | None
    uses: int
    max_uses: int = 0  # 0 = unlimited
    expires_at_ms: int | None = None

    def live_at(self, at_ms: int) -> bool:
        return self.expires_at_ms is None or at_ms < self.expires_at_ms


@dataclass(frozen=True)
class AuditInvite:
    """An invite-create entry of the audit log (who made which code with which limits)."""

    code: str
    inviter_id: int | None
    max_uses: int
    created_at_ms: int
    max_age_s: int


@dataclass(frozen=True)
class Attribution:
    source: Source
    method: str  # "diff", "audit_log", "vanity", "ambiguous", "none"
    code: str | None = None
    inviter_id: int | None = None  # whoever made the invite (before the credit rules)


UNKNOWN = Attribution("unknown", "none")


def attribute(
    before: Mapping[str, Seen],
    after: Mapping[str, Seen],
    *,
    at_ms: int,
    vanity_before: int | None = None,
    vanity_after: int | None = None,
    vanity_code: str | None = None,
    audit_readable: bool = False,
    deleted_by_moderator: Collection[str] = (),
    audit_creates: Collection[AuditInvite] = (),
) -> Attribution:
    """Which invite a join came through, from the counts before and after it (see the module)."""
    moved = [after[c] for c in after if c in before and after[c].uses > before[c].uses]
    moved += [s for c, s in after.items() if c not in before and s.uses > 0]
    # Gone while still live and one use short of full: this join may have used it up. An invite
    # without a limit, or one a moderator deleted (audit log), can't have vanished by a join.
    vanished = [
        s
        for c, s in before.items()
        if c not in after
        and s.live_at(at_ms)
        and s.max_uses > 0
        and s.uses + 1 >= s.max_uses
        and c not in deleted_by_moderator
    ]
    vanity_moved = vanity_before is not None and vanity_after is not None and vanity_after > vanity_before
    total = len(moved) + len(vanished) + (1 if vanity_moved else 0)
    if total > 1:
        return Attribution("unknown", "ambiguous")
    if moved:
        s = moved[0]
        return Attribution("exact", "diff", s.code, s.inviter_id)
    if vanity_moved:
        return Attribution("vanity", "vanity", vanity_code)
    if vanished:
        s = vanished[0]
        if audit_readable:
            return Attribution("exact", "audit_log", s.code, s.inviter_id)
        return Attribution("unknown", "ambiguous")
    if audit_readable:
        candidates = [
            a
            for a in audit_creates
            if a.code not in before
            and a.code not in after
            and a.code not in deleted_by_moderator
            and a.max_uses == 1
            and (a.max_age_s == 0 or at_ms < a.created_at_ms + a.max_age_s * 1000)
        ]
        if len(candidates) == 1:
            a = candidates[0]
            return Attribution("exact", "audit_log", a.code, a.inviter_id)
        if candidates:
            return Attribution("unknown", "ambiguous")
    return UNKNOWN


def credited_inviter(attribution: Attribution, member_id: int, *, rejoin: bool, inviter_is_member: bool) -> int | None:
    """Who earns the join: an exact match by a member, not the newcomer themselves, not a rejoin."""
    if attribution.source != "exact" or attribution.inviter_id is None or rejoin or not inviter_is_member:
        return None
    if attribution.inviter_id == member_id:
        return None
    return attribution.inviter_id


def join_source_label(source: str, inviter_id: int | None) -> str:
    """The report's four sources: member invites, other invites, vanity, unknown."""
    if source == "exact":
        return "member invite" if inviter_id is not None else "other invite"
    return "vanity URL" if source == "vanity" else "unknown"
