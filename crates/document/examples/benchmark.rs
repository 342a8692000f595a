//! The document benchmark over generated samples:
//! `cargo run --release -p document --example benchmark -- [COUNT] [FIRST_SEED] [--dump] [--no-viz]
//! [--attack NAME]`.
//!
//! Prints MRZ exact-line and character accuracy (genuine clean/moderate/hard), per-field exact
//! accuracy of the printed visual zone per script and field type (read by the real Tesseract
//! reader of the `ocr` crate; `--no-viz` leaves it out), refusal accuracy, precision/recall per
//! attack type (by the check meant for it, and by any check of the document), false alarms per
//! check on genuine captures, and latency p50/p95 from JPEG bytes to the report. `--dump`
//! prints one line per sample with the raw signals (for calibrating thresholds); `--attack NAME`
//! makes every sample of the mix that attack (`replaced_photo`, `screen_recapture`, …), for
//! calibration sets larger than the mix's share.
#![allow(
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;
use std::time::Instant;

use checks::Status;

const CHECKS: [&str; 7] = [
    "document.exif",
    "document.screen_recapture",
    "document.photocopy",
    "document.tampering",
    "document.mrz_font",
    "document.viz_mrz",
    "document.viz_names",
];

/// The field type of a generated field, by its name.
fn field_type(name: &str) -> &'static str {
    if name.ends_with("_date") {
        "date"
    } else if name == "document_number" {
        "document_number"
    } else if name == "sex" {
        "sex"
    } else {
        "name"
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: u64 = args.first().map_or(Ok(1000), |s| s.parse())?;
    let first: u64 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let dump = args.iter().any(|a| a == "--dump");
    let viz = !args.iter().any(|a| a == "--no-viz");
    let forced = match args.iter().position(|a| a == "--attack") {
        Some(i) => {
            let name = args.get(i + 1).ok_or("--attack needs a name")?;
            Some(
                docgen::Attack::ALL
                    .into_iter()
                    .find(|a| a.as_str() == name)
                    .ok_or("unknown attack")?,
            )
        }
        None => None,
    };
    let today = mrz::Date::new(2026, 12, 1).ok_or("date")?;
    let faces = docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 24)?;
    let g = docgen::Generator::new(docgen::Fonts::system()?, faces, today)?;
    let mut engine = document::Engine::new(&g.fonts().ocrb)?;
    if viz {
        let reader = ocr::TesseractReader::new(&ocr::Config {
            handles: 1,
            tessdata: ocr::CHECKOUT_TESSDATA.into(),
        })?;
        engine = engine.with_reader(std::sync::Arc::new(reader));
        if std::env::var_os("NO_SYNTH").is_none() {
            let font = document::synth::ArabicFont::new(g.fonts().arabic.clone())
                .ok_or("the Arabic face")?;
            engine = engine.with_arabic_font(font);
        }
    }
    // Per (script, field type): (exact, total); per difficulty: (exact, total).
    let mut viz_exact: BTreeMap<(&str, &str), (u32, u32)> = BTreeMap::new();
    let mut viz_by_diff: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut viz_by_kind: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    // Per attack: samples flagged by any document check.
    let mut attack_any: BTreeMap<&str, u32> = BTreeMap::new();
    // Samples a VIZ check sent to review (a warning: `viz_low_confidence`, or
    // `viz_mrz_near_match` for a name one letter off the MRZ read without confidence): genuine,
    // edited.
    let (mut review_genuine, mut review_edited, mut edited_flagged) = (0u32, 0u32, 0u32);
    let now = "2026:12:01 23:59:00";
    let mut lat = Vec::new();
    let (mut lines_ok, mut lines_n, mut chars_ok, mut chars_n) = (
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
    );
    let (mut mrz_exact, mut mrz_n) = (
        BTreeMap::<String, u32>::new(),
        BTreeMap::<String, u32>::new(),
    );
    let mut refusals: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    // per check: (tp, fn) per attack, fp on genuine, genuine count
    let mut attack_hits: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut false_alarms: BTreeMap<&str, u32> = BTreeMap::new();
    // Per check: flagged samples of its own attack types (tp), flagged others (fp).
    let mut flagged: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut attack_refused: BTreeMap<&str, u32> = BTreeMap::new();
    let mut genuine = 0u32;
    let mut genuine_refused = 0u32;
    for seed in first..first + count {
        let mut spec = docgen::Generator::mixed_spec(seed);
        if let Some(a) = forced {
            spec.attack = Some(a);
            spec.refusal = None;
        }
        let s = g.sample(seed, spec)?;
        let t0 = Instant::now();
        let r = engine.read(&document::Input {
            front: &s.front.jpeg,
            back: s.back.as_ref().map(|b| b.jpeg.as_slice()),
            today,
            now_exif: now,
        });
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        let status = |name: &str| r.checks.iter().find(|c| c.check == name).map(|c| c.status);
        let refused_code = r
            .checks
            .iter()
            .find(|c| c.check.starts_with("document.geometry") && c.status != Status::Pass)
            .map(|c| c.reason.as_str().to_owned());
        if dump {
            let sig: Vec<String> = r
                .checks
                .iter()
                .filter(|c| {
                    c.check.starts_with("document.") && !c.check.starts_with("document.mrz.")
                })
                .map(|c| {
                    format!(
                        "{}={}:{}:{}",
                        c.check.trim_start_matches("document."),
                        c.status,
                        c.reason,
                        serde_json::to_string(&c.evidence).unwrap_or_default()
                    )
                })
                .collect();
            println!(
                "{seed} {:?} {:?} {:?} mrz_ok={} | {}",
                spec.kind,
                spec.difficulty,
                spec.attack
                    .map(|a| a.as_str())
                    .or(spec.refusal.map(|r| r.reason())),
                r.mrz_lines == s.mrz,
                sig.join(" ")
            );
        }
        if let Some(rf) = spec.refusal {
            let e = refusals.entry(rf.reason()).or_insert((0, 0));
            e.1 += 1;
            if refused_code.as_deref() == Some(rf.reason()) {
                e.0 += 1;
            }
            continue;
        }
        for c in CHECKS {
            if status(c) == Some(Status::Fail) {
                let e = flagged.entry(c).or_insert((0, 0));
                // An edited field differs from the MRZ: the cross-check catches it too.
                if spec.attack.is_some_and(|a| {
                    a.check() == c || (a == docgen::Attack::EditedText && c == "document.viz_mrz")
                }) {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
        if let (Some(a), Some(_)) = (spec.attack, refused_code.as_ref()) {
            *attack_refused.entry(a.as_str()).or_insert(0) += 1;
        }
        let low_confidence = r
            .checks
            .iter()
            .any(|c| c.check.starts_with("document.viz_") && c.status == Status::Warn);
        if spec.attack.is_none() && low_confidence {
            review_genuine += 1;
        }
        if spec.attack == Some(docgen::Attack::EditedText) {
            review_edited += u32::from(low_confidence);
            edited_flagged +=
                u32::from(low_confidence || CHECKS.iter().any(|c| status(c) == Some(Status::Fail)));
        }
        let diff = format!("{:?}", spec.difficulty);
        if spec.attack.is_none() {
            genuine += 1;
            if refused_code.is_some() {
                genuine_refused += 1;
            }
            *mrz_n.entry(diff.clone()).or_insert(0) += 1;
            let parsed_exact = r.mrz.as_ref().is_some_and(|m| {
                let got: Vec<&str> = m.lines().collect();
                got == s.mrz.iter().map(String::as_str).collect::<Vec<_>>()
            });
            if parsed_exact {
                *mrz_exact.entry(diff.clone()).or_insert(0) += 1;
            }
            if viz {
                for truth in &s.viz {
                    let got = r.viz.iter().find(|f| f.name == truth.name);
                    let script = match truth.script {
                        docgen::Script::Latin => "latin",
                        docgen::Script::Arabic => "arabic",
                    };
                    let exact = got.is_some_and(|f| {
                        f.value.is_some()
                            && f.value == document::viz::normalise(f.kind, f.lang, &truth.text)
                    });
                    for e in [
                        viz_exact
                            .entry((script, field_type(truth.name)))
                            .or_insert((0, 0)),
                        viz_by_diff.entry(diff.clone()).or_insert((0, 0)),
                        viz_by_kind.entry(spec.kind.as_str()).or_insert((0, 0)),
                    ] {
                        e.1 += 1;
                        e.0 += u32::from(exact);
                    }
                }
            }
            for (i, want) in s.mrz.iter().enumerate() {
                *lines_n.entry(diff.clone()).or_insert(0u32) += 1;
                let got = r.mrz_lines.get(i).map_or("", String::as_str);
                if got == want {
                    *lines_ok.entry(diff.clone()).or_insert(0u32) += 1;
                }
                *chars_n.entry(diff.clone()).or_insert(0u32) += want.len() as u32;
                *chars_ok.entry(diff.clone()).or_insert(0u32) +=
                    want.bytes()
                        .zip(got.bytes())
                        .filter(|(a, b)| a == b)
                        .count() as u32;
            }
            for c in CHECKS {
                if status(c) == Some(Status::Fail) {
                    *false_alarms.entry(c).or_insert(0) += 1;
                }
            }
            if CHECKS.iter().any(|c| status(c) == Some(Status::Fail)) {
                *false_alarms.entry("any").or_insert(0) += 1;
            }
        } else if let Some(a) = spec.attack {
            let e = attack_hits.entry(a.as_str()).or_insert((0, 0));
            e.1 += 1;
            if status(a.check()) == Some(Status::Fail) {
                e.0 += 1;
            }
            if CHECKS.iter().any(|c| status(c) == Some(Status::Fail)) {
                *attack_any.entry(a.as_str()).or_insert(0) += 1;
            }
        }
    }
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    println!("documents: {count} (seeds {first}..{})", first + count - 1);
    println!("genuine captures: {genuine}, refused by geometry: {genuine_refused}");
    for (d, n) in &mrz_n {
        let ex = mrz_exact.get(d).copied().unwrap_or(0);
        println!(
            "MRZ {d}: exact after repair {ex}/{n} = {:.1} %; raw lines exact {}/{} = {:.1} %; raw chars {:.2} %",
            100.0 * f64::from(ex) / f64::from(*n),
            lines_ok.get(d).copied().unwrap_or(0),
            lines_n.get(d).copied().unwrap_or(0),
            100.0 * f64::from(lines_ok.get(d).copied().unwrap_or(0))
                / f64::from(lines_n.get(d).copied().unwrap_or(1)),
            100.0 * f64::from(chars_ok.get(d).copied().unwrap_or(0))
                / f64::from(chars_n.get(d).copied().unwrap_or(1)),
        );
    }
    for (r, (ok, n)) in &refusals {
        println!("refusal {r}: {ok}/{n}");
    }
    for ((script, kind), (ok, n)) in &viz_exact {
        println!(
            "VIZ {script} {kind}: exact {ok}/{n} = {:.1} %",
            100.0 * f64::from(*ok) / f64::from((*n).max(1))
        );
    }
    for (label, map) in [("difficulty", &viz_by_diff)] {
        for (k, (ok, n)) in map {
            println!(
                "VIZ {label} {k}: exact {ok}/{n} = {:.1} %",
                100.0 * f64::from(*ok) / f64::from((*n).max(1))
            );
        }
    }
    for (k, (ok, n)) in &viz_by_kind {
        println!(
            "VIZ document {k}: exact {ok}/{n} = {:.1} %",
            100.0 * f64::from(*ok) / f64::from((*n).max(1))
        );
    }
    for (a, (tp, n)) in &attack_hits {
        let any = attack_any.get(a).copied().unwrap_or(0);
        println!(
            "attack {a}: recall {tp}/{n} = {:.1} % by its check; {any}/{n} = {:.1} % by any document check",
            100.0 * f64::from(*tp) / f64::from(*n),
            100.0 * f64::from(any) / f64::from(*n)
        );
    }
    let edited_n = attack_hits.get("edited_text").map_or(0, |e| e.1);
    println!(
        "VIZ warnings (review): genuine {review_genuine}/{genuine} = {:.1} %; edited_text {review_edited}/{edited_n}; edited_text failed or sent to review {edited_flagged}/{edited_n} = {:.1} %",
        100.0 * f64::from(review_genuine) / f64::from(genuine.max(1)),
        100.0 * f64::from(edited_flagged) / f64::from(edited_n.max(1))
    );
    for (c, (tp, fp)) in &flagged {
        println!(
            "precision {c}: {tp}/{} = {:.1} %",
            tp + fp,
            100.0 * f64::from(*tp) / f64::from((tp + fp).max(1))
        );
    }
    for c in CHECKS.into_iter().chain(["any"]) {
        let fa = false_alarms.get(c).copied().unwrap_or(0);
        println!(
            "false alarms on genuine {c}: {fa}/{genuine} = {:.1} %",
            100.0 * f64::from(fa) / f64::from(genuine.max(1))
        );
    }
    println!(
        "latency ms: p50 {:.0}, p95 {:.0}, max {:.0}",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    Ok(())
}
