-- The rollup queue holds id ranges (#23, round 6): see ../0290_rollup_ranges.sql. Here, first, what
-- rollup_queue (migration 0280) still holds is folded into the rollups as that version's folder did,
-- so nothing queued before the upgrade is lost; then the identity of activities hands out blocks:
-- each nextval reserves ID_BLOCK ids (bot.storage.activity), one batch's, which no other batch or
-- process can take (every id comes from this one sequence).
WITH counted AS (
    DELETE FROM rollup_queue
    RETURNING guild_id, local_day, local_hour_of_week, member_id, kind, post_id, reply_to_member_id, reply_to_bot, at
), days AS (
    INSERT INTO member_days AS m
        (guild_id, local_day, member_id, activities, messages, responses, replies, member_replies)
    SELECT guild_id, local_day, member_id, COUNT(*),
           COUNT(*) FILTER (WHERE kind = 'message'),
           COUNT(*) FILTER (WHERE post_id IS NOT NULL),
           COUNT(*) FILTER (WHERE reply_to_member_id IS NOT NULL OR reply_to_bot = 1),
           COUNT(*) FILTER (WHERE reply_to_member_id IS NOT NULL AND reply_to_member_id <> member_id)
    FROM counted GROUP BY guild_id, local_day, member_id
    ON CONFLICT (guild_id, local_day, member_id) DO UPDATE SET
        activities = m.activities + excluded.activities,
        messages = m.messages + excluded.messages,
        responses = m.responses + excluded.responses,
        replies = m.replies + excluded.replies,
        member_replies = m.member_replies + excluded.member_replies
), hours AS (
    INSERT INTO guild_hours AS h (guild_id, local_day, local_hour_of_week, activities, responses)
    SELECT guild_id, local_day, local_hour_of_week, COUNT(*), COUNT(*) FILTER (WHERE post_id IS NOT NULL)
    FROM counted GROUP BY guild_id, local_day, local_hour_of_week
    ON CONFLICT (guild_id, local_day, local_hour_of_week) DO UPDATE SET
        activities = h.activities + excluded.activities,
        responses = h.responses + excluded.responses
), responders AS (
    INSERT INTO post_responders AS r (guild_id, post_id, member_id, first_at)
    SELECT guild_id, post_id, member_id, MIN(at) FROM counted WHERE post_id IS NOT NULL
    GROUP BY guild_id, post_id, member_id
    ON CONFLICT (guild_id, post_id, member_id) DO UPDATE SET first_at = excluded.first_at
        WHERE excluded.first_at < r.first_at
), pairs AS (
    INSERT INTO reply_pairs AS p (guild_id, local_day, member_a, member_b, replies, a_to_b, b_to_a)
    SELECT guild_id, local_day, LEAST(member_id, reply_to_member_id), GREATEST(member_id, reply_to_member_id),
           COUNT(*), COUNT(*) FILTER (WHERE member_id < reply_to_member_id),
           COUNT(*) FILTER (WHERE member_id > reply_to_member_id)
    FROM counted WHERE reply_to_member_id IS NOT NULL AND reply_to_member_id <> 0 AND reply_to_member_id <> member_id
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (guild_id, local_day, member_a, member_b) DO UPDATE SET
        replies = p.replies + excluded.replies, a_to_b = p.a_to_b + excluded.a_to_b,
        b_to_a = p.b_to_a + excluded.b_to_a
)
SELECT COUNT(*) FROM counted;

DROP TABLE rollup_queue;
CREATE TABLE rollup_ranges (
    first_id BIGINT NOT NULL,
    last_id  BIGINT NOT NULL
);
ALTER TABLE activities ALTER COLUMN id SET INCREMENT BY 100000;
