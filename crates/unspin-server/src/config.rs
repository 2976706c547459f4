//! Command-line arguments of `unspin serve` and the settings they turn into.

use std::time::Duration;

/// `unspin serve` arguments.
#[derive(Clone, Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address in use is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Largest request body accepted, in bytes or with a unit (500KB, 1MiB, 2M).
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Longest a request may take, body upload and queueing included (30s, 500ms, 2m).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Longest a client may take to send a request's headers before the connection is closed.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Texts checked at once (0: one per CPU core).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Requests that may wait for a worker; past that the server answers 503 at once.
    #[arg(long, default_value_t = 128)]
    pub max_queue: usize,
    /// Open connections at most. At the cap, a new client makes the oldest connection without a
    /// request in progress (idle, or still sending its headers) close; requests in progress
    /// finish.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
}

/// Server settings, as [`ServeArgs`] gives them (or as a program embedding the server sets them).
#[derive(Clone, Debug)]
pub struct Config {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Deadline of a whole request, from its headers to its response.
    pub timeout: Duration,
    /// Deadline for a client to send its request headers.
    pub header_timeout: Duration,
    /// Checks run at once (at least 1).
    pub workers: usize,
    /// Requests that may wait for a worker.
    pub max_queue: usize,
    /// Open connections at most (at least 1); see [`crate::serve`].
    pub max_connections: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_body: 1 << 20,
            timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            workers: default_workers(),
            max_queue: 128,
            max_connections: 1024,
        }
    }
}

impl From<&ServeArgs> for Config {
    fn from(a: &ServeArgs) -> Config {
        Config {
            max_body: a.max_body,
            timeout: a.timeout,
            header_timeout: a.header_timeout,
            workers: if a.workers == 0 {
                default_workers()
            } else {
                a.workers
            },
            max_queue: a.max_queue,
            max_connections: a.max_connections.max(1),
        }
    }
}

/// One worker per core: checking is CPU-bound, so more would only queue inside the OS.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Parses a size in bytes: `1048576`, `500KB` (10^3), `1MiB` (2^20), `2M`, `64k`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (try 1MiB, 500KB or 1048576)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "unknown size unit {u:?} in {s:?} (use B, KB, KiB, MB, MiB)"
            ))
        }
    };
    let v = n * mult;
    if !(1.0..=usize::MAX as f64).contains(&v) {
        return Err(format!("size {s:?} is out of range"));
    }
    Ok(v as usize)
}

/// Parses a duration: `30` or `30s` (seconds), `500ms`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 30s, 500ms or 2m)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1e3,
        "m" | "min" => n * 60.0,
        u => {
            return Err(format!(
                "unknown duration unit {u:?} in {s:?} (use ms, s, m)"
            ))
        }
    };
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("duration {s:?} must be above 0 and at most a day"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("1 MB"), Ok(1_000_000));
        assert_eq!(parse_size("64k"), Ok(64_000));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert!(parse_size("").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
