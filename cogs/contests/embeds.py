"""What contests post: the contest embed, each entry, the vote prompt and poll, the results."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

import discord

from bot.core.clock import from_ms
from bot.core.discord_helpers import discord_timestamp, truncate
from bot.core.limits import human_duration
from bot.features.contests import rules
from bot.storage.contests import ContestRow, EntryRow


def entry_text(entry: EntryRow, *, credited: bool) -> str:
    """The entry as posted when voting opens: number, author (unless anonymous), text, attachment."""
    head = f"**Entry #{entry.number}**" + (f" by <@{entry.member_id}>" if credited else "")
    parts = [head]
    if entry.text:
        parts.append(entry.text)
    if entry.attachment_url:
        parts.append(entry.attachment_url)
    return truncate("\n".join(parts), 2000)


def post_embed(row: ContestRow, result_line: str | None = None) -> discord.Embed:
    """The contest post, as it reads in the current phase (with the headline once ended)."""
    embed = discord.Embed(title=truncate(f"🏆 Contest: {row.theme}", 256), colour=discord.Colour.blurple())
    closes = from_ms(row.submissions_close_at)
    vote_length = timedelta(milliseconds=row.vote_duration_ms)
    if row.status == "submissions":
        embed.description = (
            f"Submit your entry with `/contest submit` (text and/or one file) until "
            f"{discord_timestamp(closes)} ({discord_timestamp(closes, 'R')}). One entry each; change it with "
            f"`/contest edit` until then. Voting runs {human_duration(vote_length)} after that."
        )
    elif row.status == "voting":
        ends = from_ms(row.voting_ends_at or 0)
        embed.description = f"Submissions are closed. Vote in the thread until {discord_timestamp(ends)}."
    elif row.status == "cancelled":
        embed.description = "This contest was cancelled by a moderator."
        embed.colour = discord.Colour.dark_grey()
    else:
        embed.description = result_line or "This contest has ended."
        embed.colour = discord.Colour.green()
    embed.add_field(name="Entries", value="anonymous until the results" if row.anonymous else "credited")
    embed.add_field(name="Hosted by", value=f"<@{row.host_id}>")
    embed.set_footer(text=f"Contest #{row.id} · you can't vote for your own entry")
    return embed


def buttons_vote_text(entry_count: int, ends: datetime) -> str:
    return (
        f"Submissions are closed: {entry_count} entries. Vote with the button under your favourite "
        f"until {discord_timestamp(ends)}. One vote each (press another to move it); "
        "you can't vote for your own entry."
    )


def poll_vote_text(entry_count: int, ends: datetime) -> str:
    return (
        f"Submissions are closed: {entry_count} entries above. Vote in the poll until {discord_timestamp(ends)}; "
        "votes for your own entry don't count."
    )


def vote_poll(
    row: ContestRow, entries: list[EntryRow], length: timedelta, name_of: Callable[[int], str | None]
) -> discord.Poll:
    """A native poll with one answer per entry (authors named unless anonymous), lasting whole hours."""
    hours = min(max(1, math.ceil(length.total_seconds() / 3600)), 32 * 24)
    poll = discord.Poll(question=truncate(f"Vote: {row.theme}", 300), duration=timedelta(hours=hours))
    for entry in entries:
        name = None if row.anonymous else name_of(entry.member_id)
        poll.add_answer(text=rules.poll_answer_text(entry.number or 0, name, entry.text or entry.attachment_name))
    return poll


def results_text(row: ContestRow, result: rules.Result) -> tuple[str, str]:
    """The results post and the one-line headline shown on the contest post."""
    if not result.winners:
        headline = "No votes were cast, so there is no winner."
    elif result.tied:
        names = " and ".join(f"#{s.number} by <@{s.author_id}>" for s in result.winners)
        headline = f"🤝 It's a tie: {names} share the win with {result.winners[0].votes} vote(s) each."
    else:
        top = result.winners[0]
        headline = f"🏆 Entry #{top.number} by <@{top.author_id}> wins with {top.votes} vote(s)!"
    lines = [f"**Results of contest #{row.id}: {row.theme}**", headline, ""]
    for standing in result.standings:
        lines.append(f"#{standing.number} by <@{standing.author_id}>: {standing.votes} vote(s)")
    if result.ignored_self_votes:
        lines.append(f"\n{result.ignored_self_votes} vote(s) for the voter's own entry were not counted.")
    return truncate("\n".join(lines), 2000), headline
