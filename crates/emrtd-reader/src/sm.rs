//! Secure messaging (ICAO Doc 9303-11 §9.8): protecting command APDUs and checking and
//! unprotecting responses, for 3DES (BAC, PACE-3DES) and AES (PACE, Chip Authentication).
//! One type serves both sides: the reader wraps commands and unwraps responses, the virtual chip
//! unwraps commands and wraps responses.

use std::fmt;

use subtle::ConstantTimeEq;
use tlv::{Tag, Tlv};
use zeroize::Zeroizing;

use crate::Error;
use crate::apdu::{Command, Response};
use crate::crypto::{self, Cipher};

/// Session keys and the send sequence counter of one secure channel.
pub struct SecureChannel {
    cipher: Cipher,
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    ssc: Vec<u8>,
}

impl fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecureChannel({:?}, keys [redacted])", self.cipher)
    }
}

impl SecureChannel {
    /// A channel with session keys `ks_enc`, `ks_mac` and the initial SSC.
    pub fn new(
        cipher: Cipher,
        ks_enc: &[u8],
        ks_mac: &[u8],
        ssc: Vec<u8>,
    ) -> Result<SecureChannel, Error> {
        if ks_enc.len() != cipher.key_len()
            || ks_mac.len() != cipher.key_len()
            || ssc.len() != cipher.block_len()
        {
            return Err(Error::SecureMessaging("key or SSC length"));
        }
        Ok(SecureChannel {
            cipher,
            ks_enc: Zeroizing::new(ks_enc.to_vec()),
            ks_mac: Zeroizing::new(ks_mac.to_vec()),
            ssc,
        })
    }

    /// Keys derived from a shared secret (BAC key seed, PACE or CA shared secret), SSC given.
    pub fn from_secret(
        cipher: Cipher,
        secret: &[u8],
        ssc: Vec<u8>,
    ) -> Result<SecureChannel, Error> {
        let enc = crypto::kdf(secret, crypto::KDF_ENC, cipher);
        let mac = crypto::kdf(secret, crypto::KDF_MAC, cipher);
        SecureChannel::new(cipher, &enc, &mac, ssc)
    }

    /// The cipher.
    #[must_use]
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// The current SSC (for tests against the ICAO worked examples).
    #[must_use]
    pub fn ssc(&self) -> &[u8] {
        &self.ssc
    }

    /// MAC with the session MAC key over `data` (PACE authentication tokens).
    pub fn mac(&self, data: &[u8]) -> Result<[u8; 8], Error> {
        crypto::mac(self.cipher, &self.ks_mac, data)
    }

    fn increment(&mut self) {
        for b in self.ssc.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }

    fn iv(&self) -> Result<Vec<u8>, Error> {
        match self.cipher {
            Cipher::TripleDes => Ok(vec![0; 8]),
            // AES: IV = E(KSenc, SSC) (9303-11 §9.8.6.1).
            c => crypto::encrypt(c, &self.ks_enc, &[0; 16], &self.ssc),
        }
    }

    fn mac_over(&self, parts: &[&[u8]]) -> Result<[u8; 8], Error> {
        let block = self.cipher.block_len();
        let mut n = self.ssc.clone();
        for p in parts {
            n.extend_from_slice(p);
        }
        crypto::mac(self.cipher, &self.ks_mac, &crypto::pad(&n, block))
    }

    /// Protects a command (9303-11 §9.8.4): encrypted data in DO'87' (DO'85' for odd INS), Le in
    /// DO'97', MAC in DO'8E'.
    pub fn wrap(&mut self, cmd: &Command) -> Result<Command, Error> {
        self.increment();
        let block = self.cipher.block_len();
        let cla = cmd.cla | 0x0C;
        let header = crypto::pad(&[cla, cmd.ins, cmd.p1, cmd.p2], block);
        let mut body = Vec::new();
        if !cmd.data.is_empty() {
            let enc = crypto::encrypt(
                self.cipher,
                &self.ks_enc,
                &self.iv()?,
                &crypto::pad(&cmd.data, block),
            )?;
            if cmd.ins.is_multiple_of(2) {
                body.extend(encode(0x87, &[&[0x01], &enc])?);
            } else {
                body.extend(encode(0x85, &[&enc])?);
            }
        }
        if let Some(le) = cmd.le {
            let le_bytes: Vec<u8> = if le <= 256 {
                vec![u8::try_from(le % 256).unwrap_or(0)]
            } else {
                u16::try_from(le % 65_536)
                    .unwrap_or(0)
                    .to_be_bytes()
                    .to_vec()
            };
            body.extend(encode(0x97, &[&le_bytes])?);
        }
        let mac = self.mac_over(&[&header, &body])?;
        body.extend(encode(0x8E, &[&mac])?);
        let le = if cmd.le.is_some_and(|l| l > 256) || body.len() > 255 {
            65_536
        } else {
            256
        };
        Ok(Command {
            cla,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: body,
            le: Some(le),
        })
    }

