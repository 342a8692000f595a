//! A reader for the CMS SignedData (RFC 5652 §5) that carries EF.SOD (ICAO 9303-10 §4.6.2) and
//! CSCA Master Lists (9303-12 §9).
//!
//! Navigation uses our BER-TLV reader so that every element keeps its exact bytes: the signature
//! covers the signed attributes *as encoded*, and certificates are checked over their TBS bytes
//! as encoded, never over a re-encoding.

use der::Decode;
use der::asn1::ObjectIdentifier;
use tlv::{Tag, Tlv};

use crate::Error;
use crate::hash::HashAlgorithm;
use crate::oid;

const SEQUENCE: Tag = Tag::new(0x30);
const SET: Tag = Tag::new(0x31);
const OID: Tag = Tag::new(0x06);
const INTEGER: Tag = Tag::new(0x02);
const OCTET_STRING: Tag = Tag::new(0x04);
const OCTET_STRING_CONSTRUCTED: Tag = Tag::new(0x24);
const CTX0_CONSTRUCTED: Tag = Tag::new(0xA0);
const CTX1_CONSTRUCTED: Tag = Tag::new(0xA1);
const CTX0_PRIMITIVE: Tag = Tag::new(0x80);

/// RFC 5652 §5.3 `SignerIdentifier ::= CHOICE { issuerAndSerialNumber, subjectKeyIdentifier [0] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentifier {
    /// `IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }`:
    /// the issuer's DER bytes and the serial's content bytes.
    IssuerAndSerial {
        /// DER of the issuer Name.
        issuer: Vec<u8>,
        /// Content bytes of the serial number INTEGER.
        serial: Vec<u8>,
    },
    /// `subjectKeyIdentifier [0] SubjectKeyIdentifier`.
    SubjectKeyIdentifier(Vec<u8>),
}

/// One `SignerInfo` (RFC 5652 §5.3).
#[derive(Debug, Clone)]
pub struct SignerInfo<'a> {
    /// Which certificate signed.
    pub sid: SignerIdentifier,
    /// `digestAlgorithm`, if it is one we know (None: unknown OID, kept in `digest_oid`).
    pub digest_algorithm: Option<HashAlgorithm>,
    /// The digest algorithm's OID as written.
    pub digest_oid: ObjectIdentifier,
    /// The signed attributes as encoded, with their `[0] IMPLICIT` tag (None if absent).
    pub signed_attrs: Option<Tlv<'a>>,
    /// The `signatureAlgorithm` AlgorithmIdentifier, DER.
    pub signature_algorithm: &'a [u8],
    /// The signature value.
    pub signature: &'a [u8],
}

impl<'a> SignerInfo<'a> {
    /// The bytes the signature covers: the signed attributes re-tagged as `SET OF` (RFC 5652
    /// §5.4: "the IMPLICIT [0] tag … is not used for the DER encoding, rather an EXPLICIT SET
    /// OF tag is used").
    #[must_use]
    pub fn signed_bytes(&self) -> Option<Vec<u8>> {
        let attrs = self.signed_attrs.as_ref()?;
        let raw = attrs.raw();
        let mut out = Vec::with_capacity(raw.len());
        out.push(0x31);
        out.extend_from_slice(raw.get(1..)?);
        Some(out)
    }

    /// The values of the signed attribute `attr_type` (the content of its `attrValues` SET), or
    /// None if absent. An attribute present twice is reported as `Err`.
    pub fn signed_attribute(
        &self,
        attr_type: &ObjectIdentifier,
        context: &'static str,
    ) -> Result<Option<Vec<Tlv<'a>>>, Error> {
        let Some(attrs) = &self.signed_attrs else {
            return Ok(None);
        };
        let mut found = None;
        for attr in attrs.children().map_err(|e| tlv_error(context, &e))? {
            let attr = attr.map_err(|e| tlv_error(context, &e))?;
            let mut parts = attr.children().map_err(|e| tlv_error(context, &e))?;
            let kind = next(&mut parts, OID, context, attr.offset(), "attribute type")?;
            let values = next(&mut parts, SET, context, attr.offset(), "attribute values")?;
            if oid_of(&kind, context)? == *attr_type {
                if found.is_some() {
                    return Err(cms(
                        context,
                        attr.offset(),
                        "signed attribute present twice",
                    ));
                }
                let list = values
                    .children()
                    .map_err(|e| tlv_error(context, &e))?
                    .collect_all()
                    .map_err(|e| tlv_error(context, &e))?;
                found = Some(list);
            }
        }
        Ok(found)
    }
}

