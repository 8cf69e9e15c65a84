-- Conversation memory's bookkeeping: when each conversation last had a turn, so that any
-- replica can forget the ones idle past memory.retention_days. The memory itself is in
-- LangGraph's PostgresSaver tables (checkpoints, checkpoint_blobs, checkpoint_writes),
-- which the saver creates and migrates itself (checkpoint_migrations).
CREATE TABLE conversations (
    id           TEXT COLLATE "C" PRIMARY KEY,
    last_turn_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX conversations_by_last_turn ON conversations (last_turn_at);