    /// Checks and unprotects a response (9303-11 §9.8.5). A wrong MAC is an error: the response
    /// was altered or does not come from the chip the channel was made with.
    pub fn unwrap(&mut self, resp: &Response) -> Result<Response, Error> {
        self.increment();
        if resp.sw != 0x9000 && resp.data.is_empty() {
            // The chip answers errors in plain and ends the session (9303-11 §9.8.6).
            return Err(Error::Status {
                command: "secure messaging",
                sw: resp.sw,
            });
        }
        let (mut do87, mut do99, mut do8e) = (None, None, None);
        let mut mac_input = Vec::new();
        for t in tlv::Tlvs::new(&resp.data) {
            let t = t.map_err(|_| Error::SecureMessaging("response data objects"))?;
            match t.tag().value() {
                0x87 | 0x85 => {
                    do87 = Some(t);
                    mac_input.extend_from_slice(t.raw());
                }
                0x99 => {
                    do99 = Some(t);
                    mac_input.extend_from_slice(t.raw());
                }
                0x8E => do8e = Some(t),
                _ => return Err(Error::SecureMessaging("unexpected response data object")),
            }
        }
        let do8e = do8e.ok_or(Error::SecureMessaging("response MAC missing"))?;
        let do99 = do99.ok_or(Error::SecureMessaging("response status missing"))?;
        let expected = self.mac_over(&[&mac_input])?;
        if !bool::from(expected.as_slice().ct_eq(do8e.value())) {
            return Err(Error::SecureMessaging("response MAC does not verify"));
        }
        let sw = match do99.value() {
            [a, b] => u16::from_be_bytes([*a, *b]),
            _ => return Err(Error::SecureMessaging("response status")),
        };
        let data = match do87 {
            Some(t) => self.decrypt_do(&t)?,
            None => Vec::new(),
        };
        Ok(Response { data, sw })
    }

    fn decrypt_do(&self, t: &Tlv<'_>) -> Result<Vec<u8>, Error> {
        let cryptogram = if t.tag() == Tag::new(0x87) {
            match t.value().split_first() {
                Some((0x01, rest)) => rest,
                _ => return Err(Error::SecureMessaging("padding indicator")),
            }
        } else {
            t.value()
        };
        let plain = crypto::decrypt(self.cipher, &self.ks_enc, &self.iv()?, cryptogram)?;
        Ok(crypto::unpad(&plain)?.to_vec())
    }

    /// Chip side: checks and unprotects a protected command.
    pub fn unwrap_command(&mut self, cmd: &Command) -> Result<Command, Error> {
        self.increment();
        if cmd.cla & 0x0C != 0x0C {
            return Err(Error::SecureMessaging("command not protected"));
        }
        let block = self.cipher.block_len();
        let header = crypto::pad(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2], block);
        let (mut data_do, mut le_do, mut mac_do) = (None, None, None);
        let mut mac_input = Vec::new();
        for t in tlv::Tlvs::new(&cmd.data) {
            let t = t.map_err(|_| Error::SecureMessaging("command data objects"))?;
            match t.tag().value() {
                0x87 | 0x85 => {
                    data_do = Some(t);
                    mac_input.extend_from_slice(t.raw());
                }
                0x97 => {
                    le_do = Some(t);
                    mac_input.extend_from_slice(t.raw());
                }
                0x8E => mac_do = Some(t),
                _ => return Err(Error::SecureMessaging("unexpected command data object")),
            }
        }
        let mac_do = mac_do.ok_or(Error::SecureMessaging("command MAC missing"))?;
        let expected = self.mac_over(&[&header, &mac_input])?;
        if !bool::from(expected.as_slice().ct_eq(mac_do.value())) {
            return Err(Error::SecureMessaging("command MAC does not verify"));
        }
        let data = match data_do {
            Some(t) => self.decrypt_do(&t)?,
            None => Vec::new(),
        };
        let le = match le_do.map(|t| t.value().to_vec()).as_deref() {
            None => None,
            Some([0]) => Some(256),
            Some([n]) => Some(usize::from(*n)),
            Some([0, 0]) => Some(65_536),
            Some([h, l]) => Some(usize::from(u16::from_be_bytes([*h, *l]))),
            Some(_) => return Err(Error::SecureMessaging("Le data object")),
        };
        Ok(Command {
            cla: cmd.cla & !0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            le,
        })
    }

    /// Chip side: protects a response.
    pub fn wrap_response(&mut self, resp: &Response) -> Result<Response, Error> {
        self.increment();
        let block = self.cipher.block_len();
        let mut body = Vec::new();
        if !resp.data.is_empty() {
            let enc = crypto::encrypt(
                self.cipher,
                &self.ks_enc,
                &self.iv()?,
                &crypto::pad(&resp.data, block),
            )?;
            body.extend(encode(0x87, &[&[0x01], &enc])?);
        }
        body.extend(encode(0x99, &[&resp.sw.to_be_bytes()])?);
        let mac = self.mac_over(&[&body])?;
        body.extend(encode(0x8E, &[&mac])?);
        Ok(Response {
            data: body,
            sw: 0x9000,
        })
    }
}

