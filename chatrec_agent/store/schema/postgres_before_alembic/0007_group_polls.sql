-- Group polls (store/polls.py): a group's picks with a vote button per item, and one vote
-- per member; the winner is set once everyone named has voted. JSON is kept as TEXT: the
-- history store's SQL is shared with SQLite.
CREATE TABLE polls (
    id           TEXT COLLATE "C" PRIMARY KEY,
    conversation TEXT COLLATE "C" NOT NULL,
    platform     TEXT COLLATE "C" NOT NULL,
    workspace    TEXT COLLATE "C" NOT NULL,
    members      TEXT NOT NULL,   -- [{"id", "name", "user"}]: who may vote, in the order named
    items        TEXT NOT NULL,   -- the cards as shown: [{"id", "title", "year", "genres", "explanation"}]
    text         TEXT NOT NULL DEFAULT '',
    created_at   DOUBLE PRECISION NOT NULL,
    winner       TEXT COLLATE "C",
    decided_at   DOUBLE PRECISION
);

CREATE TABLE poll_votes (
    poll_id  TEXT COLLATE "C" NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter    TEXT COLLATE "C" NOT NULL,
    item_id  TEXT COLLATE "C" NOT NULL,
    voted_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (poll_id, voter)
);

-- `forget` clears a conversation's polls; memory.retention_days clears old ones.
CREATE INDEX polls_by_conversation ON polls (conversation);
CREATE INDEX polls_by_age ON polls (created_at);
