-- Per-guild configuration set by moderators with /hearth setup.
CREATE TABLE guild_settings (
    guild_id           BIGINT PRIMARY KEY,
    timezone           TEXT NOT NULL,
    moderator_role_id  BIGINT,
    summary_channel_id BIGINT,
    features           TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

-- Problems a moderator should see in /hearth status (failed posts, lost permissions).
CREATE TABLE guild_problems (
    id        INTEGER PRIMARY KEY,
    guild_id  BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    source    TEXT NOT NULL,
    message   TEXT NOT NULL
);
CREATE INDEX guild_problems_by_guild ON guild_problems (guild_id, at);

-- Process-wide key/value facts (the privacy hashing key, the synced command hash).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
