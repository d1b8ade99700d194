"""Interactions: what a person's command, click or modal submit sends, and how the bot answered.

``InteractionResult`` is the test's handle on one interaction: it records the initial callback
(message, deferral, update, modal or autocomplete choices), later edits of the original and
followups, and lets a test wait for them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .world import Attachment, Channel, Guild, Member, Message, Role, User

if TYPE_CHECKING:
    from .server import LocalDiscord

ACK_DEADLINE = timedelta(seconds=3)
TOKEN_LIFETIME = timedelta(minutes=15)
WAIT = 30.0
"""How long, in real seconds, a test waits by default for the bot (an answer, a message, a condition).

Generous on purpose: on a loaded machine a report can take seconds of wall-clock time, and a
test that waits two seconds then fails for nothing. Nothing a user sees depends on it: Discord's
own deadlines (``ACK_DEADLINE``, ``TOKEN_LIFETIME``) are checked on the server's clock, which
tests control, and speed is measured in ``bench/``. A bot that never answers still fails the
test, after ``WAIT``."""


class InteractionKind:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    MESSAGE = 4
    DEFERRED_MESSAGE = 5
    DEFERRED_UPDATE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


class InteractionResult:
    """One interaction and everything the bot did in answer to it."""

    def __init__(
        self,
        server: LocalDiscord,
        *,
        interaction_id: int,
        token: str,
        kind: int,
        name: str,
        guild: Guild,
        channel: Channel,
        member: Member,
        created_at: datetime,
        source_message: Message | None = None,
    ) -> None:
        self.server = server
        self.id = interaction_id
        self.token = token
        self.kind = kind
        self.name = name
        self.guild = guild
        self.channel = channel
        self.member = member
        self.created_at = created_at
        self.source_message = source_message
        self.payload: dict[str, Any] = {}
        self.type: int | None = None  # callback type of the initial response
        self.original: Message | None = None
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.followups: list[Message] = []
        self.callback_body: dict[str, Any] | None = None
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        return f"<InteractionResult {self.name!r} kind={self.kind} type={self.type}>"

    # ---- state --------------------------------------------------------------------------------
    @property
    def acknowledged(self) -> bool:
        return self.type is not None

    @property
    def deferred(self) -> bool:
        return self.type in (CallbackType.DEFERRED_MESSAGE, CallbackType.DEFERRED_UPDATE)

    @property
    def message(self) -> Message | None:
        """The message the initial response created or updated (None for modals/autocomplete)."""
        return self.original

    @property
    def content(self) -> str:
        return self.original.content if self.original else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.original.embeds if self.original else []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.original.components if self.original else []

    @property
    def attachments(self) -> list[Attachment]:
        return self.original.attachments if self.original else []

    @property
    def flags(self) -> int:
        return self.original.flags if self.original else 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & Message.EPHEMERAL)

    def _notify(self) -> None:
        self._changed.set()
        self.server._bump()

    def _wake(self) -> None:
        self._changed.set()

    async def _wait(self, predicate: Any, timeout: float, what: str) -> None:  # noqa: ASYNC109 - tests pass timeout=
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    self.server.check_alive()
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"{what} for interaction {self.name!r} within {timeout}s") from None

    # ---- waiting -------------------------------------------------------------------------------
    async def response(self, timeout: float = WAIT) -> InteractionResult:  # noqa: ASYNC109 - tests pass timeout=
        """Wait for the initial callback (message, defer, update, modal or choices)."""
        await self._wait(lambda: self.type is not None, timeout, "the bot sent no initial response")
        return self

    async def followup(self, index: int = 0, timeout: float = WAIT) -> Message:  # noqa: ASYNC109 - tests pass timeout=
        await self._wait(lambda: len(self.followups) > index, timeout, f"no followup #{index}")
        return self.followups[index]

    async def edited(self, timeout: float = WAIT) -> Message:  # noqa: ASYNC109 - tests pass timeout=
        """Wait until the original response has been edited (e.g. after a defer)."""
        await self.response(timeout)
        await self._wait(
            lambda: self.original is not None and self.original.edited_at is not None,
            timeout,
            "the original response was not edited",
        )
        assert self.original is not None
        return self.original

    def visible_messages(self) -> list[Message]:
        out = []
        if (
            self.original is not None
            and not self.original.flags & Message.LOADING
            and not self.original.deleted
        ):
            out.append(self.original)
        out.extend(m for m in self.followups if not m.deleted)
        return out

    async def text(self, timeout: float = WAIT) -> str:  # noqa: ASYNC109 - tests pass timeout=
        """All visible text of the answer (content, embeds, followups); waits through a defer."""
        await self.response(timeout)
        if self.type == CallbackType.MODAL:
            return str((self.modal or {}).get("title", ""))
        if self.type in (CallbackType.DEFERRED_MESSAGE, CallbackType.DEFERRED_UPDATE):
            await self._wait(
                lambda: (
                    bool(self.followups)
                    or (self.original is not None and self.original.edited_at is not None)
                ),
                timeout,
                "the deferred answer never arrived",
            )
        return "\n".join(m.text() for m in self.visible_messages())


# ---- building interaction data ---------------------------------------------------------------------


def find_command(server: LocalDiscord, guild: Guild, name: str) -> tuple[dict[str, Any], bool]:
    """The synced command called ``name`` (guild commands win), and whether it is a guild command."""
    guild_cmds = server.commands.get(guild.id, {})
    if name in guild_cmds:
        return guild_cmds[name], True
    if name in server.commands[None]:
        return server.commands[None][name], False
    known = sorted({*guild_cmds, *server.commands[None]})
    raise LookupError(f"no synced command {name!r}; the bot synced {known}")


def build_command_data(
    server: LocalDiscord,
    guild: Guild,
    channel: Channel,
    member: Member,
    full_name: str,
    options: dict[str, Any] | None,
    focused: str | None = None,
) -> dict[str, Any]:
    """``data`` of a chat-input (or autocomplete) interaction with typed options and ``resolved``."""
    parts = full_name.split()
    command, is_guild = find_command(server, guild, parts[0])
    schema = command.get("options") or []
    top: list[dict[str, Any]] = []
    target = top
    for part in parts[1:]:
        sub = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            raise LookupError(f"{parts[0]!r} has no subcommand {part!r}")
        node: dict[str, Any] = {"type": sub["type"], "name": part, "options": []}
        target.append(node)
        target = node["options"]
        schema = sub.get("options") or []
    resolved: dict[str, dict[str, Any]] = {}
    given = dict(options or {})
    for opt in schema:
        name = opt["name"]
        if name not in given:
            if opt.get("required") and name != focused:
                raise ValueError(f"/{full_name} needs option {name!r}")
            continue
        value = given.pop(name)
        entry: dict[str, Any] = {
            "type": opt["type"],
            "name": name,
            "value": _option_value(
                server, guild, channel, member, opt["type"], value, resolved, raw=name == focused
            ),
        }
        if name == focused:
            entry["focused"] = True
        target.append(entry)
    if given:
        raise ValueError(f"/{full_name} has no option(s) {sorted(given)}")
    data: dict[str, Any] = {"id": command["id"], "name": parts[0], "type": 1, "options": top}
    if is_guild:
        data["guild_id"] = str(guild.id)
    if resolved:
        data["resolved"] = resolved
    return data


def _option_value(
    server: LocalDiscord,
    guild: Guild,
    channel: Channel,
    member: Member,
    kind: int,
    value: Any,
    resolved: dict[str, dict[str, Any]],
    *,
    raw: bool,
) -> Any:
    from . import payloads

    if raw:
        return str(value)
    if kind == 3:
        return str(value)
    if kind == 4:
        return int(value)
    if kind == 5:
        return bool(value)
    if kind == 10:
        return float(value)
    if kind in (6, 9) and isinstance(value, Member | User):
        m = value if isinstance(value, Member) else guild.members.get(value.id)
        u = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(u.id)] = payloads.user(u)
        if m is not None:
            resolved.setdefault("members", {})[str(u.id)] = payloads.member(
                m, with_user=False, permissions=server.permissions_of(m, channel)
            )
        return str(u.id)
    if kind in (8, 9) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = payloads.role(value)
        return str(value.id)
    if kind == 7 and isinstance(value, Channel):
        resolved.setdefault("channels", {})[str(value.id)] = payloads.app_command_channel(
            value, server.permissions_of(member, value)
        )
        return str(value.id)
    if kind == 11:
        if isinstance(value, tuple):
            filename, data = value[0], value[1]
            att = Attachment(id=server.ids.next(), filename=filename, data=bytes(data), ephemeral=True)
        else:
            att = value
        server.attachments[att.id] = att
        resolved.setdefault("attachments", {})[str(att.id)] = payloads.attachment(att, server.base_url)
        return str(att.id)
    raise TypeError(f"cannot pass {value!r} as an option of type {kind}")


def walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every interactive component in a message or modal, depth first."""
    out: list[dict[str, Any]] = []
    for c in components:
        if "custom_id" in c:
            out.append(c)
        for key in ("components",):
            out.extend(walk_components(c.get(key) or []))
        for key in ("accessory", "component"):
            if isinstance(c.get(key), dict):
                out.extend(walk_components([c[key]]))
    return out


