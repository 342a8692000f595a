//! An in-process chip: the card side of SELECT, READ BINARY, BAC, secure messaging and INTERNAL
//! AUTHENTICATE over files loaded from data-group bytes (the chips `emrtd-testkit` builds). Every
//! protocol path runs in CI without hardware, and the quirks of real chips can be switched on.

use std::collections::BTreeMap;
use std::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::apdu::{Command, Response};
use crate::crypto::{self, Cipher};
use crate::reader::{EMRTD_AID, Transport};
use crate::sm::SecureChannel;

const SW_OK: u16 = 0x9000;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_SECURITY: u16 = 0x6982;
const SW_AUTH_FAILED: u16 = 0x6300;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_WRONG_P1P2: u16 = 0x6B00;
const SW_INS: u16 = 0x6D00;
const SW_SM_DO: u16 = 0x6988;
const SW_CONDITIONS: u16 = 0x6985;

/// The chip's BAC keys K_enc and K_mac.
type BacKeyPair = (Zeroizing<[u8; 16]>, Zeroizing<[u8; 16]>);

/// How the chip signs an Active Authentication challenge.
pub type AaSigner = Box<dyn FnMut(&[u8]) -> Vec<u8> + Send>;

/// Behaviours of real chips to reproduce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Answer `6700` to READ BINARY asking for more than this many bytes (older chips: ~160),
    /// and end secure messaging, as they do.
    pub max_read: Option<usize>,
    /// Flip a bit of the MAC of every response after the first `n` protected ones (a
    /// man-in-the-middle altering traffic).
    pub tamper_mac_after: Option<usize>,
}

/// An in-process eMRTD chip.
pub struct VirtualChip<R: CryptoRng> {
    master_files: BTreeMap<u16, Vec<u8>>,
    app_files: BTreeMap<u16, Vec<u8>>,
    bac: Option<BacKeyPair>,
    aa: Option<AaSigner>,
    rng: R,
    quirks: Quirks,
    app_selected: bool,
    selected: Option<u16>,
    rnd_ic: Option<[u8; 8]>,
    sm: Option<SecureChannel>,
    pending_sm: Option<SecureChannel>,
    /// True while a command that came under secure messaging is processed.
    secured: bool,
    protected_responses: usize,
    /// APDUs received.
    pub apdus: usize,
}

impl<R: CryptoRng> fmt::Debug for VirtualChip<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VirtualChip({} files, {:?})",
            self.app_files.len(),
            self.quirks
        )
    }
}

impl<R: CryptoRng> VirtualChip<R> {
    /// A chip holding `files` (file identifier → bytes, e.g. 0x011D for EF.SOD, 0x0101 for DG1)
    /// that opens with BAC under the MRZ_information `mrz_information`.
    pub fn new(files: BTreeMap<u16, Vec<u8>>, mrz_information: &[u8], rng: R) -> Self {
        let keys = mrz::bac::BacKeys::from_mrz_information(mrz_information);
        VirtualChip {
            master_files: BTreeMap::new(),
            app_files: files,
            bac: Some((Zeroizing::new(*keys.k_enc()), Zeroizing::new(*keys.k_mac()))),
            aa: None,
            rng,
            quirks: Quirks::default(),
            app_selected: false,
            selected: None,
            rnd_ic: None,
            sm: None,
            pending_sm: None,
            secured: false,
            protected_responses: 0,
            apdus: 0,
        }
    }

    /// Adds a file of the master file (EF.CardAccess is 0x011C).
    #[must_use]
    pub fn with_master_file(mut self, fid: u16, bytes: Vec<u8>) -> Self {
        self.master_files.insert(fid, bytes);
        self
    }

    /// Gives the chip an Active Authentication key.
    #[must_use]
    pub fn with_aa(mut self, signer: AaSigner) -> Self {
        self.aa = Some(signer);
        self
    }

    /// Switches quirks on.
    #[must_use]
    pub fn with_quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    fn respond(&mut self, cmd: &Command) -> Response {
        match (cmd.cla & 0xF3, cmd.ins) {
            (0x00, 0xA4) => self.select(cmd),
            (0x00, 0xB0 | 0xB1) => self.read_binary(cmd),
            (0x00, 0x84) => self.get_challenge(cmd),
            (0x00, 0x82) => self.external_authenticate(cmd),
            (0x00, 0x88) => self.internal_authenticate(cmd),
            _ => Response::status(SW_INS),
        }
    }

