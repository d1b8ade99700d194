"""Trivia's messages: a question, its reveal, round standings, the leaderboard and a season's final board."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.clock import from_ms
from bot.core.discord_helpers import discord_timestamp
from bot.features.trivia.bank import TriviaQuestion
from bot.features.trivia.seasons import period_label
from bot.features.trivia.service import Leaderboard
from bot.features.trivia.session import OpenQuestion, Standings
from bot.storage.trivia import RoundRow, SeasonRow

LETTERS = "🇦🇧🇨🇩"
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def standings_lines(standings: Standings, limit: int = 10) -> list[str]:
    lines = []
    for place, members, points in standings[:limit]:
        who = ", ".join(f"<@{m}>" for m in members)
        lines.append(f"{MEDALS.get(place, f'{place}.')} {who}: **{points:,}**")
    return lines


def question_embed(
    round_: RoundRow, index: int, question: TriviaQuestion, choices: list[str], closes_at: datetime
) -> discord.Embed:
    embed = discord.Embed(
        title=f"🧠 Trivia · question {index + 1} of {round_.questions}",
        description=question.question,
        colour=discord.Colour.blurple(),
    )
    if question.kind == "multiple":
        embed.description = (
            question.question
            + "\n\n"
            + "\n".join(f"{LETTERS[i]} {discord.utils.escape_markdown(c)}" for i, c in enumerate(choices))
        )
    embed.add_field(name="Category", value=f"{question.category} · {question.difficulty}")
    embed.add_field(name="Time", value=f"{round_.timer_s} s, closes {discord_timestamp(closes_at, 'R')}")
    embed.set_footer(text="One answer each · right and fast scores most (500-1000 points)")
    return embed


def reveal_text(open_question: OpenQuestion) -> str:
    """The line after a question closes: the right answer, who got it, how many answered."""
    correct_text = open_question.choices[open_question.correct_index]
    results = open_question.results()
    right = [r for r in results if r.correct]
    lines = [f"✅ The answer was **{discord.utils.escape_markdown(correct_text)}**."]
    if right:
        lines.append("Right: " + ", ".join(f"<@{r.member_id}> (+{r.points})" for r in right))
    else:
        lines.append("Nobody got it this time.")
    lines.append(f"{len(results)} answered.")
    return "\n".join(lines)


def standings_embed(standings: Standings, *, stopped: bool) -> discord.Embed:
    title = "🛑 Trivia round stopped" if stopped else "🏆 Trivia round over"
    body = "\n".join(standings_lines(standings)) or "Nobody answered this round."
    embed = discord.Embed(title=title, description=body, colour=discord.Colour.gold())
    embed.set_footer(text="/trivia leaderboard shows the week, month, season and all time")
    return embed


def season_end_embed(ended: SeasonRow, standings: Standings, following: SeasonRow) -> discord.Embed:
    podium = [
        f"{MEDALS[place]} " + ", ".join(f"<@{m}>" for m in members) for place, members, _ in standings if place <= 3
    ]
    lines = standings_lines(standings) or ["Nobody scored this season."]
    embed = discord.Embed(
        title=f"🏁 Trivia season {ended.number} is over!",
        description="\n".join(lines),
        colour=discord.Colour.gold(),
    )
    if podium:
        embed.add_field(name="Congratulations", value="\n".join(podium), inline=False)
    embed.add_field(
        name="Next",
        value=f"Season {following.number} starts now and ends {discord_timestamp(from_ms(following.ends_at), 'D')}.",
        inline=False,
    )
    return embed


def leaderboard_embed(board: Leaderboard, period: str) -> discord.Embed:
    title = f"🏆 Trivia leaderboard: {period_label(period)}"
    if board.season is not None:
        title = f"🏆 Trivia leaderboard: season {board.season.number}"
    embed = discord.Embed(
        title=title,
        colour=discord.Colour.gold(),
        description="\n".join(standings_lines(board.standings)) or "No points yet.",
    )
    if board.period != "all":
        embed.set_footer(text="Counting answers since")
        embed.timestamp = board.since
    if board.season is not None:
        embed.add_field(name="Season ends", value=discord_timestamp(from_ms(board.season.ends_at), "D"))
    return embed
