//! Reading messages in pages (`GET /v1/messages`, `trestle relayer messages list`) and the
//! queue depths of the metrics scrape: the queries the API runs, each served by an index
//! (migration 0005) so that its cost does not grow with the history the store keeps.
//!
//! A page is in key order: origin, nonce and id, all descending (the id tells apart two
//! messages of one nonce on a domain whose bridge was redeployed). The next page starts after
//! the last key of this one ([`ListCursor`]), so a walk through every page sees each message
//! once, with no gap, whatever is inserted meanwhile (a message inserted behind the cursor
//! is simply not in this walk).

use std::fmt;

use super::records::{self, MessageRow};
use super::{MESSAGE_COLUMNS, Pool, Store, i64_of};
use crate::error::{Error, Result};
use crate::store::{ListFilter, MessageRecord, MessageState, StateCount};

/// Where a page of [`Store::list_page`] starts: after the message with this key. Its text
/// form ([`ListCursor::parse`], `Display`) is `ORIGIN:NONCE:0xID` (what [`MessagePage::next`]
/// gives; `ORIGIN:NONCE` starts after every message of that nonce).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    /// Origin domain.
    pub origin: u32,
    /// Nonce.
    pub nonce: u64,
    /// Message id; `None`: after every message of `(origin, nonce)`.
    pub id: Option<[u8; 32]>,
}

impl ListCursor {
    /// The cursor just after `record`.
    pub fn after(record: &MessageRecord) -> Self {
        ListCursor {
            origin: record.origin,
            nonce: record.nonce,
            id: Some(record.id),
        }
    }
}

impl fmt::Display for ListCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.origin, self.nonce)?;
        if let Some(id) = &self.id {
            write!(f, ":0x{}", hex::encode(id))?;
        }
        Ok(())
    }
}

impl ListCursor {
    /// Parses `ORIGIN:NONCE` or `ORIGIN:NONCE:0xID` (64 hex digits); `None` for anything
    /// else.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(':');
        let origin = parts.next()?.parse().ok()?;
        let nonce = parts.next()?.parse().ok()?;
        let id = match parts.next() {
            None => None,
            Some(id) => {
                let bytes = hex::decode(id.strip_prefix("0x").unwrap_or(id)).ok()?;
                Some(<[u8; 32]>::try_from(bytes.as_slice()).ok()?)
            }
        };
        if parts.next().is_some() {
            return None;
        }
        Some(ListCursor { origin, nonce, id })
    }
}

/// One page of [`Store::list_page`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    /// The messages, in key order (origin, nonce, id; descending).
    pub messages: Vec<MessageRecord>,
    /// Where the next page starts; `None` when this is the last.
    pub next: Option<ListCursor>,
}

/// The most messages a page holds; [`ListFilter::limit`] defaults to 100.
pub const MAX_PAGE: u32 = 1_000;

/// Whether the metrics scrape counts messages in `state` ([`Store::counts`]): all but
/// `delivered` and `cancelled`, and a validator-only daemon's `signed`, which only grow.
fn in_queue(state: MessageState) -> bool {
    !matches!(
        state,
        MessageState::Delivered | MessageState::Cancelled | MessageState::Signed
    )
}

impl Store {
    /// Messages matching `filter`, newest nonces first (in key order: origin, nonce, id,
    /// descending), at most `filter.limit` (default 100, at most [`MAX_PAGE`]). The first page
    /// of [`Store::list_page`].
    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<MessageRecord>> {
        Ok(self.list_page(filter, None).await?.messages)
    }

