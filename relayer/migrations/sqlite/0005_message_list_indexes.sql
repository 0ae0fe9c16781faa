-- Every query of the API and the metrics scrape served by an index (relayer/src/store/list.rs):
-- GET /v1/messages pages in key order (origin, nonce, id; descending) after a cursor, with an
-- optional filter on state, sender or destination, so each filter column leads an index that
-- continues with the key: a page reads its rows and no others however long the history. The
-- scrape's queue depths (every state but delivered and cancelled) read the state index.
-- The three single-purpose indexes of 0001 are prefixes of these and go.
DROP INDEX messages_origin_nonce;
DROP INDEX messages_sender;
DROP INDEX messages_state;
CREATE INDEX messages_key ON messages (origin, nonce, id);
CREATE INDEX messages_state_key ON messages (state, origin, nonce, id);
CREATE INDEX messages_sender_key ON messages (sender, origin, nonce, id);
CREATE INDEX messages_destination_key ON messages (destination, origin, nonce, id);
