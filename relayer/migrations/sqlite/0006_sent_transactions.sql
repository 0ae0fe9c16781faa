-- Every transaction the relayer's EVM senders sign, written before it is broadcast (the send
-- journal): first sends of any kind (deliveries, executeQueued), fee-bump replacements and
-- cancellations. Whatever holds one of the relayer's nonces is therefore known, even a
-- transaction whose broadcast had no answer or whose process stopped right after sending it,
-- and a stuck one is replaced (relayer/src/relay/unstick.rs). `replaces` is the hash of the
-- transaction of the same nonce it replaces, when it replaces one.
CREATE TABLE sent_transactions (
    tx_hash BLOB PRIMARY KEY,
    chain BIGINT NOT NULL,
    sender BLOB NOT NULL,
    nonce BIGINT NOT NULL,
    raw BLOB NOT NULL,
    replaces BLOB,
    created_at BIGINT NOT NULL
);
CREATE INDEX sent_transactions_nonce ON sent_transactions (chain, sender, nonce, created_at);
