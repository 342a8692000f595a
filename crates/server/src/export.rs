//! Subject requests: everything held about one verification, exported as one signed archive, and
//! erasure on request. Both are audited.
//!
//! The archive is a JSON document — the verification's record and result, every evidence file
//! decrypted (base64, with its SHA-256), and the audit events about it — preceded by an Ed25519
//! signature over the document's exact bytes, so whoever receives it (the person, a regulator)
//! can check that it came from this installation and was not edited:
//!
//! ```text
//! idverify-export-1\n
//! ed25519:<64-byte signature, hex>\n
//! <JSON document>
//! ```
//!
//! The signing key is `secrets/export.key` (made on first use); `public_key` gives what a
//! receiver verifies with. **Invariant:** the archive holds personal data: it is written only
//! where the operator asks, and nothing of it is logged.

use base64ct::{Base64, Encoding};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{ApiError, Shared};

const MAGIC: &str = "idverify-export-1";

/// Why an archive does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Not an archive of this format.
    #[error("not an idverify export archive")]
    Format,
    /// The signature does not match the document (edited, or signed by another key).
    #[error("the archive's signature does not verify (edited, or from another installation)")]
    Signature,
}

impl ExportError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Format => "export_format",
            ExportError::Signature => "export_signature_invalid",
        }
    }
}

fn key_path(state: &Shared) -> std::path::PathBuf {
    state
        .config
        .path(&state.config.secrets.master_key_file)
        .with_file_name("export.key")
}

/// The export signing key, made on first use.
fn signing_key(state: &Shared) -> Result<SigningKey, ApiError> {
    let seed =
        crate::read_or_create_secret(&key_path(state)).map_err(|e| ApiError::internal(e.code()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The public key receivers check archives with (hex).
///
/// # Errors
/// The key file cannot be read or made.
pub fn public_key(state: &Shared) -> Result<String, ApiError> {
    Ok(hex::encode(signing_key(state)?.verifying_key().to_bytes()))
}

/// The signed archive of verification `id`; audited as `verification.export` by `actor`.
///
/// # Errors
/// `not_found`, storage failures.
pub async fn export(state: &Shared, id: &str, actor: &str) -> Result<Vec<u8>, ApiError> {
    let (archive, files) = archive(state, id).await?;
    state
        .audit(actor, "verification.export", id, json!({"files": files}))
        .await?;
    Ok(archive)
}

/// The signed archive of verification `id` and how many evidence files it holds, without an
/// audit event (the caller records what it does with it: an export, a backup run).
///
/// # Errors
/// `not_found`, storage failures.
pub async fn archive(state: &Shared, id: &str) -> Result<(Vec<u8>, usize), ApiError> {
    let now = state.now_ms();
    let v = state.db.verification(id).await?;
    let inputs = crate::jobs::load_inputs(state, id, now).await?;
    let evidence: Vec<serde_json::Value> = inputs
        .files
        .iter()
        .map(|(name, bytes)| {
            json!({
                "name": name,
                "size": bytes.len(),
                "sha256": hex::encode(Sha256::digest(bytes.as_slice())),
                "data_base64": Base64::encode_string(bytes),
            })
        })
        .collect();
    let audit: Vec<serde_json::Value> = state
        .db
        .audit_events_about(id)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": crate::api::rfc3339(e.entry.at_ms),
                "actor": e.entry.actor,
                "action": e.entry.action,
                "details": e.entry.details,
            })
        })
        .collect();
    let result: Option<serde_json::Value> = v
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    let document = json!({
        "format": MAGIC,
        "exported_at": crate::api::rfc3339(now),
        "verification": {
            "id": v.id,
            "status": v.status.as_str(),
            "reference": v.reference,
            "created_at": crate::api::rfc3339(v.created_at_ms),
            "updated_at": crate::api::rfc3339(v.updated_at_ms),
            "evidence_purged_at": v.purged_at_ms.map(crate::api::rfc3339),
            "result": result,
        },
        "evidence": evidence,
        "audit": audit,
    })
    .to_string();
    let signature = signing_key(state)?.sign(document.as_bytes());
    let mut out = format!("{MAGIC}\ned25519:{}\n", hex::encode(signature.to_bytes())).into_bytes();
    out.extend_from_slice(document.as_bytes());
    Ok((out, inputs.files.len()))
}

/// Checks an archive against the installation's public key (32 bytes); returns the document.
///
/// # Errors
/// [`ExportError`].
pub fn verify(archive: &[u8], public_key: &[u8; 32]) -> Result<serde_json::Value, ExportError> {
    let text = std::str::from_utf8(archive).map_err(|_| ExportError::Format)?;
    let rest = text
        .strip_prefix(MAGIC)
        .and_then(|r| r.strip_prefix('\n'))
        .ok_or(ExportError::Format)?;
    let (sig_line, document) = rest.split_once('\n').ok_or(ExportError::Format)?;
    let sig_hex = sig_line
        .strip_prefix("ed25519:")
        .ok_or(ExportError::Format)?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(sig_hex, &mut sig).map_err(|_| ExportError::Format)?;
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| ExportError::Signature)?;
    key.verify(
        document.as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .map_err(|_| ExportError::Signature)?;
    serde_json::from_str(document).map_err(|_| ExportError::Format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arbitrary_bytes_never_verify_and_never_panic() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let doc = r#"{"format":"idverify-export-1"}"#;
        let sig = key.sign(doc.as_bytes());
        let good = format!("{MAGIC}\ned25519:{}\n{doc}", hex::encode(sig.to_bytes()));
        let pk = key.verifying_key().to_bytes();
        assert!(verify(good.as_bytes(), &pk).is_ok());
        let mut bad = good.clone().into_bytes();
        let last = bad.len() - 3;
        bad[last] ^= 1;
        assert!(verify(&bad, &pk).is_err());
        for junk in [
            &b""[..],
            b"idverify-export-1",
            b"idverify-export-1\ned25519:zz\n{}",
        ] {
            assert_eq!(verify(junk, &pk).unwrap_err(), ExportError::Format);
        }
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes();
        assert_eq!(
            verify(good.as_bytes(), &other).unwrap_err(),
            ExportError::Signature
        );
    }
}
