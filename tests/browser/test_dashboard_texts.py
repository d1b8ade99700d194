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
