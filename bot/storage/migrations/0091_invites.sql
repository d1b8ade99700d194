-- Word of mouth (#20): each join with the invite it came through, when known, and Hearth's
-- personal invites. Times UTC epoch ms.
CREATE TABLE member_joins (
    guild_id    BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    joined_at   BIGINT NOT NULL,
    local_day   INTEGER NOT NULL,             -- date.toordinal() in the guild's zone
    source      TEXT NOT NULL,                -- exact, vanity, unknown
    method      TEXT NOT NULL,                -- diff, audit_log, vanity, ambiguous, none, no_access
    invite_code TEXT,
    inviter_id  BIGINT,                       -- who made the invite (exact only; NULL once forgotten)
    credited    INTEGER NOT NULL DEFAULT 0,   -- 1: the inviter earns it (a member, not self, not a rejoin)
    rejoin      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, member_id, joined_at)
);
CREATE INDEX member_joins_by_day ON member_joins (guild_id, local_day);
CREATE INDEX member_joins_by_inviter ON member_joins (guild_id, inviter_id);

CREATE TABLE hearth_invites (
    guild_id   BIGINT NOT NULL,
    code       TEXT NOT NULL,
    member_id  BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (guild_id, code)
);
CREATE INDEX hearth_invites_by_member ON hearth_invites (guild_id, member_id);

CREATE TABLE invite_settings (
    guild_id     BIGINT PRIMARY KEY,
    leaderboard  INTEGER NOT NULL DEFAULT 1
);
