-- Analytics rollups filled by the nightly job (bot/analytics/rollups.py) and by
-- `hearth db rebuild-rollups`. Each row remembers the opted-out set it was computed without
-- (excl_key); a row whose key no longer matches is stale and is recomputed.

-- Per local day: active-member windows ending on that day.
CREATE TABLE analytics_days (
    guild_id       BIGINT NOT NULL,
    local_day      INTEGER NOT NULL,
    excl_key       TEXT NOT NULL,
    dau            INTEGER NOT NULL,   -- distinct active members that day
    wau            INTEGER NOT NULL,   -- distinct active members in the 7 days ending that day
    mau            INTEGER NOT NULL,   -- distinct active members in the 28 days ending that day
    base_before    INTEGER NOT NULL,   -- distinct active members in the 28 days before that day
    communicators  INTEGER NOT NULL,   -- members who sent a message that day
    computed_at    BIGINT NOT NULL,
    PRIMARY KEY (guild_id, local_day)
);

-- Per Hearth post: responders within 24 h, the active base (28 days before the post's day,
-- united with its responders), first response. final = 1 once the 24 h window has closed.
CREATE TABLE analytics_posts (
    guild_id          BIGINT NOT NULL,
    post_id           BIGINT NOT NULL,
    excl_key          TEXT NOT NULL,
    responders        INTEGER NOT NULL,
    base              INTEGER NOT NULL,
    first_response_ms BIGINT,
    final             INTEGER NOT NULL,
    computed_at       BIGINT NOT NULL,
    PRIMARY KEY (guild_id, post_id)
);

-- Per local week (Monday's day ordinal): the week's figures as JSON, so the 8-week history
-- of a report reads 8 rows. final = 1 once every window of the week has closed (14 days after).
CREATE TABLE analytics_weeks (
    guild_id    BIGINT NOT NULL,
    week_start  INTEGER NOT NULL,
    excl_key    TEXT NOT NULL,
    final       INTEGER NOT NULL,
    figures     TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, week_start)
);

-- Activities of opted-out members per local day and hour of week, so the peak grid can take
-- them out of guild_hours without scanning raw activities (filled with analytics_days).
CREATE TABLE analytics_excluded_hours (
    guild_id           BIGINT NOT NULL,
    local_day          INTEGER NOT NULL,
    local_hour_of_week INTEGER NOT NULL,
    excl_key           TEXT NOT NULL,
    activities         INTEGER NOT NULL,
    PRIMARY KEY (guild_id, local_day, local_hour_of_week)
);

-- Joins and leaves (counts = 0) by time, for growth and activation without scanning a week
-- of activities; partial, so ordinary activities pay nothing on insert.
CREATE INDEX activities_membership ON activities (guild_id, kind, at) WHERE counts = 0;
