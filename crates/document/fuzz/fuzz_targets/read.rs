//! Reads arbitrary bytes as a document photo (front and back): must never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn engine() -> Option<&'static document::Engine> {
    static E: OnceLock<Option<document::Engine>> = OnceLock::new();
    E.get_or_init(|| {
        let font = std::fs::read("/usr/share/fonts/opentype/ocr-b/OCRB.otf").ok()?;
        document::Engine::new(&font).ok()
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(engine) = engine() else { return };
    let Some(today) = mrz::Date::new(2026, 12, 1) else { return };
    let _ = engine.read(&document::Input {
        front: data,
        back: Some(data),
        today,
        now_exif: "2026:12:01 12:00:00",
    });
});
