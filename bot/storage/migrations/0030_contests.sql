-- Giveaways: the commitment is published when it opens, the seed when it ends (docs/giveaway-draw.md).
CREATE TABLE giveaways (
    id                   INTEGER PRIMARY KEY,
    guild_id             BIGINT NOT NULL,
    channel_id           BIGINT NOT NULL,
    message_id           BIGINT,
    post_id              BIGINT,
    host_id              BIGINT NOT NULL,
    prize                TEXT NOT NULL,
    winner_count         INTEGER NOT NULL,
    required_role_id     BIGINT,
    min_days_in_server   INTEGER,
    min_account_age_days INTEGER,
    seed                 TEXT NOT NULL,
    commitment           TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'open',   -- open, ended, cancelled
    created_at           BIGINT NOT NULL,
    ends_at              BIGINT NOT NULL,
    ended_at             BIGINT,
    results_message_id   BIGINT
);
CREATE INDEX giveaways_by_guild ON giveaways (guild_id, status);

CREATE TABLE giveaway_entries (
    guild_id    BIGINT NOT NULL,
    giveaway_id BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    entered_at  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, giveaway_id, member_id)
);

-- Everyone who ever won a giveaway (rerolls exclude them); is_current marks today's winners.
CREATE TABLE giveaway_winners (
    guild_id    BIGINT NOT NULL,
    giveaway_id BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    draw_round  INTEGER NOT NULL,                  -- 0: the draw, 1..: rerolls
    position    INTEGER NOT NULL,                  -- order drawn within the round
    is_current  INTEGER NOT NULL DEFAULT 1,
    drawn_at    BIGINT NOT NULL,
    PRIMARY KEY (guild_id, giveaway_id, member_id)
);

-- Submission contests: submissions -> voting -> ended (or cancelled).
CREATE TABLE contests (
    id                   INTEGER PRIMARY KEY,
    guild_id             BIGINT NOT NULL,
    channel_id           BIGINT NOT NULL,
    message_id           BIGINT,
    thread_id            BIGINT,
    post_id              BIGINT,
    host_id              BIGINT NOT NULL,
    theme                TEXT NOT NULL,
    anonymous            INTEGER NOT NULL DEFAULT 0,
    voting_preference    TEXT NOT NULL DEFAULT 'auto',   -- auto, buttons
    status               TEXT NOT NULL DEFAULT 'submissions',
    created_at           BIGINT NOT NULL,
    submissions_close_at BIGINT NOT NULL,
    vote_duration_ms     BIGINT NOT NULL,
    voting_ends_at       BIGINT,
    voting_mode          TEXT,                           -- poll, buttons
    voting_message_id    BIGINT,
    results_message_id   BIGINT
);
CREATE INDEX contests_by_guild ON contests (guild_id, status);

CREATE TABLE contest_entries (
    id              INTEGER PRIMARY KEY,
    guild_id        BIGINT NOT NULL,
    contest_id      BIGINT NOT NULL,
    member_id       BIGINT NOT NULL,
    text            TEXT,
    attachment_url  TEXT,
    attachment_name TEXT,
    submitted_at    BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    number          INTEGER,                             -- set when submissions close
    message_id      BIGINT,                              -- the entry's post in the contest thread
    poll_answer_id  INTEGER,
    removed_reason  TEXT,
    removed_by      BIGINT,
    removed_at      BIGINT,
    UNIQUE (guild_id, contest_id, member_id)
);

CREATE TABLE contest_votes (
    guild_id   BIGINT NOT NULL,
    contest_id BIGINT NOT NULL,
    voter_id   BIGINT NOT NULL,
    entry_id   BIGINT NOT NULL,
    voted_at   BIGINT NOT NULL,
    PRIMARY KEY (guild_id, contest_id, voter_id)
);
