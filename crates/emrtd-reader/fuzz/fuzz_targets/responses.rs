//! Arbitrary bytes as a chip's answers to the reader, and as commands to the virtual chip:
//! never a panic.
#![no_main]

use emrtd_reader::{AccessKey, Error, Reader, Transport, VirtualChip};
use libfuzzer_sys::fuzz_target;

/// Answers cut from the fuzz input at 0xFF 0xFE markers.
struct Scripted<'a> {
    parts: Vec<&'a [u8]>,
    i: usize,
}

impl Transport for Scripted<'_> {
    fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, Error> {
        let p = self.parts.get(self.i).ok_or_else(|| Error::Transport("end".into()))?;
        self.i += 1;
        Ok(p.to_vec())
    }
}

/// A fixed-output generator: fuzzing needs reproducible runs.
struct Counter(u64);

impl rand_core::TryRng for Counter {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.0 = self.0.wrapping_add(1);
        Ok(self.0 as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(1);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            self.0 = self.0.wrapping_add(0x9E37_79B9);
            *b = (self.0 >> 24) as u8;
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Counter {}

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xFE).collect();
    if let Ok(key) = AccessKey::from_mrz_fields("L898902C<", "740812", "120415") {
        let mut t = Scripted { parts: parts.clone(), i: 0 };
        let mut r = Reader::new(&mut t, key, Counter(1));
        let _ = r.read_all(|_, _| {});
    }
    if let Ok(info) = mrz::bac::BacKeys::mrz_information("L898902C<", "740812", "120415") {
        let mut chip = VirtualChip::new(Default::default(), &info, Counter(2));
        for p in parts {
            let _ = chip.transmit(p);
        }
    }
});
