//! Test chips: data groups, EF.SOD over them, and an Active Authentication key.

use std::collections::BTreeMap;
use std::path::Path;

use emrtd::HashAlgorithm;
use num_bigint::BigUint;

use crate::der_out::*;
use crate::keys::{SeededRng, SigScheme, TestKey};
use crate::{Dsc, signed_data};

/// DG1 (`61 { 5F1F mrz }`) from MRZ lines (newlines removed).
pub fn dg1(mrz_lines: &str) -> Vec<u8> {
    let unbroken: String = mrz_lines.split_whitespace().collect();
    tlv(0x61, &[&tlv(0x5F1F, &[unbroken.as_bytes()])])
}

/// The chip's Active Authentication key.
#[derive(Debug, Clone)]
pub enum AaKey {
    /// RSA with ISO/IEC 9796-2 scheme 1; SHA-1 uses trailer `BC`, other hashes `xx CC`.
    Rsa(TestKey, HashAlgorithm),
    /// ECDSA over the challenge with this hash, answered as plain r ‖ s; DG14 names the algorithm.
    Ec(TestKey, HashAlgorithm),
}

impl AaKey {
    fn key(&self) -> &TestKey {
        match self {
            AaKey::Rsa(k, _) | AaKey::Ec(k, _) => k,
        }
    }
}

/// Builds a test chip.
#[derive(Debug, Clone)]
pub struct ChipBuilder {
    dsc: Dsc,
    groups: BTreeMap<u8, Vec<u8>>,
    hash: HashAlgorithm,
    scheme: Option<SigScheme>,
    sid_by_ski: bool,
    corrupt_md: bool,
    aa: Option<AaKey>,
}

impl ChipBuilder {
    /// A chip signed by `dsc`.
    pub fn new(dsc: &Dsc) -> ChipBuilder {
        ChipBuilder {
            dsc: dsc.clone(),
            groups: BTreeMap::new(),
            hash: HashAlgorithm::Sha256,
            scheme: None,
            sid_by_ski: false,
            corrupt_md: false,
            aa: None,
        }
    }

    /// Adds a data group (full file bytes, outer tag included).
    pub fn data_group(mut self, n: u8, bytes: Vec<u8>) -> Self {
        self.groups.insert(n, bytes);
        self
    }

    /// The data-group hash algorithm (default SHA-256).
    pub fn hash(mut self, h: HashAlgorithm) -> Self {
        self.hash = h;
        self
    }

    /// The SOD signature scheme (default: the Document Signer's).
    pub fn signature_scheme(mut self, s: SigScheme) -> Self {
        self.scheme = Some(s);
        self
    }

    /// Name the signer by subject key identifier instead of issuer and serial.
    pub fn signer_id_ski(mut self, yes: bool) -> Self {
        self.sid_by_ski = yes;
        self
    }

    /// Sign a wrong messageDigest attribute (the signature itself is valid).
    pub fn corrupt_message_digest(mut self) -> Self {
        self.corrupt_md = true;
        self
    }

    /// Gives the chip an Active Authentication key: DG15, and DG14 with ActiveAuthenticationInfo
    /// for EC keys.
    pub fn aa_key(mut self, key: AaKey) -> Self {
        self.groups.insert(15, tlv(0x6F, &[&key.key().spki_der()]));
        if let AaKey::Ec(_, h) = &key {
            let alg = match h {
                HashAlgorithm::Sha1 => emrtd::oid::ECDSA_PLAIN_SHA1,
                HashAlgorithm::Sha224 => emrtd::oid::ECDSA_PLAIN_SHA224,
                HashAlgorithm::Sha256 => emrtd::oid::ECDSA_PLAIN_SHA256,
                HashAlgorithm::Sha384 => emrtd::oid::ECDSA_PLAIN_SHA384,
                HashAlgorithm::Sha512 => emrtd::oid::ECDSA_PLAIN_SHA512,
            };
            let info = seq(&[&oid(&emrtd::oid::AA_PROTOCOL), &int(1), &oid(&alg)]);
            self.groups.insert(14, tlv(0x6E, &[&set(&[&info])]));
        }
        self.aa = Some(key);
        self
    }

