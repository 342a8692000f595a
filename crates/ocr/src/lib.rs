//! The OCR adapter: Debian's Tesseract 5 (through `leptess`) behind [`document::viz::LineReader`].
//!
//! The document reader stays pure: it crops one printed line, and asks a `LineReader` for its
//! text. [`TesseractReader`] answers with Tesseract's LSTM models (`fra` for Latin-script fields,
//! `ara` with the `Arabic` script model for Arabic ones), one line per call (page segmentation
//! mode 7, or 8, one word, for a field that cannot hold a space), a character whitelist where
//! the field type allows.
//!
//! **Tessdata** is injected ([`Config::tessdata`]); the only default is Debian's
//! [`DEFAULT_TESSDATA`], documented, never searched for. `scripts/setup` writes a better one to
//! `target/tessdata/` ([`CHECKOUT_TESSDATA`]): the pinned `ara` model of the tessdata
//! repository (LSTM `best` weights as integers) beside Debian's `fra` and `Arabic`; Debian's own
//! `ara` is the `fast` one, which read fewer of the benchmark's Arabic names.
//!
//! **Threads.** Tesseract handles are not `Sync`: each lives in a `Mutex`, a small pool per
//! language ([`Config::handles`]), so a call blocks only while every handle of its language is
//! busy. Debian's libtesseract is built with OpenMP, which by default spins a team of threads per
//! call and runs about six times slower on a 2-core machine: start the process with
//! `OMP_THREAD_LIMIT=1` (the service unit, the container image and the workspace's
//! `.cargo/config.toml` set it; [`omp_thread_limit_set`] tells the server whether it is set, so
//! it can warn). Setting it from inside a threaded program would be unsound, so this crate never
//! does.
//!
//! The crate forbids `unsafe`: `leptess` wraps the C library; nothing here touches raw pointers.
#![forbid(unsafe_code)]
// The confidence is clamped to 0–100 before it becomes a float.
#![allow(clippy::cast_precision_loss)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, TryLockError};

use document::viz::{GreyLine, Lang, LineReader, LineText, ReadFailure, Segmentation};
use leptess::{LepTess, Variable};

/// Debian's tessdata directory (packages `tesseract-ocr-ara`, `-fra`, `-script-arab`).
pub const DEFAULT_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

/// The tessdata directory `scripts/setup` writes in this checkout (`models/models.toml`,
/// `[[tessdata]]`): what the tests, the benchmark and `scripts/start` use.
pub const CHECKOUT_TESSDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/tessdata");

/// Errors of the OCR adapter, each with a stable [`Error::code`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The tessdata directory does not exist or the engine would not start.
    #[error("the OCR engine is unavailable")]
    Unavailable,
    /// A language's model file is missing from the tessdata directory.
    #[error("the OCR language model {0} is missing")]
    LanguageMissing(&'static str),
    /// The engine refused the picture.
    #[error("the OCR engine refused the image")]
    Image,
    /// The engine failed while recognising.
    #[error("the OCR engine failed to recognise the line")]
    Recognition,
    /// A setting (whitelist, segmentation) was refused.
    #[error("the OCR engine refused a setting")]
    Setting,
}

impl Error {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unavailable => "ocr_unavailable",
            Error::LanguageMissing(_) => "ocr_language_missing",
            Error::Image => "ocr_image_refused",
            Error::Recognition => "ocr_failed",
            Error::Setting => "ocr_setting_refused",
        }
    }
}

/// The reader's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The tessdata directory (default [`DEFAULT_TESSDATA`]).
    pub tessdata: PathBuf,
    /// Handles per language (each holds its models in memory, ~30 MB for Arabic).
    pub handles: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tessdata: PathBuf::from(DEFAULT_TESSDATA),
            handles: 2,
        }
    }
}

/// Whether the process was started with `OMP_THREAD_LIMIT` (see the crate docs).
pub fn omp_thread_limit_set() -> bool {
    std::env::var_os("OMP_THREAD_LIMIT").is_some()
}

/// The Tesseract languages of each script: model files `<name>.traineddata`.
fn models(lang: Lang) -> (&'static str, &'static [&'static str]) {
    match lang {
        Lang::French => ("fra", &["fra"]),
        Lang::Arabic => ("ara+Arabic", &["ara", "Arabic"]),
    }
}

/// The page segmentation mode for a field: a single word (8) when its characters exclude the
/// space, else a single line (7).
fn psm(whitelist: Option<&str>) -> &'static str {
    match whitelist {
        Some(w) if !w.contains(' ') => "8",
        _ => "7",
    }
}

struct Pool {
    handles: Vec<Mutex<LepTess>>,
}

impl Pool {
    fn new(dir: &str, lang: Lang, n: usize) -> Result<Pool, Error> {
        let (spec, files) = models(lang);
        for f in files {
            if !Path::new(dir).join(format!("{f}.traineddata")).is_file() {
                return Err(Error::LanguageMissing(f));
            }
        }
        let mut handles = Vec::with_capacity(n.max(1));
        for _ in 0..n.max(1) {
            let mut t = LepTess::new(Some(dir), spec).map_err(|_| Error::Unavailable)?;
            // One text line per crop.
            t.set_variable(Variable::TesseditPagesegMode, "7")
                .map_err(|_| Error::Setting)?;
            handles.push(Mutex::new(t));
        }
        Ok(Pool { handles })
    }

