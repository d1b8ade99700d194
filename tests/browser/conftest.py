"""Browser tests: the dashboard in real headless Chromium (Debian's /usr/bin/chromium) via Playwright.

One browser and one site per session: a local Discord with two guilds (A: owner olga, moderator
maya, members alice and bob; B: owner bea and its moderator ben), the real Hearth with the members
intent on a fake clock, ten days of a daily question schedule and a finished A/B test, and the
dashboard served by the same process as the bot (``hearth run``'s form). Screenshots go to the
test run's output folder (``--basetemp`` or pytest's tmp folder): ``<tmp>/screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core.clock import FakeClock
from bot.sandbox.dashboard import serve_dashboard
from bot.sandbox.hearth_runner import local_settings
from bot.sandbox.localdiscord import LocalDiscord, Perm
from bot.sandbox.localdiscord.testing import build_community

CHROMIUM = Path(os.environ.get("HEARTH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
XSS_SCRIPT = "<script>window.__pwned=1</script>"
XSS_IMG = '"><img src=x onerror="window.__pwned=1">'
SECRET_KEY = "browser-secret-key-0123456789abcdef"  # anonymous feedback needs HEARTH_SECRET_KEY

pytestmark = pytest.mark.asyncio(loop_scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


class Site:
    """The running world; ``url`` is the dashboard's address."""

    def __init__(self, world: Any, dashboard: Any, guild_b: Any, ben: Any, out: Path) -> None:
        self.world = world
        self.dashboard = dashboard
        self.url = dashboard.url
        self.guild_a = world.guild
        self.guild_b = guild_b
        self.ben = ben
        self.out = out

    @property
    def server(self) -> LocalDiscord:
        return self.world.server

    def shot_path(self, name: str) -> str:
        folder = self.out / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"{name}.png")


async def seed(world: Any) -> None:
    """Ten days of a daily question schedule with answers, and an A/B test with a clear winner."""
    async def text(member: Any, command: str, /, **options: Any) -> str:
        return await (await world.command(member, command, **options)).text()

    from bot.platform.recorder import Activity

    mod = world.moderator
    # One message 22 days before: recording started then, so the posts of the first week are warming up
    # (fewer than 28 recorded days before them) and later ones are established.
    world.bot.recorder.record(Activity(world.guild.id, "message", world.alice.id, START - timedelta(days=22),
                                       "m:seed-before", channel_id=world.general.id))
    assert "Starter pack" in await text(mod, "question starter-pack")
    assert "Scheduled" in await text(mod, "question schedule", channel=world.general, time="12:00", days="daily")
    crowd = world.server.add_members(world.guild, 12, prefix="fan")
    crowd[0].nick = f"fan {XSS_IMG}"  # the top streak: shown by display name on the members page
    for member in crowd:
        await world.server.say(member, world.general, "hello")
    await world.settle()
    assert "Started" in await text(mod, "experiment start", name="evening", factor="slot", a="09:00", b="18:00",
                                   schedule=1, posts=6)
    day0 = world.clock.now().replace(hour=0, minute=0)
    seen = 0
    for day in range(9):
        for hour in (9, 12, 18):
            world.clock.set(day0 + timedelta(days=day, hours=hour, minutes=5))
            await world.bot.scheduler.run_due()
            await world.settle()
            posted = [m for m in world.server.sent_by_bot(world.general)
                      if m.embeds and m.embeds[0].get("title") == "Question of the day"][seen:]
            seen += len(posted)
            for message in posted:
                for member in crowd[: 11 if hour == 18 else 1 if hour == 9 else 5]:
                    await world.server.react(member, message, "👍")
                await world.server.reply(crowd[0], message, "my answer")
            await world.settle()
    world.clock.set(day0 + timedelta(days=9, hours=10))
    await world.bot.scheduler.run_due()
    await world.settle()
    await seed_texts(world, text)


async def seed_texts(world: Any, text: Any) -> None:
    """This week: Hearth posts and feedback whose texts carry markup (every user text the pages show)."""
    from tests.e2e.test_feedback import answer, review_post, send

    mod = world.moderator
    assert "Added question" in await text(mod, "question add", text=f"Favourite snack? {XSS_SCRIPT}", tag="xss")
    assert "Posted question" in await text(mod, "question now", tag="xss")
    assert "#" in await text(mod, "poll create", question=f"Best day? {XSS_IMG}", options=f"{XSS_SCRIPT}, {XSS_IMG}")
    assert "is open" in await text(mod, "contest start", theme=f"Haiku {XSS_SCRIPT}", submit_for="1d", vote_for="1d")
    world.review = world.server.add_text_channel(world.guild, "mod-feedback")
    assert "Feedback now arrives in" in await text(mod, "feedback setup", channel=world.review)
    await send(world, world.alice, f"Music night please {XSS_SCRIPT}")  # named: alice, whose name is markup too
    await send(world, world.bob, f"Fewer pings please {XSS_IMG}", kind="problem", anonymous=True)
    await answer(world, "declined", review_post(world), reason=f"Not now {XSS_IMG}")
    await world.settle()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    from tests.e2e.conftest import World

    out = tmp_path_factory.getbasetemp()
    clock = FakeClock(START)
    async with LocalDiscord(clock=clock) as server:
        settings = local_settings(server, out / "browser-hearth.db").replace("intents", members=True)
        community = build_community(server, name=f"Hearth {XSS_SCRIPT}")
        community.alice.nick = f"alice {XSS_IMG}"
        guild_b = server.add_guild(name="Other guild", owner="bea")
        ben_role = server.add_role(guild_b, "Mods", Perm.MANAGE_GUILD)
        ben = server.add_member(guild_b, "ben", roles=[ben_role])
        world = World(server, community, clock, settings)
        await world.start(secret_key=SECRET_KEY)
        await seed(world)
        await world.server.say(community.alice, world.general, "hi from alice")
        await world.settle()
        dashboard = await serve_dashboard(
            server, world.bot, login_as=[community.moderator.id, community.owner.id, community.alice.id, ben.id],
        )
        yield Site(world, dashboard, guild_b, ben, out)
        await dashboard.stop()
        await world.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


class Visitor:
    """One person's browser context, with the console errors and page errors it saw."""

    def __init__(self, context: Any, page: Any, site: Site) -> None:
        self.context = context
        self.page = page
        self.site = site
        self.errors: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", lambda dialog: self.errors.append(f"dialog: {dialog.message}"))

    async def goto(self, path: str) -> Any:
        return await self.page.goto(self.site.url + path)

    async def login(self, name: str) -> None:
        await self.goto("/login")
        await self.page.click(f"#login-{name}")
        await self.page.wait_for_url(self.site.url + "/**")

    async def pwned(self) -> bool:
        return bool(await self.page.evaluate("() => window.__pwned === 1"))


@pytest_asyncio.fixture(loop_scope="session")
async def visitor(browser: Any, site: Site) -> AsyncIterator[Any]:
    contexts: list[Any] = []

    async def make(*, javascript: bool = True) -> Visitor:
        context = await browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        return Visitor(context, await context.new_page(), site)

    yield make
    for context in contexts:
        await context.close()
