-- What every replica must serve, published by the replica that last reindexed (one row
-- per key; 'catalog' is the catalog generation: a digest of its items and interactions).
-- The other replicas poll it and load the new catalog when it changes (Runtime.follow).
CREATE TABLE generations (
    key        TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
