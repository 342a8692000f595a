//! The document's portrait through the pipeline to the face engine, measured:
//! `cargo run --release -p server --example portrait_match -- [SEEDS_PER_PAIR]`.
//!
//! For every same-person pair (x, y) of `shared/data/faces-deepface/master.csv` it generates
//! document photos (crates/docgen: the three layouts, mixed capture conditions) whose portrait is
//! printed from x, and a replaced-photo attack on each (the portrait pasted over with z, someone
//! master.csv says is not x). It runs the server's own document and face engines in pipeline
//! order (`Engine::run_with`: the document engine leaves its rectified portrait in `Derived`)
//! with y as the selfie, and counts: where the face engine found a face in the crop (else it fell
//! back to the whole photo), genuine pages matched, replaced photos told apart; and, for the
//! genuine pages, the same match against the whole photo as uploaded (the path before the crop).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use checks::Status;
use server::pipeline::{Derived, DocumentEngine, Engine, FaceEngine, Inputs};
use zeroize::Zeroizing;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let per_pair: u64 = std::env::args().nth(1).map_or(Ok(3), |s| s.parse())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let faces_dir = root.join("../shared/data/faces-deepface");
    let csv = std::fs::read_to_string(faces_dir.join("master.csv"))?;
    let (mut same, mut differ) = (Vec::new(), HashSet::new());
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if let [x, y, d] = f[..] {
            if d == "Yes" {
                same.push((x.to_owned(), y.to_owned()));
            } else {
                differ.insert((x.to_owned(), y.to_owned()));
                differ.insert((y.to_owned(), x.to_owned()));
            }
        }
    }
    let read = |n: &str| std::fs::read(faces_dir.join(n));
    let models = inference::ModelDir::open_pinned(&root.join("target/models"))?;
    let face = face::FaceEngine::new(
        face::FaceModels::load(&models, face::DetectorKind::FullRange)?,
        face::FaceConfig::default(),
    );
    let ocrb = std::fs::read(PathBuf::from("/usr/share/fonts/opentype/ocr-b/OCRB.otf"))?;
    let document = DocumentEngine(document::Engine::new(&ocrb)?);
    let face = FaceEngine(face);
    let today = mrz::Date::new(2026, 12, 1).ok_or("date")?;
    let now_ms = 1_764_547_200_000 + 12 * 3_600_000; // 2026-12-01 12:00 UTC
    // (label) -> (count, total)
    let mut tally: BTreeMap<&'static str, (u32, u32)> = BTreeMap::new();
    let mut bump = |k: &'static str, ok: bool| {
        let e = tally.entry(k).or_insert((0, 0));
        e.0 += u32::from(ok);
        e.1 += 1;
    };
    for (i, (x, y)) in same.iter().enumerate() {
        // The replacement: the first photo master.csv says shows someone else.
        let Some(z) = same
            .iter()
            .cycle()
            .skip(i + 1)
            .take(same.len())
            .map(|p| &p.0)
            .find(|z| differ.contains(&((*x).clone(), (*z).clone())))
        else {
            continue;
        };
        let (xb, yb, zb) = (read(x)?, read(y)?, read(z)?);
        // Face 0 is x; with two faces in the set the replaced-photo attack pastes the other, z.
        let faces = docgen::FaceSet::from_jpegs([xb.as_slice(), zb.as_slice()])?;
        let g = docgen::Generator::new(docgen::Fonts::system()?, faces, today)?;
        let mut seed = 7000 + 100 * i as u64;
        let mut done = 0;
        while done < per_pair {
            seed += 1;
            let mut spec = docgen::Generator::mixed_spec(seed);
            spec.refusal = None;
            spec.attack = None;
            let genuine = g.sample(seed, spec)?;
            if genuine.person.face != 0 {
                continue; // this seed printed z: not the pair's person
            }
            done += 1;
            spec.attack = Some(docgen::Attack::ReplacedPhoto);
            let attacked = g.sample(seed, spec)?;
            for (sample, attack) in [(&genuine, false), (&attacked, true)] {
                let mut files = BTreeMap::new();
                files.insert("selfie".to_owned(), Zeroizing::new(yb.clone()));
                files.insert(
                    "document/front".to_owned(),
                    Zeroizing::new(sample.front.jpeg.clone()),
                );
                if let Some(b) = &sample.back {
                    files.insert("document/back".to_owned(), Zeroizing::new(b.jpeg.clone()));
                }
                let inputs = Inputs {
                    verification: format!("vrf_eval_{seed}"),
                    files,
                    aa_challenge: None,
                    now_ms,
                };
                let mut derived = Derived::default();
                let _ = document.run_with(&inputs, &mut derived);
                let crop = derived.document_portrait.is_some();
                let checks = face.run_with(&inputs, &mut derived);
                let find = |n: &str| checks.iter().find(|c| c.check == n);
                let source = find("face.quality.document")
                    .and_then(|c| c.evidence.get("source"))
                    .and_then(|v| v.as_str().map(str::to_owned));
                let matched = find("face.selfie_vs_document").map(|c| c.status);
                if attack {
                    bump("replaced photo: crop cut", crop);
                    bump(
                        "replaced photo: face found in the crop",
                        source.as_deref() == Some("document_portrait"),
                    );
                    bump(
                        "replaced photo: told apart (selfie_vs_document fails)",
                        matched == Some(Status::Fail),
                    );
                } else {
                    bump("genuine: crop cut", crop);
                    bump(
                        "genuine: face found in the crop",
                        source.as_deref() == Some("document_portrait"),
                    );
                    bump(
                        "genuine: matched (selfie_vs_document passes)",
                        matched == Some(Status::Pass),
                    );
                    // The path before the crop: the whole photo as uploaded.
                    let whole = face.run_with(&inputs, &mut Derived::default());
                    let m = whole
                        .iter()
                        .find(|c| c.check == "face.selfie_vs_document")
                        .map(|c| c.status);
                    bump(
                        "genuine, whole photo: matched (selfie_vs_document passes)",
                        m == Some(Status::Pass),
                    );
                }
            }
        }
    }
    for (k, (n, t)) in &tally {
        println!(
            "{k}: {n}/{t} = {:.1} %",
            100.0 * f64::from(*n) / f64::from((*t).max(1))
        );
    }
    Ok(())
}