fn encode(tag: u32, parts: &[&[u8]]) -> Result<Vec<u8>, Error> {
    tlv::encode(Tag::new(tag), &parts.concat())
        .map_err(|_| Error::SecureMessaging("data object too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// ICAO Doc 9303-11 (8th ed.) Appendix D.4: SELECT EF.COM, READ BINARY of 4 bytes and of the
    /// remaining 18 bytes under the BAC session keys of D.3.
    #[test]
    fn appendix_d4_secure_messaging() {
        let ks_enc = h("979EC13B1CBFE9DCD01AB0FED307EAE5");
        let ks_mac = h("F1CB1F1FB5ADF208806B89DC579DC1F8");
        let mut reader =
            SecureChannel::new(Cipher::TripleDes, &ks_enc, &ks_mac, h("887022120C06C226")).unwrap();
        let mut chip =
            SecureChannel::new(Cipher::TripleDes, &ks_enc, &ks_mac, h("887022120C06C226")).unwrap();

        let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]);
        let protected = reader.wrap(&select).unwrap();
        assert_eq!(
            protected.encode().unwrap(),
            h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
        );
        assert_eq!(chip.unwrap_command(&protected).unwrap(), select);
        let resp = Response::decode(&h("990290008E08FA855A5D4C50A8ED9000")).unwrap();
        assert_eq!(reader.unwrap(&resp).unwrap(), Response::status(0x9000));
        assert_eq!(chip.wrap_response(&Response::status(0x9000)).unwrap(), resp);

        for (cmd, protected, plain, answer) in [
            (
                Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4),
                "0CB000000D9701048E08ED6705417E96BA5500",
                "60145F01",
                "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
            ),
            (
                Command::new(0x00, 0xB0, 0x00, 0x04).with_le(0x12),
                "0CB000040D9701128E082EA28A70F3C7B53500",
                "04303130365F36063034303030305C026175",
                "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
            ),
        ] {
            let p = reader.wrap(&cmd).unwrap();
            assert_eq!(p.encode().unwrap(), h(protected));
            assert_eq!(chip.unwrap_command(&p).unwrap(), cmd);
            let resp = Response::decode(&h(answer)).unwrap();
            assert_eq!(
                chip.wrap_response(&Response {
                    data: h(plain),
                    sw: 0x9000
                })
                .unwrap(),
                resp
            );
            assert_eq!(reader.unwrap(&resp).unwrap().data, h(plain));
        }
    }

    #[test]
    fn a_changed_byte_anywhere_fails_the_mac() {
        let key = [0x11u8; 16];
        for cipher in [Cipher::TripleDes, Cipher::Aes128] {
            let ssc = vec![0u8; cipher.block_len()];
            let mut reader = SecureChannel::new(cipher, &key, &key, ssc.clone()).unwrap();
            let mut chip = SecureChannel::new(cipher, &key, &key, ssc).unwrap();
            let cmd = reader
                .wrap(&Command::new(0, 0xB0, 0, 0).with_le(16))
                .unwrap();
            chip.unwrap_command(&cmd).unwrap();
            let resp = chip
                .wrap_response(&Response {
                    data: vec![0x42; 16],
                    sw: 0x9000,
                })
                .unwrap();
            for i in 0..resp.data.len() {
                let mut bad = resp.clone();
                bad.data[i] ^= 0x01;
                let mut r = SecureChannel::new(cipher, &key, &key, reader.ssc().to_vec()).unwrap();
                assert!(r.unwrap(&bad).is_err(), "{cipher:?} byte {i}");
            }
            assert_eq!(reader.unwrap(&resp).unwrap().data, vec![0x42; 16]);
        }
    }
}
