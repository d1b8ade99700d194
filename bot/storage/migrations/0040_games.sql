-- Games: trivia (guild questions, rounds, answers, seasons) and the daily number game.

-- A guild's own trivia questions (the shipped bank lives in package data, not here).
CREATE TABLE trivia_questions (
    id           INTEGER PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    question_key TEXT NOT NULL,              -- casefolded question text, for duplicate detection
    category     TEXT NOT NULL,
    question     TEXT NOT NULL,
    correct      TEXT NOT NULL,
    incorrect    TEXT NOT NULL,              -- JSON list of wrong answers
    difficulty   TEXT NOT NULL,
    kind         TEXT NOT NULL,              -- multiple, boolean
    added_by     BIGINT,
    added_at     BIGINT NOT NULL,
    UNIQUE (guild_id, question_key)
);

-- When a guild was last asked a question (shipped or its own), so rounds prefer fresh ones.
CREATE TABLE trivia_asked (
    guild_id     BIGINT NOT NULL,
    question_key TEXT NOT NULL,
    asked_at     BIGINT NOT NULL,
    PRIMARY KEY (guild_id, question_key)
);

-- One row per round, manual or scheduled.
CREATE TABLE trivia_rounds (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    category    TEXT,                        -- NULL: every category
    questions   INTEGER NOT NULL,
    timer_s     INTEGER NOT NULL,
    started_by  BIGINT,
    schedule_id BIGINT,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    status      TEXT NOT NULL DEFAULT 'running'  -- running, finished, stopped, failed, interrupted
);
CREATE INDEX trivia_rounds_by_guild ON trivia_rounds (guild_id, status);

-- One answer per member per question: the primary key refuses a second one.
CREATE TABLE trivia_answers (
    guild_id         BIGINT NOT NULL,
    question_post_id BIGINT NOT NULL,
    round_id         BIGINT NOT NULL,
    member_id        BIGINT NOT NULL,
    choice           INTEGER NOT NULL,
    correct          INTEGER NOT NULL,
    points           INTEGER NOT NULL,
    elapsed_ms       BIGINT NOT NULL,
    answered_at      BIGINT NOT NULL,
    PRIMARY KEY (guild_id, question_post_id, member_id)
);
CREATE INDEX trivia_answers_by_time ON trivia_answers (guild_id, answered_at);
CREATE INDEX trivia_answers_by_member ON trivia_answers (guild_id, member_id);

-- Trivia seasons: calendar months or quarters in the guild's time zone; history is kept.
CREATE TABLE trivia_seasons (
    id         INTEGER PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    number     INTEGER NOT NULL,
    length     TEXT NOT NULL,                -- month, quarter
    channel_id BIGINT NOT NULL,              -- where the final board is posted
    started_at BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'active',  -- active, ended
    UNIQUE (guild_id, number)
);
CREATE INDEX trivia_seasons_by_guild ON trivia_seasons (guild_id, status);

-- The daily number game: one per guild per local day.
CREATE TABLE daily_games (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    local_day   INTEGER NOT NULL,
    target      INTEGER NOT NULL,
    max_number  INTEGER NOT NULL,
    max_guesses INTEGER NOT NULL,
    channel_id  BIGINT NOT NULL,
    message_id  BIGINT,
    post_id     BIGINT,
    created_at  BIGINT NOT NULL,
    UNIQUE (guild_id, local_day)
);

CREATE TABLE daily_game_guesses (
    guild_id  BIGINT NOT NULL,
    game_id   BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    guess_no  INTEGER NOT NULL,
    guess     INTEGER NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (guild_id, game_id, member_id, guess_no)
);