    fn select(&mut self, cmd: &Command) -> Response {
        match cmd.p1 {
            0x04 if cmd.data == EMRTD_AID => {
                self.app_selected = true;
                self.selected = None;
                Response::status(SW_OK)
            }
            0x00 if cmd.data.is_empty() || cmd.data == [0x3F, 0x00] => {
                self.app_selected = false;
                self.selected = None;
                Response::status(SW_OK)
            }
            0x02 | 0x00 => {
                let Ok(fid) = <[u8; 2]>::try_from(cmd.data.as_slice()).map(u16::from_be_bytes)
                else {
                    return Response::status(SW_WRONG_P1P2);
                };
                let found = if self.app_selected {
                    // The application's files are behind access control.
                    if !self.secured {
                        return Response::status(SW_SECURITY);
                    }
                    self.app_files.contains_key(&fid)
                } else {
                    self.master_files.contains_key(&fid)
                };
                if found {
                    self.selected = Some(fid);
                    Response::status(SW_OK)
                } else {
                    Response::status(SW_NOT_FOUND)
                }
            }
            _ => Response::status(SW_NOT_FOUND),
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Response {
        let Some(fid) = self.selected else {
            return Response::status(SW_CONDITIONS);
        };
        let files = if self.app_selected {
            &self.app_files
        } else {
            &self.master_files
        };
        let Some(file) = files.get(&fid) else {
            return Response::status(SW_NOT_FOUND);
        };
        let le = cmd.le.unwrap_or(256);
        if self.quirks.max_read.is_some_and(|m| le > m) {
            return Response::status(SW_WRONG_LENGTH);
        }
        let (offset, wrap) = if cmd.ins == 0xB0 {
            (
                usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])),
                false,
            )
        } else {
            let Ok(t) = tlv::Tlv::parse_tagged(&cmd.data, tlv::Tag::new(0x54)) else {
                return Response::status(SW_WRONG_P1P2);
            };
            (
                t.value()
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
                true,
            )
        };
        if offset > file.len() {
            return Response::status(SW_WRONG_P1P2);
        }
        let room = if wrap { le.saturating_sub(4) } else { le };
        let end = (offset + room).min(file.len());
        let data = file.get(offset..end).unwrap_or_default().to_vec();
        let sw = if end - offset < room { 0x6282 } else { SW_OK };
        if wrap {
            match tlv::encode(tlv::Tag::new(0x53), &data) {
                Ok(d) => Response { data: d, sw },
                Err(_) => Response::status(SW_WRONG_LENGTH),
            }
        } else {
            Response { data, sw }
        }
    }

    fn get_challenge(&mut self, cmd: &Command) -> Response {
        if cmd.le != Some(8) {
            return Response::status(SW_WRONG_LENGTH);
        }
        let mut rnd = [0u8; 8];
        self.rng.fill_bytes(&mut rnd);
        self.rnd_ic = Some(rnd);
        Response {
            data: rnd.to_vec(),
            sw: SW_OK,
        }
    }

    /// BAC, chip side (ICAO 9303-11 §4.3.3.3).
    fn external_authenticate(&mut self, cmd: &Command) -> Response {
        let (Some((k_enc, k_mac)), Some(rnd_ic)) = (&self.bac, self.rnd_ic.take()) else {
            return Response::status(SW_CONDITIONS);
        };
        let Some((e_ifd, m_ifd)) = cmd.data.split_at_checked(32) else {
            return Response::status(SW_WRONG_LENGTH);
        };
        let ok_mac = crypto::mac(Cipher::TripleDes, k_mac.as_slice(), &crypto::pad(e_ifd, 8))
            .is_ok_and(|m| bool::from(m.as_slice().ct_eq(m_ifd)));
        if !ok_mac {
            return Response::status(SW_AUTH_FAILED);
        }
        let Ok(s) = crypto::decrypt(Cipher::TripleDes, k_enc.as_slice(), &[0; 8], e_ifd) else {
            return Response::status(SW_AUTH_FAILED);
        };
        let s = Zeroizing::new(s);
        let (Some(rnd_ifd), Some(rnd_ic2), Some(k_ifd)) = (s.get(..8), s.get(8..16), s.get(16..32))
        else {
            return Response::status(SW_AUTH_FAILED);
        };
        if !bool::from(rnd_ic2.ct_eq(&rnd_ic)) {
            return Response::status(SW_AUTH_FAILED);
        }
        let mut k_ic = Zeroizing::new([0u8; 16]);
        self.rng.fill_bytes(k_ic.as_mut_slice());
        let r = Zeroizing::new([rnd_ic.as_slice(), rnd_ifd, k_ic.as_slice()].concat());
        let (Ok(e_ic), seed) = (
            crypto::encrypt(Cipher::TripleDes, k_enc.as_slice(), &[0; 8], &r),
            Zeroizing::new(
                k_ifd
                    .iter()
                    .zip(k_ic.iter())
                    .map(|(a, b)| a ^ b)
                    .collect::<Vec<u8>>(),
            ),
        ) else {
            return Response::status(SW_AUTH_FAILED);
        };
        let Ok(m_ic) = crypto::mac(Cipher::TripleDes, k_mac.as_slice(), &crypto::pad(&e_ic, 8))
        else {
            return Response::status(SW_AUTH_FAILED);
        };
        let ssc = [
            rnd_ic.get(4..8).unwrap_or_default(),
            rnd_ifd.get(4..8).unwrap_or_default(),
        ]
        .concat();
        match SecureChannel::from_secret(Cipher::TripleDes, &seed, ssc) {
            Ok(sm) => {
                // The response itself is sent in plain; the channel starts with the next command.
                self.pending_sm = Some(sm);
                Response {
                    data: [e_ic.as_slice(), &m_ic].concat(),
                    sw: SW_OK,
                }
            }
            Err(_) => Response::status(SW_AUTH_FAILED),
        }
    }

    fn internal_authenticate(&mut self, cmd: &Command) -> Response {
        if !self.secured {
            return Response::status(SW_SECURITY);
        }
        match &mut self.aa {
            Some(sign) if cmd.data.len() == 8 => Response {
                data: sign(&cmd.data),
                sw: SW_OK,
            },
            Some(_) => Response::status(SW_WRONG_LENGTH),
            None => Response::status(SW_INS),
        }
    }

    fn handle(&mut self, raw: &[u8]) -> Result<Vec<u8>, Error> {
        self.apdus += 1;
        let cmd = Command::decode(raw)?;
        if cmd.cla & 0x0C == 0x0C {
            let Some(mut sm) = self.sm.take() else {
                return Ok(Response::status(SW_SM_DO).encode());
            };
            let plain = match sm.unwrap_command(&cmd) {
                Ok(c) => c,
                // A bad MAC ends the session (9303-11 §9.8.6.2): the channel is dropped.
                Err(_) => return Ok(Response::status(SW_SM_DO).encode()),
            };
            self.secured = true;
            let resp = self.respond(&plain);
            self.secured = false;
            if resp.sw != SW_OK && resp.sw != 0x6282 {
                // Errors are answered in plain, and end secure messaging.
                return Ok(resp.encode());
            }
            let mut wrapped = sm.wrap_response(&resp)?;
            self.protected_responses += 1;
            if self
                .quirks
                .tamper_mac_after
                .is_some_and(|n| self.protected_responses > n)
                && let Some(last) = wrapped.data.last_mut()
            {
                *last ^= 0x01;
            }
            self.sm = Some(sm);
            Ok(wrapped.encode())
        } else {
            // A plain command ends any secure session (except the ones that open one).
            if !matches!(cmd.ins, 0x84 | 0x82) {
                self.sm = None;
            }
            let resp = self.respond(&cmd);
            if let Some(sm) = self.pending_sm.take() {
                self.sm = Some(sm);
            }
            Ok(resp.encode())
        }
    }
}

impl<R: CryptoRng> Transport for VirtualChip<R> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        self.handle(apdu)
    }
}
