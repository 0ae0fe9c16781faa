//! Memory of a process from `/proc/<pid>/status` (Linux): resident set size now (`VmRSS`) and
//! its high-water mark (`VmHWM`).

use anyhow::{Context, Result, anyhow};

/// Resident memory of a process, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rss {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the most it was ever resident.
    pub hwm_kib: u64,
}

/// Reads `VmRSS` and `VmHWM` of `pid`.
pub fn read(pid: u32) -> Result<Rss> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse(&text).ok_or_else(|| anyhow!("{path} has no VmRSS/VmHWM lines"))
}

fn parse(status: &str) -> Option<Rss> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
    };
    Some(Rss {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let s = "Name:\ttrestle\nVmPeak:\t  900 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   48000 kB\n";
        assert_eq!(
            parse(s),
            Some(Rss {
                rss_kib: 48_000,
                hwm_kib: 51_234
            })
        );
        assert_eq!(parse("Name: x\n"), None);
    }

    #[test]
    fn reads_own_process() {
        let me = read(std::process::id()).unwrap();
        assert!(me.rss_kib > 0 && me.hwm_kib >= me.rss_kib);
    }
}
