//! The reader side: a session with a chip over a [`Transport`], access control (BAC, with PACE
//! where the chip offers it), file reading that survives chips with small buffers, and Active
//! Authentication.

use std::collections::BTreeMap;
use std::fmt;

use emrtd::lds::{DgNumber, EfCom, LdsFile};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::apdu::{Command, Response};
use crate::crypto::{self, Cipher};
use crate::sm::SecureChannel;

/// Moves APDUs to a chip and back.
pub trait Transport {
    /// Sends one encoded command APDU and returns the encoded response (data ‖ SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        (**self).transmit(apdu)
    }
}

/// The eMRTD application identifier (ICAO 9303-10 §3.10).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// What opens the chip: the MRZ (document number, birth date, expiry date) or the CAN.
#[derive(Clone)]
pub enum AccessKey {
    /// MRZ_information (document number, birth and expiry dates with check digits).
    Mrz(Zeroizing<Vec<u8>>),
    /// The Card Access Number printed on the document (PACE only).
    Can(Zeroizing<String>),
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz([redacted])"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can([redacted])"),
        }
    }
}

impl AccessKey {
    /// From the MRZ fields as printed (document number, `YYMMDD` birth and expiry).
    pub fn from_mrz_fields(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<AccessKey, Error> {
        mrz::bac::BacKeys::mrz_information(document_number, birth_date, expiry_date)
            .map(AccessKey::Mrz)
            .map_err(|_| Error::Protocol("MRZ fields are not MRZ characters"))
    }

    /// From a parsed MRZ.
    pub fn from_mrz(m: &mrz::Mrz) -> Result<AccessKey, Error> {
        mrz::bac::BacKeys::mrz_information_of(m)
            .map(AccessKey::Mrz)
            .map_err(|_| {
                Error::Protocol("this MRZ has no expiry date or unusable fields: use the CAN")
            })
    }
}

/// How the secure channel was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessProtocol {
    /// Basic Access Control.
    Bac,
    /// PACE (with the mapping used).
    Pace,
}

/// Counters a reader keeps, for progress lines and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Command APDUs sent.
    pub apdus: usize,
    /// Secure channels opened (more than one means recovery from a failed read).
    pub channels_opened: usize,
    /// Bytes of file content read.
    pub bytes_read: usize,
}

/// Largest READ BINARY we ask for first: fits a short APDU with secure-messaging overhead.
pub const DEFAULT_BLOCK: usize = 0xDF;
/// The block older chips accept (field notes: ~160 bytes per READ BINARY).
pub const SMALL_BLOCK: usize = 0xA0;

/// A session with one chip.
pub struct Reader<T: Transport, R: CryptoRng> {
    transport: T,
    rng: R,
    key: AccessKey,
    sm: Option<SecureChannel>,
    block: usize,
    protocol: Option<AccessProtocol>,
    stats: Stats,
    require_pace: bool,
    pace_fallback: Option<&'static str>,
    cam: Option<CamEvidence>,
}

/// What PACE-CAM hands over for checking against DG14's Chip Authentication key.
#[derive(Clone)]
pub struct CamEvidence {
    curve: crate::ec::Curve,
    ca_ic: Zeroizing<Vec<u8>>,
    pk_map_ic: Vec<u8>,
}

impl fmt::Debug for CamEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CamEvidence({:?})", self.curve)
    }
}

impl<T: Transport, R: CryptoRng> fmt::Debug for Reader<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Reader({:?}, block {}, {:?})",
            self.protocol, self.block, self.stats
        )
    }
}

/// The files read from a chip, ready for `emrtd::chip::verify_chip`.
#[derive(Debug, Clone, Default)]
pub struct ChipRead {
    /// EF.COM.
    pub com: Option<Vec<u8>>,
    /// EF.SOD.
    pub sod: Option<Vec<u8>>,
    /// Data groups.
    pub data_groups: BTreeMap<DgNumber, Vec<u8>>,
    /// EF.CardAccess, if the chip has one.
    pub card_access: Option<Vec<u8>>,
    /// Data groups listed in EF.COM that could not be read (access-protected DG3/DG4, say), with
    /// the error code.
    pub skipped: Vec<(DgNumber, &'static str)>,
}

impl<T: Transport, R: CryptoRng> Reader<T, R> {
    /// A reader over `transport`, opening the chip with `key`; `rng` supplies the reader's
    /// nonces and ephemeral keys.
    pub fn new(transport: T, key: AccessKey, rng: R) -> Self {
        Reader {
            transport,
            rng,
            key,
            sm: None,
            block: DEFAULT_BLOCK,
            protocol: None,
            stats: Stats::default(),
            require_pace: false,
            pace_fallback: None,
            cam: None,
        }
    }

