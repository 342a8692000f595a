//! `idverify init`: a new data directory with every secret generated — no default passwords.
//!
//! ```text
//! <data>/idverify.toml          the configuration (IDVERIFY_* variables override it)
//! <data>/secrets/*.key          master, token, audit and webhook keys (0600, hex)
//! <data>/tls/{cert,key}.pem     a self-signed certificate for the listen address
//! <data>/trust/                 CSCA certificates, CRLs and master lists to trust
//! <data>/evidence/              sealed evidence blobs (local object store)
//! <data>/idverify.db            SQLite (WAL)
//! ```
//! The admin password and the first API key are returned once, to be printed once; only their
//! hashes are kept.

use std::path::Path;

use argon2::PasswordHasher;
use serde_json::json;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::Error;
use crate::tls;

/// What `init` made that the operator must see once.
pub struct Initialised {
    /// The configuration written.
    pub config: Config,
    /// The dashboard admin's password (user `admin`).
    pub admin_password: Zeroizing<String>,
    /// The first API key.
    pub api_key: Zeroizing<String>,
}

impl std::fmt::Debug for Initialised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Initialised([redacted])")
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Io(path.display().to_string(), e)
}

fn create_private_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(io(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(io(path))?;
    }
    Ok(())
}

fn random_hex() -> Zeroizing<String> {
    let mut b = Zeroizing::new([0u8; 32]);
    rand_core::Rng::fill_bytes(&mut crate::rng(), b.as_mut_slice());
    Zeroizing::new(hex::encode(b.as_slice()))
}

/// A password of 20 characters from an alphabet without look-alikes (~103 bits).
fn generate_password() -> Zeroizing<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = Zeroizing::new(String::with_capacity(20));
    let mut rng = crate::rng();
    while out.len() < 20 {
        let mut b = [0u8; 1];
        rand_core::Rng::fill_bytes(&mut rng, &mut b);
        // Rejection sampling keeps the choice uniform.
        if usize::from(b[0]) < 256 - 256 % ALPHABET.len()
            && let Some(c) = ALPHABET.get(usize::from(b[0]) % ALPHABET.len())
        {
            out.push(char::from(*c));
        }
    }
    out
}

/// Hashes a password with Argon2id (RFC 9106 defaults of the `argon2` crate).
///
/// # Errors
/// `secret_invalid` if hashing fails.
pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut crate::rng(), &mut salt);
    let salt = argon2::password_hash::SaltString::encode_b64(&salt)
        .map_err(|e| Error::Secret("password salt".into(), e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Secret("password hash".into(), e.to_string()))
}

