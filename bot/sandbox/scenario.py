"""What the sandbox's moderator does: set up, plan content for the backfill, run the live session.

Every step is a small function that uses Hearth's real slash commands and quietly does nothing
when a build lacks the command, so features can be added one at a time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.sandbox.localdiscord.interactions import walk_components
from bot.sandbox.localdiscord.world import Member
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


# ---- voice of members: the feedback box and pulse surveys (docs/feedback.md) --------------------
FEEDBACK_LINES = (
    ("idea", "Could we have a weekly music night in voice chat?"),
    ("idea", "A channel for sharing photos of our pets would be lovely"),
    ("problem", "The daily question sometimes comes twice in a row, a bit confusing"),
    ("praise", "The trivia nights are the best part of my week, thank you!"),
    ("idea", "Monthly art contests with a theme picked by members"),
    ("problem", "Hard to find the rules: could they be pinned in general?"),
    ("idea", "A book club thread with one book a month"),
    ("praise", "Thanks for keeping this place friendly and calm"),
)  # fmt: skip
ABUSE = "You are all useless idiots and this server is garbage, shut it down"
DECLINE_REASONS = (
    "We tried this last year and few people came; we'd rather put the time into events.",
    "That would need a bot with admin rights we don't want to give.",
)


async def setup_voice(sb: Sandbox) -> None:
    """The feedback box (review channel, public ideas channel) and a monthly pulse survey."""
    await sb.command("feedback setup", channel=sb.feedback_channel, public_channel=sb.ideas)
    await sb.command("pulse schedule", every="month", channel=sb.announcements, days=5)


async def send_feedback(sb: Sandbox, member: Member, kind: str, text: str, anonymous: bool) -> str:
    """A member's /feedback send: the command opens the modal, the member fills it in."""
    if not sb.has_command("feedback send"):
        return ""
    await sb._settle(write=True)
    opened = await sb.server.run_command(member, sb.general, "feedback send", {})
    await opened.response(timeout=10)
    if opened.modal is None:
        return await opened.text()
    values = {"hearth:fb:kind": kind, "hearth:fb:text": text, "hearth:fb:who": "anonymous" if anonymous else "named"}
    submitted = await sb.server.submit_modal(member, opened, values)
    answer = await submitted.text(timeout=10)
    await sb._settle()
    sb.stats.commands["feedback send"] += 1
    return answer


def _writers(sb: Sandbox) -> list[Member]:
    return [sb.members[p.index] for p in sb.model.alive() if p.writes_per_day > 0 and p.index in sb.members]


async def members_send_feedback(sb: Sandbox, week: int) -> None:
    """Two members a week tell the moderators something; about a third of it anonymously."""
    rng = random.Random(f"{sb.settings.seed}:feedback:{week}")
    writers = _writers(sb)
    for n in range(min(2, len(writers))):
        member = rng.choice(writers)
        kind, text = FEEDBACK_LINES[(2 * week + n) % len(FEEDBACK_LINES)]
        await send_feedback(sb, member, kind, text, anonymous=rng.random() < 0.35)
        await upvote_latest(sb, rng)


async def upvote_latest(sb: Sandbox, rng: random.Random) -> None:
    """A few members upvote the newest public item (one vote each, nobody sees who)."""
    posts = sb.server.sent_by_bot(sb.ideas)
    if not posts:
        return
    post = posts[-1]
    buttons = [c["custom_id"] for c in walk_components(post.components) if c.get("custom_id")]
    writers = _writers(sb)
    if not buttons or not writers:
        return
    for member in rng.sample(writers, min(len(writers), rng.randint(0, 4))):
        result = await sb.server.click(member, post, buttons[0])
        await result.response(timeout=10)
    await sb._settle()


