-- Pulse surveys (issue 21): "How likely are you to recommend this server to a friend?" 0-10.
CREATE TABLE pulse_schedules (
    guild_id   BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    every      TEXT NOT NULL,         -- month, quarter
    open_days  INTEGER NOT NULL,      -- how long a survey takes answers
    next_at    BIGINT NOT NULL,       -- when the next survey goes out (UTC ms)
    created_by BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE pulse_surveys (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    message_id  BIGINT,
    post_id     BIGINT,
    opened_at   BIGINT NOT NULL,
    closes_at   BIGINT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',   -- open, closed
    closed_at   BIGINT,
    closed_day  INTEGER,                        -- local day it closed
    promoters   INTEGER,
    passives    INTEGER,
    detractors  INTEGER,
    UNIQUE (guild_id, opened_at)
);
CREATE INDEX pulse_surveys_by_guild ON pulse_surveys (guild_id, status, opened_at);

-- Answers: one per member and survey under a keyed hash scoped to the survey (key outside the
-- database); the latest counts. No time. At close the hashes are dropped (answer_hash NULL):
-- scores and comments stay, never attributable.
CREATE TABLE pulse_answers (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    survey_id   BIGINT NOT NULL REFERENCES pulse_surveys (id) ON DELETE CASCADE,
    answer_hash TEXT,
    score       INTEGER NOT NULL,
    comment     TEXT,
    UNIQUE (survey_id, answer_hash)
);
