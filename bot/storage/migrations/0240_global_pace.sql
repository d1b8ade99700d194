-- Discord's global limit (50 requests/s per bot token) is shared by every process of the bot (#23).
-- One row per bot: the next free moment of its request timeline, in the database's own clock
-- (epoch microseconds), so processes on different machines need no common clock. Each paced
-- request reserves the next slot with one UPDATE (bot.storage.pace); a global 429 moves the
-- timeline past its Retry-After for every process. A dead process holds no share: it simply
-- stops reserving. The row is made at the first reservation (an empty table is an installation
-- that never split its shards; `hearth db copy` wants an empty target).
CREATE TABLE global_pace (
    name       TEXT PRIMARY KEY,      -- 'discord'
    next_us    BIGINT NOT NULL,       -- the first free slot (database clock, epoch microseconds)
    claimed_us BIGINT NOT NULL        -- the database's time at the latest reservation
);
