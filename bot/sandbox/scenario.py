"""What the sandbox's moderator does: set up, plan content for the backfill, run the live session.

Every step is a small function that uses Hearth's real slash commands and quietly does nothing
when a build lacks the command, so features can be added one at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.sandbox.runner import Sandbox

POLLS = (
    ("Best time for a community game night?", "Friday evening, Saturday afternoon, Sunday evening"),
    ("Which channel should we add next?", "Music, Books, Cooking, Pets"),
    ("Pineapple on pizza?", "Yes, No, Only on Tuesdays"),
    ("Favourite season?", "Spring, Summer, Autumn, Winter"),
    ("How do you take your coffee?", "Black, With milk, I drink tea, Neither"),
    ("Next movie night pick?", "Sci-fi, Comedy, Horror, Documentary"),
    ("Cats or dogs?", "Cats, Dogs, Both, Neither"),
    ("What should the next event be?", "Quiz night, Art contest, Game tournament"),
)
CONTEST_THEMES = ("Something you made this week", "Your best photo of the season", "A six-word story",
                  "Your workspace")  # fmt: skip
EXPERIMENT = "morning-vs-evening"
PRIZES = ("a Steam gift card", "the server's custom role for a month", "a signed poster", "Nitro for a month")


async def setup_guild(sb: Sandbox) -> None:
    """/hearth setup: the guild's time zone, moderator role and summary channel."""
    await sb.command(
        "hearth setup",
        timezone=sb.tz_name,
        moderator_role=sb.moderator_role,
        summary_channel=sb.announcements,
    )


async def plan_questions(sb: Sandbox) -> None:
    """Load the starter questions and schedule them: mornings on some days, evenings on others."""
    await sb.command("question starter-pack")
    await sb.command("question schedule", channel=sb.general, time="09:00", days="mon,wed,fri")
    await sb.command("question schedule", channel=sb.general, time="20:00", days="tue,thu,sat,sun")


async def start_poll(sb: Sandbox, number: int, duration: str = "1d") -> None:
    question, options = POLLS[number % len(POLLS)]
    await sb.command("poll create", question=question, options=options, duration=duration)


async def start_giveaway(sb: Sandbox, number: int, duration: str = "2d") -> None:
    await sb.command("giveaway start", prize=PRIZES[number % len(PRIZES)], duration=duration, winners=1)


async def start_trivia(sb: Sandbox, questions: int = 3) -> None:
    await sb.command("trivia start", questions=questions, timer=20)


async def start_contest(sb: Sandbox, number: int, submit_for: str = "3d", vote_for: str = "2d") -> None:
    """A submission contest: members enter with /contest submit, then vote in its thread."""
    theme = CONTEST_THEMES[number % len(CONTEST_THEMES)]
    await sb.command("contest start", theme=theme, submit_for=submit_for, vote_for=vote_for)


async def post_game(sb: Sandbox) -> None:
    """Today's number game: members guess through its 25 buttons until local midnight."""
    await sb.command("game post", channel=sb.general)


async def start_experiment(sb: Sandbox) -> None:
    """An A/B test on the 09:00 question schedule: 09:00 against 19:00 over its next posts (three a
    week; at most four weeks, so with the default eight weeks it ends with a verdict)."""
    if not sb.has_command("experiment start"):
        return
    schedules = await sb.bot.scheduler.repo.list(sb.guild.id, kind="question")
    morning = [s for s in schedules if s.local_time.hour == 9]
    if not morning:
        return
    posts = max(4, min(12, 3 * sb.settings.weeks))
    await sb.command(
        "experiment start", name=EXPERIMENT, factor="slot", a="09:00", b="19:00", schedule=morning[0].id, posts=posts
    )


async def opt_out_one_member(sb: Sandbox) -> None:
    """One regular writer runs /privacy optout: Hearth records nothing more about them (they go on
    chatting, so the report's counts leave out real activity, as they should)."""
    writers = [p for p in sb.model.alive() if p.writes_per_day > 0 and p.index in sb.members]
    if not writers:
        return
    member = sb.members[writers[0].index]
    if await sb.command("privacy optout", member=member) is not None:
        sb.stats.opted_out[member.id] = sb.clock.now()


async def weekly_plan(sb: Sandbox, at: datetime) -> None:
    """The moderator's habits during the backfill (local time): a submission contest every second
    Monday noon (3 days to submit, 2 to vote), a poll on Tuesday evening, trivia on Thursday evening,
    a giveaway every second Friday evening, the number game on Saturday morning; one member opts
    out on the first Wednesday."""
    local = sb.local(at)
    week = int((at - sb.start).total_seconds() // (7 * 86400))
    slot = (local.weekday(), local.hour)
    if slot == (0, 12) and week % 2 == 0:
        await start_contest(sb, week // 2)
    elif slot == (2, 12) and week == 0:
        await opt_out_one_member(sb)
    elif slot == (5, 10):
        await post_game(sb)
    elif slot == (1, 19):
        await start_poll(sb, week)
    elif slot == (3, 21):
        await start_trivia(sb)
    elif slot == (4, 18) and week % 2 == 1:
        await start_giveaway(sb, week)


async def backfill(sb: Sandbox) -> None:
    """Weeks of history: set up at the start, then let the community and the bot live."""
    await setup_guild(sb)
    await plan_questions(sb)
    await start_experiment(sb)
    await sb.advance(sb.end, on_hour=lambda t: weekly_plan(sb, t), report_progress=True)


async def live_session(sb: Sandbox) -> None:
    """A short scripted morning, printed as it happens."""
    sb.verbose = True
    sb._log_since = sb.clock.now()
    await setup_guild(sb)
    await sb.command("hearth status")
    await sb.command("question schedule", channel=sb.general, time="18:00", days="weekdays")
    await sb.command("question now", channel=sb.general)
    await start_poll(sb, 0, duration="2h")
    await start_giveaway(sb, 1, duration="2h")
    await start_trivia(sb)
    await post_game(sb)
    await start_contest(sb, 1, submit_for="1h", vote_for="1h")
    await sb.advance(sb.clock.now() + timedelta(hours=3))
    regulars = sorted((p for p in sb.model.alive() if p.index in sb.members), key=lambda p: -p.engagement)
    if regulars:
        await sb.command("streak", member=sb.members[regulars[0].index])
    await sb.command("summary preview", answer_lines=6)
    await sb.command("experiment status", name=EXPERIMENT, answer_lines=12)
    sb.verbose = False