/// A parsed SignedData.
#[derive(Debug, Clone)]
pub struct SignedData<'a> {
    /// `encapContentInfo.eContentType`.
    pub content_type: ObjectIdentifier,
    /// `encapContentInfo.eContent`, the octets (reassembled if BER-constructed).
    pub content: Vec<u8>,
    /// `certificates`: each certificate's full DER.
    pub certificates: Vec<&'a [u8]>,
    /// `crls`: each CRL's full DER.
    pub crls: Vec<&'a [u8]>,
    /// `signerInfos`.
    pub signer_infos: Vec<SignerInfo<'a>>,
}

impl<'a> SignedData<'a> {
    /// Parses `ContentInfo { id-signedData, [0] SignedData }`, the form of EF.SOD's content and of
    /// master-list files.
    pub fn parse_content_info(
        bytes: &'a [u8],
        context: &'static str,
    ) -> Result<SignedData<'a>, Error> {
        let info = Tlv::parse_exact(bytes).map_err(|e| tlv_error(context, &e))?;
        expect_tag(&info, SEQUENCE, context, "ContentInfo")?;
        let mut parts = info.children().map_err(|e| tlv_error(context, &e))?;
        let kind = next(&mut parts, OID, context, info.offset(), "contentType")?;
        if oid_of(&kind, context)? != oid::SIGNED_DATA {
            return Err(cms(
                context,
                kind.offset(),
                "content type is not id-signedData",
            ));
        }
        let wrapper = next(
            &mut parts,
            CTX0_CONSTRUCTED,
            context,
            info.offset(),
            "content",
        )?;
        let mut inner = wrapper.children().map_err(|e| tlv_error(context, &e))?;
        let signed = next(
            &mut inner,
            SEQUENCE,
            context,
            wrapper.offset(),
            "SignedData",
        )?;
        SignedData::parse_signed_data(signed, context)
    }

    fn parse_signed_data(signed: Tlv<'a>, context: &'static str) -> Result<SignedData<'a>, Error> {
        let at = signed.offset();
        let mut parts = signed.children().map_err(|e| tlv_error(context, &e))?;
        let _version = next(&mut parts, INTEGER, context, at, "version")?;
        let _digests = next(&mut parts, SET, context, at, "digestAlgorithms")?;
        let encap = next(&mut parts, SEQUENCE, context, at, "encapContentInfo")?;
        let (content_type, content) = parse_encap(&encap, context)?;

        let mut certificates = Vec::new();
        let mut crls = Vec::new();
        let mut signer_set = None;
        for part in parts {
            let part = part.map_err(|e| tlv_error(context, &e))?;
            match part.tag() {
                CTX0_CONSTRUCTED if signer_set.is_none() => {
                    for cert in part.children().map_err(|e| tlv_error(context, &e))? {
                        let cert = cert.map_err(|e| tlv_error(context, &e))?;
                        // Other CertificateChoices (attribute certificates, [n] tags) are skipped.
                        if cert.tag() == SEQUENCE {
                            certificates.push(cert.raw());
                        }
                    }
                }
                CTX1_CONSTRUCTED if signer_set.is_none() => {
                    for crl in part.children().map_err(|e| tlv_error(context, &e))? {
                        let crl = crl.map_err(|e| tlv_error(context, &e))?;
                        if crl.tag() == SEQUENCE {
                            crls.push(crl.raw());
                        }
                    }
                }
                SET if signer_set.is_none() => signer_set = Some(part),
                _ => {
                    return Err(cms(
                        context,
                        part.offset(),
                        "unexpected element in SignedData",
                    ));
                }
            }
        }
        let signer_set = signer_set.ok_or_else(|| cms(context, at, "signerInfos missing"))?;
        let mut signer_infos = Vec::new();
        for si in signer_set.children().map_err(|e| tlv_error(context, &e))? {
            let si = si.map_err(|e| tlv_error(context, &e))?;
            signer_infos.push(parse_signer_info(&si, context)?);
        }
        if signer_infos.is_empty() {
            return Err(cms(context, signer_set.offset(), "no SignerInfo"));
        }
        Ok(SignedData {
            content_type,
            content,
            certificates,
            crls,
            signer_infos,
        })
    }
}

/// `EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }`.
fn parse_encap(
    encap: &Tlv<'_>,
    context: &'static str,
) -> Result<(ObjectIdentifier, Vec<u8>), Error> {
    let mut parts = encap.children().map_err(|e| tlv_error(context, &e))?;
    let kind = next(&mut parts, OID, context, encap.offset(), "eContentType")?;
    let content_type = oid_of(&kind, context)?;
    let wrapper = next(
        &mut parts,
        CTX0_CONSTRUCTED,
        context,
        encap.offset(),
        "eContent",
    )?;
    let mut inner = wrapper.children().map_err(|e| tlv_error(context, &e))?;
    let octets = inner
        .next()
        .ok_or_else(|| cms(context, wrapper.offset(), "eContent empty"))?
        .map_err(|e| tlv_error(context, &e))?;
    let content = octet_string(&octets, context, 0)?;
    Ok((content_type, content))
}

