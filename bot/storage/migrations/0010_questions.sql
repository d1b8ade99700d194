-- The question bank: per guild, one row per question. "key" is the case- and space-insensitive
-- text, so the same question is never stored twice in a guild. Removed questions stay (posts
-- point at them through ref_id) with status 'removed'; adding the text again revives them.
CREATE TABLE questions (
    id            INTEGER PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    text          TEXT NOT NULL,
    key           TEXT NOT NULL,
    tag           TEXT,
    times_used    INTEGER NOT NULL DEFAULT 0,
    last_used_at  BIGINT,                      -- UTC epoch ms of the last post, NULL if never
    added_by      BIGINT,
    suggested_by  BIGINT,                      -- the member credited when it is posted
    source        TEXT NOT NULL DEFAULT 'manual',  -- manual, import, starter, suggestion
    status        TEXT NOT NULL DEFAULT 'active',  -- active, removed
    created_at    BIGINT NOT NULL,
    UNIQUE (guild_id, key)
);
CREATE INDEX questions_by_guild ON questions (guild_id, status, tag);

-- Members' suggestions waiting for a moderator (/question review).
CREATE TABLE question_suggestions (
    id            INTEGER PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    text          TEXT NOT NULL,
    key           TEXT NOT NULL,
    tag           TEXT,
    suggested_by  BIGINT,
    status        TEXT NOT NULL DEFAULT 'pending',  -- pending, approved, rejected
    created_at    BIGINT NOT NULL,
    reviewed_by   BIGINT,
    reviewed_at   BIGINT,
    question_id   BIGINT
);
CREATE INDEX question_suggestions_by_guild ON question_suggestions (guild_id, status, id);
