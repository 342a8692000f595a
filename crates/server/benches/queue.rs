//! Time to render the review queue (HTTPS request → full HTML) with 100 000 cases in the
//! database: a real server (`init` + `start`, SQLite; PostgreSQL with
//! `IDVERIFY_BENCH_POSTGRES_URL`), cases bulk-inserted with a realistic result document, a
//! signed-in session. Criterion reports the mean; the bench also prints p50/p95/max over 300
//! sequential requests of each page (the figures in docs/benchmarks.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    missing_docs
)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const CASES: usize = 100_000;

struct Bench {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    cookie: String,
    deep_cursor: String,
    _running: server::Running,
}

/// Every 5th case is held by the duplicate-face rule, the others by a missing chip signature.
fn reason(i: usize) -> &'static str {
    if i.is_multiple_of(5) {
        "hard_rule:duplicate_face"
    } else {
        "required_not_passed:chip.sod.signature"
    }
}

/// The shape of a real result (checks, contributions, requirements), about 2 KB.
fn result_json(i: usize) -> String {
    let checks: Vec<serde_json::Value> = [
        "document.authenticity",
        "mrz.format",
        "mrz.check_digits",
        "mrz.composite_check_digit",
        "mrz.dates",
        "mrz.country_codes",
        "mrz.sex",
        "mrz.names",
        "mrz.expiry",
        "chip.read",
        "face.selfie_vs_document",
        "liveness.challenge",
    ]
    .iter()
    .map(|c| {
        let status = if i.is_multiple_of(7) && *c == "mrz.expiry" { "fail" } else { "pass" };
        serde_json::json!({"check": c, "status": status, "reason": "ok", "evidence": {"format": "td3"}})
    })
    .collect();
    let reason = reason(i);
    serde_json::json!({
        "decision": "review",
        "risk_score": (i % 100) as f64 / 100.0,
        "policy": "default-1",
        "policy_hash": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "document_type": "TD3",
        "reasons": [reason],
        "contributions": [{"factor": "mrz", "weight": 0.3, "value": 0.0, "points": 0.0, "status": "pass", "reason": "ok", "checks_counted": 9}],
        "hard_rules_fired": [],
        "requirements": [{"require": "chip.sod.signature", "passed": false}],
        "checks": checks,
        "decided_at": "2026-11-23T00:00:00.000Z",
    })
    .to_string()
}

fn created_at(now: i64, i: usize) -> i64 {
    now - 30 * 86_400_000 + (i as i64) * 25_000
}

fn setup() -> Bench {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (running, cookie, now) = rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("idverify-queue-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = server::Config::initial(&dir, "127.0.0.1:0");
        // One client asks as fast as it can: the per-IP budget is not what is measured.
        config.limits.ip_per_minute = 1_000_000;
        if let Ok(url) = std::env::var("IDVERIFY_BENCH_POSTGRES_URL") {
            let schema = format!("idv_queue_bench_{}", std::process::id());
            let admin = store::Db::connect(&url, None).await.unwrap();
            admin
                .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await
                .unwrap();
            admin
                .execute_raw(&format!("CREATE SCHEMA {schema}"))
                .await
                .unwrap();
            config.database.url = url;
            config.database.schema = Some(schema);
        }
        let now = server::Clock::now_ms(&server::SystemClock);
        server::init::init(config.clone(), now).await.unwrap();
        let running = server::start(
            config,
            server::Options {
                background_jobs: false,
                ..server::Options::default()
            },
        )
        .await
        .unwrap();
        let db = running.state.db.clone();
        let started = Instant::now();
        let mut sql = String::new();
        for chunk in 0..(CASES / 500) {
            sql.clear();
            sql.push_str("INSERT INTO verifications (id, status, api_key_prefix, created_at_ms, updated_at_ms, result_json, reference) VALUES ");
            for k in 0..500 {
                let i = chunk * 500 + k;
                let at = created_at(now, i);
                if k > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('vrf_{i:032x}', 'review', 'benchkey', {at}, {at}, '{}', 'ref-{}')",
                    result_json(i).replace('\'', "''"),
                    i % 5000
                ));
            }
            db.execute_raw(&sql).await.unwrap();
            // The reason index, as `Db::transition` writes it for a decided case.
            sql.clear();
            sql.push_str(
                "INSERT INTO case_reasons (reason, created_at_ms, verification_id) VALUES ",
            );
            for k in 0..500 {
                let i = chunk * 500 + k;
                if k > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('{}', {}, 'vrf_{i:032x}')",
                    reason(i),
                    created_at(now, i)
                ));
            }
            db.execute_raw(&sql).await.unwrap();
        }
        eprintln!(
            "inserted {CASES} cases in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let token =
            auth::session::SessionToken::generate(&mut rand_core::UnwrapErr(getrandom::SysRng));
        db.create_session(&token.hash(), "admin", "full", now)
            .await
            .unwrap();
        (
            running,
            format!("__Host-idv_session={}", token.expose_secret()),
            now,
        )
    });
    let cert = std::fs::read(running.state.config.data_dir.join("tls/cert.pem")).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mid = CASES / 2;
    Bench {
        rt,
        client,
        base: format!("https://localhost:{}", running.addr.port()),
        cookie,
        deep_cursor: format!("{}.vrf_{mid:032x}", created_at(now, mid)),
        _running: running,
    }
}

impl Bench {
    fn get(&self, path: &str) -> Duration {
        self.rt.block_on(async {
            let t = Instant::now();
            let r = self
                .client
                .get(format!("{}{path}", self.base))
                .header("cookie", &self.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            let body = r.text().await.unwrap();
            assert!(body.contains("</html>") && body.contains("vrf_"), "{path}");
            t.elapsed()
        })
    }
}

fn percentiles(b: &Bench, name: &str, path: &str) {
    let mut times: Vec<Duration> = (0..300).map(|_| b.get(path)).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "{name}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (300 sequential requests)",
        ms(times[149]),
        ms(times[284]),
        ms(times[299])
    );
}

fn queue(c: &mut Criterion) {
    let b = setup();
    // Connection and TLS warm-up.
    for _ in 0..10 {
        b.get("/dashboard/queue");
    }
    let pages = [
        ("queue_first_page", "/dashboard/queue".to_owned()),
        (
            "queue_page_at_50000",
            format!("/dashboard/queue?status=review&after={}", b.deep_cursor),
        ),
        (
            "queue_reason_filter",
            "/dashboard/queue?status=review&reason=hard_rule:duplicate_face".to_owned(),
        ),
        (
            "queue_reference_filter",
            "/dashboard/queue?status=review&reference=ref-4242".to_owned(),
        ),
    ];
    for (name, path) in &pages {
        percentiles(&b, name, path);
    }
    let mut g = c.benchmark_group("dashboard_100k_cases");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    for (name, path) in &pages {
        g.bench_function(*name, |bench| bench.iter(|| b.get(path)));
    }
    g.finish();
}

criterion_group!(benches, queue);
criterion_main!(benches);
