"""The dashboard in headless Chromium: login, figures, charts, rights, CSRF, login attacks, logout."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.analytics.export import report_json
from bot.analytics.from_database import report_from_database
from bot.cli.offline import load_privacy
from tests.browser.conftest import XSS_IMG, XSS_SCRIPT, Site

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGES = ("", "posts", "timing", "content", "members", "experiments", "schedules", "voice", "export")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


async def test_login_through_the_local_discord_lists_only_moderated_guilds(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.goto("/")
    await v.page.screenshot(path=site.shot_path("start"))
    await v.page.click("#login")
    assert "Log in as maya" in await v.page.content()  # the local Discord's authorize page
    await v.page.screenshot(path=site.shot_path("authorize"))
    await v.page.click("#login-maya")
    await v.page.wait_for_url(site.url + "/")
    links = await v.page.eval_on_selector_all("ul.guilds a", "els => els.map(e => e.getAttribute('href'))")
    assert links == [f"/g/{site.guild_a.id}/"]
    await v.page.screenshot(path=site.shot_path("guilds"))
    cookie = next(c for c in await v.context.cookies() if c["name"] == "hearth_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # http here; Secure on https


async def test_overview_figures_equal_hearth_report_json(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    world = site.world
    privacy = await load_privacy(world.bot.db)
    offline = report_json(await report_from_database(
        world.bot.db, privacy.opted_out_members, guild_id=site.guild_a.id, period="last week",
        default_timezone="UTC", now=world.clock.now()))
    api = await v.context.request.get(f"{site.url}/api/v1/guilds/{site.guild_a.id}/report")
    assert api.status == 200
    assert await api.json() == json.loads(json.dumps(offline, default=str))
    assert offline["posts"], "the seed made posts"
    await v.goto(f"/g/{site.guild_a.id}/")
    for headline in offline["headlines"]:
        row = v.page.locator(f'#headlines tr[data-name="{headline["name"]}"] td.value')
        shown = (await row.inner_text()).strip()
        if headline["name"] == "Time to first response":
            assert shown == ("–" if headline["value"] is None else f"{headline['value']:.1f}") + " min"
        else:
            assert shown == pct(headline["value"])
    assert (await v.page.inner_text("#next-step")).strip() == offline["next_step"]["text"]


async def test_every_page_renders_its_charts_with_no_console_errors_and_no_script_runs(
    site: Site, visitor: Any
) -> None:
    v = await visitor()
    await v.login("maya")
    for slug in PAGES:
        response = await v.goto(f"/g/{site.guild_a.id}/{slug}")
        assert response.status == 200, slug
        charts = await v.page.locator(".chart").count()
        if charts:
            await v.page.wait_for_function(
                "n => document.querySelectorAll('.chart[data-drawn]').length === n", arg=charts, timeout=10_000)
            assert await v.page.locator(".chart .main-svg").count() >= charts  # Plotly drew each one
        await v.page.screenshot(path=site.shot_path(f"page-{slug or 'overview'}"), full_page=True)
        assert not await v.pwned(), slug
        assert await v.page.locator("img[src=x]").count() == 0
        assert XSS_SCRIPT in await v.page.inner_text("header"), "the guild's name shows as text"
    await v.goto(f"/g/{site.guild_a.id}/members")
    assert f"fan {XSS_IMG}" in await v.page.inner_text("#streaks")  # shown as text, not markup
    assert v.errors == []


async def test_hover_shows_values_and_legend_toggles_a_series(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    await v.goto(f"/g/{site.guild_a.id}/")
    await v.page.wait_for_selector("#trends-chart[data-drawn]")
    traces = v.page.locator("#trends-chart .legendtoggle")
    assert await traces.count() == 5
    await traces.first.click()
    await v.page.wait_for_function(
        "() => document.getElementById('trends-chart').data[0].visible === 'legendonly'", timeout=5_000)
    await v.goto(f"/g/{site.guild_a.id}/timing")
    await v.page.wait_for_selector("#heatmap-1[data-drawn]")
    box = await v.page.locator("#heatmap-1 .nsewdrag").first.bounding_box()
    await v.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await v.page.wait_for_selector("#heatmap-1 .hovertext", timeout=5_000)
    assert "activities" in await v.page.locator("#heatmap-1 .hovertext").first.text_content()
    assert v.errors == []


async def test_pages_work_without_javascript(site: Site, visitor: Any) -> None:
    v = await visitor(javascript=False)
    await v.login("maya")
    await v.goto(f"/g/{site.guild_a.id}/")
    assert await v.page.locator("#headlines tbody tr").count() == 7
    assert await v.page.locator("#trends svg.spark").count() >= 1
    await v.goto(f"/g/{site.guild_a.id}/timing")
    assert await v.page.locator("table.heat").count() == 2  # all activity, and organic
    for grid in ("#heat-1", "#heat-2"):
        assert await v.page.locator(f"{grid} td").count() == 7 * 24
    await v.goto(f"/g/{site.guild_a.id}/posts?sort=rate&order=desc")
    rates = [float(x) for x in await v.page.eval_on_selector_all(
        "#posts td[data-value]", "els => els.map(e => e.dataset.value).filter(x => x !== '')")]
    assert rates == sorted(rates, reverse=True) and rates
    links = await v.page.eval_on_selector_all("#posts a", "els => els.map(e => e.href)")
    assert links and all(link.startswith(f"https://discord.com/channels/{site.guild_a.id}/") for link in links)
    await v.page.screenshot(path=site.shot_path("posts-no-javascript"), full_page=True)


async def test_a_plain_member_gets_403_saying_why(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("alice")
    response = await v.goto(f"/g/{site.guild_a.id}/")
    assert response.status == 403
    assert "not one of its moderators" in await v.page.inner_text(".why")
    assert "Manage Server" in await v.page.inner_text(".why")
    await v.page.screenshot(path=site.shot_path("forbidden"))


async def test_another_guilds_moderator_gets_404_on_pages_api_and_csv(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("ben")
    a = site.guild_a.id
    for path in (f"/g/{a}/", f"/g/{a}/posts", f"/g/{a}/export/posts.csv", f"/api/v1/guilds/{a}/report",
                 f"/api/v1/guilds/{a}/schedules", "/g/999/", f"/g/{site.guild_b.id + 1}/"):
        response = await v.context.request.get(site.url + path)
        assert response.status == 404, path
        body = await response.text()
        assert site.guild_a.name not in body and str(a) not in body
    refused = await v.context.request.post(f"{site.url}/api/v1/guilds/{a}/schedules/1/pause",
                                           headers={"X-CSRF-Token": "x"})
    assert refused.status in (403, 404)


async def test_a_moderator_whose_role_is_removed_is_refused_on_the_next_request(site: Site, visitor: Any) -> None:
    server, guild = site.server, site.guild_a
    mod_role = next(r for r in guild.roles.values() if r.name == "Moderator")
    mo = server.add_member(guild, "mo", roles=[mod_role])
    await server.join(guild, mo.user)
    await server.set_roles(guild.members[mo.id], [mod_role])
    server.oauth.login_user_ids.append(mo.id)
    await site.world.settle()
    v = await visitor()
    await v.login("mo")
    assert (await v.goto(f"/g/{guild.id}/")).status == 200
    await server.set_roles(guild.members[mo.id], [])
    await site.world.settle()
    assert (await v.goto(f"/g/{guild.id}/")).status == 403
    api = await v.context.request.get(f"{site.url}/api/v1/guilds/{guild.id}/report")
    assert api.status == 403


async def test_writes_need_the_csrf_token_and_answer_like_the_slash_command(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    g = site.guild_a.id
    url = f"{site.url}/g/{g}/schedules/1/pause"
    for form in ({}, {"csrf": "wrong"}):
        refused = await v.context.request.post(url, form=form, max_redirects=0)
        assert refused.status == 403
    api = await v.context.request.post(f"{site.url}/api/v1/guilds/{g}/schedules/1/pause",
                                       headers={"X-CSRF-Token": "no"})
    assert api.status == 403
    row = await site.world.bot.scheduler.repo.get(g, 1)
    assert not row.paused
    await v.goto(f"/g/{g}/schedules")
    await v.page.click("#schedule-1 button")
    assert (await v.page.inner_text(".notice")).startswith("Paused:\n#1")
    assert (await site.world.bot.scheduler.repo.get(g, 1)).paused
    await v.page.screenshot(path=site.shot_path("paused"))
    await v.page.click("#schedule-1 button")
    assert (await v.page.inner_text(".notice")).startswith("Resumed:")
    assert not (await site.world.bot.scheduler.repo.get(g, 1)).paused


async def test_apply_the_winner_from_the_experiments_page(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    await v.goto(f"/g/{site.guild_a.id}/experiments")
    await v.page.click("button.apply")
    notice = await v.page.inner_text(".notice")
    assert notice.startswith("Applied the winner of `evening`") and "now posts at 18:00" in notice
    assert await v.page.locator("button.apply").count() == 0


async def test_state_mismatch_reused_code_and_forged_cookie_are_refused(site: Site, visitor: Any) -> None:
    v = await visitor()
    request = v.context.request
    wrong = await request.get(f"{site.url}/callback?code=abc&state=guess")
    assert wrong.status == 400 and "state mismatch" in await wrong.text()

    async def code_for(name: str) -> str:
        start = await request.get(site.url + "/login", max_redirects=0)
        query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
        user = next(u for u in site.server.users.values() if u.name == name)
        answer = await request.post(site.server.base_url + "/oauth2/authorize", form={**query, "user_id": str(user.id)},
                                    max_redirects=0)
        return answer.headers["location"]

    callback = await code_for("maya")
    assert (await request.get(callback, max_redirects=0)).status == 302
    await request.get(site.url + "/login", max_redirects=0)  # a new login: its own state
    state = parse_qs(urlsplit((await request.get(site.url + "/login", max_redirects=0)).headers["location"]).query)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    reused = await request.get(f"{site.url}/callback?code={code}&state={state['state'][0]}")
    assert reused.status == 400 and "used or expired" in await reused.text()

    await v.login("maya")
    cookie = next(c for c in await v.context.cookies() if c["name"] == "hearth_session")
    forged = cookie["value"][:-6] + ("AAAAAA" if not cookie["value"].endswith("AAAAAA") else "BBBBBB")
    await v.context.add_cookies([{**cookie, "value": forged}])
    answer = await request.get(f"{site.url}/g/{site.guild_a.id}/", max_redirects=0)
    assert answer.status == 302 and answer.headers["location"].startswith("/login")
    api = await request.get(f"{site.url}/api/v1/guilds/{site.guild_a.id}/report")
    assert api.status == 401


async def test_no_open_redirect_through_next(site: Site, visitor: Any) -> None:
    v = await visitor()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/g/1/../../x@evil"):
        await v.goto("/login?next=" + target)
        await v.page.click("#login-maya")
        await v.page.wait_for_url(site.url + "/**")
        assert v.page.url == site.url + "/"


async def test_logout_ends_the_session_and_revokes_the_token(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    tokens_before = set(site.server.oauth.access_tokens)
    await v.page.click("#logout")
    await v.page.wait_for_selector("#login")
    assert len(set(site.server.oauth.access_tokens)) == len(tokens_before) - 1
    answer = await v.context.request.get(f"{site.url}/g/{site.guild_a.id}/", max_redirects=0)
    assert answer.status == 302 and answer.headers["location"].startswith("/login")


async def test_security_headers(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    response = await v.goto(f"/g/{site.guild_a.id}/")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    scripts = await v.page.eval_on_selector_all("script", "els => els.map(e => e.src)")
    assert scripts and all(s.startswith(site.url + "/static/") for s in scripts)
