-- The dashboard (#22): sessions ended by logout. The session lives in an encrypted cookie, so a
-- copy of the cookie would outlive a logout; its id is kept here until the session would have
-- expired anyway (8 h), and the dashboard refuses it.
CREATE TABLE dashboard_logouts (
    session_id TEXT PRIMARY KEY,
    until_ms   BIGINT NOT NULL        -- when the session expires by itself (UTC ms)
);
CREATE INDEX dashboard_logouts_by_time ON dashboard_logouts (until_ms);
