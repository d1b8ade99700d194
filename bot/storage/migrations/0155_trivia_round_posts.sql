-- A trivia round is one Hearth post (METRICS v2): its questions are parts of it.
-- Until now every question was registered as its own post, so a round of 3 counted as 3 posts
-- 25 s apart. From here on the round's post is its first question's message; the questions'
-- messages are rows of post_parts (a reaction or reply on any of them links to the round's post),
-- and answers are keyed by the round and the question's position.
--
-- Old data is folded, nothing dropped: every question post of a round becomes a part of the
-- round's first post (its message, tag and time kept in post_parts); its activities, responders
-- and answers move to the round's post. Rollups computed from the old posts are dropped and
-- recomputed (`hearth db rebuild-rollups` and the nightly job agree with the folded rows).

CREATE TABLE post_parts (
    guild_id   BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    post_id    BIGINT NOT NULL,              -- posts.id of the post the message belongs to
    part       INTEGER NOT NULL,             -- 0: the post's own message; 1, 2, ...: the following ones
    tag        TEXT,                         -- the part's own tag (a trivia question's category)
    posted_at  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, message_id)
);
CREATE INDEX post_parts_by_post ON post_parts (guild_id, post_id, part);

-- Which round post each old question post folds into, and its position in the round.
CREATE TABLE trivia_fold (
    old_post_id   BIGINT PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    round_post_id BIGINT NOT NULL,
    part          INTEGER NOT NULL
);
INSERT INTO trivia_fold (old_post_id, guild_id, round_post_id, part)
SELECT id, guild_id,
       MIN(id) OVER (PARTITION BY guild_id, ref_id),
       ROW_NUMBER() OVER (PARTITION BY guild_id, ref_id ORDER BY id) - 1
FROM posts WHERE kind = 'trivia' AND ref_id IS NOT NULL;

INSERT INTO post_parts (guild_id, message_id, post_id, part, tag, posted_at)
SELECT p.guild_id, p.message_id, f.round_post_id, f.part, p.tag, p.posted_at
FROM posts p JOIN trivia_fold f ON f.old_post_id = p.id;

-- The round's tag: its category, else its questions' one category, else "mixed".
UPDATE posts SET tag = (
    SELECT COALESCE(MIN(r.category), CASE WHEN COUNT(DISTINCT pp.tag) = 1 THEN MIN(pp.tag) ELSE 'mixed' END)
    FROM post_parts pp LEFT JOIN trivia_rounds r ON r.guild_id = posts.guild_id AND r.id = posts.ref_id
    WHERE pp.guild_id = posts.guild_id AND pp.post_id = posts.id
)
WHERE id IN (SELECT round_post_id FROM trivia_fold WHERE part = 0);

UPDATE activities SET post_id = (SELECT f.round_post_id FROM trivia_fold f WHERE f.old_post_id = activities.post_id)
WHERE post_id IN (SELECT old_post_id FROM trivia_fold WHERE part > 0);

-- A member's first response to the round: the earliest over its questions.
INSERT INTO post_responders (guild_id, post_id, member_id, first_at)
SELECT r.guild_id, f.round_post_id, r.member_id, MIN(r.first_at)
FROM post_responders r JOIN trivia_fold f ON f.old_post_id = r.post_id
WHERE f.part > 0
GROUP BY r.guild_id, f.round_post_id, r.member_id
ON CONFLICT (guild_id, post_id, member_id) DO UPDATE SET
    first_at = CASE WHEN excluded.first_at < post_responders.first_at
                    THEN excluded.first_at ELSE post_responders.first_at END;
DELETE FROM post_responders WHERE post_id IN (SELECT old_post_id FROM trivia_fold WHERE part > 0);

-- Rollups of the old posts (and the weeks that counted them) are recomputed from the folded rows.
DELETE FROM analytics_posts WHERE post_id IN (SELECT old_post_id FROM trivia_fold);
DELETE FROM analytics_weeks WHERE guild_id IN (SELECT guild_id FROM trivia_fold);

-- Answers: one per member per question of a round (the round's post and the question's position).
CREATE TABLE trivia_round_answers (
    guild_id    BIGINT NOT NULL,
    round_id    BIGINT NOT NULL,
    question    INTEGER NOT NULL,            -- position in the round, 0-based (= post_parts.part)
    post_id     BIGINT NOT NULL,             -- the round's Hearth post
    member_id   BIGINT NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    elapsed_ms  BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, round_id, question, member_id)
);
INSERT INTO trivia_round_answers (guild_id, round_id, question, post_id, member_id, choice, correct, points,
                                  elapsed_ms, answered_at)
SELECT a.guild_id, a.round_id, COALESCE(f.part, 0), COALESCE(f.round_post_id, a.question_post_id), a.member_id,
       a.choice, a.correct, a.points, a.elapsed_ms, a.answered_at
FROM trivia_answers a LEFT JOIN trivia_fold f ON f.old_post_id = a.question_post_id;
DROP TABLE trivia_answers;
ALTER TABLE trivia_round_answers RENAME TO trivia_answers;
CREATE INDEX trivia_answers_by_time ON trivia_answers (guild_id, answered_at);
CREATE INDEX trivia_answers_by_member ON trivia_answers (guild_id, member_id);

-- The question posts after the first are parts now, no longer posts of their own.
DELETE FROM posts WHERE id IN (SELECT old_post_id FROM trivia_fold WHERE part > 0);
DROP TABLE trivia_fold;
