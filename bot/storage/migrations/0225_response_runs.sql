-- Response streaks continued from the nightly job (#19 report speed): for the last day the job
-- stored, each responder's run of consecutive response days ending that day (within the 120-day
-- streak lookback), so a report walks only the raw days after it. Opted-out members are never
-- stored (excl_key: the opt-out list the runs were computed under); forget-me deletes a member's
-- rows. analytics_response_run_days keeps, per stored day, the responders of that day and of
-- the day before it: a report uses the runs only while both still match member_days (late rows).
CREATE TABLE analytics_response_runs (
    guild_id  BIGINT NOT NULL,
    local_day INTEGER NOT NULL,
    member_id BIGINT NOT NULL,
    run       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, local_day, member_id)
);
CREATE TABLE analytics_response_run_days (
    guild_id    BIGINT NOT NULL PRIMARY KEY,
    local_day   INTEGER NOT NULL,
    responders  INTEGER NOT NULL,
    responders_before INTEGER NOT NULL,
    excl_key    TEXT NOT NULL,
    computed_at BIGINT NOT NULL
);
