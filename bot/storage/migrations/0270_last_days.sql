-- Report speed (#19): today's rows' previous days from one primary-key lookup instead of a walk.
--
-- For each member (and each reply pair) of a guild, its last day with a member_days (reply_pairs)
-- row, with messages, and with a reply either way / a to b / b to a, as of the last day the
-- nightly job stored (analytics_last_day_state.local_day, "L"). A report whose raw days start at
-- L + 1 reads a row's previous days here (a member or pair without a row had no day up to L);
-- otherwise (late rows on the job's last days, the job's table older or newer than the stored gap
-- rows) it walks member_days / reply_pairs back as before. Derived from member_days and
-- reply_pairs alone, like analytics_gaps: it holds the same members those hold (opted-out
-- members' earlier rows included, which reports take out exactly, so the rows do not depend on
-- the opt-out list); forget-me deletes the member's rows, rebuild-rollups and a forget clear the
-- guild's. -1: no such day.
CREATE TABLE analytics_last_days (
    guild_id    BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    last_day    INTEGER NOT NULL,
    last_talked INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;
CREATE TABLE analytics_pair_last_days (
    guild_id  BIGINT NOT NULL,
    member_a  BIGINT NOT NULL,
    member_b  BIGINT NOT NULL,
    last_day  INTEGER NOT NULL,
    last_any  INTEGER NOT NULL,
    last_ab   INTEGER NOT NULL,
    last_ba   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_a, member_b)
) WITHOUT ROWID;
-- Forget-me deletes a member's pairs by either id.
CREATE INDEX analytics_pair_last_days_by_b ON analytics_pair_last_days (guild_id, member_b);
CREATE TABLE analytics_last_day_state (
    guild_id    BIGINT NOT NULL PRIMARY KEY,
    local_day   INTEGER NOT NULL,
    computed_at BIGINT NOT NULL
);
