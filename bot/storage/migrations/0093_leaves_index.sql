-- Word of mouth (#20): whether an invitee left within a week, without a per-member index on every
-- activity (leave rows only).
CREATE INDEX activities_leaves ON activities (guild_id, member_id, at) WHERE kind = 'leave';
