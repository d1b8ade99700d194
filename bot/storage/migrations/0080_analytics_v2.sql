-- Analytics v2 (METRICS.md version 2).
-- 1. guild_hours is keyed by LOCAL hour of week and local day, not by UTC hour: with a 30- or
--    45-minute offset (Asia/Kolkata, Asia/Kathmandu, Australia/Adelaide) one UTC hour holds two
--    local hours. It also counts responses to Hearth posts, so the organic grid is
--    activities - responses. Days with raw activities are recomputed from them (exact); days
--    older than the raw rows (dropped by retention) keep their old counts: nothing is lost.
-- 2. reply_pairs counts each direction (a_to_b: member_a replied to member_b), so mutual pairs
--    (replies both ways) can be told. Old days without raw rows keep their count as a_to_b.
-- 3. analytics_excluded_hours also counts the opted-out members' responses (for the organic
--    grid); rows stored before this version count none until `hearth db rebuild-rollups`.
-- 4. reply_to_member_id = 0 means "a reply to a member whose id is not kept" (opted out or
--    forgotten): a member reply, in no pair.

CREATE TABLE guild_hours_v2 (
    guild_id           BIGINT NOT NULL,
    local_day          INTEGER NOT NULL,
    local_hour_of_week INTEGER NOT NULL,
    activities         INTEGER NOT NULL DEFAULT 0,
    responses          INTEGER NOT NULL DEFAULT 0,  -- activities aimed at a Hearth post
    PRIMARY KEY (guild_id, local_day, local_hour_of_week)
);

-- First day recomputed from raw rows per guild: the first raw day, or the day after it when
-- older rollup rows exist (retention may have cut that first day part-way).
CREATE TABLE analytics_v2_cutoffs (guild_id BIGINT PRIMARY KEY, cutoff INTEGER NOT NULL);
INSERT INTO analytics_v2_cutoffs (guild_id, cutoff)
SELECT f.guild_id,
       f.first_raw + CASE WHEN EXISTS (
           SELECT 1 FROM guild_hours h WHERE h.guild_id = f.guild_id AND h.local_day < f.first_raw
       ) THEN 1 ELSE 0 END
FROM (SELECT guild_id, MIN(local_day) AS first_raw FROM activities GROUP BY guild_id) AS f;

INSERT INTO guild_hours_v2 (guild_id, local_day, local_hour_of_week, activities, responses)
SELECT a.guild_id, a.local_day, a.local_hour_of_week, COUNT(*),
       SUM(CASE WHEN a.post_id IS NOT NULL THEN 1 ELSE 0 END)
FROM activities a JOIN analytics_v2_cutoffs c ON c.guild_id = a.guild_id
WHERE a.counts = 1 AND a.local_day >= c.cutoff
GROUP BY a.guild_id, a.local_day, a.local_hour_of_week;

INSERT INTO guild_hours_v2 (guild_id, local_day, local_hour_of_week, activities, responses)
SELECT h.guild_id, h.local_day, h.local_hour_of_week, SUM(h.activities), 0
FROM guild_hours h
WHERE h.local_day < COALESCE((SELECT c.cutoff FROM analytics_v2_cutoffs c WHERE c.guild_id = h.guild_id), 2147483647)
GROUP BY h.guild_id, h.local_day, h.local_hour_of_week;

DROP TRIGGER activities_roll_up;
DROP TRIGGER activities_reply_pairs;
DROP TABLE guild_hours;
ALTER TABLE guild_hours_v2 RENAME TO guild_hours;

ALTER TABLE reply_pairs ADD COLUMN a_to_b INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reply_pairs ADD COLUMN b_to_a INTEGER NOT NULL DEFAULT 0;
UPDATE reply_pairs SET a_to_b = replies
WHERE local_day < COALESCE(
    (SELECT c.cutoff FROM analytics_v2_cutoffs c WHERE c.guild_id = reply_pairs.guild_id), 2147483647
);
DELETE FROM reply_pairs
WHERE local_day >= (SELECT c.cutoff FROM analytics_v2_cutoffs c WHERE c.guild_id = reply_pairs.guild_id);
INSERT INTO reply_pairs (guild_id, local_day, member_a, member_b, replies, a_to_b, b_to_a)
SELECT a.guild_id, a.local_day,
       CASE WHEN a.member_id < a.reply_to_member_id THEN a.member_id ELSE a.reply_to_member_id END,
       CASE WHEN a.member_id < a.reply_to_member_id THEN a.reply_to_member_id ELSE a.member_id END,
       COUNT(*),
       SUM(CASE WHEN a.member_id < a.reply_to_member_id THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.member_id > a.reply_to_member_id THEN 1 ELSE 0 END)
FROM activities a JOIN analytics_v2_cutoffs c ON c.guild_id = a.guild_id
WHERE a.counts = 1 AND a.local_day >= c.cutoff AND a.reply_to_member_id IS NOT NULL
  AND a.reply_to_member_id <> 0 AND a.reply_to_member_id <> a.member_id
GROUP BY a.guild_id, a.local_day,
         CASE WHEN a.member_id < a.reply_to_member_id THEN a.member_id ELSE a.reply_to_member_id END,
         CASE WHEN a.member_id < a.reply_to_member_id THEN a.reply_to_member_id ELSE a.member_id END;

DROP TABLE analytics_v2_cutoffs;

ALTER TABLE analytics_excluded_hours ADD COLUMN responses INTEGER NOT NULL DEFAULT 0;

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

    INSERT INTO guild_hours (guild_id, local_day, local_hour_of_week, activities, responses)
    VALUES (NEW.guild_id, NEW.local_day, NEW.local_hour_of_week, 1,
            CASE WHEN NEW.post_id IS NOT NULL THEN 1 ELSE 0 END)
    ON CONFLICT (guild_id, local_day, local_hour_of_week) DO UPDATE SET
        activities = guild_hours.activities + 1,
        responses = guild_hours.responses + excluded.responses;
END;

CREATE TRIGGER activities_reply_pairs AFTER INSERT ON activities
WHEN NEW.counts = 1 AND NEW.reply_to_member_id IS NOT NULL AND NEW.reply_to_member_id <> 0
     AND NEW.reply_to_member_id <> NEW.member_id
BEGIN
    INSERT INTO reply_pairs (guild_id, local_day, member_a, member_b, replies, a_to_b, b_to_a)
    VALUES (
        NEW.guild_id, NEW.local_day,
        CASE WHEN NEW.member_id < NEW.reply_to_member_id THEN NEW.member_id ELSE NEW.reply_to_member_id END,
        CASE WHEN NEW.member_id < NEW.reply_to_member_id THEN NEW.reply_to_member_id ELSE NEW.member_id END,
        1,
        CASE WHEN NEW.member_id < NEW.reply_to_member_id THEN 1 ELSE 0 END,
        CASE WHEN NEW.member_id > NEW.reply_to_member_id THEN 1 ELSE 0 END
    )
    ON CONFLICT (guild_id, local_day, member_a, member_b) DO UPDATE SET
        replies = reply_pairs.replies + 1,
        a_to_b = reply_pairs.a_to_b + excluded.a_to_b,
        b_to_a = reply_pairs.b_to_a + excluded.b_to_a;
END;
