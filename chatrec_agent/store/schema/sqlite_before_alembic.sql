-- The SQLite history's tables as chatrec created them before Alembic versioned the schema
-- (revision 0001 runs this: every statement is IF NOT EXISTS, so a file of any earlier chatrec
-- gets only what it lacks).
CREATE TABLE IF NOT EXISTS interactions (
    user_id   TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    rating    REAL,
    timestamp INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feedback (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('liked', 'disliked', 'rated', 'seen')),
    rating     REAL,
    created_at REAL NOT NULL,
    source     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_by_user ON feedback (user_id, created_at);
CREATE TABLE IF NOT EXISTS identity_links (
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    catalog_user_id  TEXT NOT NULL,
    linked_at        REAL NOT NULL,
    linked_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, platform_user_id)
);
-- Catalog users an operator created (for people with no imported history); a link may
-- point only at these or at users of the imported interactions.
CREATE TABLE IF NOT EXISTS catalog_users (
    user_id    TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Who lets a group answer in a channel name their own ratings (/chatrec share-taste).
CREATE TABLE IF NOT EXISTS taste_sharing (
    user_id    TEXT PRIMARY KEY,
    share      INTEGER NOT NULL CHECK (share IN (0, 1)),
    changed_at REAL NOT NULL
) WITHOUT ROWID;
-- Group polls (store/polls.py): a group's picks, and one vote per member.
CREATE TABLE IF NOT EXISTS polls (
    id           TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    members      TEXT NOT NULL,
    items        TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',
    created_at   REAL NOT NULL,
    winner       TEXT,
    decided_at   REAL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS poll_votes (
    poll_id  TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter    TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    voted_at REAL NOT NULL,
    PRIMARY KEY (poll_id, voter)
) WITHOUT ROWID;
-- Which servers may link their members to a catalog user: granted by an operator's link (or
-- creation) there. Links made before grants existed grant their server, once.
CREATE TABLE IF NOT EXISTS catalog_user_grants (
    user_id    TEXT NOT NULL,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    granted_at REAL NOT NULL,
    granted_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, platform, workspace)
) WITHOUT ROWID;
INSERT OR IGNORE INTO catalog_user_grants
    SELECT DISTINCT catalog_user_id, platform, workspace, linked_at, 'an earlier link' FROM identity_links;
-- The app's installations in chat workspaces (Slack's OAuth flow): what the adapter keeps of
-- each (its tokens encrypted by the adapter before they get here).
CREATE TABLE IF NOT EXISTS installations (
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    data         TEXT NOT NULL,
    installed_at REAL NOT NULL,
    PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;
-- Films a person saved to watch later (the card's Save button, "add it to my list").
CREATE TABLE IF NOT EXISTS watchlist (
    user_id  TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    saved_at REAL NOT NULL,
    PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS polls_by_conversation ON polls (conversation);
CREATE INDEX IF NOT EXISTS polls_by_age ON polls (created_at);
