"""Discord's limits and JSON errors, as the real API reports them.

Every number comes from the table in ``limits.py``. A refused body answers 400 with code 50035
("Invalid Form Body") and ``errors``: the field path as nested keys (list indexes as strings),
ending in ``_errors: [{code, message}]``, the way Discord reports it.
"""

from __future__ import annotations

import re
from typing import Any

from . import limits as L
from .limits import limit

REACTIONS_MAX = limit("message.reactions")
Path = list[str | int]


class ApiError(Exception):
    """An error answer: HTTP status plus Discord's JSON code and message."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def too_many_reactions() -> ApiError:
    return ApiError(400, 30010, "Maximum number of reactions reached (20)")


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def invalid_form(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` object."""

    def __init__(self, prefix: Path | None = None) -> None:
        self.errors: dict[str, Any] = {}
        self.prefix: Path = list(prefix or [])

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.errors
        for key in [*self.prefix, *path]:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def required(self, path: Path, value: Any) -> bool:
        """Adds BASE_TYPE_REQUIRED when ``value`` is missing; True when present."""
        if value is None:
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def max_length(self, path: Path, value: Any, limit: int) -> None:
        if value is not None and len(value if isinstance(value, list | dict) else str(value)) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length(self, path: Path, value: Any, low: int, high: int) -> None:
        """``low..high`` characters (or items); a missing value is not checked here."""
        if value is None:
            return
        n = len(value if isinstance(value, list | dict) else str(value))
        if not low <= n <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def choice(self, path: Path, value: Any, allowed: tuple[Any, ...]) -> None:
        if value is not None and value not in allowed:
            shown = ", ".join(repr(a) if isinstance(a, str) else str(a) for a in allowed)
            self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {{{shown}}}.")

    def number(self, path: Path, value: Any, low: int, high: int) -> None:
        if value is None:
            return
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        elif value > high:
            self.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}.")
        elif value < low:
            self.add(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise invalid_form(self.errors)


# ---- messages -------------------------------------------------------------------------------------------
def check_message_body(body: dict[str, Any], prefix: Path | None = None) -> None:
    """Every create/edit limit of a message body (raises 50035); ``prefix`` nests the paths (``data``)."""
    form = FormErrors(prefix)
    form.max_length(["content"], body.get("content"), limit("message.content"))
    check_embeds(body.get("embeds") or [], form)
    check_allowed_mentions(body.get("allowed_mentions"), form)
    form.max_length(["sticker_ids"], body.get("sticker_ids"), limit("message.stickers"))
    nonce = body.get("nonce")
    if isinstance(nonce, str):
        form.max_length(["nonce"], nonce, limit("message.nonce"))
    form.max_length(["attachments"], body.get("attachments"), limit("message.attachments"))
    if body.get("components"):
        check_message_components(body["components"], int(body.get("flags") or 0), form)
    if body.get("poll") is not None:
        check_poll(body["poll"], form)
    form.raise_if_any()


def check_allowed_mentions(allowed: Any, form: FormErrors) -> None:
    if not allowed:
        return
    parse = allowed.get("parse") or []
    for i, kind in enumerate(parse):
        form.choice(["allowed_mentions", "parse", i], kind, L.ALLOWED_MENTION_TYPES)
    for kind in ("users", "roles"):
        listed = allowed.get(kind)
        form.max_length(["allowed_mentions", kind], listed, limit("allowed_mentions.ids"))
        if listed and kind in parse:
            form.add(
                ["allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def check_embeds(embeds: list[dict[str, Any]], form: FormErrors) -> None:
    form.max_length(["embeds"], embeds, limit("message.embeds"))
    total = 0
    for i, embed in enumerate(embeds):
        path: Path = ["embeds", i]
        for key in ("title", "description"):
            form.max_length([*path, key], embed.get(key), limit(f"embed.{key}"))
            total += len(str(embed.get(key) or ""))
        form.number([*path, "color"], embed.get("color"), 0, limit("embed.color"))
        form.max_length([*path, "url"], embed.get("url"), limit("embed.url"))
        for part, keys in (
            ("author", ("url", "icon_url")),
            ("footer", ("icon_url",)),
            ("image", ("url",)),
            ("thumbnail", ("url",)),
        ):
            for key in keys:
                form.max_length([*path, part, key], (embed.get(part) or {}).get(key), limit("embed.url"))
        fields = embed.get("fields") or []
        form.max_length([*path, "fields"], fields, limit("embed.fields"))
        for j, fld in enumerate(fields):
            for key in ("name", "value"):
                if form.required([*path, "fields", j, key], fld.get(key)):
                    form.max_length([*path, "fields", j, key], fld[key], limit(f"embed.field.{key}"))
                    total += len(str(fld[key]))
        footer = (embed.get("footer") or {}).get("text")
        form.max_length([*path, "footer", "text"], footer, limit("embed.footer.text"))
        author = (embed.get("author") or {}).get("name")
        form.max_length([*path, "author", "name"], author, limit("embed.author.name"))
        total += len(footer or "") + len(author or "")
    if total > limit("embed.total"):
        form.add(["embeds"], "BASE_TYPE_MAX_LENGTH", f"Embed size exceeds maximum size of {limit('embed.total')}")


# ---- components -----------------------------------------------------------------------------------------
def check_message_components(rows: list[Any], flags: int, form: FormErrors) -> None:
    """Action rows of buttons and selects (components v2 layouts are only type-checked)."""
    if flags & L.IS_COMPONENTS_V2:
        return
    form.max_length(["components"], rows, limit("message.action_rows"))
    for i, row in enumerate(rows):
        check_action_row(row, ["components", i], form, child_types=L.ROW_CHILD_TYPES)


def check_action_row(row: Any, path: Path, form: FormErrors, *, child_types: tuple[int, ...]) -> None:
    if not isinstance(row, dict) or row.get("type") != L.ACTION_ROW:
        form.add([*path, "type"], "UNION_TYPE_CHOICES", f'Value of field "type" must be one of ({L.ACTION_ROW},).')
        return
    children = row.get("components")
    if not form.required([*path, "components"], children):
        return
    form.length([*path, "components"], children, 1, limit("row.components"))
    for j, child in enumerate(children):
        cpath: Path = [*path, "components", j]
        kind = child.get("type") if isinstance(child, dict) else None
        if kind not in child_types:
            shown = ", ".join(str(t) for t in child_types)
            form.add([*cpath, "type"], "UNION_TYPE_CHOICES", f'Value of field "type" must be one of ({shown}).')
            continue
        if kind == 2:
            check_button(child, cpath, form)
        elif kind == L.TEXT_INPUT_TYPE:
            check_text_input(child, cpath, form)
        else:
            check_select(child, cpath, form)
            if len(children) > 1:
                form.add(cpath, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")


def check_custom_id(component: dict[str, Any], path: Path, form: FormErrors) -> None:
    if form.required([*path, "custom_id"], component.get("custom_id")):
        form.length([*path, "custom_id"], component["custom_id"], 1, limit("component.custom_id"))


def check_button(button: dict[str, Any], path: Path, form: FormErrors) -> None:
    style = button.get("style")
    if not form.required([*path, "style"], style):
        return
    form.choice([*path, "style"], style, L.BUTTON_STYLES)
    form.max_length([*path, "label"], button.get("label"), limit("button.label"))
    if style == L.LINK_STYLE:
        if form.required([*path, "url"], button.get("url")):
            form.max_length([*path, "url"], button["url"], limit("button.url"))
        if button.get("custom_id") is not None:
            form.add(
                [*path, "custom_id"],
                "BUTTON_COMPONENT_CUSTOM_ID_URL_EXCLUSIVE",
                "A custom id and url cannot both be specified",
            )
    elif style != L.PREMIUM_STYLE:
        check_custom_id(button, path, form)
        if button.get("url") is not None:
            form.add([*path, "url"], "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url can only be set on a link button")


def check_select(select: dict[str, Any], path: Path, form: FormErrors) -> None:
    check_custom_id(select, path, form)
    form.max_length([*path, "placeholder"], select.get("placeholder"), limit("select.placeholder"))
    top = limit("select.values")
    low, high = select.get("min_values"), select.get("max_values")
    form.number([*path, "min_values"], low, 0, top)
    form.number([*path, "max_values"], high, 1, top)
    options = select.get("options")
    if select.get("type") == 3:
        if not form.required([*path, "options"], options):
            return
        form.length([*path, "options"], options, 1, limit("select.options"))
        for k, option in enumerate(options):
            opath: Path = [*path, "options", k]
            for key in ("label", "value"):
                if form.required([*opath, key], option.get(key)):
                    form.length([*opath, key], option[key], 1, limit("select.option.text"))
            form.max_length([*opath, "description"], option.get("description"), limit("select.option.text"))
        if isinstance(high, int) and high > len(options):
            form.add(
                [*path, "max_values"],
                "SELECT_COMPONENT_MAX_VALUES_TOO_LARGE",
                f"max_values must be less than or equal to the number of options ({len(options)})",
            )
    if isinstance(low, int) and isinstance(high, int) and low > high:
        form.add(
            [*path, "min_values"],
            "SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX",
            "min_values must be less than or equal to max_values",
        )


def check_text_input(text: dict[str, Any], path: Path, form: FormErrors, *, in_label: bool = False) -> None:
    check_custom_id(text, path, form)
    if form.required([*path, "style"], text.get("style")):
        form.choice([*path, "style"], text["style"], L.TEXT_INPUT_STYLES)
    if in_label:  # a Label (type 18) carries the text; the input's own label is deprecated there
        form.max_length([*path, "label"], text.get("label"), limit("text_input.label"))
    elif form.required([*path, "label"], text.get("label")):
        form.length([*path, "label"], text["label"], 1, limit("text_input.label"))
    form.max_length([*path, "placeholder"], text.get("placeholder"), limit("text_input.placeholder"))
    top = limit("text_input.value")
    form.max_length([*path, "value"], text.get("value"), top)
    form.number([*path, "min_length"], text.get("min_length"), 0, top)
    form.number([*path, "max_length"], text.get("max_length"), 1, top)


# ---- interaction responses ------------------------------------------------------------------------------
def check_modal(data: dict[str, Any]) -> None:
    form = FormErrors(["data"])
    if form.required(["title"], data.get("title")):
        form.length(["title"], data["title"], 1, limit("modal.title"))
    check_custom_id(data, [], form)
    rows = data.get("components")
    if form.required(["components"], rows):
        form.length(["components"], rows, 1, limit("modal.rows"))
        for i, row in enumerate(rows):
            if isinstance(row, dict) and row.get("type") == L.LABEL_TYPE:
                check_label(row, ["components", i], form)
            else:
                check_action_row(row, ["components", i], form, child_types=(L.TEXT_INPUT_TYPE,))
    form.raise_if_any()


def check_label(label: dict[str, Any], path: Path, form: FormErrors) -> None:
    """A modal's Label (type 18): text up to 45, description up to 100, one text input or string select."""
    if form.required([*path, "label"], label.get("label")):
        form.length([*path, "label"], label["label"], 1, limit("label.label"))
    form.max_length([*path, "description"], label.get("description"), limit("label.description"))
    child = label.get("component")
    if not form.required([*path, "component"], child):
        return
    cpath: Path = [*path, "component"]
    kind = child.get("type") if isinstance(child, dict) else None
    if kind == L.TEXT_INPUT_TYPE:
        check_text_input(child, cpath, form, in_label=True)
    elif kind in L.LABEL_CHILD_TYPES:
        check_select(child, cpath, form)
    else:
        shown = ", ".join(str(t) for t in (L.TEXT_INPUT_TYPE, *L.LABEL_CHILD_TYPES))
        form.add([*cpath, "type"], "UNION_TYPE_CHOICES", f'Value of field "type" must be one of ({shown}).')


def check_autocomplete(data: dict[str, Any]) -> None:
    form = FormErrors(["data"])
    choices = data.get("choices") or []
    form.max_length(["choices"], choices, limit("autocomplete.choices"))
    for i, choice in enumerate(choices):
        check_choice(choice, ["choices", i], form)
    form.raise_if_any()


def check_choice(choice: dict[str, Any], path: Path, form: FormErrors) -> None:
    if form.required([*path, "name"], choice.get("name")):
        form.length([*path, "name"], choice["name"], 1, limit("command.choice.name"))
    if form.required([*path, "value"], choice.get("value")) and isinstance(choice["value"], str):
        form.max_length([*path, "value"], choice["value"], limit("command.choice.value"))


# ---- threads and channels -------------------------------------------------------------------------------
def check_thread_body(body: dict[str, Any]) -> None:
    form = FormErrors()
    if form.required(["name"], body.get("name")):
        form.length(["name"], body["name"], 1, limit("thread.name"))
    form.choice(["auto_archive_duration"], body.get("auto_archive_duration"), L.THREAD_ARCHIVE_MINUTES)
    form.raise_if_any()


def check_channel_patch(body: dict[str, Any], *, thread: bool) -> None:
    form = FormErrors()
    if "name" in body and form.required(["name"], body["name"]):
        form.length(["name"], body["name"], 1, limit("thread.name" if thread else "channel.name"))
    if thread:
        form.choice(["auto_archive_duration"], body.get("auto_archive_duration"), L.THREAD_ARCHIVE_MINUTES)
    else:
        form.max_length(["topic"], body.get("topic"), limit("channel.topic"))
    form.raise_if_any()


# ---- application commands -------------------------------------------------------------------------------
_COMMAND_NAME = re.compile(L.COMMAND_NAME_PATTERN)


def check_commands(commands: Any, *, bulk: bool) -> None:
    """A command (POST) or the list of a bulk overwrite (PUT): names, descriptions, options."""
    form = FormErrors()
    if bulk:
        if not isinstance(commands, list):
            form.add([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
            form.raise_if_any()
        form.max_length([], commands, limit("command.count"))
        for i, command in enumerate(commands):
            check_command(command, [i], form)
    else:
        check_command(commands, [], form)
    form.raise_if_any()


def check_command(command: Any, path: Path, form: FormErrors) -> None:
    if not isinstance(command, dict):
        form.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    kind = command.get("type", 1)
    check_name(command, path, form, chat_input=kind == 1)
    if kind == 1:
        check_description(command, path, form)
        check_options(command.get("options") or [], [*path, "options"], form)
    elif command.get("description"):
        form.add(
            [*path, "description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have description",
        )
    dmp = command.get("default_member_permissions")
    if dmp is not None and not str(dmp).isdigit():
        form.add([*path, "default_member_permissions"], "NUMBER_TYPE_COERCE", f'Value "{dmp}" is not snowflake.')


def check_name(item: dict[str, Any], path: Path, form: FormErrors, *, chat_input: bool = True) -> None:
    name = item.get("name")
    if not form.required([*path, "name"], name):
        return
    form.length([*path, "name"], name, 1, limit("command.name"))
    name = str(name)
    if chat_input and (not _COMMAND_NAME.match(name) or name != name.lower()):
        form.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def check_description(item: dict[str, Any], path: Path, form: FormErrors) -> None:
    if form.required([*path, "description"], item.get("description")):
        form.length([*path, "description"], item["description"], 1, limit("command.description"))


def check_options(options: list[Any], path: Path, form: FormErrors) -> None:
    form.max_length(path, options, limit("command.options"))
    seen_optional = False
    for i, option in enumerate(options):
        opath: Path = [*path, i]
        if not isinstance(option, dict):
            form.add(opath, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        check_name(option, opath, form)
        check_description(option, opath, form)
        if option.get("type") in (1, 2):
            check_options(option.get("options") or [], [*opath, "options"], form)
            continue
        if option.get("required"):
            if seen_optional:
                form.add(
                    opath,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        form.max_length([*opath, "choices"], choices, limit("command.choices"))
        for j, choice in enumerate(choices):
            check_choice(choice, [*opath, "choices", j], form)


# ---- polls ----------------------------------------------------------------------------------------------
def check_poll(poll: dict[str, Any], form: FormErrors) -> None:
    question = (poll.get("question") or {}).get("text")
    if form.required(["poll", "question", "text"], question or None):
        form.max_length(["poll", "question", "text"], question, limit("poll.question"))
    answers = poll.get("answers") or []
    form.length(["poll", "answers"], answers, 1, limit("poll.answers"))
    for i, answer in enumerate(answers):
        text = (answer.get("poll_media") or {}).get("text")
        form.max_length(["poll", "answers", i, "poll_media", "text"], text, limit("poll.answer"))
    duration = poll.get("duration", 24)
    # discord.py sends hours as a float (``2.0``); Discord accepts whole numbers either way
    whole = isinstance(duration, int | float) and not isinstance(duration, bool) and float(duration).is_integer()
    hours = limit("poll.hours")
    if not whole or not 1 <= duration <= hours:
        form.add(["poll", "duration"], "NUMBER_TYPE_MAX", f"Must be between 1 and {hours}.")
