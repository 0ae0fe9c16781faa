-- Trestle relayer store, version 1 (PostgreSQL). Integers are 64-bit, hashes and addresses raw
-- bytes, times Unix milliseconds. The SQLite migration of the same number has the same
-- tables and columns.

-- Indexer cursors: every block up to (height, hash) of a chain has been read.
CREATE TABLE cursors (
    chain TEXT PRIMARY KEY,
    height BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Messages seen on an origin chain, and where each is in the delivery pipeline.
CREATE TABLE messages (
    id BYTEA PRIMARY KEY,
    origin BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    destination BIGINT NOT NULL,
    sender BYTEA NOT NULL,
    recipient BYTEA NOT NULL,
    encoded BYTEA NOT NULL,
    origin_height BIGINT NOT NULL,
    origin_block_hash BYTEA NOT NULL,
    origin_tx BYTEA NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    tx_hash BYTEA,
    claimed_by TEXT,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX messages_work ON messages (destination, state, next_attempt_at);
CREATE INDEX messages_origin_nonce ON messages (origin, nonce);
CREATE INDEX messages_sender ON messages (sender);
CREATE INDEX messages_state ON messages (state);

-- Signatures the relayer collected from validators.
CREATE TABLE signatures (
    message_id BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    signer BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, epoch, signer)
);

-- What this validator signed: one message per (origin, nonce, signer), ever.
CREATE TABLE attested_nonces (
    origin BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    signer BYTEA NOT NULL,
    message_id BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (origin, nonce, signer)
);

-- The attestations this validator signed (a message may be signed for several epochs).
CREATE TABLE attestations (
    message_id BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    signer BYTEA NOT NULL,
    origin BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    destination BIGINT NOT NULL,
    signature BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, epoch, signer)
);
