//! The documents themselves: people, fields, and the printed sides at 10 px/mm.

use ab_glyph::FontRef;

use crate::raster::{Canvas, draw_arabic, draw_glyph, draw_text, text_width};
use crate::rng::Rng;
use crate::{Error, Fonts};

/// Pixels per millimetre of the rendered document (also the document engine's working scale).
pub const PX_PER_MM: f32 = 10.0;

/// The document types generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// Algerian biometric identity card (TD1, MRZ on the back).
    AlgerianId,
    /// French identity card, 2021 format (TD1, MRZ on the back).
    FrenchId,
    /// Passport data page (TD3, Algerian-style bilingual labels).
    Passport,
}

impl DocKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::AlgerianId => "dz_id",
            DocKind::FrenchId => "fr_id",
            DocKind::Passport => "td3_passport",
        }
    }

    /// Size in millimetres (ISO/IEC 7810 ID-1 / ID-3).
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            DocKind::AlgerianId | DocKind::FrenchId => (85.6, 54.0),
            DocKind::Passport => (125.0, 88.0),
        }
    }

    /// Size in rendered pixels.
    pub fn size_px(self) -> (usize, usize) {
        let (w, h) = self.size_mm();
        (
            (w * PX_PER_MM).round() as usize,
            (h * PX_PER_MM).round() as usize,
        )
    }

    /// Whether the MRZ is printed on the back (TD1) rather than on the data page (TD3).
    pub fn mrz_on_back(self) -> bool {
        !matches!(self, DocKind::Passport)
    }
}

/// Script of a printed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// French (Latin script, accents).
    Latin,
    /// Arabic.
    Arabic,
}

/// One printed field of the visual zone, with its ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct VizField {
    /// Field name (`surname`, `given_names`, `surname_ar`, `birth_date`, `document_number`, …).
    pub name: &'static str,
    /// The printed text.
    pub text: String,
    /// Its script.
    pub script: Script,
    /// Bounding box in document pixels (x, y, w, h).
    pub bbox: [f32; 4],
}

/// A person and their document's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Surname as printed in Latin script (with accents).
    pub surname: String,
    /// Given names as printed in Latin script.
    pub given: String,
    /// Surname in Arabic (Algerian documents).
    pub surname_ar: Option<String>,
    /// Given names in Arabic.
    pub given_ar: Option<String>,
    /// Birth date.
    pub birth: mrz::Date,
    /// Expiry date.
    pub expiry: mrz::Date,
    /// Sex.
    pub sex: mrz::Sex,
    /// Document number.
    pub number: String,
    /// Issuing state and nationality.
    pub state: &'static str,
    /// Index of the portrait in the face set.
    pub face: usize,
}

/// Every Algerian name the generator prints, as (Latin, Arabic): surnames, then given names
/// (the reader's transliteration tests take their pairs from here).
pub fn algerian_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    DZ_SURNAMES
        .iter()
        .copied()
        .chain(DZ_GIVEN.iter().map(|&(l, a, _)| (l, a)))
}

const DZ_SURNAMES: &[(&str, &str)] = &[
    ("BENALI", "بن علي"),
    ("BOUZID", "بوزيد"),
    ("HADDAD", "حداد"),
    ("MEBARKI", "مباركي"),
    ("SAIDI", "سعيدي"),
    ("BELKACEM", "بلقاسم"),
    ("KHELIFI", "خليفي"),
    ("MANSOURI", "منصوري"),
    ("AMRANI", "عمراني"),
    ("CHERIF", "شريف"),
    ("BRAHIMI", "براهيمي"),
    ("TOUATI", "تواتي"),
    ("BOUAZZA", "بوعزة"),
    ("ZIANI", "زياني"),
    ("HAMIDI", "حميدي"),
    ("RAHMOUNI", "رحموني"),
];
const DZ_GIVEN: &[(&str, &str, mrz::Sex)] = &[
    ("YACINE", "ياسين", mrz::Sex::Male),
    ("AMINA", "أمينة", mrz::Sex::Female),
    ("KARIM", "كريم", mrz::Sex::Male),
    ("SARAH", "سارة", mrz::Sex::Female),
    ("MOHAMED", "محمد", mrz::Sex::Male),
    ("FATIMA", "فاطمة", mrz::Sex::Female),
    ("RIAD", "رياض", mrz::Sex::Male),
    ("NADIA", "نادية", mrz::Sex::Female),
    ("SOFIANE", "سفيان", mrz::Sex::Male),
    ("LEILA", "ليلى", mrz::Sex::Female),
    ("WALID", "وليد", mrz::Sex::Male),
    ("MERIEM", "مريم", mrz::Sex::Female),
    ("SAMIR", "سمير", mrz::Sex::Male),
    ("KHADIDJA", "خديجة", mrz::Sex::Female),
];
const FR_SURNAMES: &[&str] = &[
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "LEFÈVRE",
    "GARÇON",
    "BÉRANGER",
    "FONTAINE",
    "CHEVALIER",
    "ROUSSEAU",
];
const FR_GIVEN: &[(&str, mrz::Sex)] = &[
    ("Hélène", mrz::Sex::Female),
    ("Jérôme", mrz::Sex::Male),
    ("François", mrz::Sex::Male),
    ("Zoé", mrz::Sex::Female),
    ("Anaïs", mrz::Sex::Female),
    ("Loïc", mrz::Sex::Male),
    ("Céline", mrz::Sex::Female),
    ("Noël", mrz::Sex::Male),
    ("Camille", mrz::Sex::Female),
    ("Julien", mrz::Sex::Male),
    ("Élodie", mrz::Sex::Female),
    ("Maël", mrz::Sex::Male),
];