/// An OCTET STRING, primitive (DER) or constructed from primitive segments (BER, seen on some
/// chips). Nesting is bounded.
fn octet_string(t: &Tlv<'_>, context: &'static str, depth: u8) -> Result<Vec<u8>, Error> {
    match t.tag() {
        OCTET_STRING => Ok(t.value().to_vec()),
        OCTET_STRING_CONSTRUCTED if depth < 4 => {
            let mut out = Vec::new();
            for seg in t.children().map_err(|e| tlv_error(context, &e))? {
                let seg = seg.map_err(|e| tlv_error(context, &e))?;
                out.extend(octet_string(&seg, context, depth + 1)?);
            }
            Ok(out)
        }
        _ => Err(cms(context, t.offset(), "expected an OCTET STRING")),
    }
}

fn parse_signer_info<'a>(si: &Tlv<'a>, context: &'static str) -> Result<SignerInfo<'a>, Error> {
    expect_tag(si, SEQUENCE, context, "SignerInfo")?;
    let at = si.offset();
    let mut parts = si.children().map_err(|e| tlv_error(context, &e))?;
    let _version = next(&mut parts, INTEGER, context, at, "SignerInfo version")?;
    let sid_tlv = parts
        .next()
        .ok_or_else(|| cms(context, at, "sid missing"))?
        .map_err(|e| tlv_error(context, &e))?;
    let sid = match sid_tlv.tag() {
        SEQUENCE => {
            let mut f = sid_tlv.children().map_err(|e| tlv_error(context, &e))?;
            let issuer = next(&mut f, SEQUENCE, context, sid_tlv.offset(), "issuer")?;
            let serial = next(&mut f, INTEGER, context, sid_tlv.offset(), "serialNumber")?;
            SignerIdentifier::IssuerAndSerial {
                issuer: issuer.raw().to_vec(),
                serial: serial.value().to_vec(),
            }
        }
        CTX0_PRIMITIVE => SignerIdentifier::SubjectKeyIdentifier(sid_tlv.value().to_vec()),
        _ => {
            return Err(cms(
                context,
                sid_tlv.offset(),
                "sid is neither IssuerAndSerialNumber nor [0]",
            ));
        }
    };
    let digest = next(&mut parts, SEQUENCE, context, at, "digestAlgorithm")?;
    let digest_alg = spki::AlgorithmIdentifierRef::from_der(digest.raw())
        .map_err(|_| cms(context, digest.offset(), "digestAlgorithm"))?;
    let mut item = parts
        .next()
        .ok_or_else(|| cms(context, at, "signatureAlgorithm missing"))?
        .map_err(|e| tlv_error(context, &e))?;
    let mut signed_attrs = None;
    if item.tag() == CTX0_CONSTRUCTED {
        signed_attrs = Some(item);
        item = parts
            .next()
            .ok_or_else(|| cms(context, at, "signatureAlgorithm missing"))?
            .map_err(|e| tlv_error(context, &e))?;
    }
    expect_tag(&item, SEQUENCE, context, "signatureAlgorithm")?;
    let signature_algorithm = item.raw();
    let signature = next(&mut parts, OCTET_STRING, context, at, "signature")?;
    Ok(SignerInfo {
        sid,
        digest_algorithm: HashAlgorithm::from_oid(&digest_alg.oid),
        digest_oid: digest_alg.oid,
        signed_attrs,
        signature_algorithm,
        signature: signature.value(),
    })
}

fn next<'a>(
    parts: &mut tlv::Tlvs<'a>,
    tag: Tag,
    context: &'static str,
    parent: usize,
    what: &'static str,
) -> Result<Tlv<'a>, Error> {
    let t = parts
        .next()
        .ok_or_else(|| cms(context, parent, what))?
        .map_err(|e| tlv_error(context, &e))?;
    expect_tag(&t, tag, context, what)?;
    Ok(t)
}

fn expect_tag(
    t: &Tlv<'_>,
    tag: Tag,
    context: &'static str,
    what: &'static str,
) -> Result<(), Error> {
    if t.tag() == tag {
        Ok(())
    } else {
        Err(cms(context, t.offset(), what))
    }
}

pub(crate) fn oid_of(t: &Tlv<'_>, context: &'static str) -> Result<ObjectIdentifier, Error> {
    ObjectIdentifier::from_der(t.raw())
        .map_err(|_| cms(context, t.offset(), "malformed OBJECT IDENTIFIER"))
}

pub(crate) fn cms(context: &'static str, offset: usize, reason: &'static str) -> Error {
    Error::Cms {
        context,
        offset,
        reason,
    }
}

pub(crate) fn tlv_error(context: &'static str, e: &tlv::Error) -> Error {
    Error::Cms {
        context,
        offset: e.offset().unwrap_or(0),
        reason: e.code(),
    }
}
