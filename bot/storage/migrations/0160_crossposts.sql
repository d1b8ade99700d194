-- Crossposts (#20): how a guild wants Hearth posts in announcement channels published
-- ("ask": a Publish button for moderators in the offers channel, "auto", "off"), and one row per
-- Hearth post that landed in an announcement channel (offered, published, failed, or unoffered
-- while the guild has not chosen). published_by is the moderator who pressed Publish (NULL: auto).
CREATE TABLE crosspost_settings (
    guild_id         BIGINT PRIMARY KEY,
    mode             TEXT NOT NULL,
    offer_channel_id BIGINT,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE crossposts (
    guild_id         BIGINT NOT NULL,
    post_id          BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    message_id       BIGINT NOT NULL,
    status           TEXT NOT NULL,
    offered_at       BIGINT NOT NULL,
    offer_channel_id BIGINT,
    offer_message_id BIGINT,
    published_at     BIGINT,
    published_by     BIGINT,
    PRIMARY KEY (guild_id, post_id)
);
CREATE INDEX crossposts_by_channel ON crossposts (guild_id, channel_id, published_at);