    /// EF.SOD over the data groups, signed by the Document Signer.
    pub fn build(self) -> TestChip {
        let hashes: Vec<Vec<u8>> = self
            .groups
            .iter()
            .map(|(n, bytes)| seq(&[&int(u64::from(*n)), &octets(&self.hash.digest(bytes))]))
            .collect();
        let hash_refs: Vec<&[u8]> = hashes.iter().map(Vec::as_slice).collect();
        let lso = seq(&[
            &int(0),
            &alg(&self.hash.oid(), Some(&null())),
            &seq(&hash_refs),
        ]);
        let scheme = self.scheme.unwrap_or(self.dsc.scheme);
        let md = self.corrupt_md.then(|| {
            let mut d = self.hash.digest(&lso);
            d[0] ^= 0xFF;
            d
        });
        let content_info = signed_data(
            &emrtd::oid::LDS_SECURITY_OBJECT,
            &lso,
            &self.dsc,
            scheme,
            self.hash,
            self.sid_by_ski,
            md,
        );
        TestChip {
            files: self.groups,
            sod: tlv(0x77, &[&content_info]),
            aa: self.aa,
        }
    }
}

/// A chip's files and, if it has one, its Active Authentication key.
#[derive(Debug, Clone)]
pub struct TestChip {
    /// Data groups by number.
    pub files: BTreeMap<u8, Vec<u8>>,
    /// EF.SOD.
    pub sod: Vec<u8>,
    aa: Option<AaKey>,
}

impl TestChip {
    /// The data groups keyed as `emrtd` wants them.
    pub fn data_groups(&self) -> BTreeMap<emrtd::lds::DgNumber, Vec<u8>> {
        self.files
            .iter()
            .map(|(n, b)| (emrtd::lds::DgNumber::new(*n).unwrap(), b.clone()))
            .collect()
    }

    /// EF.COM listing the data groups (LDS 1.7, Unicode 4.0.0).
    pub fn ef_com(&self) -> Vec<u8> {
        let tags: Vec<u8> = self
            .files
            .keys()
            .filter_map(|n| emrtd::lds::DgNumber::new(*n))
            .filter_map(|n| emrtd::lds::LdsFile::Dg(n).tag())
            .map(|t| u8::try_from(t.value()).unwrap())
            .collect();
        tlv(
            0x60,
            &[
                &tlv(0x5F01, &[b"0107"]),
                &tlv(0x5F36, &[b"040000"]),
                &tlv(0x5C, &[&tags]),
            ],
        )
    }

    /// Every elementary file of the application by file identifier (EF.COM, EF.SOD, DGs), as a
    /// chip holds them.
    pub fn files_by_id(&self) -> BTreeMap<u16, Vec<u8>> {
        let mut out = BTreeMap::new();
        out.insert(0x011E, self.ef_com());
        out.insert(0x011D, self.sod.clone());
        for (n, bytes) in &self.files {
            out.insert(0x0100 | u16::from(*n), bytes.clone());
        }
        out
    }

    /// What INTERNAL AUTHENTICATE returns for `challenge`.
    pub fn respond(&self, challenge: &[u8; 8]) -> Vec<u8> {
        match self.aa.as_ref().expect("the chip has no AA key") {
            AaKey::Ec(key, h) => key.sign_plain(*h, challenge),
            AaKey::Rsa(key, h) => iso9796_2_sign(key, *h, challenge),
        }
    }

    /// Writes `EF.SOD` and `DG<n>.bin` into `dir` (the layout `idverify chip verify` reads).
    pub fn write_dir(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("EF.SOD"), &self.sod).unwrap();
        for (n, bytes) in &self.files {
            std::fs::write(dir.join(format!("DG{n}.bin")), bytes).unwrap();
        }
    }
}

