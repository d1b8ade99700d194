-- The cut day of a like-for-like comparison from rows the nightly job stores (#19 report speed).
--
-- A period in progress is compared with its previous period cut at the same local time; that
-- period's last day (the "cut day", 7, 28 or 90 days back) counts only what was recorded before
-- the instant. Instead of grouping that morning's raw activities, a report reads the cut day's
-- stored rows: per member day its first activity and first message, per pair day its first
-- reply each way, each with its previous days (as spans' raw days look them up), and the day's
-- replies per hour from local midnight; only the part of one hour before the instant is read
-- raw. Derived from activities, member_days and reply_pairs, which stay: a day is stored again
-- when its activities changed (analytics_cut_days.activities against guild_hours: late rows,
-- forget-me), and a report reads it raw until then. Forget-me deletes the member's rows;
-- `hearth db rebuild-rollups` clears and refills them. Opted-out members' rows are kept and
-- taken out at report time (the opt-out list does not key them); for the members opted out
-- when the day was stored, their own replies per hour too (to take out what they replied before
-- the instant). Member and pair rows are kept in (previous days) order, so a report counts a
-- day's rows by previous days in one pass without sorting them.

CREATE TABLE analytics_cut_days (
    guild_id    BIGINT NOT NULL,
    local_day   INTEGER NOT NULL,
    start_ms    BIGINT NOT NULL,   -- local midnight of the day (UTC epoch ms) when stored
    end_ms      BIGINT NOT NULL,   -- the next local midnight
    activities  INTEGER NOT NULL,  -- guild_hours' counting activities of the day and the 7 before, when stored
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, local_day)
);

CREATE TABLE analytics_cut_members (
    guild_id         BIGINT NOT NULL,
    local_day        INTEGER NOT NULL,
    prev_day         INTEGER NOT NULL,  -- the member's last active day before (-1: none)
    talked_prev      INTEGER NOT NULL,  -- their last day with messages before (-1: none)
    member_id        BIGINT NOT NULL,
    first_at         BIGINT NOT NULL,   -- their first counting activity of the day
    first_message_at BIGINT,            -- their first message (NULL: none that day)
    own_hours        INTEGER NOT NULL,  -- 1: opted out when stored, their replies per hour are in analytics_cut_hours
    PRIMARY KEY (guild_id, local_day, prev_day, talked_prev, member_id)
) WITHOUT ROWID;

CREATE TABLE analytics_cut_pairs (
    guild_id    BIGINT NOT NULL,
    local_day   INTEGER NOT NULL,
    prev_day    INTEGER NOT NULL,  -- the pair's last day in reply_pairs before (-1: none)
    prev_any    INTEGER NOT NULL,  -- ... with a reply either way (-1: none)
    prev_ab     INTEGER NOT NULL,  -- ... with a reply from member_a to member_b
    prev_ba     INTEGER NOT NULL,
    member_a    BIGINT NOT NULL,   -- the smaller id of the pair
    member_b    BIGINT NOT NULL,
    first_ab_at BIGINT,            -- member_a's first reply to member_b that day (NULL: none)
    first_ba_at BIGINT,
    PRIMARY KEY (guild_id, local_day, prev_day, prev_any, prev_ab, prev_ba, member_a, member_b)
) WITHOUT ROWID;

CREATE TABLE analytics_cut_hours (
    guild_id       BIGINT NOT NULL,
    local_day      INTEGER NOT NULL,
    member_id      BIGINT NOT NULL,   -- 0: every member's; else one opted-out member's (own_hours)
    hour           INTEGER NOT NULL,  -- whole hours since start_ms
    replies        INTEGER NOT NULL,
    member_replies INTEGER NOT NULL,
    PRIMARY KEY (guild_id, local_day, member_id, hour)
) WITHOUT ROWID;