/// Creates `config.data_dir` and everything in it, then the database with the admin user and
/// the first API key.
///
/// # Errors
/// `config_invalid` if the directory already holds a configuration (init never overwrites);
/// I/O, TLS and database errors.
pub async fn init(config: Config, now_ms: i64) -> Result<Initialised, Error> {
    let dir = config.data_dir.clone();
    let config_path = dir.join("idverify.toml");
    if config_path.exists() {
        return Err(Error::Config(format!(
            "{} exists; this data directory is already initialised",
            config_path.display()
        )));
    }
    create_private_dir(&dir)?;
    for sub in ["secrets", "tls"] {
        create_private_dir(&dir.join(sub))?;
    }
    for p in [
        &config.secrets.master_key_file,
        &config.secrets.token_key_file,
        &config.secrets.audit_key_file,
        &config.secrets.webhook_secret_file,
    ] {
        let path = config.path(p);
        if !path.exists() {
            tls::write_private(&path, random_hex().as_bytes())?;
        }
    }
    let cert = config.path(&config.server.tls_cert);
    let key = config.path(&config.server.tls_key);
    if !cert.exists() {
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        if let Some((host, _)) = config.server.listen.rsplit_once(':') {
            let host = host.trim_matches(['[', ']']);
            if !names.iter().any(|n| n == host) && host != "0.0.0.0" && host != "::" {
                names.push(host.to_owned());
            }
        }
        let (cert_pem, key_pem) = tls::self_signed(&names)?;
        std::fs::write(&cert, cert_pem).map_err(io(&cert))?;
        tls::write_private(&key, key_pem.as_bytes())?;
    }
    for sub in [config.storage.path.clone()]
        .into_iter()
        .chain(config.trust.csca_path.clone())
    {
        let p = config.path(&sub);
        std::fs::create_dir_all(&p).map_err(io(&p))?;
    }
    // The installation id: with the machine id, what a machine-bound licence is bound to
    // (`idverify licence fingerprint`). Not secret; stable for the life of the directory.
    let installation = dir.join("installation-id");
    if !installation.exists() {
        let id = format!("{}\n", hex::encode(crate::random_bytes::<16>()));
        std::fs::write(&installation, id).map_err(io(&installation))?;
    }
    if let Some(p) = &config.policy.file {
        let p = config.path(p);
        if !p.exists() {
            std::fs::write(&p, risk::DEFAULT_POLICY_TOML).map_err(io(&p))?;
        }
    }
    let text = format!(
        "# idverify configuration. Every key can be overridden by an environment variable\n# IDVERIFY_<SECTION>__<KEY>, e.g. IDVERIFY_SERVER__LISTEN=0.0.0.0:8443.\n# Relative paths are relative to this directory.\n\n{}",
        toml::to_string(&config).map_err(|e| Error::Config(e.to_string()))?
    );

    // Database: schema, admin user, first API key, and the first audit events.
    let secrets = crate::Secrets::load(&config)?;
    let db = store::Db::connect(&config.database_url(), config.database.schema.as_deref()).await?;
    db.migrate().await?;
    // The cluster id, for a licence bound to the cluster: the first node to initialise the
    // shared database sets it, every other node reads it.
    db.installation_value(
        "cluster_id",
        &hex::encode(crate::random_bytes::<16>()),
        now_ms,
    )
    .await?;
    let admin_password = generate_password();
    db.add_user("admin", &hash_password(&admin_password)?, "admin", now_ms)
        .await?;
    let key = auth::NewApiKey::generate(&mut crate::rng());
    db.add_api_key(&key.stored, "initial", now_ms).await?;
    for (action, subject, details) in [
        ("system.init", "idverify", json!({})),
        ("user.create", "admin", json!({"role": "admin"})),
        (
            "api_key.create",
            key.stored.prefix.as_str(),
            json!({"name": "initial"}),
        ),
    ] {
        db.append_audit(
            &secrets.audit,
            audit::Entry {
                at_ms: now_ms,
                actor: "system".into(),
                action: action.into(),
                subject: subject.into(),
                details,
            },
        )
        .await?;
    }
    // Written last: a directory without a config file can be initialised again.
    std::fs::write(&config_path, text).map_err(io(&config_path))?;
    Ok(Initialised {
        config,
        admin_password,
        api_key: key.secret,
    })
}

/// Creates another API key (`idverify apikey create`).
///
/// # Errors
/// Database errors.
pub async fn create_api_key(
    config: &Config,
    name: &str,
    now_ms: i64,
) -> Result<(String, Zeroizing<String>), Error> {
    let secrets = crate::Secrets::load(config)?;
    let db = store::Db::connect(&config.database_url(), config.database.schema.as_deref()).await?;
    db.migrate().await?;
    let key = auth::NewApiKey::generate(&mut crate::rng());
    db.add_api_key(&key.stored, name, now_ms).await?;
    db.append_audit(
        &secrets.audit,
        audit::Entry {
            at_ms: now_ms,
            actor: "operator".into(),
            action: "api_key.create".into(),
            subject: key.stored.prefix.clone(),
            details: json!({"name": name}),
        },
    )
    .await?;
    Ok((key.stored.prefix, key.secret))
}

/// Revokes an API key by prefix (`idverify apikey revoke`).
///
/// # Errors
/// Database errors.
pub async fn revoke_api_key(config: &Config, prefix: &str, now_ms: i64) -> Result<(), Error> {
    let secrets = crate::Secrets::load(config)?;
    let db = store::Db::connect(&config.database_url(), config.database.schema.as_deref()).await?;
    db.revoke_api_key(prefix, now_ms).await?;
    db.append_audit(
        &secrets.audit,
        audit::Entry {
            at_ms: now_ms,
            actor: "operator".into(),
            action: "api_key.revoke".into(),
            subject: prefix.to_owned(),
            details: json!({}),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_and_distinct() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), 20);
        assert_ne!(*a, *b);
        let h = hash_password(&a).unwrap();
        assert!(h.starts_with("$argon2id$"));
    }
}
