//! Presentation-attack signals that need no model: thumbnails and difference hashes for
//! identical frames, the skin's mean colour for the colour sequence, and a frequency-domain
//! measure of screen moiré and pixel grids.
//!
//! Moiré: a photographed screen overlays the face with a periodic pattern (the screen's pixel
//! grid beating against the camera's sensor grid). In the power spectrum of a patch of the face
//! at the camera's native resolution it is a sharp, isolated line away from the centre, where
//! a live face's spectrum falls off smoothly and its textures are broad. The measure is the
//! sharpest mid-to-high-frequency line against the bins around it (a radix-2 FFT written here,
//! Hann-windowed, mean removed), as log10.

use face::Point;
use imaging::Image;

fn luma(p: [u8; 3]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// A `side`×`side` grey thumbnail of the whole image (box averages over a grid).
#[must_use]
pub fn thumbnail(img: &Image, side: u32) -> Vec<u8> {
    let (w, h) = (img.width(), img.height());
    let mut out = Vec::with_capacity(usize::try_from(side * side).unwrap_or(0));
    if w == 0 || h == 0 || side == 0 {
        return out;
    }
    // Sample a 4×4 lattice in each cell: enough to average noise, cheap on large frames.
    for ty in 0..side {
        for tx in 0..side {
            let mut sum = 0.0f32;
            let mut n = 0.0f32;
            for sy in 0..4u32 {
                for sx in 0..4u32 {
                    let x =
                        (u64::from(tx) * 4 + u64::from(sx)) * u64::from(w) / (u64::from(side) * 4);
                    let y =
                        (u64::from(ty) * 4 + u64::from(sy)) * u64::from(h) / (u64::from(side) * 4);
                    if let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y))
                        && let Some(p) = img.pixel(x, y)
                    {
                        sum += luma(p);
                        n += 1.0;
                    }
                }
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            out.push((sum / n.max(1.0)).round().clamp(0.0, 255.0) as u8);
        }
    }
    out
}

/// The 64-bit difference hash of the image (9×8 grey thumbnail, one bit per horizontal step).
#[must_use]
pub fn dhash(img: &Image) -> u64 {
    let (w, h) = (u64::from(img.width()), u64::from(img.height()));
    let cell = |cx: u64, cy: u64| -> f32 {
        let x = u32::try_from((2 * cx + 1) * w / 18).unwrap_or(0);
        let y = u32::try_from((2 * cy + 1) * h / 16).unwrap_or(0);
        img.pixel(x, y).map_or(0.0, luma)
    };
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            hash = (hash << 1) | u64::from(cell(x + 1, y) > cell(x, y));
        }
    }
    hash
}

/// Mean absolute difference of two thumbnails, grey levels (`f32::INFINITY` when their sizes
/// differ or they are empty).
#[must_use]
pub fn thumb_distance(a: &[u8], b: &[u8]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return f32::INFINITY;
    }
    let sum: u32 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let out = sum as f32 / a.len() as f32;
    out
}

/// Mean RGB over discs of `radius` around `centres`.
#[must_use]
pub fn mean_rgb(img: &Image, centres: &[Point], radius: f32) -> [f32; 3] {
    let mut sum = [0.0f64; 3];
    let mut n = 0.0f64;
    let r = radius.clamp(1.0, 64.0);
    #[allow(clippy::cast_possible_truncation)]
    let ri = r.ceil() as i32;
    for c in centres {
        if !(c.x.is_finite() && c.y.is_finite()) {
            continue;
        }
        #[allow(clippy::cast_possible_truncation)]
        let (cx, cy) = (c.x.round() as i32, c.y.round() as i32);
        for dy in -ri..=ri {
            for dx in -ri..=ri {
                #[allow(clippy::cast_precision_loss)]
                if ((dx * dx + dy * dy) as f32) > r * r {
                    continue;
                }
                let (Ok(x), Ok(y)) = (u32::try_from(cx + dx), u32::try_from(cy + dy)) else {
                    continue;
                };
                if let Some(p) = img.pixel(x, y) {
                    for (s, v) in sum.iter_mut().zip(p) {
                        *s += f64::from(v);
                    }
                    n += 1.0;
                }
            }
        }
    }
    if n == 0.0 {
        return [0.0; 3];
    }
    #[allow(clippy::cast_possible_truncation)]
    sum.map(|s| (s / n) as f32)
}

