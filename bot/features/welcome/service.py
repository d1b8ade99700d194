"""Welcome bookkeeping without Discord: who waits for a welcome, when the next message may go out,
which arm a joiner gets under a test, and the test's activation per arm."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.core.clock import Clock, from_ms, to_ms
from bot.core.entropy import Entropy
from bot.core.limits import RuleError
from bot.core.localtime import local_day
from bot.features.experiments.rules import Verdict
from bot.features.welcome import rules
from bot.storage.welcome import WelcomeExperimentRow, WelcomeRepository, WelcomeRow

MS_PER_DAY = 86_400_000


@dataclasses.dataclass(frozen=True)
class WelcomeTestStatus:
    test: WelcomeExperimentRow
    a: rules.ArmActivation
    b: rules.ArmActivation
    welcomed: int
    verdict: Verdict


class WelcomeService:
    def __init__(self, repo: WelcomeRepository, clock: Clock, entropy: Entropy | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self.entropy = entropy or Entropy()

    async def enqueue(self, guild_id: int, member_id: int, joined_at: datetime) -> bool:
        """A newcomer waits for a welcome (False: welcomed here before, never twice)."""
        test = await self.repo.running_experiment(guild_id)
        arm = None
        if test is not None:
            position = await self.repo.welcomed_count(guild_id, test.id)
            arm = rules.arm_at(position, test.joiners, test.seed)
        return await self.repo.enqueue(guild_id, member_id, to_ms(joined_at), test.id if arm else None, arm)

    async def due_ms(self, guild_id: int) -> int:
        return rules.next_send_ms(await self.repo.last_sent_at(guild_id), to_ms(self.clock.now()))

    async def template_for(self, guild_id: int, row: WelcomeRow, default: str) -> str:
        if row.experiment_id is None or row.arm is None:
            return default
        test = await self.repo.running_experiment(guild_id)
        if test is None or test.id != row.experiment_id:
            return default
        return test.text_a if row.arm == "A" else test.text_b

    # -- A/B tests of the welcome text -------------------------------------------------------------
    async def start_test(
        self, guild_id: int, name: str, text_a: str, text_b: str, joiners: int
    ) -> WelcomeExperimentRow:
        if await self.repo.settings(guild_id) is None:
            raise RuleError("Set up the welcome first: `/welcome setup channel: message:`.")
        if await self.repo.running_experiment(guild_id) is not None:
            raise RuleError("A welcome test is already running here; stop it or let it finish first.")
        if await self.repo.experiment_named(guild_id, name) is not None:
            raise RuleError(f"There is already a test named `{name}`.")
        if not 2 * rules.MIN_JOINERS_PER_ARM <= joiners <= 1000:
            raise RuleError(f"A welcome test needs {2 * rules.MIN_JOINERS_PER_ARM} to 1000 joiners.")
        try:
            text_a, text_b = rules.check_message(text_a), rules.check_message(text_b)
        except ValueError as exc:
            raise RuleError(str(exc)) from None
        if text_a == text_b:
            raise RuleError("The two welcome texts are the same; a test needs two different ones.")
        seed = self.entropy.token_hex(8, "welcome")
        now_ms = to_ms(self.clock.now())
        await self.repo.start_experiment(guild_id, name, text_a, text_b, joiners, seed, now_ms)
        test = await self.repo.experiment_named(guild_id, name)
        assert test is not None
        return test

    async def status(self, guild_id: int, name: str, tz: str, member_days: dict[int, set[int]]) -> WelcomeTestStatus:
        """The test's activation per arm: welcomed joiners active on local days 0-6 after joining,
        counted once their week has passed. ``member_days``: member -> local days with activity."""
        test = await self.repo.experiment_named(guild_id, name)
        if test is None:
            raise RuleError(f"No welcome test named `{name}`.")
        rows = await self.repo.welcomed(guild_id, test.id)
        today = local_day(self.clock.now(), tz)
        counts = {"A": [0, 0], "B": [0, 0]}
        for r in rows:
            joined = local_day(from_ms(r.joined_at), tz)
            if r.arm not in counts or joined + rules.ACTIVATION_DAYS - 1 >= today:
                continue
            counts[r.arm][0] += 1
            active = member_days.get(r.member_id, set())
            counts[r.arm][1] += any(joined <= d < joined + rules.ACTIVATION_DAYS for d in active)
        a = rules.ArmActivation(*counts["A"])
        b = rules.ArmActivation(*counts["B"])
        result = rules.welcome_verdict(a, b)
        if test.status == "running" and (result.outcome != "inconclusive" or a.joiners + b.joiners >= test.joiners):
            await self.repo.end_experiment(guild_id, test.id, result.outcome, to_ms(self.clock.now()))
            test = dataclasses.replace(test, status="finished", outcome=result.outcome)
        return WelcomeTestStatus(test, a, b, len(rows), result)


def describe_status(status: WelcomeTestStatus) -> str:
    v = status.verdict

    def arm(label: str, a: rules.ArmActivation) -> str:
        rate = "no joiner's week has passed yet" if a.rate.value is None else f"{a.rate.value:.1%}"
        return f"{label}: {rate} activated ({a.activated}/{a.joiners})"

    lines = [f"**Welcome test `{status.test.name}`** ({status.test.status}, {status.welcomed} welcomed so far)"]
    lines += [arm("A", status.a), arm("B", status.b)]
    if v.difference is not None and v.difference_interval is not None:
        low, high = v.difference_interval
        lines.append(f"B − A: {v.difference * 100:+.1f} pts (95% {low * 100:+.1f} to {high * 100:+.1f})")
    if v.outcome == "inconclusive":
        more = f" (about {v.more_posts_needed} more joiners)" if v.more_posts_needed else ""
        lines.append(f"Verdict: inconclusive so far{more}.")
    else:
        lines.append(f"Verdict: {v.outcome}.")
    return "\n".join(lines)
