-- The app's installations in chat workspaces (Slack's OAuth flow): what the adapter keeps of
-- each (its tokens encrypted by the adapter before they get here).
CREATE TABLE installations (
    platform     TEXT COLLATE "C" NOT NULL,
    workspace    TEXT COLLATE "C" NOT NULL,
    data         TEXT NOT NULL,
    installed_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, workspace)
);
