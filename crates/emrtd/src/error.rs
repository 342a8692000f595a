//! The crate's one error type.

use crate::lds::LdsFile;

/// Why chip data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not valid BER-TLV.
    #[error("{file}: {source}")]
    Tlv {
        /// The file being read.
        file: LdsFile,
        /// The TLV error, with its byte offset.
        source: tlv::Error,
    },
    /// A required data element is absent.
    #[error("{file}: missing data element {tag} inside the template at byte {offset}")]
    MissingElement {
        /// The file being read.
        file: LdsFile,
        /// The tag that was required.
        tag: tlv::Tag,
        /// Offset of the template that should have held it.
        offset: usize,
    },
    /// A data element whose content is not what the specification allows.
    #[error("{file}: invalid data element {tag} at byte {offset}: {reason}")]
    InvalidElement {
        /// The file being read.
        file: LdsFile,
        /// The element's tag.
        tag: tlv::Tag,
        /// Offset of the element.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// An ASN.1 DER structure inside a file (SecurityInfos, public keys, the SOD's CMS) that
    /// does not decode.
    #[error("{file}: ASN.1: {source}")]
    Asn1 {
        /// The file being read.
        file: LdsFile,
        /// The DER decoder's error, with its position.
        source: der::Error,
    },
    /// A CMS SignedData (EF.SOD, a CSCA Master List) whose structure is not RFC 5652's.
    #[error("{context}: malformed CMS SignedData at byte {offset}: {reason}")]
    Cms {
        /// What was being read (`EF.SOD`, `master list`).
        context: &'static str,
        /// Offset of the offending element.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A certificate, CRL, PEM file or master list that cannot be used as trust material.
    #[error("{code}: {detail}")]
    Pki {
        /// Stable code (`certificate_malformed`, `crl_malformed`, `pem_malformed`, ...).
        code: &'static str,
        /// What and where.
        detail: String,
    },
    /// An image inside a data group (DG2 face, DG7 signature) that does not decode.
    #[error("{file}: image: {source}")]
    Image {
        /// The file the image came from.
        file: LdsFile,
        /// The decoder's error.
        source: imaging::Error,
    },
    /// DG1's MRZ could not be read at all (problems inside a readable MRZ are not errors: see
    /// [`mrz::Mrz::problems`]).
    #[error("DG1: unreadable MRZ at byte {offset}: {source}")]
    Mrz {
        /// Offset of the MRZ value in DG1.
        offset: usize,
        /// The MRZ engine's error.
        source: mrz::Error,
    },
}

impl Error {
    /// A stable snake_case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Tlv { source, .. } => source.code(),
            Error::MissingElement { .. } => "lds_missing_element",
            Error::InvalidElement { .. } => "lds_invalid_element",
            Error::Asn1 { .. } => "asn1_invalid",
            Error::Cms { .. } => "cms_invalid",
            Error::Image { source, .. } => source.code(),
            Error::Pki { code, .. } => code,
            Error::Mrz { source, .. } => source.code(),
        }
    }
}
