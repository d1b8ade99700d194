-- Shares (#20): a forward of a Hearth post is a `share` activity linked to the post. A partial
-- index finds a post's sharers without a per-post index on every activity (the insert rate).
CREATE INDEX activities_shares ON activities (guild_id, post_id, member_id) WHERE kind = 'share';
