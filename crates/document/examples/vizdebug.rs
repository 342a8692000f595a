//! Debugging the visual zone: `cargo run --release -p document --example vizdebug -- SEED [N] [OUT_DIR]`
//! reads N genuine generated documents from SEED with Tesseract, prints each field's printed
//! text, the text read and the normalised values, and writes every line crop as a PGM file.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use document::viz::{GreyLine, Lang, LineReader, LineText, ReadFailure, Segmentation};

#[derive(Debug)]
struct Saving {
    inner: ocr::TesseractReader,
    dir: std::path::PathBuf,
    n: Arc<Mutex<usize>>,
}

impl LineReader for Saving {
    fn read_line_as(
        &self,
        line: &GreyLine<'_>,
        lang: Lang,
        whitelist: Option<&str>,
        segmentation: Segmentation,
    ) -> Result<LineText, ReadFailure> {
        let mut n = self.n.lock().unwrap();
        *n += 1;
        if let Some(pgm) = line.to_pgm() {
            std::fs::write(self.dir.join(format!("{:04}.pgm", *n)), pgm).ok();
        }
        let t = self.inner.read_line_as(line, lang, whitelist, segmentation);
        if let Ok(t) = &t {
            println!(
                "  crop {:04} {}x{} {} -> {:?}",
                *n,
                line.width,
                line.height,
                lang.script(),
                t.text
            );
        }
        t
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed: u64 = args.first().map_or(Ok(1), |s| s.parse())?;
    let count: u64 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let dir = std::path::PathBuf::from(args.get(2).map_or("/tmp/viz", String::as_str));
    std::fs::create_dir_all(&dir)?;
    let today = mrz::Date::new(2026, 12, 1).ok_or("date")?;
    let faces = docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 24)?;
    let g = docgen::Generator::new(docgen::Fonts::system()?, faces, today)?;
    let reader_n = Arc::new(Mutex::new(0usize));
    let mut tsv = std::fs::File::create(dir.join("truth.tsv"))?;
    let reader = Saving {
        inner: ocr::TesseractReader::new(&ocr::Config {
            handles: 1,
            tessdata: ocr::CHECKOUT_TESSDATA.into(),
        })?,
        dir,
        n: reader_n.clone(),
    };
    let mut engine = document::Engine::new(&g.fonts().ocrb)?.with_reader(Arc::new(reader));
    if std::env::var_os("NO_SYNTH").is_none() {
        let font =
            document::synth::ArabicFont::new(g.fonts().arabic.clone()).ok_or("the Arabic face")?;
        engine = engine.with_arabic_font(font);
    }
    for s in seed..seed + count {
        let mut spec = docgen::Generator::mixed_spec(s);
        spec.attack = None;
        spec.refusal = None;
        let sample = g.sample(s, spec)?;
        println!("seed {s} {:?} {:?}", spec.kind, spec.difficulty);
        let r = engine.read(&document::Input {
            front: &sample.front.jpeg,
            back: sample.back.as_ref().map(|b| b.jpeg.as_slice()),
            today,
            now_exif: "2026:12:01 23:59:00",
        });
        let last = *reader_n.lock().unwrap();
        let first = last + 1 - r.viz.len();
        for (i, f) in r.viz.iter().enumerate() {
            let truth = sample.viz.iter().find(|t| t.name == f.name);
            let want = truth.and_then(|t| document::viz::normalise(f.kind, f.lang, &t.text));
            writeln!(
                tsv,
                "{:04}.pgm\t{}\t{}\t{}\t{}\t{:?}",
                first + i,
                f.name,
                f.kind.as_str(),
                f.lang.script(),
                want.unwrap_or_default(),
                spec.difficulty
            )?;
        }
        println!("  mrz read {:?} printed {:?}", r.mrz_lines, sample.mrz);
        for truth in &sample.viz {
            let got = r.viz.iter().find(|f| f.name == truth.name);
            let want = got.and_then(|f| document::viz::normalise(f.kind, f.lang, &truth.text));
            let ok = got.is_some_and(|f| f.value.is_some() && f.value == want);
            println!(
                "  {} {:16} conf {:.2} printed {:?} read {:?} value {:?} want {:?}",
                if ok { "ok " } else { "BAD" },
                truth.name,
                got.map_or(0.0, |f| f.confidence),
                truth.text,
                got.map(|f| f.raw.as_str()),
                got.and_then(|f| f.value.as_deref()),
                want
            );
        }
    }
    Ok(())
}
