-- Protocol v2 (docs/protocol.md, "Replay: what identifies a delivery"): a validator signs one
-- message per (origin domain, origin bridge, nonce), not per (origin domain, nonce): a
-- redeployed origin bridge numbers its messages from 0 again, and its messages must not be
-- refused as equivocations of the old bridge's. The table is rebuilt with the origin bridge in
-- its key; rows written before (protocol v1, whose signatures no v2 bridge accepts) keep their
-- claims under the zero bridge.
CREATE TABLE attested_nonces_v2 (
    origin BIGINT NOT NULL,
    origin_bridge BLOB NOT NULL,
    nonce BIGINT NOT NULL,
    signer BLOB NOT NULL,
    message_id BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (origin, origin_bridge, nonce, signer)
);
INSERT INTO attested_nonces_v2 (origin, origin_bridge, nonce, signer, message_id, created_at)
    SELECT origin, zeroblob(32), nonce, signer, message_id, created_at FROM attested_nonces;
DROP TABLE attested_nonces;
ALTER TABLE attested_nonces_v2 RENAME TO attested_nonces;
