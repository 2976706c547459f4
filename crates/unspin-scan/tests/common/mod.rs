//! `unspin scan` in a child process of the test binary itself, for the tests that kill it or
//! measure its memory: the child re-runs the binary with only its `child_scan` test, which
//! calls [`run_child_scan`].

use std::process::Command;
use unspin_core::Detector;
use unspin_scan::ScanArgs;

/// In a child started by [`child`], runs the scan its arguments describe and exits with the
/// scan's code; anywhere else, returns at once. With `report_peak`, the child's peak memory is
/// printed on standard error as `child VmHWM: N kB` (see [`hwm_kib`]).
pub fn run_child_scan(det: &Detector, report_peak: bool) {
    let Ok(a) = std::env::var("UNSPIN_SCAN_CHILD") else {
        return;
    };
    let argv: Vec<String> = serde_json::from_str(&a).unwrap();
    let args = ScanArgs::try_parse_from(argv).unwrap();
    let code = match unspin_scan::run(&args, det) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("unspin scan: {e}");
            2
        }
    };
    if report_peak {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(l) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!("child {l}");
        }
    }
    std::process::exit(code);
}

/// A command that runs `unspin scan argv...` in a child process (argv without the `scan`).
pub fn child(argv: &[String]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "child_scan",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env("UNSPIN_SCAN_CHILD", serde_json::to_string(argv).unwrap());
    c
}

/// Peak resident memory in KiB, from the `child VmHWM:` line of a child's standard error.
#[allow(dead_code)] // used by one of the two test binaries
pub fn hwm_kib(stderr: &str) -> u64 {
    let l = stderr
        .lines()
        .find_map(|l| l.strip_prefix("child VmHWM:"))
        .unwrap_or_else(|| panic!("no VmHWM: {stderr}"));
    l.trim().trim_end_matches("kB").trim().parse().unwrap()
}
