-- Polls: native Discord polls and Hearth's anonymous polls. The post itself is a row in posts.
CREATE TABLE polls (
    id                 INTEGER PRIMARY KEY,
    guild_id           BIGINT NOT NULL,
    channel_id         BIGINT NOT NULL,
    message_id         BIGINT,                -- set once the poll is posted
    post_id            BIGINT,                -- posts.id
    question           TEXT NOT NULL,
    options            TEXT NOT NULL,         -- JSON list of option texts
    multi              INTEGER NOT NULL DEFAULT 0,
    anonymous          INTEGER NOT NULL DEFAULT 0,
    created_by         BIGINT,
    created_at         BIGINT NOT NULL,
    closes_at          BIGINT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'open',   -- open, closed
    closed_at          BIGINT,
    closed_by          TEXT,                  -- 'time' or 'command'
    result_counts      TEXT,                  -- JSON list, final counts per option
    result_voters      INTEGER,
    result_message_id  BIGINT
);
CREATE INDEX polls_by_guild ON polls (guild_id, status, created_at);

-- Anonymous votes: a keyed hash of the member scoped to the poll, never the member id, and no
-- time. WITHOUT ROWID stores rows in key order (by hash), so not even the insertion order
-- could be matched against the time-stamped anon_poll_vote activities.
CREATE TABLE poll_votes (
    guild_id     BIGINT NOT NULL,
    poll_id      BIGINT NOT NULL,
    voter_hash   TEXT NOT NULL,
    option_index INTEGER NOT NULL,
    PRIMARY KEY (guild_id, poll_id, voter_hash, option_index)
) WITHOUT ROWID;
