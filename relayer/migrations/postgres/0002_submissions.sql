-- Every version of a destination transaction: the first one's hash is the root that messages
-- record in messages.tx_hash; fee-bump replacements share it, so confirmation checks them all.
CREATE TABLE submissions (
    tx_hash BYTEA PRIMARY KEY,
    root BYTEA NOT NULL,
    destination BIGINT NOT NULL,
    raw BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX submissions_root ON submissions (root, created_at);
