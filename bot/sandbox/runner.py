"""The sandbox: the real Hearth bot against the local Discord, with a simulated community.

``Sandbox`` starts a ``LocalDiscord`` on a ``FakeClock``, builds one guild whose members follow
``bot.sandbox.community``, starts Hearth with ``start_hearth`` and then moves the clock: the
real scheduler posts (``bot.scheduler.run_due()``), a moderator runs real slash commands, and
members act through the local Discord's verbs, so everything reaches Hearth as gateway events
and is recorded by its own recorder. Nothing is written to the database behind the bot's back.

Each feature step is a small method that checks the command exists first, so the sandbox
keeps working whatever features a build has.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import INTERACTION_TASKS, Hearth
from bot.core.clock import FakeClock
from bot.core.entropy import Entropy
from bot.core.progress import Progress
from bot.core.readable import Names, readable
from bot.sandbox.community import (
    Action,
    CommunityModel,
    CommunitySettings,
    Join,
    Leave,
    React,
    Respond,
    Say,
)
from bot.sandbox.hearth_runner import local_settings, start_hearth
from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.interactions import WAIT, InteractionResult, walk_components
from bot.sandbox.localdiscord.invites import VIEW_AUDIT_LOG
from bot.sandbox.localdiscord.testing import BotRunner
from bot.sandbox.localdiscord.world import Channel, Guild, Member, Message, Perm, Role

log = logging.getLogger(__name__)

STEP = timedelta(hours=1)
LIVE_STEP = timedelta(seconds=5)  # while a trivia round runs
LIVE_KINDS = ("trivia",)
BARRIER_TIMEOUT_S = WAIT  # real seconds; generous, a loaded machine is slow (interactions.WAIT)
# Tasks discord.py starts for listeners (client._schedule_event) and interactions: the bot has
# caught up only when none of them is still running.
LISTENER_TASKS = ("discord.py: ", *INTERACTION_TASKS)
CHAT_LINES = (
    "morning all", "anyone around?", "that was fun", "lol", "same here", "good point", "agreed",
    "haha yes", "what did everyone do this weekend?", "just got back", "nice!", "hmm not sure",
    "welcome!", "thanks :)", "back later", "who's up for a game tonight?", "that's wild", "gg",
)  # fmt: skip
REPLY_LINES = ("Mine would be pizza, no contest", "Probably the mountains", "Coffee. Always coffee.",
               "Hard one! I'd say reading", "Same as last time :D", "Something with friends")  # fmt: skip
ENTRY_LINES = ("My sourdough, third try", "A sketch of my cat asleep on the keyboard", "Sunset from the balcony",
               "A haiku about Mondays", "My desk, finally tidy", "The garden after the rain")  # fmt: skip
REACTIONS = ("👍", "❤️", "😂", "🎉", "👀")
CLICKED = 2  # a button press: its handler records what it means, nothing to wait for
IGNORED_BUTTON_WORDS = ("leave", "withdraw", "my", "results")
PULSE_COMMENTS = ("More events on weekends", "Shorter trivia rounds", "A quieter channel for focus",
                  "More questions about books", "Keep it as it is!")  # fmt: skip


@dataclass
class SandboxConfig:
    """How to run the sandbox; ``community`` holds the simulated members' settings."""

    community: CommunitySettings = field(default_factory=CommunitySettings)
    out: Path = Path("sandbox-out")
    end: datetime | None = None  # when the live session starts (default: the Monday 08:30 local of ``today``)
    today: date | None = None  # the run's "today" (default: the real date in the guild's zone)
    live: bool = True


@dataclass
class Stats:
    """What the run did, for the printed summary and the tests."""

    events: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    posts: Counter[str] = field(default_factory=Counter)
    responses: Counter[str] = field(default_factory=Counter)
    joins: int = 0
    leaves: int = 0
    opted_out: dict[int, datetime] = field(default_factory=dict)  # member id -> when they ran /privacy optout
    failed: list[str] = field(default_factory=list)
    report_at: datetime | None = None  # the simulated "now" the report was built for


