//! Prints the MRZ read next to the truth for a few seeds (development aid).
#![allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let today = mrz::Date::new(2026, 12, 1).ok_or("date")?;
    let faces = docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 24)?;
    let g = docgen::Generator::new(docgen::Fonts::system()?, faces, today)?;
    let engine = document::Engine::new(&g.fonts().ocrb)?;
    for seed in std::env::args()
        .skip(1)
        .filter_map(|s| s.parse::<u64>().ok())
    {
        let mut spec = docgen::Generator::mixed_spec(seed);
        spec.refusal = None;
        spec.attack = None;
        let s = g.sample(seed, spec)?;
        let r = engine.read(&document::Input {
            front: &s.front.jpeg,
            back: s.back.as_ref().map(|b| b.jpeg.as_slice()),
            today,
            now_exif: "2026:12:01 23:59:00",
        });
        if s.mrz != r.mrz_lines {
            println!(
                "{seed} {:?} {:?} {:?}\ntruth: {:?}\nread:  {:?}",
                spec.kind,
                spec.difficulty,
                r.checks
                    .iter()
                    .filter(|c| c.check.starts_with("document.geometry"))
                    .map(|c| format!(
                        "{} {} {}",
                        c.check,
                        c.reason,
                        serde_json::to_string(&c.evidence).unwrap_or_default()
                    ))
                    .collect::<Vec<_>>(),
                s.mrz,
                r.mrz_lines
            );
        }
    }
    Ok(())
}
