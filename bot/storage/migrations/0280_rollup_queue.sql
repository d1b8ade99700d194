-- The rollup queue (#23, round 5): on PostgreSQL the recorder's batch statement inserts into
-- activities and appends the counted rows' rollup columns here, in the same transaction; one
-- folder at a time (a transaction advisory lock, across every process) moves what is queued into
-- member_days, guild_hours, post_responders and reply_pairs with one aggregated statement that
-- deletes the rows it folds (bot.storage.activity.POSTGRES_FOLD): nothing lost or doubled.
-- Readers of the rollups fold first (bot.storage.activity.fold_queued). Unindexed, append-only,
-- logged (a crash keeps what it holds). On SQLite the triggers keep the rollups and it stays empty.
CREATE TABLE rollup_queue (
    guild_id           BIGINT NOT NULL,
    local_day          BIGINT NOT NULL,
    local_hour_of_week BIGINT NOT NULL,
    member_id          BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    post_id            BIGINT,
    reply_to_member_id BIGINT,
    reply_to_bot       BIGINT NOT NULL DEFAULT 0,
    at                 BIGINT NOT NULL
);
