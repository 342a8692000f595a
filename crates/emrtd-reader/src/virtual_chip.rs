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

/// The chip's PACE configuration: the variant it offers (the test writes the matching
/// EF.CardAccess), its passwords, and for PACE-CAM its static Chip Authentication key.
#[derive(Clone)]
pub struct PaceConfig {
    /// The variant.
    pub params: crate::pace::PaceParams,
    /// The MRZ password (MRZ_information).
    pub mrz: Option<crate::reader::AccessKey>,
    /// The CAN password.
    pub can: Option<crate::reader::AccessKey>,
    /// The static Chip Authentication private key (scalar bytes), for PACE-CAM.
    pub chip_key: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for PaceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PaceConfig({:?}, {:?})",
            self.params.mapping, self.params.curve
        )
    }
}

enum PaceState {
    Idle,
    Set {
        key: Zeroizing<Vec<u8>>,
    },
    Nonce {
        s: Zeroizing<Vec<u8>>,
    },
    Mapped {
        g_prime: Vec<u8>,
        sk_map: Zeroizing<Vec<u8>>,
    },
    Keyed {
        ks_enc: Zeroizing<Vec<u8>>,
        ks_mac: Zeroizing<Vec<u8>>,
        pk_eph_ic: Vec<u8>,
        pk_eph_ifd: Vec<u8>,
        sk_map: Zeroizing<Vec<u8>>,
    },
}

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
    pace: Option<PaceConfig>,
    pace_state: PaceState,
    ca_key: Option<(crate::ec::Curve, Zeroizing<Vec<u8>>, Cipher)>,
    ca_set: bool,
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
            pace: None,
            pace_state: PaceState::Idle,
            ca_key: None,
            ca_set: false,
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

    /// Offers PACE (the caller adds the matching EF.CardAccess with [`Self::with_master_file`]).
    /// `bac` false makes a PACE-only chip (German and Ukrainian documents).
    #[must_use]
    pub fn with_pace(mut self, config: PaceConfig, bac: bool) -> Self {
        self.pace = Some(config);
        if !bac {
            self.bac = None;
        }
        self
    }

    /// Gives the chip its static Chip Authentication key (the private half of DG14's key).
    #[must_use]
    pub fn with_chip_authentication(
        mut self,
        curve: crate::ec::Curve,
        private_key: Vec<u8>,
        cipher: Cipher,
    ) -> Self {
        self.ca_key = Some((curve, Zeroizing::new(private_key), cipher));
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
            (0x00, 0x22) => self.mse_set_at(cmd),
            (0x00 | 0x10, 0x86) => self.general_authenticate(cmd),
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

    fn mse_set_at(&mut self, cmd: &Command) -> Response {
        self.pace_state = PaceState::Idle;
        if (cmd.p1, cmd.p2) == (0x41, 0xA4) {
            // Chip Authentication (9303-11 §6.2.4.1), under secure messaging.
            self.ca_set = self.secured && self.ca_key.is_some();
            return Response::status(if self.ca_set { SW_OK } else { SW_CONDITIONS });
        }
        let Some(pace) = &self.pace else {
            return Response::status(SW_INS);
        };
        if (cmd.p1, cmd.p2) != (0xC1, 0xA4) {
            return Response::status(SW_WRONG_P1P2);
        }
        let mut oid = None;
        let mut reference = None;
        let mut param = None;
        for t in tlv::Tlvs::new(&cmd.data) {
            let Ok(t) = t else {
                return Response::status(SW_SM_DO);
            };
            match t.tag().value() {
                0x80 => oid = Some(t.value().to_vec()),
                0x83 => reference = t.value().first().copied(),
                0x84 => param = t.value().first().copied(),
                _ => {}
            }
        }
        if oid.as_deref() != Some(pace.params.protocol.as_bytes())
            || param.map(u32::from) != Some(pace.params.curve.parameter_id())
        {
            return Response::status(SW_WRONG_P1P2);
        }
        let password = match reference {
            Some(0x01) => pace.mrz.as_ref(),
            Some(0x02) => pace.can.as_ref(),
            _ => None,
        };
        let Some(password) = password else {
            return Response::status(SW_WRONG_P1P2);
        };
        self.pace_state = PaceState::Set {
            key: crate::pace::password_key(password, pace.params.cipher),
        };
        Response::status(SW_OK)
    }

    /// PACE, chip side (ICAO 9303-11 §4.4.4.2): one GENERAL AUTHENTICATE step per state; or
    /// Chip Authentication after MSE:Set AT for CA.
    fn general_authenticate(&mut self, cmd: &Command) -> Response {
        if self.ca_set {
            self.ca_set = false;
            let Some((curve, sk, cipher)) = &self.ca_key else {
                return Response::status(SW_CONDITIONS);
            };
            let result = crate::pace::from_dynamic(&cmd.data, 0x80)
                .and_then(|pk| curve.mul(sk, &pk))
                .and_then(|shared| {
                    let k = crate::ec::x_coordinate(&shared)?.to_vec();
                    SecureChannel::from_secret(*cipher, &k, vec![0; cipher.block_len()])
                });
            return match result {
                Ok(sm) => {
                    // The answer goes out under the old keys; the new ones start after it.
                    self.pending_sm = Some(sm);
                    Response {
                        data: vec![0x7C, 0x00],
                        sw: SW_OK,
                    }
                }
                Err(_) => Response::status(SW_CONDITIONS),
            };
        }
        let Some(pace) = self.pace.clone() else {
            return Response::status(SW_INS);
        };
        let (cipher, curve, oid) = (pace.params.cipher, pace.params.curve, pace.params.protocol);
        let state = std::mem::replace(&mut self.pace_state, PaceState::Idle);
        let out = (|| -> Result<(Vec<u8>, PaceState), Error> {
            use crate::pace::{dynamic, from_dynamic};
            match state {
                PaceState::Set { key } => {
                    let mut s = Zeroizing::new(vec![0u8; cipher.block_len()]);
                    self.rng.fill_bytes(&mut s);
                    let z = crypto::encrypt(cipher, &key, &vec![0; cipher.block_len()], &s)?;
                    Ok((dynamic(0x80, &z)?, PaceState::Nonce { s }))
                }
                PaceState::Nonce { s } => {
                    let pk_map_ifd = from_dynamic(&cmd.data, 0x81)?;
                    let (sk_map, pk_map) = curve.keypair(&mut self.rng, &curve.generator())?;
                    let h = curve.mul(&sk_map, &pk_map_ifd)?;
                    let g_prime = curve.map_generator(&s, &h)?;
                    Ok((
                        dynamic(0x82, &pk_map)?,
                        PaceState::Mapped { g_prime, sk_map },
                    ))
                }
                PaceState::Mapped { g_prime, sk_map } => {
                    let pk_eph_ifd = from_dynamic(&cmd.data, 0x83)?;
                    let (sk_eph, pk_eph_ic) = curve.keypair(&mut self.rng, &g_prime)?;
                    let shared = Zeroizing::new(curve.mul(&sk_eph, &pk_eph_ifd)?);
                    let k = crate::ec::x_coordinate(&shared)?;
                    let ks_enc = crypto::kdf(k, crypto::KDF_ENC, cipher);
                    let ks_mac = crypto::kdf(k, crypto::KDF_MAC, cipher);
                    Ok((
                        dynamic(0x84, &pk_eph_ic)?,
                        PaceState::Keyed {
                            ks_enc,
                            ks_mac,
                            pk_eph_ic,
                            pk_eph_ifd,
                            sk_map,
                        },
                    ))
                }
                PaceState::Keyed {
                    ks_enc,
                    ks_mac,
                    pk_eph_ic,
                    pk_eph_ifd,
                    sk_map,
                } => {
                    let t_ifd = from_dynamic(&cmd.data, 0x85)?;
                    let expected = crate::pace::token(cipher, &ks_mac, &oid, &pk_eph_ic)?;
                    if !bool::from(expected.as_slice().ct_eq(&t_ifd)) {
                        return Err(Error::AccessDenied("token"));
                    }
                    let t_ic = crate::pace::token(cipher, &ks_mac, &oid, &pk_eph_ifd)?;
                    let mut body = tlv::encode(tlv::Tag::new(0x86), &t_ic)
                        .map_err(|_| Error::Protocol("token"))?;
                    if pace.params.mapping == emrtd::lds::PaceMapping::ChipAuthentication {
                        let sk_ic = pace
                            .chip_key
                            .as_ref()
                            .ok_or(Error::Protocol("no chip key"))?;
                        // CA_IC = SK_IC⁻¹ · SK_map,IC (9303-11 §4.4.3.5.1), so that CA_IC · PK_IC = PK_map,IC.
                        let ca_ic = curve.div_scalars(&sk_map, sk_ic)?;
                        let a_ic = crypto::encrypt(
                            cipher,
                            &ks_enc,
                            &crate::pace::cam_iv(cipher, &ks_enc)?,
                            &crypto::pad(&ca_ic, cipher.block_len()),
                        )?;
                        body.extend(
                            tlv::encode(tlv::Tag::new(0x8A), &a_ic)
                                .map_err(|_| Error::Protocol("CAM"))?,
                        );
                    }
                    self.pending_sm = Some(SecureChannel::new(
                        cipher,
                        &ks_enc,
                        &ks_mac,
                        vec![0; cipher.block_len()],
                    )?);
                    let data = tlv::encode(tlv::Tag::new(0x7C), &body)
                        .map_err(|_| Error::Protocol("7C"))?;
                    Ok((data, PaceState::Idle))
                }
                PaceState::Idle => Err(Error::Protocol("GENERAL AUTHENTICATE out of order")),
            }
        })();
        match out {
            Ok((data, next)) => {
                self.pace_state = next;
                Response { data, sw: SW_OK }
            }
            Err(Error::AccessDenied(_)) => Response::status(SW_AUTH_FAILED),
            Err(_) => Response::status(SW_CONDITIONS),
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
            self.sm = Some(self.pending_sm.take().unwrap_or(sm));
            Ok(wrapped.encode())
        } else {
            // A plain command ends any secure session (except the ones that open one).
            if !matches!(cmd.ins, 0x84 | 0x82 | 0x22 | 0x86) {
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
