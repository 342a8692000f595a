//! The symmetric primitives of ICAO Doc 9303-11 §9.7–9.8: 3DES and AES in CBC mode, the
//! ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with DES, AES-CMAC, ISO/IEC 9797-1 padding
//! method 2, and the key derivation function.

use cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use cmac::Mac;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Error;

/// The cipher of a secure channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    /// Two-key 3DES with the retail MAC (BAC, PACE with 3DES).
    TripleDes,
    /// AES-128 with CMAC.
    Aes128,
    /// AES-192 with CMAC.
    Aes192,
    /// AES-256 with CMAC.
    Aes256,
}

impl Cipher {
    /// Block size in bytes (also the SSC length).
    #[must_use]
    pub fn block_len(self) -> usize {
        match self {
            Cipher::TripleDes => 8,
            _ => 16,
        }
    }

    /// Key length in bytes.
    #[must_use]
    pub fn key_len(self) -> usize {
        match self {
            Cipher::TripleDes | Cipher::Aes128 => 16,
            Cipher::Aes192 => 24,
            Cipher::Aes256 => 32,
        }
    }

    /// From `emrtd`'s SecurityInfos cipher.
    #[must_use]
    pub fn from_info(c: emrtd::lds::Cipher) -> Cipher {
        match c {
            emrtd::lds::Cipher::TripleDes => Cipher::TripleDes,
            emrtd::lds::Cipher::Aes128 => Cipher::Aes128,
            emrtd::lds::Cipher::Aes192 => Cipher::Aes192,
            emrtd::lds::Cipher::Aes256 => Cipher::Aes256,
        }
    }
}

/// KDF counter for the encryption key (9303-11 §9.7.1).
pub const KDF_ENC: u32 = 1;
/// KDF counter for the MAC key.
pub const KDF_MAC: u32 = 2;
/// KDF counter for the PACE password key K_π.
pub const KDF_PACE: u32 = 3;

/// ICAO 9303-11 §9.7.1: KDF(K, c) = H(K ‖ c) cut to the key length; SHA-1 for 3DES and AES-128,
/// SHA-256 for AES-192/256; DES parity adjusted for 3DES.
#[must_use]
pub fn kdf(shared: &[u8], counter: u32, cipher: Cipher) -> Zeroizing<Vec<u8>> {
    let digest: Vec<u8> = match cipher {
        Cipher::TripleDes | Cipher::Aes128 => {
            let mut h = Sha1::new();
            h.update(shared);
            h.update(counter.to_be_bytes());
            h.finalize().to_vec()
        }
        Cipher::Aes192 | Cipher::Aes256 => {
            let mut h = Sha256::new();
            h.update(shared);
            h.update(counter.to_be_bytes());
            h.finalize().to_vec()
        }
    };
    let mut key: Vec<u8> = digest.into_iter().take(cipher.key_len()).collect();
    if cipher == Cipher::TripleDes {
        for b in &mut key {
            let ones = (*b & 0xFE).count_ones();
            *b = (*b & 0xFE) | u8::from(ones % 2 == 0);
        }
    }
    Zeroizing::new(key)
}

/// ISO/IEC 9797-1 padding method 2: 0x80 then zeros to a multiple of `block`.
#[must_use]
pub fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % block != 0 {
        out.push(0);
    }
    out
}

/// Removes padding method 2.
pub fn unpad(data: &[u8]) -> Result<&[u8], Error> {
    let end = data
        .iter()
        .rposition(|b| *b != 0)
        .ok_or(Error::SecureMessaging("padding"))?;
    match data.get(end) {
        Some(0x80) => data.get(..end).ok_or(Error::SecureMessaging("padding")),
        _ => Err(Error::SecureMessaging("padding")),
    }
}

fn cbc_encrypt<C: BlockCipherEncrypt>(c: &C, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let n = C::block_size();
    if !data.len().is_multiple_of(n) || iv.len() != n {
        return Err(Error::SecureMessaging("block alignment"));
    }
    let mut prev = iv.to_vec();
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(n) {
        let x: Vec<u8> = chunk.iter().zip(&prev).map(|(a, b)| a ^ b).collect();
        let mut block = cipher::Block::<C>::try_from(x.as_slice())
            .map_err(|_| Error::SecureMessaging("block"))?;
        c.encrypt_block(&mut block);
        prev = block.to_vec();
        out.extend_from_slice(&block);
    }
    Ok(out)
}

fn cbc_decrypt<C: BlockCipherDecrypt>(c: &C, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let n = C::block_size();
    if !data.len().is_multiple_of(n) || iv.len() != n {
        return Err(Error::SecureMessaging("block alignment"));
    }
    let mut prev = iv.to_vec();
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(n) {
        let mut block =
            cipher::Block::<C>::try_from(chunk).map_err(|_| Error::SecureMessaging("block"))?;
        c.decrypt_block(&mut block);
        out.extend(block.iter().zip(&prev).map(|(a, b)| a ^ b));
        prev = chunk.to_vec();
    }
    Ok(out)
}

fn key_error<E>(_: E) -> Error {
    Error::SecureMessaging("key length")
}

