-- The rollup queue holds id ranges (#23, round 6), no longer a copy of each activity's rollup
-- columns: on PostgreSQL the recorder reserves a block of activity ids per batch, COPYs the batch
-- straight into activities under those ids and queues the block's range here, in the same
-- transaction; the folder reads the queued ranges' activities through the primary key (migration
-- 0280 copied every counted row into rollup_queue and deleted it again). On SQLite the triggers keep
-- the rollups and this stays empty, as rollup_queue did.
DROP TABLE rollup_queue;
CREATE TABLE rollup_ranges (
    first_id BIGINT NOT NULL,
    last_id  BIGINT NOT NULL
);