/// Latin text in MRZ form: accents dropped, upper case.
pub fn mrz_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'î' | 'ï' | 'Î' | 'Ï' => 'I',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'O',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ç' | 'Ç' => 'C',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

impl Person {
    /// A random person for a document type; `today` bounds the dates.
    pub fn random(rng: &mut Rng, kind: DocKind, faces: usize, today: mrz::Date) -> Person {
        let ty = today.year();
        let birth = mrz::Date::new(
            rng.range(ty as u32 - 75, ty as u32 - 19) as u16,
            rng.range(1, 13) as u8,
            rng.range(1, 29) as u8,
        )
        .unwrap_or(today);
        let expiry = mrz::Date::new(
            rng.range(ty as u32 + 1, ty as u32 + 10) as u16,
            rng.range(1, 13) as u8,
            rng.range(1, 29) as u8,
        )
        .unwrap_or(today);
        let face = rng.below(faces.max(1) as u32) as usize;
        match kind {
            DocKind::FrenchId => {
                let s = *rng.pick(FR_SURNAMES);
                let (g, sex) = *rng.pick(FR_GIVEN);
                let mut number = String::new();
                for _ in 0..9 {
                    let alphabet = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
                    number.push(char::from(*rng.pick(alphabet)));
                }
                Person {
                    surname: s.to_owned(),
                    given: g.to_owned(),
                    surname_ar: None,
                    given_ar: None,
                    birth,
                    expiry,
                    sex,
                    number,
                    state: "FRA",
                    face,
                }
            }
            DocKind::AlgerianId | DocKind::Passport => {
                let (s, sa) = *rng.pick(DZ_SURNAMES);
                let (g, ga, sex) = *rng.pick(DZ_GIVEN);
                let number = format!("{:09}", rng.range(100_000_000, 999_999_999));
                Person {
                    surname: s.to_owned(),
                    given: g.to_owned(),
                    surname_ar: Some(sa.to_owned()),
                    given_ar: Some(ga.to_owned()),
                    birth,
                    expiry,
                    sex,
                    number,
                    state: "DZA",
                    face,
                }
            }
        }
    }

    /// The MRZ (lines) consistent with the printed fields, from `mrz::generate`.
    pub fn mrz_lines(&self, kind: DocKind) -> Result<Vec<String>, Error> {
        let format = match kind {
            DocKind::Passport => mrz::Format::Td3,
            _ => mrz::Format::Td1,
        };
        let fields = mrz::MrzFields {
            format,
            document_code: if kind == DocKind::Passport {
                "P".into()
            } else {
                "ID".into()
            },
            issuing_state: self.state.into(),
            primary_identifier: mrz_name(&self.surname),
            secondary_identifier: mrz_name(&self.given),
            document_number: self.number.clone(),
            nationality: self.state.into(),
            birth_date: self.birth,
            sex: self.sex,
            expiry_date: Some(self.expiry),
            optional_data: String::new(),
            optional_data_2: String::new(),
        };
        let text = mrz::generate(&fields).map_err(|e| Error::Mrz(e.code()))?;
        Ok(text.lines().map(str::to_owned).collect())
    }
}

fn date_dot(d: mrz::Date) -> String {
    format!("{:02}.{:02}.{:04}", d.day(), d.month(), d.year())
}

fn date_space(d: mrz::Date) -> String {
    format!("{:02} {:02} {:04}", d.day(), d.month(), d.year())
}

