"""Discord's limits and JSON errors, as the real API reports them."""

from __future__ import annotations

from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
POLL_QUESTION_MAX = 300
POLL_ANSWER_MAX = 55
POLL_ANSWERS_MAX = 10
POLL_HOURS_MAX = 768
REACTIONS_MAX = 20


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


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` object."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: list[str | int], code: str, message: str) -> None:
        node = self.errors
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: list[str | int], value: Any, limit: int) -> None:
        if value is not None and len(str(value)) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, 50035, "Invalid Form Body", self.errors)


def check_message_body(body: dict[str, Any]) -> None:
    """Content, embed and poll limits for a create or edit body (raises 50035)."""
    form = FormErrors()
    form.max_length(["content"], body.get("content"), CONTENT_MAX)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        form.add(["embeds"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        path: list[str | int] = ["embeds", i]
        for key, limit in EMBED_LIMITS.items():
            form.max_length([*path, key], embed.get(key), limit)
            total += len(str(embed.get(key) or ""))
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            form.add(
                [*path, "fields"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_FIELDS_MAX} or fewer in length."
            )
        for j, fld in enumerate(fields):
            form.max_length([*path, "fields", j, "name"], fld.get("name"), FIELD_NAME_MAX)
            form.max_length([*path, "fields", j, "value"], fld.get("value"), FIELD_VALUE_MAX)
            total += len(str(fld.get("name") or "")) + len(str(fld.get("value") or ""))
        footer = (embed.get("footer") or {}).get("text")
        form.max_length([*path, "footer", "text"], footer, FOOTER_MAX)
        author = (embed.get("author") or {}).get("name")
        form.max_length([*path, "author", "name"], author, AUTHOR_NAME_MAX)
        total += len(footer or "") + len(author or "")
    if total > EMBED_TOTAL_MAX:
        form.add(["embeds"], "BASE_TYPE_MAX_LENGTH", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")
    if body.get("poll") is not None:
        check_poll(body["poll"], form)
    form.raise_if_any()


def check_poll(poll: dict[str, Any], form: FormErrors) -> None:
    question = (poll.get("question") or {}).get("text")
    if not question:
        form.add(["poll", "question", "text"], "BASE_TYPE_REQUIRED", "This field is required")
    form.max_length(["poll", "question", "text"], question, POLL_QUESTION_MAX)
    answers = poll.get("answers") or []
    if not 1 <= len(answers) <= POLL_ANSWERS_MAX:
        form.add(
            ["poll", "answers"],
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {POLL_ANSWERS_MAX} in length.",
        )
    for i, answer in enumerate(answers):
        text = (answer.get("poll_media") or {}).get("text")
        form.max_length(["poll", "answers", i, "poll_media", "text"], text, POLL_ANSWER_MAX)
    duration = poll.get("duration", 24)
    # discord.py sends hours as a float (``2.0``); Discord accepts whole numbers either way
    whole = (
        isinstance(duration, int | float) and not isinstance(duration, bool) and float(duration).is_integer()
    )
    if not whole or not 1 <= duration <= POLL_HOURS_MAX:
        form.add(["poll", "duration"], "NUMBER_TYPE_MAX", f"Must be between 1 and {POLL_HOURS_MAX}.")
