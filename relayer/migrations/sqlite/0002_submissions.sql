-- Every version of a destination transaction: the first one's hash is the root that messages
-- record in messages.tx_hash; fee-bump replacements share it, so confirmation checks them all.
CREATE TABLE submissions (
    tx_hash BLOB PRIMARY KEY,
    root BLOB NOT NULL,
    destination BIGINT NOT NULL,
    raw BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX submissions_root ON submissions (root, created_at);