async def abusive_sender(sb: Sandbox) -> None:
    """One member sends abuse anonymously; the moderator blocks the sender without learning who."""
    writers = _writers(sb)
    if not writers or not sb.has_command("feedback send"):
        return
    abuser = writers[len(writers) // 2]
    await send_feedback(sb, abuser, "problem", ABUSE, anonymous=True)
    review = sb.server.sent_by_bot(sb.feedback_channel)
    block = [
        c["custom_id"] for m in review[-1:] for c in walk_components(m.components)
        if str(c.get("custom_id", "")).endswith(":block")
    ]
    if block:
        result = await sb.server.click(sb.moderator, review[-1], block[0])
        await result.text(timeout=10)
        sb.stats.commands["feedback block"] += 1
        declined = await sb.server.click(sb.moderator, review[-1], block[0].replace(":block", ":declined"))
        await declined.response(timeout=10)
        if declined.modal is not None:
            answered = await sb.server.submit_modal(
                sb.moderator, declined, {"hearth:fb:reason": "Abusive message: its sender can no longer send feedback."}
            )
            await answered.text(timeout=10)
    again = await send_feedback(sb, abuser, "problem", ABUSE + "!!", anonymous=True)
    if "blocked" in again:
        sb.stats.commands["feedback refused (blocked)"] += 1


async def moderator_answers(sb: Sandbox) -> None:
    """The moderator goes through the new items: planned, done, declined with a reason, or review."""
    for message in list(sb.server.sent_by_bot(sb.feedback_channel)):
        buttons = {
            str(c.get("custom_id")).rsplit(":", 1)[1]: str(c.get("custom_id"))
            for c in walk_components(message.components) if str(c.get("custom_id", "")).startswith("hearth:fb:")
        }
        embed = message.embeds[0] if message.embeds else {}
        status = next((f["value"] for f in embed.get("fields", []) if f.get("name") == "Status"), "")
        if "review" not in buttons or ABUSE[:20] in (embed.get("description") or ""):
            continue
        if not status.startswith("**new**") and not status.startswith("**under review**"):
            continue
        number = int((embed.get("title") or "#0").rsplit("#", 1)[1])
        choice = ("planned", "done", "declined", "review", "done")[number % 5]
        if status.startswith("**under review**") and choice == "review":
            choice = "planned"
        result = await sb.server.click(sb.moderator, message, buttons[choice])
        if choice == "declined":
            await result.response(timeout=10)
            result = await sb.server.submit_modal(
                sb.moderator, result, {"hearth:fb:reason": DECLINE_REASONS[number % len(DECLINE_REASONS)]}
            )
        await result.text(timeout=10)
        await sb._settle()
        sb.stats.commands[f"feedback {choice}"] += 1


def note_liveliness(sb: Sandbox, at: datetime) -> None:
    """How lively the server is: events of the last 7 days against the weekly mean so far (1 = as usual).
    Pulse answers drift with it (bot/sandbox/runner.py ``_answer_pulse``)."""
    marks = sb.event_marks
    marks.append((at, sb.stats.events))
    week_ago = at - timedelta(days=7)
    while len(marks) > 1 and marks[1][0] <= week_ago:
        marks.popleft()
    elapsed_weeks = max((at - sb.start).total_seconds() / (7 * 86400), 1.0)
    mean_weekly = sb.stats.events / elapsed_weeks
    recent = sb.stats.events - marks[0][1]
    sb.liveliness = recent / mean_weekly if mean_weekly > 0 and at - sb.start >= timedelta(days=7) else 1.0


async def weekly_plan(sb: Sandbox, at: datetime) -> None:
    """The moderator's habits during the backfill (local time): a submission contest every second
    Monday noon (3 days to submit, 2 to vote), a poll on Tuesday evening, trivia on Thursday evening,
    a giveaway every second Friday evening, the number game on Saturday morning; one member opts
    out on the first Wednesday."""
    local = sb.local(at)
    week = int((at - sb.start).total_seconds() // (7 * 86400))
    slot = (local.weekday(), local.hour)
    note_liveliness(sb, at)
    if slot == (2, 14):
        await members_send_feedback(sb, week)
    elif slot == (2, 16) and week == 0:
        await abusive_sender(sb)
    elif slot == (4, 11):
        await moderator_answers(sb)
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
    await setup_voice(sb)
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
