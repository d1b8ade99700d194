-- Welcome periods (#20): when the welcome was on, so the report can compare the activation of
-- members who joined while it was on with those who joined while it was off. Written by
-- /welcome setup (opens a period) and /welcome off (closes it).
CREATE TABLE welcome_periods (
    guild_id   BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,                       -- NULL while the welcome is on
    PRIMARY KEY (guild_id, started_at)
);

-- Before this table the history was not kept: a welcome that is on started, at the latest, with
-- its first welcomed newcomer (or after the last join stored before it, when nobody has joined
-- since); one that is off ran from its first to its last welcomed newcomer. docs/invites.md says so.
INSERT INTO welcome_periods (guild_id, started_at, ended_at)
SELECT s.guild_id,
       COALESCE(
           (SELECT MIN(w.joined_at) FROM welcomes w WHERE w.guild_id = s.guild_id),
           (SELECT MAX(j.joined_at) + 1 FROM member_joins j WHERE j.guild_id = s.guild_id),
           0
       ),
       CASE WHEN s.enabled = 1 THEN NULL
            ELSE (SELECT MAX(w.joined_at) + 1 FROM welcomes w WHERE w.guild_id = s.guild_id) END
FROM welcome_settings s
WHERE s.enabled = 1 OR EXISTS (SELECT 1 FROM welcomes w WHERE w.guild_id = s.guild_id);