def find_component(message: Message, custom_id: str) -> dict[str, Any]:
    comps = walk_components(message.components)
    for c in comps:
        if c.get("custom_id") == custom_id:
            if c.get("disabled"):
                raise LookupError(f"component {custom_id!r} is disabled")
            return c
    raise LookupError(
        f"message {message.id} has no component {custom_id!r}; it has {[c.get('custom_id') for c in comps]}"
    )


def modal_submission(modal: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``components`` of a modal submit, mirroring the modal's rows and labels."""
    remaining = dict(values)

    def fill(c: dict[str, Any]) -> dict[str, Any] | None:
        t = c.get("type")
        if t == 1:
            return {"type": 1, "components": [x for x in (fill(i) for i in c.get("components") or []) if x]}
        if t == 18:
            inner = fill(c["component"]) if c.get("component") else None
            return {"type": 18, "id": c.get("id"), "component": inner} if inner else None
        cid = c.get("custom_id")
        if cid is None:
            return None
        if t == 4:
            return {"type": 4, "custom_id": cid, "value": str(remaining.pop(cid, c.get("value") or ""))}
        vals = remaining.pop(cid, [])
        return {
            "type": t,
            "custom_id": cid,
            "values": [str(v) for v in (vals if isinstance(vals, list) else [vals])],
        }

    out = [x for x in (fill(c) for c in modal.get("components") or []) if x]
    if remaining:
        raise LookupError(f"modal {modal.get('custom_id')!r} has no field(s) {sorted(remaining)}")
    return out
