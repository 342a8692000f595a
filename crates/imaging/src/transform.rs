//! Geometry on decoded images: raw construction, box downscaling, affine warps (bilinear).
//!
//! Used by the face engine to letterbox a photo into a detector's input and to align a face to
//! an embedding model's canonical crop. Pure and bounded: the output size is the caller's, and a
//! sample outside the source reads black.

use crate::{Error, Image, ImageFormat};

/// An affine map from *output* pixel coordinates to *source* pixel coordinates:
/// `x_src = a·x + b·y + c`, `y_src = d·x + e·y + f`, in the continuous convention where pixel
/// `(i, j)` covers `[i, i+1) × [j, j+1)` (its centre is `(i + 0.5, j + 0.5)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// x_src per x.
    pub a: f32,
    /// x_src per y.
    pub b: f32,
    /// x_src offset.
    pub c: f32,
    /// y_src per x.
    pub d: f32,
    /// y_src per y.
    pub e: f32,
    /// y_src offset.
    pub f: f32,
}

impl Affine {
    /// The identity map.
    pub const IDENTITY: Affine = Affine {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: 0.0,
        e: 1.0,
        f: 0.0,
    };

    /// Maps a point.
    #[must_use]
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.a * x + self.b * y + self.c,
            self.d * x + self.e * y + self.f,
        )
    }

    /// The inverse map, if the linear part is invertible.
    #[must_use]
    pub fn inverse(&self) -> Option<Affine> {
        let det = self.a * self.e - self.b * self.d;
        if !det.is_finite() || det.abs() < 1e-12 {
            return None;
        }
        let (a, b, d, e) = (self.e / det, -self.b / det, -self.d / det, self.a / det);
        Some(Affine {
            a,
            b,
            c: -(a * self.c + b * self.f),
            d,
            e,
            f: -(d * self.c + e * self.f),
        })
    }

    /// The map followed by a uniform scaling of the source by `s` (source coordinates × s).
    #[must_use]
    pub fn then_scale(&self, s: f32) -> Affine {
        Affine {
            a: self.a * s,
            b: self.b * s,
            c: self.c * s,
            d: self.d * s,
            e: self.e * s,
            f: self.f * s,
        }
    }

    /// The largest source distance one output pixel step covers (how much the map shrinks).
    #[must_use]
    pub fn source_step(&self) -> f32 {
        (self.a.hypot(self.d)).max(self.b.hypot(self.e))
    }
}

impl Image {
    /// An image from raw RGB8 pixels (`width * height * 3` bytes); `source` records where
    /// the pixels came from.
    pub fn from_rgb8(
        width: u32,
        height: u32,
        pixels: Vec<u8>,
        source: ImageFormat,
    ) -> Result<Image, Error> {
        let expected = u64::from(width) * u64::from(height) * 3;
        if width == 0 || height == 0 || u64::try_from(pixels.len()).ok() != Some(expected) {
            return Err(Error::Corrupt {
                format: "rgb8",
                detail: format!("{} bytes for {width}×{height}", pixels.len()),
            });
        }
        Ok(Image {
            width,
            height,
            pixels,
            source,
        })
    }

    /// The image shrunk by an integer `factor` in both directions, each output pixel the mean
    /// of a `factor × factor` block (edge blocks use the pixels that exist). `factor` 0 or 1
    /// returns a copy.
    #[must_use]
    pub fn downscale_box(&self, factor: u32) -> Image {
        if factor <= 1 {
            return self.clone();
        }
        let w = self.width.div_ceil(factor);
        let h = self.height.div_ceil(factor);
        let (sw, sh) = (self.width as usize, self.height as usize);
        let k = factor as usize;
        let mut out = Vec::with_capacity(w as usize * h as usize * 3);
        for oy in 0..h as usize {
            let y0 = oy * k;
            let y1 = (y0 + k).min(sh);
            for ox in 0..w as usize {
                let x0 = ox * k;
                let x1 = (x0 + k).min(sw);
                let mut acc = [0u32; 3];
                for y in y0..y1 {
                    let row = self
                        .pixels
                        .get((y * sw + x0) * 3..(y * sw + x1) * 3)
                        .unwrap_or(&[]);
                    for px in row.chunks_exact(3) {
                        for (a, v) in acc.iter_mut().zip(px) {
                            *a += u32::from(*v);
                        }
                    }
                }
                let n = u32::try_from((y1 - y0) * (x1 - x0)).unwrap_or(1).max(1);
                for a in acc {
                    out.push(u8::try_from((a + n / 2) / n).unwrap_or(u8::MAX));
                }
            }
        }
        Image {
            width: w,
            height: h,
            pixels: out,
            source: self.source,
        }
    }

