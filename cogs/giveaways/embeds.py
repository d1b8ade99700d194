"""What giveaways post: the giveaway embed, the 'how to check this draw' embed, mentions, the entrants file."""

from __future__ import annotations

import io

import discord

from bot.core.clock import from_ms
from bot.core.discord_helpers import discord_timestamp, truncate
from bot.features.giveaways import rules
from bot.features.giveaways.service import requirements_of
from bot.storage.giveaways import GiveawayRow

DOCS = "docs/giveaway-draw.md"


def winner_mentions(ids: list[int]) -> discord.AllowedMentions:
    """Ping exactly these members and nobody else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(id=i) for i in ids]
    )


def mentions(ids: list[int]) -> str:
    return ", ".join(f"<@{i}>" for i in ids) if ids else "nobody"


def entrants_filename(row: GiveawayRow) -> str:
    return f"giveaway-{row.id}-entrants.txt"


def entrants_file(row: GiveawayRow, entrants: list[int]) -> discord.File:
    """The sorted entrant ids, attached to every results post so anyone can recompute the draw."""
    return discord.File(io.BytesIO(rules.entrants_file(entrants).encode()), filename=entrants_filename(row))


def verify_command(row: GiveawayRow, winners: int, excluded: list[int]) -> str:
    command = (
        f"hearth verify-draw --seed {row.seed} --commitment {row.commitment} "
        f"--entrants {entrants_filename(row)} --winners {winners}"
    )
    if excluded:
        command += " --exclude " + ",".join(str(i) for i in excluded)
    return command


def post_embed(row: GiveawayRow, current_winners: list[int] | None = None) -> discord.Embed:
    """The giveaway post: prize, end, requirements and the commitment; the seed and winners once ended."""
    embed = discord.Embed(title=truncate(f"🎉 Giveaway: {row.prize}", 256), colour=discord.Colour.gold())
    ends = from_ms(row.ends_at)
    if row.status == "open":
        embed.description = (
            f"Press **Enter** to take part. Ends {discord_timestamp(ends, 'R')} ({discord_timestamp(ends)})."
        )
    elif row.status == "cancelled":
        embed.description = "This giveaway was cancelled by a moderator; no winners were drawn."
        embed.colour = discord.Colour.dark_grey()
    else:
        ended = from_ms(row.ended_at or row.ends_at)
        embed.description = f"Ended {discord_timestamp(ended)}."
        embed.colour = discord.Colour.green()
    embed.add_field(name="Winners", value=str(row.winner_count))
    embed.add_field(name="Hosted by", value=f"<@{row.host_id}>")
    requirements = rules.describe_requirements(requirements_of(row))
    embed.add_field(
        name="Requirements to enter",
        value="\n".join(f"• {line}" for line in requirements) if requirements else "none: everyone can enter",
        inline=False,
    )
    embed.add_field(name="Commitment (SHA-256 of the secret seed)", value=f"`{row.commitment}`", inline=False)
    if row.status != "open":
        embed.add_field(name="Seed (revealed)", value=f"`{row.seed}`", inline=False)
    if current_winners is not None and row.status == "ended":
        embed.add_field(name="Current winners", value=truncate(mentions(current_winners), 1024), inline=False)
    embed.set_footer(text=f"Giveaway #{row.id} · anyone can check the draw: {DOCS}")
    return embed


def _check_embed(
    row: GiveawayRow,
    what: str,
    preamble: str,
    count: int,
    drawn: list[int],
    excluded: list[int],
    field: tuple[str, str, bool],
) -> discord.Embed:
    """'How to check this draw/reroll': the seed, commitment and the verify-draw command that redoes it."""
    embed = discord.Embed(title=f"Giveaway #{row.id}: how to check this {what}", colour=discord.Colour.green())
    embed.description = (
        f"{preamble} with the procedure in `{DOCS}`, or run:\n```{verify_command(row, count, excluded)}```"
    )
    embed.add_field(name="Seed", value=f"`{row.seed}`", inline=False)
    embed.add_field(name="Commitment", value=f"`{row.commitment}`", inline=False)
    embed.add_field(name="Winners to draw", value=str(count))
    name, value, inline = field
    embed.add_field(name=name, value=value, inline=inline)
    embed.add_field(name="Winners in draw order", value=truncate(mentions(drawn), 1024), inline=False)
    return embed


def draw_embed(row: GiveawayRow, entrants: list[int], winners: list[int]) -> discord.Embed:
    """How to check the first draw against the commitment published when the giveaway opened."""
    return _check_embed(
        row,
        "draw",
        "The seed below hashes (SHA-256) to the commitment published on the giveaway post when it opened. "
        f"Draw {row.winner_count} winner(s) from the sorted entrant ids in the attached file",
        row.winner_count,
        winners,
        [],
        ("Entrants", f"{len(entrants)} (sorted ids in `{entrants_filename(row)}`)", True),
    )


def reroll_embed(row: GiveawayRow, drawn: list[int], excluded: list[int]) -> discord.Embed:
    """How to check a reroll: the same seed and entrants, past winners excluded."""
    return _check_embed(
        row,
        "reroll",
        f"Same seed and entrants as the draw; everyone who already won is excluded. Draw {len(drawn)} winner(s)",
        len(drawn),
        drawn,
        excluded,
        ("Excluded", truncate(" ".join(map(str, excluded)), 1024), False),
    )


def results_text(row: GiveawayRow, entrant_count: int, winners: list[int]) -> str:
    """The results announcement: congratulations (or that it ended) and a note when entrants were few."""
    if winners:
        content = f"🎉 Congratulations {mentions(winners)}! You won **{row.prize}**."
    else:
        content = f"The giveaway for **{row.prize}** has ended."
    note = rules.outcome_note(entrant_count, row.winner_count)
    if note:
        content += f"\n{note}"
    return content