    /// Refuse to fall back to BAC when the chip offers PACE and PACE fails (fail closed against
    /// a downgrade).
    #[must_use]
    pub fn require_pace(mut self, yes: bool) -> Self {
        self.require_pace = yes;
        self
    }

    /// Why PACE was not used although the chip offered it, if it was not (the error code).
    #[must_use]
    pub fn pace_fallback(&self) -> Option<&'static str> {
        self.pace_fallback
    }

    /// The counters so far.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How the channel was opened, once it is.
    #[must_use]
    pub fn protocol(&self) -> Option<AccessProtocol> {
        self.protocol
    }

    /// The transport back (to reuse a reader connection).
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends a command, through secure messaging once a channel is open.
    pub fn send(&mut self, cmd: &Command) -> Result<Response, Error> {
        self.stats.apdus += 1;
        match &mut self.sm {
            Some(sm) => {
                let protected = sm.wrap(cmd)?;
                let raw = self.transport.transmit(&protected.encode()?)?;
                let resp = Response::decode(&raw)?;
                match sm.unwrap(&resp) {
                    Ok(r) => Ok(r),
                    Err(e) => {
                        // A chip ends secure messaging after an error; so do we.
                        self.sm = None;
                        Err(e)
                    }
                }
            }
            None => Response::decode(&self.transport.transmit(&cmd.encode()?)?),
        }
    }

    /// Opens the secure channel: PACE where EF.CardAccess offers a variant we implement, else
    /// (or when PACE fails, unless [`Self::require_pace`]) BAC; then selects the eMRTD application.
    pub fn open(&mut self) -> Result<AccessProtocol, Error> {
        self.sm = None;
        let card_access = self.read_card_access()?;
        if let Some(ca) = &card_access {
            match self.pace(ca) {
                Ok(()) => {
                    self.select_application()?;
                    self.stats.channels_opened += 1;
                    self.protocol = Some(AccessProtocol::Pace);
                    return Ok(AccessProtocol::Pace);
                }
                Err(e @ Error::AccessDenied(_)) => return Err(e),
                Err(e) if self.require_pace => return Err(e),
                Err(e) => {
                    self.pace_fallback = Some(e.code());
                    self.sm = None;
                }
            }
        } else if self.require_pace {
            return Err(Error::Unsupported(
                "the chip offers no PACE (no EF.CardAccess)".into(),
            ));
        }
        self.select_application()?;
        self.bac()?;
        self.stats.channels_opened += 1;
        self.protocol = Some(AccessProtocol::Bac);
        Ok(AccessProtocol::Bac)
    }

    /// Reads a small file of the current DF by short file identifier (READ BINARY with P1 =
    /// 0x80 | SFI, ISO/IEC 7816-4 §11.2.2): no SELECT, as some chips require for EF.CardAccess.
    pub fn read_file_by_sfi(&mut self, sfi: u8) -> Result<Vec<u8>, Error> {
        if sfi == 0 || sfi > 30 {
            return Err(Error::Protocol("short file identifier"));
        }
        let head = self
            .send(&Command::new(0x00, 0xB0, 0x80 | sfi, 0x00).with_le(8))?
            .ok("READ BINARY (SFI)")?;
        let total = file_length(&head)?;
        let mut out = head;
        out.truncate(total);
        while out.len() < total {
            let want = (total - out.len()).min(self.block);
            let chunk = self.read_binary(out.len(), want)?;
            if chunk.is_empty() {
                return Err(Error::Protocol("READ BINARY returned no data"));
            }
            out.extend_from_slice(&chunk);
        }
        self.stats.bytes_read += out.len();
        Ok(out)
    }