    /// Resamples the image through `map` (output → source coordinates) into a
    /// `width × height` image, bilinearly; samples outside the source are black. Where the map
    /// shrinks by more than 2×, the source is box-downscaled first so the result does not alias.
    /// Returns `None` for a zero or non-finite size or map.
    #[must_use]
    // Float → integer casts here saturate (Rust semantics) on values already clamped or floored.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn warp_affine(&self, map: &Affine, width: u32, height: u32) -> Option<Image> {
        let finite = [map.a, map.b, map.c, map.d, map.e, map.f]
            .iter()
            .all(|v| v.is_finite());
        if width == 0 || height == 0 || !finite {
            return None;
        }
        // Work on the part of the source the output can reach (plus a margin for the
        // bilinear neighbours and the box filter), so a small crop of a large photo does not
        // pay for the whole photo.
        let corners = [
            map.apply(0.0, 0.0),
            map.apply(width as f32, 0.0),
            map.apply(0.0, height as f32),
            map.apply(width as f32, height as f32),
        ];
        let lo = |f: fn(&(f32, f32)) -> f32| corners.iter().map(f).fold(f32::INFINITY, f32::min);
        let hi =
            |f: fn(&(f32, f32)) -> f32| corners.iter().map(f).fold(f32::NEG_INFINITY, f32::max);
        let step = map.source_step();
        let margin = step.ceil().max(1.0) + 2.0;
        let clamp_x = |v: f32| v.clamp(0.0, self.width as f32) as u32;
        let clamp_y = |v: f32| v.clamp(0.0, self.height as f32) as u32;
        let (x0, x1) = (clamp_x(lo(|p| p.0) - margin), clamp_x(hi(|p| p.0) + margin));
        let (y0, y1) = (clamp_y(lo(|p| p.1) - margin), clamp_y(hi(|p| p.1) + margin));
        if x1 <= x0 || y1 <= y0 {
            // Entirely outside the source: black.
            return Image::from_rgb8(
                width,
                height,
                vec![0; width as usize * height as usize * 3],
                self.source,
            )
            .ok();
        }
        if x0 > 0 || y0 > 0 || x1 < self.width || y1 < self.height {
            let region = self.region(x0, y0, x1 - x0, y1 - y0);
            let shifted = Affine {
                c: map.c - x0 as f32,
                f: map.f - y0 as f32,
                ..*map
            };
            return Some(region.warp_affine_whole(&shifted, width, height, step));
        }
        Some(self.warp_affine_whole(map, width, height, step))
    }

    /// The `w × h` region at (`x`, `y`), which the caller keeps inside the image.
    fn region(&self, x: u32, y: u32, w: u32, h: u32) -> Image {
        let stride = self.width as usize * 3;
        let mut pixels = Vec::with_capacity(w as usize * h as usize * 3);
        for row in y as usize..(y + h) as usize {
            let start = row * stride + x as usize * 3;
            pixels.extend_from_slice(
                self.pixels
                    .get(start..start + w as usize * 3)
                    .unwrap_or(&[]),
            );
        }
        pixels.resize(w as usize * h as usize * 3, 0);
        Image {
            width: w,
            height: h,
            pixels,
            source: self.source,
        }
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn warp_affine_whole(&self, map: &Affine, width: u32, height: u32, step: f32) -> Image {
        let factor = if step >= 2.0 {
            // Saturating float→int: a huge step gives a huge factor, clamped to the image.
            (step.floor() as u32)
                .min(self.width.max(self.height))
                .max(1)
        } else {
            1
        };
        if factor > 1 {
            let small = self.downscale_box(factor);
            let m = map.then_scale(1.0 / factor as f32);
            return small.warp_bilinear(&m, width, height);
        }
        self.warp_bilinear(map, width, height)
    }

    // Coordinates are checked against the source size before any cast to an index; float →
    // integer casts saturate (Rust semantics) on values already clamped.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn warp_bilinear(&self, map: &Affine, width: u32, height: u32) -> Image {
        let (sw, sh) = (self.width as i64, self.height as i64);
        let stride = self.width as usize * 3;
        let mut out = vec![0u8; width as usize * height as usize * 3];
        let sample = |x: i64, y: i64, c: usize| -> f32 {
            if x < 0 || y < 0 || x >= sw || y >= sh {
                return 0.0;
            }
            let i = y as usize * stride + x as usize * 3 + c;
            f32::from(self.pixels.get(i).copied().unwrap_or(0))
        };
        for (oy, row) in out.chunks_exact_mut(width as usize * 3).enumerate() {
            for (ox, px) in row.chunks_exact_mut(3).enumerate() {
                let (sx, sy) = map.apply(ox as f32 + 0.5, oy as f32 + 0.5);
                let (fx, fy) = (sx - 0.5, sy - 0.5);
                if !(fx > -1.0 && fy > -1.0 && fx < sw as f32 && fy < sh as f32) {
                    continue;
                }
                let (x0, y0) = (fx.floor(), fy.floor());
                let (tx, ty) = (fx - x0, fy - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                for (c, v) in px.iter_mut().enumerate() {
                    let top = sample(x0, y0, c) * (1.0 - tx) + sample(x0 + 1, y0, c) * tx;
                    let bottom =
                        sample(x0, y0 + 1, c) * (1.0 - tx) + sample(x0 + 1, y0 + 1, c) * tx;
                    let value = top * (1.0 - ty) + bottom * ty;
                    *v = value.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        Image {
            width,
            height,
            pixels: out,
            source: self.source,
        }
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> Image {
        let mut p = Vec::new();
        for y in 0..h {
            for x in 0..w {
                p.extend_from_slice(&[(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 7]);
            }
        }
        Image::from_rgb8(w, h, p, ImageFormat::Jpeg).unwrap()
    }

    #[test]
    fn identity_warp_is_exact() {
        let img = gradient(17, 9);
        let out = img.warp_affine(&Affine::IDENTITY, 17, 9).unwrap();
        assert_eq!(out.pixels(), img.pixels());
    }

    #[test]
    fn inverse_round_trips() {
        let m = Affine {
            a: 0.8,
            b: -0.3,
            c: 5.0,
            d: 0.3,
            e: 0.8,
            f: -2.0,
        };
        let inv = m.inverse().unwrap();
        let (x, y) = inv.apply(m.apply(3.0, 4.0).0, m.apply(3.0, 4.0).1);
        assert!((x - 3.0).abs() < 1e-4 && (y - 4.0).abs() < 1e-4);
        assert!(
            Affine {
                a: 0.0,
                b: 0.0,
                c: 0.0,
                d: 0.0,
                e: 0.0,
                f: 0.0
            }
            .inverse()
            .is_none()
        );
    }

    #[test]
    fn downscale_averages_blocks() {
        let img = Image::from_rgb8(
            2,
            2,
            vec![0, 0, 0, 100, 100, 100, 200, 200, 200, 100, 100, 100],
            ImageFormat::Jpeg,
        )
        .unwrap();
        let small = img.downscale_box(2);
        assert_eq!((small.width(), small.height()), (1, 1));
        assert_eq!(small.pixels(), &[100, 100, 100]);
        let odd = gradient(5, 3).downscale_box(2);
        assert_eq!((odd.width(), odd.height()), (3, 2));
    }

    #[test]
    fn shrinking_warp_and_outside_is_black() {
        let img = gradient(400, 300);
        let m = Affine {
            a: 4.0,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: 4.0,
            f: 0.0,
        };
        let out = img.warp_affine(&m, 100, 100).unwrap();
        assert_eq!(out.pixel(50, 90), Some([0, 0, 0]));
        assert!(out.pixel(50, 10).unwrap()[0] > 100);
        assert!(
            img.warp_affine(&Affine { a: f32::NAN, ..m }, 10, 10)
                .is_none()
        );
        assert!(img.warp_affine(&m, 0, 10).is_none());
    }

    #[test]
    fn small_crop_of_a_large_image_reads_the_right_region() {
        let img = gradient(400, 300);
        let m = Affine {
            a: 1.0,
            b: 0.0,
            c: 100.0,
            d: 0.0,
            e: 1.0,
            f: 50.0,
        };
        let out = img.warp_affine(&m, 20, 20).unwrap();
        for (x, y) in [(0, 0), (19, 0), (7, 13), (19, 19)] {
            assert_eq!(out.pixel(x, y), img.pixel(100 + x, 50 + y));
        }
        // Shrinking a region gives the same as shrinking the whole image, near enough.
        let m = Affine {
            a: 3.0,
            b: 0.0,
            c: 90.0,
            d: 0.0,
            e: 3.0,
            f: 60.0,
        };
        let a = img.warp_affine(&m, 30, 30).unwrap();
        let whole = img.downscale_box(3);
        let b = whole
            .warp_affine(
                &Affine {
                    a: 1.0,
                    b: 0.0,
                    c: 30.0,
                    d: 0.0,
                    e: 1.0,
                    f: 20.0,
                },
                30,
                30,
            )
            .unwrap();
        let diff = a
            .pixels()
            .iter()
            .zip(b.pixels())
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap();
        assert!(diff <= 3, "{diff}");
        // Entirely outside: black.
        let far = Affine { c: 10_000.0, ..m };
        assert!(
            img.warp_affine(&far, 5, 5)
                .unwrap()
                .pixels()
                .iter()
                .all(|&v| v == 0)
        );
    }

    #[test]
    fn raw_construction_checks_size() {
        assert!(Image::from_rgb8(2, 2, vec![0; 11], ImageFormat::Jpeg).is_err());
        assert!(Image::from_rgb8(0, 2, vec![], ImageFormat::Jpeg).is_err());
    }
}