    /// A free handle, else waits for the first one. A handle poisoned by a panic elsewhere is
    /// still a valid engine (every call sets its own image and variables).
    fn take(&self) -> Option<MutexGuard<'_, LepTess>> {
        for h in &self.handles {
            match h.try_lock() {
                Ok(g) => return Some(g),
                Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let first = self.handles.first()?;
        Some(
            first
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Tesseract behind [`LineReader`]: one pool of handles per language.
pub struct TesseractReader {
    french: Pool,
    arabic: Pool,
}

impl std::fmt::Debug for TesseractReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TesseractReader")
            .field("handles", &self.french.handles.len())
            .finish()
    }
}

impl TesseractReader {
    /// Starts the engines: checks the tessdata directory and every model file first, so a
    /// missing package is `ocr_language_missing` at start-up rather than at the first document.
    pub fn new(config: &Config) -> Result<TesseractReader, Error> {
        if !config.tessdata.is_dir() {
            return Err(Error::Unavailable);
        }
        let dir = config.tessdata.to_str().ok_or(Error::Unavailable)?;
        if dir.contains('\0') {
            return Err(Error::Unavailable);
        }
        Ok(TesseractReader {
            french: Pool::new(dir, Lang::French, config.handles)?,
            arabic: Pool::new(dir, Lang::Arabic, config.handles)?,
        })
    }

    fn run(
        &self,
        line: &GreyLine<'_>,
        lang: Lang,
        whitelist: Option<&str>,
        segmentation: Segmentation,
    ) -> Result<LineText, Error> {
        let pool = match lang {
            Lang::French => &self.french,
            Lang::Arabic => &self.arabic,
        };
        let pgm = line.to_pgm().ok_or(Error::Image)?;
        let mut t = pool.take().ok_or(Error::Unavailable)?;
        // An empty whitelist means "every character" to Tesseract; NUL would not pass to C.
        let wl = whitelist.unwrap_or("");
        if wl.contains('\0') {
            return Err(Error::Setting);
        }
        t.set_variable(Variable::TesseditCharWhitelist, wl)
            .map_err(|_| Error::Setting)?;
        // A field that cannot hold a space (document number, sex) is one word: page
        // segmentation mode 8. As a line (mode 7) the LSTM doubled a digit in a fifth of the
        // benchmark's document numbers ("2993440989" for 293440989); as a word it did not.
        let mode = match segmentation {
            Segmentation::Field => psm(whitelist),
            Segmentation::Line => "7",
            Segmentation::Raw => "13",
            Segmentation::Char => "10",
            Segmentation::Block => "6",
        };
        t.set_variable(Variable::TesseditPagesegMode, mode)
            .map_err(|_| Error::Setting)?;
        t.set_image_from_mem(&pgm).map_err(|_| Error::Image)?;
        // The crops are at 10 px/mm: 254 dots per inch. (Scaling them up, bilinear or not,
        // read worse on the benchmark's crops.)
        t.set_source_resolution(254);
        if t.recognize() != 0 {
            return Err(Error::Recognition);
        }
        let text = t.get_utf8_text().map_err(|_| Error::Recognition)?;
        let conf = t.mean_text_conf();
        Ok(LineText {
            text: text.trim().to_owned(),
            confidence: conf.clamp(0, 100) as f32 / 100.0,
        })
    }
}

impl LineReader for TesseractReader {
    fn read_line_as(
        &self,
        line: &GreyLine<'_>,
        lang: Lang,
        whitelist: Option<&str>,
        segmentation: Segmentation,
    ) -> Result<LineText, ReadFailure> {
        self.run(line, lang, whitelist, segmentation)
            .map_err(|e| ReadFailure(e.code()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn fields_without_spaces_are_read_as_one_word() {
        assert_eq!(psm(Some("0123456789ABC")), "8");
        assert_eq!(psm(Some("FMX")), "8");
        assert_eq!(psm(Some("0123456789./- ")), "7");
        assert_eq!(psm(None), "7");
    }

    #[test]
    fn missing_tessdata_is_unavailable() {
        let e = TesseractReader::new(&Config {
            tessdata: PathBuf::from("/nonexistent/tessdata"),
            handles: 1,
        })
        .unwrap_err();
        assert_eq!(e.code(), "ocr_unavailable");
    }

    #[test]
    fn missing_language_is_named() {
        let dir = std::env::temp_dir().join(format!("ocr-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = TesseractReader::new(&Config {
            tessdata: dir.clone(),
            handles: 1,
        })
        .unwrap_err();
        assert_eq!(e.code(), "ocr_language_missing");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn reads_nothing_from_a_blank_line_without_failing() {
        let r = TesseractReader::new(&Config::default()).expect("scripts/setup.d/47-ocr.sh");
        let px = vec![255u8; 200 * 40];
        let line = GreyLine {
            width: 200,
            height: 40,
            pixels: &px,
        };
        let t = r
            .read_line(&line, Lang::French, Some("0123456789"))
            .unwrap();
        assert!(
            t.text
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_whitespace())
        );
        let t = r.read_line(&line, Lang::Arabic, None).unwrap();
        assert!(t.confidence <= 1.0);
    }
}
