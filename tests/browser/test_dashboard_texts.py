"""What the pages show beside the figures, in headless Chromium: Hearth's own post texts and the feedback
items, escaped; the warm-up marks and both heat maps exactly where the report JSON puts them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from bot.dashboard.charts import heat_grid, weeks_of
from tests.browser.conftest import XSS_IMG, XSS_SCRIPT, Site

pytestmark = pytest.mark.asyncio(loop_scope="session")

WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
INJECTED = ("() => ({inline: document.querySelectorAll('script:not([src])').length, "
            "handlers: document.querySelectorAll('[onerror], [onload]').length, img: document.querySelectorAll("
            "'img[src=x]').length, pwned: window.__pwned === 1, csp: window.__csp})")


async def report(v: Any, site: Site, period: str) -> dict[str, Any]:
    answer = await v.context.request.get(f"{site.url}/api/v1/guilds/{site.guild_a.id}/report?period={quote(period)}")
    assert answer.status == 200
    return await answer.json()


async def assert_nothing_ran(v: Any) -> None:
    found = await v.page.evaluate(INJECTED)
    assert found == {"inline": 0, "handlers": 0, "img": 0, "pwned": False, "csp": []}
    assert v.errors == []  # no dialog, no console error (a CSP refusal is one)


async def test_post_texts_and_feedback_items_show_as_text_and_run_nothing(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.context.add_init_script(WATCH_CSP)
    await v.login("maya")
    g = site.guild_a.id
    assert (await v.goto(f"/g/{g}/posts?period=week")).status == 200
    posts = await v.page.eval_on_selector_all("#posts td.what", "els => els.map(e => e.innerText)")
    question = next(t for t in posts if t.startswith("Favourite snack?"))
    assert question == f"Favourite snack? {XSS_SCRIPT}"
    assert f"Haiku {XSS_SCRIPT}" in posts
    poll = await v.page.locator("#posts td.what", has_text="Best day?").first.inner_text()
    options = await v.page.locator("#posts td.what", has_text="Best day?").first.locator("li").all_inner_texts()
    assert poll.startswith(f"Best day? {XSS_IMG}") and options == [XSS_SCRIPT, XSS_IMG]
    await v.page.screenshot(path=site.shot_path("posts-texts"), full_page=True)
    await assert_nothing_ran(v)

    assert (await v.goto(f"/g/{g}/voice")).status == 200
    named = v.page.locator("#feedback-1")
    assert (await named.locator("td.text").inner_text()) == f"Music night please {XSS_SCRIPT}"
    assert (await named.locator("td.from").inner_text()) == f"alice {XSS_IMG}"  # her display name, as text
    anonymous = v.page.locator("#feedback-2")
    assert (await anonymous.locator("td.text").inner_text()) == f"Fewer pings please {XSS_IMG}"
    assert (await anonymous.locator("td.from").inner_text()) == "anonymous"
    assert (await anonymous.locator(".reason").inner_text()) == f"Not now {XSS_IMG}"
    row = await anonymous.inner_html()
    assert "bob" not in row and str(site.world.bob.id) not in row  # nothing says who sent it
    await v.page.screenshot(path=site.shot_path("voice-items"), full_page=True)
    await assert_nothing_ran(v)


async def test_warm_up_marks_follow_the_report_json(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    g = site.guild_a.id
    seen: set[bool] = set()
    for period in ("last week", "week"):
        r = await report(v, site, period)
        await v.goto(f"/g/{g}/?period={quote(period)}")
        assert await v.page.locator("#warming-up").count() == int(r["warming_up"])
        for h in r["headlines"]:
            classes = await v.page.locator(f'#headlines tr[data-name="{h["name"]}"]').get_attribute("class") or ""
            assert ("warm-up" in classes) == h["warming_up"], h["name"]
        weeks = weeks_of(r)
        rows = v.page.locator("#trends tbody tr:not(.spark-row)")
        assert await rows.count() == len(weeks)
        for i, week in enumerate(weeks):
            marked = await rows.nth(i).get_attribute("class") == "warm-up"
            assert marked == week["warming_up"] == ("(warm-up)" in await rows.nth(i).inner_text()), week["start"]
            seen.add(week["warming_up"])
        await v.page.wait_for_selector("#trends-chart[data-drawn]")
        symbols = await v.page.evaluate("() => document.getElementById('trends-chart').data[0].marker.symbol")
        assert [s >= 100 for s in symbols] == [w["warming_up"] for w in weeks]  # hollow markers in warm-up

        await v.goto(f"/g/{g}/posts?period={quote(period)}")
        for p in r["posts"]:
            row = v.page.locator(f"#post-{p['post_id']}")
            assert ((await row.get_attribute("class")) == "warm-up") == p["warming_up"], p
            assert await row.locator(".warm-mark").count() == int(p["warming_up"])
            seen.add(p["warming_up"])
    assert seen == {True, False}, "the seed has warming-up and established weeks and posts"
    assert v.errors == []


async def test_both_heat_maps_equal_the_report_json(site: Site, visitor: Any) -> None:
    v = await visitor()
    await v.login("maya")
    r = await report(v, site, "last week")
    assert r["peak"] != r["organic_peak"] and sum(r["organic_peak"].values()) > 0
    await v.goto(f"/g/{site.guild_a.id}/timing")
    titles = await v.page.locator("table.heat").evaluate_all("els => els.map(e => e.dataset.title)")
    assert titles[0] == "All activity" and titles[1].startswith("Organic")
    for n, key in ((1, "peak"), (2, "organic_peak")):
        cells = await v.page.eval_on_selector_all(f"#heat-{n} tbody td", "els => els.map(e => +e.title)")
        assert cells == [c for row in heat_grid(r[key]) for c in row], key
        await v.page.wait_for_selector(f"#heatmap-{n}[data-drawn]")
        z = await v.page.evaluate(f"() => document.getElementById('heatmap-{n}').data[0].z")
        assert z == heat_grid(r[key]), key
    await v.page.screenshot(path=site.shot_path("timing-organic"), full_page=True)
    assert v.errors == []


async def api(v: Any, site: Site, path: str) -> tuple[int, str]:
    answer = await v.context.request.get(f"{site.url}/api/v1/guilds/{path}")
    return answer.status, await answer.text()


async def test_the_api_gives_the_post_texts_and_feedback_items_the_pages_show(site: Site, visitor: Any) -> None:
    import json

    v = await visitor()
    await v.login("maya")
    g = site.guild_a.id
    status, body = await api(v, site, f"{g}/posts?period=week")
    assert status == 200
    assert "<script" not in body and "<img" not in body  # plain data: markup only as \u003c escapes
    posts = json.loads(body)["posts"]
    assert [p["post_id"] for p in posts] == [str(p["post_id"]) for p in (await report(v, site, "week"))["posts"]]
    assert f"Favourite snack? {XSS_SCRIPT}" in [p["text"] for p in posts]
    poll = next(p for p in posts if (p["text"] or "").startswith("Best day?"))
    assert poll == {**poll, "kind": "poll", "text": f"Best day? {XSS_IMG}", "options": [XSS_SCRIPT, XSS_IMG]}
    await v.goto(f"/g/{g}/posts?period=week")
    texted = 0
    for p in posts:  # the API equals the page, row by row
        row = v.page.locator(f"#post-{p['post_id']}")
        what = row.locator("td.what")
        assert await what.locator("li").all_inner_texts() == p["options"]
        shown = (await what.inner_text()).strip()
        assert shown.startswith(p["text"]) if p["text"] else shown == "", p
        texted += bool(p["text"])
        href = await row.locator("a").get_attribute("href") if p["link"] else None
        assert href == p["link"], p
    assert texted >= 4  # question, poll, contest and more: not a vacuous comparison

    status, body = await api(v, site, f"{g}/feedback")
    assert status == 200 and "<script" not in body and "<img" not in body
    items = json.loads(body)["items"]
    assert [i["number"] for i in items] == sorted((i["number"] for i in items), reverse=True)  # newest first
    named = next(i for i in items if i["text"] == f"Music night please {XSS_SCRIPT}")
    anonymous = next(i for i in items if i["text"] == f"Fewer pings please {XSS_IMG}")
    assert named["anonymous"] is False and named["from"] == f"alice {XSS_IMG}"
    assert anonymous["anonymous"] is True and anonymous["from"] is None and anonymous["reason"] == f"Not now {XSS_IMG}"
    anonymous_json = json.dumps(anonymous)
    assert "bob" not in anonymous_json and str(site.world.bob.id) not in anonymous_json  # nothing says who sent it
    await v.goto(f"/g/{g}/voice")
    for i in items:
        row = v.page.locator(f"#feedback-{i['number']}")
        assert await row.locator("td.text").inner_text() == i["text"]
        assert await row.locator("td.from").inner_text() == ("anonymous" if i["anonymous"] else i["from"] or "–")
    assert v.errors == []


async def test_the_text_api_answers_only_a_guilds_own_moderators(site: Site, visitor: Any) -> None:
    ben = await visitor()
    await ben.login("ben")
    a, b = site.guild_a.id, site.guild_b.id
    for path in (f"{a}/posts", f"{a}/posts?period=week", f"{a}/feedback"):
        status, body = await api(ben, site, path)
        assert status == 404, path
        assert "Favourite snack" not in body and "Music night" not in body and str(a) not in body
    status, body = await api(ben, site, f"{b}/feedback")  # his own guild: its items, none of guild A's
    assert status == 200 and "Music night" not in body and "Fewer pings" not in body
    alice = await visitor()
    await alice.login("alice")  # a member of guild A, not a moderator
    for path in (f"{a}/posts", f"{a}/feedback"):
        assert (await api(alice, site, path))[0] == 403, path


async def test_a_page_is_rendered_once_per_report_build_and_each_moderator_gets_their_own_frame(
        site: Site, visitor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import aiohttp_jinja2

    renders: list[str] = []
    real = aiohttp_jinja2.render_string

    def counting(template: str, *args: Any, **kwargs: Any) -> str:
        renders.append(template)
        return real(template, *args, **kwargs)

    monkeypatch.setattr(aiohttp_jinja2, "render_string", counting)
    g = site.guild_a.id
    backend = site.dashboard.backend
    monkeypatch.setattr(backend, "report_cache_seconds", 3600.0)  # one build for the whole test, however slow
    backend.forget_reports(g)
    seen = {}
    for name in ("maya", "olga", "maya"):
        v = await visitor()
        await v.login(name)
        csrf = (await (await v.context.request.get(site.url + "/api/v1/guilds")).json())["csrf_token"]
        assert (await v.goto(f"/g/{g}/posts?period=28%20days")).status == 200
        assert await v.page.inner_text("form.logout span") == name
        assert await v.page.get_attribute("form.logout input[name=csrf]", "value") == csrf
        html = await v.page.content()
        assert "hearth-name-" not in html and "hearth-csrf-" not in html
        seen[name] = html
    assert renders.count("posts.html") == 1
    assert "olga" not in seen["maya"].split("<main>")[0]  # the frame is the viewer's own
    backend.forget_reports(g)  # a write: the next page comes from a new build, rendered again
    v = await visitor()
    await v.login("olga")
    assert (await v.goto(f"/g/{g}/posts?period=28%20days")).status == 200
    assert renders.count("posts.html") == 2
    backend.forget_reports(g)  # the next tests build with the site's own cache time again
