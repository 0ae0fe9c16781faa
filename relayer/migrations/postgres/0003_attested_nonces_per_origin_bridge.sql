-- Protocol v2 (docs/protocol.md, "Replay: what identifies a delivery"): a validator signs one
-- message per (origin domain, origin bridge, nonce), not per (origin domain, nonce): a
-- redeployed origin bridge numbers its messages from 0 again, and its messages must not be
-- refused as equivocations of the old bridge's. The origin bridge joins the key; rows written
-- before (protocol v1, whose signatures no v2 bridge accepts) keep their claims under the zero
-- bridge.
ALTER TABLE attested_nonces ADD COLUMN origin_bridge BYTEA NOT NULL
    DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
ALTER TABLE attested_nonces ALTER COLUMN origin_bridge DROP DEFAULT;
ALTER TABLE attested_nonces DROP CONSTRAINT attested_nonces_pkey;
ALTER TABLE attested_nonces ADD PRIMARY KEY (origin, origin_bridge, nonce, signer);
