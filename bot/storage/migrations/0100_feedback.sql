-- Feedback box (issue 21). Anonymous authors are never stored as an id: author_sealed is the id
-- encrypted (AES-GCM) under HEARTH_SECRET_KEY, a key that lives in the environment, never in the
-- database, so a dump of every table cannot tell who sent an anonymous item (docs/feedback.md).
CREATE TABLE feedback_settings (
    guild_id          BIGINT PRIMARY KEY,
    review_channel_id BIGINT,
    public_channel_id BIGINT,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE feedback_items (
    id                INTEGER PRIMARY KEY,
    guild_id          BIGINT NOT NULL,
    number            INTEGER NOT NULL,          -- #1, #2 ... per guild
    kind              TEXT NOT NULL,             -- idea, problem, praise
    body              TEXT NOT NULL,
    anonymous         INTEGER NOT NULL DEFAULT 0,
    author_id         BIGINT,                    -- NULL when anonymous
    author_sealed     TEXT,                      -- anonymous only: AES-GCM(author id), key outside the database
    status            TEXT NOT NULL DEFAULT 'open',  -- open, review, planned, done, declined
    reason            TEXT,                      -- the latest status change's reason (required for declined)
    created_at        BIGINT NOT NULL,
    local_day         INTEGER NOT NULL,
    status_at         BIGINT NOT NULL,
    first_answer_at   BIGINT,                    -- first move to planned, done or declined
    review_channel_id BIGINT,
    review_message_id BIGINT,
    thread_id         BIGINT,
    public_channel_id BIGINT,
    public_message_id BIGINT,
    upvotes           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, number)
);
CREATE INDEX feedback_items_by_status ON feedback_items (guild_id, status, created_at);

-- Every status change, by whom (a moderator) and why: the "You said, we did" digest reads it.
CREATE TABLE feedback_changes (
    id           INTEGER PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    item_id      BIGINT NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    reason       TEXT,
    moderator_id BIGINT NOT NULL,
    changed_at   BIGINT NOT NULL
);
CREATE INDEX feedback_changes_by_time ON feedback_changes (guild_id, changed_at);

-- Upvotes on public items: one per member, as a keyed hash scoped to the item (key outside the
-- database), no time, so who voted can't be read back or matched.
CREATE TABLE feedback_votes (
    guild_id   BIGINT NOT NULL,
    item_id    BIGINT NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    voter_hash TEXT NOT NULL,
    PRIMARY KEY (guild_id, item_id, voter_hash)
);

-- Blocked senders: a keyed hash of the sender (key outside the database). Blocking an anonymous
-- sender needs nobody to learn who it is; the item it came from is kept for the moderators' record.
CREATE TABLE feedback_blocks (
    guild_id     BIGINT NOT NULL,
    sender_hash  TEXT NOT NULL,
    item_id      BIGINT,
    moderator_id BIGINT NOT NULL,
    blocked_at   BIGINT NOT NULL,
    PRIMARY KEY (guild_id, sender_hash)
);
