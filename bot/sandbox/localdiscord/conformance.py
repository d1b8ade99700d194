"""The conformance check: every recorded REST call against Discord's table of shapes and limits.

``problems(server.rest_log)`` lists, once each:
- a call to a route the table (``shapes.ROUTES``) has no entry for, or that the local Discord
  does not serve;
- a request field the route's request schemas do not have;
- a 2xx answer to a body the validators (``validation.py``, numbers from ``limits.py``) refuse;
- an answer field (top level, and the nested objects in ``shapes.NESTED``) the route's response
  schemas do not have, e.g. ``member`` or ``guild_id`` on a REST message; an error body with
  fields Discord's error object does not have.

The e2e harness runs it after every test (``tests/e2e/conftest.py``); ``assert_conformant``
fails a test with the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .rest import RestCall
from .shapes import ERROR_FIELDS, NESTED, OAUTH2_ERROR_FIELDS, OBJECTS, ROUTES
from .validation import (
    ApiError,
    check_autocomplete,
    check_commands,
    check_message_body,
    check_modal,
    check_thread_body,
)

MESSAGE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{application_id}/{token}"),
    ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}"),
}
THREAD_ROUTES = {
    ("POST", "/channels/{channel_id}/threads"),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"),
}
CALLBACK = ("POST", "/interactions/{interaction_id}/{token}/callback")


def _callback(body: dict[str, Any]) -> None:
    kind, data = body.get("type"), body.get("data") or {}
    if kind in (4, 7):
        check_message_body(data, ["data"])
    elif kind == 8:
        check_autocomplete(data)
    elif kind == 9:
        check_modal(data)


def validator(method: str, route: str) -> Callable[[Any], None] | None:
    key = (method, route)
    if key in MESSAGE_ROUTES:
        return check_message_body
    if key in THREAD_ROUTES:
        return check_thread_body
    if key == CALLBACK:
        return _callback
    if route.endswith("/commands"):
        if method == "PUT":
            return lambda body: check_commands(body, bulk=True)
        if method == "POST":
            return lambda body: check_commands(body, bulk=False)
    return None


def _fields(schemas: Iterable[str]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for name in schemas:
        out |= OBJECTS[name]
    return out


def _check_object(obj: Any, schemas: tuple[str, ...], where: str, path: str, out: list[str]) -> None:
    if not isinstance(obj, dict):
        return
    allowed = _fields(schemas)
    for key in obj:
        if key not in allowed:
            out.append(f"{where}: answer field {path}{key!r} is not in {'/'.join(schemas)}")
    for schema in schemas:
        for (owner, name), sub in NESTED.items():
            if owner != schema or obj.get(name) is None:
                continue
            value = obj[name]
            for item in value if isinstance(value, list) else [value]:
                _check_object(item, (sub,), where, f"{path}{name}.", out)


def check_call(call: RestCall) -> list[str]:
    where = f"{call.method} {call.route or call.path}"
    if call.route is None:
        return [f"{where}: the local Discord has no such route"]
    route = ROUTES.get((call.method, call.route))
    if route is None:
        return [f"{where}: no entry in shapes.ROUTES"]
    out: list[str] = []
    body = call.json
    if body not in (None, {}):
        if not route.request:
            out.append(f"{where}: sends a JSON body; the route takes none")
        else:
            allowed = _fields(route.request)
            for item in body if route.request_list and isinstance(body, list) else [body]:
                for key in item if isinstance(item, dict) else ():
                    if key not in allowed:
                        out.append(f"{where}: request field {key!r} is not in {'/'.join(route.request)}")
        check = validator(call.method, call.route)
        if check is not None and 200 <= call.status < 300:
            try:
                check(body)
            except ApiError as exc:
                out.append(f"{where}: answered {call.status} to a body Discord refuses: {exc.errors}")
    answer = call.answer()
    if call.status >= 400:
        if isinstance(answer, dict):
            known = OAUTH2_ERROR_FIELDS if call.route.startswith("/oauth2/token") else ERROR_FIELDS
            out.extend(f"{where}: error field {k!r} is not Discord's" for k in answer if k not in known)
    elif answer is not None:
        if not route.response:
            out.append(f"{where}: answers a JSON body; Discord answers none")
        else:
            items = answer if route.response_list and isinstance(answer, list) else [answer]
            for item in items:
                _check_object(item, route.response, where, "", out)
    return out


def problems(calls: Iterable[RestCall]) -> list[str]:
    """Every distinct problem of these calls, sorted."""
    found: set[str] = set()
    for call in calls:
        found.update(check_call(call))
    return sorted(found)


def assert_conformant(calls: Iterable[RestCall]) -> None:
    found = problems(calls)
    if found:
        raise AssertionError(
            "REST calls outside Discord's table (bot/sandbox/localdiscord/shapes.py):\n" + "\n".join(found)
        )
