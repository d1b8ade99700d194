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


def _route(
    method: str,
    path: str,
    *,
    request: tuple[str, ...] = (),
    response: tuple[str, ...] = (),
    source: str | None = None,
    request_list: bool = False,
    response_list: bool = False,
) -> tuple[tuple[str, str], Route]:
    """One ``ROUTES`` entry; its spec path is ``path`` itself unless ``source`` names another (the
    spec spells a few parameters differently: ``{emoji_name}``, ``{interaction_token}``, ...)."""
    return (method, path), Route(source or path, request, response, request_list, response_list)


ROUTES: dict[tuple[str, str], Route] = dict(
    [
        _route("GET", "/users/@me", response=("UserPIIResponse",)),
        _route("GET", "/oauth2/applications/@me", response=("PrivateApplicationResponse",)),
        _route("GET", "/applications/@me", response=("PrivateApplicationResponse",)),
        _route("GET", "/gateway", response=("GatewayResponse",)),
        _route("GET", "/gateway/bot", response=("GatewayBotResponse",)),
        _route("GET", "/users/{user_id}", response=("UserResponse",)),
        _route(
            "POST",
            "/users/@me/channels",
            request=("CreatePrivateChannelRequest",),
            response=("PrivateChannelResponse", "PrivateGroupChannelResponse"),
        ),
        _route("GET", "/guilds/{guild_id}", response=("GuildWithCountsResponse",)),
        _route(
            "GET",
            "/guilds/{guild_id}/channels",
            response=("GuildChannelResponse", "ThreadResponse"),
            response_list=True,
        ),
        _route("GET", "/guilds/{guild_id}/roles", response=("GuildRoleResponse",), response_list=True),
        _route("GET", "/guilds/{guild_id}/members", response=("GuildMemberResponse",), response_list=True),
        _route("GET", "/guilds/{guild_id}/members/{user_id}", response=("GuildMemberResponse",)),
        _route("GET", "/guilds/{guild_id}/threads/active", response=("ThreadsResponse",)),
        _route("GET", "/channels/{channel_id}", response=("GuildChannelResponse", "ThreadResponse")),
        _route(
            "PATCH",
            "/channels/{channel_id}",
            request=("UpdateGuildChannelRequestPartial", "UpdateThreadRequestPartial"),
            response=("GuildChannelResponse", "ThreadResponse"),
        ),
        _route("DELETE", "/channels/{channel_id}", response=("GuildChannelResponse", "ThreadResponse")),
        _route("POST", "/channels/{channel_id}/messages/bulk-delete", request=("BulkDeleteRequest",)),
        _route(
            "POST",
            "/channels/{channel_id}/messages",
            request=("MessageCreateRequest",),
            response=("MessageResponse",),
        ),
        _route("GET", "/channels/{channel_id}/messages", response=("MessageResponse",), response_list=True),
        _route("GET", "/channels/{channel_id}/messages/pins", response=("PinnedMessagesResponse",)),
        _route("GET", "/channels/{channel_id}/pins", response=("MessageResponse",), response_list=True),
        _route("PUT", "/channels/{channel_id}/pins/{message_id}"),
        _route("DELETE", "/channels/{channel_id}/pins/{message_id}"),
        _route("PUT", "/channels/{channel_id}/messages/pins/{message_id}"),
        _route("DELETE", "/channels/{channel_id}/messages/pins/{message_id}"),
        _route("GET", "/channels/{channel_id}/messages/{message_id}", response=("MessageResponse",)),
        _route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            request=("MessageEditRequestPartial",),
            response=("MessageResponse",),
        ),
        _route("DELETE", "/channels/{channel_id}/messages/{message_id}"),
        _route(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            source="/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        ),
        _route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            source="/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        ),
        _route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
            source="/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}",
        ),
        _route(
            "GET",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
            response=("UserResponse",),
            source="/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}",
            response_list=True,
        ),
        _route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
            source="/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}",
        ),
        _route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions"),
        _route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            request=("CreateTextThreadWithMessageRequest",),
            response=("ThreadResponse",),
        ),
        _route(
            "POST",
            "/channels/{channel_id}/threads",
            request=("CreateTextThreadWithoutMessageRequest",),
            response=("CreatedThreadResponse",),
        ),
        _route("PUT", "/channels/{channel_id}/thread-members/@me"),
        _route("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", response=("MessageResponse",)),
        _route("POST", "/channels/{channel_id}/polls/{message_id}/expire", response=("MessageResponse",)),
        _route(
            "GET",
            "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}",
            response=("PollAnswerDetailsResponse",),
        ),
        _route(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            request=(
                "ApplicationCommandAutocompleteCallbackRequest",
                "CreateMessageInteractionCallbackRequest",
                "ModalInteractionCallbackRequest",
                "PongInteractionCallbackRequest",
                "SocialLayerSKUPurchaseEligibilityInteractionCallbackRequest",
                "UpdateMessageInteractionCallbackRequest",
            ),
            response=("InteractionCallbackResponse",),
            source="/interactions/{interaction_id}/{interaction_token}/callback",
        ),
        _route(
            "POST",
            "/webhooks/{application_id}/{token}",
            request=("IncomingWebhookRequestPartial", "IncomingWebhookUpdateRequestPartial"),
            response=("MessageResponse",),
            source="/webhooks/{webhook_id}/{webhook_token}",
        ),
        _route(
            "GET",
            "/webhooks/{application_id}/{token}/messages/{message_id}",
            response=("MessageResponse",),
            source="/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        _route(
            "PATCH",
            "/webhooks/{application_id}/{token}/messages/{message_id}",
            request=("IncomingWebhookUpdateRequestPartial",),
            response=("MessageResponse",),
            source="/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        _route(
            "DELETE",
            "/webhooks/{application_id}/{token}/messages/{message_id}",
            source="/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        _route(
            "PUT",
            "/applications/{application_id}/commands",
            request=("ApplicationCommandUpdateRequest",),
            response=("ApplicationCommandResponse",),
            request_list=True,
            response_list=True,
        ),
        _route(
            "GET",
            "/applications/{application_id}/commands",
            response=("ApplicationCommandResponse",),
            response_list=True,
        ),
        _route(
            "POST",
            "/applications/{application_id}/commands",
            request=("ApplicationCommandCreateRequest",),
            response=("ApplicationCommandResponse",),
        ),
        _route("DELETE", "/applications/{application_id}/commands/{command_id}"),
        _route("POST", "/oauth2/token", response=("OAuth2TokenResponse",), source=OAUTH2_TOKEN),
        _route("POST", "/oauth2/token/revoke", response=("OAuth2RevokeResponse",), source=OAUTH2_REVOKE),
        _route("GET", "/users/@me/guilds", response=("MyGuildResponse",), response_list=True),
        _route(
            "POST",
            "/channels/{channel_id}/invites",
            request=("CreateGuildInviteRequest",),
            response=("GuildInviteResponse",),
        ),
        _route("GET", "/channels/{channel_id}/invites", response=("GuildInviteResponse",), response_list=True),
        _route("GET", "/guilds/{guild_id}/invites", response=("GuildInviteResponse",), response_list=True),
        _route("GET", "/guilds/{guild_id}/vanity-url", response=("VanityURLResponse",)),
        _route("GET", "/guilds/{guild_id}/audit-logs", response=("GuildAuditLogResponse",)),
        _route("GET", "/invites/{code}", response=("GuildInviteResponse",)),
        _route("DELETE", "/invites/{code}", response=("GuildInviteResponse",)),
    ]
)
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
