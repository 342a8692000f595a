//! A small RGB canvas: rectangles, text through `ab_glyph` (Arabic shaped by `rustybuzz`),
//! scaled blits, bilinear sampling.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

/// An RGB8 raster.
#[derive(Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub w: usize,
    /// Height in pixels.
    pub h: usize,
    /// Row-major RGB8.
    pub px: Vec<u8>,
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Canvas({}x{})", self.w, self.h)
    }
}

impl Canvas {
    /// A canvas filled with one colour.
    pub fn new(w: usize, h: usize, c: [u8; 3]) -> Canvas {
        let mut px = Vec::with_capacity(w * h * 3);
        for _ in 0..w * h {
            px.extend_from_slice(&c);
        }
        Canvas { w, h, px }
    }

    /// The pixel at (x, y), clamped to the edge.
    pub fn get(&self, x: i64, y: i64) -> [u8; 3] {
        let x = x.clamp(0, self.w as i64 - 1) as usize;
        let y = y.clamp(0, self.h as i64 - 1) as usize;
        let i = (y * self.w + x) * 3;
        [self.px[i], self.px[i + 1], self.px[i + 2]]
    }

    /// Sets a pixel (ignored outside).
    pub fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x < 0 || y < 0 || x >= self.w as i64 || y >= self.h as i64 {
            return;
        }
        let i = (y as usize * self.w + x as usize) * 3;
        self.px[i..i + 3].copy_from_slice(&c);
    }

    /// Blends `c` over a pixel with coverage `a` (0–1).
    pub fn blend(&mut self, x: i64, y: i64, c: [u8; 3], a: f32) {
        if x < 0 || y < 0 || x >= self.w as i64 || y >= self.h as i64 {
            return;
        }
        let a = a.clamp(0.0, 1.0);
        let i = (y as usize * self.w + x as usize) * 3;
        for k in 0..3 {
            let v = f32::from(self.px[i + k]) * (1.0 - a) + f32::from(c[k]) * a;
            self.px[i + k] = v.round().clamp(0.0, 255.0) as u8;
        }
    }

    /// Bilinear sample at a real position (edge clamped).
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let x0 = x.floor();
        let y0 = y.floor();
        let fx = x - x0;
        let fy = y - y0;
        let (x0, y0) = (x0 as i64, y0 as i64);
        let a = self.get(x0, y0);
        let b = self.get(x0 + 1, y0);
        let c = self.get(x0, y0 + 1);
        let d = self.get(x0 + 1, y0 + 1);
        let mut out = [0.0; 3];
        for k in 0..3 {
            let top = f32::from(a[k]) * (1.0 - fx) + f32::from(b[k]) * fx;
            let bot = f32::from(c[k]) * (1.0 - fx) + f32::from(d[k]) * fx;
            out[k] = top * (1.0 - fy) + bot * fy;
        }
        out
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 3]) {
        for yy in y.max(0)..(y + h).min(self.h as i64) {
            for xx in x.max(0)..(x + w).min(self.w as i64) {
                self.set(xx, yy, c);
            }
        }
    }

    /// Draws `src` scaled into the rectangle (bilinear, or box-averaged when shrinking a lot).
    pub fn blit_scaled(&mut self, src: &Canvas, x: i64, y: i64, w: usize, h: usize) {
        let sx = src.w as f32 / w as f32;
        let sy = src.h as f32 / h as f32;
        for yy in 0..h {
            for xx in 0..w {
                let p = src.sample((xx as f32 + 0.5) * sx - 0.5, (yy as f32 + 0.5) * sy - 0.5);
                self.set(
                    x + xx as i64,
                    y + yy as i64,
                    [p[0] as u8, p[1] as u8, p[2] as u8],
                );
            }
        }
    }

    /// A halved copy (2×2 box), for shrinking large photos before a bilinear blit.
    pub fn half(&self) -> Canvas {
        let w = (self.w / 2).max(1);
        let h = (self.h / 2).max(1);
        let mut out = Canvas::new(w, h, [0, 0, 0]);
        for y in 0..h {
            for x in 0..w {
                let mut s = [0u32; 3];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let p = self.get((2 * x + dx) as i64, (2 * y + dy) as i64);
                    for k in 0..3 {
                        s[k] += u32::from(p[k]);
                    }
                }
                out.set(
                    x as i64,
                    y as i64,
                    [(s[0] / 4) as u8, (s[1] / 4) as u8, (s[2] / 4) as u8],
                );
            }
        }
        out
    }

    /// Copies a region out.
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Canvas {
        let mut out = Canvas::new(w, h, [0, 0, 0]);
        for yy in 0..h {
            for xx in 0..w {
                out.set(
                    xx as i64,
                    yy as i64,
                    self.get((x + xx) as i64, (y + yy) as i64),
                );
            }
        }
        out
    }
}

/// Draws left-to-right text with its baseline at `y`, starting at `x`; returns the advance.
pub fn draw_text(
    c: &mut Canvas,
    font: &FontRef<'_>,
    size: f32,
    x: f32,
    y: f32,
    text: &str,
    colour: [u8; 3],
) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut pen = x;
    let mut prev: Option<GlyphId> = None;
    for ch in text.chars() {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        draw_glyph(c, font, id, size, pen, y, colour);
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    pen - x
}

/// Width of left-to-right text.
pub fn text_width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    text.chars()
        .map(|ch| scaled.h_advance(font.glyph_id(ch)))
        .sum()
}

/// Draws one glyph whose origin is at (x, y).
pub fn draw_glyph(
    c: &mut Canvas,
    font: &FontRef<'_>,
    id: GlyphId,
    size: f32,
    x: f32,
    y: f32,
    colour: [u8; 3],
) {
    let g = id.with_scale_and_position(PxScale::from(size), point(x, y));
    if let Some(og) = font.outline_glyph(g) {
        let b = og.px_bounds();
        og.draw(|gx, gy, cov| {
            c.blend(
                b.min.x as i64 + i64::from(gx),
                b.min.y as i64 + i64::from(gy),
                colour,
                cov,
            );
        });
    }
}

/// Shapes Arabic (right to left) and draws it so that it ends at `x_right`; returns the width.
pub fn draw_arabic(
    c: &mut Canvas,
    font: &FontRef<'_>,
    face: &rustybuzz::Face<'_>,
    size: f32,
    x_right: f32,
    y: f32,
    text: &str,
    colour: [u8; 3],
) -> f32 {
    let mut buf = rustybuzz::UnicodeBuffer::new();
    buf.push_str(text);
    buf.set_direction(rustybuzz::Direction::RightToLeft);
    buf.guess_segment_properties();
    let shaped = rustybuzz::shape(face, &[], buf);
    let upem = face.units_per_em() as f32;
    // ab_glyph's PxScale is the font's height (ascent − descent); convert to em for the shaper.
    let height_units = font.height_unscaled();
    let px_per_unit = size / height_units.max(1.0);
    let _ = upem;
    let width: f32 = shaped
        .glyph_positions()
        .iter()
        .map(|p| p.x_advance as f32 * px_per_unit)
        .sum();
    let mut pen = x_right - width;
    for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
        let gx = pen + pos.x_offset as f32 * px_per_unit;
        let gy = y - pos.y_offset as f32 * px_per_unit;
        draw_glyph(c, font, GlyphId(info.glyph_id as u16), size, gx, gy, colour);
        pen += pos.x_advance as f32 * px_per_unit;
    }
    width
}
