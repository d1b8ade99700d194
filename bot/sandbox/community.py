"""A simulated community: a seeded model of how members of a Discord server behave.

Pure and reproducible (no Discord, no I/O): the sandbox runner asks it, hour by hour, what
members do, and acts it out through the local Discord so the real bot records it. The same
settings and seed always give the same story.

The model, in short:

- **Activity is skewed.** Each member's messages per day come from a log-normal distribution
  (``activity_sigma``): a few regulars write most messages, many write rarely, and a share
  (``lurker_share``) never writes at all but still reacts, votes and enters.
- **Local hours.** The guild has a time zone; each member has a daily rhythm (a peak hour:
  lunch, evening or late night), a weekend factor, and some live elsewhere
  (``away_share``, shifted by several hours). Presence at an hour of the week scales everything.
- **Tastes.** Each content kind has an overall appeal (``kind_appeal``) and every member likes
  some kinds more than others (``taste_sigma``). A post's chance of a response also depends on
  how many of its members are around in the hours after it went out, so some slots work better.
- **Conversation.** A share of messages reply to a recent message of someone else
  (``reply_tendency``, drifting by ``conversation_trend`` per week); some messages get reactions
  from other members; answers in a question's thread reply to each other too.
- **Churn.** New members arrive (``weekly_joins``); many newcomers drift away within two weeks
  (``newcomer_churn``), established ones rarely (``weekly_churn``).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# A kind's main action: what "responding" means for it (vote, press Enter, answer, submit an entry,
# guess the number); "contest_vote" is a contest's voting phase (a poll or vote buttons in its thread).
ACTION_KINDS = frozenset({"poll", "giveaway", "trivia", "contest", "contest_vote", "game", "survey"})
# Kinds answered within minutes (a trivia question closes after its timer).
LIVE_KINDS = frozenset({"trivia"})
RECENT = timedelta(hours=3)  # how far back a reply looks for a message to answer

FIRST_NAMES = (
    "alice", "bruno", "chloe", "dmitri", "elena", "farid", "greta", "hiro", "ines", "jonas", "kaya", "liam",
    "mira", "noah", "oskar", "pablo", "quinn", "rosa", "sami", "tara", "ugo", "vera", "wren", "xavi", "yara",
    "zeno", "amara", "basil", "cleo", "dario", "esme", "felix", "gaia", "hugo", "ivy", "jules", "kian", "lena",
    "milo", "nora", "otto", "pia", "remy", "sofia", "theo", "uma", "viktor", "willa", "yusuf", "zoe",
)  # fmt: skip


@dataclass(frozen=True)
class CommunitySettings:
    """Every knob of the simulated community; the defaults look like a mid-sized hobby server."""

    members: int = 300
    weeks: int = 8
    seed: int = 7
    timezone: str = "Europe/Berlin"
    messages_per_day: float = 0.45  # median messages a day of a member who writes
    activity_sigma: float = 1.2  # log-normal spread: higher = a few regulars dominate more
    lurker_share: float = 0.4  # members who never write (they still react, vote, enter)
    away_share: float = 0.15  # members living 5-9 hours away from the guild's zone
    reply_tendency: float = 0.35  # mean share of a writer's messages that reply to someone
    conversation_trend: float = -0.06  # relative change of reply tendency per week
    reaction_rate: float = 0.25  # mean reactions by others per chat message
    response_rate: float = 0.07  # base chance an average member responds to an average post
    kind_appeal: tuple[tuple[str, float], ...] = (
        ("question", 0.75),
        ("poll", 1.5),
        ("trivia", 1.0),
        ("giveaway", 2.6),
        ("contest", 0.6),
        ("contest_vote", 1.2),
        ("game", 0.8),
        ("summary", 0.1),
        ("survey", 1.8),
    )
    taste_sigma: float = 0.5  # how much members' tastes for kinds differ
    weekly_joins: float = 0.04  # newcomers per week, as a share of the starting member count
    newcomer_churn: float = 0.35  # chance a newcomer leaves within two weeks
    weekly_churn: float = 0.006  # weekly chance an established member leaves

    def appeal(self, kind: str) -> float:
        return dict(self.kind_appeal).get(kind, 0.5)


@dataclass
class Persona:
    """One simulated member. ``index`` is stable; the runner maps it to a local Discord member."""

    index: int
    name: str
    writes_per_day: float  # 0 for lurkers
    engagement: float  # how readily they respond to Hearth posts (1 = average)
    reply_tendency: float
    shift: int  # hours between the guild's zone and where they live
    peak_hour: int
    weekend: float
    tastes: dict[str, float]
    joined_at: datetime
    leaves_at: datetime | None = None
    left: bool = False
    hourly: list[float] = field(default_factory=list)  # presence per local hour of week (mean 1)


@dataclass(frozen=True)
class Say:
    """A chat message in the main channel, optionally replying to an earlier message (a token)."""

    at: datetime
    member: int
    token: int
    reply_to: int | None = None


@dataclass(frozen=True)
class React:
    """A reaction on a chat message (``token``) or on a Hearth post (``post``)."""

    at: datetime
    member: int
    token: int | None = None
    post: int | None = None


@dataclass(frozen=True)
class Respond:
    """A member responds to a Hearth post: ``how`` is "reply" (in its thread) or "act" (vote,
    enter, answer); ``choice`` in [0, 1) picks an option; ``reply_to`` is another response's token."""

    at: datetime
    member: int
    post: int
    kind: str
    how: str
    choice: float
    token: int
    reply_to: int | None = None


