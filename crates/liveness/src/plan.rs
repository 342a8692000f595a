//! The challenge plan: which movements, in which order, by when, and the colour sequence the
//! capture page flashes, all drawn from randomness the caller hands in.
//!
//! The colour sequence is not stored: it is HMAC-SHA-256 of the nonce (key: a fixed domain
//! label), so the server recomputes it from the nonce it stored, and a client that does not
//! know the nonce cannot know the colours before the step starts.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// One movement the person is asked to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Challenge {
    /// Turn the head to the person's own left (their nose moves to the right of a
    /// non-mirrored frame).
    TurnLeft,
    /// Turn the head to the person's own right.
    TurnRight,
    /// Tilt the head back, looking up.
    LookUp,
    /// Nod: head down, then back up.
    Nod,
    /// Smile (the mouth widens).
    Smile,
    /// Close both eyes, then open them.
    Blink,
    /// Open the mouth.
    OpenMouth,
}

impl Challenge {
    /// Every challenge, in a fixed order (the draw indexes into it).
    pub const ALL: [Challenge; 7] = [
        Challenge::TurnLeft,
        Challenge::TurnRight,
        Challenge::LookUp,
        Challenge::Nod,
        Challenge::Smile,
        Challenge::Blink,
        Challenge::OpenMouth,
    ];

    /// The stable name (API, evidence, translations on the capture page).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Challenge::TurnLeft => "turn_left",
            Challenge::TurnRight => "turn_right",
            Challenge::LookUp => "look_up",
            Challenge::Nod => "nod",
            Challenge::Smile => "smile",
            Challenge::Blink => "blink",
            Challenge::OpenMouth => "open_mouth",
        }
    }

    /// The challenge named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Challenge> {
        Challenge::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Two challenges that must not follow each other (the second would be read from the
    /// first's movement: a nod is a look down after a look up, turning back from one side
    /// passes through the middle only).
    fn clashes(self, next: Challenge) -> bool {
        matches!(
            (self, next),
            (Challenge::LookUp, Challenge::Nod) | (Challenge::Nod, Challenge::LookUp)
        )
    }
}

/// A colour the capture page shows full-screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Pure red.
    Red,
    /// Pure green.
    Green,
    /// Pure blue.
    Blue,
    /// Red + green.
    Yellow,
    /// Red + blue.
    Magenta,
    /// Green + blue.
    Cyan,
}

impl Colour {
    const ALL: [Colour; 6] = [
        Colour::Red,
        Colour::Green,
        Colour::Blue,
        Colour::Yellow,
        Colour::Magenta,
        Colour::Cyan,
    ];

    /// Its sRGB value on the screen.
    #[must_use]
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Colour::Red => [255, 0, 0],
            Colour::Green => [0, 255, 0],
            Colour::Blue => [0, 0, 255],
            Colour::Yellow => [255, 255, 0],
            Colour::Magenta => [255, 0, 255],
            Colour::Cyan => [0, 255, 255],
        }
    }

    /// CSS hex form, for the capture page.
    #[must_use]
    pub fn css(self) -> String {
        let [r, g, b] = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// One step of the colour sequence, in ms from the start of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColourStep {
    /// The colour.
    pub colour: Colour,
    /// When it appears, ms after the recording started.
    pub start_ms: u32,
    /// How long it stays.
    pub duration_ms: u32,
}

/// The nonce of one liveness step (128 bits). `Debug` prints its hex form: it is a public
/// challenge, not a secret, once the step has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nonce(#[serde(with = "hex_bytes")] pub [u8; 16]);

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 16];
        hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// Plan parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanConfig {
    /// How long the person has, from the start of the step to the last frame.
    pub lifetime_ms: i64,
    /// Colour steps in the sequence.
    pub colour_steps: usize,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            lifetime_ms: 120_000,
            colour_steps: 5,
        }
    }
}

/// The plan of one liveness step, stored with the verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The challenges, in the order they must happen (3 or 4).
    pub challenges: Vec<Challenge>,
    /// The nonce the colour sequence derives from.
    pub nonce: Nonce,
    /// When the step started, Unix ms (server clock).
    pub issued_at_ms: i64,
    /// The last moment a frame counts, Unix ms (server clock).
    pub deadline_ms: i64,
}

impl Plan {
    /// Draws a plan from 32 random bytes (the caller's CSPRNG): the first 16 are the nonce, the
    /// rest choose 3 or 4 distinct challenges in a random order.
    #[must_use]
    pub fn draw(random: [u8; 32], now_ms: i64, config: &PlanConfig) -> Plan {
        let (nonce_bytes, rest) = random.split_at(16);
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(nonce_bytes);
        let count = 3 + usize::from(rest.first().copied().unwrap_or(0) & 1);
        let mut pool: Vec<Challenge> = Challenge::ALL.to_vec();
        let mut challenges: Vec<Challenge> = Vec::with_capacity(count);
        for &b in rest.iter().skip(1) {
            if challenges.len() == count || pool.is_empty() {
                break;
            }
            let i = usize::from(b) % pool.len();
            let pick = pool.remove(i);
            if challenges.last().is_some_and(|last| last.clashes(pick)) {
                // Keep it for later (or never); the next byte picks again.
                pool.push(pick);
                continue;
            }
            challenges.push(pick);
        }
        // Sixteen bytes always fill 3–4 slots from a pool of 7 in practice; should the bytes
        // run out, fill deterministically so the plan is never shorter than three.
        for c in Challenge::ALL {
            if challenges.len() >= 3 {
                break;
            }
            if !challenges.contains(&c) && !challenges.last().is_some_and(|l| l.clashes(c)) {
                challenges.push(c);
            }
        }
        Plan {
            challenges,
            nonce: Nonce(nonce),
            issued_at_ms: now_ms,
            deadline_ms: now_ms.saturating_add(config.lifetime_ms),
        }
    }

