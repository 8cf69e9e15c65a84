-- Which servers may link their members to a catalog user (bot/core.py link): granted by an
-- operator's link or creation there. Catalog users are shared by every server, so an admin of
-- one may not take over a user another server was given. Links made before grants existed
-- grant their server.
CREATE TABLE catalog_user_grants (
    user_id    TEXT COLLATE "C" NOT NULL,
    platform   TEXT COLLATE "C" NOT NULL,
    workspace  TEXT COLLATE "C" NOT NULL,
    granted_at DOUBLE PRECISION NOT NULL,
    granted_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, platform, workspace)
);

INSERT INTO catalog_user_grants
    SELECT DISTINCT ON (catalog_user_id, platform, workspace) catalog_user_id, platform, workspace, linked_at, 'an earlier link'
    FROM identity_links ORDER BY catalog_user_id, platform, workspace, linked_at;
