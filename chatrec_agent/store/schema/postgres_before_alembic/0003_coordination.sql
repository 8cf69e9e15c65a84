-- What replicas sharing this database agree on besides the history (coordination.py).

-- Chat events already handled (a platform's event id), so that a redelivery reaching
-- another replica is dropped too. Rows older than a day are pruned: platforms redeliver
-- within minutes.
CREATE TABLE seen_events (
    key     TEXT COLLATE "C" PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX seen_events_by_age ON seen_events (seen_at);

-- One row per event a rate limit counted (a message, a click). A key's rows are counted
-- under an advisory lock on the key; rows past their window are pruned.
CREATE TABLE rate_events (
    key        TEXT COLLATE "C" NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_events_by_key ON rate_events (key, at);
CREATE INDEX rate_events_by_expiry ON rate_events (expires_at);
