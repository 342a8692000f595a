//! A chip (or a man in the middle) answering anything: the reader returns errors, never panics;
//! the virtual chip answers any command bytes with a status word.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use emrtd_reader::{AccessKey, Error, Reader, Transport, VirtualChip};
use emrtd_testkit::SeededRng;
use proptest::prelude::*;

struct Garbage {
    answers: Vec<Vec<u8>>,
    i: usize,
}

impl Transport for Garbage {
    fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, Error> {
        let a = self
            .answers
            .get(self.i % self.answers.len().max(1))
            .cloned()
            .unwrap_or_default();
        self.i += 1;
        if self.i > 500 {
            return Err(Error::Transport("enough".into()));
        }
        Ok(a)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn the_reader_survives_any_answers(answers in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 1..12)) {
        let mut t = Garbage { answers, i: 0 };
        let key = AccessKey::from_mrz_fields("L898902C<", "740812", "120415").unwrap();
        let mut r = Reader::new(&mut t, key, SeededRng::new("r", 1));
        let _ = r.read_all(|_, _| {});
        let _ = r.active_authentication(&[0; 8]);
    }

    #[test]
    fn the_virtual_chip_answers_any_command(commands in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..60), 1..20)) {
        let info = mrz::bac::BacKeys::mrz_information("L898902C<", "740812", "120415").unwrap();
        let mut chip = VirtualChip::new(Default::default(), &info, SeededRng::new("c", 1));
        for c in commands {
            if let Ok(resp) = chip.transmit(&c) {
                prop_assert!(resp.len() >= 2);
            }
        }
    }
}
