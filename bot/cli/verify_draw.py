"""``hearth verify-draw``: recompute a giveaway draw from what Hearth published (docs/giveaway-draw.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.cli.common import Subcommands
from bot.features.giveaways.draw import verify
from bot.features.giveaways.rules import parse_id_list

log = logging.getLogger(__name__)


def register(sub: Subcommands, parents: list[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "verify-draw",
        parents=parents,
        help="check a giveaway's seed against its commitment and recompute its winners",
        description=(
            "Recompute a giveaway draw from its published seed, commitment and entrant list. "
            "Prints the winners in draw order; exits 1 if the seed does not match the commitment."
        ),
    )
    parser.add_argument("--seed", required=True, help="the seed revealed in the results post")
    parser.add_argument("--commitment", required=True, help="the SHA-256 published on the giveaway post")
    parser.add_argument("--entrants", required=True, help="file of entrant ids (the attached entrants.txt)")
    parser.add_argument("--winners", required=True, type=int, help="how many winners were drawn")
    parser.add_argument(
        "--exclude", nargs="*", default=[], help="ids excluded from the draw (earlier winners, for a reroll)"
    )
    parser.set_defaults(handler=cmd_verify_draw)


def cmd_verify_draw(args: argparse.Namespace) -> int:
    try:
        entrants = parse_id_list(Path(args.entrants).read_text(encoding="utf-8"))
        excluded = parse_id_list(" ".join(args.exclude))
    except OSError as exc:
        print(f"hearth: cannot read {args.entrants}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"hearth: {exc}", file=sys.stderr)
        return 2
    if args.winners < 0:
        print("hearth: --winners must be 0 or more", file=sys.stderr)
        return 2
    try:
        winners = verify(args.seed, args.commitment, entrants, args.winners, excluded)
    except ValueError as exc:
        print(f"MISMATCH: {exc}", file=sys.stderr)
        return 1
    print(f"OK: the seed matches the commitment; {len(set(entrants) - set(excluded))} eligible entrant(s).")
    print("Winners in draw order:")
    for winner in winners:
        print(winner)
    return 0