/// Draws guilloche-like security background: pastel base, a few smooth wave bands.
fn background(c: &mut Canvas, rng: &mut Rng, base: [u8; 3], ink: [u8; 3]) {
    let (w, h) = (c.w, c.h);
    let f1 = rng.uniform(0.004, 0.012);
    let f2 = rng.uniform(0.003, 0.009);
    let ph = rng.uniform(0.0, std::f32::consts::TAU);
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32, y as f32);
            let t = (xf * f1 + (yf * f2 + ph).sin() * 2.0).sin() * 0.5 + 0.5;
            let u = (yf * f1 * 0.7 + (xf * f2 * 1.3).cos() * 1.5).cos() * 0.5 + 0.5;
            let a = 0.18 * t + 0.12 * u;
            let mut p = [0u8; 3];
            for k in 0..3 {
                p[k] = (f32::from(base[k]) * (1.0 - a) + f32::from(ink[k]) * a) as u8;
            }
            c.set(x as i64, y as i64, p);
        }
    }
}

/// The face photo as a canvas (already scaled by the caller).
pub type Portrait = Canvas;

/// A rendered side and where its regions are.
#[derive(Debug, Clone)]
pub struct Side {
    /// The raster at [`PX_PER_MM`].
    pub canvas: Canvas,
    /// Printed fields.
    pub fields: Vec<VizField>,
    /// Portrait box (x, y, w, h) in document pixels, when the side has one.
    pub photo: Option<[f32; 4]>,
    /// MRZ band (x, y, w, h), when the side has one.
    pub mrz: Option<[f32; 4]>,
}

struct Writer<'a> {
    c: Canvas,
    fields: Vec<VizField>,
    latin: &'a FontRef<'a>,
}

impl Writer<'_> {
    fn label(&mut self, x: f32, y: f32, size: f32, text: &str, colour: [u8; 3]) {
        draw_text(&mut self.c, self.latin, size, x, y, text, colour);
    }

    fn field(
        &mut self,
        name: &'static str,
        x: f32,
        y: f32,
        size: f32,
        text: &str,
        font: &FontRef<'_>,
    ) {
        let w = draw_text(&mut self.c, font, size, x, y, text, [20, 20, 30]);
        self.fields.push(VizField {
            name,
            text: text.to_owned(),
            script: Script::Latin,
            bbox: [x, y - size * 0.8, w, size * 1.05],
        });
    }
}

fn arabic_field(
    w: &mut Writer<'_>,
    fonts: &Fonts,
    name: &'static str,
    x_right: f32,
    y: f32,
    size: f32,
    text: &str,
) {
    // Amiri's line height is large for its letters: scale up to match the Latin x-height.
    let size = size * 1.7;
    let face = fonts.arabic_face();
    let width = match &face {
        Some(face) => draw_arabic(
            &mut w.c,
            &fonts.arabic(),
            face,
            size,
            x_right,
            y,
            text,
            [20, 20, 30],
        ),
        None => 0.0,
    };
    w.fields.push(VizField {
        name,
        text: text.to_owned(),
        script: Script::Arabic,
        bbox: [x_right - width, y - size * 0.8, width, size * 1.1],
    });
}

fn arabic_label(w: &mut Writer<'_>, fonts: &Fonts, x_right: f32, y: f32, size: f32, text: &str) {
    let size = size * 1.7;
    if let Some(face) = fonts.arabic_face() {
        draw_arabic(
            &mut w.c,
            &fonts.arabic(),
            &face,
            size,
            x_right,
            y,
            text,
            [70, 60, 90],
        );
    }
}

/// Draws the MRZ lines in OCR-B on the ICAO fixed pitch (10 characters per inch, 6 lines per
/// inch), bottom-aligned; returns the band.
pub fn draw_mrz(c: &mut Canvas, ocrb: &FontRef<'_>, lines: &[String], bottom_mm: f32) -> [f32; 4] {
    let pitch = 2.54 * PX_PER_MM;
    let line_h = 25.4 / 6.0 * PX_PER_MM;
    let n = lines.first().map_or(0, String::len) as f32;
    let x0 = (c.w as f32 - n * pitch) / 2.0;
    let size = 3.3 * PX_PER_MM;
    let count = lines.len() as f32;
    let first_base = c.h as f32 - bottom_mm * PX_PER_MM - (count - 1.0) * line_h;
    let scaled_adv = text_width(ocrb, size, "0");
    for (li, line) in lines.iter().enumerate() {
        let base = first_base + li as f32 * line_h;
        for (i, ch) in line.chars().enumerate() {
            let cx = x0 + i as f32 * pitch + (pitch - scaled_adv) / 2.0;
            let id = ab_glyph::Font::glyph_id(ocrb, ch);
            draw_glyph(c, ocrb, id, size, cx, base, [15, 15, 20]);
        }
    }
    let top = first_base - 2.6 * PX_PER_MM;
    [
        x0,
        top,
        n * pitch,
        first_base + (count - 1.0) * line_h + 0.8 * PX_PER_MM - top,
    ]
}

