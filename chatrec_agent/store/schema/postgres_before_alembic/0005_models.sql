-- Fitted models that every replica loads (store/postgres_models.py): a JSON header per name,
-- and the .npz arrays in chunks, because one bytea value stops at 1 GB and a large catalog's
-- item-item matrix can pass that.
CREATE TABLE models (
    name     TEXT COLLATE "C" PRIMARY KEY,
    header   BYTEA NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE model_chunks (
    name TEXT COLLATE "C" NOT NULL REFERENCES models (name) ON DELETE CASCADE,
    seq  INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (name, seq)
);
