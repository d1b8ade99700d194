-- Welcome (#20): the welcome channel and text, and one row per member ever welcomed (inserted
-- before the post goes out, so a restart or a rejoin never welcomes anyone twice).
CREATE TABLE welcome_settings (
    guild_id   BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    message    TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE welcomes (
    guild_id      BIGINT NOT NULL,
    member_id     BIGINT NOT NULL,
    joined_at     BIGINT NOT NULL,
    position      INTEGER NOT NULL,          -- join order in the guild (experiment arms)
    status        TEXT NOT NULL,             -- pending, posting, sent, skipped
    message_id    BIGINT,
    post_id       BIGINT,
    sent_at       BIGINT,
    experiment_id BIGINT,
    arm           TEXT,
    PRIMARY KEY (guild_id, member_id)
);
CREATE INDEX welcomes_by_status ON welcomes (guild_id, status);

-- A/B tests of two welcome texts on new-member activation (arms by join order, balanced).
CREATE TABLE welcome_experiments (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    text_a      TEXT NOT NULL,
    text_b      TEXT NOT NULL,
    joiners     INTEGER NOT NULL,            -- planned welcomed joiners
    seed        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'running',
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    outcome     TEXT,
    UNIQUE (guild_id, name)
);
CREATE UNIQUE INDEX welcome_experiments_one_running ON welcome_experiments (guild_id) WHERE status = 'running';