    /// A page of the messages matching `filter`: those after `after` (from the first when
    /// `None`), in key order, at most `filter.limit` (default 100, at most [`MAX_PAGE`]), and
    /// where the next page starts if there are more.
    pub async fn list_page(
        &self,
        filter: &ListFilter,
        after: Option<&ListCursor>,
    ) -> Result<MessagePage> {
        let mut clauses: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.state.is_some() {
            clauses.push(format!("state = {}", next()));
        }
        if filter.sender.is_some() {
            clauses.push(format!("sender = {}", next()));
        }
        if filter.origin.is_some() {
            clauses.push(format!("origin = {}", next()));
        }
        if filter.destination.is_some() {
            clauses.push(format!("destination = {}", next()));
        }
        if after.is_some() {
            // A row-value comparison: both SQLite and PostgreSQL read it as a range of the
            // (filter column, origin, nonce, id) index.
            let (o, n, i) = (next(), next(), next());
            clauses.push(format!("(origin, nonce, id) < ({o}, {n}, {i})"));
        }
        let limit_param = next();
        let where_clause = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages {where_clause} \
             ORDER BY origin DESC, nonce DESC, id DESC LIMIT {limit_param}"
        );
        let limit = filter.limit.unwrap_or(100).clamp(1, MAX_PAGE);
        let after = after
            .map(|c| {
                // No id: after every id of the nonce (the empty byte string sorts first).
                let id = c.id.map_or_else(Vec::new, |id| id.to_vec());
                Ok::<_, Error>((i64::from(c.origin), i64_of(c.nonce, "after's nonce")?, id))
            })
            .transpose()?;
        // One more than the page: whether there is a next one.
        let fetch = i64::from(limit) + 1;
        let rows: Vec<MessageRow> = dispatch!(self, p => {
            let mut q = sqlx::query_as(&sql);
            if let Some(state) = filter.state {
                q = q.bind(state.as_str());
            }
            if let Some(sender) = &filter.sender {
                q = q.bind(sender.to_vec());
            }
            if let Some(origin) = filter.origin {
                q = q.bind(i64::from(origin));
            }
            if let Some(destination) = filter.destination {
                q = q.bind(i64::from(destination));
            }
            if let Some((origin, nonce, id)) = &after {
                q = q.bind(*origin).bind(*nonce).bind(id.clone());
            }
            q.bind(fetch).fetch_all(p).await?
        });
        let mut messages = rows
            .into_iter()
            .map(MessageRow::into_record)
            .collect::<Result<Vec<_>>>()?;
        let more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        let next = if more {
            messages.last().map(ListCursor::after)
        } else {
            None
        };
        Ok(MessagePage { messages, next })
    }

    /// How many messages each destination has in each state that is still work or waits for
    /// an operator: every state but `delivered` and `cancelled`, which only grow (the metrics
    /// scrape reads the queue, not the history; an index on state serves it).
    pub async fn counts(&self) -> Result<Vec<StateCount>> {
        let states = MessageState::ALL
            .into_iter()
            .filter(|s| in_queue(*s))
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT destination, state, COUNT(*) FROM messages WHERE state IN ({states}) \
             GROUP BY destination, state ORDER BY destination, state"
        );
        let rows: Vec<(i64, String, i64)> = dispatch!(self, p => {
            sqlx::query_as(&sql).fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(destination, state, count)| {
                Ok(StateCount {
                    destination: records::u32_of(destination, "messages.destination")?,
                    state: MessageState::parse(&state)?,
                    count: records::u64_of(count, "count")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_writes_and_refuses_the_rest() {
        let full = ListCursor {
            origin: 7,
            nonce: 42,
            id: Some([0xab; 32]),
        };
        assert_eq!(ListCursor::parse(&full.to_string()), Some(full));
        let short = ListCursor::parse("7:42").unwrap();
        assert_eq!(short.id, None);
        assert_eq!(short.to_string(), "7:42");
        for bad in [
            "",
            "7",
            "x:1",
            "7:-1",
            "7:1:0x12",
            &format!("7:1:0x{}:9", "ab".repeat(32)),
            "4294967296:1",
        ] {
            assert_eq!(ListCursor::parse(bad), None, "{bad}");
        }
    }
}