/// ISO/IEC 9796-2 scheme 1, partial recovery: F = 6A ‖ M1 ‖ Hash(M1 ‖ challenge) ‖ trailer,
/// signature = F^d mod n.
fn iso9796_2_sign(key: &TestKey, hash: HashAlgorithm, challenge: &[u8; 8]) -> Vec<u8> {
    let k = key.rsa_len();
    let trailer: Vec<u8> = match hash {
        HashAlgorithm::Sha1 => vec![0xBC],
        HashAlgorithm::Sha224 => vec![0x38, 0xCC],
        HashAlgorithm::Sha256 => vec![0x34, 0xCC],
        HashAlgorithm::Sha384 => vec![0x36, 0xCC],
        HashAlgorithm::Sha512 => vec![0x35, 0xCC],
    };
    let m1_len = k - hash.output_len() - trailer.len() - 1;
    let mut m1 = vec![0u8; m1_len];
    rand_core::Rng::fill_bytes(
        &mut SeededRng::new("m1", u64::from_be_bytes(*challenge)),
        &mut m1,
    );
    let h = hash.digest_parts(&[&m1, challenge]);
    let f = [vec![0x6A], m1, h, trailer].concat();
    let (s, len) = key.rsa_private_raw(&BigUint::from_bytes_be(&f));
    let bytes = s.to_bytes_be();
    let mut out = vec![0u8; len - bytes.len()];
    out.extend(bytes);
    out
}

/// A face for [`dg2`]: the encoded image and what its ISO/IEC 19794-5 header declares.
#[derive(Debug, Clone, Copy)]
pub struct Face<'a> {
    /// The encoded image.
    pub image: &'a [u8],
    /// Declared image data type: 0 JPEG, 1 JPEG 2000.
    pub data_type: u8,
    /// Declared width.
    pub width: u16,
    /// Declared height.
    pub height: u16,
}

/// DG2 (ICAO 9303-10 §4.7.2) with one biometric information template per face, each an
/// ISO/IEC 19794-5:2005 facial record with one face and no feature points.
pub fn dg2(faces: &[Face<'_>]) -> Vec<u8> {
    let mut templates = Vec::new();
    for face in faces {
        let header = tlv(
            0xA1,
            &[
                &tlv(0x80, &[&[0x01, 0x01]]),
                &tlv(0x81, &[&[0x02]]),
                &tlv(0x87, &[&[0x01, 0x01]]),
                &tlv(0x88, &[&[0x00, 0x08]]),
            ],
        );
        let face_len = (20 + 12 + face.image.len()) as u32;
        let mut record = Vec::new();
        record.extend_from_slice(b"FAC\x00010\x00");
        record.extend_from_slice(&(14 + face_len).to_be_bytes());
        record.extend_from_slice(&1u16.to_be_bytes());
        record.extend_from_slice(&face_len.to_be_bytes());
        record.extend_from_slice(&0u16.to_be_bytes()); // feature points
        record.extend_from_slice(&[2, 1, 3]); // gender F, eye colour, hair colour
        record.extend_from_slice(&[0, 0, 1]); // feature mask
        record.extend_from_slice(&1u16.to_be_bytes()); // expression neutral
        record.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // pose, uncertainty
        record.extend_from_slice(&[1, face.data_type]); // full frontal, data type
        record.extend_from_slice(&face.width.to_be_bytes());
        record.extend_from_slice(&face.height.to_be_bytes());
        record.extend_from_slice(&[1, 2]); // RGB, digital still
        record.extend_from_slice(&[0, 0, 0, 0]); // device, quality
        record.extend_from_slice(face.image);
        templates.push(tlv(0x7F60, &[&header, &tlv(0x5F2E, &[&record])]));
    }
    let refs: Vec<&[u8]> = templates.iter().map(Vec::as_slice).collect();
    let count = tlv(0x02, &[&[faces.len() as u8]]);
    tlv(0x75, &[&tlv(0x7F61, &[&count, &refs.concat()])])
}