    /// The colour sequence of this plan's nonce.
    #[must_use]
    pub fn colours(&self, config: &PlanConfig) -> Vec<ColourStep> {
        colour_sequence(&self.nonce, config.colour_steps)
    }
}

/// The colour sequence of `nonce`: `steps` colours (each different from the one before),
/// each shown 500–900 ms, back to back from 0 ms, derived from HMAC-SHA-256 of the nonce.
#[must_use]
pub fn colour_sequence(nonce: &Nonce, steps: usize) -> Vec<ColourStep> {
    let mut out: Vec<ColourStep> = Vec::with_capacity(steps);
    let mut counter = 0u32;
    let mut bytes: Vec<u8> = Vec::new();
    let mut start = 0u32;
    while out.len() < steps {
        if bytes.len() < 2 {
            bytes = block(nonce, counter);
            counter = counter.wrapping_add(1);
        }
        let (a, b) = (bytes.remove(0), bytes.remove(0));
        let previous = out.last().map(|s| s.colour);
        // Five candidates: every colour but the previous one.
        let candidates: Vec<Colour> = Colour::ALL
            .into_iter()
            .filter(|c| Some(*c) != previous)
            .collect();
        let Some(&colour) = candidates.get(usize::from(a) % candidates.len().max(1)) else {
            break;
        };
        let duration_ms = 500 + u32::from(b) * 400 / 255;
        out.push(ColourStep {
            colour,
            start_ms: start,
            duration_ms,
        });
        start = start.saturating_add(duration_ms);
    }
    out
}

fn block(nonce: &Nonce, counter: u32) -> Vec<u8> {
    let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(b"idverify liveness colours v1")
    else {
        return vec![0; 32];
    };
    m.update(&nonce.0);
    m.update(&counter.to_be_bytes());
    m.finalize().into_bytes().to_vec()
}

/// The colour on screen at `t_ms` after the recording started, if the sequence is still running.
#[must_use]
pub fn colour_at(sequence: &[ColourStep], t_ms: i64) -> Option<Colour> {
    sequence
        .iter()
        .find(|s| {
            let start = i64::from(s.start_ms);
            t_ms >= start && t_ms < start.saturating_add(i64::from(s.duration_ms))
        })
        .map(|s| s.colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_have_three_or_four_distinct_challenges_and_no_clash() {
        let config = PlanConfig::default();
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000u32 {
            let mut r = [0u8; 32];
            for (j, b) in r.iter_mut().enumerate() {
                let j = u32::try_from(j).unwrap_or(0);
                *b = (i
                    .wrapping_mul(2_654_435_761)
                    .wrapping_add(j.wrapping_mul(40_503))
                    >> 7)
                    .to_le_bytes()[0];
            }
            let p = Plan::draw(r, 1000, &config);
            assert!((3..=4).contains(&p.challenges.len()), "{p:?}");
            let set: std::collections::HashSet<_> = p.challenges.iter().collect();
            assert_eq!(set.len(), p.challenges.len());
            for w in p.challenges.windows(2) {
                assert!(!w[0].clashes(w[1]));
            }
            assert_eq!(p.deadline_ms, 121_000);
            seen.insert(p.challenges.clone());
        }
        assert!(seen.len() > 100, "plans vary: {}", seen.len());
        // All zeros still gives a full plan.
        assert_eq!(Plan::draw([0; 32], 0, &config).challenges.len(), 3);
    }

    #[test]
    fn the_colour_sequence_is_a_function_of_the_nonce() {
        let a = colour_sequence(&Nonce([1; 16]), 5);
        assert_eq!(a, colour_sequence(&Nonce([1; 16]), 5));
        assert_ne!(a, colour_sequence(&Nonce([2; 16]), 5));
        assert_eq!(a.len(), 5);
        for w in a.windows(2) {
            assert_ne!(w[0].colour, w[1].colour);
            assert_eq!(w[1].start_ms, w[0].start_ms + w[0].duration_ms);
        }
        assert!(a.iter().all(|s| (500..=900).contains(&s.duration_ms)));
        assert_eq!(colour_at(&a, 0), Some(a[0].colour));
        assert_eq!(colour_at(&a, -1), None);
        assert_eq!(colour_at(&a, 100_000), None);
        assert_eq!(Colour::Cyan.css(), "#00ffff");
    }

    #[test]
    fn plans_round_trip_through_json() {
        let p = Plan::draw([7; 32], 5, &PlanConfig::default());
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains("\"nonce\":\"07070707"));
        let back: Plan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        assert_eq!(Challenge::parse("open_mouth"), Some(Challenge::OpenMouth));
        assert_eq!(Challenge::parse("x"), None);
    }
}
