-- A/B tests over a schedule's upcoming posts (docs/experiments.md). Each post of a test carries
-- posts.experiment_id and posts.arm; the plan says which arm each planned local date gets.
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    schedule_id BIGINT NOT NULL,
    factor      TEXT NOT NULL,                    -- slot, tag, kind
    arm_a       TEXT NOT NULL,                    -- HH:MM, a tag, or question/poll
    arm_b       TEXT NOT NULL,
    posts       INTEGER NOT NULL,                 -- planned occurrences
    seed        TEXT NOT NULL,                    -- random.Random seed of the arm order
    status      TEXT NOT NULL DEFAULT 'running',  -- running, finished, stopped
    created_by  BIGINT,
    started_at  BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,                  -- the last planned post's 24 h window closes
    ended_at    BIGINT,
    outcome     TEXT,                             -- the verdict when it ended: A wins, B wins, inconclusive
    applied_at  BIGINT,
    applied_by  BIGINT,
    UNIQUE (guild_id, name)
);
-- One running test per schedule, enforced by the database too.
CREATE UNIQUE INDEX experiments_one_running ON experiments (guild_id, schedule_id) WHERE status = 'running';

CREATE TABLE experiment_plan (
    guild_id      BIGINT NOT NULL,
    experiment_id BIGINT NOT NULL,
    position      INTEGER NOT NULL,   -- 0-based order of the planned occurrence
    local_date    TEXT NOT NULL,      -- YYYY-MM-DD, the schedule's occurrence key
    arm           TEXT NOT NULL,      -- A or B
    PRIMARY KEY (guild_id, experiment_id, position)
);
CREATE INDEX experiment_plan_by_date ON experiment_plan (guild_id, experiment_id, local_date);
