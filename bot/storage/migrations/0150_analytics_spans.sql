-- Report speed (#19): distinct members and pairs over any run of days, from per-day rows.
--
-- A member is active in days f..t exactly once, on their first active day d in f..t: the day
-- whose previous active day (before d) is before f. So "distinct active members in f..t" is the
-- number of (day, previous day) rows with f <= day <= t and previous < f, and "returning"
-- (also active in the f-n..f-1 before) those with f-n <= previous < f. analytics_gaps counts
-- member days (and pair days) by (day, previous day) per series; the nightly job fills it for
-- complete days (`hearth db rebuild-rollups` from the first day), a report reads it plus the
-- raw member_days of the days after. Derived from member_days and reply_pairs, which are kept:
-- the first nightly run after this migration fills it from the guild's first day (until then a
-- report computes the same figures from member_days, as before).

-- A member's (or a pair's) days in order: the previous day is one index seek, and a few
-- members' days (opted-out members, joiners, streaks) are read without scanning a day's rows.
-- Not covering on purpose: queries of one day's rows keep using the primary keys.
CREATE INDEX member_days_by_member ON member_days (guild_id, member_id, local_day);
CREATE INDEX reply_pairs_by_pair ON reply_pairs (guild_id, member_a, member_b, local_day);
CREATE INDEX reply_pairs_by_member_b ON reply_pairs (guild_id, member_b, local_day);

CREATE TABLE analytics_gaps (
    guild_id  BIGINT NOT NULL,
    series    TEXT NOT NULL,     -- active, talked (messages), pair, pair_ab, pair_ba (a reply that way)
    local_day INTEGER NOT NULL,
    prev_day  INTEGER NOT NULL,  -- the member's (pair's) previous day in the series; -1: none in the 733 days before
    n         INTEGER NOT NULL,
    PRIMARY KEY (guild_id, series, local_day, prev_day)
);

-- One row per day the gaps cover (also days without activity): what the day's rows summed to.
CREATE TABLE analytics_day_totals (
    guild_id       BIGINT NOT NULL,
    local_day      INTEGER NOT NULL,
    members        INTEGER NOT NULL,  -- member_days rows (opted-out members included)
    talkers        INTEGER NOT NULL,  -- of them with messages
    pairs          INTEGER NOT NULL,  -- reply_pairs rows
    replies        INTEGER NOT NULL,
    member_replies INTEGER NOT NULL,
    computed_at    BIGINT NOT NULL,
    PRIMARY KEY (guild_id, local_day)
);
