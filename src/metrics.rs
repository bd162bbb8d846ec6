//! Counters for `GET /metrics`, in the Prometheus text format (0.0.4).
//!
//! Every counter is a relaxed atomic in a fixed table: recording costs a few
//! uncontended increments on the request path and never takes a lock.
//! Requests are counted by route slot; which route a slot is, and its
//! label, is the application's to say (`api::routes`). Refusals are
//! counted by [`Refusal`], one counter each (`jwtd_refusals_total`);
//! `jwtd_tokens_rejected_total` adds up those of tokens and bearer headers.
//! Gauges that live elsewhere (token table sizes, memory, descriptors) are
//! read when scraped.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::refusal::Refusal;

/// Requests are counted in this many route slots. The application numbers
/// its routes from 0 and names the slots when the counters are rendered.
pub const ROUTE_SLOTS: usize = 16;

/// Status codes counted individually; anything else is counted as "other".
const STATUSES: [u16; 21] = [
    200, 201, 204, 301, 400, 401, 403, 404, 405, 408, 411, 413, 414, 415, 417, 429, 431, 500, 503,
    505, 0,
];

/// Latency bucket bounds in microseconds: 0.1 ms to 2.5 s.
const BUCKETS_US: [u64; 14] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000,
];

/// `jwtd_tokens_rejected_total`, the refusals of a token or a bearer
/// header: each of its reasons and the [`Refusal`]s it adds up.
const TOKEN_REJECTIONS: [(&str, &[Refusal]); 13] = [
    (
        "invalid",
        &[
            Refusal::Invalid,
            Refusal::BadSignature,
            Refusal::WrongAlgorithm,
            Refusal::UnknownKey,
            Refusal::NotYetValid,
            Refusal::WrongIssuer,
            Refusal::WrongAudience,
        ],
    ),
    ("expired", &[Refusal::Expired]),
    ("no_type", &[Refusal::NoType]),
    ("wrong_type", &[Refusal::WrongType]),
    ("no_id", &[Refusal::NoId]),
    ("no_exp", &[Refusal::NoExp]),
    (
        "blacklisted",
        &[
            Refusal::Blacklisted,
            Refusal::Reuse,
            Refusal::ReuseWithinGrace,
        ],
    ),
    ("revoked", &[Refusal::Revoked]),
    ("bad_header", &[Refusal::BadHeader]),
    ("no_user_id", &[Refusal::NoUserId]),
    ("user_not_found", &[Refusal::UserNotFound]),
    ("user_inactive", &[Refusal::UserInactive]),
    ("password_changed", &[Refusal::PasswordChanged]),
];

#[derive(Default)]
struct Latency {
    buckets: [AtomicU64; BUCKETS_US.len()],
    sum_us: AtomicU64,
    count: AtomicU64,
}

/// All counters.
pub struct Metrics {
    requests: [[AtomicU64; STATUSES.len()]; ROUTE_SLOTS],
    latency: [Latency; ROUTE_SLOTS],
    logins: [AtomicU64; 3],
    refreshes: AtomicU64,
    refusals: [AtomicU64; Refusal::COUNT],
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            requests: Default::default(),
            latency: Default::default(),
            logins: Default::default(),
            refreshes: AtomicU64::new(0),
            refusals: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Gauges read at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Rows of issued refresh tokens.
    pub issued: Option<u64>,
    /// Rows of the blacklist.
    pub blacklisted: Option<u64>,
    /// Spent refresh tokens presented again.
    pub reuse: u64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    /// Counts one request answered with `status` in route slot `slot`
    /// (one beyond [`ROUTE_SLOTS`] is not counted).
    pub fn request(&self, slot: usize, status: u16, took: Duration) {
        let (Some(requests), Some(latency)) = (self.requests.get(slot), self.latency.get(slot))
        else {
            return;
        };
        let s = STATUSES
            .iter()
            .position(|x| *x == status)
            .unwrap_or(STATUSES.len() - 1);
        bump(&requests[s]);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        if let Some(b) = BUCKETS_US.iter().position(|bound| us <= *bound) {
            bump(&latency.buckets[b]);
        }
        latency.sum_us.fetch_add(us, Ordering::Relaxed);
        bump(&latency.count);
    }

    /// Counts a login answered with `status`: 200 a success, 401 a
    /// failure, 429 throttled; other answers are not logins.
    pub fn login(&self, status: u16) {
        match status {
            200 => bump(&self.logins[0]),
            401 => bump(&self.logins[1]),
            429 => bump(&self.logins[2]),
            _ => {}
        }
    }

    /// Counts a refresh answered with `status`: 200 is a refresh.
    pub fn refresh(&self, status: u16) {
        if status == 200 {
            bump(&self.refreshes);
        }
    }