/// The moiré measure of the `size`×`size` patch (a power of two, ≤ 256) centred on `centre`,
/// at native resolution (clipped to the image; a patch smaller than 32 pixels measures 0).
#[must_use]
pub fn moire(img: &Image, centre: Point, size: usize) -> f32 {
    let size = size.clamp(32, 256).next_power_of_two();
    let side = size
        .min(usize::try_from(img.width()).unwrap_or(0))
        .min(usize::try_from(img.height()).unwrap_or(0));
    // Largest power of two that fits.
    let n = if side >= 32 {
        1usize << (usize::BITS - 1 - side.leading_zeros())
    } else {
        return 0.0;
    };
    let half = n / 2;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let max_x0 = img.width() as f32 - n as f32;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let max_y0 = img.height() as f32 - n as f32;
    #[allow(clippy::cast_precision_loss)]
    let fx = (centre.x - half as f32).clamp(0.0, max_x0.max(0.0));
    #[allow(clippy::cast_precision_loss)]
    let fy = (centre.y - half as f32).clamp(0.0, max_y0.max(0.0));
    if !(fx.is_finite() && fy.is_finite()) {
        return 0.0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (x0, y0) = (fx as u32, fy as u32);
    let mut grey = vec![0.0f32; n * n];
    for (y, row) in grey.chunks_exact_mut(n).enumerate() {
        for (x, v) in row.iter_mut().enumerate() {
            let (Ok(dx), Ok(dy)) = (u32::try_from(x), u32::try_from(y)) else {
                continue;
            };
            *v = img.pixel(x0 + dx, y0 + dy).map_or(0.0, luma);
        }
    }
    spectrum_peak(&grey, n)
}

/// log10 of the sharpest spectral line in the band 0.3…0.95 of Nyquist of an `n`×`n` grey
/// patch (mean removed, Hann window): a line's power over the mean of the ring of bins three
/// steps around it, among lines holding at least 1e-4 of the patch's energy.
#[must_use]
pub fn spectrum_peak(grey: &[f32], n: usize) -> f32 {
    if n < 8 || !n.is_power_of_two() || grey.len() != n * n {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let mean = grey.iter().sum::<f32>() / grey.len() as f32;
    #[allow(clippy::cast_precision_loss)]
    let hann: Vec<f32> = (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos())
        .collect();
    let mut re: Vec<f32> = Vec::with_capacity(n * n);
    for (y, row) in grey.chunks_exact(n).enumerate() {
        let wy = hann.get(y).copied().unwrap_or(0.0);
        for (x, v) in row.iter().enumerate() {
            re.push((v - mean) * wy * hann.get(x).copied().unwrap_or(0.0));
        }
    }
    let mut im = vec![0.0f32; n * n];
    // Rows, then columns.
    for (r, i) in re.chunks_exact_mut(n).zip(im.chunks_exact_mut(n)) {
        fft(r, i);
    }
    let mut col_r = vec![0.0f32; n];
    let mut col_i = vec![0.0f32; n];
    for x in 0..n {
        for (y, (cr, ci)) in col_r.iter_mut().zip(col_i.iter_mut()).enumerate() {
            *cr = re.get(y * n + x).copied().unwrap_or(0.0);
            *ci = im.get(y * n + x).copied().unwrap_or(0.0);
        }
        fft(&mut col_r, &mut col_i);
        for (y, (cr, ci)) in col_r.iter().zip(&col_i).enumerate() {
            if let (Some(a), Some(b)) = (re.get_mut(y * n + x), im.get_mut(y * n + x)) {
                *a = *cr;
                *b = *ci;
            }
        }
    }
    // Power, then each band bin against the ring of bins three steps around it: a screen's
    // grid is one sharp line, a face's texture is broad.
    let power: Vec<f32> = re.iter().zip(&im).map(|(a, b)| a * a + b * b).collect();
    #[allow(clippy::cast_possible_wrap)]
    let ni = n as isize;
    let at = |x: isize, y: isize| -> f32 {
        let (x, y) = (x.rem_euclid(ni), y.rem_euclid(ni));
        #[allow(clippy::cast_sign_loss)]
        power
            .get(y as usize * n + x as usize)
            .copied()
            .unwrap_or(0.0)
    };
    #[allow(clippy::cast_precision_loss)]
    let nyq = (n / 2) as f32;
    let total: f32 = power.iter().sum::<f32>().max(1e-6);
    let mut best = 0.0f32;
    for y in 0..ni {
        for x in 0..=ni / 2 {
            let fy = if y > ni / 2 { y - ni } else { y };
            #[allow(clippy::cast_precision_loss)]
            let r = (x as f32).hypot(fy as f32) / nyq;
            if !(0.3..=0.95).contains(&r) {
                continue;
            }
            let p = at(x, y);
            // Only lines that carry a real share of the energy count (noise has sharp bins too).
            if p < total * 1e-4 {
                continue;
            }
            let mut ring = 0.0f32;
            let mut k = 0.0f32;
            for d in -3isize..=3 {
                for (dx, dy) in [(d, -3), (d, 3), (-3, d), (3, d)] {
                    ring += at(x + dx, y + dy);
                    k += 1.0;
                }
            }
            let local = p / (ring / k).max(1e-6);
            best = best.max(local);
        }
    }
    if !best.is_finite() || best <= 0.0 {
        return 0.0;
    }
    best.log10()
}

/// In-place iterative radix-2 FFT; `re.len()` must be a power of two (else nothing happens).
#[allow(clippy::indexing_slicing)] // every index is below n, checked by the loop bounds
pub fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    if n < 2 || !n.is_power_of_two() || im.len() != n {
        return;
    }
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        #[allow(clippy::cast_precision_loss)]
        let ang = -2.0 * std::f64::consts::PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                #[allow(clippy::cast_precision_loss)]
                let (s, c) = (ang * k as f64).sin_cos();
                #[allow(clippy::cast_possible_truncation)]
                let (c, s) = (c as f32, s as f32);
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_of_a_cosine_is_two_peaks() {
        let n = 16;
        let mut re: Vec<f32> = (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * 3.0 * i as f32 / n as f32).cos())
            .collect();
        let mut im = vec![0.0; n];
        fft(&mut re, &mut im);
        let mag: Vec<f32> = re.iter().zip(&im).map(|(a, b)| a.hypot(*b)).collect();
        assert!((mag[3] - 8.0).abs() < 1e-3 && (mag[13] - 8.0).abs() < 1e-3);
        assert!(mag[0].abs() < 1e-3 && mag[5].abs() < 1e-3);
    }

    #[test]
    fn a_grid_peaks_and_noise_does_not() {
        let n = 64;
        let mut seed = 12345u32;
        let mut noise = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            ((seed >> 16) % 21) as f32 - 10.0
        };
        let plain: Vec<f32> = (0..n * n).map(|_| 128.0 + noise()).collect();
        let grid: Vec<f32> = (0..n * n)
            .map(|i| {
                let x = (i % n) as f32;
                128.0 + noise() + 20.0 * (2.0 * std::f32::consts::PI * x / 2.7).sin()
            })
            .collect();
        let (a, b) = (spectrum_peak(&plain, n), spectrum_peak(&grid, n));
        assert!(a < 1.2, "noise {a}");
        assert!(b > 2.5, "grid {b}");
        assert_eq!(spectrum_peak(&plain, 63), 0.0);
    }

    #[test]
    fn thumbnails_hashes_and_colours() {
        let img = Image::from_rgb8(
            40,
            20,
            (0..40 * 20)
                .flat_map(|i| {
                    let v = u8::try_from(i % 40 * 6).unwrap_or(0);
                    [v, 10, 200]
                })
                .collect(),
            imaging::ImageFormat::Jpeg,
        )
        .unwrap();
        let t = thumbnail(&img, 8);
        assert_eq!(t.len(), 64);
        assert!(t[7] > t[0]);
        assert_eq!(thumb_distance(&t, &t), 0.0);
        assert_eq!(thumb_distance(&t, &[]), f32::INFINITY);
        assert_eq!(dhash(&img), u64::MAX);
        let c = mean_rgb(&img, &[Point { x: 0.0, y: 10.0 }], 1.0);
        assert!((c[1] - 10.0).abs() < 1e-3 && (c[2] - 200.0).abs() < 1e-3);
        assert_eq!(mean_rgb(&img, &[Point { x: -50.0, y: 0.0 }], 2.0), [0.0; 3]);
        assert_eq!(moire(&img, Point { x: 5.0, y: 5.0 }, 128), 0.0);
    }
}
