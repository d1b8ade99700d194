"""Each of Discord's limits is refused the way Discord refuses it: 400, code 50035, the ``errors`` tree.

One case per limit (``limits.py`` holds the numbers and where Discord documents them). Bodies go
straight over HTTP, so a limit is tested even where discord.py would not let a bot cross it.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.sandbox.localdiscord import LocalDiscord
from bot.sandbox.localdiscord.testing import Community


async def call(server: LocalDiscord, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bot {server.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, server.api_base + path, json=body, headers=headers) as r,
    ):
        return r.status, (await r.json() if r.status != 204 else {})


def error_codes(answer: dict[str, Any], path: str) -> list[str]:
    """The ``code``s Discord reports at a dotted field path ("" for the body itself)."""
    node = answer.get("errors") or {}
    for key in filter(None, path.split(".")):
        node = node.get(key) or {}
    return [e["code"] for e in node.get("_errors", [])]


def button(**kw: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": "b", "label": "ok", **kw}


def option(**kw: Any) -> dict[str, Any]:
    return {"label": "a", "value": "a", **kw}


def select(**kw: Any) -> dict[str, Any]:
    return {"type": 3, "custom_id": "s", "options": [option(), option(value="b")], **kw}


def row(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(children)}


def in_row(component: dict[str, Any]) -> dict[str, Any]:
    return {"content": "x", "components": [row(component)]}


C0 = "components.0.components.0"
LONG = "x" * 101

MESSAGE_CASES = {
    "content over 2000": ({"content": "x" * 2001}, "content", "BASE_TYPE_MAX_LENGTH"),
    "button label over 80": (in_row(button(label="x" * 81)), f"{C0}.label", "BASE_TYPE_MAX_LENGTH"),
    "custom_id over 100": (in_row(button(custom_id=LONG)), f"{C0}.custom_id", "BASE_TYPE_BAD_LENGTH"),
    "button without custom_id": (in_row(button(custom_id=None)), f"{C0}.custom_id", "BASE_TYPE_REQUIRED"),
    "six buttons in a row": (
        {"components": [row(*[button(custom_id=str(i)) for i in range(6)])]},
        "components.0.components",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "an empty row": ({"content": "x", "components": [row()]}, "components.0.components", "BASE_TYPE_BAD_LENGTH"),
    "six rows": (
        {"components": [row(button(custom_id=str(i))) for i in range(6)]},
        "components",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "unknown button style": (in_row(button(style=9)), f"{C0}.style", "BASE_TYPE_CHOICES"),
    "unknown component type": (in_row({"type": 42, "custom_id": "q"}), f"{C0}.type", "UNION_TYPE_CHOICES"),
    "a button outside a row": ({"components": [button()]}, "components.0.type", "UNION_TYPE_CHOICES"),
    "a text input in a message": (
        in_row({"type": 4, "custom_id": "t", "style": 1, "label": "l"}),
        f"{C0}.type",
        "UNION_TYPE_CHOICES",
    ),
    "link button without url": (
        in_row({"type": 2, "style": 5, "label": "site"}),
        f"{C0}.url",
        "BASE_TYPE_REQUIRED",
    ),
    "link button with custom_id": (
        in_row({"type": 2, "style": 5, "label": "site", "url": "https://example.com", "custom_id": "c"}),
        f"{C0}.custom_id",
        "BUTTON_COMPONENT_CUSTOM_ID_URL_EXCLUSIVE",
    ),
    "link url over 512": (
        in_row({"type": 2, "style": 5, "label": "site", "url": "https://e.com/" + "x" * 500}),
        f"{C0}.url",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "select with 26 options": (
        in_row(select(options=[option(value=str(i)) for i in range(26)])),
        f"{C0}.options",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "select with no options": (in_row(select(options=[])), f"{C0}.options", "BASE_TYPE_BAD_LENGTH"),
    "option label over 100": (
        in_row(select(options=[option(label=LONG)])),
        f"{C0}.options.0.label",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "option value over 100": (
        in_row(select(options=[option(value=LONG)])),
        f"{C0}.options.0.value",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "option description over 100": (
        in_row(select(options=[option(description=LONG)])),
        f"{C0}.options.0.description",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "placeholder over 150": (in_row(select(placeholder="x" * 151)), f"{C0}.placeholder", "BASE_TYPE_MAX_LENGTH"),
    "min_values over 25": (in_row(select(min_values=26)), f"{C0}.min_values", "NUMBER_TYPE_MAX"),
    "max_values under 1": (in_row(select(max_values=0)), f"{C0}.max_values", "NUMBER_TYPE_MIN"),
    "max_values over the options": (
        in_row(select(max_values=3)),
        f"{C0}.max_values",
        "SELECT_COMPONENT_MAX_VALUES_TOO_LARGE",
    ),
    "min_values over max_values": (
        in_row(select(min_values=2, max_values=1)),
        f"{C0}.min_values",
        "SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX",
    ),
    "a select beside a button": (
        {"components": [row(select(), button())]},
        C0,
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
    ),
    "embed colour over 0xFFFFFF": ({"embeds": [{"color": 0x1000000}]}, "embeds.0.color", "NUMBER_TYPE_MAX"),
    "embed url over 2048": (
        {"embeds": [{"title": "t", "url": "https://e.com/" + "x" * 2040}]},
        "embeds.0.url",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "embed image url over 2048": (
        {"embeds": [{"image": {"url": "https://e.com/" + "x" * 2040}}]},
        "embeds.0.image.url",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "field without name": ({"embeds": [{"fields": [{"value": "v"}]}]}, "embeds.0.fields.0.name", "BASE_TYPE_REQUIRED"),
    "field without value": (
        {"embeds": [{"fields": [{"name": "n"}]}]},
        "embeds.0.fields.0.value",
        "BASE_TYPE_REQUIRED",
    ),
    "embeds over 6000 in total": (
        {"embeds": [{"description": "x" * 3001}, {"description": "y" * 3000}]},
        "embeds",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "eleven embeds": ({"embeds": [{"title": str(i)} for i in range(11)]}, "embeds", "BASE_TYPE_MAX_LENGTH"),
    "26 fields": (
        {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
        "embeds.0.fields",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "embed title over 256": ({"embeds": [{"title": "x" * 257}]}, "embeds.0.title", "BASE_TYPE_MAX_LENGTH"),
    "unknown allowed_mentions.parse": (
        {"content": "x", "allowed_mentions": {"parse": ["channels"]}},
        "allowed_mentions.parse.0",
        "BASE_TYPE_CHOICES",
    ),
    "parse users with a users list": (
        {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
        "allowed_mentions",
        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
    ),
    "parse roles with a roles list": (
        {"content": "x", "allowed_mentions": {"parse": ["roles"], "roles": ["1"]}},
        "allowed_mentions",
        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
    ),
    "four stickers": ({"sticker_ids": ["1", "2", "3", "4"]}, "sticker_ids", "BASE_TYPE_MAX_LENGTH"),
    "nonce over 25": ({"content": "x", "nonce": "n" * 26}, "nonce", "BASE_TYPE_MAX_LENGTH"),
    "poll answer over 55": (
        {"poll": {"question": {"text": "q"}, "answers": [{"poll_media": {"text": "a" * 56}}], "duration": 1}},
        "poll.answers.0.poll_media.text",
        "BASE_TYPE_MAX_LENGTH",
    ),
}


@pytest.mark.parametrize("case", list(MESSAGE_CASES))
async def test_message_limit_is_refused_with_discords_errors(local_discord, community: Community, case) -> None:
    body, path, code = MESSAGE_CASES[case]
    status, answer = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", body)
    assert (status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body")
    assert code in error_codes(answer, path), answer
    assert not local_discord.sent_by_bot(community.general)


async def test_the_same_limits_hold_for_an_edit(local_discord, community: Community) -> None:
    status, sent = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", {"content": "x"})
    assert status == 200
    path = f"/channels/{community.general.id}/messages/{sent['id']}"
    status, answer = await call(local_discord, "PATCH", path, in_row(button(label="x" * 81)))
    assert status == 400 and "BASE_TYPE_MAX_LENGTH" in error_codes(answer, f"{C0}.label")


async def test_a_message_with_nothing_to_send_is_50006(local_discord, community: Community) -> None:
    status, answer = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", {"tts": False})
    assert (status, answer) == (400, {"message": "Cannot send an empty message", "code": 50006})


async def test_a_body_inside_the_limits_passes(local_discord, community: Community) -> None:
    body = {
        "content": "x" * 2000,
        "components": [row(*[button(custom_id=str(i), label="x" * 80) for i in range(5)]), row(select(max_values=2))],
        "embeds": [{"title": "t" * 256, "color": 0xFFFFFF, "fields": [{"name": "n", "value": "v"}] * 25}],
        "allowed_mentions": {"parse": ["users"], "roles": ["1"]},
        "nonce": "n" * 25,
    }
    status, answer = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", body)
    assert status == 200, answer


THREAD_CASES = {
    "empty name": ({"name": ""}, "name", "BASE_TYPE_BAD_LENGTH"),
    "no name": ({}, "name", "BASE_TYPE_REQUIRED"),
    "name over 100": ({"name": LONG}, "name", "BASE_TYPE_BAD_LENGTH"),
    "archive duration not 60/1440/4320/10080": (
        {"name": "t", "auto_archive_duration": 30},
        "auto_archive_duration",
        "BASE_TYPE_CHOICES",
    ),
}


@pytest.mark.parametrize("from_message", [True, False], ids=["from-message", "without-message"])
@pytest.mark.parametrize("case", list(THREAD_CASES))
async def test_thread_limit_is_refused(local_discord, community: Community, case, from_message) -> None:
    body, path, code = THREAD_CASES[case]
    route = f"/channels/{community.general.id}/threads"
    if from_message:
        _, sent = await call(local_discord, "POST", f"/channels/{community.general.id}/messages", {"content": "x"})
        route = f"/channels/{community.general.id}/messages/{sent['id']}/threads"
    status, answer = await call(local_discord, "POST", route, body)
    assert (status, answer["code"]) == (400, 50035) and code in error_codes(answer, path), answer
    assert not local_discord.threads_created


async def test_channel_and_thread_renames_keep_the_name_limit(local_discord, community: Community) -> None:
    status, answer = await call(local_discord, "PATCH", f"/channels/{community.general.id}", {"name": LONG})
    assert status == 400 and "BASE_TYPE_BAD_LENGTH" in error_codes(answer, "name")
    assert community.general.name == "general"
    _, thread = await call(local_discord, "POST", f"/channels/{community.general.id}/threads", {"name": "t"})
    status, answer = await call(local_discord, "PATCH", f"/channels/{thread['id']}", {"name": ""})
    assert status == 400 and "BASE_TYPE_BAD_LENGTH" in error_codes(answer, "name")


def command(**kw: Any) -> dict[str, Any]:
    return {"name": "ping", "description": "Ping", "type": 1, **kw}


def string_option(name: str = "q", **kw: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": "d", **kw}


COMMAND_CASES = {
    "name over 32": ([command(name="x" * 33)], "0.name", "BASE_TYPE_BAD_LENGTH"),
    "name not matching the pattern": ([command(name="two words")], "0.name", "APPLICATION_COMMAND_INVALID_NAME"),
    "name with capitals": ([command(name="Ping")], "0.name", "APPLICATION_COMMAND_INVALID_NAME"),
    "missing name": ([{"description": "d"}], "0.name", "BASE_TYPE_REQUIRED"),
    "description over 100": ([command(description=LONG)], "0.description", "BASE_TYPE_BAD_LENGTH"),
    "26 options": (
        [command(options=[string_option(f"o{i}") for i in range(26)])],
        "0.options",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "26 choices": (
        [command(options=[string_option(choices=[{"name": str(i), "value": str(i)} for i in range(26)])])],
        "0.options.0.choices",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "choice name over 100": (
        [command(options=[string_option(choices=[{"name": LONG, "value": "v"}])])],
        "0.options.0.choices.0.name",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "option name over 32": ([command(options=[string_option("x" * 33)])], "0.options.0.name", "BASE_TYPE_BAD_LENGTH"),
    "required option after an optional one": (
        [command(options=[string_option("a"), string_option("b", required=True)])],
        "0.options.1",
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
    ),
    "over 100 global commands": ([command(name=f"c{i}") for i in range(101)], "", "BASE_TYPE_MAX_LENGTH"),
}


@pytest.mark.parametrize("case", list(COMMAND_CASES))
async def test_command_limit_is_refused(local_discord, case) -> None:
    body, path, code = COMMAND_CASES[case]
    status, answer = await call(local_discord, "PUT", f"/applications/{local_discord.application_id}/commands", body)
    assert (status, answer["code"]) == (400, 50035) and code in error_codes(answer, path), answer
    assert not local_discord.commands.get(None)


async def test_a_command_posted_without_name_is_a_400_not_a_500(local_discord) -> None:
    route = f"/applications/{local_discord.application_id}/commands"
    status, answer = await call(local_discord, "POST", route, {"description": "d"})
    assert (status, answer["code"]) == (400, 50035) and error_codes(answer, "name") == ["BASE_TYPE_REQUIRED"]
    for i in range(100):
        assert (await call(local_discord, "POST", route, command(name=f"c{i}")))[0] == 201
    status, answer = await call(local_discord, "POST", route, command(name="one-more"))
    assert (status, answer["code"]) == (400, 30032)


async def interaction(server: LocalDiscord, community: Community, *, autocomplete: bool = False) -> Any:
    route = f"/applications/{server.application_id}/commands"
    opt = string_option(autocomplete=True)
    assert (await call(server, "PUT", route, [command(options=[opt])]))[0] == 200
    if autocomplete:
        return await server.autocomplete(community.alice, community.guild, "ping", {"q": "a"}, focused="q")
    return await server.run_command(community.alice, community.guild, "ping")


def text_input(**kw: Any) -> dict[str, Any]:
    return {"type": 4, "custom_id": "t", "style": 1, "label": "Name", **kw}


def modal(**kw: Any) -> dict[str, Any]:
    return {"type": 9, "data": {"custom_id": "m", "title": "Tell us", "components": [row(text_input())], **kw}}


CALLBACK_CASES = {
    "modal title over 45": (modal(title="x" * 46), "data.title", "BASE_TYPE_BAD_LENGTH"),
    "modal without title": (modal(title=None), "data.title", "BASE_TYPE_REQUIRED"),
    "text input label over 45": (
        modal(components=[row(text_input(label="x" * 46))]),
        f"data.{C0}.label",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "text input placeholder over 100": (
        modal(components=[row(text_input(placeholder=LONG))]),
        f"data.{C0}.placeholder",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "modal without components": (modal(components=None), "data.components", "BASE_TYPE_REQUIRED"),
    "modal with no rows": (modal(components=[]), "data.components", "BASE_TYPE_BAD_LENGTH"),
    "modal with six rows": (
        modal(components=[row(text_input(custom_id=str(i))) for i in range(6)]),
        "data.components",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "a button in a modal": (modal(components=[row(button())]), f"data.{C0}.type", "UNION_TYPE_CHOICES"),
    "label text over 45": (
        modal(components=[{"type": 18, "label": "x" * 46, "component": text_input(label=None)}]),
        "data.components.0.label",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "label description over 100": (
        modal(components=[{"type": 18, "label": "Kind", "description": LONG, "component": text_input(label=None)}]),
        "data.components.0.description",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "a button in a label": (
        modal(components=[{"type": 18, "label": "Kind", "component": button()}]),
        "data.components.0.component.type",
        "UNION_TYPE_CHOICES",
    ),
    "message content over 2000": ({"type": 4, "data": {"content": "x" * 2001}}, "data.content", "BASE_TYPE_MAX_LENGTH"),
    "message button label over 80": (
        {"type": 4, "data": in_row(button(label="x" * 81))},
        f"data.{C0}.label",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "message with eleven embeds": (
        {"type": 4, "data": {"embeds": [{"title": "t"}] * 11}},
        "data.embeds",
        "BASE_TYPE_MAX_LENGTH",
    ),
}


@pytest.mark.parametrize("case", list(CALLBACK_CASES))
async def test_callback_limit_is_refused(local_discord, community: Community, case) -> None:
    body, path, code = CALLBACK_CASES[case]
    result = await interaction(local_discord, community)
    status, answer = await call(local_discord, "POST", f"/interactions/{result.id}/{result.token}/callback", body)
    assert (status, answer["code"]) == (400, 50035) and code in error_codes(answer, path), answer
    assert not result.acknowledged


AUTOCOMPLETE_CASES = {
    "26 choices": ([{"name": str(i), "value": str(i)} for i in range(26)], "data.choices", "BASE_TYPE_MAX_LENGTH"),
    "choice name over 100": ([{"name": LONG, "value": "v"}], "data.choices.0.name", "BASE_TYPE_BAD_LENGTH"),
    "choice without value": ([{"name": "n"}], "data.choices.0.value", "BASE_TYPE_REQUIRED"),
}


@pytest.mark.parametrize("case", list(AUTOCOMPLETE_CASES))
async def test_autocomplete_limit_is_refused(local_discord, community: Community, case) -> None:
    choices, path, code = AUTOCOMPLETE_CASES[case]
    result = await interaction(local_discord, community, autocomplete=True)
    route = f"/interactions/{result.id}/{result.token}/callback"
    status, answer = await call(local_discord, "POST", route, {"type": 8, "data": {"choices": choices}})
    assert (status, answer["code"]) == (400, 50035) and code in error_codes(answer, path), answer


async def test_followups_and_original_edits_keep_every_message_limit(local_discord, community: Community) -> None:
    result = await interaction(local_discord, community)
    status, _ = await call(local_discord, "POST", f"/interactions/{result.id}/{result.token}/callback", {"type": 5})
    assert status == 200
    hook = f"/webhooks/{local_discord.application_id}/{result.token}"
    status, answer = await call(local_discord, "POST", hook + "?wait=true", {"embeds": [{"color": -1}]})
    assert status == 400 and "NUMBER_TYPE_MIN" in error_codes(answer, "embeds.0.color")
    status, answer = await call(local_discord, "PATCH", hook + "/messages/@original", {"content": "x" * 2001})
    assert status == 400 and "BASE_TYPE_MAX_LENGTH" in error_codes(answer, "content")
    assert not result.followups