def default_end(tz: str, today: date | None = None) -> datetime:
    """Monday 08:30 in ``tz`` of the week of ``today`` (default: the real date in ``tz``), so
    `hearth report`'s "last week" is a simulated week. A date, not a moment: every run on the
    same day (or with the same ``--today``) starts at the same time."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    day = today or datetime.now(UTC).astimezone(zone).date()
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, 8, 30, tzinfo=zone).astimezone(UTC)


class Sandbox:
    """One simulated guild with the real bot in it. Use ``async with Sandbox(config) as sb``."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        say: Callable[[str], None] | None = None,
        progress: TextIO | None = None,
    ) -> None:
        self.config = config
        self.settings = config.community
        self.tz_name = self.settings.timezone
        self.end = config.end or default_end(self.tz_name, config.today)
        # Backfill starts at midnight local, `weeks` weeks before the Monday of the live session.
        from zoneinfo import ZoneInfo

        self.tz = ZoneInfo(self.tz_name)
        local_end = self.end.astimezone(self.tz)
        first_monday = (local_end - timedelta(weeks=self.settings.weeks)).replace(hour=0, minute=0)
        self.start = first_monday.astimezone(UTC)
        self.clock = FakeClock(self.start)
        self.model = CommunityModel(self.settings, self.start)
        shown = say or (lambda text: None)
        self._say: Callable[[str], None] = lambda text: shown(self.readable(text))
        self._seen: dict[int, str] = {}  # every member's display name, those who left included
        self._progress = Progress("backfill", total=1.0, stream=progress)
        self.stats = Stats()
        self.verbose = False
        self.server: LocalDiscord
        self.bot: Hearth
        self.runner: BotRunner
        self.guild: Guild
        self.general: Channel
        self.announcements: Channel
        self.moderator: Member
        self.moderator_role: Role
        self.members: dict[int, Member] = {}
        self.by_token: dict[int, Message] = {}
        self.post_kinds: dict[int, str] = {}  # message id -> post kind
        self.post_messages: dict[int, Message] = {}
        self.post_refs: dict[int, int] = {}  # message id -> the post's ref_id (a contest's number)
        self.contest_threads: dict[int, int] = {}  # a contest's thread (or channel) -> its number
        self._live_log: Counter[tuple[int, str]] = Counter()
        self._live_until: datetime | None = None
        self._log_since: datetime | None = None
        self.liveliness = 1.0  # events of the last 7 days / the weekly mean (scenario.note_liveliness)
        self.event_marks: deque[tuple[datetime, int]] = deque()

    # ---- life cycle ----------------------------------------------------------------------
    async def __aenter__(self) -> Sandbox:
        try:
            await self.start_world()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def database(self) -> Path:
        return self.config.out / "hearth.db"

    async def start_world(self) -> None:
        """Start the local Discord, build the guild and its members, start Hearth."""
        fresh_output(self.config.out, self.database)
        self.server = LocalDiscord(clock=self.clock)
        await self.server.start()
        s = self.server
        # Manage Server and View Audit Log: Hearth lists invites and reads the vanity URL (word of mouth).
        self.guild = s.add_guild(
            "Hearth Sandbox", owner="olga",
            bot_permissions=Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS | Perm.MANAGE_GUILD | VIEW_AUDIT_LOG,
        )
        self.general = s.add_text_channel(self.guild, "general", topic="Chat about anything")
        s.set_vanity(self.guild, "hearth-sandbox")
        self.invite_codes: dict[int, str] = {}  # persona index -> their invite
        self.announcements = s.add_text_channel(self.guild, "announcements")
        self.feedback_channel = s.add_text_channel(self.guild, "mod-feedback")  # the feedback box's review
        self.ideas = s.add_text_channel(self.guild, "ideas")  # feedback posted publicly, with upvotes
        self.moderator_role = s.add_role(self.guild, "Moderator", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES)
        self.moderator = s.add_member(self.guild, "maya", roles=[self.moderator_role])
        people = s.add_members(self.guild, len(self.model.personas))
        for persona, member in zip(self.model.personas, people, strict=True):
            member.user.name = persona.name
            member.joined_at = persona.joined_at
            self.members[persona.index] = member
        settings = local_settings(s, self.database).replace("intents", members=True)
        settings = settings.replace("bot", database=str(self.database), default_timezone=self.tz_name)
        # Every draw the bot makes (questions, trivia, secrets) follows the sandbox's seed.
        # The anonymity key (HEARTH_SECRET_KEY in production) follows the seed too: a sandbox is no secret.
        self.bot, self.runner = await start_hearth(
            s, settings, self.clock, entropy=Entropy(self.settings.seed),
            secret_key=f"sandbox-anonymity-key-{self.settings.seed}",
        )

    async def stop(self) -> None:
        if hasattr(self, "runner"):
            await self.runner.stop()
        if hasattr(self, "server"):
            await self.server.stop()

    # ---- helpers ---------------------------------------------------------------------------
    def local(self, at: datetime | None = None) -> datetime:
        return (at or self.clock.now()).astimezone(self.tz)

    def stamp(self, at: datetime | None = None) -> str:
        return self.local(at).strftime("%a %d %b %H:%M")

    def names(self) -> Names:
        """Display names of every member seen (nickname, else global name, else user name), role
        and channel (threads included): what Discord would show for their mentions."""
        if not hasattr(self, "guild"):
            return Names()
        for member in [*self.members.values(), *self.guild.members.values()]:
            self._seen[member.id] = member.nick or member.user.global_name or member.name
        channels = {c.id: c.name for c in [*self.guild.channels.values(), *self.guild.threads.values()]}
        return Names(dict(self._seen), {r.id: r.name for r in self.guild.roles.values()}, channels)

    def readable(self, text: str) -> str:
        """``text`` as a person at a terminal should read it: names for mentions, local times for
        timestamps (relative ones against the simulated clock)."""
        if "<" not in text:
            return text
        return readable(text, self.names(), self.tz, self.clock.now())

    def say(self, text: str) -> None:
        """Print a line of the story (readable: see ``readable``)."""
        self._say(text)

    def has_command(self, name: str) -> bool:
        """Whether Hearth has ``/name`` (``"poll create"`` checks the subcommand)."""
        parts = name.split()
        command: Any = self.bot.tree.get_command(parts[0])
        for part in parts[1:]:
            if command is None or not hasattr(command, "get_command"):
                return False
            command = command.get_command(part)
        return command is not None

    async def command(self, name: str, where: Channel | None = None, /, *, member: Member | None = None,
                      answer_lines: int = 3, **options: Any) -> InteractionResult | None:
        """Run ``/name`` as the moderator (or ``member``); None when this build has no such command.
        ``name`` is positional only, so a command's own ``name`` option can be passed too."""
        if not self.has_command(name):
            return None
        await self._settle(write=True)  # the command sees everything members did before it
        mark = self.server.mark()
        result = await self.server.run_command(member or self.moderator, where or self.general, name, options)
        text = await result.text(timeout=10)
        await self._settle()  # and whatever it does after answering is done before anything else
        self.stats.commands[name] += 1
        if self.verbose:
            shown = " ".join(f"{k}:{v.name if hasattr(v, 'name') else v}" for k, v in options.items())
            who = (member or self.moderator).name
            self._say(f"[{self.stamp()}] {who} runs /{name} {shown}".rstrip())
            if result.ephemeral and text and answer_lines <= 3:
                self._say("    (only they see) " + _first_lines(text, answer_lines))
            elif result.ephemeral and text:  # a longer answer, one line each
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                self._say("    (only they see)")
                for line in lines[:answer_lines]:
                    self._say("      " + line[:160])
        await self._notice_posts(mark)
        return result

    async def _notice_posts(self, mark: int) -> None:
        """Find Hearth's new posts since ``mark``; tell the community model about each one."""
        await self._settle()
        for channel in list(self.guild.channels.values()) + list(self.guild.threads.values()):
            for msg in reversed(self.server.channel_messages.get(channel.id, [])):
                if msg.order <= mark:
                    break
                if msg.author.id != self.server.bot_user.id or msg.id in self.post_kinds:
                    continue
                post_id = self.bot.posts.for_message(self.guild.id, msg.id)
                kind = None
                if post_id is not None:
                    post = await self.bot.posts.get(self.guild.id, post_id)
                    kind = post.kind if post else None
                    if post is not None and post.ref_id is not None:
                        self.post_refs[msg.id] = post.ref_id
                    if post is not None and kind == "contest" and post.ref_id is not None:
                        self.contest_threads[post.thread_id or post.channel_id] = post.ref_id
                elif channel.id in self.contest_threads and msg.content.startswith("Submissions are closed"):
                    kind = "contest_vote"  # the contest's vote opened: a poll, or buttons under the entries
                    self.post_refs[msg.id] = self.contest_threads[channel.id]
                elif any(str(c.get("custom_id", "")).startswith("trivia:") for c in walk_components(msg.components)):
                    kind = "trivia"  # the next question of a running round
                if self.verbose:
                    self._print_responses(self.clock.now())
                    self._say(f"[{self.stamp(msg.timestamp)}] Hearth in #{channel.name}: {describe(msg)}")
                if kind is None:
                    continue
                self.post_kinds[msg.id] = kind
                self.post_messages[msg.id] = msg
                if post_id is not None:
                    self.stats.posts[kind] += 1
                window = timedelta(hours=36)
                if msg.poll is not None:
                    window = max(timedelta(minutes=5), msg.poll.expiry - self.clock.now())
                elif kind in ("giveaway", "contest", "contest_vote"):
                    window = await self._phase_window(msg.id, kind)
                elif kind == "game":  # today's number game: until local midnight
                    midnight = self.local().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
                    window = max(timedelta(hours=1), midnight - self.local())
                elif kind == "survey":  # a pulse survey: answers over its first three days
                    window = timedelta(hours=72)
                elif kind in LIVE_KINDS:
                    window = timedelta(seconds=15)
                    self._live_until = self.clock.now() + timedelta(seconds=60)
                self.model.post_published(msg.id, kind, self.clock.now(), window)

    async def _phase_window(self, message_id: int, kind: str) -> timedelta:
        """How long members have to enter a giveaway (at most 40 h), submit to a contest
        (``contest``) or vote in it (``contest_vote``): until that phase ends."""
        cog: Any = self.bot.get_cog("Giveaways" if kind == "giveaway" else "Contests")
        ref = self.post_refs.get(message_id)
        row = await cog.repo.get(self.guild.id, ref) if cog is not None and ref is not None else None
        if row is None:
            return timedelta(hours=40 if kind == "giveaway" else 1)
        if kind == "giveaway":
            end_ms = row.ends_at
        else:
            end_ms = row.submissions_close_at if kind == "contest" else (row.voting_ends_at or 0)
        end = datetime.fromtimestamp(end_ms / 1000, UTC)
        return min(timedelta(hours=40), max(timedelta(minutes=5), end - self.clock.now() - timedelta(minutes=1)))

    # ---- members acting --------------------------------------------------------------------
    async def act(self, actions: list[Action]) -> None:
        """Play ``actions`` (in time order) through the local Discord. Before the clock moves on,
        the bot catches up with everything sent so far (``_settle``): Hearth stamps reactions,
        votes and leaves with its own clock when it handles them, so a bot that lagged behind
        would stamp them later, by however much the machine happened to lag."""
        sent = False
        for action in actions:
            if action.at > self.clock.now():
                if sent:
                    await self._settle()
                    sent = False
                self.clock.set(action.at)
            await self._perform(action)
            sent = True
        if sent:
            await self._settle()

    def _listeners_running(self) -> bool:
        return any(t.get_name().startswith(LISTENER_TASKS) and not t.done() for t in asyncio.all_tasks())

    async def _settle(self, *, write: bool = False) -> None:
        """A barrier: wait until the bot has read every gateway event the local Discord sent, and
        every listener or interaction task discord.py started for them has finished (they may send
        more, so until both hold at once); with ``write``, the recorder has also stored everything
        (its writer otherwise runs on a real-time interval, and features read what it stored)."""
        await self.server.flush()
        deadline = time.monotonic() + BARRIER_TIMEOUT_S
        quiet = 0
        while quiet < 2:  # idle twice in a row, a loop turn apart: nothing was still on its way
            ws = self.bot.ws
            session = self.server.gateway.sessions.get(ws.session_id) if ws is not None and ws.session_id else None
            seq = session.seq if session is not None else 0
            if (ws.sequence or 0) >= seq and not self._listeners_running():
                quiet += 1
                await asyncio.sleep(0)
                continue
            quiet = 0
            self.server.check_alive()
            if time.monotonic() > deadline:
                log.warning("sandbox: the bot did not catch up with the gateway in %ss", BARRIER_TIMEOUT_S)
                self.stats.failed.append("the bot did not catch up in time (this run may not be reproducible)")
                break
            await asyncio.sleep(0.0002)
        if write:
            await self.bot.recorder.flush()

    async def _perform(self, action: Action) -> int:
        """Do one action; returns how many activities Hearth's recorder should see from it."""
        s, rng = self.server, self.model.rng
        member = self.members.get(action.member)
        if isinstance(action, Join):
            persona = self.model.personas[action.member]
            user = s.add_user(persona.name, created_at=action.at - timedelta(days=rng.uniform(1, 900)))
            self.members[action.member] = await s.join(self.guild, user, invite=self._join_path(action.member))
            self.stats.joins += 1
            self.stats.events += 1
            await self._settle()  # one join at a time reaches Hearth's invite diff (reproducible attribution)
            return 1
        if member is None:
            return 0
        if isinstance(action, Leave):
            await s.leave(self.guild, member)
            self.stats.leaves += 1
            self.stats.events += 1
            return 1
        if isinstance(action, Say):
            target = self.by_token.get(action.reply_to) if action.reply_to else None
            if target is not None and target.deleted:
                target = None
            msg = s.create_message(self.general, member.user, content=rng.choice(CHAT_LINES), reply_to=target)
            self.by_token[action.token] = msg
            self.stats.events += 1
            return 1
        if isinstance(action, React):
            msg = self.by_token.get(action.token) if action.token else None
            if msg is None or not s.add_reaction(msg, member.user, s.parse_emoji(rng.choice(REACTIONS))):
                return 0
            self.stats.events += 1
            return 1
        if isinstance(action, Respond):
            return await self._respond(action, member)
        return 0

    def _join_path(self, persona: int) -> str | None:
        """How a newcomer found the server (its own draw, so the story stays the same): half through a
        member's invite, a few members bringing most (weights fall with a member's rank), some through
        the vanity URL, the rest by a path no bot sees (discovery, a link without a code)."""
        draw = random.Random(f"{self.settings.seed}:join:{persona}")
        roll = draw.random()
        if roll < 0.2:
            return "hearth-sandbox"
        if roll >= 0.7:
            return None
        inviters = [i for i in sorted(self.members)[:40] if self.members[i].id in self.guild.members]
        if not inviters:
            return None
        who = draw.choices(inviters, weights=[1 / (rank + 1) ** 1.3 for rank in range(len(inviters))])[0]
        if who not in self.invite_codes:
            self.invite_codes[who] = self.server.make_invite(self.general, self.members[who], max_age=0).code
        return self.invite_codes[who]

    def _maybe_forward(self, post: Message, member: Member) -> int:
        """Members rarely forward a post they answered (giveaways and contests more), into #general."""
        chance = {"giveaway": 0.06, "contest": 0.05, "trivia": 0.02}.get(self.post_kinds.get(post.id, ""), 0.015)
        if random.Random(f"{self.settings.seed}:forward:{post.id}:{member.id}").random() >= chance:
            return 0
        self.server.forward_message(post, self.general, member.user)
        self.stats.events += 1
        return 1

    async def _respond(self, action: Respond, member: Member) -> int:
        s = self.server
        post = self.post_messages.get(action.post)
        if post is None or post.deleted:
            return 0
        done = 0
        if action.how == "reply":
            where = s.channels.get(post.thread_id) if post.thread_id else None
            target = self.by_token.get(action.reply_to) if action.reply_to else None
            text = REPLY_LINES[int(action.choice * len(REPLY_LINES))]
            if where is not None and (target is not None or action.choice > 0.3):
                msg = s.create_message(where, member.user, content=text, reply_to=target)
            else:
                msg = s.create_message(self.general, member.user, content=text, reply_to=target or post)
            self.by_token[action.token] = msg
            done = 1
        elif action.how == "act":
            done = await self._act_on(post, member, action.choice)
        if action.how == "react" or (action.how == "act" and done == -1):
            emoji = REACTIONS[int(action.choice * len(REACTIONS))]
            done = 1 if s.add_reaction(post, member.user, s.parse_emoji(emoji)) else 0
        if done > 0:
            self.stats.events += 1
            done += self._maybe_forward(post, member)
            self.stats.responses[f"{action.kind}:{action.how}"] += 1
            if self.verbose:
                self._live_log[(action.post, action.how)] += 1
        return 1 if done == 1 else 0

    async def _act_on(self, post: Message, member: Member, choice: float) -> int:
        """The kind's main action: vote in a native poll or press one of the post's buttons.
        Returns 1 (a vote), CLICKED (a button press, answered), 0 (nothing) or -1 (react instead)."""
        s = self.server
        kind = self.post_kinds.get(post.id)
        if kind == "contest":
            return await self._submit_entry(post, member, choice)
        if kind == "survey":
            return await self._answer_pulse(post, member, choice)
        if kind == "contest_vote" and post.poll is None:
            return await self._vote_button(post, member, choice)
        if post.poll is not None:
            if post.poll.finalized or post.poll.expiry <= self.clock.now():
                return 0
            answers = sorted(post.poll.answers)
            # Earlier options are a little more popular, as in real polls.
            index = min(int(choice**1.3 * len(answers)), len(answers) - 1)
            try:
                await s.vote(member, post, answers[index])
            except ValueError:
                return 0
            return 1
        buttons = [
            c["custom_id"]
            for c in walk_components(post.components)
            if c.get("type") == 2 and c.get("custom_id") and not c.get("disabled")
            and not any(w in (c.get("label") or "").lower() for w in IGNORED_BUTTON_WORDS)
        ]
        if not buttons:
            return -1
        if kind == "game":
            return await self._guess_number(post, member, buttons, choice)
        enter = [b for b in buttons if "enter" in b]
        custom_id = (enter or buttons)[min(int(choice * len(enter or buttons)), len(enter or buttons) - 1)]
        result = await s.click(member, post, custom_id)
        try:
            await result.response()
        except TimeoutError:
            self.stats.failed.append(f"no answer to {custom_id}")
            return 0
        return CLICKED

    async def _answer_pulse(self, post: Message, member: Member, choice: float) -> int:
        """A pulse answer: a score from how engaged the member is and how lively the server has been
        lately (``liveliness``, 1 = as usual), sometimes with a comment in the modal that follows."""
        persona = next((p for p in self.model.personas if self.members.get(p.index) is member), None)
        rng = random.Random(f"{self.settings.seed}:pulse:{post.id}:{member.id}")
        engagement = min(persona.engagement, 1.6) if persona is not None else 1.0
        score = round(4.8 + 2.6 * engagement + 3.0 * (self.liveliness - 1.0) + rng.gauss(0, 1.6))
        score = max(0, min(10, score))
        custom_id = next(
            (c["custom_id"] for c in walk_components(post.components)
             if c.get("custom_id", "").endswith(f":{score}") and not c.get("disabled")),
            None,
        )
        if custom_id is None:
            return 0
        result = await self.server.click(member, post, custom_id)
        try:
            await result.response()
        except TimeoutError:
            self.stats.failed.append(f"no answer to {custom_id}")
            return 0
        if result.modal is not None:
            comment = rng.choice(PULSE_COMMENTS) if rng.random() < 0.25 else ""
            submitted = await self.server.submit_modal(member, result, {"hearth:pulse:comment": comment})
            await submitted.response()
        return CLICKED

    async def _member_command(self, member: Member, name: str, **options: Any) -> str | None:
        """A member's own slash command (not printed); its answer's text, or None without an answer."""
        result = await self.server.run_command(member, self.general, name, options)
        try:
            text = await result.text()
        except TimeoutError:
            self.stats.failed.append(f"no answer to /{name}")
            return None
        await self._settle()  # what the command does after answering is done before anything else
        return text

    async def _submit_entry(self, post: Message, member: Member, choice: float) -> int:
        """``/contest submit`` for the contest behind ``post`` while its submissions are open."""
        contest_id = self.post_refs.get(post.id)
        if contest_id is None or not self.has_command("contest submit"):
            return -1
        text = ENTRY_LINES[int(choice * len(ENTRY_LINES))]
        answer = await self._member_command(member, "contest submit", text=text, contest=contest_id)
        return CLICKED if answer and answer.startswith("Your entry") else 0

    async def _vote_button(self, post: Message, member: Member, choice: float) -> int:
        """Vote with the button under someone else's entry (contests with more than 10 entries)."""
        own = f"<@{member.id}>"
        options = [
            (msg, c["custom_id"])
            for msg in self.server.channel_messages.get(post.channel_id, [])
            if msg.author.id == self.server.bot_user.id and not msg.deleted and own not in msg.content
            for c in walk_components(msg.components)
            if str(c.get("custom_id", "")).startswith("contest:vote:") and not c.get("disabled")
        ]
        if not options:
            return 0
        msg, custom_id = options[min(int(choice**1.3 * len(options)), len(options) - 1)]
        result = await self.server.click(member, msg, custom_id)
        try:
            await result.response()
        except TimeoutError:
            self.stats.failed.append(f"no answer to {custom_id}")
            return 0
        return CLICKED

    async def _guess_number(self, post: Message, member: Member, buttons: list[str], choice: float) -> int:
        """Play the daily number game like a person: halve the range Hearth names after each guess;
        about one player in four gives up early."""
        by_number = {int(b.rsplit(":", 1)[1]): b for b in buttons if b.startswith("number:")}
        if not by_number:
            return 0
        low, high = min(by_number), max(by_number)
        guess = low + int(choice * (high - low + 1))  # a first guess anywhere
        # Not the model's generator: how many guesses it takes depends on Hearth's secret number,
        # and the community's story must not (the same seed gives the same story).
        mood = random.Random(f"{post.id}:{member.id}")
        for _ in range(5):
            guess = min(max(guess, low), high)
            result = await self.server.click(member, post, by_number[guess])
            try:
                await result.response()
            except TimeoutError:
                self.stats.failed.append(f"no answer to {by_number[guess]}")
                return 0
            await self._settle()  # the guess is handled in full before the next one
            found = re.search(r"between (\d+) and (\d+)", result.content)
            if found is None or mood.random() < 0.08:
                break  # found it, out of guesses, refused, or lost interest
            low, high = int(found[1]), int(found[2])
            guess = (low + high) // 2
        return CLICKED

    # ---- time passing --------------------------------------------------------------------
    async def advance(self, until: datetime, *, on_hour: Callable[[datetime], Any] | None = None,
                      report_progress: bool = False) -> None:
        """Move the clock to ``until``: hour by hour (5 s at a time while a live round runs); each
        step runs the scheduler, lets game cogs move on, and plays what members do."""
        t = self.clock.now()
        origin = t
        total = max(1.0, (until - t).total_seconds())
        week_events = self.stats.events
        while t < until:
            on_the_hour = t == _floor_hour(t)
            if t > self.clock.now():
                self.clock.set(t)
            mark = self.server.mark()
            await self._settle(write=True)  # due posts (the summary) see everything recorded so far
            await self.bot.scheduler.run_due()
            await self._tick_cogs()
            await self.server.expire_due_polls()
            await self._notice_posts(mark)
            if on_hour is not None and on_the_hour:
                await on_hour(t)
            live = self._live_until is not None and t < self._live_until
            nxt = min(until, t + LIVE_STEP if live else _floor_hour(t) + STEP)
            await self.act(self.model.step(t, nxt))
            if self.verbose and not live:
                self._print_responses(nxt)
            t = nxt
            if report_progress:
                self._show_progress((t - origin).total_seconds() / total)
                local = self.local(t)
                if local.weekday() == 0 and local.hour == 0 and local.minute == 0 and t != origin:
                    self._say(self._week_line(t, self.stats.events - week_events))
                    week_events = self.stats.events
        if self.clock.now() < until:
            self.clock.set(until)
        await self._tick_cogs()
        await self.bot.recorder.flush()

    async def _tick_cogs(self) -> None:
        """Let cogs with clock-driven sessions (trivia rounds) move on after the clock moved."""
        mark = self.server.mark()
        for cog in list(self.bot.cogs.values()):
            tick = getattr(cog, "tick", None)
            if callable(tick):
                await tick()
        if self.server.mark() != mark:
            await self._settle()

    def _week_line(self, t: datetime, events: int) -> str:
        monday = self.local(t - timedelta(days=7))
        return (
            f"  week of {monday:%d %b}: {events:,} member actions, {len(self.model.alive())} members, "
            f"{sum(self.stats.posts.values())} Hearth posts so far"
        )

    def _show_progress(self, fraction: float) -> None:
        note = f"{self.stats.events:,} actions"
        if fraction >= 1:
            self._progress.finish(note)
        else:
            self._progress.set(fraction, note)

    def post_label(self, message_id: int) -> str:
        """'the poll "Cats or dogs?"': a short name for a post in the printed story."""
        msg = self.post_messages.get(message_id)
        kind = self.post_kinds.get(message_id, "post")
        if msg is None:
            return f"the {kind}"
        if msg.poll is not None:
            text = msg.poll.question
        elif msg.embeds:
            embed = msg.embeds[0]
            text = embed.get("description") if kind == "question" else embed.get("title")
        else:
            text = msg.content
        text = _first_lines(text or "", 1)
        return f'the {kind} "{text[:40]}{"…" if len(text) > 40 else ""}"'

    def _print_responses(self, end: datetime) -> None:
        """One line per post: what members did on it since the last such line."""
        by_post: dict[int, list[str]] = {}
        for (post, how), n in sorted(self._live_log.items()):
            word = {"reply": "replied", "react": "reacted", "act": "took part"}.get(how, how)
            by_post.setdefault(post, []).append(f"{n} {word}")
        start, self._log_since = self._log_since or end, end
        if not by_post:
            return
        span = f"{self.stamp(start)}–{self.local(end):%H:%M}"
        for post, parts in by_post.items():
            self._say(f"[{span}] members on {self.post_label(post)}: {', '.join(parts)}")
        self._live_log.clear()


def fresh_output(folder: Path, database: Path) -> None:
    """Create the output folder and start from an empty database (a sandbox run is self-contained)."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def describe(msg: Message) -> str:
    """A one-line view of a bot message: text, embed title and first line, poll, buttons, files."""
    parts = []
    if msg.content:
        parts.append(_first_lines(msg.content, 2))
    for embed in msg.embeds[:1]:
        title = embed.get("title") or ""
        desc = _first_lines(embed.get("description") or "", 1)
        parts.append(" — ".join(p for p in (title, desc) if p))
    if msg.poll is not None:
        options = " / ".join(a.text for a in msg.poll.answers.values())
        parts.append(f"poll: {msg.poll.question} [{options}]")
    labels = [c.get("label") or c.get("emoji", {}).get("name", "") for c in walk_components(msg.components)
              if c.get("type") == 2]
    if labels:
        parts.append("buttons: " + " | ".join(str(x) for x in labels[:6]))
    if msg.attachments:
        parts.append("files: " + ", ".join(a.filename for a in msg.attachments))
    return "  ".join(parts) or "(empty)"


def _first_lines(text: str, n: int) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    shown = " / ".join(lines[:n])
    return shown[:160] + ("…" if len(shown) > 160 else "")
