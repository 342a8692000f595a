//! Prometheus text-format metrics (exposition format 0.0.4), pulled by the customer's own
//! scraper: nothing is ever pushed out. Counters by route and status class, a latency
//! histogram, and gauges read from the database at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Upper bounds of the latency histogram, seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    events: Mutex<BTreeMap<String, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// Records one request: its route template (never the concrete path, which holds ids),
    /// method, status and duration.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        let mut lat = lock(&self.latency);
        let h = lat.entry(route.to_owned()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b
                && let Some(c) = h.counts.get_mut(i)
            {
                *c += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Counts an event (`decisions_approved`, `webhook_failed`, `purged`, …).
    pub fn event(&self, name: &str) {
        *lock(&self.events).entry(name.to_owned()).or_default() += 1;
    }

    /// The exposition text; `gauges` are (name, help, labelled values) read at scrape time.
    #[must_use]
    pub fn render(&self, by_status: &[(String, i64)], ready: bool) -> String {
        let mut out = String::new();
        out.push_str("# HELP idverify_http_requests_total HTTP requests by route, method and status.\n# TYPE idverify_http_requests_total counter\n");
        for ((route, method, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "idverify_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP idverify_http_request_duration_seconds Request latency by route.\n# TYPE idverify_http_request_duration_seconds histogram\n");
        for (route, h) in lock(&self.latency).iter() {
            for (b, c) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "idverify_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "idverify_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nidverify_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nidverify_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        out.push_str("# HELP idverify_events_total Server events (decisions, webhook outcomes, purges).\n# TYPE idverify_events_total counter\n");
        for (name, n) in lock(&self.events).iter() {
            let _ = writeln!(out, "idverify_events_total{{event=\"{name}\"}} {n}");
        }
        out.push_str("# HELP idverify_verifications Verifications by status.\n# TYPE idverify_verifications gauge\n");
        for (status, n) in by_status {
            let _ = writeln!(out, "idverify_verifications{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP idverify_ready Whether the database and object store answer.\n# TYPE idverify_ready gauge\nidverify_ready {}",
            u8::from(ready)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/v1/verifications", "POST", 201, 0.003);
        m.request("/v1/verifications", "POST", 201, 0.2);
        m.event("decision_review");
        let text = m.render(&[("review".into(), 1)], true);
        assert!(text.contains("idverify_http_requests_total{route=\"/v1/verifications\",method=\"POST\",status=\"201\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("idverify_events_total{event=\"decision_review\"} 1"));
        assert!(text.contains("idverify_verifications{status=\"review\"} 1"));
        assert!(text.contains("idverify_ready 1"));
    }
}
