-- Hearth posts: every message Hearth sends that members can respond to.
CREATE TABLE posts (
    id                 INTEGER PRIMARY KEY,
    guild_id           BIGINT NOT NULL,
    kind               TEXT NOT NULL,          -- question, poll, giveaway, contest, trivia, game, summary
    tag                TEXT,
    channel_id         BIGINT NOT NULL,
    message_id         BIGINT NOT NULL,
    thread_id          BIGINT,
    posted_at          BIGINT NOT NULL,        -- UTC epoch ms
    local_day          INTEGER NOT NULL,       -- date.toordinal() in the guild's time zone
    local_hour_of_week INTEGER NOT NULL,       -- 0 = Monday 00:00 local
    schedule_id        BIGINT,                 -- set when a schedule posted it
    on_time            INTEGER,                -- 1 on time, 0 late, NULL unscheduled
    ref_id             BIGINT,                 -- the feature's own row (poll id, contest id, ...)
    experiment_id      BIGINT,
    arm                TEXT,
    member_count       INTEGER,                -- guild member count when posted, if known
    UNIQUE (guild_id, message_id)
);
CREATE INDEX posts_by_thread ON posts (guild_id, thread_id);
CREATE INDEX posts_by_time ON posts (guild_id, posted_at);

-- Raw activities, metadata only (never message text). event_key, a 64-bit hash of the
-- activity's identity (bot.recorder.event_hash), makes replays harmless.
CREATE TABLE activities (
    id                 INTEGER PRIMARY KEY,
    guild_id           BIGINT NOT NULL,
    event_key          BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    member_id          BIGINT NOT NULL,
    channel_id         BIGINT,
    thread_id          BIGINT,
    message_id         BIGINT,
    post_id            BIGINT,
    reply_to_member_id BIGINT,
    reply_to_bot       INTEGER NOT NULL DEFAULT 0,
    at                 BIGINT NOT NULL,
    local_day          INTEGER NOT NULL,
    utc_hour           BIGINT NOT NULL,
    local_hour_of_week INTEGER NOT NULL,
    counts             INTEGER NOT NULL DEFAULT 1,  -- 0: removals, joins, leaves (not activity)
    UNIQUE (guild_id, event_key)
);
CREATE INDEX activities_by_time ON activities (guild_id, at);
-- No per-member index: it halves the insert rate; per-member reads use member_days.

-- Rollups kept exact by the triggers below; an ignored duplicate fires no trigger.
CREATE TABLE member_days (
    guild_id       BIGINT NOT NULL,
    local_day      INTEGER NOT NULL,
    member_id      BIGINT NOT NULL,
    activities     INTEGER NOT NULL DEFAULT 0,
    messages       INTEGER NOT NULL DEFAULT 0,
    responses      INTEGER NOT NULL DEFAULT 0,  -- activities aimed at a Hearth post
    replies        INTEGER NOT NULL DEFAULT 0,  -- replies to anyone
    member_replies INTEGER NOT NULL DEFAULT 0,  -- replies to another member
    PRIMARY KEY (guild_id, local_day, member_id)
);

CREATE TABLE guild_hours (
    guild_id           BIGINT NOT NULL,
    utc_hour           BIGINT NOT NULL,
    local_day          INTEGER NOT NULL,
    local_hour_of_week INTEGER NOT NULL,
    activities         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, utc_hour)
);

CREATE TABLE post_responders (
    guild_id  BIGINT NOT NULL,
    post_id   BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    first_at  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, post_id, member_id)
);

CREATE TABLE reply_pairs (
    guild_id  BIGINT NOT NULL,
    local_day INTEGER NOT NULL,
    member_a  BIGINT NOT NULL,   -- the smaller id of the pair
    member_b  BIGINT NOT NULL,
    replies   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, local_day, member_a, member_b)
);

CREATE TRIGGER activities_roll_up AFTER INSERT ON activities WHEN NEW.counts = 1
BEGIN
    INSERT INTO member_days (guild_id, local_day, member_id, activities, messages, responses, replies, member_replies)
    VALUES (
        NEW.guild_id, NEW.local_day, NEW.member_id, 1,
        CASE WHEN NEW.kind = 'message' THEN 1 ELSE 0 END,
        CASE WHEN NEW.post_id IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN NEW.reply_to_member_id IS NOT NULL OR NEW.reply_to_bot = 1 THEN 1 ELSE 0 END,
        CASE WHEN NEW.reply_to_member_id IS NOT NULL AND NEW.reply_to_member_id <> NEW.member_id THEN 1 ELSE 0 END
    )
    ON CONFLICT (guild_id, local_day, member_id) DO UPDATE SET
        activities = member_days.activities + 1,
        messages = member_days.messages + excluded.messages,
        responses = member_days.responses + excluded.responses,
        replies = member_days.replies + excluded.replies,
        member_replies = member_days.member_replies + excluded.member_replies;

    INSERT INTO guild_hours (guild_id, utc_hour, local_day, local_hour_of_week, activities)
    VALUES (NEW.guild_id, NEW.utc_hour, NEW.local_day, NEW.local_hour_of_week, 1)
    ON CONFLICT (guild_id, utc_hour) DO UPDATE SET activities = guild_hours.activities + 1;
END;

CREATE TRIGGER activities_responders AFTER INSERT ON activities
WHEN NEW.counts = 1 AND NEW.post_id IS NOT NULL
BEGIN
    INSERT INTO post_responders (guild_id, post_id, member_id, first_at)
    VALUES (NEW.guild_id, NEW.post_id, NEW.member_id, NEW.at)
    ON CONFLICT (guild_id, post_id, member_id) DO UPDATE SET
        first_at = CASE WHEN excluded.first_at < post_responders.first_at
                        THEN excluded.first_at ELSE post_responders.first_at END;
END;

CREATE TRIGGER activities_reply_pairs AFTER INSERT ON activities
WHEN NEW.counts = 1 AND NEW.reply_to_member_id IS NOT NULL AND NEW.reply_to_member_id <> NEW.member_id
BEGIN
    INSERT INTO reply_pairs (guild_id, local_day, member_a, member_b, replies)
    VALUES (
        NEW.guild_id, NEW.local_day,
        CASE WHEN NEW.member_id < NEW.reply_to_member_id THEN NEW.member_id ELSE NEW.reply_to_member_id END,
        CASE WHEN NEW.member_id < NEW.reply_to_member_id THEN NEW.reply_to_member_id ELSE NEW.member_id END,
        1
    )
    ON CONFLICT (guild_id, local_day, member_a, member_b) DO UPDATE SET replies = reply_pairs.replies + 1;
END;

-- Members who opted out, as a keyed hash of their id (never in the clear).
CREATE TABLE privacy_optouts (
    guild_id    BIGINT NOT NULL,
    member_hash TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (guild_id, member_hash)
);