/// Renders the front (data page) of a document.
pub fn front(
    fonts: &Fonts,
    rng: &mut Rng,
    kind: DocKind,
    p: &Person,
    portrait: &Portrait,
    mrz_lines: &[String],
) -> Side {
    let (w, h) = kind.size_px();
    let latin = fonts.latin();
    let bold = fonts.latin_bold();
    let ocrb = fonts.ocrb();
    let (base, ink) = match kind {
        DocKind::AlgerianId => ([222, 236, 222], [120, 170, 140]),
        DocKind::FrenchId => ([225, 232, 245], [150, 160, 210]),
        DocKind::Passport => ([240, 228, 232], [190, 140, 170]),
    };
    let mut c = Canvas::new(w, h, base);
    background(&mut c, rng, base, ink);
    let mut wr = Writer {
        c,
        fields: Vec::new(),
        latin: &latin,
    };
    let mm = PX_PER_MM;
    let lab = [80, 70, 110];
    let fsz = 3.0 * mm;
    let photo;
    match kind {
        DocKind::AlgerianId | DocKind::Passport => {
            let (title_fr, title_ar) = if kind == DocKind::Passport {
                ("PASSEPORT", "جواز سفر")
            } else {
                ("CARTE NATIONALE D'IDENTITÉ", "بطاقة التعريف الوطنية")
            };
            wr.label(
                4.0 * mm,
                5.0 * mm,
                2.2 * mm,
                "RÉPUBLIQUE ALGÉRIENNE DÉMOCRATIQUE ET POPULAIRE",
                lab,
            );
            arabic_label(
                &mut wr,
                fonts,
                w as f32 - 4.0 * mm,
                9.5 * mm,
                3.0 * mm,
                "الجمهورية الجزائرية الديمقراطية الشعبية",
            );
            wr.label(4.0 * mm, 13.0 * mm, 2.6 * mm, title_fr, lab);
            arabic_label(
                &mut wr,
                fonts,
                w as f32 - 4.0 * mm,
                14.0 * mm,
                3.2 * mm,
                title_ar,
            );
            let (px, py, pw, ph) = if kind == DocKind::Passport {
                (5.0 * mm, 20.0 * mm, 33.0 * mm, 42.0 * mm)
            } else {
                (4.0 * mm, 17.0 * mm, 24.0 * mm, 31.0 * mm)
            };
            wr.c.blit_scaled(portrait, px as i64, py as i64, pw as usize, ph as usize);
            photo = Some([px, py, pw, ph]);
            let x = px + pw + 4.0 * mm;
            let xr = w as f32 - 4.0 * mm;
            let step = if kind == DocKind::Passport {
                8.0 * mm
            } else {
                6.4 * mm
            };
            let mut y = py + 2.5 * mm;
            #[allow(clippy::type_complexity)]
            let rows: [(
                &str,
                &str,
                &'static str,
                String,
                Option<(&'static str, String)>,
            ); 5] = [
                (
                    "Nom",
                    "اللقب",
                    "surname",
                    p.surname.clone(),
                    p.surname_ar.clone().map(|s| ("surname_ar", s)),
                ),
                (
                    "Prénom(s)",
                    "الاسم",
                    "given_names",
                    p.given.clone(),
                    p.given_ar.clone().map(|s| ("given_names_ar", s)),
                ),
                (
                    "Date de naissance",
                    "تاريخ الميلاد",
                    "birth_date",
                    date_dot(p.birth),
                    None,
                ),
                (
                    "N° du document",
                    "رقم الوثيقة",
                    "document_number",
                    p.number.clone(),
                    None,
                ),
                (
                    "Date d'expiration",
                    "تاريخ الانتهاء",
                    "expiry_date",
                    date_dot(p.expiry),
                    None,
                ),
            ];
            for (lf, la, name, value, ar) in rows {
                wr.label(x, y, 1.9 * mm, lf, lab);
                arabic_label(&mut wr, fonts, xr, y, 2.4 * mm, la);
                wr.field(name, x, y + 3.4 * mm, fsz, &value, &bold);
                if let Some((an, av)) = ar {
                    arabic_field(&mut wr, fonts, an, xr, y + 3.6 * mm, 3.4 * mm, &av);
                }
                y += step;
            }
            let sex = if p.sex == mrz::Sex::Female { "F" } else { "M" };
            wr.label(
                x + 38.0 * mm,
                py + 2.5 * mm + 2.0 * step,
                1.9 * mm,
                "Sexe",
                lab,
            );
            wr.field(
                "sex",
                x + 38.0 * mm,
                py + 2.5 * mm + 2.0 * step + 3.4 * mm,
                fsz,
                sex,
                &bold,
            );
        }
        DocKind::FrenchId => {
            wr.label(4.0 * mm, 5.5 * mm, 3.0 * mm, "RÉPUBLIQUE FRANÇAISE", lab);
            wr.label(
                4.0 * mm,
                10.0 * mm,
                2.4 * mm,
                "CARTE NATIONALE D'IDENTITÉ / IDENTITY CARD",
                lab,
            );
            let (px, py, pw, ph) = (4.0 * mm, 14.0 * mm, 25.0 * mm, 32.0 * mm);
            wr.c.blit_scaled(portrait, px as i64, py as i64, pw as usize, ph as usize);
            photo = Some([px, py, pw, ph]);
            let x = px + pw + 4.0 * mm;
            let mut y = py + 1.5 * mm;
            let sex = if p.sex == mrz::Sex::Female { "F" } else { "M" };
            let rows: [(&str, &'static str, String); 5] = [
                ("NOM / Surname", "surname", p.surname.clone()),
                ("Prénoms / Given names", "given_names", p.given.clone()),
                (
                    "DATE DE NAISS. / Date of birth",
                    "birth_date",
                    date_space(p.birth),
                ),
                (
                    "N° DU DOCUMENT / Document No",
                    "document_number",
                    p.number.clone(),
                ),
                (
                    "DATE D'EXPIR. / Expiry date",
                    "expiry_date",
                    date_space(p.expiry),
                ),
            ];
            for (lf, name, value) in rows {
                wr.label(x, y, 1.8 * mm, lf, lab);
                wr.field(name, x, y + 3.3 * mm, fsz, &value, &bold);
                y += 6.3 * mm;
            }
            wr.label(
                x + 36.0 * mm,
                py + 1.5 * mm + 12.6 * mm,
                1.8 * mm,
                "SEXE / Sex",
                lab,
            );
            wr.field(
                "sex",
                x + 36.0 * mm,
                py + 1.5 * mm + 12.6 * mm + 3.3 * mm,
                fsz,
                sex,
                &bold,
            );
        }
    }
    let mrz = if kind.mrz_on_back() {
        None
    } else {
        Some(draw_mrz(&mut wr.c, &ocrb, mrz_lines, 4.5))
    };
    Side {
        canvas: wr.c,
        fields: wr.fields,
        photo,
        mrz,
    }
}

/// Renders the back of a TD1 card (address block and the MRZ).
pub fn back(fonts: &Fonts, rng: &mut Rng, kind: DocKind, mrz_lines: &[String]) -> Side {
    let (w, h) = kind.size_px();
    let latin = fonts.latin();
    let ocrb = fonts.ocrb();
    let (base, ink) = match kind {
        DocKind::FrenchId => ([228, 234, 246], [160, 170, 215]),
        _ => ([226, 238, 226], [130, 175, 150]),
    };
    let mut c = Canvas::new(w, h, base);
    background(&mut c, rng, base, ink);
    let mm = PX_PER_MM;
    let lab = [80, 70, 110];
    draw_text(
        &mut c,
        &latin,
        1.9 * mm,
        5.0 * mm,
        6.0 * mm,
        "Adresse / Address",
        lab,
    );
    draw_text(
        &mut c,
        &latin,
        2.6 * mm,
        5.0 * mm,
        10.0 * mm,
        "12 RUE DES OLIVIERS",
        [20, 20, 30],
    );
    draw_text(
        &mut c,
        &latin,
        1.9 * mm,
        5.0 * mm,
        15.0 * mm,
        "Autorité / Authority",
        lab,
    );
    draw_text(
        &mut c,
        &latin,
        2.6 * mm,
        5.0 * mm,
        19.0 * mm,
        "PRÉFECTURE",
        [20, 20, 30],
    );
    let mrz = Some(draw_mrz(&mut c, &ocrb, mrz_lines, 3.2));
    Side {
        canvas: c,
        fields: Vec::new(),
        photo: None,
        mrz,
    }
}
