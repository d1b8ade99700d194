"""Discord's limits, as a table: each fact with the page it comes from.

The validators in ``validation.py`` read every number from here, and the conformance check
(``conformance.py``) reads the route and object shapes from ``shapes.py``. Sources are the
developer documentation (discord.com/developers/docs) and the OpenAPI description
``discord/discord-api-spec`` ``specs/openapi.json`` (API v10, the schema named in each entry).
Where the two differ, the entry says which one it follows.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS = "https://discord.com/developers/docs"
MESSAGE = f"{DOCS}/resources/message#create-message"
ALLOWED_MENTIONS = f"{DOCS}/resources/message#allowed-mentions-object"
EMBED = f"{DOCS}/resources/message#embed-object-embed-limits"
COMPONENTS = f"{DOCS}/components/reference"
BUTTON = f"{DOCS}/components/reference#button"
SELECT = f"{DOCS}/components/reference#string-select"
TEXT_INPUT = f"{DOCS}/components/reference#text-input"
LABEL = f"{DOCS}/components/reference#label"
THREAD = f"{DOCS}/resources/channel#start-thread-from-message"
CHANNEL = f"{DOCS}/resources/channel#modify-channel"
COMMAND = f"{DOCS}/interactions/application-commands#application-command-object"
COMMAND_LIMITS = f"{DOCS}/interactions/application-commands#registering-a-command"
CALLBACK = f"{DOCS}/interactions/receiving-and-responding#interaction-response-object"
MODAL = f"{DOCS}/interactions/receiving-and-responding#interaction-response-object-modal"
AUTOCOMPLETE = f"{DOCS}/interactions/receiving-and-responding#interaction-response-object-autocomplete"
BULK_DELETE = f"{DOCS}/resources/message#bulk-delete-messages"
POLL = f"{DOCS}/resources/poll#poll-create-request-object"
REACTIONS = f"{DOCS}/topics/opcodes-and-status-codes#json"
ERRORS = f"{DOCS}/reference#error-messages"
RATE_LIMITS = f"{DOCS}/topics/rate-limits#exceeding-a-rate-limit"
SPEC = "discord-api-spec specs/openapi.json"


@dataclass(frozen=True, slots=True)
class Limit:
    """One of Discord's numbers: its value, what it bounds, and where Discord says so."""

    value: int
    what: str
    source: str


