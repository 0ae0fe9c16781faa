-- Delivery fees (docs/protocol.md, "Delivery fees"): every GasPaid event of an origin bridge,
-- at a send or a top-up. A message's payment is the sum of its rows. Amounts are decimal text
-- (wei and lamports exceed 64 bits); a reorg deletes the rows above the block it rolls back to.
CREATE TABLE gas_payments (
    origin BIGINT NOT NULL,
    origin_tx BYTEA NOT NULL,
    log_index BIGINT NOT NULL,
    message_id BYTEA NOT NULL,
    destination BIGINT NOT NULL,
    amount TEXT NOT NULL,
    origin_height BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (origin, origin_tx, log_index)
);
CREATE INDEX gas_payments_message ON gas_payments (message_id);
CREATE INDEX gas_payments_height ON gas_payments (origin, origin_height);
