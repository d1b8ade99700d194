"""A poll's texts: the anonymous poll's embed, the result with its turnout, and message links."""

from __future__ import annotations

import discord

from bot.core.clock import from_ms
from bot.core.discord_helpers import discord_timestamp, truncate
from bot.features.polls.rules import Participation, Tally, percent, winner_line
from bot.storage.polls import PollRow

CLOSED_TEXT = "This poll has closed; votes are no longer accepted."
ANONYMITY_NOTE = "Anonymous: nobody, moderators included, can see who voted for what. Counts appear when it closes."


def jump_url(guild_id: int, channel_id: int, message_id: int | None) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id or ''}"


def anonymous_embed(poll: PollRow) -> discord.Embed:
    closes = from_ms(poll.closes_at)
    lines = [f"{i + 1}. {option}" for i, option in enumerate(poll.options)]
    how = "Pick as many as you like." if poll.multi else "Pick one."
    if poll.is_open:
        status = f"{how} Closes {discord_timestamp(closes, 'R')}."
    else:
        status = f"Closed {discord_timestamp(from_ms(poll.closed_at or poll.closes_at), 'R')}: results below."
    embed = discord.Embed(
        title=truncate(f"📊 {poll.question}", 256),
        description="\n".join(lines) + f"\n\n{status}",
        colour=discord.Colour.blurple() if poll.is_open else discord.Colour.dark_grey(),
    )
    embed.set_footer(text=f"Poll #{poll.id} · {ANONYMITY_NOTE}")
    return embed


def result_lines(result: Tally, multi: bool) -> list[str]:
    winners = set(result.winners)
    lines = []
    for i, option in enumerate(result.options):
        count = result.counts[i]
        medal = " 🏆" if i in winners else ""
        lines.append(f"**{option}**: {count} vote{'s' if count != 1 else ''} ({result.percentages[i]:.0f}%){medal}")
    lines.append("")
    lines.append(winner_line(result))
    if multi:
        lines.append("Percentages are shares of voters; each voter could pick several options.")
    return lines


def participation_text(voters: int, figures: Participation) -> str:
    if figures.active_base:
        base = (
            f"{percent(figures.rate)} of active members ({figures.responders} of the {figures.active_base} "
            "active in the 28 days before)"
        )
    else:
        base = f"{figures.responders} responder(s), nobody was active in the 28 days before"
    reach = (
        f"{percent(figures.reach)} of all {figures.member_count} members"
        if figures.member_count
        else "member count unknown"
    )
    return f"{voters} voter{'s' if voters != 1 else ''}. Participation: {base}; {reach}."


def result_embed(poll: PollRow, result: Tally, figures: Participation, filename: str) -> discord.Embed:
    embed = discord.Embed(
        title=truncate(f"📊 Results: {poll.question}", 256),
        description="\n".join(result_lines(result, poll.multi))[:4000],
        colour=discord.Colour.green(),
    )
    embed.add_field(name="Turnout", value=participation_text(result.voters, figures), inline=False)
    embed.set_image(url=f"attachment://{filename}")
    kind = "anonymous poll: Hearth never stores who chose what" if poll.anonymous else "Discord poll"
    embed.set_footer(text=f"Poll #{poll.id} · {kind}")
    return embed
