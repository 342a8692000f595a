//! Basic Access Control keys from the MRZ (ICAO 9303-11 §4.3 and §9.7.1; worked example in
//! Appendix D).
//!
//! ICAO 9303-11 §4.3.2: "The Document Basic Access Keys KEnc and KMAC are derived from the MRZ
//! … Kseed = the most significant 16 bytes of SHA-1(MRZ_information)", where MRZ_information is
//! the document number, date of birth and date of expiry, each followed by its check digit.
//! §9.7.1: "keydata = SHA-1(K ‖ c)", c = 1 for KEnc and 2 for KMAC; for two-key 3DES the first
//! 16 bytes are the key and the DES parity bits are adjusted.

use std::fmt;

use sha1::{Digest, Sha1};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{Error, Field, Mrz, check_digit};

/// Counter for the encryption key (ICAO 9303-11 §9.7.1).
pub const COUNTER_ENC: u32 = 1;
/// Counter for the MAC key (ICAO 9303-11 §9.7.1).
pub const COUNTER_MAC: u32 = 2;
/// Counter for the PACE password key (ICAO 9303-11 §9.7.3).
pub const COUNTER_PACE: u32 = 3;

/// The BAC keys. Secret: zeroized on drop, `Debug` prints `[redacted]`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BacKeys {
    k_seed: [u8; 16],
    k_enc: [u8; 16],
    k_mac: [u8; 16],
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys([redacted])")
    }
}

impl BacKeys {
    /// Keys from the three MRZ fields as printed: document number (fillers included, e.g.
    /// `L898902C<`, or a full long number), birth date and expiry date `YYMMDD`. Check digits are
    /// computed here.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when a field holds a non-MRZ character or a date is not 6 digits.
    pub fn from_fields(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<BacKeys, Error> {
        let doc = document_number.as_bytes();
        if doc.is_empty()
            || !doc
                .iter()
                .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
        {
            return Err(Error::InvalidField {
                field: Field::DocumentNumber,
                reason: "not MRZ characters",
            });
        }
        let six = |s: &str, field| {
            if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err(Error::InvalidField {
                    field,
                    reason: "not 6 digits",
                })
            }
        };
        six(birth_date, Field::BirthDate)?;
        six(expiry_date, Field::ExpiryDate)?;
        let info = BacKeys::mrz_information_unchecked(doc, birth_date, expiry_date);
        Ok(BacKeys::from_mrz_information(&info))
    }

    /// The MRZ_information these keys come from (ICAO 9303-11 §9.7.2): document number, birth
    /// date and expiry date, each with its check digit. PACE hashes it whole (SHA-1, 20 bytes)
    /// where BAC keeps 16 bytes.
    ///
    /// # Errors
    /// As [`BacKeys::from_fields`].
    pub fn mrz_information(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        BacKeys::from_fields(document_number, birth_date, expiry_date)?;
        Ok(BacKeys::mrz_information_unchecked(
            document_number.as_bytes(),
            birth_date,
            expiry_date,
        ))
    }

    /// The MRZ_information of a parsed MRZ (for PACE with the MRZ as password).
    ///
    /// # Errors
    /// As [`BacKeys::from_mrz`].
    pub fn mrz_information_of(mrz: &Mrz) -> Result<Zeroizing<Vec<u8>>, Error> {
        let (doc, _) = mrz.bac_document_number();
        let expiry = mrz.expiry_date_raw().ok_or(Error::InvalidField {
            field: Field::ExpiryDate,
            reason: "format has no expiry date",
        })?;
        BacKeys::mrz_information(
            std::str::from_utf8(doc).unwrap_or(""),
            mrz.birth_date_raw(),
            expiry,
        )
    }

    /// Keys from a parsed MRZ (uses its document number, birth and expiry fields as printed).
    ///
    /// # Errors
    /// [`Error::InvalidField`] for an MRZ without an expiry date (the French CNI has none).
    pub fn from_mrz(mrz: &Mrz) -> Result<BacKeys, Error> {
        let (doc, _) = mrz.bac_document_number();
        let expiry = mrz.expiry_date_raw().ok_or(Error::InvalidField {
            field: Field::ExpiryDate,
            reason: "format has no expiry date",
        })?;
        BacKeys::from_fields(
            std::str::from_utf8(doc).unwrap_or(""),
            mrz.birth_date_raw(),
            expiry,
        )
    }

    /// Keys from the already-assembled MRZ_information (document number + check digit, birth
    /// date + check digit, expiry date + check digit).
    #[must_use]
    pub fn from_mrz_information(mrz_information: &[u8]) -> BacKeys {
        let k_seed = key_seed(mrz_information);
        BacKeys {
            k_enc: derive_key(&k_seed, COUNTER_ENC),
            k_mac: derive_key(&k_seed, COUNTER_MAC),
            k_seed,
        }
    }