LIMITS: dict[str, Limit] = {
    # messages
    "message.content": Limit(2000, "content characters (the spec allows 4000 for Nitro users only)", MESSAGE),
    "message.embeds": Limit(10, "embeds per message", MESSAGE),
    "message.stickers": Limit(3, "sticker_ids per message", MESSAGE),
    "message.nonce": Limit(25, "nonce string characters", f"{MESSAGE}; {SPEC} MessageCreateRequest.nonce"),
    "message.attachments": Limit(10, "attachments per message", MESSAGE),
    "message.action_rows": Limit(5, "top-level action rows without IS_COMPONENTS_V2", COMPONENTS),
    "allowed_mentions.ids": Limit(100, "users or roles listed in allowed_mentions", ALLOWED_MENTIONS),
    "message.reactions": Limit(20, "distinct reactions per message (30010)", REACTIONS),
    # embeds
    "embed.title": Limit(256, "embed title", EMBED),
    "embed.description": Limit(4096, "embed description", EMBED),
    "embed.fields": Limit(25, "fields per embed", EMBED),
    "embed.field.name": Limit(256, "field name", EMBED),
    "embed.field.value": Limit(1024, "field value", EMBED),
    "embed.footer.text": Limit(2048, "footer text", EMBED),
    "embed.author.name": Limit(256, "author name", EMBED),
    "embed.total": Limit(6000, "title+description+field names/values+footer+author, all embeds", EMBED),
    "embed.url": Limit(2048, "any url in an embed", f"{SPEC} RichEmbed.url"),
    "embed.color": Limit(0xFFFFFF, "colour", f"{SPEC} RichEmbed.color"),
    # components
    "row.components": Limit(5, "components in an action row (a select fills a row)", COMPONENTS),
    "button.label": Limit(80, "button label", BUTTON),
    "button.url": Limit(512, "link button url", f"{BUTTON}; {SPEC} ButtonComponentForMessageRequest.url"),
    "component.custom_id": Limit(100, "custom_id of any interactive component", COMPONENTS),
    "select.options": Limit(25, "string select options", SELECT),
    "select.option.text": Limit(100, "option label, value and description", SELECT),
    "select.placeholder": Limit(150, "select placeholder", SELECT),
    "select.values": Limit(25, "min_values (0..) and max_values (1..) of a select", SELECT),
    # modals
    "modal.title": Limit(45, "modal title", MODAL),
    "modal.rows": Limit(5, "components (action rows) in a modal", MODAL),
    "text_input.label": Limit(45, "text input label", TEXT_INPUT),
    "label.label": Limit(45, "label text", LABEL),
    "label.description": Limit(100, "label description", LABEL),
    "text_input.placeholder": Limit(100, "text input placeholder", TEXT_INPUT),
    "text_input.value": Limit(4000, "text input value, min_length and max_length", TEXT_INPUT),
    "bulk_delete.messages": Limit(100, "message ids in a bulk delete (2..100)", BULK_DELETE),
    "bulk_delete.days": Limit(14, "bulk delete: no message older than 14 days (50034)", BULK_DELETE),
    # threads and channels
    "thread.name": Limit(100, "thread name (1..100)", THREAD),
    "channel.name": Limit(100, "channel name (1..100)", CHANNEL),
    "channel.topic": Limit(1024, "text channel topic", CHANNEL),
    # application commands
    "command.name": Limit(32, "command, option and choice-less names (1..32, Discord's pattern)", COMMAND),
    "command.description": Limit(100, "command and option description (1..100)", COMMAND),
    "command.options": Limit(25, "options per command or subcommand", COMMAND),
    "command.choices": Limit(25, "choices per option", COMMAND),
    "command.choice.name": Limit(100, "choice name (1..100)", COMMAND),
    "command.choice.value": Limit(6000, "string choice value (docs say 100; the spec allows 6000)", SPEC),
    "command.count": Limit(100, "global commands (and commands per guild) of one type", COMMAND_LIMITS),
    # interaction responses
    "autocomplete.choices": Limit(25, "autocomplete choices", AUTOCOMPLETE),
    # polls
    "poll.question": Limit(300, "poll question", POLL),
    "poll.answer": Limit(55, "poll answer text", POLL),
    "poll.answers": Limit(10, "poll answers", POLL),
    "poll.hours": Limit(768, "poll duration in hours (1..768 = 32 days)", POLL),
}

THREAD_ARCHIVE_MINUTES = (60, 1440, 4320, 10080)  # THREAD; spec ThreadAutoArchiveDuration
ALLOWED_MENTION_TYPES = ("roles", "users", "everyone")  # ALLOWED_MENTIONS
BUTTON_STYLES = (1, 2, 3, 4, 5, 6)  # BUTTON: primary, secondary, success, danger, link, premium
LINK_STYLE = 5
PREMIUM_STYLE = 6
TEXT_INPUT_STYLES = (1, 2)  # TEXT_INPUT: short, paragraph
ROW_CHILD_TYPES = (2, 3, 5, 6, 7, 8)  # COMPONENTS: button and the five selects
SELECT_TYPES = (3, 5, 6, 7, 8)
ACTION_ROW = 1
TEXT_INPUT_TYPE = 4
LABEL_TYPE = 18  # LABEL: a modal's top-level wrapper of one input
LABEL_CHILD_TYPES = (3, 5, 6, 7, 8)  # LABEL: besides a text input, the selects
IS_COMPONENTS_V2 = 1 << 15  # MESSAGE message flags; with it, layout components (9..17) are allowed
# COMMAND: "^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$", lowercase where a lowercase form exists
COMMAND_NAME_PATTERN = r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$"


def limit(key: str) -> int:
    return LIMITS[key].value