/// CBC encryption with `cipher` under `key`.
pub fn encrypt(cipher: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    match cipher {
        Cipher::TripleDes => cbc_encrypt(
            &des::TdesEde2::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
        Cipher::Aes128 => cbc_encrypt(
            &aes::Aes128::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
        Cipher::Aes192 => cbc_encrypt(
            &aes::Aes192::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
        Cipher::Aes256 => cbc_encrypt(
            &aes::Aes256::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
    }
}

/// CBC decryption with `cipher` under `key`.
pub fn decrypt(cipher: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    match cipher {
        Cipher::TripleDes => cbc_decrypt(
            &des::TdesEde2::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
        Cipher::Aes128 => cbc_decrypt(
            &aes::Aes128::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
        Cipher::Aes192 => cbc_decrypt(
            &aes::Aes192::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
        Cipher::Aes256 => cbc_decrypt(
            &aes::Aes256::new_from_slice(key).map_err(key_error)?,
            iv,
            data,
        ),
    }
}

/// The 8-byte MAC of 9303-11 §9.8.3.2 over `data` (already padded by the caller where the
/// protocol says so): retail MAC for 3DES, CMAC truncated to 8 bytes for AES.
pub fn mac(cipher: Cipher, key: &[u8], data: &[u8]) -> Result<[u8; 8], Error> {
    let full: Vec<u8> = match cipher {
        Cipher::TripleDes => retail_mac(key, data)?,
        Cipher::Aes128 => cmac_with::<aes::Aes128>(key, data)?,
        Cipher::Aes192 => cmac_with::<aes::Aes192>(key, data)?,
        Cipher::Aes256 => cmac_with::<aes::Aes256>(key, data)?,
    };
    let mut out = [0u8; 8];
    out.copy_from_slice(full.get(..8).ok_or(Error::SecureMessaging("mac"))?);
    Ok(out)
}

fn cmac_with<C>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error>
where
    C: cmac::block_api::CmacCipher + KeyInit,
{
    let mut m = <cmac::Cmac<C> as KeyInit>::new_from_slice(key).map_err(key_error)?;
    m.update(data);
    Ok(m.finalize().into_bytes().to_vec())
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES: CBC-MAC under K1, then decrypt with K2 and
/// encrypt with K1. `data` must already be padded to 8 bytes.
fn retail_mac(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let k1 = des::Des::new_from_slice(key.get(..8).ok_or(Error::SecureMessaging("key length"))?)
        .map_err(key_error)?;
    let k2 = des::Des::new_from_slice(key.get(8..16).ok_or(Error::SecureMessaging("key length"))?)
        .map_err(key_error)?;
    let chained = cbc_encrypt(&k1, &[0u8; 8], data)?;
    let last = chained
        .get(chained.len().saturating_sub(8)..)
        .ok_or(Error::SecureMessaging("mac"))?;
    let mut block =
        cipher::Block::<des::Des>::try_from(last).map_err(|_| Error::SecureMessaging("mac"))?;
    k2.decrypt_block(&mut block);
    k1.encrypt_block(&mut block);
    Ok(block.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    // ICAO Doc 9303-11 (8th ed.) Appendix D.3: the IFD's part of mutual authentication.
    #[test]
    fn appendix_d3_encryption_and_retail_mac() {
        let k_enc = h("AB94FDECF2674FDFB9B391F85D7F76F2");
        let k_mac = h("7962D9ECE03D1ACD4C76089DCE131543");
        let s = h("781723860C06C226 4608F91988702212 0B795240CB7049B01C19B33E32804F0B");
        let e_ifd = encrypt(Cipher::TripleDes, &k_enc, &[0; 8], &s).unwrap();
        assert_eq!(
            e_ifd,
            h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
        );
        assert_eq!(
            mac(Cipher::TripleDes, &k_mac, &pad(&e_ifd, 8))
                .unwrap()
                .to_vec(),
            h("5F1448EEA8AD90A7")
        );
        assert_eq!(
            decrypt(Cipher::TripleDes, &k_enc, &[0; 8], &e_ifd).unwrap(),
            s
        );
    }

    // Appendix D.2: K_seed → K_enc, K_mac.
    #[test]
    fn appendix_d2_key_derivation() {
        let seed = h("239AB9CB282DAF66231DC5A4DF6BFBAE");
        assert_eq!(
            *kdf(&seed, KDF_ENC, Cipher::TripleDes),
            h("AB94FDECF2674FDFB9B391F85D7F76F2")
        );
        assert_eq!(
            *kdf(&seed, KDF_MAC, Cipher::TripleDes),
            h("7962D9ECE03D1ACD4C76089DCE131543")
        );
    }

    // RFC 4493 §4 example 2 (AES-128 CMAC of 16 bytes).
    #[test]
    fn aes_cmac_rfc4493() {
        let key = h("2b7e151628aed2a6abf7158809cf4f3c");
        let m = h("6bc1bee22e409f96e93d7e117393172a");
        assert_eq!(
            mac(Cipher::Aes128, &key, &m).unwrap().to_vec(),
            h("070a16b46b4d4144")
        );
    }

    #[test]
    fn padding_round_trip() {
        for n in 0..20 {
            let d = vec![7u8; n];
            let p = pad(&d, 8);
            assert_eq!(p.len() % 8, 0);
            assert_eq!(unpad(&p).unwrap(), d.as_slice());
        }
        assert!(unpad(&[1, 2, 0]).is_err());
        assert!(unpad(&[0, 0]).is_err());
    }
}