    /// MRZ_information from fields already checked by [`BacKeys::from_fields`].
    fn mrz_information_unchecked(
        doc: &[u8],
        birth_date: &str,
        expiry_date: &str,
    ) -> Zeroizing<Vec<u8>> {
        // A number shorter than 9 is padded with fillers (ICAO 9303-11 §4.3.2 uses the field).
        let mut info = Zeroizing::new(Vec::with_capacity(doc.len().max(9) + 15));
        info.extend_from_slice(doc);
        while info.len() < 9 {
            info.push(b'<');
        }
        let cd = check_digit(info.iter()).unwrap_or(b'0');
        info.push(cd);
        for d in [birth_date, expiry_date] {
            info.extend_from_slice(d.as_bytes());
            info.push(check_digit(d.as_bytes().iter()).unwrap_or(b'0'));
        }
        info
    }

    /// K_seed.
    #[must_use]
    pub fn k_seed(&self) -> &[u8; 16] {
        &self.k_seed
    }
    /// K_enc (two-key 3DES, parity adjusted).
    #[must_use]
    pub fn k_enc(&self) -> &[u8; 16] {
        &self.k_enc
    }
    /// K_mac (two-key 3DES, parity adjusted).
    #[must_use]
    pub fn k_mac(&self) -> &[u8; 16] {
        &self.k_mac
    }
}

/// K_seed = the first 16 bytes of SHA-1(MRZ_information) (ICAO 9303-11 §4.3.2).
#[must_use]
pub fn key_seed(mrz_information: &[u8]) -> [u8; 16] {
    let digest = Zeroizing::new(<[u8; 20]>::from(Sha1::digest(mrz_information)));
    let mut out = [0u8; 16];
    out.copy_from_slice(digest.get(..16).unwrap_or(&[0u8; 16]));
    out
}

/// The SHA-1 KDF of ICAO 9303-11 §9.7.1: SHA-1(K ‖ c) with c a 32-bit big-endian counter. The
/// full 20 bytes, for callers that need the AES-128 form (first 16 bytes, no parity; PACE).
#[must_use]
pub fn kdf_sha1(shared: &[u8], counter: u32) -> Zeroizing<[u8; 20]> {
    let mut h = Sha1::new();
    h.update(shared);
    h.update(counter.to_be_bytes());
    Zeroizing::new(<[u8; 20]>::from(h.finalize()))
}

/// A two-key 3DES key: the first 16 bytes of [`kdf_sha1`], DES parity adjusted (ICAO 9303-11
/// §9.7.1).
#[must_use]
pub fn derive_key(shared: &[u8], counter: u32) -> [u8; 16] {
    let full = kdf_sha1(shared, counter);
    let mut out = [0u8; 16];
    out.copy_from_slice(full.get(..16).unwrap_or(&[0u8; 16]));
    adjust_parity(&mut out);
    out
}

/// Sets the least significant bit of each byte so that the byte has odd parity (DES keys).
pub fn adjust_parity(key: &mut [u8]) {
    for b in key {
        let high = *b & 0xFE;
        *b = high | u8::from(high.count_ones() % 2 == 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_9303_11_appendix_d1() {
        let k = BacKeys::from_fields("L898902C<", "690806", "940623").unwrap();
        assert_eq!(hex(k.k_seed()), "239ab9cb282daf66231dc5a4df6bfbae");
        assert_eq!(hex(k.k_enc()), "ab94fdecf2674fdfb9b391f85d7f76f2");
        assert_eq!(hex(k.k_mac()), "7962d9ece03d1acd4c76089dce131543");
        assert_eq!(format!("{k:?}"), "BacKeys([redacted])");
        let k2 = BacKeys::from_mrz_information(b"L898902C<369080619406236");
        assert_eq!(k2.k_seed(), k.k_seed());
    }

    #[test]
    fn kdf_pace_aes128_vector() {
        // ICAO 9303-11 PACE worked example: K_pi from the MRZ-derived key, counter 3, AES-128
        // (first 16 bytes, no parity).
        let k = [
            0x7E, 0x2D, 0x2A, 0x41, 0xC7, 0x4E, 0xA0, 0xB3, 0x8C, 0xD3, 0x6F, 0x86, 0x39, 0x39,
            0xBF, 0xA8, 0xE9, 0x03, 0x2A, 0xAD,
        ];
        let out = kdf_sha1(&k, COUNTER_PACE);
        assert_eq!(hex(&out[..16]), "89ded1b26624ec1e634c1989302849dd");
    }

    #[test]
    fn parity() {
        let mut k = [0xAB, 0x94, 0xFC, 0xED, 0xF2, 0x66, 0x4E, 0xDF];
        adjust_parity(&mut k);
        assert_eq!(hex(&k), "ab94fdecf2674fdf");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(
            BacKeys::from_fields("", "690806", "940623")
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        assert!(BacKeys::from_fields("L898", "69080", "940623").is_err());
        assert!(BacKeys::from_fields("l898", "690806", "940623").is_err());
    }
}
