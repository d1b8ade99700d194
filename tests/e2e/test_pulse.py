"""Pulse surveys end to end: 0-10 buttons, the optional comment, the latest answer counting, NPS at close."""

from __future__ import annotations

from typing import Any

import pytest

from bot.features.pulse.service import SurveyClosed
from tests.e2e.conftest import World

KEY = "e2e-secret-key-0123456789abcdef"


@pytest.fixture
async def pulse(world: World) -> World:
    world.review = world.server.add_text_channel(world.guild, "mod-feedback")  # type: ignore[attr-defined]
    world.crowd = [world.server.add_member(world.guild, f"member{i}") for i in range(12)]  # type: ignore[attr-defined]
    await world.restart(secret_key=KEY)
    await (await world.command(world.moderator, "feedback setup", channel=world.review)).text()  # type: ignore[attr-defined]
    return world


async def schedule(w: World, **options: Any) -> Any:
    result = await w.command(w.moderator, "pulse schedule", every="month", channel=w.general, **options)
    text = await result.text()
    assert "The first survey is up" in text, text
    await w.settle()
    return survey_post(w)


def survey_post(w: World) -> Any:
    posts = [m for m in w.server.sent_by_bot(w.general) if m.embeds and "recommend" in (m.embeds[0].get("title") or "")]
    return posts[-1]


def results(w: World) -> list[str]:
    return [
        m.embeds[0].get("description") or ""
        for m in w.server.sent_by_bot(w.general)
        if m.embeds and m.embeds[0].get("title") == "📣 Pulse survey result"
    ]


def survey_id(message: Any) -> int:
    custom = message.components[0]["components"][0]["custom_id"]
    return int(custom.split(":")[2])


async def vote(w: World, member: Any, message: Any, score: int, comment: str | None = None) -> str:
    pressed = await w.server.click(member, message, f"hearth:pulse:{survey_id(message)}:{score}")
    await pressed.response()
    if pressed.modal is None:
        return await pressed.text()
    assert "You answered" in (pressed.modal.get("title") or "")
    if comment is None:
        return "modal dismissed"
    submitted = await w.server.submit_modal(member, pressed, {"hearth:pulse:comment": comment})
    return await submitted.text()


async def test_survey_with_fewer_than_ten_answers_closes_without_results(pulse: World) -> None:
    w = pulse
    post = await schedule(w)
    buttons = [c["label"] for row in post.components for c in row["components"]]
    assert buttons == [str(s) for s in range(11)]
    for member in w.crowd[:9]:  # type: ignore[attr-defined]
        await vote(w, member, post, 10)
    await w.advance(days=7, minutes=1)
    assert len(results(w)) == 1
    assert "Not enough answers to show (9 of 10 needed)" in results(w)[0]
    assert "Promoters" not in results(w)[0]
    assert all(c.get("disabled") for row in survey_post(w).components for c in row["components"])
    with pytest.raises(SurveyClosed):  # and the server side refuses a late answer all the same
        await w.bot.get_cog("Pulse").service.answer(w.guild.id, survey_id(post), w.alice.id, 5)


async def test_latest_answer_counts_and_nps_has_its_interval(pulse: World) -> None:
    w = pulse
    post = await schedule(w)
    crowd = w.crowd  # type: ignore[attr-defined]
    thanks = await vote(w, crowd[0], post, 2, comment="More voice events on weekends")
    assert "your answer (2) counts" in thanks
    await vote(w, crowd[0], post, 9, comment="")  # changed their mind: 9 counts, the comment stays
    for member in crowd[1:7]:
        await vote(w, member, post, 10)
    for member in crowd[7:9]:
        await vote(w, member, post, 7)
    for member in crowd[9:11]:
        await vote(w, member, post, 3, comment="The rules feel strict")
    await w.advance(days=7, minutes=1)
    # 11 answers: 7 promoters, 2 passives, 2 detractors -> NPS = (7 - 2) / 11 = +45
    text = results(w)[-1]
    assert text.startswith("NPS +45 (95% ") and "11 answers" in text
    assert "Promoters (9-10): 7 · passives (7-8): 2 · detractors (0-6): 2" in text
    result_msg = [m for m in w.server.sent_by_bot(w.general) if m.attachments][-1]
    assert result_msg.attachments[0].filename.endswith(".png")
    review = [m.embeds[0]["description"] for m in w.server.sent_by_bot(w.review) if m.embeds]  # type: ignore[attr-defined]
    assert review and "More voice events on weekends" in review[-1] and "The rules feel strict" in review[-1]
    assert all(str(m.id) not in review[-1] and m.name not in review[-1] for m in crowd)
    assert "comments" not in text.lower()  # comments are for moderators only
    hashes = await w.rows("SELECT answer_hash FROM pulse_answers")
    assert hashes and all(h[0] is None for h in hashes)  # nothing links an answer to anyone after close

    # The same NPS is the report's: its voice section and an engagement headline in the overview.
    report = await w.command(w.moderator, "report", period="week", section="voice")
    voice = await report.text()
    assert "NPS +45 (95% " in voice and "Promoters 7, passives 2, detractors 2" in voice
    charts = [a for m in report.visible_messages() for a in m.attachments]
    assert [a.filename for a in charts] == ["nps.png"] and charts[0].data.startswith(b"\x89PNG")  # the trend
    overview = await (await w.command(w.moderator, "report", period="week", section="overview")).text()
    assert "NPS (latest pulse survey): +45" in overview


async def test_forget_me_removes_an_answer_to_an_open_survey(pulse: World) -> None:
    w = pulse
    post = await schedule(w)
    await vote(w, w.alice, post, 3, comment="Too many pings")
    await vote(w, w.bob, post, 9)
    assert len(await w.rows("SELECT score FROM pulse_answers")) == 2
    await w.bot.privacy.forget(w.guild.id, w.alice.id)
    assert await w.rows("SELECT score, comment FROM pulse_answers") == [(9, None)]


async def test_survey_closes_on_time_across_a_restart_and_the_next_shows_the_change(pulse: World) -> None:
    w = pulse
    post = await schedule(w, days=3)
    for member in w.crowd[:10]:  # type: ignore[attr-defined]
        await vote(w, member, post, 10)
    await w.restart(secret_key=KEY)
    await w.advance(days=2)
    assert results(w) == []
    await w.advance(days=1, minutes=1)
    assert len(results(w)) == 1 and "NPS +100" in results(w)[0]
    await w.restart(secret_key=KEY)
    await w.advance(minutes=5)
    assert len(results(w)) == 1  # closed once
    await w.advance(days=28)  # a month after the first: the next survey goes out
    second = survey_post(w)
    assert second.id != post.id
    for member in w.crowd[:10]:  # type: ignore[attr-defined]
        await vote(w, member, second, 8)
    await w.advance(days=3, minutes=1)
    assert "Change since the last survey: -100 points" in results(w)[-1]
