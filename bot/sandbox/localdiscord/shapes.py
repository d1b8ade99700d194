"""Discord's REST shapes, as a table: for every route the local Discord serves, which request
fields Discord accepts and which fields its answer may carry.

Field names come from the OpenAPI description ``discord/discord-api-spec`` ``specs/openapi.json``
(API v10): each ``OBJECTS`` entry is named after the spec's schema and lists that schema's
properties; each route names the spec path it follows (``Route.source``) and its request and
response schemas. The two OAuth2 token routes are not in the spec; they follow
``OAUTH2_TOKEN``/``OAUTH2_REVOKE`` on the docs site. ``conformance.py`` checks recorded calls
against this table; a route or field without an entry fails it. Limits are in ``limits.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .limits import DOCS

OAUTH2_TOKEN = f"{DOCS}/topics/oauth2#authorization-code-grant-access-token-response"
OAUTH2_REVOKE = f"{DOCS}/topics/oauth2#authorization-code-grant-token-revocation-example"


@dataclass(frozen=True, slots=True)
class Route:
    """A route: its spec path (or docs page), request and response schemas (names in ``OBJECTS``)."""

    source: str
    request: tuple[str, ...] = ()  # empty: no JSON body
    response: tuple[str, ...] = ()  # empty: 204 or no JSON body
    request_list: bool = False  # the body is a list of ``request`` objects (bulk command overwrite)
    response_list: bool = False  # the answer is a list of ``response`` objects


# Nested objects checked too: (schema, field) -> schema of that field's object or list items.
NESTED: dict[tuple[str, str], str] = {
    ("MessageResponse", "author"): "UserResponse",
    ("MessageResponse", "mentions"): "UserResponse",
    ("MessageResponse", "referenced_message"): "MessageResponse",
    ("PinnedMessagesResponse", "items"): "PinnedMessageResponse",
    ("PinnedMessageResponse", "message"): "MessageResponse",
    ("GuildMemberResponse", "user"): "UserResponse",
    ("InteractionCallbackResponse", "resource"): "InteractionCallbackResourceResponse",
    ("InteractionCallbackResponse", "interaction"): "InteractionResponse",
    ("InteractionCallbackResourceResponse", "message"): "MessageResponse",
}

# Every error answer: Discord's error object (spec ``Error``, ``RatelimitedResponse`` for 429).
ERROR_FIELDS = frozenset({"message", "code", "errors", "retry_after", "global"})
# OAuth2 token routes answer RFC 6749 errors instead (OAUTH2_TOKEN).
OAUTH2_ERROR_FIELDS = frozenset({"error", "error_description"})

OBJECTS: dict[str, frozenset[str]] = {
    # not schemas of the spec: from the docs pages named in the routes below
    "BulkDeleteRequest": frozenset({"messages"}),
    "OAuth2RevokeResponse": frozenset(),  # an empty object
    # the spec's CreateMessage/UpdateMessageInteractionCallbackResponse, as one
    "InteractionCallbackResourceResponse": frozenset({"type", "message"}),
    "InteractionResponse": frozenset(
        [
            "activity_instance_id",
            "channel_id",
            "guild_id",
            "id",
            "response_message_ephemeral",
            "response_message_id",
            "response_message_loading",
            "type",
        ]
    ),
    "OAuth2TokenResponse": frozenset(
        {"access_token", "token_type", "expires_in", "refresh_token", "scope", "guild", "webhook", "id_token"}
    ),
    "ApplicationCommandAutocompleteCallbackRequest": frozenset(["data", "type"]),
    "ApplicationCommandCreateRequest": frozenset(
        [
            "contexts",
            "default_member_permissions",
            "description",
            "description_localizations",
            "dm_permission",
            "handler",
            "integration_types",
            "name",
            "name_localizations",
            "options",
            "type",
        ]
    ),
    "ApplicationCommandResponse": frozenset(
        [
            "application_id",
            "contexts",
            "default_member_permissions",
            "description",
            "description_localizations",
            "description_localized",
            "dm_permission",
            "guild_id",
            "handler",
            "id",
            "integration_types",
            "name",
            "name_localizations",
            "name_localized",
            "nsfw",
            "options",
            "type",
            "version",
        ]
    ),
    "ApplicationCommandUpdateRequest": frozenset(
        [
            "contexts",
            "default_member_permissions",
            "description",
            "description_localizations",
            "dm_permission",
            "handler",
            "id",
            "integration_types",
            "name",
            "name_localizations",
            "options",
            "type",
        ]
    ),
    "CreateGuildInviteRequest": frozenset(
        [
            "max_age",
            "max_uses",
            "role_ids",
            "target_application_id",
            "target_type",
            "target_user_id",
            "temporary",
            "unique",
        ]
    ),
    "CreateMessageInteractionCallbackRequest": frozenset(["data", "type"]),
    "CreatePrivateChannelRequest": frozenset(["access_tokens", "nicks", "recipient_id"]),
    "CreateTextThreadWithMessageRequest": frozenset(["auto_archive_duration", "name", "rate_limit_per_user"]),
    "CreateTextThreadWithoutMessageRequest": frozenset(
        ["auto_archive_duration", "invitable", "name", "rate_limit_per_user", "type"]
    ),
    "GatewayBotResponse": frozenset(["session_start_limit", "shards", "url"]),
    "GatewayResponse": frozenset(["url"]),
    "GuildAuditLogResponse": frozenset(
        [
            "application_commands",
            "audit_log_entries",
            "auto_moderation_rules",
            "guild_scheduled_events",
            "integrations",
            "threads",
            "users",
            "webhooks",
        ]
    ),
    "GuildChannelResponse": frozenset(
        [
            "available_tags",
            "bitrate",
            "default_auto_archive_duration",
            "default_forum_layout",
            "default_reaction_emoji",
            "default_sort_order",
            "default_tag_setting",
            "default_thread_rate_limit_per_user",
            "flags",
            "guild_id",
            "id",
            "last_message_id",
            "last_pin_timestamp",
            "name",
            "nsfw",
            "parent_id",
            "permission_overwrites",
            "permissions",
            "position",
            "rate_limit_per_user",
            "rtc_region",
            "topic",
            "type",
            "user_limit",
            "video_quality_mode",
        ]
    ),
    "GuildInviteResponse": frozenset(
        [
            "approximate_member_count",
            "approximate_presence_count",
            "channel",
            "code",
            "created_at",
            "expires_at",
            "flags",
            "guild",
            "guild_id",
            "guild_scheduled_event",
            "inviter",
            "is_contact",
            "is_nickname_changeable",
            "liveliness",
            "max_age",
            "max_uses",
            "roles",
            "target_application",
            "target_channel_id",
            "target_message_id",
            "target_type",
            "target_user",
            "temporary",
            "type",
            "uses",
        ]
    ),
    "GuildMemberResponse": frozenset(
        [
            "avatar",
            "avatar_decoration_data",
            "banner",
            "collectibles",
            "communication_disabled_until",
            "deaf",
            "flags",
            "joined_at",
            "mute",
            "nick",
            "pending",
            "premium_since",
            "roles",
            "user",
        ]
    ),
    "GuildRoleResponse": frozenset(
        [
            "color",
            "colors",
            "flags",
            "hoist",
            "icon",
            "id",
            "managed",
            "mentionable",
            "name",
            "permissions",
            "position",
            "tags",
            "unicode_emoji",
        ]
    ),
    "GuildWithCountsResponse": frozenset(
        [
            "afk_channel_id",
            "afk_timeout",
            "application_id",
            "approximate_member_count",
            "approximate_presence_count",
            "banner",
            "default_message_notifications",
            "description",
            "discovery_splash",
            "emojis",
            "explicit_content_filter",
            "features",
            "home_header",
            "icon",
            "id",
            "incidents_data",
            "max_members",
            "max_presences",
            "max_stage_video_channel_users",
            "max_video_channel_users",
            "mfa_level",
            "name",
            "nsfw",
            "nsfw_level",
            "owner_id",
            "preferred_locale",
            "premium_progress_bar_enabled",
            "premium_progress_bar_enabled_user_updated_at",
            "premium_subscription_count",
            "premium_tier",
            "public_updates_channel_id",
            "region",
            "roles",
            "rules_channel_id",
            "safety_alerts_channel_id",
            "splash",
            "stickers",
            "system_channel_flags",
            "system_channel_id",
            "vanity_url_code",
            "verification_level",
            "widget_channel_id",
            "widget_enabled",
        ]
    ),
    "IncomingWebhookRequestPartial": frozenset(
        [
            "allowed_mentions",
            "applied_tags",
            "attachments",
            "avatar_url",
            "components",
            "content",
            "embeds",
            "flags",
            "poll",
            "thread_name",
            "tts",
            "username",
        ]
    ),
    "IncomingWebhookUpdateRequestPartial": frozenset(
        ["allowed_mentions", "attachments", "components", "content", "embeds", "flags", "poll"]
    ),
    "InteractionCallbackResponse": frozenset(["interaction", "resource"]),
    "MessageCreateRequest": frozenset(
        [
            "allowed_mentions",
            "attachments",
            "components",
            "content",
            "embeds",
            "enforce_nonce",
            "flags",
            "message_reference",
            "nonce",
            "poll",
            "shared_client_theme",
            "sticker_ids",
            "tts",
        ]
    ),
    "MessageEditRequestPartial": frozenset(
        ["allowed_mentions", "attachments", "components", "content", "embeds", "flags", "sticker_ids"]
    ),
    "MessageResponse": frozenset(
        [
            "activity",
            "application",
            "application_id",
            "attachments",
            "author",
            "call",
            "channel_id",
            "components",
            "content",
            "edited_timestamp",
            "embeds",
            "flags",
            "id",
            "interaction",
            "interaction_metadata",
            "lobby_member",
            "mention_channels",
            "mention_everyone",
            "mention_roles",
            "mentions",
            "message_reference",
            "message_snapshots",
            "nonce",
            "pinned",
            "poll",
            "position",
            "purchase_notification",
            "reactions",
            "referenced_message",
            "resolved",
            "role_subscription_data",
            "shared_client_theme",
            "sticker_items",
            "stickers",
            "thread",
            "timestamp",
            "tts",
            "type",
            "webhook_id",
        ]
    ),
    "ModalInteractionCallbackRequest": frozenset(["data", "type"]),
    "MyGuildResponse": frozenset(
        [
            "approximate_member_count",
            "approximate_presence_count",
            "banner",
            "features",
            "icon",
            "id",
            "name",
            "owner",
            "permissions",
        ]
    ),
    "PinnedMessageResponse": frozenset(["message", "pinned_at"]),
    "PinnedMessagesResponse": frozenset(["has_more", "items"]),
    "PollAnswerDetailsResponse": frozenset(["users"]),
    "PongInteractionCallbackRequest": frozenset(["type"]),
    "PrivateApplicationResponse": frozenset(
        [
            "approximate_guild_count",
            "approximate_user_authorization_count",
            "approximate_user_install_count",
            "bot",
            "bot_public",
            "bot_require_code_grant",
            "cover_image",
            "custom_install_url",
            "description",
            "eligible_oauth2_scopes",
            "event_webhooks_status",
            "event_webhooks_types",
            "event_webhooks_url",
            "explicit_content_filter",
            "flags",
            "flags_new",
            "guild_id",
            "icon",
            "id",
            "install_params",
            "integration_types_config",
            "interactions_endpoint_url",
            "max_participants",
            "name",
            "owner",
            "primary_sku_id",
            "privacy_policy_url",
            "redirect_uris",
            "role_connections_verification_url",
            "rpc_origins",
            "slug",
            "tags",
            "team",
            "terms_of_service_url",
            "type",
            "verify_key",
        ]
    ),
    "PrivateChannelResponse": frozenset(["flags", "id", "last_message_id", "last_pin_timestamp", "recipients", "type"]),
    "PrivateGroupChannelResponse": frozenset(
        [
            "application_id",
            "flags",
            "icon",
            "id",
            "last_message_id",
            "last_pin_timestamp",
            "managed",
            "name",
            "owner_id",
            "recipients",
            "type",
        ]
    ),
    "SocialLayerSKUPurchaseEligibilityInteractionCallbackRequest": frozenset(["data", "type"]),
    "ThreadResponse": frozenset(
        [
            "applied_tags",
            "bitrate",
            "flags",
            "guild_id",
            "id",
            "last_message_id",
            "last_pin_timestamp",
            "member",
            "member_count",
            "message_count",
            "name",
            "owner_id",
            "parent_id",
            "permissions",
            "rate_limit_per_user",
            "rtc_region",
            "thread_metadata",
            "total_message_sent",
            "type",
            "user_limit",
            "video_quality_mode",
        ]
    ),
    "ThreadsResponse": frozenset(["first_messages", "has_more", "members", "threads"]),
    "UpdateGuildChannelRequestPartial": frozenset(
        [
            "available_tags",
            "bitrate",
            "default_auto_archive_duration",
            "default_forum_layout",
            "default_reaction_emoji",
            "default_sort_order",
            "default_tag_setting",
            "default_thread_rate_limit_per_user",
            "flags",
            "name",
            "nsfw",
            "parent_id",
            "permission_overwrites",
            "position",
            "rate_limit_per_user",
            "rtc_region",
            "topic",
            "type",
            "user_limit",
            "video_quality_mode",
        ]
    ),
    "UpdateMessageInteractionCallbackRequest": frozenset(["data", "type"]),
    "UpdateThreadRequestPartial": frozenset(
        [
            "applied_tags",
            "archived",
            "auto_archive_duration",
            "bitrate",
            "flags",
            "invitable",
            "locked",
            "name",
            "rate_limit_per_user",
            "rtc_region",
            "user_limit",
            "video_quality_mode",
        ]
    ),
    "UserResponse": frozenset(
        [
            "accent_color",
            "avatar",
            "avatar_decoration_data",
            "banner",
            "bot",
            "collectibles",
            "discriminator",
            "flags",
            "global_name",
            "id",
            "primary_guild",
            "public_flags",
            "system",
            "username",
        ]
    ),
    "VanityURLResponse": frozenset(["code", "error", "uses"]),
}

ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/users/@me"): Route(
        "/users/@me",
        (),
        ("UserPIIResponse",),
    ),
    ("GET", "/oauth2/applications/@me"): Route(
        "/oauth2/applications/@me",
        (),
        ("PrivateApplicationResponse",),
    ),
    ("GET", "/applications/@me"): Route(
        "/applications/@me",
        (),
        ("PrivateApplicationResponse",),
    ),
    ("GET", "/gateway"): Route(
        "/gateway",
        (),
        ("GatewayResponse",),
    ),
    ("GET", "/gateway/bot"): Route(
        "/gateway/bot",
        (),
        ("GatewayBotResponse",),
    ),
    ("GET", "/users/{user_id}"): Route(
        "/users/{user_id}",
        (),
        ("UserResponse",),
    ),
    ("POST", "/users/@me/channels"): Route(
        "/users/@me/channels",
        ("CreatePrivateChannelRequest",),
        ("PrivateChannelResponse", "PrivateGroupChannelResponse"),
    ),
    ("GET", "/guilds/{guild_id}"): Route(
        "/guilds/{guild_id}",
        (),
        ("GuildWithCountsResponse",),
    ),
    ("GET", "/guilds/{guild_id}/channels"): Route(
        "/guilds/{guild_id}/channels",
        (),
        ("GuildChannelResponse", "ThreadResponse"),
        response_list=True,
    ),
    ("GET", "/guilds/{guild_id}/roles"): Route(
        "/guilds/{guild_id}/roles", (), ("GuildRoleResponse",), response_list=True
    ),
    ("GET", "/guilds/{guild_id}/members"): Route(
        "/guilds/{guild_id}/members", (), ("GuildMemberResponse",), response_list=True
    ),
    ("GET", "/guilds/{guild_id}/members/{user_id}"): Route(
        "/guilds/{guild_id}/members/{user_id}",
        (),
        ("GuildMemberResponse",),
    ),
    ("GET", "/guilds/{guild_id}/threads/active"): Route(
        "/guilds/{guild_id}/threads/active",
        (),
        ("ThreadsResponse",),
    ),
    ("GET", "/channels/{channel_id}"): Route(
        "/channels/{channel_id}",
        (),
        ("GuildChannelResponse", "ThreadResponse"),
    ),
    ("PATCH", "/channels/{channel_id}"): Route(
        "/channels/{channel_id}",
        ("UpdateGuildChannelRequestPartial", "UpdateThreadRequestPartial"),
        ("GuildChannelResponse", "ThreadResponse"),
    ),
    ("DELETE", "/channels/{channel_id}"): Route(
        "/channels/{channel_id}",
        (),
        ("GuildChannelResponse", "ThreadResponse"),
    ),
    ("POST", "/channels/{channel_id}/messages/bulk-delete"): Route(
        "/channels/{channel_id}/messages/bulk-delete",
        ("BulkDeleteRequest",),
        (),
    ),
    ("POST", "/channels/{channel_id}/messages"): Route(
        "/channels/{channel_id}/messages",
        ("MessageCreateRequest",),
        ("MessageResponse",),
    ),
    ("GET", "/channels/{channel_id}/messages"): Route(
        "/channels/{channel_id}/messages", (), ("MessageResponse",), response_list=True
    ),
    ("GET", "/channels/{channel_id}/messages/pins"): Route(
        "/channels/{channel_id}/messages/pins",
        (),
        ("PinnedMessagesResponse",),
    ),
    ("GET", "/channels/{channel_id}/pins"): Route(
        "/channels/{channel_id}/pins", (), ("MessageResponse",), response_list=True
    ),
    ("PUT", "/channels/{channel_id}/pins/{message_id}"): Route(
        "/channels/{channel_id}/pins/{message_id}",
        (),
        (),
    ),
    ("DELETE", "/channels/{channel_id}/pins/{message_id}"): Route(
        "/channels/{channel_id}/pins/{message_id}",
        (),
        (),
    ),
    ("PUT", "/channels/{channel_id}/messages/pins/{message_id}"): Route(
        "/channels/{channel_id}/messages/pins/{message_id}",
        (),
        (),
    ),
    ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}"): Route(
        "/channels/{channel_id}/messages/pins/{message_id}",
        (),
        (),
    ),
    ("GET", "/channels/{channel_id}/messages/{message_id}"): Route(
        "/channels/{channel_id}/messages/{message_id}",
        (),
        ("MessageResponse",),
    ),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): Route(
        "/channels/{channel_id}/messages/{message_id}",
        ("MessageEditRequestPartial",),
        ("MessageResponse",),
    ),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): Route(
        "/channels/{channel_id}/messages/{message_id}",
        (),
        (),
    ),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"): Route(
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        (),
        (),
    ),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"): Route(
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        (),
        (),
    ),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"): Route(
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}",
        (),
        (),
    ),
    ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"): Route(
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}",
        (),
        ("UserResponse",),
        response_list=True,
    ),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"): Route(
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}",
        (),
        (),
    ),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions"): Route(
        "/channels/{channel_id}/messages/{message_id}/reactions",
        (),
        (),
    ),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): Route(
        "/channels/{channel_id}/messages/{message_id}/threads",
        ("CreateTextThreadWithMessageRequest",),
        ("ThreadResponse",),
    ),
    ("POST", "/channels/{channel_id}/threads"): Route(
        "/channels/{channel_id}/threads",
        ("CreateTextThreadWithoutMessageRequest",),
        ("CreatedThreadResponse",),
    ),
    ("PUT", "/channels/{channel_id}/thread-members/@me"): Route(
        "/channels/{channel_id}/thread-members/@me",
        (),
        (),
    ),
    ("POST", "/channels/{channel_id}/messages/{message_id}/crosspost"): Route(
        "/channels/{channel_id}/messages/{message_id}/crosspost",
        (),
        ("MessageResponse",),
    ),
    ("POST", "/channels/{channel_id}/polls/{message_id}/expire"): Route(
        "/channels/{channel_id}/polls/{message_id}/expire",
        (),
        ("MessageResponse",),
    ),
    ("GET", "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}"): Route(
        "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}",
        (),
        ("PollAnswerDetailsResponse",),
    ),
    ("POST", "/interactions/{interaction_id}/{token}/callback"): Route(
        "/interactions/{interaction_id}/{interaction_token}/callback",
        (
            "ApplicationCommandAutocompleteCallbackRequest",
            "CreateMessageInteractionCallbackRequest",
            "ModalInteractionCallbackRequest",
            "PongInteractionCallbackRequest",
            "SocialLayerSKUPurchaseEligibilityInteractionCallbackRequest",
            "UpdateMessageInteractionCallbackRequest",
        ),
        ("InteractionCallbackResponse",),
    ),
    ("POST", "/webhooks/{application_id}/{token}"): Route(
        "/webhooks/{webhook_id}/{webhook_token}",
        ("IncomingWebhookRequestPartial", "IncomingWebhookUpdateRequestPartial"),
        ("MessageResponse",),
    ),
    ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}"): Route(
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        (),
        ("MessageResponse",),
    ),
    ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}"): Route(
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ("IncomingWebhookUpdateRequestPartial",),
        ("MessageResponse",),
    ),
    ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}"): Route(
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        (),
        (),
    ),
    ("PUT", "/applications/{application_id}/commands"): Route(
        "/applications/{application_id}/commands",
        ("ApplicationCommandUpdateRequest",),
        ("ApplicationCommandResponse",),
        request_list=True,
        response_list=True,
    ),
    ("GET", "/applications/{application_id}/commands"): Route(
        "/applications/{application_id}/commands",
        (),
        ("ApplicationCommandResponse",),
        response_list=True,
    ),
    ("POST", "/applications/{application_id}/commands"): Route(
        "/applications/{application_id}/commands",
        ("ApplicationCommandCreateRequest",),
        ("ApplicationCommandResponse",),
    ),
    ("DELETE", "/applications/{application_id}/commands/{command_id}"): Route(
        "/applications/{application_id}/commands/{command_id}",
        (),
        (),
    ),
    ("POST", "/oauth2/token"): Route(OAUTH2_TOKEN, (), ("OAuth2TokenResponse",)),
    ("POST", "/oauth2/token/revoke"): Route(OAUTH2_REVOKE, (), ("OAuth2RevokeResponse",)),
    ("GET", "/users/@me/guilds"): Route("/users/@me/guilds", (), ("MyGuildResponse",), response_list=True),
    ("POST", "/channels/{channel_id}/invites"): Route(
        "/channels/{channel_id}/invites",
        ("CreateGuildInviteRequest",),
        ("GuildInviteResponse",),
    ),
    ("GET", "/channels/{channel_id}/invites"): Route(
        "/channels/{channel_id}/invites", (), ("GuildInviteResponse",), response_list=True
    ),
    ("GET", "/guilds/{guild_id}/invites"): Route(
        "/guilds/{guild_id}/invites", (), ("GuildInviteResponse",), response_list=True
    ),
    ("GET", "/guilds/{guild_id}/vanity-url"): Route(
        "/guilds/{guild_id}/vanity-url",
        (),
        ("VanityURLResponse",),
    ),
    ("GET", "/guilds/{guild_id}/audit-logs"): Route(
        "/guilds/{guild_id}/audit-logs",
        (),
        ("GuildAuditLogResponse",),
    ),
    ("GET", "/invites/{code}"): Route(
        "/invites/{code}",
        (),
        ("GuildInviteResponse",),
    ),
    ("DELETE", "/invites/{code}"): Route(
        "/invites/{code}",
        (),
        ("GuildInviteResponse",),
    ),
}
# The guild-scoped command routes follow the global ones.
for (_method, _path), _route in list(ROUTES.items()):
    if _path.startswith("/applications/{application_id}/commands"):
        _guild = _path.replace("/commands", "/guilds/{guild_id}/commands", 1)
        ROUTES[(_method, _guild)] = replace(_route, source=_guild)

# Schemas the spec spells out twice.
OBJECTS["CreatedThreadResponse"] = OBJECTS["ThreadResponse"]
OBJECTS["UserPIIResponse"] = OBJECTS["UserResponse"] | frozenset(
    ["email", "locale", "mfa_enabled", "premium_type", "verified"]
)

# Fields discord.py 2.7 sends that the spec's schemas lack: ``nsfw`` is documented on the command
# object (limits.COMMAND); ``tts`` on an edit is ignored by Discord (discord.py always sends it).
EXTRA_FIELDS = {
    "ApplicationCommandUpdateRequest": {"nsfw"},
    "MessageEditRequestPartial": {"tts"},
    "IncomingWebhookUpdateRequestPartial": {"tts"},
}
for _name, _extra in EXTRA_FIELDS.items():
    OBJECTS[_name] = OBJECTS[_name] | _extra