    /// Counts a refused request (or connection) under its reason.
    pub fn refused(&self, reason: Refusal) {
        if let Some(counter) = self.refusals.get(reason.index()) {
            bump(counter);
        }
    }

    /// The exposition text. `routes` labels the route slots from 0;
    /// slots with the same label are one series, listed where the label
    /// first appears.
    pub fn render(&self, routes: &[&str], gauges: Gauges) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        // Each label with its slots, in order of first appearance.
        let mut series: Vec<(&str, Vec<usize>)> = Vec::with_capacity(routes.len());
        for (slot, label) in routes.iter().enumerate().take(ROUTE_SLOTS) {
            match series.iter_mut().find(|(seen, _)| seen == label) {
                Some((_, slots)) => slots.push(slot),
                None => series.push((label, vec![slot])),
            }
        }
        out.push_str("# HELP jwtd_http_requests_total Requests answered by the application, by route and status.\n");
        out.push_str("# TYPE jwtd_http_requests_total counter\n");
        for (label, slots) in &series {
            for (s, status) in STATUSES.iter().enumerate() {
                let n: u64 = slots.iter().map(|slot| get(&self.requests[*slot][s])).sum();
                if n > 0 {
                    let status = if *status == 0 {
                        "other".to_owned()
                    } else {
                        status.to_string()
                    };
                    let _ = writeln!(
                        out,
                        "jwtd_http_requests_total{{route=\"{label}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP jwtd_http_request_duration_seconds Time spent answering, by route.\n");
        out.push_str("# TYPE jwtd_http_request_duration_seconds histogram\n");
        for (label, slots) in &series {
            let latency = |read: &dyn Fn(&Latency) -> u64| -> u64 {
                slots.iter().map(|slot| read(&self.latency[*slot])).sum()
            };
            let count = latency(&|l| get(&l.count));
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (b, bound) in BUCKETS_US.iter().enumerate() {
                cumulative += latency(&|l| get(&l.buckets[b]));
                let le = *bound as f64 / 1e6;
                let _ = writeln!(out, "jwtd_http_request_duration_seconds_bucket{{route=\"{label}\",le=\"{le}\"}} {cumulative}");
            }
            let _ = writeln!(out, "jwtd_http_request_duration_seconds_bucket{{route=\"{label}\",le=\"+Inf\"}} {count}");
            let sum = latency(&|l| get(&l.sum_us)) as f64 / 1e6;
            let _ = writeln!(
                out,
                "jwtd_http_request_duration_seconds_sum{{route=\"{label}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "jwtd_http_request_duration_seconds_count{{route=\"{label}\"}} {count}"
            );
        }
        out.push_str("# HELP jwtd_logins_total Login attempts, by result.\n# TYPE jwtd_logins_total counter\n");
        for (result, count) in ["success", "failure", "throttled"].iter().zip(&self.logins) {
            let _ = writeln!(
                out,
                "jwtd_logins_total{{result=\"{result}\"}} {}",
                get(count)
            );
        }
        out.push_str("# HELP jwtd_refreshes_total Successful refreshes.\n# TYPE jwtd_refreshes_total counter\n");
        let _ = writeln!(out, "jwtd_refreshes_total {}", get(&self.refreshes));
        out.push_str("# HELP jwtd_refresh_reuse_total Spent refresh tokens presented again.\n# TYPE jwtd_refresh_reuse_total counter\n");
        let _ = writeln!(out, "jwtd_refresh_reuse_total {}", gauges.reuse);
        out.push_str("# HELP jwtd_refusals_total Requests and connections refused, by reason.\n# TYPE jwtd_refusals_total counter\n");
        for (reason, count) in Refusal::ALL.iter().zip(&self.refusals) {
            let _ = writeln!(
                out,
                "jwtd_refusals_total{{reason=\"{}\"}} {}",
                reason.label(),
                get(count)
            );
        }
        out.push_str(
            "# HELP jwtd_tokens_rejected_total Tokens and bearer headers refused, by reason.\n",
        );
        out.push_str("# TYPE jwtd_tokens_rejected_total counter\n");
        for (reason, refusals) in TOKEN_REJECTIONS {
            let n: u64 = refusals
                .iter()
                .filter_map(|r| self.refusals.get(r.index()))
                .map(get)
                .sum();
            let _ = writeln!(out, "jwtd_tokens_rejected_total{{reason=\"{reason}\"}} {n}");
        }
        if let Some(n) = gauges.blacklisted {
            out.push_str("# HELP jwtd_blacklisted_tokens Rows in the blacklist.\n# TYPE jwtd_blacklisted_tokens gauge\n");
            let _ = writeln!(out, "jwtd_blacklisted_tokens {n}");
        }
        if let Some(n) = gauges.issued {
            out.push_str("# HELP jwtd_issued_refresh_tokens Refresh tokens tracked, not yet expired or purged.\n# TYPE jwtd_issued_refresh_tokens gauge\n");
            let _ = writeln!(out, "jwtd_issued_refresh_tokens {n}");
        }
        process_gauges(&mut out);
        out
    }
}

/// Resident memory, open descriptors and threads of this process, from /proc.
fn process_gauges(out: &mut String) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    if let Some(kb) = field("VmRSS:") {
        out.push_str("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        let _ = writeln!(out, "process_resident_memory_bytes {}", kb * 1024);
    }
    if let Some(threads) = field("Threads:") {
        out.push_str(
            "# HELP process_threads Threads of the process.\n# TYPE process_threads gauge\n",
        );
        let _ = writeln!(out, "process_threads {threads}");
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        out.push_str(
            "# HELP process_open_fds Open file descriptors.\n# TYPE process_open_fds gauge\n",
        );
        let _ = writeln!(out, "process_open_fds {}", fds.count());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        // Slots 3 and 4 are one route in two slots (as the admin API's).
        const LABELS: [&str; 6] = ["obtain", "verify", "protected", "admin", "admin", "other"];
        let (obtain, protected, other) = (0, 2, 5);
        let m = Metrics::default();
        m.request(protected, 200, Duration::from_micros(80));
        m.request(protected, 200, Duration::from_micros(3000));
        m.request(protected, 401, Duration::from_micros(90));
        for (status, took) in [
            (401, Duration::from_millis(150)),
            (429, Duration::from_micros(10)),
        ] {
            m.request(obtain, status, took);
            m.login(status);
        }
        m.request(other, 418, Duration::from_micros(10));
        m.request(3, 200, Duration::from_micros(10));
        m.request(4, 200, Duration::from_micros(300));
        m.request(ROUTE_SLOTS, 200, Duration::from_micros(10));
        m.refused(Refusal::Expired);
        m.refused(Refusal::UnknownKey);
        m.refused(Refusal::BadSignature);
        m.refused(Refusal::Reuse);
        m.refused(Refusal::TooManyConnections);
        let text = m.render(
            &LABELS,
            Gauges {
                issued: Some(4),
                blacklisted: Some(2),
                reuse: 1,
            },
        );
        for line in [
            "jwtd_http_requests_total{route=\"protected\",status=\"200\"} 2",
            "jwtd_http_requests_total{route=\"protected\",status=\"401\"} 1",
            "jwtd_http_requests_total{route=\"other\",status=\"other\"} 1",
            "jwtd_http_request_duration_seconds_bucket{route=\"protected\",le=\"0.0001\"} 2",
            "jwtd_http_request_duration_seconds_bucket{route=\"protected\",le=\"0.0025\"} 2",
            "jwtd_http_request_duration_seconds_bucket{route=\"protected\",le=\"0.005\"} 3",
            "jwtd_http_request_duration_seconds_bucket{route=\"protected\",le=\"+Inf\"} 3",
            "jwtd_http_request_duration_seconds_count{route=\"protected\"} 3",
            "jwtd_logins_total{result=\"failure\"} 1",
            "jwtd_logins_total{result=\"throttled\"} 1",
            "jwtd_logins_total{result=\"success\"} 0",
            "jwtd_tokens_rejected_total{reason=\"expired\"} 1",
            "jwtd_tokens_rejected_total{reason=\"invalid\"} 2",
            "jwtd_tokens_rejected_total{reason=\"blacklisted\"} 1",
            "jwtd_tokens_rejected_total{reason=\"revoked\"} 0",
            "jwtd_refusals_total{reason=\"expired\"} 1",
            "jwtd_refusals_total{reason=\"unknown_key\"} 1",
            "jwtd_refusals_total{reason=\"reuse\"} 1",
            "jwtd_refusals_total{reason=\"too_many_connections\"} 1",
            "jwtd_refusals_total{reason=\"throttled\"} 0",
            "jwtd_refresh_reuse_total 1",
            "jwtd_blacklisted_tokens 2",
            "jwtd_issued_refresh_tokens 4",
            "jwtd_http_requests_total{route=\"admin\",status=\"200\"} 2",
            "jwtd_http_request_duration_seconds_bucket{route=\"admin\",le=\"0.0001\"} 1",
            "jwtd_http_request_duration_seconds_bucket{route=\"admin\",le=\"0.0005\"} 2",
            "jwtd_http_request_duration_seconds_sum{route=\"admin\"} 0.00031",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        assert!(text.contains("process_resident_memory_bytes "));
        assert!(
            !text.contains("route=\"verify\""),
            "empty series are left out"
        );
        assert_eq!(text.matches("route=\"admin\",status=").count(), 1);
    }
}
