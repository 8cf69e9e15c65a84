-- The history store's tables, as on SQLite. Ids compare byte by byte (COLLATE "C"), so
-- lists of users sort as they do on SQLite whatever the database's locale.
CREATE TABLE interactions (
    user_id   TEXT COLLATE "C" NOT NULL,
    item_id   TEXT COLLATE "C" NOT NULL,
    rating    DOUBLE PRECISION,
    timestamp BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, item_id)
);

CREATE TABLE feedback (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL,
    item_id    TEXT COLLATE "C" NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('liked', 'disliked', 'rated', 'seen')),
    rating     DOUBLE PRECISION,
    created_at DOUBLE PRECISION NOT NULL,
    source     TEXT NOT NULL DEFAULT ''
);
-- A user's history reads by user_id; record_feedback reads the latest of one (user, item).
CREATE INDEX feedback_by_user_item ON feedback (user_id, item_id, id);

CREATE TABLE identity_links (
    platform         TEXT COLLATE "C" NOT NULL,
    workspace        TEXT COLLATE "C" NOT NULL,
    platform_user_id TEXT COLLATE "C" NOT NULL,
    catalog_user_id  TEXT COLLATE "C" NOT NULL,
    linked_at        DOUBLE PRECISION NOT NULL,
    linked_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, platform_user_id)
);

-- Catalog users an operator created (for people with no imported history); a link may
-- point only at these or at users of the imported interactions.
CREATE TABLE catalog_users (
    user_id    TEXT COLLATE "C" PRIMARY KEY,
    created_at DOUBLE PRECISION NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
