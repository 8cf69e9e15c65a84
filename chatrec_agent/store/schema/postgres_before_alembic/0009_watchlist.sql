-- Films a person saved to watch later (the card's Save button, "add it to my list"); a film
-- they then watched, rated or judged leaves the list (store/history.py record_feedback).
CREATE TABLE watchlist (
    user_id  TEXT COLLATE "C" NOT NULL,
    item_id  TEXT COLLATE "C" NOT NULL,
    saved_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, item_id)
);
