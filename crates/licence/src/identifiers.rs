//! Machine and cluster fingerprints.
//!
//! The fingerprint functions are pure. [`read_machine_identifiers`] is **the one place in this
//! crate that reads files**: `/etc/machine-id` (or `/var/lib/dbus/machine-id`).
//!
//! # What a fingerprint covers
//!
//! - **One machine**: [`machine_fingerprint`] over the systemd machine id (`/etc/machine-id`,
//!   stable across reboots and upgrades, new on a reinstall or a properly prepared clone) and,
//!   when the caller passes one, the data directory's installation id (so two installations
//!   on one host have different fingerprints). The DMI product UUID
//!   (`/sys/class/dmi/id/product_uuid`) can be passed too, but the reader does **not** read it:
//!   it is readable only by root on most distributions, so `idverify licence fingerprint` run
//!   as root and the service running as its own user would compute different fingerprints.
//! - **A cluster**: [`cluster_fingerprint`] over a cluster id generated once, at the cluster's
//!   initialisation, and stored in the shared database. Every node computes the same
//!   fingerprint from it, so one licence covers the cluster however many nodes run and
//!   wherever they are scheduled (containers have no stable machine id).
//!
//! Both are `sha256:` and 64 hex digits, under different domain labels: a machine and a
//! cluster can never share a fingerprint.

use std::path::Path;

use crate::{LicenceError, labelled_sha256};

/// The stable identifiers of one machine a fingerprint is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineIdentifiers {
    /// The systemd machine id (`/etc/machine-id`), 32 hex digits.
    pub machine_id: Option<String>,
    /// The DMI product UUID, if the caller chooses to bind to the hardware (root only).
    pub product_uuid: Option<String>,
    /// The data directory's installation id (made by `idverify init`).
    pub installation_id: Option<String>,
}

fn normalise(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
}

/// The fingerprint of one machine (see the module docs). Needs a machine id or a product UUID;
/// values are compared trimmed and lowercased.
pub fn machine_fingerprint(ids: &MachineIdentifiers) -> Result<String, LicenceError> {
    let machine_id = normalise(ids.machine_id.as_ref());
    let product_uuid = normalise(ids.product_uuid.as_ref());
    let installation_id = normalise(ids.installation_id.as_ref());
    if machine_id.is_none() && product_uuid.is_none() {
        return Err(LicenceError::Identifiers {
            reason: "no machine id (/etc/machine-id) and no product UUID: bind the licence to a cluster id instead".into(),
        });
    }
    Ok(labelled_sha256(
        b"idverify machine fingerprint v1\0",
        &[
            (1, machine_id.as_deref()),
            (2, product_uuid.as_deref()),
            (3, installation_id.as_deref()),
        ],
    ))
}

/// The fingerprint of a cluster from its cluster id (16 to 128 characters of letters, digits
/// and `-`; compared lowercased), the id stored in the shared database at initialisation.
pub fn cluster_fingerprint(cluster_id: &str) -> Result<String, LicenceError> {
    let id = cluster_id.trim().to_ascii_lowercase();
    if id.len() < 16
        || id.len() > 128
        || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(LicenceError::Identifiers {
            reason: "a cluster id is 16 to 128 letters, digits and `-`".into(),
        });
    }
    Ok(labelled_sha256(
        b"idverify cluster fingerprint v1\0",
        &[(1, Some(&id))],
    ))
}

/// Reads this machine's identifiers: the machine id from `/etc/machine-id`, else
/// `/var/lib/dbus/machine-id`; `installation_id` as the caller read it from the data directory.
/// The product UUID is left out (see the module docs).
#[must_use]
pub fn read_machine_identifiers(installation_id: Option<String>) -> MachineIdentifiers {
    read_machine_identifiers_under(Path::new("/"), installation_id)
}

/// [`read_machine_identifiers`] under another root directory (a test's, or a mounted image's).
#[must_use]
pub fn read_machine_identifiers_under(
    root: &Path,
    installation_id: Option<String>,
) -> MachineIdentifiers {
    let machine_id = ["etc/machine-id", "var/lib/dbus/machine-id"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(root.join(p)).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty());
    MachineIdentifiers {
        machine_id,
        product_uuid: None,
        installation_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(machine: &str, install: Option<&str>) -> MachineIdentifiers {
        MachineIdentifiers {
            machine_id: Some(machine.into()),
            product_uuid: None,
            installation_id: install.map(Into::into),
        }
    }

    #[test]
    fn stable_and_distinct() {
        let a = machine_fingerprint(&ids("0123456789abcdef0123456789abcdef", None)).unwrap();
        assert_eq!(
            a,
            machine_fingerprint(&ids(" 0123456789ABCDEF0123456789ABCDEF\n", None)).unwrap()
        );
        assert!(crate::is_fingerprint(&a));
        let b =
            machine_fingerprint(&ids("0123456789abcdef0123456789abcdef", Some("inst-1"))).unwrap();
        assert_ne!(a, b);
        let c = cluster_fingerprint("0123456789abcdef0123456789abcdef").unwrap();
        assert_ne!(a, c);
        assert!(machine_fingerprint(&MachineIdentifiers::default()).is_err());
        assert!(cluster_fingerprint("short").is_err());
    }

    #[test]
    fn reads_the_machine_id_under_a_root() {
        let dir = std::env::temp_dir().join(format!("licence-ids-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        std::fs::write(dir.join("etc/machine-id"), "abc123\n").unwrap();
        let got = read_machine_identifiers_under(&dir, Some("i".into()));
        assert_eq!(got.machine_id.as_deref(), Some("abc123"));
        assert_eq!(got.installation_id.as_deref(), Some("i"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
