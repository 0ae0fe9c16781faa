//! Endpoint URLs without their secrets, for logs, errors and anything a daemon serves.
//!
//! RPC providers put API keys in every part of a URL but the host: user info
//! (`https://user:key@…`), the path (Infura's `/v3/KEY`, Alchemy's `/v2/KEY`, QuickNode's
//! `/TOKEN/`), the query (`?api-key=KEY`, Helius) and, rarely, the fragment. A redacted URL
//! keeps the scheme, host and port, and marks what was dropped: `https://mainnet.infura.io/…`.
//!
//! [`scrub_urls`] applies that to every URL inside a text: HTTP client errors name the URL they
//! failed on ("error sending request for url (https://…/v3/KEY)"), and a provider may echo it
//! in an error body. Every error text that reaches a log, a store or an API answer from an RPC
//! layer goes through it.

/// `url` with only its scheme, host and port; a dropped path shows as `/…`, a dropped query or
/// fragment as `?…`. Text without `://` is treated as `host[:port][/path]`.
///
/// ```
/// use trestle_core::redact::redact_url;
/// assert_eq!(
///     redact_url("https://user:pw@eth.example:8443/v3/KEY?token=T#x"),
///     "https://eth.example:8443/…?…"
/// );
/// assert_eq!(redact_url("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
/// ```
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (location, tail) = rest.split_at(end);
    let (authority, path) = location.split_at(location.find('/').unwrap_or(location.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let mut out = String::with_capacity(url.len().min(host.len() + 16));
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(host);
    if path.len() > 1 {
        out.push_str("/…");
    }
    if !tail.is_empty() {
        out.push_str("?…");
    }
    out
}

/// `text` with every URL in it (`scheme://…`, up to the first space, quote, angle bracket or
/// backslash) replaced by its [`redact_url`] form.
///
/// ```
/// use trestle_core::redact::scrub_urls;
/// assert_eq!(
///     scrub_urls("error sending request for url (https://x.example/v3/KEY): refused"),
///     "error sending request for url (https://x.example/…): refused"
/// );
/// ```
pub fn scrub_urls(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let marker = search + found;
        // The scheme: the letters, digits, `+`, `-` and `.` just before `://`.
        let mut start = marker;
        while start > copied
            && bytes
                .get(start - 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
        {
            start -= 1;
        }
        // The URL runs to the first space, quote, angle bracket or backslash: everything a
        // query may hold unencoded (`|`, `,`, `[`, `]`, `{`, `}`) stays inside it, and a
        // bracketed IPv6 host too. A closing `)` right after it (a URL in parentheses) is
        // text again, unless the URL opened one itself.
        let mut end = text[marker..]
            .find(|c: char| c.is_whitespace() || "\"'`<>\\".contains(c))
            .map_or(text.len(), |n| marker + n);
        while end > marker + 3 {
            let url = &text[start..end];
            let closing = url.ends_with(')') && url.matches('(').count() < url.matches(')').count();
            if closing || url.ends_with([',', '.', ';', ':']) {
                end -= 1;
            } else {
                break;
            }
        }
        out.push_str(&text[copied..start]);
        out.push_str(&redact_url(&text[start..end]));
        copied = end;
        search = end.max(marker + 3);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_place_a_provider_puts_a_key_is_dropped() {
        for (url, redacted) in [
            (
                "https://mainnet.infura.io/v3/0123abcd",
                "https://mainnet.infura.io/…",
            ),
            (
                "https://eth-mainnet.g.alchemy.com/v2/KEY/",
                "https://eth-mainnet.g.alchemy.com/…",
            ),
            (
                "https://rpc.helius.xyz/?api-key=KEY",
                "https://rpc.helius.xyz?…",
            ),
            ("https://user:KEY@rpc.example", "https://rpc.example"),
            (
                "wss://x.example:8546/ws/KEY#frag",
                "wss://x.example:8546/…?…",
            ),
            ("http://127.0.0.1:8545/", "http://127.0.0.1:8545"),
            ("postgres://u:pw@db:5432/trestle", "postgres://db:5432/…"),
            ("localhost:8899/KEY", "localhost:8899/…"),
            ("", ""),
        ] {
            assert_eq!(redact_url(url), redacted, "{url}");
        }
    }

    #[test]
    fn urls_inside_text_are_redacted_and_the_rest_kept() {
        assert_eq!(
            scrub_urls(
                "eth_call: error sending request for url (https://a.example/v3/K1?x=K2): \
                 HTTP 401 \"see https://b.example/K3\", then wss://u:K4@c.example"
            ),
            "eth_call: error sending request for url (https://a.example/…?…): \
             HTTP 401 \"see https://b.example/…\", then wss://c.example"
        );
        assert_eq!(scrub_urls("no url here: a://"), "no url here: a://");
        // Characters a query may hold unencoded, and an IPv6 host, do not end the URL early.
        assert_eq!(
            scrub_urls("at http://[::1]:8545/v3/K1, then https://h/?key=a|K2,b[K3]{K4}."),
            "at http://[::1]:8545/…, then https://h?…."
        );
        assert_eq!(scrub_urls("(see http://h/K5)"), "(see http://h/…)");
        assert_eq!(scrub_urls("://K at the start"), "://K at the start");
        assert_eq!(scrub_urls("é http://h/K é"), "é http://h/… é");
    }

    proptest! {
        #[test]
        fn a_secret_in_any_part_of_any_url_never_survives(
            prefix in "[ -~]{0,20}",
            host in "[a-z0-9.-]{1,20}",
            secret in "[A-Za-z0-9]{12,32}",
            part in 0usize..4,
            suffix in "( [ -~]{0,20})?",
        ) {
            let url = match part {
                0 => format!("https://{secret}@{host}"),
                1 => format!("https://{host}/v3/{secret}"),
                2 => format!("https://{host}?key={secret}"),
                _ => format!("https://{host}/#{secret}"),
            };
            prop_assume!(!prefix.contains(&secret) && !suffix.contains(&secret));
            let scrubbed = scrub_urls(&format!("{prefix} {url}{suffix}"));
            prop_assert!(!scrubbed.contains(&secret), "{scrubbed}");
            prop_assert!(scrubbed.contains(&host));
        }
    }
}