    /// EF.CardAccess from the master file, if the chip has one: by short file identifier
    /// first, then by SELECT.
    fn read_card_access(&mut self) -> Result<Option<emrtd::lds::SecurityInfos>, Error> {
        let bytes = match self.read_file_by_sfi(LdsFile::CardAccess.short_file_id()) {
            Ok(b) => Ok(b),
            Err(Error::Status { .. }) => self.read_file(LdsFile::CardAccess.file_id()),
            Err(e) => Err(e),
        };
        match bytes {
            Ok(bytes) => Ok(emrtd::lds::SecurityInfos::parse_card_access(&bytes).ok()),
            Err(Error::Status { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn general_authenticate(
        &mut self,
        tag: u32,
        value: &[u8],
        last: bool,
    ) -> Result<Vec<u8>, Error> {
        let cla = if last { 0x00 } else { 0x10 };
        let cmd = Command::new(cla, 0x86, 0x00, 0x00)
            .with_data(crate::pace::dynamic(tag, value)?)
            .with_le(256);
        let resp = self.send(&cmd)?;
        if matches!(resp.sw, 0x6300..=0x63CF | 0x6982 | 0x6A80) {
            return Err(Error::AccessDenied(
                "PACE refused: the MRZ or CAN does not match this chip",
            ));
        }
        resp.ok("GENERAL AUTHENTICATE")
    }

    /// PACE with ECDH, Generic or Chip Authentication Mapping (ICAO 9303-11 §4.4).
    fn pace(&mut self, card_access: &emrtd::lds::SecurityInfos) -> Result<(), Error> {
        use crate::pace;
        let params = pace::PaceParams::choose(card_access)?;
        let cipher = params.cipher;
        let curve = params.curve;
        let set_at = Command::new(0x00, 0x22, 0xC1, 0xA4)
            .with_data(pace::mse_set_at_data(&params, &self.key)?);
        self.send(&set_at)?.ok("MSE:Set AT")?;
        // 1. The encrypted nonce.
        let z = pace::from_dynamic(&self.general_authenticate(0, &[], false)?, 0x80)?;
        let k_pi = pace::password_key(&self.key, cipher);
        let s = Zeroizing::new(crypto::decrypt(
            cipher,
            &k_pi,
            &vec![0; cipher.block_len()],
            &z,
        )?);
        // 2. Mapping: G' = s·G + SK_map·PK_map,IC.
        let (sk_map, pk_map) = curve.keypair(&mut self.rng, &curve.generator())?;
        let pk_map_ic =
            pace::from_dynamic(&self.general_authenticate(0x81, &pk_map, false)?, 0x82)?;
        if pk_map_ic == pk_map {
            return Err(Error::Protocol("PACE: the chip echoed our mapping key"));
        }
        let h = curve.mul(&sk_map, &pk_map_ic)?;
        let g_prime = curve.map_generator(&s, &h)?;
        // 3. Key agreement on G'.
        let (sk_eph, pk_eph) = curve.keypair(&mut self.rng, &g_prime)?;
        let pk_eph_ic =
            pace::from_dynamic(&self.general_authenticate(0x83, &pk_eph, false)?, 0x84)?;
        if pk_eph_ic == pk_eph {
            return Err(Error::Protocol("PACE: the chip echoed our ephemeral key"));
        }
        let shared = Zeroizing::new(curve.mul(&sk_eph, &pk_eph_ic)?);
        let k = crate::ec::x_coordinate(&shared)?;
        let ks_enc = crypto::kdf(k, crypto::KDF_ENC, cipher);
        let ks_mac = crypto::kdf(k, crypto::KDF_MAC, cipher);
        // 4. Mutual authentication tokens.
        let t_ifd = pace::token(cipher, &ks_mac, &params.protocol, &pk_eph_ic)?;
        let resp = self.general_authenticate(0x85, &t_ifd, true)?;
        let t_ic = pace::from_dynamic(&resp, 0x86)?;
        let expected = pace::token(cipher, &ks_mac, &params.protocol, &pk_eph)?;
        if !bool::from(expected.as_slice().ct_eq(&t_ic)) {
            return Err(Error::AccessDenied(
                "PACE: the chip's authentication token does not verify",
            ));
        }
        if params.mapping == emrtd::lds::PaceMapping::ChipAuthentication {
            let a_ic = pace::from_dynamic(&resp, 0x8A)?;
            let plain = Zeroizing::new(crypto::decrypt(
                cipher,
                &ks_enc,
                &pace::cam_iv(cipher, &ks_enc)?,
                &a_ic,
            )?);
            let ca_ic = Zeroizing::new(crypto::unpad(&plain)?.to_vec());
            self.cam = Some(CamEvidence {
                curve,
                ca_ic,
                pk_map_ic,
            });
        }
        self.sm = Some(SecureChannel::new(
            cipher,
            &ks_enc,
            &ks_mac,
            vec![0; cipher.block_len()],
        )?);
        Ok(())
    }

    /// Chip Authentication (ICAO 9303-11 §6.2, ECDH with AES): a key agreement with DG14's Chip
    /// Authentication public key that replaces the session keys. Only the chip holding the
    /// private key can go on talking, so a successful read after it proves the chip is not a
    /// clone (given DG14 passed Passive Authentication).
    pub fn chip_authentication(&mut self, dg14: &[u8]) -> Result<(), Error> {
        use emrtd::lds::{KeyAgreement, SecurityInfo};
        let infos = emrtd::lds::SecurityInfos::parse_dg14(dg14)?;
        let (protocol, cipher, key_id) = infos
            .chip_authentication_infos()
            .find_map(|i| match i {
                SecurityInfo::ChipAuthentication {
                    protocol,
                    key_agreement: KeyAgreement::Ecdh,
                    cipher: Some(c),
                    key_id,
                    ..
                } if *c != emrtd::lds::Cipher::TripleDes => {
                    Some((*protocol, Cipher::from_info(*c), *key_id))
                }
                _ => None,
            })
            .ok_or_else(|| {
                Error::Unsupported("no ChipAuthenticationInfo with ECDH and AES".into())
            })?;
        let (curve, pk_ic) = infos
            .chip_authentication_public_keys()
            .find_map(|i| match i {
                SecurityInfo::ChipAuthenticationPublicKey {
                    key_agreement: KeyAgreement::Ecdh,
                    public_key,
                    key_id: kid,
                    ..
                } if key_id.is_none() || *kid == key_id => {
                    match emrtd::crypto::PublicKey::from_spki_der(public_key) {
                        Ok(emrtd::crypto::PublicKey::Ec(k)) => {
                            let curve = crate::ec::Curve::from_named(k.curve().named()?).ok()?;
                            Some((curve, k.point().to_vec()))
                        }
                        _ => None,
                    }
                }
                _ => None,
            })
            .ok_or_else(|| {
                Error::Unsupported("no usable Chip Authentication public key in DG14".into())
            })?;
        let (sk, pk) = curve.keypair(&mut self.rng, &curve.generator())?;
        let mut set_at = tlv::encode(tlv::Tag::new(0x80), protocol.as_bytes())
            .map_err(|_| Error::Protocol("OID"))?;
        if let Some(id) = key_id {
            let id = u8::try_from(id).map_err(|_| Error::Unsupported("key id above 255".into()))?;
            set_at.extend(
                tlv::encode(tlv::Tag::new(0x84), &[id]).map_err(|_| Error::Protocol("key id"))?,
            );
        }
        self.send(&Command::new(0x00, 0x22, 0x41, 0xA4).with_data(set_at))?
            .ok("MSE:Set AT (CA)")?;
        let ga = Command::new(0x00, 0x86, 0x00, 0x00)
            .with_data(crate::pace::dynamic(0x80, &pk)?)
            .with_le(256);
        self.send(&ga)?.ok("GENERAL AUTHENTICATE (CA)")?;
        let shared = Zeroizing::new(curve.mul(&sk, &pk_ic)?);
        let k = crate::ec::x_coordinate(&shared)?;
        self.sm = Some(SecureChannel::from_secret(
            cipher,
            k,
            vec![0; cipher.block_len()],
        )?);
        // The proof: the chip answers under the new keys.
        self.select_file(LdsFile::Com.file_id()).map_err(|_| {
            Error::AccessDenied("Chip Authentication: the chip does not hold DG14's key (a clone)")
        })
    }

    /// PACE-CAM's chip authentication (ICAO 9303-11 §4.4.3.5.2): the chip proved knowledge of
    /// the private key of DG14's Chip Authentication public key iff PK_map,IC = CA_IC · PK_IC.
    /// DG14 must have passed Passive Authentication for this to mean anything. None if PACE-CAM
    /// was not run.
    pub fn verify_chip_authentication_mapping(&self, dg14: &[u8]) -> Option<Result<(), Error>> {
        let cam = self.cam.as_ref()?;
        Some(verify_cam(cam, dg14))
    }

    fn select_application(&mut self) -> Result<(), Error> {
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
        self.send(&cmd)?.ok("SELECT eMRTD application").map(|_| ())
    }

    /// Basic Access Control (ICAO 9303-11 §4.3, Appendix D).
    fn bac(&mut self) -> Result<(), Error> {
        let AccessKey::Mrz(info) = &self.key else {
            return Err(Error::Unsupported(
                "BAC needs the MRZ; the CAN works with PACE only".into(),
            ));
        };
        let keys = mrz::bac::BacKeys::from_mrz_information(info);
        let rnd_ic = self
            .send(&Command::new(0x00, 0x84, 0x00, 0x00).with_le(8))?
            .ok("GET CHALLENGE")?;
        if rnd_ic.len() != 8 {
            return Err(Error::Protocol("GET CHALLENGE must return 8 bytes"));
        }
        let mut rnd_ifd = [0u8; 8];
        let mut k_ifd = Zeroizing::new([0u8; 16]);
        self.rng.fill_bytes(&mut rnd_ifd);
        self.rng.fill_bytes(k_ifd.as_mut_slice());
        let (ssc, seed) =
            bac_reader_exchange(self, keys.k_enc(), keys.k_mac(), &rnd_ic, &rnd_ifd, &k_ifd)?;
        self.sm = Some(SecureChannel::from_secret(Cipher::TripleDes, &seed, ssc)?);
        Ok(())
    }

    /// Selects an elementary file of the application by file identifier.
    pub fn select_file(&mut self, fid: u16) -> Result<(), Error> {
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec());
        self.send(&cmd)?.ok("SELECT").map(|_| ())
    }

    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, Error> {
        if offset <= 0x7FFF {
            let [p1, p2] = u16::try_from(offset).unwrap_or(0).to_be_bytes();
            self.send(&Command::new(0x00, 0xB0, p1, p2).with_le(len))?
                .ok("READ BINARY")
        } else {
            // Offsets past 32 767: READ BINARY with odd INS and the offset in DO'54' (ISO/IEC
            // 7816-4 §11.2.3); the data comes back in DO'53'.
            let off = u32::try_from(offset)
                .map_err(|_| Error::Protocol("offset"))?
                .to_be_bytes();
            let trimmed: Vec<u8> = off.iter().copied().skip_while(|b| *b == 0).collect();
            let data = tlv::encode(tlv::Tag::new(0x54), &trimmed)
                .map_err(|_| Error::Protocol("offset"))?;
            let resp = self
                .send(
                    &Command::new(0x00, 0xB1, 0x00, 0x00)
                        .with_data(data)
                        .with_le(len + 4),
                )?
                .ok("READ BINARY")?;
            let t = tlv::Tlv::parse_tagged(&resp, tlv::Tag::new(0x53))
                .map_err(|_| Error::Protocol("READ BINARY DO'53'"))?;
            Ok(t.value().to_vec())
        }
    }

    /// Reads a whole elementary file: its TLV header first, for the length, then in blocks. When
    /// a chip refuses a block size (`6700`) or ends secure messaging mid-file, the channel is
    /// opened again and reading resumes in 160-byte blocks.
    pub fn read_file(&mut self, fid: u16) -> Result<Vec<u8>, Error> {
        let mut out: Vec<u8> = Vec::new();
        let mut total: Option<usize> = None;
        let mut selected = false;
        let mut recoveries = 0;
        loop {
            if !selected {
                self.select_file(fid)?;
                selected = true;
            }
            let want = match total {
                None => 8,
                Some(t) => (t - out.len()).min(self.block),
            };
            if want == 0 {
                break;
            }
            match self.read_binary(out.len(), want) {
                Ok(chunk) if chunk.is_empty() => {
                    return Err(Error::Protocol("READ BINARY returned no data"));
                }
                Ok(chunk) => {
                    out.extend_from_slice(&chunk);
                    if total.is_none() {
                        total = Some(file_length(&out)?);
                        out.truncate(total.unwrap_or(0).min(out.len()));
                    }
                }
                Err(
                    e @ (Error::Status { sw: 0x6700, .. }
                    | Error::SecureMessaging(_)
                    | Error::Status {
                        command: "secure messaging",
                        ..
                    }),
                ) if recoveries < 2 => {
                    recoveries += 1;
                    if self.block <= SMALL_BLOCK && !matches!(e, Error::SecureMessaging(_)) {
                        return Err(e);
                    }
                    self.block = SMALL_BLOCK;
                    self.open()?;
                    selected = false;
                }
                Err(e) => return Err(e),
            }
            if total.is_some_and(|t| out.len() >= t) {
                break;
            }
        }
        self.stats.bytes_read += out.len();
        Ok(out)
    }

    /// Reads EF.COM, EF.SOD and every data group EF.COM lists (DG3/DG4 need Extended Access
    /// Control and are skipped with their error code). `progress` is called once per file.
    pub fn read_all(
        &mut self,
        mut progress: impl FnMut(LdsFile, usize),
    ) -> Result<ChipRead, Error> {
        if self.sm.is_none() {
            self.open()?;
        }
        let mut read = ChipRead::default();
        let com = self.read_file(LdsFile::Com.file_id())?;
        progress(LdsFile::Com, com.len());
        let listed = EfCom::parse(&com)?.data_groups;
        read.com = Some(com);
        let sod = self.read_file(LdsFile::Sod.file_id())?;
        progress(LdsFile::Sod, sod.len());
        read.sod = Some(sod);
        for file in listed {
            let LdsFile::Dg(n) = file else { continue };
            match self.read_file(file.file_id()) {
                Ok(bytes) => {
                    progress(file, bytes.len());
                    read.data_groups.insert(n, bytes);
                }
                Err(e @ Error::Status { .. }) => {
                    read.skipped.push((n, e.code()));
                    // The chip dropped secure messaging with the error: reopen for the rest.
                    self.open()?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(read)
    }

    /// INTERNAL AUTHENTICATE with the verifier's challenge (ICAO 9303-11 §6.1); returns the
    /// chip's signature for `emrtd::aa::verify`.
    pub fn active_authentication(&mut self, challenge: &[u8; 8]) -> Result<Vec<u8>, Error> {
        let cmd = Command::new(0x00, 0x88, 0x00, 0x00)
            .with_data(challenge.to_vec())
            .with_le(256);
        self.send(&cmd)?.ok("INTERNAL AUTHENTICATE")
    }
}

fn verify_cam(cam: &CamEvidence, dg14: &[u8]) -> Result<(), Error> {
    let infos = emrtd::lds::SecurityInfos::parse_dg14(dg14)?;
    for info in infos.chip_authentication_public_keys() {
        let emrtd::lds::SecurityInfo::ChipAuthenticationPublicKey { public_key, .. } = info else {
            continue;
        };
        let Ok(emrtd::crypto::PublicKey::Ec(key)) =
            emrtd::crypto::PublicKey::from_spki_der(public_key)
        else {
            continue;
        };
        let Some(named) = key.curve().named() else {
            continue;
        };
        if crate::ec::Curve::from_named(named).ok() != Some(cam.curve) {
            continue;
        }
        let computed = cam.curve.mul(&cam.ca_ic, key.point())?;
        if bool::from(computed.as_slice().ct_eq(&cam.pk_map_ic)) {
            return Ok(());
        }
    }
    Err(Error::AccessDenied(
        "PACE-CAM: the chip does not hold DG14's Chip Authentication key (a clone)",
    ))
}

/// The length of a BER-TLV file from its first bytes (tag, length).
fn file_length(head: &[u8]) -> Result<usize, Error> {
    match tlv::Tlv::parse(head) {
        Ok((t, _)) => Ok(t.raw().len()),
        Err(tlv::Error::Truncated { .. }) => {
            // Only the header fits in `head`: compute tag + length + value length by hand.
            let (_, tag_len) =
                tlv::Tag::parse(head, 0).map_err(|_| Error::Protocol("file header"))?;
            let len_bytes = head.get(tag_len..).ok_or(Error::Protocol("file header"))?;
            let (value_len, len_len) = match len_bytes.first() {
                Some(&b) if b < 0x80 => (usize::from(b), 1),
                Some(&b) if (0x81..=0x84).contains(&b) => {
                    let n = usize::from(b & 0x7F);
                    let v = len_bytes.get(1..=n).ok_or(Error::Protocol("file header"))?;
                    (
                        v.iter().fold(0usize, |acc, x| (acc << 8) | usize::from(*x)),
                        1 + n,
                    )
                }
                _ => return Err(Error::Protocol("file header")),
            };
            Ok(tag_len + len_len + value_len)
        }
        Err(_) => Err(Error::Protocol("file header")),
    }
}

/// EXTERNAL AUTHENTICATE of BAC and the session key seed (ICAO 9303-11 §4.3.3.3–4).
fn bac_reader_exchange<T: Transport, R: CryptoRng>(
    reader: &mut Reader<T, R>,
    k_enc: &[u8],
    k_mac: &[u8],
    rnd_ic: &[u8],
    rnd_ifd: &[u8; 8],
    k_ifd: &[u8; 16],
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), Error> {
    let s = Zeroizing::new([rnd_ifd.as_slice(), rnd_ic, k_ifd].concat());
    let e_ifd = crypto::encrypt(Cipher::TripleDes, k_enc, &[0; 8], &s)?;
    let m_ifd = crypto::mac(Cipher::TripleDes, k_mac, &crypto::pad(&e_ifd, 8))?;
    let cmd = Command::new(0x00, 0x82, 0x00, 0x00)
        .with_data([e_ifd.as_slice(), &m_ifd].concat())
        .with_le(40);
    let resp = reader.send(&cmd)?;
    if matches!(resp.sw, 0x6300 | 0x6982 | 0x6985 | 0x6A80) {
        return Err(Error::AccessDenied(
            "BAC refused: the MRZ does not match this chip",
        ));
    }
    let data = resp.ok("EXTERNAL AUTHENTICATE")?;
    let (e_ic, m_ic) = data
        .split_at_checked(32)
        .ok_or(Error::Protocol("EXTERNAL AUTHENTICATE response length"))?;
    let expected = crypto::mac(Cipher::TripleDes, k_mac, &crypto::pad(e_ic, 8))?;
    if !bool::from(expected.as_slice().ct_eq(m_ic)) {
        return Err(Error::AccessDenied(
            "BAC: the chip's cryptogram does not verify",
        ));
    }
    let r = Zeroizing::new(crypto::decrypt(Cipher::TripleDes, k_enc, &[0; 8], e_ic)?);
    let (rnd_ic2, rest) = r.split_at_checked(8).ok_or(Error::Protocol("BAC R"))?;
    let (rnd_ifd2, k_ic) = rest.split_at_checked(8).ok_or(Error::Protocol("BAC R"))?;
    if !bool::from(rnd_ic2.ct_eq(rnd_ic)) || !bool::from(rnd_ifd2.ct_eq(rnd_ifd)) {
        return Err(Error::AccessDenied(
            "BAC: the chip did not answer our challenge",
        ));
    }
    let seed = Zeroizing::new(
        k_ifd
            .iter()
            .zip(k_ic)
            .map(|(a, b)| a ^ b)
            .collect::<Vec<u8>>(),
    );
    let ssc = [
        rnd_ic.get(4..8).unwrap_or_default(),
        rnd_ifd.get(4..8).unwrap_or_default(),
    ]
    .concat();
    Ok((ssc, seed))
}
