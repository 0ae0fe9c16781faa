//! Installs the `tracing` subscriber of the `trestle relayer` commands: human-readable or
//! JSON lines on stderr, filtered by `RUST_LOG` or the configured level.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// alloy's WebSocket transport logs every dropped connection at ERROR level, four lines each
/// time, although nothing failed: the new-head watcher (`trestle_evm::heads`) logs the drop
/// once itself and reconnects. These targets are silenced unless the filter names `alloy`.
/// And alloy's HTTP transport names the full endpoint URL (API key included) in its debug spans.
const QUIET: [&str; 3] = [
    "alloy_pubsub=off",
    "alloy_transport_ws=off",
    "alloy_transport_http=info",
];

/// Installs the global subscriber once; later calls do nothing.
///
/// Human logs are coloured only when stderr is a terminal: redirected to a file, a pipe or
/// the journal they carry no ANSI escape codes.
pub fn init(config: &LogConfig) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(config, std::env::var("RUST_LOG").ok()))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

/// `rust_log` if it is a valid filter, else the configured level, else `info`; plus [`QUIET`]
/// unless the filter in use names an alloy target.
fn filter(config: &LogConfig, rust_log: Option<String>) -> EnvFilter {
    let spec = rust_log
        .filter(|s| EnvFilter::try_new(s).is_ok())
        .or_else(|| Some(config.level.clone()).filter(|s| EnvFilter::try_new(s).is_ok()))
        .unwrap_or_else(|| "info".to_owned());
    let mut filter = EnvFilter::new(&spec);
    if !spec.contains("alloy") {
        for directive in QUIET {
            if let Ok(d) = directive.parse() {
                filter = filter.add_directive(d);
            }
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(level: &str, rust_log: Option<&str>) -> String {
        let config = LogConfig {
            level: level.into(),
            ..LogConfig::default()
        };
        filter(&config, rust_log.map(str::to_owned)).to_string()
    }

    #[test]
    fn alloy_websocket_noise_is_off_unless_asked_for() {
        let f = shown("info", None);
        assert!(
            f.contains("alloy_pubsub=off") && f.contains("alloy_transport_ws=off"),
            "{f}"
        );
        assert!(f.contains("info"), "{f}");
        assert!(shown("debug", None).contains("alloy_pubsub=off"));
        // Naming alloy (in the file or in RUST_LOG) shows whatever was asked for.
        let f = shown("info,alloy_pubsub=debug", None);
        assert!(
            f.contains("alloy_pubsub=debug") && !f.contains("=off"),
            "{f}"
        );
        let f = shown("info", Some("alloy_transport_ws=trace"));
        assert!(!f.contains("=off"), "{f}");
        // RUST_LOG wins over the file; an invalid one falls back to the file's level.
        assert!(shown("info", Some("warn")).contains("warn"));
        let f = shown("trestle_relayer=debug", Some("[[not a filter"));
        assert!(f.contains("trestle_relayer=debug"), "{f}");
    }
}
