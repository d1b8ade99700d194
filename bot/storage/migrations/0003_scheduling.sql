-- Recurring schedules (questions, trivia, summaries, ...): the source of truth the scheduler
-- rebuilds its jobs from at start-up.
CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    channel_id  BIGINT,
    local_time  TEXT NOT NULL,            -- HH:MM in the guild's time zone
    weekdays    TEXT NOT NULL,            -- comma-separated, 0 = Monday
    tag         TEXT,
    options     TEXT NOT NULL DEFAULT '{}',
    paused      INTEGER NOT NULL DEFAULT 0,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX schedules_by_guild ON schedules (guild_id, kind);

-- One row per occurrence, inserted before the post goes out, so nothing posts twice.
CREATE TABLE occurrences (
    id             INTEGER PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    schedule_id    BIGINT NOT NULL,
    occurrence_key TEXT NOT NULL,         -- the local date, YYYY-MM-DD
    due_at         BIGINT NOT NULL,
    claimed_at     BIGINT NOT NULL,
    status         TEXT NOT NULL,         -- pending, posted, late, skipped, missed, failed
    detail         TEXT,
    post_id        BIGINT,
    UNIQUE (guild_id, schedule_id, occurrence_key)
);
CREATE INDEX occurrences_by_time ON occurrences (guild_id, due_at);

-- One-shot timers: poll closings, giveaway endings, contest phases, season ends.
CREATE TABLE timers (
    id       INTEGER PRIMARY KEY,
    guild_id BIGINT NOT NULL,
    kind     TEXT NOT NULL,
    ref_id   BIGINT NOT NULL,
    due_at   BIGINT NOT NULL,
    status   TEXT NOT NULL DEFAULT 'pending',   -- pending, running, done, failed, cancelled
    done_at  BIGINT,
    detail   TEXT,
    UNIQUE (guild_id, kind, ref_id)
);
CREATE INDEX timers_due ON timers (status, due_at);
