-- Who lets a group answer in a channel name their own ratings (/chatrec share-taste on|off;
-- off until turned on). 0/1 rather than BOOLEAN: the history store's SQL is shared with SQLite.
CREATE TABLE taste_sharing (
    user_id    TEXT COLLATE "C" PRIMARY KEY,
    share      INTEGER NOT NULL CHECK (share IN (0, 1)),
    changed_at DOUBLE PRECISION NOT NULL
);