@dataclass(frozen=True)
class Join:
    at: datetime
    member: int


@dataclass(frozen=True)
class Leave:
    at: datetime
    member: int


Action = Say | React | Respond | Join | Leave


def daily_curve(peak_hour: int) -> list[float]:
    """Relative presence by local hour: a night low, a lunch bump and a peak around ``peak_hour``."""
    values = []
    for h in range(24):
        gap = min(abs(h - peak_hour), 24 - abs(h - peak_hour))
        night = 0.05 if 2 <= h <= 6 else 0.2
        values.append(night + math.exp(-(gap**2) / (2 * 2.5**2)) + 0.35 * math.exp(-((h - 12.5) ** 2) / 2))
    mean = sum(values) / 24
    return [v / mean for v in values]


class CommunityModel:
    """Generates, hour by hour, what the simulated members do; deterministic for a seed."""

    def __init__(self, settings: CommunitySettings, start: datetime) -> None:
        self.settings = settings
        self.start = start.astimezone(UTC)
        self.tz = ZoneInfo(settings.timezone)
        self.rng = random.Random(settings.seed)
        self.personas: list[Persona] = []
        self._next_token = 1
        self._recent: deque[tuple[datetime, int, int]] = deque(maxlen=30)  # (at, token, author) of recent chat
        self._pending: list[tuple[datetime, int, Action]] = []  # heap of scheduled actions
        self._seq = 0
        self._thread_replies: dict[int, list[tuple[int, int]]] = {}  # post -> [(token, author)]
        for _ in range(settings.members):
            joined = self.start - timedelta(days=self.rng.uniform(3, 500))
            self._add_persona(joined, newcomer=False)

    # ---- members ---------------------------------------------------------------------------
    def _add_persona(self, joined_at: datetime, *, newcomer: bool) -> Persona:
        s, rng = self.settings, self.rng
        index = len(self.personas)
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        name = first if index < len(FIRST_NAMES) else f"{first}{index // len(FIRST_NAMES) + 1}"
        lurker = rng.random() < s.lurker_share
        activity = rng.lognormvariate(math.log(s.messages_per_day), s.activity_sigma)
        if newcomer:
            activity *= rng.uniform(0.3, 1.5)
        writes = 0.0 if lurker else min(activity, 40.0)
        # Engagement follows activity loosely (sqrt keeps lurkers in the game).
        engagement = min(3.0, math.sqrt(activity / s.messages_per_day) * rng.uniform(0.5, 1.3))
        shift = rng.choice((-9, -6, 5, 8)) if rng.random() < s.away_share else 0
        peak = rng.choices((13, 19, 20, 21, 22, 23), weights=(1, 2, 3, 3, 2, 1))[0]
        weekend = rng.uniform(0.6, 1.6)
        tastes = {k: rng.lognormvariate(0, s.taste_sigma) for k, _ in s.kind_appeal}
        reply = min(0.9, max(0.0, rng.betavariate(2, 2 / max(s.reply_tendency, 0.01) - 2)))
        p = Persona(index, name, writes, engagement, reply, shift, peak, weekend, tastes, joined_at)
        curve = daily_curve(peak)
        for how in range(168):
            day, hour = divmod(how, 24)
            local_hour = (hour + shift) % 24
            p.hourly.append(curve[local_hour] * (weekend if day >= 5 else 1.0))
        mean = sum(p.hourly) / 168
        p.hourly = [v / mean for v in p.hourly]
        # When they leave: newcomers often within two weeks, others rarely.
        if newcomer and rng.random() < s.newcomer_churn:
            p.leaves_at = joined_at + timedelta(days=rng.uniform(1, 14))
        elif s.weekly_churn > 0:
            weeks = rng.expovariate(s.weekly_churn * (1.6 if writes < s.messages_per_day else 0.7))
            p.leaves_at = max(joined_at, self.start) + timedelta(weeks=weeks)
        self.personas.append(p)
        return p

    def alive(self) -> list[Persona]:
        return [p for p in self.personas if not p.left]

    def _hour_of_week(self, at: datetime) -> int:
        local = at.astimezone(self.tz)
        return local.weekday() * 24 + local.hour

    def presence(self, persona: Persona, at: datetime) -> float:
        return persona.hourly[self._hour_of_week(at)]

    def _token(self) -> int:
        token = self._next_token
        self._next_token += 1
        return token

    def _schedule(self, action: Action) -> None:
        self._seq += 1
        heapq.heappush(self._pending, (action.at, self._seq, action))

    # ---- posts -----------------------------------------------------------------------------
    def post_published(self, post: int, kind: str, at: datetime, window: timedelta = timedelta(hours=36)) -> int:
        """The bot posted ``post`` (any int the runner uses to find it again); members who will
        respond are decided now and their responses scheduled within ``window``. Returns how many."""
        s, rng = self.settings, self.rng
        appeal = s.appeal(kind)
        live = kind in LIVE_KINDS
        hw = self._hour_of_week(at)
        hours = max(1, int(window.total_seconds() // 3600))
        decay = [math.exp(-h / 5) for h in range(hours)]
        responders = 0
        for p in self.alive():
            if p.joined_at > at:
                continue
            hourly = p.hourly
            attention = hourly[hw] if live else sum(hourly[(hw + h) % 168] for h in range(4)) / 4
            chance = s.response_rate * p.engagement * appeal * p.tastes.get(kind, 1.0) * min(attention, 2.5)
            if rng.random() >= min(chance, 0.95):
                continue
            delay = self._delay(p, hw, window, decay, live)
            when = at + delay
            if p.leaves_at is not None and when >= p.leaves_at:
                continue
            if kind in ACTION_KINDS:
                how = "act"
            elif kind == "question" and p.writes_per_day > 0 and rng.random() < 0.6:
                how = "reply"
            else:
                how = "react"
            self._schedule(Respond(when, p.index, post, kind, how, rng.random(), self._token()))
            responders += 1
            if kind in ACTION_KINDS and p.writes_per_day > 0 and rng.random() < 0.1 and not live:
                # A few also say something about it under the post.
                self._schedule(Respond(when + timedelta(minutes=2), p.index, post, kind, "reply", 0.0, self._token()))
        return responders

    def _delay(self, p: Persona, hw: int, window: timedelta, decay: list[float], live: bool) -> timedelta:
        """How long after the post this member responds: soon when they're around, else later."""
        rng = self.rng
        if live:
            return timedelta(seconds=rng.uniform(0.1, 0.8) * window.total_seconds())
        weights = [p.hourly[(hw + h) % 168] * d for h, d in enumerate(decay)]
        h = rng.choices(range(len(decay)), weights=weights)[0]
        return timedelta(hours=h, minutes=rng.uniform(1, 59) if h == 0 else rng.uniform(0, 59))

    # ---- time passing ----------------------------------------------------------------------
    def step(self, start: datetime, end: datetime) -> list[Action]:
        """Everything members do in [start, end), in time order (call with consecutive spans)."""
        s, rng = self.settings, self.rng
        actions: list[Action] = []
        span_h = (end - start).total_seconds() / 3600
        week = max(0.0, (start - self.start).total_seconds() / (7 * 86400))
        # Newcomers and departures.
        join_chance = s.weekly_joins * s.members / 168 * span_h
        while join_chance > 0:
            if rng.random() < min(join_chance, 1.0):
                at = start + (end - start) * rng.random()
                p = self._add_persona(at, newcomer=True)
                actions.append(Join(at, p.index))
            join_chance -= 1
        for p in self.personas:
            if not p.left and p.leaves_at is not None and p.leaves_at < end:
                p.left = True
                actions.append(Leave(max(p.leaves_at, start), p.index))
        # Chat.
        how = self._hour_of_week(start)
        reply_scale = max(0.0, 1 + s.conversation_trend * week)
        writers = [p for p in self.personas if not p.left and p.writes_per_day > 0 and p.joined_at < end]
        said: list[Say] = []
        rand = rng.random
        for p in writers:
            lam = p.writes_per_day / 24 * span_h * p.hourly[how]
            while lam > 0 and rand() < lam:  # Bernoulli per unit of rate: Poisson-like, cheap
                at = max(start + (end - start) * rand(), p.joined_at)
                said.append(Say(at, p.index, self._token()))
                lam -= 1
        said.sort(key=lambda a: a.at)
        readers = [p for p in self.personas if not p.left and p.joined_at < start]
        reader_weights = [p.hourly[how] * (0.3 + p.engagement) for p in readers]
        for msg in said:
            recent = self._recent
            while recent and msg.at - recent[0][0] > RECENT:
                recent.popleft()
            others = [r for r in recent if r[2] != msg.member]
            p = self.personas[msg.member]
            if others and rng.random() < p.reply_tendency * reply_scale:
                target = others[-1 - min(int(rng.expovariate(0.6)), len(others) - 1)]
                msg = Say(msg.at, msg.member, msg.token, target[1])
            actions.append(msg)
            self._recent.append((msg.at, msg.token, msg.member))
            reactions = rng.random() * 2 * s.reaction_rate
            while readers and reactions > 0 and rng.random() < min(reactions, 1.0):
                reader = rng.choices(readers, weights=reader_weights)[0]
                if reader.index != msg.member:
                    delay = timedelta(minutes=rng.uniform(1, 50))
                    self._schedule(React(msg.at + delay, reader.index, token=msg.token))
                reactions -= 1
        # Scheduled responses and reactions that fall due now.
        while self._pending and self._pending[0][0] < end:
            _, _, action = heapq.heappop(self._pending)
            if self.personas[action.member].left:
                continue
            if isinstance(action, Respond) and action.how == "reply" and action.kind == "question":
                earlier = [t for t in self._thread_replies.get(action.post, []) if t[1] != action.member]
                if earlier and rng.random() < self.personas[action.member].reply_tendency * reply_scale * 1.5:
                    action = replace(action, reply_to=rng.choice(earlier)[0])
                self._thread_replies.setdefault(action.post, []).append((action.token, action.member))
            actions.append(action)
        actions.sort(key=lambda a: a.at)
        return actions

    def pending_until(self) -> datetime | None:
        """When the last scheduled response falls due (the runner may stop earlier)."""
        return max((a[0] for a in self._pending), default=None)
